/**
 * The one TypeScript definition of overtime: which paid seconds of an employee's punches are
 * overtime under a company's policy, and the premium they carry (issue 18).
 *
 * The rules (to be mirrored rounding for rounding by the SQL recompute):
 *
 * - **Workday and workweek.** A company's workweek starts on an ISO weekday
 *   (`workweekStartIsoDay`, 1 = Monday … 7 = Sunday) at a local hour (`workweekStartHour`) in the
 *   company's time zone; a workday is the 24 wall-clock hours from that hour (23 or 25 on a DST
 *   change day), computed as a business date with the start hour as its cut-off
 *   (shared/business_date.ts). **A punch counts wholly in the workday and workweek of its
 *   clock-in**, as payroll systems attribute a shift to its start.
 * - **Clock order.** An employee's punches of one workweek, across every location of the company,
 *   are taken in clock-in order (ties by punch id); each contributes its paid seconds (the daily
 *   figures' own `punchPaidSeconds`: ingested for a closed punch, accrued to the clock for an
 *   open one), the later seconds of a punch being the ones past a threshold.
 * - **Daily tiers** (optional; California: over 8 h at 150 %, over 12 h at 200 %): the seconds
 *   of a workday past a tier's threshold carry its multiplier (the highest tier reached).
 * - **Weekly threshold** (default 40 h at 150 %): the *straight-time* seconds of the workweek
 *   (those no daily tier claimed) past the threshold carry the weekly multiplier. A second is
 *   never paid two premiums: daily overtime does not count toward the weekly threshold.
 * - **Premium of a punch** = `round(wageCents × Σ seconds × (multiplierPct − 100) / 360000)`
 *   over its overtime seconds, exact on the wage in hundredths of a cent, rounded half away from
 *   zero once per punch, as its labor cost is (shared/transformations.ts): a payroll line.
 * - The premium is counted on the location and business day of the punch that holds the
 *   seconds, so an employee who crosses 40 hours at a second location raises that location's
 *   labor cost.
 *
 * Not modelled: California's seventh-consecutive-day rule, and any state's rules beyond one
 * weekly threshold and daily tiers (a company configures the tiers its state uses).
 *
 * Pure: the clock is in the punches' paid seconds, the zone in the policy.
 *
 * @module
 */
import { businessDateOf } from "./business_date.ts";
import { exactUnits } from "./money.ts";
import { divideRoundHalfAwayBig, toSafeNumber } from "./rounding.ts";
import { epochSeconds } from "./transformations.ts";

/** One daily overtime tier: seconds of a workday past `overSeconds` carry `multiplierPct`. */
export interface DailyOvertimeTier {
  overSeconds: number;
  /** 150 = time and a half. */
  multiplierPct: number;
}

/** A company's overtime policy (one per 7shifts connection). */
export interface OvertimePolicy {
  /** Off: no second is overtime (labor cost is paid hours × wage, as before). */
  enabled: boolean;
  /** The company's IANA time zone: workdays and workweeks are in it. */
  timeZone: string;
  /** The workweek's first day, ISO (1 = Monday … 7 = Sunday). */
  workweekStartIsoDay: number;
  /** The local hour (0-23) the workweek, and each workday, starts at. */
  workweekStartHour: number;
  /** Straight-time seconds a workweek holds before overtime; null: no weekly rule. */
  weeklyThresholdSeconds: number | null;
  /** The weekly overtime multiplier (150 = time and a half). */
  weeklyMultiplierPct: number;
  /** Daily tiers, by ascending threshold with ascending multipliers; empty: none. */
  dailyTiers: readonly DailyOvertimeTier[];
}

/** The federal rule (FLSA): over 40 hours a workweek at time and a half, weeks from Monday 00:00. */
export function federalOvertimePolicy(timeZone: string): OvertimePolicy {
  return {
    enabled: true,
    timeZone,
    workweekStartIsoDay: 1,
    workweekStartHour: 0,
    weeklyThresholdSeconds: 40 * 3600,
    weeklyMultiplierPct: 150,
    dailyTiers: [],
  };
}

/**
 * California's rule: the federal week plus daily tiers, over 8 h a workday at 150 % and over
 * 12 h at 200 % (its seventh-consecutive-day rule is not modelled).
 */
export function californiaOvertimePolicy(timeZone: string): OvertimePolicy {
  return {
    ...federalOvertimePolicy(timeZone),
    dailyTiers: [{ overSeconds: 8 * 3600, multiplierPct: 150 }, {
      overSeconds: 12 * 3600,
      multiplierPct: 200,
    }],
  };
}

/** A punch as overtime sees it (deleted punches are left out by the caller). */
export interface OvertimePunch {
  punchId: number;
  employeeId: number;
  /** ISO-8601 instant or Date. */
  clockedInAt: string | Date;
  /** Paid seconds at the clock (`punchPaidSeconds`). */
  paidSeconds: number;
  /** Hourly wage in cents, exact to a hundredth of a cent. */
  hourlyWageCents: number;
}

/** The overtime of one punch. */
export interface PunchOvertime {
  punchId: number;
  employeeId: number;
  /** The workweek's first workday (`YYYY-MM-DD`) and the punch's workday. */
  workweek: string;
  workday: string;
  /** Paid seconds of the punch that are overtime (daily or weekly). */
  overtimeSeconds: number;
  /** Σ overtime seconds × (multiplier − 100 %), in percent-seconds (before the wage). */
  premiumPercentSeconds: number;
  /** The premium in cents (rounded once for the punch). */
  premiumCents: number;
}

/**
 * Checks a policy: a known zone is the caller's business; this checks the numbers.
 *
 * @throws RangeError naming the first field that is out of range.
 */
export function assertOvertimePolicy(policy: OvertimePolicy): void {
  const int = (v: number, min: number, max: number, name: string) => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${v}`);
    }
  };
  int(policy.workweekStartIsoDay, 1, 7, "workweekStartIsoDay");
  int(policy.workweekStartHour, 0, 23, "workweekStartHour");
  if (policy.weeklyThresholdSeconds !== null) {
    int(policy.weeklyThresholdSeconds, 0, 7 * 86_400, "weeklyThresholdSeconds");
  }
  int(policy.weeklyMultiplierPct, 100, 1000, "weeklyMultiplierPct");
  let previous: DailyOvertimeTier | null = null;
  for (const [i, tier] of policy.dailyTiers.entries()) {
    int(tier.overSeconds, 0, 86_400, `dailyTiers[${i}].overSeconds`);
    int(tier.multiplierPct, 100, 1000, `dailyTiers[${i}].multiplierPct`);
    if (
      previous &&
      (tier.overSeconds <= previous.overSeconds || tier.multiplierPct < previous.multiplierPct)
    ) {
      throw new RangeError(`dailyTiers[${i}] must come after the tier before it`);
    }
    previous = tier;
  }
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a `YYYY-MM-DD` date. */
function isoWeekday(date: string): number {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The workday and workweek (its first workday) of an instant under `policy`. */
export function workdayOf(
  instant: string | Date,
  policy: OvertimePolicy,
): { workday: string; workweek: string } {
  const iso = instant instanceof Date ? instant.toISOString() : instant;
  const workday = businessDateOf(iso, policy.timeZone, policy.workweekStartHour);
  const back = (isoWeekday(workday) - policy.workweekStartIsoDay + 7) % 7;
  return { workday, workweek: addDays(workday, -back) };
}

/** `seconds` from `start` on an axis, split at `threshold`: how many lie past it. */
function pastThreshold(start: number, seconds: number, threshold: number): number {
  return Math.max(0, Math.min(seconds, start + seconds - threshold));
}

/**
 * The overtime of every punch under `policy`: per employee and workweek, in clock order (see the
 * module rules). Punches come in any order; the result is keyed by punch id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { federalOvertimePolicy, punchOvertime } from "./overtime.ts";
 *
 * // Monday to Friday, 9 h a day at $20: 45 h, of which Friday's last 5 h are overtime.
 * const punches = [1, 2, 3, 4, 5].map((d) => ({
 *   punchId: d,
 *   employeeId: 503,
 *   clockedInAt: `2026-11-0${1 + d}T14:00:00Z`,
 *   paidSeconds: 9 * 3600,
 *   hourlyWageCents: 2000,
 * }));
 * const ot = punchOvertime(federalOvertimePolicy("America/Chicago"), punches);
 * assert.equal(ot.get(4)?.overtimeSeconds, 0);
 * assert.equal(ot.get(5)?.overtimeSeconds, 5 * 3600);
 * assert.equal(ot.get(5)?.premiumCents, 5000); // 5 h × $20 × 0.5
 * ```
 */
export function punchOvertime(
  policy: OvertimePolicy,
  punches: readonly OvertimePunch[],
): Map<number, PunchOvertime> {
  assertOvertimePolicy(policy);
  const placed = punches.map((p) => ({
    p,
    at: epochSeconds(p.clockedInAt),
    ...workdayOf(p.clockedInAt, policy),
  }));
  placed.sort((a, b) =>
    a.p.employeeId - b.p.employeeId || a.at - b.at || a.p.punchId - b.p.punchId
  );
  const result = new Map<number, PunchOvertime>();
  let key = "";
  let straightInWeek = 0;
  const workedInDay = new Map<string, number>();
  for (const { p, workday, workweek } of placed) {
    if (!Number.isSafeInteger(p.paidSeconds) || p.paidSeconds < 0) {
      throw new RangeError(`paidSeconds of punch ${p.punchId} must be a non-negative integer`);
    }
    const wage = exactUnits(p.hourlyWageCents, 2);
    if (!wage.ok || wage.units < 0n) {
      throw new RangeError(`hourlyWageCents of punch ${p.punchId} must be non-negative cents`);
    }
    const weekKey = `${p.employeeId}|${workweek}`;
    if (weekKey !== key) {
      key = weekKey;
      straightInWeek = 0;
      workedInDay.clear();
    }
    let overtime = 0;
    let percentSeconds = 0;
    let straight = p.paidSeconds;
    if (policy.enabled) {
      // Daily tiers: the punch's seconds on the workday's axis; each tier takes what lies
      // past its threshold and below the next one's.
      const dayStart = workedInDay.get(workday) ?? 0;
      workedInDay.set(workday, dayStart + p.paidSeconds);
      const tiers = policy.dailyTiers;
      for (let i = tiers.length - 1; i >= 0; i--) {
        const tier = tiers[i]!;
        const above = i + 1 < tiers.length
          ? pastThreshold(dayStart, p.paidSeconds, tiers[i + 1]!.overSeconds)
          : 0;
        const inTier = pastThreshold(dayStart, p.paidSeconds, tier.overSeconds) - above;
        overtime += inTier;
        percentSeconds += inTier * (tier.multiplierPct - 100);
        if (i === 0) straight = p.paidSeconds - (inTier + above);
      }
      // Weekly: straight-time seconds past the week's threshold.
      if (policy.weeklyThresholdSeconds !== null) {
        const weekly = pastThreshold(straightInWeek, straight, policy.weeklyThresholdSeconds);
        overtime += weekly;
        percentSeconds += weekly * (policy.weeklyMultiplierPct - 100);
      }
    }
    straightInWeek += straight;
    const premium = divideRoundHalfAwayBig(BigInt(percentSeconds) * wage.units, 36_000_000n);
    result.set(p.punchId, {
      punchId: p.punchId,
      employeeId: p.employeeId,
      workweek,
      workday,
      overtimeSeconds: overtime,
      premiumPercentSeconds: percentSeconds,
      premiumCents: toSafeNumber(premium, "premiumCents"),
    });
  }
  return result;
}

/** The next overtime threshold an employee on the clock will cross if they stay on. */
export interface OvertimeCrossing {
  /** `weekly`: the week's straight time reaches its threshold; `daily`: the workday's hours. */
  rule: "weekly" | "daily";
  /** The threshold in seconds (of the week's straight time, or of the workday's hours). */
  thresholdSeconds: number;
  /** The rate from then on (150 = time and a half). */
  multiplierPct: number;
  /** The rate of the open punch's next second now (100 when straight time). */
  currentMultiplierPct: number;
  /** Paid seconds the open punch still has to run until the crossing (> 0). */
  secondsToGo: number;
  /** Paid seconds of the employee's workweek so far, every punch. */
  weekPaidSeconds: number;
  /** The workweek's first workday and the open punch's workday (`YYYY-MM-DD`). */
  workweek: string;
  workday: string;
}

/**
 * When the employee's open punch `openPunchId` will cross its next overtime threshold if they
 * stay on: the nearest of the workday's next daily tier and (while no daily tier has claimed
 * the hours) the week's straight-time threshold; the higher rate when both fall together. Null
 * when the policy is off, nothing is ahead, or the open punch is not the employee's last of
 * its workweek in clock order. `weekPunches` are the employee's punches (paid seconds at the
 * clock), any order; the open punch among them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { federalOvertimePolicy, nextOvertimeCrossing } from "./overtime.ts";
 *
 * // 36 h Monday to Thursday, on the clock Friday for 3 h: 1 h to go before overtime.
 * const week = [1, 2, 3, 4].map((d) => ({
 *   punchId: d,
 *   employeeId: 503,
 *   clockedInAt: `2026-11-0${1 + d}T14:00:00Z`,
 *   paidSeconds: 9 * 3600,
 *   hourlyWageCents: 2000,
 * }));
 * week.push({ ...week[0], punchId: 5, clockedInAt: "2026-11-06T14:00:00Z", paidSeconds: 3 * 3600 });
 * const next = nextOvertimeCrossing(federalOvertimePolicy("America/Chicago"), week, 5);
 * assert.equal(next?.secondsToGo, 3600);
 * assert.equal(next?.weekPaidSeconds, 39 * 3600);
 * ```
 */
export function nextOvertimeCrossing(
  policy: OvertimePolicy,
  weekPunches: readonly OvertimePunch[],
  openPunchId: number,
): OvertimeCrossing | null {
  assertOvertimePolicy(policy);
  const open = weekPunches.find((p) => p.punchId === openPunchId);
  if (!policy.enabled || !open) return null;
  const { workweek, workday } = workdayOf(open.clockedInAt, policy);
  const mine = weekPunches
    .filter((p) => p.employeeId === open.employeeId)
    .map((p) => ({ p, at: epochSeconds(p.clockedInAt), ...workdayOf(p.clockedInAt, policy) }))
    .filter((x) => x.workweek === workweek)
    .sort((a, b) => a.at - b.at || a.p.punchId - b.p.punchId);
  if (mine[mine.length - 1]?.p.punchId !== openPunchId) return null;
  // Through the open punch: each workday's hours and the week's straight time.
  let straight = 0;
  let week = 0;
  const days = new Map<string, number>();
  const first = policy.dailyTiers[0];
  for (const { p, workday: d } of mine) {
    const before = days.get(d) ?? 0;
    days.set(d, before + p.paidSeconds);
    straight += p.paidSeconds -
      (first ? pastThreshold(before, p.paidSeconds, first.overSeconds) : 0);
    week += p.paidSeconds;
  }
  const day = days.get(workday) ?? 0;
  // The rate of the next second now: the highest daily tier reached, else the weekly rate
  // once the week's straight time is past its threshold, else straight time.
  const reached = policy.dailyTiers.filter((t) => day >= t.overSeconds).pop();
  const currentMultiplierPct = reached
    ? reached.multiplierPct
    : policy.weeklyThresholdSeconds !== null && straight >= policy.weeklyThresholdSeconds
    ? policy.weeklyMultiplierPct
    : 100;
  const candidates: Array<
    Omit<OvertimeCrossing, "weekPaidSeconds" | "workweek" | "workday" | "currentMultiplierPct">
  > = [];
  const tier = policy.dailyTiers.find((t) => t.overSeconds > day);
  if (tier) {
    candidates.push({
      rule: "daily",
      thresholdSeconds: tier.overSeconds,
      multiplierPct: tier.multiplierPct,
      secondsToGo: tier.overSeconds - day,
    });
  }
  const straightAccrues = !first || day < first.overSeconds;
  if (
    policy.weeklyThresholdSeconds !== null && straightAccrues &&
    straight < policy.weeklyThresholdSeconds
  ) {
    candidates.push({
      rule: "weekly",
      thresholdSeconds: policy.weeklyThresholdSeconds,
      multiplierPct: policy.weeklyMultiplierPct,
      secondsToGo: policy.weeklyThresholdSeconds - straight,
    });
  }
  candidates.sort((a, b) => a.secondsToGo - b.secondsToGo || b.multiplierPct - a.multiplierPct);
  const next = candidates[0];
  return next ? { ...next, currentMultiplierPct, weekPaidSeconds: week, workweek, workday } : null;
}
