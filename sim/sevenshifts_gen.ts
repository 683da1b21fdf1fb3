/**
 * Generates one location's 7shifts time punches for one business day: the shift plan's
 * punches with paid and unpaid breaks, closers who clock out after midnight, an after-midnight
 * clock-in that still belongs to the day, a double clock-in (overlapping punches of one
 * person) that the manager deletes the next morning, a punch made by mistake and deleted,
 * auto clock-outs fixed by hand, approvals and role changes, and the break shapes 7shifts
 * allows (paid and unpaid, deleted, overlapping: a break started twice, a paid break running
 * into an unpaid one, one inside another) — each punch as the list of versions 7shifts would
 * send (`time_punch.created`, `.edited`, `.deleted`).
 *
 * Breaks never fire an event of their own (7shifts documents that break changes do not
 * trigger `time_punch.edited`), so a punch's breaks appear in the version sent when it is
 * clocked out or edited.
 *
 * @module
 */
import { ROLES, type ShiftPlan, STANDARD_SHIFTS } from "./catalog.ts";
import type { SimBreak, SimLocation, SimPunch, SimPunchVersion } from "./model.ts";
import type { Rng } from "./prng.ts";
import { addDays, localInstant } from "./time.ts";

/** Things that happen to some punches; every one of them happens at least once a day. */
export const PUNCH_FEATURES = [
  "createdClosed",
  "doubleClockIn",
  "mistakeDeleted",
  "lateNightClockIn",
  "autoClockOut",
  "clockOutCorrected",
  "roleChange",
  "movedToNextDay",
  "deletedBreak",
  "overlappingBreaks",
] as const;

/** One of {@link PUNCH_FEATURES}. */
export type PunchFeature = typeof PUNCH_FEATURES[number];

/** A person on the roster. */
export interface StaffMember {
  userId: number;
  role: keyof typeof ROLES;
  /** Hourly wage in hundredths of a cent (a half-cent wage such as $15.255 is 152550). */
  hourlyWageCentiCents: number;
}

/** Where new numeric ids come from (kept apart from the content stream). */
export interface NumericIds {
  punchId(): number;
  breakId(): number;
  shiftId(): number;
}

/** What one location-day of punches is generated from. */
export interface PunchDayInput {
  location: SimLocation;
  date: string;
  rng: Rng;
  ids: NumericIds;
  staff: readonly StaffMember[];
  /** The day's shifts (default {@link STANDARD_SHIFTS}). */
  shifts?: readonly ShiftPlan[];
  /** Features that must appear at least once (default: all of {@link PUNCH_FEATURES}). */
  requiredFeatures?: readonly PunchFeature[];
  /**
   * Share of punches first sent open at clock-in and closed later (the rest are created
   * already closed). Default 0.6.
   */
  openAtClockInRate?: number;
  /** Chance a punch is approved by the manager the next morning (an edit). Default 0.3. */
  approvalRate?: number;
  /**
   * Punches (of at least 4 hours) that get an unpaid break added after the fact, the next
   * morning, without a webhook (7shifts fires none for break changes) and without moving
   * `modified`: only the API shows it. Default 0. Drawn from a stream of its own, so the rest
   * of the day is the same with or without them.
   */
  silentBreakEdits?: number;
  /**
   * When false, no version of any punch is open (every punch is created already clocked out):
   * an open punch accrues labor until the database's clock, so runs whose intermediate
   * figures must be predictable (the alert checks, the demo) turn this off. Default true.
   */
  openPunches?: boolean;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

interface Draft {
  punch: SimPunch;
  member: StaffMember;
  clockedInAt: number;
  clockedOutAt: number;
  breaks: SimBreak[];
  wageCentiCents: number;
  roleId: number;
  departmentId: number;
}

function baseVersion(d: Draft): Omit<SimPunchVersion, "topic" | "modifiedAt" | "change"> {
  return {
    clockedInAt: d.clockedInAt,
    clockedOutAt: d.clockedOutAt,
    breaks: structuredClone(d.breaks),
    hourlyWageCentiCents: d.wageCentiCents,
    roleId: d.roleId,
    departmentId: d.departmentId,
    approved: false,
    autoClockedOut: false,
    deleted: false,
  };
}

/**
 * The breaks of a punch from `inAt` to `outAt`: a paid 9-12 minute break a quarter in from 4
 * hours, an unpaid 25-35 minute one near the middle from 6 hours, and with `withDeleted` one
 * started by mistake and deleted.
 */
export function makeBreaks(
  rng: Rng,
  ids: NumericIds,
  inAt: number,
  outAt: number,
  withDeleted: boolean,
): SimBreak[] {
  const breaks: SimBreak[] = [];
  const length = outAt - inAt;
  if (length >= 4 * 60 * MINUTE) {
    const start = inAt + Math.floor(length * 0.25) + rng.int(0, 600) * SECOND;
    breaks.push({
      id: ids.breakId(),
      paid: true,
      inAt: start,
      outAt: start + rng.int(540, 720) * SECOND,
      deleted: false,
    });
  }
  if (length >= 6 * 60 * MINUTE) {
    const start = inAt + Math.floor(length * 0.45) + rng.int(0, 900) * SECOND;
    breaks.push({
      id: ids.breakId(),
      paid: false,
      inAt: start,
      outAt: start + rng.int(1500, 2100) * SECOND,
      deleted: false,
    });
  }
  if (withDeleted) {
    // A break started by mistake and deleted: it must not reduce the paid time.
    const start = inAt + Math.floor(length * 0.7);
    breaks.push({
      id: ids.breakId(),
      paid: false,
      inAt: start,
      outAt: start + 15 * MINUTE,
      deleted: true,
    });
  }
  return breaks;
}

/**
 * Breaks overlapping each other around the punch's middle, as 7shifts lets them be recorded:
 * an unpaid break, a second unpaid one started before the first ended, a paid break running
 * into the second, and an unpaid one inside the first. Unpaid time is their union within the
 * punch (an overlap is unpaid once). Drawn from nothing random, so adding them leaves the
 * rest of the day as it was.
 */
function overlappingBreaks(ids: NumericIds, inAt: number, outAt: number): SimBreak[] {
  const mid = inAt + Math.floor((outAt - inAt) / 2 / SECOND) * SECOND;
  const brk = (paid: boolean, from: number, minutes: number): SimBreak => ({
    id: ids.breakId(),
    paid,
    inAt: from,
    outAt: from + minutes * MINUTE,
    deleted: false,
  });
  return [
    brk(false, mid, 30),
    brk(false, mid + 20 * MINUTE + 17 * SECOND, 25),
    brk(true, mid + 40 * MINUTE, 10),
    brk(false, mid + 5 * MINUTE, 5),
  ];
}

/**
 * The punches of one location and business day, each feature of
 * {@link PunchDayInput.requiredFeatures} at least once.
 */
export function generatePunchDay(input: PunchDayInput): SimPunch[] {
  const { rng, ids, location, date } = input;
  const tz = location.timeZone;
  const shifts = input.shifts ?? STANDARD_SHIFTS;
  const allowOpen = input.openPunches ?? true;
  const openRate = allowOpen ? input.openAtClockInRate ?? 0.6 : 0;
  const approvalRate = input.approvalRate ?? 0.3;
  const required = new Set<PunchFeature>(input.requiredFeatures ?? PUNCH_FEATURES);
  const at = (hours: number) => localInstant(date, hours, tz);
  const nextDay = addDays(date, 1);

  // The manager reviews yesterday's punches from 9 am: edits go out a few minutes apart.
  let reviewClock = localInstant(nextDay, 9 + rng.int(0, 60) / 60, tz);
  const review = () => {
    reviewClock += rng.int(60, 300) * SECOND;
    return reviewClock;
  };

  const busy = new Map<number, number>(); // userId -> clock-out of their last shift today
  const pickMember = (role: keyof typeof ROLES, from: number): StaffMember => {
    const free = input.staff.filter((m) => m.role === role && (busy.get(m.userId) ?? 0) < from);
    const pool = free.length > 0 ? free : input.staff.filter((m) => m.role === role);
    return rng.pick(pool);
  };

  const drafts: Draft[] = [];
  const newDraft = (
    member: StaffMember,
    inAt: number,
    outAt: number,
    withDeletedBreak: boolean,
  ) => {
    const role = ROLES[member.role];
    const d: Draft = {
      punch: {
        id: ids.punchId(),
        locationIndex: location.index,
        userId: member.userId,
        shiftId: ids.shiftId(),
        createdAt: inAt,
        versions: [],
      },
      member,
      clockedInAt: inAt,
      clockedOutAt: outAt,
      breaks: makeBreaks(rng, ids, inAt, outAt, withDeletedBreak),
      wageCentiCents: member.hourlyWageCentiCents,
      roleId: role.roleId,
      departmentId: role.departmentId,
    };
    busy.set(member.userId, outAt);
    drafts.push(d);
    return d;
  };

  const push = (d: Draft, v: SimPunchVersion) => {
    const prev = d.punch.versions[d.punch.versions.length - 1];
    // 7shifts' `modified` has whole seconds: versions of a punch must differ in it.
    if (prev && Math.floor(v.modifiedAt / SECOND) <= Math.floor(prev.modifiedAt / SECOND)) {
      v.modifiedAt = (Math.floor(prev.modifiedAt / SECOND) + 1) * SECOND;
    }
    d.punch.versions.push(v);
  };

  /** The ordinary life of a punch: created at clock-in and closed later, or created closed. */
  const live = (d: Draft, createdClosed: boolean) => {
    if (createdClosed || !allowOpen) {
      d.punch.createdAt = d.clockedOutAt + rng.int(60, 900) * SECOND;
      push(d, {
        ...baseVersion(d),
        topic: "time_punch.created",
        modifiedAt: d.punch.createdAt,
        change: "created closed",
      });
    } else {
      d.punch.createdAt = d.clockedInAt + rng.int(5, 60) * SECOND;
      push(d, {
        ...baseVersion(d),
        clockedOutAt: null,
        breaks: [],
        topic: "time_punch.created",
        modifiedAt: d.punch.createdAt,
        change: "clocked in",
      });
      push(d, {
        ...baseVersion(d),
        topic: "time_punch.edited",
        modifiedAt: d.clockedOutAt + rng.int(3, 40) * SECOND,
        change: "clocked out",
      });
    }
  };

  const lastVersion = (d: Draft) => d.punch.versions[d.punch.versions.length - 1];

  // 1. The shift plan.
  const planned = shifts.map((s, i) => ({ s, i }));
  const deletedBreakAt = required.has("deletedBreak") ? rng.int(0, planned.length - 1) : -1;
  const createdClosedAt = required.has("createdClosed") ? rng.int(0, planned.length - 1) : -1;
  let overlapping = required.has("overlappingBreaks");
  for (const { s, i } of planned) {
    const inAt = at(s.start) + rng.int(-600, 600) * SECOND;
    const outAt = Math.max(inAt + 2 * 3600 * SECOND, at(s.end) + rng.int(-900, 1500) * SECOND);
    const d = newDraft(pickMember(s.role, inAt), inAt, outAt, i === deletedBreakAt);
    if (overlapping) {
      // The first planned punch (every planned punch lasts two hours at least).
      d.breaks.push(...overlappingBreaks(ids, inAt, outAt));
      overlapping = false;
    }
    live(d, i === createdClosedAt || !rng.chance(openRate));
  }

  // 2. The specials.
  const regular = [...drafts];
  if (required.has("lateNightClockIn")) {
    // A cleaner from 01:15 to 03:45: after midnight, before the cut-off, so the day before.
    const inAt = at(25.25) + rng.int(0, 300) * SECOND;
    const d = newDraft(pickMember("dish", inAt), inAt, at(27.75) + rng.int(0, 300) * SECOND, false);
    live(d, false);
  }
  if (required.has("movedToNextDay")) {
    // A baker clocked in at 03:50 of the day (so the day before, by the cut-off); the manager
    // moves the clock-in to 04:10, which puts the punch on this day.
    const inAt = at(3 + 50 / 60) + rng.int(0, 60) * SECOND;
    const d = newDraft(pickMember("prep", inAt), inAt, at(9.5) + rng.int(0, 600) * SECOND, false);
    live(d, false);
    d.clockedInAt = at(4 + 10 / 60);
    push(d, {
      ...baseVersion(d),
      topic: "time_punch.edited",
      modifiedAt: review(),
      change: "clock-in moved to 04:10",
    });
  }
  if (required.has("doubleClockIn")) {
    // Clocked in twice a few minutes apart: two overlapping punches of one person, both
    // counted until the manager deletes the duplicate the next morning.
    const original = rng.pick(regular.filter((d) => d.member.role === "server"));
    const inAt = original.clockedInAt + rng.int(120, 480) * SECOND;
    const dup = newDraft(
      original.member,
      inAt,
      original.clockedOutAt + rng.int(30, 300) * SECOND,
      false,
    );
    live(dup, false);
    push(dup, {
      ...baseVersion(dup),
      deleted: true,
      topic: "time_punch.deleted",
      modifiedAt: review(),
      change: "duplicate deleted",
    });
  }
  if (required.has("mistakeDeleted")) {
    // Clocked in at the wrong location or by the wrong person, deleted within the hour.
    const inAt = at(12 + rng.int(0, 180) / 60);
    const d = newDraft(pickMember("host", inAt), inAt, inAt + rng.int(10, 30) * MINUTE, false);
    const open = allowOpen ? null : d.clockedOutAt;
    push(d, {
      ...baseVersion(d),
      clockedOutAt: open,
      breaks: [],
      topic: "time_punch.created",
      modifiedAt: (open ?? inAt) + rng.int(5, 60) * SECOND,
      change: "clocked in by mistake",
    });
    push(d, {
      ...baseVersion(d),
      clockedOutAt: open,
      breaks: [],
      deleted: true,
      topic: "time_punch.deleted",
      modifiedAt: (open ?? inAt) + rng.int(5, 45) * MINUTE,
      change: "deleted",
    });
  }
  if (required.has("autoClockOut")) {
    // The bartender forgot to clock out: 7shifts closed the punch at 03:55 (auto clock-out)
    // and the manager puts the real time back the next morning.
    const d = regular.find((x) => x.member.role === "bartender") ?? rng.pick(regular);
    const real = d.clockedOutAt;
    const v = lastVersion(d);
    d.clockedOutAt = at(27 + 55 / 60);
    d.punch.versions.pop();
    push(d, {
      ...baseVersion(d),
      topic: v.topic,
      autoClockedOut: true,
      modifiedAt: d.clockedOutAt + rng.int(1, 20) * SECOND,
      change: "auto clocked out",
    });
    d.clockedOutAt = real;
    push(d, {
      ...baseVersion(d),
      topic: "time_punch.edited",
      modifiedAt: review(),
      change: "clock-out fixed by the manager",
    });
  }
  if (required.has("clockOutCorrected")) {
    const d = rng.pick(regular.filter((x) => !lastVersion(x).autoClockedOut));
    d.clockedOutAt += rng.int(-15, 20) * MINUTE + rng.int(0, 59) * SECOND;
    d.breaks = d.breaks.filter((b) => b.outAt <= d.clockedOutAt);
    push(d, {
      ...baseVersion(d),
      topic: "time_punch.edited",
      modifiedAt: review(),
      change: "clock-out corrected",
    });
  }
  if (required.has("roleChange")) {
    // Worked the host stand, not a server section: role and wage change after the fact.
    const d = rng.pick(regular.filter((x) => x.member.role === "server"));
    const host = ROLES.host;
    d.roleId = host.roleId;
    d.departmentId = host.departmentId;
    d.wageCentiCents = (host.wageCents[0] + rng.int(0, 8) * 25) * 100;
    push(d, {
      ...baseVersion(d),
      topic: "time_punch.edited",
      modifiedAt: review(),
      change: "role changed to host",
    });
  }
  for (const d of drafts) {
    const last = lastVersion(d);
    if (last.deleted || !rng.chance(approvalRate)) continue;
    push(d, {
      ...baseVersion(d),
      autoClockedOut: last.autoClockedOut,
      approved: true,
      topic: "time_punch.edited",
      modifiedAt: review(),
      change: "approved",
    });
  }
  addSilentBreakEdits(drafts, rng.fork("silent break edits"), input.silentBreakEdits ?? 0);
  for (const d of drafts) d.punch.createdAt = d.punch.versions[0].modifiedAt;
  return drafts.map((d) => d.punch);
}

/**
 * The manager adds a forgotten 15-25 minute unpaid break to `count` closed punches of 4 hours
 * or more, after their last change: a version 7shifts sends no webhook for, with the previous
 * version's `modified` (break edits may not move it) and the time of the edit in `editedAt`.
 * The break sits at 85 % of the shift, clear of the generated ones (25 %, 45 %, 70 %).
 */
function addSilentBreakEdits(drafts: Draft[], rng: Rng, count: number) {
  const candidates = drafts.filter((d) => {
    const last = d.punch.versions[d.punch.versions.length - 1];
    return !last.deleted && last.clockedOutAt !== null &&
      last.clockedOutAt - last.clockedInAt >= 4 * 3600 * SECOND;
  });
  for (let i = 0; i < count && candidates.length > 0; i++) {
    const d = candidates.splice(rng.int(0, candidates.length - 1), 1)[0];
    const last = d.punch.versions[d.punch.versions.length - 1];
    const outAt = last.clockedOutAt!;
    const start = last.clockedInAt + Math.floor((outAt - last.clockedInAt) * 0.85);
    const added: SimBreak = {
      id: d.punch.id * 10 + 9,
      paid: false,
      inAt: start,
      outAt: start + rng.int(15, 25) * MINUTE,
      deleted: false,
    };
    d.breaks = [...last.breaks, added];
    d.punch.versions.push({
      ...structuredClone(last),
      breaks: structuredClone(d.breaks),
      topic: "time_punch.edited",
      change: "unpaid break added after the fact (no webhook)",
      silent: true,
      editedAt: last.modifiedAt + rng.int(10, 120) * MINUTE,
    });
  }
}

/**
 * A roster for a location: enough people per role for the shift plan, with their wages. With
 * `halfCentWages` every fourth person (by user id, so the random stream is untouched) earns an
 * extra half cent an hour ($15.255): wages with three decimals of a dollar, which 7shifts
 * sends in dollars and the pipeline must keep exact (cents-unit accounts send whole cents).
 */
export function generateStaff(
  rng: Rng,
  nextUserId: () => number,
  shifts: readonly ShiftPlan[] = STANDARD_SHIFTS,
  halfCentWages = false,
): StaffMember[] {
  const staff: StaffMember[] = [];
  for (const role of Object.keys(ROLES) as Array<keyof typeof ROLES>) {
    const needed = shifts.filter((s) => s.role === role).length;
    const [lo, hi] = ROLES[role].wageCents;
    for (let i = 0; i < needed + 2; i++) {
      const userId = nextUserId();
      const cents = lo + rng.int(0, Math.floor((hi - lo) / 25)) * 25;
      staff.push({
        userId,
        role,
        hourlyWageCentiCents: cents * 100 + (halfCentWages && userId % 4 === 0 ? 50 : 0),
      });
    }
  }
  return staff;
}
