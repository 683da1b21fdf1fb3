/**
 * The demo's three locations and their day (scripts/demo.ts): one crosses its labor target
 * mid-afternoon, one goes critical after an overstaffed, quiet afternoon and recovers after a
 * late sales burst, one stays healthy. All three in one city (one clock for the story). Plain scenario data for the generator; the alerts they
 * cause are predicted by alerts_model.ts, not written here.
 *
 * @module
 */
import type { ShiftPlan } from "./catalog.ts";
import type { LocationScenario, SimulationOptions } from "./generate.ts";
import type { PunchFeature } from "./sevenshifts_gen.ts";
import { ORDER_FEATURES } from "./toast_gen.ts";

/** Relative order volume per local half-hour from `[fromHour, toHour, weight]` spans. */
export function intensity(spans: ReadonlyArray<readonly [number, number, number]>): number[] {
  const w = new Array(52).fill(0);
  for (const [from, to, weight] of spans) {
    for (let h = Math.round(from * 2); h < Math.round(to * 2); h++) w[h] = weight;
  }
  return w;
}

const s = (role: ShiftPlan["role"], start: number, end: number): ShiftPlan => ({
  role,
  start,
  end,
});

/** Only what happens within the day itself: the next morning's edits are outside the replay. */
const IN_DAY_PUNCH_FEATURES: readonly PunchFeature[] = [
  "createdClosed",
  "mistakeDeleted",
  "lateNightClockIn",
  "deletedBreak",
];

const COMMON: Partial<LocationScenario> = {
  // The story's day as written: no later-day refund, no whole-check refund.
  orderFeatures: ORDER_FEATURES.filter((f) => f !== "refundLaterDay" && f !== "refundWholeCheck"),
  punchFeatures: IN_DAY_PUNCH_FEATURES,
  featureRateScale: 0.5,
  // Punches arrive at clock-out (7shifts' created-closed shape): an open punch would accrue
  // against the database's real clock, not the replay's.
  openPunches: false,
  approvalRate: 0,
};

/** The three stories, by location index. */
export const DEMO_SCENARIOS: readonly Partial<LocationScenario>[] = [
  {
    ...COMMON,
    name: "Downtown Bistro",
    timeZone: "America/Chicago",
    laborTargetBp: 2500,
    // Breakfast and lunch only, with a big crew: its labor lands as the crew clocks out in the
    // early afternoon, after the day's sales are in.
    ordersPerDay: 40,
    intensity: intensity([[7.5, 10, 3], [11, 14, 10], [14, 15, 2]]),
    punchFeatures: ["createdClosed", "mistakeDeleted", "deletedBreak"],
    shifts: [
      s("manager", 7, 15),
      s("prep", 5.5, 13),
      s("prep", 6, 13.5),
      s("line", 7, 13.75),
      s("line", 9, 14.25),
      s("dish", 9.5, 14.5),
      s("server", 7, 13.5),
      s("server", 10.75, 14.5),
      s("server", 11, 14.75),
      s("host", 11, 14.25),
      s("line", 13.5, 15.5),
      s("server", 13, 15.5),
    ],
  },
  {
    ...COMMON,
    name: "Lakeside Grill",
    timeZone: "America/Chicago",
    laborTargetBp: 2500,
    // A slow lunch with a full crew, then the late crowd after the lakeside concert.
    ordersPerDay: 95,
    intensity: intensity([[11.5, 14, 3], [14, 17, 1], [17, 20.5, 2], [20.5, 23.5, 14], [
      23.5,
      25,
      3,
    ]]),
    shifts: [
      s("manager", 9, 16),
      s("prep", 8, 15),
      s("line", 10, 15.5),
      s("line", 10.5, 16),
      s("dish", 11, 16),
      s("server", 10.75, 15.5),
      s("server", 11, 16),
      s("host", 11, 15),
      s("manager", 16, 25),
      s("line", 16.5, 24.5),
      s("line", 17, 24),
      s("dish", 17, 25),
      s("server", 18, 24),
      s("server", 19, 24.5),
      s("server", 19.5, 24),
      s("bartender", 18, 26),
    ],
  },
  {
    ...COMMON,
    name: "Harbor Kitchen",
    timeZone: "America/Chicago",
    laborTargetBp: 2500,
    // An ordinary busy day, staffed to match.
    ordersPerDay: 95,
  },
];

/** The demo's simulation options for business date `date`. */
export function demoOptions(date: string, runId: string): SimulationOptions {
  return {
    seed: 2026,
    locations: DEMO_SCENARIOS.length,
    days: 1,
    startDate: date,
    runId,
    duplicateRate: 0.05,
    reorderRate: 0.05,
    openPunches: false,
    scenarios: DEMO_SCENARIOS,
  };
}
