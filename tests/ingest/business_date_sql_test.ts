/**
 * shared/business_date.ts must give the same business date as SQL pipeline.business_date_of,
 * instant by instant, across DST transitions in both hemispheres and odd offsets.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { testDb } from "../_support/env.ts";
import { businessDateOf } from "../../shared/business_date.ts";
import { withSeed } from "../_support/property.ts";

/** Zones with a transition day each side of it (spring forward / fall back), 2026. */
const TRANSITIONS: Array<[string, string[]]> = [
  ["America/New_York", ["2026-03-08", "2026-11-01"]],
  ["Europe/London", ["2026-03-29", "2026-10-25"]],
  ["Australia/Sydney", ["2026-04-05", "2026-10-04"]],
  ["America/St_Johns", ["2026-03-08", "2026-11-01"]], // UTC-3:30 / -2:30
  ["Pacific/Chatham", ["2026-04-05", "2026-09-27"]], // UTC+13:45 / +12:45
  ["Australia/Lord_Howe", ["2026-04-05", "2026-10-04"]], // 30-minute DST shift
  ["America/Santiago", ["2026-04-05", "2026-09-06"]], // changes at 00:00 local
  ["Asia/Kolkata", ["2026-03-08"]], // no DST, half-hour offset
];
const CUTOFFS = [0, 1, 2, 3, 4, 5, 23];

async function sqlDates(
  sql: ReturnType<typeof testDb>,
  instants: string[],
  zone: string,
  cutoff: number,
): Promise<string[]> {
  const rows = await sql`
    select pipeline.business_date_of(t, ${zone}, ${cutoff}::smallint)::text as d
    from unnest(${instants}::timestamptz[]) with ordinality as u(t, n)
    order by n`;
  return rows.map((r) => r.d as string);
}

Deno.test("business date: TS and SQL agree every 15 minutes around DST transitions", async () => {
  const sql = testDb();
  try {
    for (const [zone, days] of TRANSITIONS) {
      const instants: string[] = [];
      for (const day of days) {
        const start = Date.parse(`${day}T00:00:00Z`) - 36 * 3_600_000;
        for (let t = start; t <= start + 72 * 3_600_000; t += 15 * 60_000) {
          instants.push(new Date(t).toISOString());
        }
      }
      for (const cutoff of CUTOFFS) {
        const expected = await sqlDates(sql, instants, zone, cutoff);
        const actual = instants.map((i) => businessDateOf(i, zone, cutoff));
        const diffs = instants.filter((_, k) => expected[k] !== actual[k]);
        assert.deepEqual(diffs, [], `${zone} cutoff ${cutoff}`);
      }
    }
  } finally {
    await sql.end();
  }
});

Deno.test("business date property: TS and SQL agree on random instants, zones and cut-offs", async () => {
  const sql = testDb();
  try {
    const zones = TRANSITIONS.map(([z]) => z).concat(["UTC", "Asia/Tokyo", "Pacific/Kiritimati"]);
    const samples = fc.sample(
      fc.record({
        t: fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2037, 11, 31) }),
        zone: fc.constantFrom(...zones),
        cutoff: fc.integer({ min: 0, max: 23 }),
      }),
      withSeed({ seed: 20261128, numRuns: 600 }),
    );
    const rows = await sql`
      select pipeline.business_date_of(t, z, c::smallint)::text as d
      from unnest(${samples.map((s) => new Date(s.t).toISOString())}::timestamptz[],
        ${samples.map((s) => s.zone)}::text[], ${samples.map((s) => s.cutoff)}::int[])
        with ordinality as u(t, z, c, n)
      order by n`;
    samples.forEach((s, k) => {
      const iso = new Date(s.t).toISOString();
      assert.equal(
        businessDateOf(iso, s.zone, s.cutoff),
        rows[k].d,
        `${iso} ${s.zone} ${s.cutoff}`,
      );
    });
  } finally {
    await sql.end();
  }
});
