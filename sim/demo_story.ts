/**
 * The demo's three locations and their day (scripts/demo.ts): Downtown Bistro closes after
 * lunch while a catering crew works on, and crosses its labor target late in the afternoon;
 * Lakeside Grill runs a full crew through a slow lunch, goes critical, and recovers after the
 * late crowd of a lakeside concert; Harbor Kitchen is staffed to match and stays healthy. All
 * three in one city (one clock for the story). Harbor Kitchen's day manager comes in with 38
 * hours already this week and reaches overtime before noon: the channels hear it an hour ahead. Staff clock in when their shift starts and
 * accrue while open, as 7shifts sends it. Plain scenario data for the generator, and the beats
 * the demo says on screen when they happen ({@link DEMO_BEATS}); the alerts they cause are
 * predicted by alerts_model.ts, not written here.
 *
 * @module
 */
import type { ShiftPlan } from "./catalog.ts";
import type { LocationScenario, Simulation, SimulationOptions } from "./generate.ts";
import { localInstant, wallTime } from "./time.ts";
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
  "mistakeDeleted",
  "lateNightClockIn",
  "deletedBreak",
];

const COMMON: Partial<LocationScenario> = {
  // The story's day as written: no later-day refund, no whole-check refund.
  orderFeatures: ORDER_FEATURES.filter((f) => f !== "refundLaterDay" && f !== "refundWholeCheck"),
  punchFeatures: IN_DAY_PUNCH_FEATURES,
  featureRateScale: 0.5,
  // Staff clock in when their shift starts and accrue while open, as 7shifts sends it:
  // time_punch.created at clock-in, time_punch.edited at clock-out.
  openPunches: true,
  openAtClockInRate: 1,
  approvalRate: 0,
};

/** The three stories, by location index. */
export const DEMO_SCENARIOS: readonly Partial<LocationScenario>[] = [
  {
    ...COMMON,
    name: "Downtown Bistro",
    timeZone: "America/Chicago",
    laborTargetBp: 2500,
    // Breakfast and lunch only (doors close at 3 PM), then a catering crew preps tomorrow's
    // order until 6 PM: no sales after 3 PM while labor keeps accruing (DEMO_BEATS).
    ordersPerDay: 40,
    intensity: intensity([[7, 10, 6], [10, 11, 3], [11, 14, 10], [14, 15, 2]]),
    punchFeatures: ["mistakeDeleted", "deletedBreak"],
    shifts: [
      s("line", 6.5, 14),
      s("server", 6.75, 14.5),
      s("manager", 8, 17.5),
      s("dish", 10, 15),
      s("line", 10.5, 15.5),
      s("server", 10.75, 14.75),
      s("server", 11, 15),
      s("host", 11, 14),
      s("prep", 13.5, 18),
      s("prep", 14, 18),
      s("line", 14, 18),
      s("line", 14.5, 18),
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
    // A busy brunch, lunch and dinner house, staffed to match. Its Toast and 7shifts
    // subscriptions stall over lunch (every webhook from 12:15 to 1 PM is lost), and a manager
    // adds a forgotten break in 7shifts after the fact (no webhook): the hourly sync with the
    // vendors' APIs (DEMO_SYNC_MINUTE) puts both right.
    webhookOutage: [12.25, 13],
    silentBreakEdits: 1,
    // The day manager comes in with 38 hours already this week (four days of 9.5 hours, sent
    // by 7shifts at 8:30 AM): the 9:30 shift crosses 40 hours at 11:30 AM.
    overtimeHistory: { role: "manager", days: 4, hoursPerDay: 9.5, deliverAtHour: 8.5 },
    ordersPerDay: 105,
    intensity: intensity([[9.5, 11, 5], [11, 14, 8], [14, 17, 3], [17, 21, 8], [21, 23, 3]]),
    shifts: [
      s("line", 9, 15),
      s("server", 9.25, 15),
      s("manager", 9.5, 17.5),
      s("server", 10, 15),
      s("dish", 10.5, 16),
      s("line", 11, 16),
      s("server", 11, 15.5),
      s("manager", 16, 24),
      s("line", 16, 23),
      s("line", 16.5, 22.5),
      s("dish", 17, 23.5),
      s("server", 16.5, 22.5),
      s("server", 17, 23),
      s("bartender", 17, 24.5),
      s("host", 17, 22),
      s("server", 18, 22.5),
      s("line", 17, 22),
    ],
  },
];

/**
 * Harbor Kitchen's day manager, who reaches overtime on the replayed day
 * ({@link LocationScenario.overtimeHistory}): the demo sends 7shifts' `user.created` for them,
 * so the messages can name them.
 */
export const DEMO_OVERTIME_EMPLOYEE = {
  locationIndex: 2,
  firstName: "Avery",
  lastName: "Quinn",
} as const;

/** What the story scripts, said on screen when the replay reaches it (local hour of the day). */
export interface DemoBeat {
  locationIndex: number;
  /** Local hours after midnight of the business date (may pass 24). */
  hour: number;
  text: string;
}

/** The scripted moments of {@link DEMO_SCENARIOS}, in time order. */
export const DEMO_BEATS: readonly DemoBeat[] = [
  {
    locationIndex: 0,
    hour: 6.5,
    text: "Downtown Bistro: the breakfast cook and server clock in; doors open at 7 AM.",
  },
  {
    locationIndex: 2,
    hour: 8.5,
    text: "Harbor Kitchen: 7shifts sends this week's earlier punches: its day manager, " +
      `${DEMO_OVERTIME_EMPLOYEE.firstName} ${DEMO_OVERTIME_EMPLOYEE.lastName[0]}., has 38 ` +
      "hours in already and starts at 9:30 (past 40 hours, each hour costs half again).",
  },
  {
    locationIndex: 2,
    hour: 9,
    text: "Harbor Kitchen: the brunch crew clocks in, staffed to match the day ahead.",
  },
  {
    locationIndex: 1,
    hour: 11,
    text:
      "Lakeside Grill: a full lunch crew of eight is on the clock for what turns out a slow lunch.",
  },
  {
    locationIndex: 2,
    hour: 12.25,
    text: "Harbor Kitchen: its Toast and 7shifts webhooks stall; nothing arrives until 1 PM " +
      "(the vendors give up on them).",
  },
  {
    locationIndex: 0,
    hour: 13.5,
    text:
      "Downtown Bistro: a catering crew of four comes in to prep tomorrow's order (until 6 PM).",
  },
  {
    locationIndex: 0,
    hour: 15,
    text:
      "Downtown Bistro closes its doors after lunch: no more sales today, the caterers work on.",
  },
  {
    locationIndex: 1,
    hour: 20.5,
    text: "Lakeside Grill: the lakeside concert lets out; a late rush until 11:30 PM.",
  },
];

/** The demo's seed: the same seed prints the same story. */
export const DEMO_SEED = 2026;

/** The minute past each hour the sync runs (pg_cron `vendor-sync-hourly`: `10 * * * *`). */
export const DEMO_SYNC_MINUTE = 10;

/**
 * When the hourly sync runs during the replay: at {@link DEMO_SYNC_MINUTE} past each hour from
 * the hour after `first` until one past the last thing that happens (the last delivery, or a
 * change only the vendors' APIs show), so the day ends synced. Every location is connected.
 */
export function demoSyncs(
  sim: Simulation,
  date: string,
  zone: string,
  first: number,
  last: number,
): Array<{ at: number; locationIndexes: number[] }> {
  const end = Math.max(
    last,
    ...sim.punches.flatMap((p) => p.versions.map((v) => v.editedAt ?? v.modifiedAt)),
  );
  const syncs: Array<{ at: number; locationIndexes: number[] }> = [];
  const locationIndexes = sim.locations.map((l) => l.index);
  for (let h = wallTime(first, zone).hour + 1;; h++) {
    const at = localInstant(date, h + DEMO_SYNC_MINUTE / 60, zone);
    syncs.push({ at, locationIndexes });
    if (at > end) break;
  }
  return syncs;
}

/** The demo's simulation options for business date `date`. */
export function demoOptions(date: string, runId: string, seed = DEMO_SEED): SimulationOptions {
  return {
    seed,
    locations: DEMO_SCENARIOS.length,
    days: 1,
    startDate: date,
    runId,
    duplicateRate: 0.05,
    reorderRate: 0.05,
    // 7shifts' API shows wages in whole cents: the sync reads them.
    halfCentWages: false,
    scenarios: DEMO_SCENARIOS,
  };
}
