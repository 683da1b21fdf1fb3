/**
 * The simulator's schedules (sim/schedule_gen.ts): each day's published shifts, the punches
 * that derive from them, same-weekday history days, and sales that vary from day to day; and
 * the benchmark's accuracy figures (bench/projection.ts) on hand-made days and its sweep of
 * alert settings on the model's days.
 */
import assert from "node:assert/strict";
import {
  type DaySample,
  foresightLeadAtLeast2h,
  modelAccuracy,
  openingOfLastEpisode,
  summarizeAccuracy,
  sweepAlertSettings,
  sweepSection,
} from "../../bench/projection.ts";
import { generateSimulation } from "../../sim/generate.ts";
import { businessDateAt } from "../../sim/time.ts";

const SIM = generateSimulation({
  seed: 5,
  locations: 2,
  days: 2,
  startDate: "2026-11-20",
  schedules: true,
  historyWeeks: 3,
  halfCentWages: false,
  wageUnit: "cents",
});

Deno.test("schedules: same-weekday history days come before the simulated days", () => {
  assert.deepEqual(SIM.targetDates, ["2026-11-20", "2026-11-21"]);
  assert.deepEqual(SIM.dates, [
    "2026-10-30",
    "2026-10-31",
    "2026-11-06",
    "2026-11-07",
    "2026-11-13",
    "2026-11-14",
    "2026-11-20",
    "2026-11-21",
  ]);
  assert.throws(
    () =>
      generateSimulation({
        seed: 1,
        locations: 1,
        days: 1,
        startDate: "2026-11-20",
        historyWeeks: 9,
      }),
    /historyWeeks/,
  );
});

Deno.test("schedules: every day is scheduled, with a split shift, and punches follow the shifts", () => {
  for (const loc of SIM.locations) {
    for (const date of SIM.dates) {
      const shifts = SIM.schedule.filter((s) =>
        s.locationIndex === loc.index && s.businessDate === date
      );
      assert.ok(shifts.length >= 15, `${loc.name} ${date}: ${shifts.length} shifts`);
      for (const s of shifts) {
        assert.equal(businessDateAt(s.startsAt, loc.timeZone, loc.cutoffHour), date);
        assert.ok(s.endsAt > s.startsAt && s.hourlyWageCents > 0);
        assert.equal(s.startsAt % 60_000, 0, "whole minutes");
      }
      // One server works lunch and dinner.
      const byUser = Map.groupBy(shifts.filter((s) => s.userId !== null), (s) => s.userId);
      assert.ok([...byUser.values()].some((list) => list.length === 2), `${date}: a split shift`);
      // Each worked shift's punch starts within minutes of it, by its person.
      const punches = SIM.punches.filter((p) =>
        p.locationIndex === loc.index &&
        businessDateAt(p.versions[0].clockedInAt, loc.timeZone, loc.cutoffHour) === date
      );
      const scheduled = new Map(shifts.map((s) => [s.id, s]));
      for (const p of punches) {
        const s = scheduled.get(p.shiftId);
        if (!s) continue; // called in without a shift
        assert.equal(p.userId, s.userId);
        const delta = p.versions[0].clockedInAt - s.startsAt;
        assert.ok(delta >= -480_000 && delta <= 300_000, `clock-in ${delta / 1000} s off`);
        // Clocked in open, then out: the projection sees who is on the clock.
        assert.equal(p.versions[0].clockedOutAt, null);
      }
      const worked = new Set(punches.map((p) => p.shiftId));
      assert.ok(
        shifts.filter((s) => s.userId !== null && worked.has(s.id)).length >= shifts.length - 4,
      );
    }
  }
  // Over the run: some open shift nobody picked up, and some no-show or someone called in.
  assert.ok(SIM.schedule.some((s) => s.userId === null));
});

Deno.test("schedules: same weekdays resemble each other without being equal", () => {
  const fridays = SIM.truth.filter((t) =>
    t.locationIndex === 0 && new Date(`${t.businessDate}T12:00:00Z`).getUTCDay() === 5
  );
  assert.equal(fridays.length, 4);
  const sales = fridays.map((t) => t.netSalesCents);
  assert.equal(new Set(sales).size, 4, "every Friday differs");
  const mean = sales.reduce((a, b) => a + b, 0) / sales.length;
  assert.ok(sales.every((s) => Math.abs(s - mean) / mean < 0.5), JSON.stringify(sales));
  // The default simulation is untouched: no schedule.
  const plain = generateSimulation({ seed: 5, locations: 1, days: 1, startDate: "2026-11-20" });
  assert.deepEqual(plain.schedule, []);
  assert.deepEqual(plain.dates, plain.targetDates);
});

const h = 3_600_000;
const handMadeDay = (s: Partial<DaySample>): DaySample => ({
  businessDate: "2026-11-20",
  timeZone: "America/New_York",
  laborTargetBp: 2500,
  finalPctBp: 2500,
  projectedPctBp: [2500, 2500, 2500],
  projectionAlertAt: null,
  overAlertAt: null,
  closeAt: 28 * h,
  gateOpenAt: 13 * h,
  ...s,
});

Deno.test("bench accuracy: the actual-% alert that counts, errors, leads and false alarms", () => {
  // Over at 11 AM, recovered at 6 PM, over again at 9 PM: the last episode opened at 9 PM.
  assert.equal(
    openingOfLastEpisode([
      { kind: "over", at: 11 * h },
      { kind: "critical", at: 12 * h },
      { kind: "recovered", at: 18 * h },
      { kind: "over", at: 21 * h },
    ]),
    21 * h,
  );
  assert.equal(
    openingOfLastEpisode([{ kind: "over", at: h }, { kind: "recovered", at: 2 * h }]),
    null,
  );
  const day = handMadeDay;
  const f = summarizeAccuracy([
    // Ends over; warned at 3 PM, the actual-% alert at 6 PM: 3 h ahead. Its gate time is made up
    // (after the warning) to count it as a day no alert the gate allows could lead by 2 h.
    day({
      finalPctBp: 2800,
      projectedPctBp: [3000, 2700, null],
      projectionAlertAt: 15 * h,
      overAlertAt: 18 * h,
      gateOpenAt: 16.5 * h,
    }),
    // Ends over, crossed only at the close (4 AM): warned at 7 PM, 9 h ahead.
    day({ finalPctBp: 2600, projectedPctBp: [2400, 2600, 2600], projectionAlertAt: 19 * h }),
    // Ends 1.5 points under, yet warned: a false alarm.
    day({ finalPctBp: 2350, projectedPctBp: [2750, 2350, 2350], projectionAlertAt: 14 * h }),
    // Ends a point under exactly: neither.
    day({ finalPctBp: 2400, projectedPctBp: [2400, 2400, 2400] }),
  ]);
  // 2 PM: +2, −2, +4, 0; 5 PM: −1, 0, 0, 0; 8 PM: 0, 0, 0 (one day has no projection).
  assert.deepEqual(f.maePoints, [2, 0.25, 0]);
  assert.deepEqual(f.biasPoints, [1, -0.25, 0]);
  assert.equal(f.overDays, 2);
  assert.equal(f.overDaysLeadAtLeast2h, 2);
  assert.deepEqual(f.leadHours, { median: 6, min: 3, mean: 6 });
  assert.equal(f.underByPointDays, 1);
  assert.equal(f.falseAlarms, 1);
  // The second over day (close at 4 AM, gate at 1 PM) could have been warned 2 h ahead.
  assert.equal(f.overDaysLeadImpossible, 1);
  // Unknown when a source does not know when its gate opened.
  assert.equal(summarizeAccuracy([day({ gateOpenAt: null })]).overDaysLeadImpossible, null);
});

Deno.test("bench sweep: foresight warns the over days whose actual-% alert came 2 h after the gate", () => {
  const day = handMadeDay;
  const days = [
    // Ends over a hair; its actual-% alert exactly 2 h after the gate opened: warned in time.
    day({ finalPctBp: 2501, overAlertAt: 15 * h }),
    // Ends over; the actual-% alert a minute short of 2 h after the gate: too late for any alert.
    day({ finalPctBp: 3000, overAlertAt: 15 * h - 60_000 }),
    // Ends over, crossed only at the close (4 AM): in time.
    day({ finalPctBp: 2600 }),
    // Ends over, the gate never opened: never.
    day({ finalPctBp: 2600, gateOpenAt: null }),
    // On target exactly, and under: not over days.
    day({ finalPctBp: 2500, overAlertAt: 20 * h }),
    day({ finalPctBp: 2000 }),
  ];
  assert.equal(foresightLeadAtLeast2h(days), 2);
  const point = {
    minShareBp: 3000,
    marginBp: 100,
    overDays: 4,
    overDaysLeadAtLeast2h: 4,
    underByPointDays: 1,
    falseAlarms: 0,
    foresightLeadAtLeast2h: 2,
  };
  const goalMet = (p: typeof point) => sweepSection([p]).rows[0]![4];
  assert.equal(goalMet(point), "yes");
  assert.equal(goalMet({ ...point, falseAlarms: 1 }), "no");
  assert.equal(goalMet({ ...point, overDaysLeadAtLeast2h: 3 }), "no");
  assert.deepEqual(sweepSection([point]).rows[0]!.slice(0, 4), ["30 %", 1, "4/4", "0/1"]);
});

Deno.test("bench sweep: each setting sees the same days as the model run alone with that setting", () => {
  const opts = { days: 2, firstDate: "2027-02-04", historyWeeks: 3, seed: 1900 };
  const settings = [{ minShareBp: 0, marginBp: 0 }, { minShareBp: 3000, marginBp: 300 }];
  const { points, samples } = sweepAlertSettings(opts, settings);
  settings.forEach((s, k) => {
    const alone = modelAccuracy({
      ...opts,
      rules: { projectionMinShareBp: s.minShareBp, projectionMarginBp: s.marginBp },
    });
    assert.deepEqual(samples[k], alone.samples);
    assert.equal(points[k]!.falseAlarms, alone.figures.falseAlarms);
    assert.equal(points[k]!.overDaysLeadAtLeast2h, alone.figures.overDaysLeadAtLeast2h);
    assert.equal(points[k]!.foresightLeadAtLeast2h, foresightLeadAtLeast2h(alone.samples));
  });
  // The settings differ on these days (the gate opens at the first write with no minimum).
  assert.notDeepEqual(samples[0]!.map((d) => d.gateOpenAt), samples[1]!.map((d) => d.gateOpenAt));
});
