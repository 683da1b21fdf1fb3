/**
 * The simulator's projection model (sim/projection_model.ts) on cases worked by hand from
 * docs/projection.md, and its run-level prediction on a generated same-weekday run.
 */
import assert from "node:assert/strict";
import { generateSimulation } from "../../sim/generate.ts";
import type { SimScheduledShift } from "../../sim/model.ts";
import {
  DEFAULT_PROJECTION_RULES,
  dollarsText,
  hintFor,
  hoursText,
  nextProjectionState,
  pctText,
  predictProjections,
  project,
  projectionMessage,
  type ProjectionRules,
  remainingWork,
  slotOf,
  typicalShare,
} from "../../sim/projection_model.ts";
import { plannedSteps, replayTimeline } from "../../sim/replay.ts";

const NY = "America/New_York";
const RULES: ProjectionRules = { ...DEFAULT_PROJECTION_RULES, laborTargetBp: 2500 };
/** Half of a typical day done, today on its pace: $5,000 sold projects a $10,000 close. */
const ON_PACE = {
  status: "ok",
  candidates: 4,
  typicalShareBp: 5000,
  lowestShareBp: 5000,
  typicalFinalCents: 1_000_000,
} as const;

Deno.test("projection model: the slot of the business day, from the cut-off, across DST", () => {
  assert.equal(slotOf(Date.parse("2026-11-20T09:00:00Z"), NY, 4), 0, "04:00 EST opens the day");
  assert.equal(slotOf(Date.parse("2026-11-20T08:59:59Z"), NY, 4), 95, "03:59 closes it");
  // 14:07 EST: (847 - 240) / 15 = 40.47.
  assert.equal(slotOf(Date.parse("2026-11-20T19:07:00Z"), NY, 4), 40);
  // 01:30 EST on the night clocks spring forward: (90 - 240 + 1440) / 15 = 86.
  assert.equal(slotOf(Date.parse("2026-03-08T06:30:00Z"), NY, 4), 86);
  // 03:30 EDT, the same night one wall-clock hour later (02:xx was skipped): slot 94.
  assert.equal(slotOf(Date.parse("2026-03-08T07:30:00Z"), NY, 4), 94);
  // A 06:00 cut-off: 06:00 local is slot 0.
  assert.equal(slotOf(Date.parse("2026-11-20T11:00:00Z"), NY, 6), 0);
});

Deno.test("projection model: the typical share is the median, ties away from zero", () => {
  const c = (salesAtCents: number, finalCents = 10_000) => ({ salesAtCents, finalCents });
  assert.deepEqual(typicalShare([c(3000), c(5000)]), {
    status: "insufficient_history",
    candidates: 2,
    typicalShareBp: null,
    lowestShareBp: null,
    typicalFinalCents: null,
  });
  assert.deepEqual(typicalShare([c(3000), c(5000), c(4500)]), {
    status: "ok",
    candidates: 3,
    typicalShareBp: 4500,
    lowestShareBp: 3000,
    typicalFinalCents: 10_000,
  });
  // The typical final sales: the median of the days' finals, (9000 + 10001) / 2 → 9501.
  assert.equal(
    typicalShare([c(1, 8000), c(1, 9000), c(1, 10_001), c(1, 12_000)]).typicalFinalCents,
    9501,
  );
  // Even count: (4500 + 4999) / 2 = 4749.5 → 4750.
  assert.equal(typicalShare([c(3000), c(4500), c(4999), c(6000)]).typicalShareBp, 4750);
  // Each share is rounded first: 1 / 3 of the day → 3333 bp.
  assert.equal(
    typicalShare([c(1, 3), c(1, 3), c(2, 3)]).typicalShareBp,
    3333,
  );
  // A day whose later refunds left it below what it had sold by the slot counts as 100 %.
  assert.equal(typicalShare([c(12_000), c(11_000), c(10_500)]).typicalShareBp, 10_000);
  assert.deepEqual(typicalShare([c(0), c(0), c(900)]), {
    status: "no_typical_sales",
    candidates: 3,
    typicalShareBp: 0,
    lowestShareBp: 0,
    typicalFinalCents: 10_000,
  });
  // Refunds ahead of sales by the slot: a negative median is no typical sales either.
  assert.equal(typicalShare([c(-50), c(-20), c(900)]).status, "no_typical_sales");
});

const shift = (
  id: number,
  userId: number | null,
  from: string,
  to: string,
  wageCents: number,
): SimScheduledShift => ({
  id,
  locationIndex: 0,
  businessDate: "2026-11-20",
  userId,
  roleId: 31,
  departmentId: 3,
  startsAt: Date.parse(from),
  endsAt: Date.parse(to),
  hourlyWageCents: wageCents,
  publishedAt: 0,
});

Deno.test("projection model: the remaining scheduled work, item by item", () => {
  const now = Date.parse("2026-11-20T14:00:30.700Z");
  const shifts = [
    shift(1, 7, "2026-11-20T17:00:00Z", "2026-11-20T22:00:00Z", 1500), // not started: 18000 s
    shift(2, 1, "2026-11-20T10:00:00Z", "2026-11-20T15:30:00Z", 1600), // on the clock: 5370 s
    shift(3, 2, "2026-11-20T11:00:00Z", "2026-11-20T16:00:00Z", 1400), // nobody on the clock
    shift(4, 3, "2026-11-20T06:00:00Z", "2026-11-20T14:00:00Z", 1800), // over
    shift(5, null, "2026-11-20T18:00:00Z", "2026-11-20T22:00:00Z", 1100), // open: 14400 s
    shift(6, null, "2026-11-20T12:00:00Z", "2026-11-20T16:00:00Z", 1100), // open, started
  ];
  const open = [
    // User 1 clocked in twice; the latest punch's wage ($16.255) counts.
    { userId: 1, clockedInAt: Date.parse("2026-11-20T09:55:00Z"), wageCentiCents: 150_000 },
    { userId: 1, clockedInAt: Date.parse("2026-11-20T09:58:00Z"), wageCentiCents: 162_550 },
    // User 9 has no shift: projected to leave now.
    { userId: 9, clockedInAt: Date.parse("2026-11-20T12:00:00Z"), wageCentiCents: 200_000 },
    // User 3's shift is over: nothing more.
    { userId: 3, clockedInAt: Date.parse("2026-11-20T06:00:00Z"), wageCentiCents: 180_000 },
  ];
  const work = remainingWork(shifts, open, now);
  assert.deepEqual(work.items.map((i) => [i.endSec - i.startSec, i.wageCentiCents]), [
    [18_000, 150_000],
    [5_370, 162_550],
    [14_400, 110_000],
  ]);
  assert.equal(work.remainingSeconds, 37_770);
  // (18000 × 150000 + 5370 × 162550 + 14400 × 110000) / 360000 = 5156893500 / 360000
  // = 14324.70…, rounded once over the sum.
  assert.equal(work.remainingCostCents, 14_325);

  // At a 40 % share, $4,000 sold, a typical day closing at $8,000 (today runs at a pace of
  // $10,000): 400000 + 0.6 × (400000 + 0.6 × 800000) = 928000; cost 150000 + 14325 → 17.7074 %.
  // The busiest same weekday had 75 % to come: 400000 + 0.75 × (400000 + 0.75 × 800000)
  // = 1150000 → 14.2891 %.
  const share = {
    status: "ok",
    candidates: 4,
    typicalShareBp: 4000,
    lowestShareBp: 2500,
    typicalFinalCents: 800_000,
  } as const;
  const p = project(share, 400_000, 150_000, work);
  assert.equal(p.projectedNetSalesCents, 928_000);
  assert.equal(p.projectedLaborCostCents, 164_325);
  assert.equal(p.projectedLaborPctBp, 1771);
  assert.equal(p.bestCaseNetSalesCents, 1_150_000);
  assert.equal(p.bestCaseLaborPctBp, 1429);
  // A share that says the day is done already: never below the sales so far.
  const done = project({ ...share, typicalShareBp: 10_000, lowestShareBp: 10_000 }, 5, 1, work);
  assert.equal(done.projectedNetSalesCents, 5);
  assert.equal(done.bestCaseNetSalesCents, 5);
  // Refunds ahead of sales on the busiest day, or no sale yet today: no best case, so no alert.
  assert.equal(project({ ...share, lowestShareBp: -10 }, 5, 1, work).bestCaseLaborPctBp, null);
  assert.equal(project(share, 0, 1, work).bestCaseLaborPctBp, null);
  assert.equal(project(share, 0, 1, work).projectedNetSalesCents, 288_000);
  const none = project(
    {
      status: "insufficient_history",
      candidates: 2,
      typicalShareBp: null,
      lowestShareBp: null,
      typicalFinalCents: null,
    },
    5,
    1,
    work,
  );
  assert.equal(none.projectedNetSalesCents, null);
  assert.equal(none.projectedLaborPctBp, null);
});

Deno.test("projection model: the alert levels, the share rule and at most one escalation", () => {
  // The rule reads the best case (the busiest same weekday), not the median projection.
  const at = (share: number, pct: number) => ({ typicalShareBp: share, bestCaseLaborPctBp: pct });
  assert.equal(nextProjectionState("none", at(2999, 4000), RULES), null, "below the share");
  assert.equal(nextProjectionState("none", at(3000, 2600), RULES), null, "at target + margin");
  assert.equal(nextProjectionState("none", at(3000, 2601), RULES), "projected");
  assert.equal(nextProjectionState("none", at(3000, 3001), RULES), "projected_critical");
  assert.equal(nextProjectionState("projected", at(9000, 2900), RULES), null, "one a day");
  assert.equal(nextProjectionState("projected", at(9000, 3000), RULES), null, "at critical");
  assert.equal(nextProjectionState("projected", at(9000, 3001), RULES), "projected_critical");
  assert.equal(nextProjectionState("projected_critical", at(9000, 5000), RULES), null);
  assert.equal(
    nextProjectionState("none", { typicalShareBp: null, bestCaseLaborPctBp: null }, RULES),
    null,
  );
});

Deno.test("projection model: the hint, worked by hand", () => {
  // 17:00 EST (22:00 UTC) + a few minutes: the grid starts at 22:00 rounded up → 22:15.
  const t0 = Date.parse("2026-11-20T22:00:00Z");
  const now = t0 - 5 * 60_000 + 12_000; // 21:55:12, rounded up to the grid: 22:00
  const items = [
    { startSec: t0 / 1000, endSec: t0 / 1000 + 4 * 3600, wageCentiCents: 600_000, userId: 1 },
    {
      startSec: t0 / 1000 + 2 * 3600,
      endSec: t0 / 1000 + 6 * 3600,
      wageCentiCents: 600_000,
      userId: 2,
    },
  ];
  // 8 hours at $60: 48000 cents.
  const work = { items, remainingSeconds: 28_800, remainingCostCents: 48_000 };
  const p = {
    ...project(
      ON_PACE,
      500_000,
      243_000,
      work,
    ),
  };
  assert.equal(p.projectedNetSalesCents, 1_000_000);
  assert.equal(p.projectedLaborCostCents, 291_000);
  assert.equal(p.projectedLaborPctBp, 2910);
  const h = hintFor(p, work, 2500, now);
  assert.equal(h.targetCostCents, 250_000);
  assert.equal(h.excessCents, 41_000);
  // 291000 / 25 % = 1164000: $1,640 more than projected.
  assert.equal(h.sellMoreCents, 164_000);
  // 41000 × 28800 / (48000 × 900) = 27.33 → 28 quarters: 420 minutes.
  assert.equal(h.cutMinutes, 420);
  assert.equal(h.cutPossible, true);
  assert.equal(h.cutNow, false);
  assert.equal(h.cutSavingCents, 42_000);
  // Savable after t: (t0+4h − t) + 4h ≥ 25200 s holds up to t0 + 1 h (25200), not t0 + 1h15.
  assert.equal(h.cutBefore, t0 + 3_600_000);
  assert.equal(
    projectionMessage(p, h, 2500, NY, now),
    "Projected 29.1 % at close (target 25 %). To land on target: cut 7 labor hours before " +
      "6 PM (≈ $420), or sell $1,640 more.",
  );

  // An hour left at $60 cannot absorb $410 of excess: only the sales figure.
  const short = {
    items: [items[0]].map((i) => ({ ...i, endSec: i.startSec + 3600 })),
    remainingSeconds: 3600,
    remainingCostCents: 6000,
  };
  const p2 = project(
    ON_PACE,
    500_000,
    285_000,
    short,
  );
  const h2 = hintFor(p2, short, 2500, now);
  assert.equal(h2.cutMinutes, 420, "7 hours would land on target; 1 remains");
  assert.equal(h2.cutPossible, false);
  assert.equal(h2.cutNow, false);
  assert.equal(h2.cutSavingCents, null);
  assert.equal(h2.cutBefore, null);
  assert.equal(
    projectionMessage(p2, h2, 2500, NY, now),
    "Projected 29.1 % at close (target 25 %). No cut of the shifts still to run lands on " +
      "target: sell $1,640 more.",
  );

  // A quarter hour of work remains (21:55:12 to 22:11, 948 s at $900 an hour: $237), but
  // only 660 s of it after 22:00, the first instant on the grid: the cut has to start now.
  const start = Math.floor(now / 1000);
  const soon = {
    items: [{ startSec: start, endSec: t0 / 1000 + 660, wageCentiCents: 9_000_000, userId: 1 }],
    remainingSeconds: 948,
    remainingCostCents: 23_700,
  };
  const p3 = project(
    ON_PACE,
    500_000,
    230_000,
    soon,
  );
  const h3 = hintFor(p3, soon, 2500, now);
  assert.equal(h3.excessCents, 3_700);
  // 3700 × 948 / (23700 × 900) = 0.16 → one quarter hour, which 948 s could hold.
  assert.equal(h3.cutMinutes, 15);
  assert.ok(15 * 60 <= soon.remainingSeconds);
  assert.equal(h3.cutPossible, true);
  assert.equal(h3.cutNow, true);
  assert.equal(h3.cutBefore, start * 1000);
  assert.match(projectionMessage(p3, h3, 2500, NY, now), /cut 0\.25 labor hours now \(≈ \$225\)/);
  // One hour is one labor hour.
  assert.match(
    projectionMessage(p3, { ...h3, cutMinutes: 60 }, 2500, NY, now),
    /cut 1 labor hour now \(/,
  );
});

Deno.test("projection model: the message's numbers", () => {
  assert.equal(pctText(2914), "29.1");
  assert.equal(pctText(2500), "25");
  assert.equal(pctText(2995), "30", "29.95 rounds half away to 30.0");
  assert.equal(pctText(2549), "25.5");
  assert.equal(hoursText(195), "3.25");
  assert.equal(hoursText(210), "3.5");
  assert.equal(hoursText(240), "4");
  assert.equal(dollarsText(6149), "$61");
  assert.equal(dollarsText(6150), "$62");
  assert.equal(dollarsText(124_000), "$1,240");
});

Deno.test("projection model: a same-weekday run predicts intraday rows, projections and a consistent hint", () => {
  const sim = generateSimulation({
    seed: 3,
    locations: 1,
    days: 1,
    startDate: "2026-11-20",
    schedules: true,
    historyWeeks: 4,
    halfCentWages: false,
    wageUnit: "cents",
    scenarios: [{ laborTargetBp: 1700 }],
  });
  assert.deepEqual(sim.dates, [
    "2026-10-23",
    "2026-10-30",
    "2026-11-06",
    "2026-11-13",
    "2026-11-20",
  ]);
  const rules = [{ ...DEFAULT_PROJECTION_RULES, laborTargetBp: 1700 }];
  const pred = predictProjections(sim, plannedSteps(replayTimeline(sim.deliveries)), rules);
  // Every day has its live history; the last write of each day's last slot is its final sales
  // once nothing after it changes the day.
  for (const date of sim.dates) {
    const rows = [...pred.intraday.values()].filter((r) => r.businessDate === date);
    assert.ok(rows.length > 40, `${date}: ${rows.length} slots`);
  }
  const day = pred.writes.filter((w) => w.businessDate === "2026-11-20");
  // History days have too little history of their own; the simulated day has four.
  assert.ok(
    pred.writes.filter((w) => w.businessDate === "2026-10-23").every((w) =>
      w.projection.status === "insufficient_history" && w.projection.candidates === 0
    ),
  );
  assert.ok(day.some((w) => w.projection.status === "ok" && w.projection.candidates === 4));
  for (const a of pred.alerts) {
    assert.equal(a.businessDate, "2026-11-20");
    assert.ok(a.projection.typicalShareBp! >= 3000);
    // Cutting what the hint says lands on target: the saving covers the excess.
    if (a.hint.cutSavingCents !== null) assert.ok(a.hint.cutSavingCents >= a.hint.excessCents);
    // Selling what it says lands on target.
    const sales = a.projection.projectedNetSalesCents! + a.hint.sellMoreCents;
    assert.ok(Math.abs(a.projection.projectedLaborCostCents * 10_000 / sales - 1700) < 0.01);
  }
  assert.ok(pred.alerts.length >= 1, "seed 3 projects over a 17 % target");
});
