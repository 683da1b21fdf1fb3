/**
 * Parity: the same inputs through shared/transformations.ts and through the SQL formula on
 * the real database must give identical figures, every field, every edge. Seeded, so a
 * failure reproduces; batched (1,000 days per query), so 10,000 days take seconds. A failing
 * batch is not shrunk (each step would be a round trip); the message names the first day
 * whose figures differ, with its inputs.
 *
 * JSON goes to Postgres as `$1::text::jsonb`: a text parameter reaches the server verbatim
 * (postgres.js would JSON-encode a string bound to a jsonb parameter a second time).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type postgres from "postgres";
import { divideRoundHalfAwayBig } from "../../shared/rounding.ts";
import {
  computeDailyMetrics,
  type DailyMetrics,
  type DayInputs,
  type DayOrder,
  type DayPunch,
  epochSeconds,
  MAX_OPEN_SHIFT_SECONDS,
} from "../../shared/transformations.ts";
import { testDb } from "../_support/env.ts";

const DAY_MS = 86_400_000;
const BASE_MS = Date.UTC(2026, 10, 28, 8);

/** Figures as text (null stays null): bigint columns compared exactly, without JS numbers. */
type FiguresText = { [K in keyof DailyMetrics]: string | null };

function expectedText(m: DailyMetrics): FiguresText {
  const out = {} as FiguresText;
  for (const [k, v] of Object.entries(m)) {
    out[k as keyof DailyMetrics] = v === null ? null : String(v);
  }
  return out;
}

const FIGURE_COLUMNS = `
  m.net_sales_cents::text as "netSalesCents",
  m.refund_cents::text as "refundCents",
  m.labor_cost_cents::text as "laborCostCents",
  m.paid_labor_seconds::text as "paidLaborSeconds",
  m.paid_labor_minutes::text as "paidLaborMinutes",
  m.labor_pct_bp::text as "laborPctBp",
  m.cplh_cents::text as "cplhCents",
  m.splh_cents::text as "splhCents",
  m.order_count::text as "orderCount",
  m.punch_count::text as "punchCount",
  m.open_punch_count::text as "openPunchCount"`;

/** One query over a JSON array of days, each through pipeline.compute_daily_metrics. */
async function sqlFigures(sql: postgres.Sql, days: DayInputs[]): Promise<FiguresText[]> {
  const payload = days.map((d) => ({
    ...d,
    maxOpenShiftSeconds: d.maxOpenShiftSeconds ?? MAX_OPEN_SHIFT_SECONDS,
  }));
  const rows = await sql.unsafe(
    `select ${FIGURE_COLUMNS}
     from jsonb_array_elements($1::text::jsonb) with ordinality as d (day, i)
     cross join lateral pipeline.compute_daily_metrics(
       array(
         select row(o."netSalesCents", o.voided, o.deleted, o."excessFood")::pipeline.metric_order
         from jsonb_to_recordset(d.day -> 'orders')
           as o ("netSalesCents" bigint, voided boolean, deleted boolean, "excessFood" boolean)
       ),
       array(
         select r."refundCents"
         from jsonb_to_recordset(d.day -> 'refunds') as r ("refundCents" bigint)
       ),
       array(
         select row(p."clockedInAt", p."clockedOutAt", p."unpaidBreakSeconds", p."paidSeconds",
             p."hourlyWageCents", p.deleted)::pipeline.metric_punch
         from jsonb_to_recordset(d.day -> 'punches')
           as p ("clockedInAt" timestamptz, "clockedOutAt" timestamptz,
             "unpaidBreakSeconds" bigint, "paidSeconds" bigint, "hourlyWageCents" numeric,
             deleted boolean)
       ),
       (d.day ->> 'asOf')::timestamptz,
       (d.day ->> 'maxOpenShiftSeconds')::integer
     ) as m
     order by d.i`,
    [JSON.stringify(payload)],
  );
  return rows as unknown as FiguresText[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A random 62-bit 7shifts punch id (as text): unique across the tests sharing the database. */
const randomPunchId = () => (crypto.getRandomValues(new BigUint64Array(1))[0] >> 2n).toString();

// Amounts: everyday values, the edges (0, 1 ¢, negative), and orders big enough that a day
// sums past $10M.
const arbSalesCents = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 250_000 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, -1, 2, 20_000, 99_999_999) },
  { weight: 1, arbitrary: fc.integer({ min: -50_000, max: -1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100_000_000, max: 900_000_000 }) },
);

const arbOrder: fc.Arbitrary<DayOrder> = fc.record({
  netSalesCents: arbSalesCents,
  voided: fc.constantFrom(false, false, false, true),
  deleted: fc.constantFrom(false, false, false, false, true),
  excessFood: fc.constantFrom(false, false, false, false, false, true),
});

// Wages in cents exact to a hundredth of a cent (at most two decimals, as shared/sevenshifts.ts
// keeps them: $15.125 is 1512.5 ¢): whole cents, fractional cents, and the halves they make.
const arbWage = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 6_000 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 3, 725, 1_800, 1_801) },
  { weight: 1, arbitrary: fc.integer({ min: 6_000, max: 200_000 }) },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 0, max: 600_000 }).map((hundredths) => hundredths / 100),
  },
  { weight: 1, arbitrary: fc.constantFrom(0.01, 0.5, 1512.5, 1512.55, 1.01, 0.99, 2_499.99) },
);

/** A punch around the day: open or closed, ingested paid seconds or derived, odd instants. */
const arbPunch: fc.Arbitrary<DayPunch> = fc.record({
  inMs: fc.integer({ min: -6 * 3_600_000, max: DAY_MS }),
  lengthMs: fc.oneof(
    fc.integer({ min: 0, max: 14 * 3_600_000 }),
    fc.constantFrom(0, 999, 1_000, 1_800_000, 3_600_000, 7_200_000),
    fc.integer({ min: 14 * 3_600_000, max: 30 * 3_600_000 }),
  ),
  closed: fc.constantFrom(true, true, true, false),
  paidMode: fc.constantFrom("derived", "derived", "ingested", "missing"),
  ingestedPaid: fc.oneof(
    fc.integer({ min: 0, max: 86_400 }),
    fc.constantFrom(0, 1, 60, 90, 1_800, 3_600, 7_200),
  ),
  unpaidBreakSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 7_200 })),
  hourlyWageCents: arbWage,
  deleted: fc.constantFrom(false, false, false, false, true),
}).map((p): DayPunch => {
  const clockedInAt = iso(BASE_MS + p.inMs);
  const out = iso(BASE_MS + p.inMs + p.lengthMs);
  const derived = Math.max(0, epochSeconds(out) - epochSeconds(clockedInAt) - p.unpaidBreakSeconds);
  return {
    clockedInAt,
    clockedOutAt: p.closed ? out : null,
    paidSeconds: !p.closed || p.paidMode === "missing"
      ? null
      : p.paidMode === "ingested"
      ? p.ingestedPaid
      : derived,
    unpaidBreakSeconds: p.unpaidBreakSeconds,
    hourlyWageCents: p.hourlyWageCents,
    deleted: p.deleted,
  };
});

const arbRandomDay: fc.Arbitrary<DayInputs> = fc.record({
  orders: fc.array(arbOrder, { maxLength: 15 }),
  refunds: fc.array(
    fc.record({
      refundCents: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(0, 1, 20_001)),
    }),
    { maxLength: 3 },
  ),
  punches: fc.array(arbPunch, { maxLength: 10 }),
  // The clock: before clock-ins, mid-shift, past the 16 h cap, days later.
  asOf: fc.integer({ min: -8 * 3_600_000, max: 3 * DAY_MS }).map((ms) => iso(BASE_MS + ms)),
  maxOpenShiftSeconds: fc.oneof(
    { weight: 4, arbitrary: fc.constant(MAX_OPEN_SHIFT_SECONDS) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 100_000 }) },
  ),
});

/**
 * Days built to land exactly on rounding halves: 1,800 s × an odd wage (a punch's cost is
 * k + ½ ¢), 90 s (1.5 paid minutes), 7,200 s (CPLH and SPLH of an odd amount end in ½), and
 * 20,000 ¢ of sales with an odd labor cost (labor % ends in ½ bp); refunds push net sales
 * negative so the halves are also met below zero.
 */
const arbHalfDay: fc.Arbitrary<DayInputs> = fc.record({
  sales: fc.constantFrom(0, 1, 20_000, 40_000, 3, 7_201),
  refund: fc.constantFrom(0, 0, 1, 20_001, 40_003),
  punches: fc.array(
    fc.record({
      paid: fc.constantFrom(90, 1_800, 3_600, 7_200, 1_799, 1_801),
      wage: fc.constantFrom(1, 3, 5, 725, 1_801, 0.5, 1.5, 1512.5),
    }),
    { maxLength: 3 },
  ),
}).map(({ sales, refund, punches }) => ({
  orders: [{ netSalesCents: sales, voided: false, deleted: false, excessFood: false }],
  refunds: [{ refundCents: refund }],
  punches: punches.map((p) => ({
    clockedInAt: iso(BASE_MS),
    clockedOutAt: iso(BASE_MS + p.paid * 1000),
    paidSeconds: p.paid,
    unpaidBreakSeconds: 0,
    hourlyWageCents: p.wage,
    deleted: false,
  })),
  asOf: iso(BASE_MS + DAY_MS),
}));

const arbDay = fc.oneof(
  { weight: 4, arbitrary: arbRandomDay },
  { weight: 1, arbitrary: arbHalfDay },
);

function firstMismatch(days: DayInputs[], got: FiguresText[]): string | null {
  assert.equal(got.length, days.length);
  for (const [i, day] of days.entries()) {
    const want = expectedText(computeDailyMetrics(day));
    try {
      assert.deepEqual({ ...got[i] }, want);
    } catch {
      return `day ${i}: ${JSON.stringify(day)}\n  TS:  ${JSON.stringify(want)}\n  SQL: ${
        JSON.stringify(got[i])
      }`;
    }
  }
  return null;
}

Deno.test("parity: the SQL open-shift cap is the TypeScript one", async () => {
  const sql = testDb();
  try {
    const [row] = await sql`select pipeline.max_open_shift_seconds() as cap`;
    assert.equal(row.cap, MAX_OPEN_SHIFT_SECONDS);
  } finally {
    await sql.end();
  }
});

Deno.test("parity: pipeline.round_half_away equals the TypeScript rule, halves included", async () => {
  const sql = testDb();
  try {
    // Random pairs up to 2^80 / 2^60, plus pairs built to sit exactly on a half.
    const arbPair = fc.oneof(
      fc.tuple(
        fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
        fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }).filter((d) => d !== 0n),
      ),
      fc.tuple(
        fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
        fc.bigInt({ min: 1n, max: 2n ** 30n }),
        fc.boolean(),
      ).map(([k, h, negative]): [bigint, bigint] => {
        const d = 2n * h; // even, so k·d + h is exactly k + ½ of d
        return [k * d + h, negative ? -d : d];
      }),
      fc.tuple(fc.integer({ min: -10, max: 10 }), fc.integer({ min: -4, max: 4 }))
        .filter(([, d]) => d !== 0)
        .map(([n, d]): [bigint, bigint] => [BigInt(n), BigInt(d)]),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(arbPair, { minLength: 1_000, maxLength: 1_000 }), async (pairs) => {
        const rows = await sql.unsafe(
          `select pipeline.round_half_away((p ->> 0)::numeric, (p ->> 1)::numeric)::text as q
           from jsonb_array_elements($1::text::jsonb) with ordinality as x (p, i) order by x.i`,
          [JSON.stringify(pairs.map(([n, d]) => [n.toString(), d.toString()]))],
        );
        for (const [i, [n, d]] of pairs.entries()) {
          assert.equal(rows[i].q, divideRoundHalfAwayBig(n, d).toString(), `${n} / ${d}`);
        }
      }),
      { seed: 20261128, numRuns: 10, endOnFailure: true },
    );
  } finally {
    await sql.end();
  }
});

Deno.test("parity: 10,000 generated days, identical figures in TypeScript and SQL", async () => {
  const sql = testDb();
  let checked = 0;
  const seen = { zeroSales: 0, zeroPaid: 0, negativeSales: 0, over10M: 0, openPunches: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(arbDay, { minLength: 1_000, maxLength: 1_000 }), async (days) => {
        const got = await sqlFigures(sql, days);
        const mismatch = firstMismatch(days, got);
        assert.equal(mismatch, null, mismatch ?? "");
        checked += days.length;
        for (const day of days) {
          const m = computeDailyMetrics(day);
          if (m.netSalesCents === 0) seen.zeroSales++;
          if (m.netSalesCents < 0) seen.negativeSales++;
          if (m.netSalesCents > 1_000_000_000) seen.over10M++;
          if (m.paidLaborSeconds === 0) seen.zeroPaid++;
          if (m.openPunchCount > 0) seen.openPunches++;
        }
      }),
      { seed: 42, numRuns: 10, endOnFailure: true },
    );
    assert.ok(checked >= 10_000, `checked ${checked} days`);
    // The generator really reaches the edges the acceptance names.
    for (const [edge, count] of Object.entries(seen)) assert.ok(count > 50, `${edge}: ${count}`);
  } finally {
    await sql.end();
  }
});

Deno.test("parity: the edges, one by one, through SQL", async () => {
  const sql = testDb();
  const at = (h: number) => iso(BASE_MS + h * 3_600_000);
  const punch = (paid: number, wage: number): DayPunch => ({
    clockedInAt: at(0),
    clockedOutAt: at(paid / 3600),
    paidSeconds: paid,
    unpaidBreakSeconds: 0,
    hourlyWageCents: wage,
    deleted: false,
  });
  const day = (over: Partial<DayInputs>): DayInputs => ({
    orders: [],
    refunds: [],
    punches: [],
    asOf: at(24),
    ...over,
  });
  const edges: DayInputs[] = [
    day({}), // nothing at all
    day({ orders: [{ netSalesCents: 0, voided: false, deleted: false, excessFood: false }] }), // zero sales
    day({ punches: [punch(3_600, 1_500)] }), // labor, no sales
    day({ orders: [{ netSalesCents: 1, voided: false, deleted: false, excessFood: false }] }), // a single cent
    day({
      orders: [{ netSalesCents: 1, voided: false, deleted: false, excessFood: false }],
      punches: [punch(1, 1)],
    }),
    day({
      orders: [{ netSalesCents: 20_000, voided: false, deleted: false, excessFood: false }],
      punches: [punch(3_600, 1)],
    }), // ½ bp
    day({ punches: [punch(1_800, 1)] }), // ½ ¢ of labor
    day({ punches: [punch(90, 0)] }), // 1.5 paid minutes, zero wage
    day({ refunds: [{ refundCents: 1 }], punches: [punch(7_200, 1)] }), // SPLH −½
    day({
      orders: Array.from(
        { length: 12 },
        () => ({ netSalesCents: 99_999_999, voided: false, deleted: false, excessFood: false }),
      ),
      punches: [punch(57_600, 100_000), punch(57_600, 100_000)],
    }), // $11,999,999.88 of sales
    day({
      punches: [{ ...punch(0, 2_000), clockedOutAt: null, paidSeconds: null }],
      asOf: at(40),
    }), // an open punch past the cap
  ];
  try {
    const got = await sqlFigures(sql, edges);
    const mismatch = firstMismatch(edges, got);
    assert.equal(mismatch, null, mismatch ?? "");
    assert.equal(got[0].laborPctBp, null);
    assert.equal(got[0].cplhCents, null);
    assert.equal(got[5].laborPctBp, "1");
    assert.equal(got[8].splhCents, "-1");
    assert.equal(got[9].netSalesCents, "1199999988");
    assert.equal(got[10].paidLaborSeconds, String(MAX_OPEN_SHIFT_SECONDS));
  } finally {
    await sql.end();
  }
});

/**
 * The table path: rows inserted into public.orders / order_refunds / punches, recomputed by
 * the triggers at commit, read back from public.daily_metrics, equal to TypeScript on the
 * same rows. Covers the recompute's own reading of the tables (the day's order totals, refunds
 * and punches), which the array formula does not.
 */
Deno.test("parity: figures recomputed from real rows by the triggers equal TypeScript", async () => {
  const sql = testDb();
  const arbTableDay = fc.record({
    orders: fc.array(arbOrder, { maxLength: 10 }),
    refunds: fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 3 }),
    punches: fc.array(arbPunch, { maxLength: 8 }),
  });
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbTableDay, { minLength: 50, maxLength: 50 }),
        fc.integer({ min: -8 * 3_600_000, max: 2 * DAY_MS }),
        async (days, clockMs) => {
          const asOf = iso(BASE_MS + clockMs);
          const [loc] = await sql`
            insert into public.locations (name, alerts_enabled)
            values ('parity table path', false) returning id`;
          const dates = days.map((_, i) => iso(Date.UTC(2025, 0, 1) + i * DAY_MS).slice(0, 10));
          // A deleted order per day carries the day's refunds (a refund needs an order).
          const carriers = dates.map(() => crypto.randomUUID());
          await sql.begin(async (tx) => {
            await tx`select set_config('pipeline.now', ${asOf}, true)`;
            const orders = days.flatMap((d, i) => [
              {
                guid: carriers[i],
                date: dates[i],
                cents: 0,
                voided: false,
                deleted: true,
                excessFood: false,
              },
              ...d.orders.map((o) => ({
                guid: crypto.randomUUID(),
                date: dates[i],
                cents: o.netSalesCents,
                voided: o.voided,
                deleted: o.deleted,
                excessFood: o.excessFood,
              })),
            ]);
            await tx.unsafe(
              `insert into public.orders (toast_order_guid, location_id, business_date,
                 net_sales_cents, gross_sales_cents, discount_cents, tax_cents, tip_cents,
                 gratuity_cents, deferred_cents, check_count, voided, deleted, excess_food,
                 vendor_modified_at, version_hash)
               select o.guid, $2, o.date, o.cents, o.cents, 0, 0, 0, 0, 0, 1, o.voided,
                 o.deleted, o."excessFood", now(), 'parity'
               from jsonb_to_recordset($1::text::jsonb)
                 as o (guid uuid, date date, cents bigint, voided boolean, deleted boolean,
                   "excessFood" boolean)`,
              [JSON.stringify(orders), loc.id],
            );
            const refunds = days.flatMap((d, i) =>
              d.refunds.map((cents, k) => ({
                guid: carriers[i],
                payment: `pay-${k}`,
                date: dates[i],
                cents,
              }))
            );
            await tx.unsafe(
              `insert into public.order_refunds (toast_order_guid, payment_guid, location_id,
                 refund_business_date, refund_cents, tip_refund_cents)
               select r.guid, r.payment, $2, r.date, r.cents, 0
               from jsonb_to_recordset($1::text::jsonb)
                 as r (guid uuid, payment text, date date, cents bigint)`,
              [JSON.stringify(refunds), loc.id],
            );
            const punches = days.flatMap((d, i) =>
              d.punches.map((p) => ({ ...p, id: randomPunchId(), date: dates[i] }))
            );
            await tx.unsafe(
              `insert into public.punches (sevenshifts_punch_id, location_id,
                 sevenshifts_company_id, sevenshifts_location_id, clocked_in_at, clocked_out_at,
                 business_date, unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved,
                 deleted, vendor_modified_at, version_hash)
               select p.id, $2, 1, 1, p."clockedInAt", p."clockedOutAt",
                 p.date, p."unpaidBreakSeconds", p."paidSeconds", p."hourlyWageCents", true,
                 p.deleted, now(), 'parity'
               from jsonb_to_recordset($1::text::jsonb)
                 as p (id bigint, "clockedInAt" timestamptz, "clockedOutAt" timestamptz, date date,
                   "unpaidBreakSeconds" integer, "paidSeconds" integer,
                   "hourlyWageCents" numeric, deleted boolean)`,
              [JSON.stringify(punches), loc.id],
            );
          });
          const rows = await sql.unsafe(
            `select m.business_date::text as date, m.recompute_count::text as recomputes,
               ${FIGURE_COLUMNS}
             from public.daily_metrics as m where m.location_id = $1`,
            [loc.id],
          );
          assert.equal(rows.length, days.length);
          const byDate = new Map(rows.map((r) => [r.date as string, r]));
          for (const [i, d] of days.entries()) {
            const { date: _d, recomputes, ...got } = byDate.get(dates[i])!;
            assert.equal(recomputes, "1", `day ${dates[i]} recomputed once`);
            const want = expectedText(computeDailyMetrics({
              orders: [
                { netSalesCents: 0, voided: false, deleted: true, excessFood: false },
                ...d.orders,
              ],
              refunds: d.refunds.map((refundCents) => ({ refundCents })),
              punches: d.punches,
              asOf,
            }));
            assert.deepEqual({ ...got }, want, `day ${i}: ${JSON.stringify(d)} at ${asOf}`);
          }
        },
      ),
      { seed: 7, numRuns: 6, endOnFailure: true },
    );
  } finally {
    await sql.end();
  }
});
