/**
 * shared/projection.ts against figures worked by hand (docs/projection.md): the doc's message
 * derived from a day's raw rows, and each rule's edge cases. The database's mirror is held to
 * the same functions by tests/metrics/projection_parity_test.ts.
 */
import assert from "node:assert/strict";
import { projectionSentence } from "../../shared/alert_messages.ts";
import { federalOvertimePolicy } from "../../shared/overtime.ts";
import {
  nextProjectionState,
  projectClose,
  projectionHint,
  remainingOvertimePremium,
  remainingWork,
  slotOf,
  typicalShare,
} from "../../shared/projection.ts";
import { computeDailyMetrics } from "../../shared/transformations.ts";

/**
 * Downtown Bistro, New York, Friday 2026-11-27 at 5:00 PM EST (22:00Z), target 25 %.
 *
 * - Sales so far $892.80. Labor so far: Avery (user 7) on the clock since 11:02 AM at $17.50
 *   (5 h 58 min: $104.42), Blair (9) 7 h at $15 ($105.00), Casey (10) 4 h 41 min 48 s at $15
 *   ($70.45): $279.87.
 * - The last three Fridays each closed at $1,488 and had done $863.04, $892.80 and $937.44 by
 *   the start of 5 PM's slot (slot 52; their latest row before it is slot 50's): shares 58, 60
 *   and 63 %, median 60 %, lowest 58 %, typical final $1,488. Today is on their pace, so the
 *   projected sales are $892.80 + 0.4 × ($892.80 + 0.4 × $1,488) = $1,488.00 ($892.80 ÷ 0.6).
 *   The best case (the rest of the day like the Friday with 42 % still to come): $892.80 + 0.42
 *   × ($892.80 + 0.42 × $1,488) = $1,530.2592 → $1,530.26.
 * - Still scheduled: Avery's shift to 10 PM (5 h at her punch's $17.50, not the shift's $16),
 *   Drew (8) from 6 PM to 9:45 PM at $17.50 (3.75 h). Blair's shift runs to 8 PM but she has
 *   clocked out (nothing), Casey's ended at 3 PM (nothing). 8.75 h × $17.50 = $153.125 → $153.13.
 * - Projected labor: $279.87 + $153.13 = $433.00; 433 ÷ 1,488 = 29.099 % → 29.10 %; in the best
 *   case 433 ÷ 1,530.26 = 28.296 % → 28.30 %, over 25 % + 1 point: the alert fires.
 * - On target the day may cost 25 % of $1,488 = $372: $61 too much. Cutting $61 of work at
 *   $17.50 an hour is 3.49 h → 3.5 h (rounded up to a quarter hour), saving ≈ $61.25. Sent home
 *   at 8 PM, Avery and Drew still save 2 h + 1.75 h = 3.75 h ≥ 3.5 h; at 8:15 PM only 3.25 h.
 *   Or sell $433 ÷ 0.25 − $1,488 = $244 more.
 */
const CLOCK = "2026-11-27T22:00:00Z";
const ZONE = "America/New_York";

Deno.test("projection: the doc's message comes out of a day's rows worked by hand", () => {
  const punches = [
    { user: 7, in: "2026-11-27T16:02:00Z", out: null, paid: null, wage: 1750 },
    { user: 9, in: "2026-11-27T14:00:00Z", out: "2026-11-27T21:00:00Z", paid: 25200, wage: 1500 },
    { user: 10, in: "2026-11-27T14:00:00Z", out: "2026-11-27T18:41:48Z", paid: 16908, wage: 1500 },
  ];
  const day = computeDailyMetrics({
    orders: [{ netSalesCents: 89_280, voided: false, deleted: false, excessFood: false }],
    refunds: [],
    punches: punches.map((p) => ({
      clockedInAt: p.in,
      clockedOutAt: p.out,
      unpaidBreakSeconds: 0,
      paidSeconds: p.paid,
      hourlyWageCents: p.wage,
      deleted: false,
    })),
    asOf: CLOCK,
  });
  assert.equal(day.netSalesCents, 89_280);
  assert.equal(day.laborCostCents, 10_442 + 10_500 + 7_045);

  const slot = slotOf(CLOCK, ZONE, 4);
  assert.equal(slot, 52);
  const friday = (date: string, at: number) => ({
    businessDate: date,
    finalNetSalesCents: 148_800,
    intraday: [{ slot: 20, netSalesCents: 9_000 }, { slot: 50, netSalesCents: at }, {
      slot: 80,
      netSalesCents: 147_000,
    }],
  });
  const share = typicalShare(
    [
      friday("2026-11-20", 86_304),
      friday("2026-11-13", 89_280),
      friday("2026-11-06", 93_744),
      // Not a Friday seven days back: ignored.
      friday("2026-11-26", 10_000),
    ],
    "2026-11-27",
    slot,
  );
  assert.equal(share.status, "ok");
  if (share.status !== "ok") return;
  assert.equal(share.typicalShareBp, 6000);
  assert.equal(share.lowestShareBp, 5800);
  assert.equal(share.typicalFinalSalesCents, 148_800);

  const work = remainingWork(
    [
      {
        shiftId: 1,
        userId: 7,
        startsAt: "2026-11-27T16:00:00Z",
        endsAt: "2026-11-28T03:00:00Z",
        hourlyWageCents: 1600,
      },
      {
        shiftId: 2,
        userId: 8,
        startsAt: "2026-11-27T23:00:00Z",
        endsAt: "2026-11-28T02:45:00Z",
        hourlyWageCents: 1750,
      },
      {
        shiftId: 3,
        userId: 9,
        startsAt: "2026-11-27T14:00:00Z",
        endsAt: "2026-11-28T01:00:00Z",
        hourlyWageCents: 1500,
      },
      {
        shiftId: 4,
        userId: 10,
        startsAt: "2026-11-27T14:00:00Z",
        endsAt: "2026-11-27T20:00:00Z",
        hourlyWageCents: 1500,
      },
    ],
    [{ punchId: 70, userId: 7, clockedInAt: "2026-11-27T16:02:00Z", hourlyWageCents: 1750 }],
    CLOCK,
  );
  assert.deepEqual(work.items.map((i) => i.shiftId), [1, 2]);
  assert.equal(work.remainingSeconds, 31_500);
  assert.equal(work.remainingCostCents, 15_313);

  const projection = projectClose({
    netSalesCents: day.netSalesCents,
    laborCostCents: day.laborCostCents,
    typicalShareBp: share.typicalShareBp,
    lowestShareBp: share.lowestShareBp,
    typicalFinalSalesCents: share.typicalFinalSalesCents,
    remainingSeconds: work.remainingSeconds,
    remainingCostCents: work.remainingCostCents,
    remainingOvertimePremiumCents: remainingOvertimePremium(
      federalOvertimePolicy(ZONE),
      [],
      work.items,
    ),
  });
  assert.deepEqual(
    [
      projection.projectedNetSalesCents,
      projection.projectedLaborCostCents,
      projection.projectedLaborPctBp,
      projection.bestCaseNetSalesCents,
      projection.bestCaseLaborPctBp,
    ],
    [148_800, 43_300, 2910, 153_026, 2830],
  );
  const loc = {
    laborTargetBp: 2500,
    criticalMarginBp: 500,
    projectionMinShareBp: 3000,
    projectionMarginBp: 100,
  };
  assert.equal(
    nextProjectionState("none", projection.bestCaseLaborPctBp, share.typicalShareBp, loc),
    "projected",
  );
  const hint = projectionHint(projection, 2500, work.items, CLOCK);
  assert.deepEqual(hint, {
    targetCostCents: 37_200,
    excessCents: 6_100,
    sellMoreCents: 24_400,
    cutMinutes: 210,
    cutPossible: true,
    cutSavingCents: 6_125,
    cutBefore: "2026-11-28T01:00:00.000Z",
    cutNow: false,
  });
  assert.equal(
    projectionSentence(
      {
        projection: { status: "ok", candidateCount: 3, projectedLaborPctBp: 2910 },
        hint: { ...hint, cutMinutes: 210, cutSavingCents: 6125, cutBefore: hint.cutBefore! },
      },
      2500,
      ZONE,
    ),
    "Projected 29.1 % at close (target 25 %). To land on target: cut 3.5 labor hours before " +
      "8 PM (≈ $61), or sell $244 more.",
  );
});

Deno.test("projection: slots follow local wall-clock time across the cut-off and DST changes", () => {
  // Cut-off 04:00: 4:00 AM is slot 0, 3:59 AM the next morning slot 95.
  assert.equal(slotOf("2026-06-17T08:00:00Z", ZONE, 4), 0);
  assert.equal(slotOf("2026-06-18T07:59:59Z", ZONE, 4), 95);
  assert.equal(slotOf("2026-06-17T08:00:00Z", ZONE, 0), 16);
  // Fall back (Nov 1): 1:30 AM EDT and 1:30 AM EST are the same slot.
  assert.equal(slotOf("2026-11-01T05:30:00Z", ZONE, 4), slotOf("2026-11-01T06:30:00Z", ZONE, 4));
  // Spring forward (Mar 8): 1:59 AM EST is followed by 3:00 AM EDT, four slots on.
  assert.equal(slotOf("2026-03-08T06:59:00Z", ZONE, 4), 87);
  assert.equal(slotOf("2026-03-08T07:00:00Z", ZONE, 4), 92);
});

Deno.test("projection: the typical share's candidates, cap and median", () => {
  const d = (date: string, final: number, rows: Array<[number, number]>) => ({
    businessDate: date,
    finalNetSalesCents: final,
    intraday: rows.map(([slot, netSalesCents]) => ({ slot, netSalesCents })),
  });
  const history = [
    // Slot 12's own row is that slot's end: read at its start, the day had done 400.
    d("2026-11-20", 1000, [[10, 400], [12, 650]]),
    d("2026-11-13", 1000, [[10, 500], [40, 900]]),
    d("2026-11-06", 0, [[10, 700]]), // no sales: not a candidate
    d("2026-10-30", 1000, []), // backfilled: not a candidate
    d("2026-10-23", 1000, [[30, 100]]), // nothing by slot 12: share 0
    d("2026-10-16", 800, [[5, 900]]), // refunds later: capped at 100 %
    d("2026-09-25", 1000, [[10, 999]]), // nine weeks back: not looked at
  ];
  const share = typicalShare(history, "2026-11-27", 12);
  // Shares 4000, 5000, 0, 10000: even count, the mean of the middle two; finals 1000, 1000,
  // 1000, 800: median 1000.
  assert.deepEqual(share, {
    status: "ok",
    candidateCount: 4,
    typicalShareBp: 4500,
    lowestShareBp: 0,
    typicalFinalSalesCents: 1000,
    sharesBp: [4000, 5000, 0, 10000],
  });
  assert.deepEqual(typicalShare(history.slice(3), "2026-11-27", 12), {
    status: "insufficient_history",
    candidateCount: 2,
  });
  // A median of nothing sold yet: no projection.
  assert.equal(
    typicalShare([d("2026-11-20", 10, [[50, 1]]), ...history.slice(3)], "2026-11-27", 12).status,
    "no_typical_sales",
  );
});

Deno.test("projection: remaining work, case by case (docs/projection.md's table)", () => {
  const now = "2026-11-27T22:00:00Z";
  const shift = (shiftId: number, userId: number | null, from: string, to: string) => ({
    shiftId,
    userId,
    startsAt: `2026-11-27T${from}:00Z`,
    endsAt: `2026-11-27T${to}:00Z`,
    hourlyWageCents: 2000,
  });
  const open = [
    { punchId: 1, userId: 2, clockedInAt: "2026-11-27T15:00:00Z", hourlyWageCents: 1000 },
    { punchId: 2, userId: 2, clockedInAt: "2026-11-27T16:00:00Z", hourlyWageCents: 1200 },
    { punchId: 3, userId: 9, clockedInAt: "2026-11-27T16:00:00Z", hourlyWageCents: 3000 },
  ];
  const work = remainingWork(
    [
      shift(10, 1, "23:00", "23:30"), // not started: whole, own wage
      shift(11, null, "22:00", "23:00"), // starts exactly now: started, unassigned: nothing
      shift(12, null, "22:15", "23:00"), // not started, unassigned: whole
      shift(13, 2, "15:00", "23:00"), // started, open punch: now → end at the latest punch's wage
      shift(14, 3, "15:00", "23:00"), // started, nobody on the clock: nothing
      shift(15, 2, "12:00", "22:00"), // ends now: nothing
    ],
    open,
    now,
  );
  assert.deepEqual(
    work.items.map((i) => [i.shiftId, i.endS - i.startS, i.hourlyWageCents]),
    [[10, 1800, 2000], [12, 2700, 2000], [13, 3600, 1200]],
  );
  assert.equal(work.remainingSeconds, 8100);
  // (1800 + 2700) × $20 + 3600 × $12 = $25 + $12: one rounding over the sum.
  assert.equal(work.remainingCostCents, 3700);
});

Deno.test("projection: the remaining work's overtime is the premium it adds to the week", () => {
  const policy = federalOvertimePolicy("America/Chicago");
  // 39 h worked Monday to Thursday at $20, on the clock since 8 AM Friday (3 h so far, at the
  // clock): 42 h. Still scheduled: the rest of today, 3 h. All of it is overtime: 3 h × $10.
  const s = (iso: string) => Date.parse(iso) / 1000;
  const week = [1, 2, 3, 4].map((d) => ({
    punchId: d,
    employeeId: 7,
    clockedInAt: `2026-11-0${1 + d}T14:00:00Z`,
    paidSeconds: 9.75 * 3600,
    hourlyWageCents: 2000,
  }));
  week.push({
    ...week[0]!,
    punchId: 5,
    clockedInAt: "2026-11-06T14:00:00Z",
    paidSeconds: 3 * 3600,
  });
  const item = (userId: number | null) => ({
    shiftId: 50,
    userId,
    startS: s("2026-11-06T17:00:00Z"),
    endS: s("2026-11-06T20:00:00Z"),
    hourlyWageCents: 2000,
  });
  assert.equal(remainingOvertimePremium(policy, week, [item(7)]), 3000);
  // Unassigned work, another employee's, or no policy: none.
  assert.equal(remainingOvertimePremium(policy, week, [item(null)]), 0);
  assert.equal(remainingOvertimePremium(policy, week, [item(8)]), 0);
  assert.equal(remainingOvertimePremium(null, week, [item(7)]), 0);
});

Deno.test("projection: the state rule — once a day, one escalation, the share gate and the margin", () => {
  const loc = {
    laborTargetBp: 2500,
    criticalMarginBp: 500,
    projectionMinShareBp: 3000,
    projectionMarginBp: 100,
  };
  const cases: Array<
    [Parameters<typeof nextProjectionState>[0], number | null, number, string | null]
  > = [
    ["none", 2600, 5000, null], // within the margin
    ["none", 2601, 5000, "projected"],
    ["none", 2601, 2999, null], // too early in the day
    ["none", 3001, 3000, "projected_critical"], // straight to critical
    ["projected", 2900, 5000, null], // once a day
    ["projected", 3001, 5000, "projected_critical"],
    ["projected", 2000, 5000, null], // no "recovered"
    ["projected_critical", 4000, 9000, null],
    ["none", null, 9000, null],
  ];
  for (const [state, pct, share, next] of cases) {
    assert.equal(nextProjectionState(state, pct, share, loc), next, `${state} ${pct} ${share}`);
  }
});

Deno.test("projection: a cut that no quarter hour from now saves, and one that cannot land", () => {
  const s = (iso: string) => Date.parse(iso) / 1000;
  // 1 h left at $20 from 22:05; $18 too much: 54 min → 60 min, all of it, from now.
  const items = [{
    shiftId: 1,
    userId: 1,
    startS: s("2026-11-27T22:05:00Z"),
    endS: s("2026-11-27T23:05:00Z"),
    hourlyWageCents: 2000,
  }];
  const p = {
    projectedNetSalesCents: 10_000,
    projectedLaborCostCents: 4_300,
    remainingSeconds: 3600,
    remainingCostCents: 2000,
  };
  const hint = projectionHint(p, 2500, items, "2026-11-27T22:05:00Z");
  assert.equal(hint.cutMinutes, 60);
  assert.equal(hint.cutBefore, "2026-11-27T22:05:00.000Z");
  assert.equal(hint.cutNow, true);
  // $25 too much with $20 left: no cut lands.
  const none = projectionHint(
    { ...p, projectedLaborCostCents: 5_000 },
    2500,
    items,
    "2026-11-27T22:05:00Z",
  );
  assert.deepEqual([none.cutPossible, none.cutMinutes, none.cutBefore], [false, 75, null]);
  assert.equal(none.sellMoreCents, 10_000);
});
