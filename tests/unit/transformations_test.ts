import assert from "node:assert/strict";
import fc from "fast-check";
import {
  computeDailyMetrics,
  costPerLaborHourCents,
  type DayInputs,
  type DayPunch,
  epochSeconds,
  laborPctBp,
  MAX_OPEN_SHIFT_SECONDS,
  punchLaborCostCents,
  punchPaidSeconds,
  salesPerLaborHourCents,
} from "../../shared/transformations.ts";
import { withSeed } from "../_support/property.ts";

const order = (netSalesCents: number, voided = false, deleted = false, excessFood = false) => ({
  netSalesCents,
  voided,
  deleted,
  excessFood,
});

const closedPunch = (
  clockedInAt: string,
  clockedOutAt: string,
  paidSeconds: number,
  hourlyWageCents: number,
  unpaidBreakSeconds = 0,
): DayPunch => ({
  clockedInAt,
  clockedOutAt,
  paidSeconds,
  hourlyWageCents,
  unpaidBreakSeconds,
  deleted: false,
});

const openPunch = (clockedInAt: string, hourlyWageCents: number, unpaidBreakSeconds = 0) => ({
  clockedInAt,
  clockedOutAt: null,
  paidSeconds: null,
  hourlyWageCents,
  unpaidBreakSeconds,
  deleted: false,
});

const empty: DayInputs = { orders: [], refunds: [], punches: [], asOf: "2026-11-28T23:00:00Z" };

Deno.test("daily figures: a worked example, every field", () => {
  // Two cooks for 8 h at $18.00 and one server for 6 h (30 min unpaid break) at $7.25.
  const m = computeDailyMetrics({
    orders: [order(150_000), order(87_550), order(12_345, true), order(999, false, true)],
    refunds: [{ refundCents: 2_550 }],
    punches: [
      closedPunch("2026-11-28T14:00:00Z", "2026-11-28T22:00:00Z", 28_800, 1_800),
      closedPunch("2026-11-28T14:00:00Z", "2026-11-28T22:00:00Z", 28_800, 1_800),
      closedPunch("2026-11-28T16:00:00Z", "2026-11-28T22:30:00Z", 21_600, 725, 1_800),
    ],
    asOf: "2026-11-29T02:00:00Z",
  });
  // Labor: 2 × 14,400 + 21,600 × 725 / 3600 = 28,800 + 4,350 = 33,150 cents.
  // Net sales: 150,000 + 87,550 − 2,550 = 235,000. Paid: 79,200 s = 1,320 min = 22 h.
  assert.deepEqual(m, {
    netSalesCents: 235_000,
    refundCents: 2_550,
    laborCostCents: 33_150,
    paidLaborSeconds: 79_200,
    paidLaborMinutes: 1_320,
    laborPctBp: 1_411, // 33,150 / 235,000 = 14.1063… %
    cplhCents: 1_507, // 33,150 / 22 h = 1,506.8…
    splhCents: 10_682, // 235,000 / 22 h = 10,681.8…
    orderCount: 2,
    punchCount: 3,
    openPunchCount: 0,
    overtimeMinutes: 0,
    overtimePremiumCents: 0,
  });
});

Deno.test("daily figures: an empty day is zeros with null ratios, never 0 or Infinity", () => {
  assert.deepEqual(computeDailyMetrics(empty), {
    netSalesCents: 0,
    refundCents: 0,
    laborCostCents: 0,
    paidLaborSeconds: 0,
    paidLaborMinutes: 0,
    laborPctBp: null,
    cplhCents: null,
    splhCents: null,
    orderCount: 0,
    punchCount: 0,
    openPunchCount: 0,
    overtimeMinutes: 0,
    overtimePremiumCents: 0,
  });
});

Deno.test("daily figures: a punch's overtime premium is part of labor cost, CPLH and labor %", () => {
  // 10 h at $20 with 2 h of weekly overtime (premium 2 h × $10 = $20) on a $1,000 day.
  const m = computeDailyMetrics({
    orders: [{ netSalesCents: 100_000, voided: false, deleted: false, excessFood: false }],
    refunds: [],
    punches: [{
      clockedInAt: "2026-11-06T14:00:00Z",
      clockedOutAt: "2026-11-07T00:00:00Z",
      unpaidBreakSeconds: 0,
      paidSeconds: 36_000,
      hourlyWageCents: 2_000,
      deleted: false,
      overtimeSeconds: 7_230, // 2 h 0 min 30 s: 120.5 minutes → 121
      overtimePremiumCents: 2_000,
    }],
    asOf: "2026-11-07T02:00:00Z",
  });
  assert.equal(m.laborCostCents, 22_000); // $200 straight + $20 premium
  assert.equal(m.laborPctBp, 2_200);
  assert.equal(m.cplhCents, 2_200);
  assert.equal(m.overtimeMinutes, 121);
  assert.equal(m.overtimePremiumCents, 2_000);
});

Deno.test("daily figures: zero sales with labor → labor % null, CPLH and SPLH defined", () => {
  const m = computeDailyMetrics({
    ...empty,
    punches: [closedPunch("2026-11-28T10:00:00Z", "2026-11-28T11:00:00Z", 3_600, 2_000)],
  });
  assert.equal(m.laborPctBp, null);
  assert.equal(m.cplhCents, 2_000);
  assert.equal(m.splhCents, 0);
});

Deno.test("daily figures: sales with zero paid time → CPLH and SPLH null, labor % 0", () => {
  const m = computeDailyMetrics({
    ...empty,
    orders: [order(1)],
    punches: [closedPunch("2026-11-28T10:00:00Z", "2026-11-28T10:00:00Z", 0, 2_000)],
  });
  assert.equal(m.laborPctBp, 0);
  assert.equal(m.cplhCents, null);
  assert.equal(m.splhCents, null);
  assert.equal(m.punchCount, 1);
});

Deno.test("daily figures: refunds exceeding sales → negative net sales, labor % null", () => {
  const m = computeDailyMetrics({
    ...empty,
    orders: [order(1_000)],
    refunds: [{ refundCents: 2_500 }],
    punches: [closedPunch("2026-11-28T10:00:00Z", "2026-11-28T12:00:00Z", 7_200, 1_500)],
  });
  assert.equal(m.netSalesCents, -1_500);
  assert.equal(m.laborPctBp, null);
  assert.equal(m.splhCents, -750);
  assert.equal(m.cplhCents, 1_500);
});

Deno.test("daily figures: a single cent of sales", () => {
  const m = computeDailyMetrics({
    ...empty,
    orders: [order(1)],
    punches: [closedPunch("2026-11-28T10:00:00Z", "2026-11-28T10:00:01Z", 1, 3_600)],
  });
  assert.equal(m.laborCostCents, 1);
  assert.equal(m.laborPctBp, 10_000); // 1 ¢ of labor on 1 ¢ of sales = 100.00 %
  assert.equal(m.cplhCents, 3_600); // 1 ¢ per second worked
  assert.equal(m.splhCents, 3_600);
  assert.equal(m.paidLaborMinutes, 0);
});

Deno.test("daily figures: values landing exactly on a half round away from zero", () => {
  // 1,800 s × 1 ¢/h = 0.5 ¢ → 1 ¢ per punch (each punch rounded on its own).
  const half = closedPunch("2026-11-28T10:00:00Z", "2026-11-28T10:30:00Z", 1_800, 1);
  const m = computeDailyMetrics({ ...empty, orders: [order(20_000)], punches: [half, half] });
  assert.equal(m.laborCostCents, 2);
  assert.equal(m.paidLaborMinutes, 60);
  assert.equal(m.laborPctBp, 1); // 2 × 10,000 / 20,000 = 1 exactly
  assert.equal(laborPctBp(1, 20_000), 1); // 0.5 bp → 1
  assert.equal(laborPctBp(1, 20_001), 0); // just under a half
  assert.equal(costPerLaborHourCents(1, 7_200), 1); // 0.5 ¢/h → 1
  assert.equal(salesPerLaborHourCents(-1, 7_200), -1); // −0.5 ¢/h → −1
  assert.equal(salesPerLaborHourCents(-1, 7_201), 0);
  assert.equal(
    computeDailyMetrics({ ...empty, punches: [{ ...half, paidSeconds: 90 }] })
      .paidLaborMinutes,
    2,
  ); // 1.5 min → 2
  assert.equal(
    computeDailyMetrics({ ...empty, punches: [{ ...half, paidSeconds: 89 }] })
      .paidLaborMinutes,
    1,
  );
});

Deno.test("daily figures: sums over $10M stay exact", () => {
  // 30 orders of $999,999.99 = $29,999,999.70; 4 punches at $1,000/h for 16 h.
  const orders = Array.from({ length: 30 }, () => order(99_999_999));
  const punch = closedPunch("2026-11-28T08:00:00Z", "2026-11-29T00:00:00Z", 57_600, 100_000);
  const m = computeDailyMetrics({
    ...empty,
    orders,
    refunds: [{ refundCents: 7 }],
    punches: [punch, punch, punch, punch],
  });
  assert.equal(m.netSalesCents, 2_999_999_963);
  assert.equal(m.laborCostCents, 6_400_000);
  assert.equal(m.laborPctBp, 21); // 6,400,000 × 10,000 / 2,999,999,963 = 21.33… bp
  assert.equal(m.splhCents, 46_874_999); // 2,999,999,963 / 64 h = 46,874,999.42…
  assert.equal(m.cplhCents, 100_000);
});

Deno.test("daily figures: voided, deleted and excess-food orders and deleted punches count for nothing", () => {
  const base: DayInputs = {
    ...empty,
    orders: [order(10_000)],
    punches: [closedPunch("2026-11-28T10:00:00Z", "2026-11-28T12:00:00Z", 7_200, 1_500)],
  };
  const noisy: DayInputs = {
    ...base,
    orders: [
      ...base.orders,
      order(5_000, true),
      order(7_000, false, true),
      order(1, true, true),
      // Excess food (waste tracking) is neither a sale nor an order, whatever it carries.
      order(0, false, false, true),
      order(300, false, false, true),
    ],
    punches: [
      ...base.punches,
      {
        ...closedPunch("2026-11-28T10:00:00Z", "2026-11-28T20:00:00Z", 36_000, 9_999),
        deleted: true,
      },
      { ...openPunch("2026-11-28T09:00:00Z", 5_000), deleted: true },
    ],
  };
  assert.deepEqual(computeDailyMetrics(noisy), computeDailyMetrics(base));
  assert.equal(computeDailyMetrics(noisy).openPunchCount, 0);
});

Deno.test("open punch: accrues until asOf, minus unpaid breaks, capped at the maximum shift", () => {
  const p = openPunch("2026-11-28T14:00:00Z", 1_800, 900);
  assert.equal(MAX_OPEN_SHIFT_SECONDS, 57_600);
  assert.equal(punchPaidSeconds(p, "2026-11-28T13:00:00Z"), 0); // clock before clock-in
  assert.equal(punchPaidSeconds(p, "2026-11-28T14:10:00Z"), 0); // break longer than worked
  assert.equal(punchPaidSeconds(p, "2026-11-28T16:00:00Z"), 7_200 - 900);
  assert.equal(punchPaidSeconds(p, "2026-11-29T06:00:00Z"), 57_600 - 900); // exactly the cap
  assert.equal(punchPaidSeconds(p, "2026-12-05T00:00:00Z"), 57_600 - 900); // stays capped
  assert.equal(punchPaidSeconds(p, "2026-11-28T16:00:00Z", 3_600), 3_600 - 900);
  const m = computeDailyMetrics({ ...empty, punches: [p], asOf: "2026-11-28T16:00:00Z" });
  assert.equal(m.openPunchCount, 1);
  assert.equal(m.laborCostCents, 3_150); // 6,300 s × $18/h
  const later = computeDailyMetrics({ ...empty, punches: [p], asOf: "2026-11-28T17:00:00Z" });
  assert.equal(later.laborCostCents, 4_950);
});

Deno.test("punch: instants are truncated to whole seconds before subtracting", () => {
  const p = openPunch("2026-11-28T14:00:00.900Z", 3_600);
  assert.equal(punchPaidSeconds(p, "2026-11-28T14:00:01.100Z"), 1); // 0.2 s apart, 1 s apart
  assert.equal(punchPaidSeconds(p, "2026-11-28T14:00:00.999Z"), 0);
  assert.equal(epochSeconds("1969-12-31T23:59:59.500Z"), -1);
  assert.equal(epochSeconds(new Date(Date.UTC(2026, 10, 28))), 1_795_824_000);
  assert.throws(() => epochSeconds("yesterday-ish"), RangeError);
});

Deno.test("punch: closed punches use their ingested paid seconds, else clocked time", () => {
  const closed = closedPunch("2026-11-28T14:00:00Z", "2026-11-28T18:00:00Z", 12_345, 3_600, 60);
  assert.equal(punchPaidSeconds(closed, "2026-11-28T15:00:00Z"), 12_345);
  const noPaid = { ...closed, paidSeconds: null };
  assert.equal(punchPaidSeconds(noPaid, "2026-11-28T15:00:00Z"), 14_400 - 60);
  assert.equal(punchLaborCostCents(12_345, 3_600), 12_345);
  assert.equal(punchLaborCostCents(0, 3_600), 0);
});

Deno.test("punch cost: a fractional-cent wage is multiplied exactly, the cost rounded once", () => {
  // 8 h × 1512.5 ¢/h = 12,100 ¢ exactly (rounding the wage to 1513 ¢ first gave 12,104).
  assert.equal(punchLaborCostCents(28_800, 1512.5), 12_100);
  // 1 h × 1512.55 ¢/h = 1512.55 → 1513; 30 min × 0.01 ¢/h = 0.005 → 0 (a half rounds away
  // from zero only when it is exactly a half: 1 800 s × 0.01 ¢ ÷ 3 600 = 0.005 → 0.01 → 0).
  assert.equal(punchLaborCostCents(3_600, 1512.55), 1_513);
  assert.equal(punchLaborCostCents(1_800, 1.01), 1); // 0.505 → 1
  assert.equal(punchLaborCostCents(1_800, 0.99), 0); // 0.495 → 0
  assert.equal(punchLaborCostCents(1_800, 1), 1); // 0.5 → 1, half away from zero
  // Finer than a hundredth of a cent is not a wage this pipeline stores.
  assert.throws(() => punchLaborCostCents(3_600, 1512.555), RangeError);
});

Deno.test("daily figures: invalid inputs fail loudly instead of drifting", () => {
  assert.throws(() => computeDailyMetrics({ ...empty, orders: [order(10.5)] }), RangeError);
  assert.throws(
    () =>
      computeDailyMetrics({
        ...empty,
        punches: [{ ...openPunch("2026-11-28T14:00:00Z", 100), unpaidBreakSeconds: -1 }],
      }),
    RangeError,
  );
  assert.throws(() => punchLaborCostCents(10, -1), RangeError);
  assert.throws(
    () => computeDailyMetrics({ ...empty, punches: [openPunch("not a time", 100)] }),
    RangeError,
  );
});

const arbDay: fc.Arbitrary<DayInputs> = fc.record({
  orders: fc.array(
    fc.record({
      netSalesCents: fc.integer({ min: -5_000, max: 50_000_000 }),
      voided: fc.boolean(),
      deleted: fc.boolean(),
      excessFood: fc.boolean(),
    }),
    { maxLength: 12 },
  ),
  refunds: fc.array(fc.record({ refundCents: fc.integer({ min: 0, max: 200_000 }) }), {
    maxLength: 3,
  }),
  punches: fc.array(
    fc.record({
      clockedInAt: fc.integer({ min: 0, max: 86_400_000 }).map((ms) =>
        new Date(Date.UTC(2026, 10, 28) + ms).toISOString()
      ),
      open: fc.boolean(),
      lengthMs: fc.integer({ min: 0, max: 20 * 3_600_000 }),
      unpaidBreakSeconds: fc.integer({ min: 0, max: 3_600 }),
      hourlyWageCents: fc.integer({ min: 0, max: 10_000 }),
      deleted: fc.boolean(),
    }).map((p): DayPunch => {
      const out = new Date(Date.parse(p.clockedInAt) + p.lengthMs);
      const paid = Math.max(
        0,
        epochSeconds(out) - epochSeconds(p.clockedInAt) - p.unpaidBreakSeconds,
      );
      return {
        clockedInAt: p.clockedInAt,
        clockedOutAt: p.open ? null : out.toISOString(),
        paidSeconds: p.open ? null : paid,
        unpaidBreakSeconds: p.unpaidBreakSeconds,
        hourlyWageCents: p.hourlyWageCents,
        deleted: p.deleted,
      };
    }),
    { maxLength: 8 },
  ),
  asOf: fc.integer({ min: 0, max: 3 * 86_400_000 }).map((ms) =>
    new Date(Date.UTC(2026, 10, 28) + ms).toISOString()
  ),
});

Deno.test("daily figures: independent of the order rows and punches arrive in", () => {
  fc.assert(
    fc.property(arbDay, (day) => {
      const reversed = {
        ...day,
        orders: [...day.orders].reverse(),
        refunds: [...day.refunds].reverse(),
        punches: [...day.punches].reverse(),
      };
      assert.deepEqual(computeDailyMetrics(reversed), computeDailyMetrics(day));
    }),
    withSeed({ seed: 11, numRuns: 2_000 }),
  );
});

/**
 * Asserts that `q` is numerator ÷ denominator rounded half away from zero, by the definition
 * and not by the rounding helper under test: |numerator − q·denominator| is at most half the
 * denominator, and on an exact half q is the one farther from zero.
 */
function assertRoundedQuotient(
  q: number | null,
  numerator: bigint,
  denominator: bigint,
  what: string,
) {
  assert.ok(q !== null && Number.isSafeInteger(q), `${what}: ${q}`);
  const abs = (x: bigint) => (x < 0n ? -x : x);
  const off = 2n * abs(numerator - BigInt(q) * denominator);
  const within = off < abs(denominator) ||
    (off === abs(denominator) && abs(BigInt(q) * denominator) > abs(numerator));
  assert.ok(within, `${what}: ${q} is not ${numerator} / ${denominator} rounded half away`);
}

Deno.test("the rounding oracle of these tests knows its halves", () => {
  assertRoundedQuotient(3, 5n, 2n, "2.5");
  assertRoundedQuotient(-3, -5n, 2n, "-2.5");
  assertRoundedQuotient(-3, 5n, -2n, "5 / -2");
  assertRoundedQuotient(0, 1n, 3n, "0.33");
  assertRoundedQuotient(1, 2n, 3n, "0.67");
  assert.throws(() => assertRoundedQuotient(2, 5n, 2n, "2.5 rounded down"));
  assert.throws(() => assertRoundedQuotient(-2, -5n, 2n, "-2.5 toward zero"));
  assert.throws(() => assertRoundedQuotient(0, 2n, 3n, "0.67 truncated"));
  assert.throws(() => assertRoundedQuotient(null, 2n, 3n, "null"));
});

Deno.test("daily figures: totals are the sums of per-row figures; ratios follow from them", () => {
  fc.assert(
    fc.property(arbDay, (day) => {
      const m = computeDailyMetrics(day);
      const live = day.punches.filter((p) => !p.deleted);
      const paid = live.map((p) => punchPaidSeconds(p, day.asOf));
      assert.equal(m.paidLaborSeconds, paid.reduce((a, b) => a + b, 0));
      // Each punch's cost is its own paid seconds × wage ÷ 3600, rounded once.
      for (const [i, p] of live.entries()) {
        const wageHundredths = BigInt(Math.round(p.hourlyWageCents * 100));
        assertRoundedQuotient(
          punchLaborCostCents(paid[i], p.hourlyWageCents),
          BigInt(paid[i]) * wageHundredths,
          360_000n,
          `punch ${i} cost`,
        );
      }
      assert.equal(
        m.laborCostCents,
        live.reduce((sum, p, i) => sum + punchLaborCostCents(paid[i], p.hourlyWageCents), 0),
      );
      const counted = day.orders.filter((o) => !o.voided && !o.deleted && !o.excessFood);
      assert.equal(m.orderCount, counted.length);
      assert.equal(
        m.netSalesCents,
        counted.reduce((a, o) => a + o.netSalesCents, 0) -
          day.refunds.reduce((a, r) => a + r.refundCents, 0),
      );
      // The ratios, each checked against its definition; null exactly when its denominator is
      // not positive.
      const labor = BigInt(m.laborCostCents);
      const sales = BigInt(m.netSalesCents);
      const seconds = BigInt(m.paidLaborSeconds);
      if (m.netSalesCents > 0) {
        assertRoundedQuotient(m.laborPctBp, labor * 10_000n, sales, "labor %");
      } else assert.equal(m.laborPctBp, null);
      if (m.paidLaborSeconds > 0) {
        assertRoundedQuotient(m.cplhCents, labor * 3_600n, seconds, "CPLH");
        assertRoundedQuotient(m.splhCents, sales * 3_600n, seconds, "SPLH");
      } else {
        assert.equal(m.cplhCents, null);
        assert.equal(m.splhCents, null);
      }
      assertRoundedQuotient(m.paidLaborMinutes, seconds, 60n, "paid minutes");
      // Open punches never accrue more than the cap, and never go negative.
      for (const [i, p] of live.entries()) {
        assert.ok(paid[i] >= 0);
        if (p.clockedOutAt === null) assert.ok(paid[i] <= MAX_OPEN_SHIFT_SECONDS);
      }
    }),
    withSeed({ seed: 12, numRuns: 2_000 }),
  );
});

Deno.test("open punch: cost never falls as the clock advances", () => {
  fc.assert(
    fc.property(arbDay, fc.integer({ min: 0, max: 86_400_000 }), (day, stepMs) => {
      const later = new Date(Date.parse(day.asOf as string) + stepMs).toISOString();
      const before = computeDailyMetrics(day);
      const after = computeDailyMetrics({ ...day, asOf: later });
      assert.ok(after.laborCostCents >= before.laborCostCents);
      assert.ok(after.paidLaborSeconds >= before.paidLaborSeconds);
      assert.equal(after.netSalesCents, before.netSalesCents);
    }),
    withSeed({ seed: 13, numRuns: 1_000 }),
  );
});
