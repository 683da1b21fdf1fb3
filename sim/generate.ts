/**
 * The simulator's generator: from a seed, the locations, their business days of Toast
 * orders and 7shifts punches, the ground truth, and the delivery plan. Pure and
 * deterministic: the same options give the same simulation, byte for byte.
 *
 * Two random streams: the content (what is sold, who works when) comes from the seed alone;
 * the identities (GUIDs, punch and company ids) come from the seed and the run id, so two
 * runs of one seed against one database do not collide, and still compute the same figures.
 *
 * @module
 */
import { LOCATION_SEEDS, MENU, type ShiftPlan } from "./catalog.ts";
import type { SimLocation, SimOrder, SimPunch, SimScheduledShift } from "./model.ts";
import { buildEvents, type Delivery, planDeliveries } from "./plan.ts";
import { hashString, Rng } from "./prng.ts";
import type { ToastConfigGuids, WageUnit } from "./render.ts";
import {
  generatePunchDay,
  generateStaff,
  type NumericIds,
  type PunchFeature,
  type StaffMember,
} from "./sevenshifts_gen.ts";
import {
  busiestShifts,
  generateScheduleDay,
  punchesFromSchedule,
  salesDay,
  weekdayShifts,
} from "./schedule_gen.ts";
import { addDays, businessDateAt, localInstant } from "./time.ts";
import { generateOrderDay, type OrderFeature } from "./toast_gen.ts";
import { groundTruth, type TruthRow } from "./truth.ts";

/** How one location behaves (defaults give an ordinary full-service restaurant). */
export interface LocationScenario {
  name: string;
  timeZone: string;
  laborTargetBp: number;
  /** Orders per day (before the daily specials). */
  ordersPerDay: number;
  /** The day's shift plan. */
  shifts: readonly ShiftPlan[];
  /** Relative order volume per local half-hour from midnight (52 slots, past midnight). */
  intensity: readonly number[];
  /** Order features that must appear each day. */
  orderFeatures: readonly OrderFeature[];
  /** Punch features that must appear each day. */
  punchFeatures: readonly PunchFeature[];
  /** Scale of the random extra order features (0 = only the required ones). */
  featureRateScale: number;
  /** Share of punches sent open at clock-in. */
  openAtClockInRate: number;
  /** Share of punches approved (an edit) the next morning. */
  approvalRate: number;
  /** Whether punches may be sent open at clock-in (see sevenshifts_gen.ts). */
  openPunches: boolean;
  /** Share of the location's webhooks never delivered (the vendor gave up on them). */
  webhookLossRate: number;
  /**
   * A paused subscription: local hours `[from, to)` of each business day (as the intensity
   * slots count them: 25 is 1 am the next morning) in which every webhook is lost.
   */
  webhookOutage: readonly [number, number];
  /** Punches a day whose breaks the manager edits later, which fires no webhook. */
  silentBreakEdits: number;
  /**
   * One employee comes into the first day with hours already worked this week: the earliest
   * shift of `role` that day is worked by someone who also worked `hoursPerDay` on each of the
   * `days` days before it (closed punches, sent by 7shifts at `deliverAtHour` local on the first
   * day), in a workweek that starts on the first of those days (the company's setting), so the
   * day's shift crosses into overtime.
   */
  overtimeHistory: {
    role: StaffMember["role"];
    days: number;
    hoursPerDay: number;
    deliverAtHour: number;
  };
}

/** What a simulation is generated from. */
export interface SimulationOptions {
  /** Any integer: the same seed gives the same business days. */
  seed: number;
  /** Number of locations (1 or more). */
  locations: number;
  /** Number of business days per location (1 or more). */
  days: number;
  /** First business date, `YYYY-MM-DD`. */
  startDate: string;
  /** Namespace of the vendor ids (default `run-<seed>`). */
  runId?: string;
  /** Share of events delivered twice (0-1, default 0). */
  duplicateRate?: number;
  /** Share of events delivered out of time order (0-1, default 0). */
  reorderRate?: number;
  /** Unit of 7shifts `hourly_wage` (default dollars, as in 7shifts' webhook samples). */
  wageUnit?: WageUnit;
  /**
   * Whether punches may be sent open at clock-in (default true). Open punches accrue labor
   * until the database's clock, so a run that predicts the alerts turns them off.
   */
  openPunches?: boolean;
  /** Share of every location's webhooks never delivered (0-1, default 0; a scenario's wins). */
  webhookLossRate?: number;
  /** Punches per location-day whose breaks are edited without a webhook (default 0). */
  silentBreakEdits?: number;
  /**
   * Whether every fourth person earns an extra half cent an hour (default: when wages are in
   * dollars). 7shifts' API gives wages in whole cents, so runs the vendor sync reads turn it off.
   */
  halfCentWages?: boolean;
  /**
   * Published schedules (default false): each day gets its weekday's shift plan as a 7shifts
   * schedule, punches derived from it, and a sales curve with day-to-day noise
   * (sim/schedule_gen.ts). Off, the fixed plan and curve of every earlier run.
   */
  schedules?: boolean;
  /**
   * Same-weekday history (0-8, default 0): the business days 7, 14, … days before each
   * simulated day are generated too (listed in `dates` before it, not in `targetDates`), so a
   * run can ingest them first and the projection has typical days to learn from.
   */
  historyWeeks?: number;
  /** Per-location overrides, by position (the demo's stories). */
  scenarios?: ReadonlyArray<Partial<LocationScenario> | undefined>;
}

/** A generated simulation. */
export interface Simulation {
  options: Required<Omit<SimulationOptions, "scenarios">>;
  locations: SimLocation[];
  orders: SimOrder[];
  punches: SimPunch[];
  /** The webhooks, in the order they are sent. */
  deliveries: Delivery[];
  /** The webhooks the vendors gave up on (never sent; only their APIs have the data). */
  lost: Delivery[];
  /** Each location's Toast configuration GUIDs (to render its orders again, as its API). */
  toastConfigs: ToastConfigGuids[];
  /** Final figures per location and business day. */
  truth: TruthRow[];
  /** Business dates generated, in order (history days included). */
  dates: string[];
  /** The simulated days proper (`startDate` and the `days - 1` after it), in order. */
  targetDates: string[];
  /** The published schedule of every day (empty unless `schedules`). */
  schedule: SimScheduledShift[];
}

/** Checks the options and fills in defaults; throws `RangeError` on a bad value. */
export function resolveOptions(opts: SimulationOptions): Simulation["options"] {
  const fail = (m: string) => {
    throw new RangeError(m);
  };
  if (!Number.isSafeInteger(opts.seed)) fail("seed must be an integer");
  if (!Number.isInteger(opts.locations) || opts.locations < 1 || opts.locations > 200) {
    fail("locations must be an integer from 1 to 200");
  }
  if (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > 60) {
    fail("days must be an integer from 1 to 60");
  }
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(opts.startDate) || addDays(opts.startDate, 0) !== opts.startDate
  ) {
    fail("startDate must be a real date YYYY-MM-DD");
  }
  const weeks = opts.historyWeeks ?? 0;
  if (!Number.isInteger(weeks) || weeks < 0 || weeks > 8) {
    fail("historyWeeks must be an integer from 0 to 8");
  }
  const rate = (v: number | undefined, name: string) => {
    const r = v ?? 0;
    if (!(r >= 0 && r <= 1)) fail(`${name} must be between 0 and 1`);
    return r;
  };
  return {
    seed: opts.seed,
    locations: opts.locations,
    days: opts.days,
    startDate: opts.startDate,
    runId: opts.runId ?? `run-${opts.seed}`,
    duplicateRate: rate(opts.duplicateRate, "duplicateRate"),
    reorderRate: rate(opts.reorderRate, "reorderRate"),
    wageUnit: opts.wageUnit ?? "dollars",
    openPunches: opts.openPunches ?? true,
    webhookLossRate: rate(opts.webhookLossRate, "webhookLossRate"),
    silentBreakEdits: opts.silentBreakEdits ?? 0,
    halfCentWages: opts.halfCentWages ?? (opts.wageUnit ?? "dollars") === "dollars",
    schedules: opts.schedules ?? false,
    historyWeeks: opts.historyWeeks ?? 0,
  };
}

/** Numeric vendor ids within a run's own block, so runs never collide. */
function numericIds(runId: string, seed: number) {
  // A block of a million ids per kind under a per-run base; far below 2^53.
  const base = (hashString(`${runId}#${seed}`) % 9_000_000) + 1_000_000;
  let punch = 0;
  let brk = 0;
  let shift = 0;
  let user = 0;
  const ids: NumericIds & { userId(): number; base: number } = {
    base,
    punchId: () => base * 1_000_000 + ++punch,
    breakId: () => base * 1_000_000 + ++brk,
    shiftId: () => base * 1_000_000 + ++shift,
    userId: () => base * 10_000 + ++user,
  };
  return ids;
}

/**
 * The earlier punches of {@link LocationScenario.overtimeHistory}: the same person, the same
 * local start time, on each of the days before `date`; the location's company starts its
 * workweek on the first of them.
 */
function overtimeHistory(
  location: SimLocation,
  date: string,
  h: LocationScenario["overtimeHistory"],
  staff: readonly StaffMember[],
  punches: readonly SimPunch[],
  ids: NumericIds,
): SimPunch[] {
  const roleOf = new Map(staff.map((m) => [m.userId, m]));
  const first = punches
    .filter((p) =>
      p.locationIndex === location.index && roleOf.get(p.userId)?.role === h.role &&
      businessDateAt(p.versions[0].clockedInAt, location.timeZone, location.cutoffHour) === date
    )
    .sort((a, b) => a.versions[0].clockedInAt - b.versions[0].clockedInAt)[0];
  if (!first) throw new RangeError(`no ${h.role} shift on ${date} at ${location.name}`);
  const today = first.versions[0];
  const member = roleOf.get(first.userId)!;
  const deliverAt = localInstant(date, h.deliverAtHour, location.timeZone);
  const weekStart = addDays(date, -h.days);
  location.workweekStartIsoDay = new Date(`${weekStart}T12:00:00Z`).getUTCDay() || 7;
  const out: SimPunch[] = [];
  for (let k = h.days; k >= 1; k--) {
    const inAt = today.clockedInAt - k * 86_400_000;
    const outAt = inAt + Math.round(h.hoursPerDay * 3_600_000);
    out.push({
      id: ids.punchId(),
      locationIndex: location.index,
      userId: member.userId,
      shiftId: ids.shiftId(),
      createdAt: inAt,
      versions: [{
        topic: "time_punch.created",
        modifiedAt: outAt + 600_000,
        change: "earlier this week",
        clockedInAt: inAt,
        clockedOutAt: outAt,
        breaks: [],
        hourlyWageCentiCents: member.hourlyWageCentiCents,
        roleId: today.roleId,
        departmentId: today.departmentId,
        approved: true,
        autoClockedOut: false,
        deleted: false,
        deliverAt: deliverAt + (h.days - k) * 1000,
      }],
    });
  }
  return out;
}

/** Generates the whole simulation (see the module doc). */
export function generateSimulation(options: SimulationOptions): Simulation {
  const opts = resolveOptions(options);
  const content = new Rng(`content/${opts.seed}`);
  const idRng = new Rng(`ids/${opts.runId}/${opts.seed}`);
  const uuid = () => idRng.uuid();
  const nums = numericIds(opts.runId, opts.seed);
  const targetDates = Array.from({ length: opts.days }, (_, i) => addDays(opts.startDate, i));
  const dates = [
    ...new Set([
      ...targetDates.flatMap((d) =>
        Array.from({ length: opts.historyWeeks }, (_, k) => addDays(d, -7 * (k + 1)))
      ),
      ...targetDates,
    ]),
  ].sort();
  const schedule: SimScheduledShift[] = [];

  const locations: SimLocation[] = [];
  const configs: ToastConfigGuids[] = [];
  const orders: SimOrder[] = [];
  const punches: SimPunch[] = [];
  for (let i = 0; i < opts.locations; i++) {
    const seedInfo = LOCATION_SEEDS[i % LOCATION_SEEDS.length];
    const over = options.scenarios?.[i] ?? {};
    const lr = content.fork(`location ${i}`);
    const name = over.name ??
      (i < LOCATION_SEEDS.length
        ? seedInfo.name
        : `${seedInfo.name} #${Math.floor(i / LOCATION_SEEDS.length) + 1}`);
    const location: SimLocation = {
      index: i,
      name,
      timeZone: over.timeZone ?? seedInfo.timeZone,
      cutoffHour: 4,
      toastRestaurantGuid: uuid(),
      sevenShiftsCompanyId: nums.base * 100 + i + 1,
      sevenShiftsLocationId: nums.base * 100 + 50 + i,
      laborTargetBp: over.laborTargetBp ?? 2500,
      taxRatePpm: seedInfo.taxRatePpm,
    };
    locations.push(location);
    configs.push({
      diningOptions: { DINE_IN: uuid(), TAKE_OUT: uuid(), DELIVERY: uuid() },
      menuGroup: uuid(),
      salesCategory: uuid(),
      server: uuid(),
      revenueCenter: uuid(),
    });
    const menuGuids = MENU.map(() => uuid());
    const staff = generateStaff(
      lr.fork("staff"),
      nums.userId,
      over.shifts ?? (opts.schedules ? busiestShifts() : undefined),
      opts.halfCentWages,
    );
    const ordersPerDay = over.ordersPerDay ?? lr.int(70, 110);
    for (const [dayIndex, date] of dates.entries()) {
      // Forked by position, not date: a scenario plays the same in local time on any date.
      const dr = lr.fork(`day ${dayIndex}`);
      const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
      // Friday and Saturday are busier (with schedules: the weekday profile), unless the scenario fixes the volume.
      const busy = over.ordersPerDay === undefined && (weekday === 5 || weekday === 6) ? 1.25 : 1;
      const sales = opts.schedules ? salesDay(dr.fork("sales"), weekday, ordersPerDay) : null;
      orders.push(...generateOrderDay({
        location,
        date,
        rng: dr.fork("orders"),
        ids: { uuid },
        menuGuids,
        orderCount: sales?.orderCount ??
          Math.round(ordersPerDay * busy * (0.9 + dr.int(0, 20) / 100)),
        intensity: over.intensity ?? sales?.intensity,
        requiredFeatures: over.orderFeatures,
        featureRateScale: over.featureRateScale,
        latestRefundDate: addDays(dates[dates.length - 1], 1),
      }));
      if (opts.schedules) {
        // The manager publishes the schedule three days ahead, in the afternoon.
        const day = generateScheduleDay({
          location,
          date,
          rng: dr.fork("schedule"),
          ids: nums,
          staff,
          shifts: over.shifts ?? weekdayShifts(weekday),
          publishedAt: localInstant(addDays(date, -3), 14, location.timeZone),
        });
        schedule.push(...day);
        punches.push(...punchesFromSchedule({
          location,
          date,
          rng: dr.fork("punches"),
          ids: nums,
          staff,
          schedule: day,
          openPunches: over.openPunches ?? opts.openPunches,
        }));
        continue;
      }
      punches.push(...generatePunchDay({
        location,
        date,
        rng: dr.fork("punches"),
        ids: nums,
        staff,
        shifts: over.shifts,
        requiredFeatures: over.punchFeatures,
        openAtClockInRate: over.openAtClockInRate,
        approvalRate: over.approvalRate,
        openPunches: over.openPunches ?? opts.openPunches,
        silentBreakEdits: over.silentBreakEdits ?? opts.silentBreakEdits,
      }));
    }
    if (over.overtimeHistory) {
      punches.push(
        ...overtimeHistory(location, targetDates[0], over.overtimeHistory, staff, punches, nums),
      );
    }
  }
  const events = buildEvents(
    locations,
    orders,
    punches,
    configs,
    uuid,
    content.fork("latency"),
    opts.wageUnit,
  );
  const { deliveries, lost } = planDeliveries(events, content.fork("delivery"), {
    duplicateRate: opts.duplicateRate,
    reorderRate: opts.reorderRate,
    wageUnit: opts.wageUnit,
    lossRates: locations.map((l) =>
      options.scenarios?.[l.index]?.webhookLossRate ?? opts.webhookLossRate
    ),
    outages: locations.map((l) => {
      const hours = options.scenarios?.[l.index]?.webhookOutage;
      return hours === undefined ? [] : dates.map((date) =>
        [
          localInstant(date, hours[0], l.timeZone),
          localInstant(date, hours[1], l.timeZone),
        ] as const
      );
    }),
  });
  return {
    options: opts,
    locations,
    orders,
    punches,
    deliveries,
    lost,
    toastConfigs: configs,
    truth: groundTruth(locations, orders, punches),
    dates,
    targetDates,
    schedule,
  };
}
