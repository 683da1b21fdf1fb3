/**
 * Schedules and the days that follow them: a location's published 7shifts schedule for a
 * business day (openers, lunch, dinner, closers, a split shift, sometimes an open shift nobody
 * picked up), the time punches that derive from it (clock-in a few minutes early or late, some
 * leave early or stay late, an occasional no-show, a person called in without a shift), and the
 * day's sales curve: a weekday profile, the day's own noise, and noise per half hour, so that
 * same weekdays resemble each other without being equal.
 *
 * Used when a simulation asks for schedules (`schedules: true`, sim/generate.ts); the default
 * simulation keeps its fixed shift plan and curve, byte for byte.
 *
 * @module
 */
import { ORDER_INTENSITY, ROLES, type ShiftPlan, STANDARD_SHIFTS } from "./catalog.ts";
import type { SimLocation, SimPunch, SimScheduledShift } from "./model.ts";
import type { Rng } from "./prng.ts";
import { makeBreaks, type NumericIds, type StaffMember } from "./sevenshifts_gen.ts";
import { localInstant } from "./time.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Order volume by weekday (0 = Sunday) relative to the location's ordinary day. */
export const WEEKDAY_VOLUME: readonly number[] = [1.05, 0.8, 0.85, 0.9, 1.0, 1.3, 1.35];

/** Lunch weight (11:00-15:00) relative to the ordinary curve, by weekday (Sunday brunch). */
const WEEKDAY_LUNCH: readonly number[] = [1.5, 1.0, 1.0, 1.0, 1.0, 0.9, 1.1];
/** Dinner weight (17:00 on) relative to the ordinary curve, by weekday. */
const WEEKDAY_DINNER: readonly number[] = [0.8, 0.9, 0.95, 1.0, 1.05, 1.25, 1.3];

/** Extra dinner shifts on Friday and Saturday; Sunday opens earlier for brunch. */
const WEEKEND_EXTRA: readonly ShiftPlan[] = [
  { role: "server", start: 17, end: 23 },
  { role: "line", start: 17, end: 23 },
];

/** The shift plan a manager schedules for a weekday (0 = Sunday). */
export function weekdayShifts(weekday: number): ShiftPlan[] {
  const base = [...STANDARD_SHIFTS];
  if (weekday === 5 || weekday === 6) base.push(...WEEKEND_EXTRA);
  if (weekday === 0) {
    base.push({ role: "server", start: 10, end: 15 });
  }
  return base;
}

/** The largest plan of the week (the roster must cover it). */
export function busiestShifts(): ShiftPlan[] {
  return weekdayShifts(6).concat(weekdayShifts(0).slice(STANDARD_SHIFTS.length));
}

/** A standard normal draw (Box-Muller) from the stream. */
export function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A day's sales: its relative volume per local half hour, and its order count. */
export interface SalesDay {
  intensity: number[];
  orderCount: number;
}

/**
 * The sales of one day: the location's ordinary volume × the weekday profile × the day's own
 * noise (σ 10 %), on the ordinary curve tilted by weekday (lunch, dinner), tilted again by the
 * day (lunch and dinner each σ 8 %: a rainy lunch, a big party at dinner), with noise per half
 * hour (σ 10 %), on top of the orders' own randomness (a location's 70-110 orders a day are
 * drawn one by one from the curve, their checks from the menu), which alone moves the share of
 * a day's sales done by 5 PM by several points from one same weekday to the next.
 */
export function salesDay(rng: Rng, weekday: number, ordersPerDay: number): SalesDay {
  const clip = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));
  const day = clip(1 + 0.1 * gaussian(rng), 0.6, 1.4);
  const lunch = WEEKDAY_LUNCH[weekday] * clip(1 + 0.08 * gaussian(rng), 0.7, 1.3);
  const dinner = WEEKDAY_DINNER[weekday] * clip(1 + 0.08 * gaussian(rng), 0.7, 1.3);
  const intensity = ORDER_INTENSITY.map((w, i) => {
    const hour = i / 2;
    const tilt = hour >= 11 && hour < 15 ? lunch : hour >= 17 ? dinner : 1;
    return w === 0 ? 0 : w * tilt * clip(1 + 0.1 * gaussian(rng), 0.6, 1.4);
  });
  // A half hour of brunch on Sunday morning.
  if (weekday === 0) intensity[20] = Math.max(intensity[20], 2);
  return {
    intensity,
    orderCount: Math.round(ordersPerDay * WEEKDAY_VOLUME[weekday] * day),
  };
}

/** What one location-day of schedule is generated from. */
export interface ScheduleDayInput {
  location: SimLocation;
  date: string;
  rng: Rng;
  ids: NumericIds;
  staff: readonly StaffMember[];
  shifts: readonly ShiftPlan[];
  /** Chance the day has an open shift nobody picked up (default 0.35). */
  openShiftRate?: number;
  /** When the schedule was published (epoch ms). */
  publishedAt: number;
}

/** Whole cents of a roster wage (7shifts' API gives shift wages in cents). */
const wholeCents = (centiCents: number) => Math.round(centiCents / 100);

/**
 * The published schedule of a location-day: each planned shift assigned to a free person of
 * its role (a server works a split shift, lunch and dinner, when the plan has both), and
 * sometimes an open dinner shift nobody picked up.
 */
export function generateScheduleDay(input: ScheduleDayInput): SimScheduledShift[] {
  const { rng, location, date } = input;
  const at = (hours: number) => localInstant(date, hours, location.timeZone);
  const busyUntil = new Map<number, number>();
  const out: SimScheduledShift[] = [];
  const add = (plan: ShiftPlan, member: StaffMember | null) => {
    const role = ROLES[plan.role];
    const startsAt = at(plan.start);
    const endsAt = at(plan.end);
    if (member) busyUntil.set(member.userId, endsAt);
    out.push({
      id: input.ids.shiftId(),
      locationIndex: location.index,
      businessDate: date,
      userId: member?.userId ?? null,
      roleId: role.roleId,
      departmentId: role.departmentId,
      startsAt,
      endsAt,
      hourlyWageCents: member ? wholeCents(member.hourlyWageCentiCents) : role.wageCents[0],
      publishedAt: input.publishedAt,
    });
  };
  const plans = [...input.shifts].sort((a, b) => a.start - b.start || a.end - b.end);
  // The split shift: the first lunch server also works the last dinner server shift.
  const lunch = plans.find((p) => p.role === "server" && p.end <= 16);
  const dinner = [...plans].reverse().find((p) => p.role === "server" && p.start >= 16.5);
  let splitMember: StaffMember | null = null;
  for (const plan of plans) {
    if (plan === dinner && splitMember) {
      add(plan, splitMember);
      continue;
    }
    const startsAt = at(plan.start);
    const free = input.staff.filter((m) =>
      m.role === plan.role && (busyUntil.get(m.userId) ?? 0) <= startsAt &&
      m !== splitMember
    );
    const member = rng.pick(
      free.length > 0 ? free : input.staff.filter((m) => m.role === plan.role),
    );
    if (plan === lunch && dinner) splitMember = member;
    add(plan, member);
  }
  if (rng.chance(input.openShiftRate ?? 0.35)) {
    add({ role: "server", start: 17.5 + rng.int(0, 2) / 2, end: 22 }, null);
  }
  return out;
}

/** What the punches of a scheduled day are generated from. */
export interface PunchesFromScheduleInput {
  location: SimLocation;
  date: string;
  rng: Rng;
  ids: NumericIds;
  staff: readonly StaffMember[];
  schedule: readonly SimScheduledShift[];
  /** Chance an assigned person does not come (default 0.03). */
  noShowRate?: number;
  /** Chance someone is called in without a shift for the dinner rush (default 0.25). */
  calledInRate?: number;
  /**
   * Whether punches are sent open at clock-in and closed at clock-out (default true): the
   * projection counts the rest of a started shift only for someone on the clock.
   */
  openPunches?: boolean;
}

/**
 * The punches of a scheduled day: each assigned shift worked by its person (clock-in 8 minutes
 * early to 5 late; 12 % leave 15-60 minutes early, 15 % stay 10-45 minutes late, the rest
 * clock out within minutes of the end), a no-show now and then, and sometimes a dishwasher
 * called in for the dinner rush without a shift. Each punch is created at clock-in (open) and
 * edited at clock-out with its breaks, or created closed when open punches are off.
 */
export function punchesFromSchedule(input: PunchesFromScheduleInput): SimPunch[] {
  const { rng, ids, location } = input;
  const byUser = new Map(input.staff.map((m) => [m.userId, m]));
  const open = input.openPunches ?? true;
  const punches: SimPunch[] = [];
  const work = (member: StaffMember, shiftId: number, inAt: number, outAt: number) => {
    const role = ROLES[member.role];
    const breaks = makeBreaks(rng, ids, inAt, outAt, false);
    const base = {
      clockedInAt: inAt,
      hourlyWageCentiCents: member.hourlyWageCentiCents,
      roleId: role.roleId,
      departmentId: role.departmentId,
      approved: false,
      autoClockedOut: false,
      deleted: false,
    };
    const closedAt = outAt + rng.int(3, 40) * SECOND;
    const punch: SimPunch = {
      id: ids.punchId(),
      locationIndex: location.index,
      userId: member.userId,
      shiftId,
      createdAt: open ? inAt + rng.int(5, 60) * SECOND : closedAt,
      versions: [],
    };
    if (open) {
      punch.versions.push({
        ...base,
        topic: "time_punch.created",
        modifiedAt: punch.createdAt,
        change: "clocked in",
        clockedOutAt: null,
        breaks: [],
      });
    }
    punch.versions.push({
      ...base,
      topic: open ? "time_punch.edited" : "time_punch.created",
      modifiedAt: open ? closedAt : punch.createdAt,
      change: open ? "clocked out" : "created closed",
      clockedOutAt: outAt,
      breaks,
    });
    punches.push(punch);
  };
  for (const shift of input.schedule) {
    if (shift.userId === null) continue;
    const member = byUser.get(shift.userId);
    if (!member) throw new RangeError(`shift ${shift.id}: user ${shift.userId} not on the roster`);
    if (rng.chance(input.noShowRate ?? 0.03)) continue;
    const inAt = shift.startsAt + rng.int(-480, 300) * SECOND;
    const r = rng.next();
    const outAt = r < 0.12
      ? shift.endsAt - rng.int(15, 60) * MINUTE
      : r < 0.27
      ? shift.endsAt + rng.int(10, 45) * MINUTE
      : shift.endsAt + rng.int(-300, 600) * SECOND;
    work(member, shift.id, inAt, Math.max(outAt, inAt + 2 * 60 * MINUTE));
  }
  if (rng.chance(input.calledInRate ?? 0.25)) {
    const scheduled = new Set(input.schedule.map((s) => s.userId));
    const spare = input.staff.filter((m) => m.role === "dish" && !scheduled.has(m.userId));
    if (spare.length > 0) {
      const inAt = localInstant(input.date, 18 + rng.int(0, 60) / 60, location.timeZone);
      work(rng.pick(spare), ids.shiftId(), inAt, inAt + rng.int(180, 240) * MINUTE);
    }
  }
  return punches;
}
