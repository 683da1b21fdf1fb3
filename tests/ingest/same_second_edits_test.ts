/**
 * 7shifts' `modified` has one-second resolution, so two edits of a punch can carry the same
 * version. A tie is settled by arrival: the later delivery wins (the rule the README gives and
 * why), an identical body changes nothing, and a held edit replayed at mapping keeps its own
 * arrival, not the replay's.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { testDb, testEnv } from "../_support/env.ts";
import {
  deliverPunch,
  newLocation,
  punchBody,
  type SimplePunch,
  vendorIds,
} from "../fault/vendors.ts";
import { withSeed } from "../_support/property.ts";

const env = testEnv();

const send = (p: SimplePunch, topic = "time_punch.edited") =>
  deliverPunch(env.functionsUrl, env.sevenShiftsGrantGuid, punchBody(p), topic);

/** Two edits of one punch in the same second: the clock-out differs by `minutes`. */
function sameSecondEdits(ids: ReturnType<typeof vendorIds>, minutes: [number, number]) {
  const base: SimplePunch = {
    id: 1_900_000_000 + Math.floor(Math.random() * 40_000_000),
    companyId: ids.companyId,
    locationId: ids.sevenShiftsLocationId,
    clockedIn: "2026-11-25 14:00:00",
    clockedOut: "",
    modified: "2026-11-25 22:15:07",
    hourlyWage: 18,
  };
  const at = (m: number) =>
    `2026-11-25 ${String(20 + Math.floor(m / 60)).padStart(2, "0")}:${
      String(m % 60).padStart(2, "0")
    }:00`;
  return [{ ...base, clockedOut: at(minutes[0]) }, { ...base, clockedOut: at(minutes[1]) }];
}

Deno.test("same-second edits: delivered in order, the last one is what stays (20 random pairs)", async () => {
  const sql = testDb();
  try {
    const ids = vendorIds();
    await newLocation(sql, ids);
    // Distinct clock-outs, so the two bodies (and their content hashes) differ at random.
    const pairs = fc.sample(
      fc.uniqueArray(fc.integer({ min: 0, max: 239 }), { minLength: 2, maxLength: 2 }),
      withSeed({ seed: 5, numRuns: 20 }),
    ) as Array<[number, number]>;
    const kept: string[] = [];
    for (const pair of pairs) {
      const [first, second] = sameSecondEdits(ids, pair);
      assert.equal((await send(first)).status, 200);
      assert.equal((await send(second)).status, 200);
      const [row] = await sql`select to_char(clocked_out_at at time zone 'UTC',
          'YYYY-MM-DD HH24:MI:SS') as out from public.punches where sevenshifts_punch_id = ${first.id}`;
      kept.push(row.out === second.clockedOut ? "last" : "first");
    }
    assert.deepEqual(kept, Array(pairs.length).fill("last"));
  } finally {
    await sql.end();
  }
});

Deno.test("same-second edits: an identical body changes nothing, whatever its topic", async () => {
  const sql = testDb();
  try {
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    const [first, second] = sameSecondEdits(ids, [30, 90]);
    await send(first);
    await send(second);
    const redelivery = await send(first);
    assert.deepEqual([redelivery.status, redelivery.json.duplicate], [200, true]);
    // The same body under another topic is a new event with nothing new in it.
    const again = await send(second, "time_punch.created");
    assert.deepEqual([again.status, again.json.outcome, again.json.duplicate], [
      200,
      "stale",
      false,
    ]);
    const [row] = await sql`select to_char(clocked_out_at at time zone 'UTC',
        'YYYY-MM-DD HH24:MI:SS') as out from public.punches where sevenshifts_punch_id = ${first.id}`;
    assert.equal(row.out, second.clockedOut);
    const [day] = await sql`select paid_labor_seconds::int as seconds from public.daily_metrics
      where location_id = ${locationId} and business_date = '2026-11-25'`;
    assert.equal(day.seconds, 7.5 * 3600);
  } finally {
    await sql.end();
  }
});

Deno.test("same-second edits: held for an unmapped location, replayed at mapping in arrival order", async () => {
  const sql = testDb();
  try {
    for (const pair of [[30, 90], [90, 30], [10, 200], [200, 10]] as Array<[number, number]>) {
      const ids = vendorIds();
      const [first, second] = sameSecondEdits(ids, pair);
      assert.equal((await send(first)).status, 202);
      assert.equal((await send(second)).status, 202);
      await newLocation(sql, ids);
      const [row] = await sql`select to_char(clocked_out_at at time zone 'UTC',
          'YYYY-MM-DD HH24:MI:SS') as out from public.punches where sevenshifts_punch_id = ${first.id}`;
      assert.equal(row.out, second.clockedOut, `pair ${pair}`);
    }
  } finally {
    await sql.end();
  }
});
