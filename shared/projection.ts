/**
 * The projected close of an open business day (issue 19), exactly as `docs/projection.md`
 * defines it: the quarter-hour slot of the day, the typical share of a day's sales done by a
 * slot (median over the last 4–8 same weekdays), the scheduled work still to run and its cost
 * with the overtime it causes, the projected net sales, labor cost and labor %, the projection
 * alert's state rule and the "cut N hours / sell $M more" hint.
 *
 * Every figure is an integer (cents, seconds, basis points); every division rounds half away
 * from zero (`shared/rounding.ts`) unless the doc says "round up". The SQL mirror is
 * `supabase/migrations/20261130000200_projection.sql`; `tests/metrics/projection_parity_test.ts`
 * holds the two together.
 *
 * Pure: the clock, the zone and the history are arguments.
 *
 * @module
 */
import { wallClockFormatter } from "./business_date.ts";
import { exactUnits } from "./money.ts";
import { type OvertimePolicy, type OvertimePunch, punchOvertime } from "./overtime.ts";
import { divideRoundHalfAwayBig, toSafeNumber } from "./rounding.ts";
import { epochSeconds, laborPctBp } from "./transformations.ts";

/** Quarter hours in a business day; slot 0 starts at the location's cut-off hour. */
export const SLOTS_PER_DAY = 96;
/** Same weekdays looked back on (D − 7k, k = 1‥8) and the fewest that make a projection. */
export const HISTORY_WEEKS = 8;
export const MIN_HISTORY_DAYS = 3;
/** Work items appended as punches sort after real punches at the same second: id offset. */
export const WORK_ITEM_ID_OFFSET = 4_000_000_000_000_000;

/** Local hour and minute of an instant in a zone (24-hour clock). */
function localHourMinute(instant: string | Date, timeZone: string): [number, number] {
  const at = new Date(epochSeconds(instant) * 1000);
  let hour = 0;
  let minute = 0;
  for (const p of wallClockFormatter(timeZone).formatToParts(at)) {
    if (p.type === "hour") hour = Number(p.value) % 24;
    if (p.type === "minute") minute = Number(p.value);
  }
  return [hour, minute];
}

/**
 * The quarter-hour slot (0‥95) of the business day an instant falls in, by local wall-clock
 * time: slot 0 starts at the cut-off hour. Mirrored by `pipeline.slot_of`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { slotOf } from "./projection.ts";
 *
 * assert.equal(slotOf("2026-11-27T22:00:00Z", "America/New_York", 4), 52); // 5:00 PM
 * assert.equal(slotOf("2026-11-28T08:59:00Z", "America/New_York", 4), 95); // 3:59 AM
 * ```
 */
export function slotOf(instant: string | Date, timeZone: string, cutoffHour: number): number {
  const [hour, minute] = localHourMinute(instant, timeZone);
  return Math.floor((((hour * 60 + minute) - cutoffHour * 60 + 1440) % 1440) / 15);
}

/** One past same weekday as the typical share reads it. */
export interface HistoryDay {
  /** `YYYY-MM-DD`. */
  businessDate: string;
  /** The day's final `daily_metrics.net_sales_cents`. */
  finalNetSalesCents: number;
  /** Its intraday rows: slot and net sales as of that slot (any order; none for a backfill). */
  intraday: ReadonlyArray<{ slot: number; netSalesCents: number }>;
}

/** The typical share of a day's sales done by a slot, or why there is none. */
export type TypicalShare =
  | ({ status: "ok" } & SameWeekdays)
  | { status: "insufficient_history"; candidateCount: number }
  | ({ status: "no_typical_sales" } & SameWeekdays);

/** What three or more same weekdays say about the day (docs/projection.md). */
export interface SameWeekdays {
  candidateCount: number;
  /** The median share of their sales done by the start of the slot. */
  typicalShareBp: number;
  /** The smallest share: the same weekday with the most still to come. */
  lowestShareBp: number;
  /** The median of their final net sales. */
  typicalFinalSalesCents: number;
  /** Each one's share, newest first. */
  sharesBp: number[];
}

/** `YYYY-MM-DD` plus `days`. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The median of integers: the middle one, or the two middle ones' mean rounded. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid]!;
  return toSafeNumber(divideRoundHalfAwayBig(BigInt(sorted[mid - 1]! + sorted[mid]!), 2n));
}

/**
 * The typical share of the day's sales done by slot `slot` of business day `businessDate`, from
 * the same weekdays D − 7k (k = 1‥8) in `history` (other days are ignored). Candidates have
 * final sales > 0 and at least one intraday row; each one's share is its sales at the start of
 * the slot (its latest row with slot < `slot`, 0 when none) over its final sales, at most
 * 10000. With three or more: the median share, the lowest share and the median final sales.
 * Mirrored by `pipeline.typical_share`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { typicalShare } from "./projection.ts";
 *
 * const day = (date: string, at: number) => ({
 *   businessDate: date, finalNetSalesCents: 100_000,
 *   intraday: [{ slot: 10, netSalesCents: 1_000 }, { slot: 50, netSalesCents: at }],
 * });
 * const history = [day("2026-11-20", 58_000), day("2026-11-13", 60_000), day("2026-11-06", 63_000)];
 * assert.deepEqual(typicalShare(history, "2026-11-27", 52), {
 *   status: "ok", candidateCount: 3, typicalShareBp: 6000, lowestShareBp: 5800,
 *   typicalFinalSalesCents: 100_000, sharesBp: [5800, 6000, 6300],
 * });
 * // Slot 50's own row is that slot's end: at its start the days had sold 1 %.
 * assert.equal(typicalShare(history, "2026-11-27", 50).status, "ok");
 * assert.deepEqual(
 *   (typicalShare(history, "2026-11-27", 50) as { sharesBp: number[] }).sharesBp,
 *   [100, 100, 100],
 * );
 * assert.deepEqual(typicalShare(history.slice(1), "2026-11-27", 52), {
 *   status: "insufficient_history", candidateCount: 2,
 * });
 * ```
 */
export function typicalShare(
  history: readonly HistoryDay[],
  businessDate: string,
  slot: number,
): TypicalShare {
  const wanted = new Set(
    Array.from({ length: HISTORY_WEEKS }, (_, k) => addDays(businessDate, -7 * (k + 1))),
  );
  const sharesBp: number[] = [];
  const finals: number[] = [];
  for (const day of history) {
    if (!wanted.has(day.businessDate)) continue;
    if (!(day.finalNetSalesCents > 0) || day.intraday.length === 0) continue;
    wanted.delete(day.businessDate);
    let best: { slot: number; netSalesCents: number } | null = null;
    for (const row of day.intraday) {
      if (row.slot < slot && (best === null || row.slot > best.slot)) best = row;
    }
    finals.push(day.finalNetSalesCents);
    const salesAt = BigInt(best?.netSalesCents ?? 0);
    const share = divideRoundHalfAwayBig(salesAt * 10000n, BigInt(day.finalNetSalesCents));
    sharesBp.push(toSafeNumber(share < 10000n ? share : 10000n));
  }
  // Newest first, as the SQL reads them.
  const candidateCount = sharesBp.length;
  if (candidateCount < MIN_HISTORY_DAYS) return { status: "insufficient_history", candidateCount };
  const weekdays: SameWeekdays = {
    candidateCount,
    typicalShareBp: median(sharesBp),
    lowestShareBp: Math.min(...sharesBp),
    typicalFinalSalesCents: median(finals),
    sharesBp,
  };
  // A median at or below zero (refunds ran ahead of sales): nothing to scale by.
  if (weekdays.typicalShareBp <= 0) return { status: "no_typical_sales", ...weekdays };
  return { status: "ok", ...weekdays };
}

/** A published shift of the open day (`public.scheduled_shifts`). */
export interface ScheduledShift {
  shiftId: number;
  /** Null for an open (unassigned) shift. */
  userId: number | null;
  startsAt: string | Date;
  endsAt: string | Date;
  /** Cents an hour, exact to a hundredth of a cent. */
  hourlyWageCents: number;
}

/** An open punch of the day at the location (clocked in, not out, not deleted). */
export interface OpenPunch {
  punchId: number;
  userId: number | null;
  clockedInAt: string | Date;
  hourlyWageCents: number;
}

/** One piece of work still to pay: a shift not started, or the rest of one being worked. */
export interface WorkItem {
  shiftId: number;
  userId: number | null;
  /** Unix seconds. */
  startS: number;
  endS: number;
  hourlyWageCents: number;
}

/** The scheduled work still to run and its straight cost. */
export interface RemainingWork {
  items: WorkItem[];
  remainingSeconds: number;
  remainingCostCents: number;
}

function wageUnits(wage: number, what: string): bigint {
  const w = exactUnits(wage, 2);
  if (!w.ok || w.units < 0n) throw new RangeError(`${what} must be non-negative cents`);
  return w.units;
}

/**
 * The work items of the day's shifts at `now` (docs/projection.md's table): a shift not started
 * counts whole at its own wage, assigned or not; a started, unfinished shift whose user has an
 * open punch counts from now to its end at that punch's wage (the latest clock-in of several);
 * anything else counts nothing. The cost is one rounding over the sum. Mirrored by
 * `pipeline.remaining_work`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remainingWork } from "./projection.ts";
 *
 * const now = "2026-11-27T22:00:00Z";
 * const work = remainingWork([
 *   { shiftId: 1, userId: 7, startsAt: "2026-11-27T16:00:00Z", endsAt: "2026-11-28T03:00:00Z",
 *     hourlyWageCents: 1600 },
 *   { shiftId: 2, userId: 8, startsAt: "2026-11-27T23:00:00Z", endsAt: "2026-11-28T02:45:00Z",
 *     hourlyWageCents: 1750 },
 *   { shiftId: 3, userId: 9, startsAt: "2026-11-27T17:00:00Z", endsAt: "2026-11-28T01:00:00Z",
 *     hourlyWageCents: 1500 }, // started, nobody clocked in: nothing
 * ], [{ punchId: 70, userId: 7, clockedInAt: "2026-11-27T16:02:00Z", hourlyWageCents: 1750 }], now);
 * assert.equal(work.remainingSeconds, 5 * 3600 + 3.75 * 3600);
 * assert.equal(work.remainingCostCents, 15313); // 8.75 h × $17.50, rounded once
 * ```
 */
export function remainingWork(
  shifts: readonly ScheduledShift[],
  openPunches: readonly OpenPunch[],
  now: string | Date,
): RemainingWork {
  const nowS = epochSeconds(now);
  const latestOpen = new Map<number, { at: number; wage: number; id: number }>();
  for (const p of openPunches) {
    if (p.userId === null) continue;
    const at = epochSeconds(p.clockedInAt);
    const seen = latestOpen.get(p.userId);
    if (!seen || at > seen.at || (at === seen.at && p.punchId > seen.id)) {
      latestOpen.set(p.userId, { at, wage: p.hourlyWageCents, id: p.punchId });
    }
  }
  const items: WorkItem[] = [];
  for (const s of shifts) {
    const startS = epochSeconds(s.startsAt);
    const endS = epochSeconds(s.endsAt);
    if (startS > nowS) {
      items.push({
        shiftId: s.shiftId,
        userId: s.userId,
        startS,
        endS,
        hourlyWageCents: s.hourlyWageCents,
      });
    } else if (nowS < endS && s.userId !== null && latestOpen.has(s.userId)) {
      const open = latestOpen.get(s.userId)!;
      items.push({
        shiftId: s.shiftId,
        userId: s.userId,
        startS: nowS,
        endS,
        hourlyWageCents: open.wage,
      });
    }
  }
  items.sort((a, b) => a.shiftId - b.shiftId);
  let seconds = 0n;
  let product = 0n;
  for (const i of items) {
    const length = BigInt(i.endS - i.startS);
    seconds += length;
    product += length * wageUnits(i.hourlyWageCents, `wage of shift ${i.shiftId}`);
  }
  return {
    items,
    remainingSeconds: toSafeNumber(seconds, "remainingSeconds"),
    // Wage units are hundredths of a cent: seconds × units / 360000 = cents.
    remainingCostCents: toSafeNumber(divideRoundHalfAwayBig(product, 360_000n)),
  };
}

/**
 * The overtime premium the remaining work causes: for each employee with work items, the
 * premium of their punches with the items appended as punches minus the premium without them
 * (`punchOvertime`, the company's policy). `punches` are the employees' punches (paid seconds
 * at the clock), any employees; unassigned items cause none. Items sort after real punches
 * that clock in at the same second (id `WORK_ITEM_ID_OFFSET + shiftId`). Mirrored by
 * `pipeline.remaining_overtime_premium`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { federalOvertimePolicy } from "./overtime.ts";
 * import { remainingOvertimePremium } from "./projection.ts";
 *
 * // 38 h worked this week; a 4 h shift still to run at $20: 2 h of it are overtime.
 * const week = [1, 2, 3, 4].map((d) => ({
 *   punchId: d, employeeId: 7, clockedInAt: `2026-11-0${1 + d}T14:00:00Z`,
 *   paidSeconds: 9.5 * 3600, hourlyWageCents: 2000,
 * }));
 * const items = [{ shiftId: 50, userId: 7, startS: Date.parse("2026-11-06T14:00:00Z") / 1000,
 *   endS: Date.parse("2026-11-06T18:00:00Z") / 1000, hourlyWageCents: 2000 }];
 * assert.equal(remainingOvertimePremium(federalOvertimePolicy("America/Chicago"), week, items), 2000);
 * ```
 */
export function remainingOvertimePremium(
  policy: OvertimePolicy | null,
  punches: readonly OvertimePunch[],
  items: readonly WorkItem[],
): number {
  if (policy === null) return 0;
  const employees = new Set(items.flatMap((i) => i.userId === null ? [] : [i.userId]));
  if (employees.size === 0) return 0;
  const theirs = punches.filter((p) => employees.has(p.employeeId));
  const appended: OvertimePunch[] = items.flatMap((i) =>
    i.userId === null ? [] : [{
      punchId: WORK_ITEM_ID_OFFSET + i.shiftId,
      employeeId: i.userId,
      clockedInAt: new Date(i.startS * 1000),
      paidSeconds: i.endS - i.startS,
      hourlyWageCents: i.hourlyWageCents,
    }]
  );
  const total = (all: OvertimePunch[]) => {
    let sum = 0;
    for (const o of punchOvertime(policy, all).values()) sum += o.premiumCents;
    return sum;
  };
  return total([...theirs, ...appended]) - total(theirs);
}

/** What a projection is made from: the day so far, the same weekdays, the remaining work. */
export interface ProjectionInputs {
  netSalesCents: number;
  laborCostCents: number;
  typicalShareBp: number;
  lowestShareBp: number;
  typicalFinalSalesCents: number;
  remainingSeconds: number;
  remainingCostCents: number;
  remainingOvertimePremiumCents: number;
}

/** The projected close and the inputs it came from (a `public.day_projections` row). */
export interface Projection extends ProjectionInputs {
  projectedNetSalesCents: number;
  projectedLaborCostCents: number;
  /** Null when projected sales are 0 or less. */
  projectedLaborPctBp: number | null;
  /** The close if the rest of the day sells like the busiest same weekday (null: unknown). */
  bestCaseNetSalesCents: number | null;
  bestCaseLaborPctBp: number | null;
}

/**
 * The day's closing sales when `shareBp` of a typical day is done: the rest of the day sold at
 * today's pace weighted by that share and at the typical final sales weighted by the rest,
 * `S + (1 − s) × (S + (1 − s) × F)`, one rounding, never under the sales so far. Mirrored by
 * `pipeline.closing_sales`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closingSales } from "./projection.ts";
 *
 * // 60 % done, $892.80 sold, a typical day closes at $1,488: on pace, so $1,488.
 * assert.equal(closingSales(89_280, 6000, 148_800), 148_800);
 * // Twice the pace of a typical day: halfway between the two.
 * assert.equal(closingSales(40_000, 2000, 100_000), 40_000 + 0.8 * (40_000 + 80_000));
 * ```
 */
export function closingSales(
  netSalesCents: number,
  shareBp: number,
  typicalFinalSalesCents: number,
): number {
  const rest = 10000n - BigInt(shareBp);
  const sold = BigInt(netSalesCents);
  const more = divideRoundHalfAwayBig(
    rest * (sold * 10000n + rest * BigInt(typicalFinalSalesCents)),
    100_000_000n,
  );
  return toSafeNumber(sold + (more > 0n ? more : 0n));
}

/**
 * Projected sales, labor cost and labor % at close, and the best case the alert reads
 * (docs/projection.md, "Projection"). Mirrored by `pipeline.project_close`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { projectClose } from "./projection.ts";
 *
 * const p = projectClose({ netSalesCents: 89_280, laborCostCents: 27_987,
 *   typicalShareBp: 6000, lowestShareBp: 5400, typicalFinalSalesCents: 148_800,
 *   remainingSeconds: 31_500, remainingCostCents: 15_313, remainingOvertimePremiumCents: 0 });
 * assert.equal(p.projectedNetSalesCents, 148_800);
 * assert.equal(p.projectedLaborCostCents, 43_300);
 * assert.equal(p.projectedLaborPctBp, 2910);
 * // The busiest Tuesday had 46 % still to come: 89,280 + 0.46 × (89,280 + 0.46 × 148,800).
 * assert.equal(p.bestCaseNetSalesCents, 161_835);
 * assert.equal(p.bestCaseLaborPctBp, 2676);
 * ```
 */
export function projectClose(inputs: ProjectionInputs): Projection {
  if (!(inputs.typicalShareBp > 0)) throw new RangeError("typicalShareBp must be positive");
  const projectedNetSalesCents = closingSales(
    inputs.netSalesCents,
    inputs.typicalShareBp,
    inputs.typicalFinalSalesCents,
  );
  // Without a sale yet (or with refunds ahead) "the rest like the busiest day" means nothing.
  const bestCaseNetSalesCents = inputs.lowestShareBp > 0 && inputs.netSalesCents > 0
    ? closingSales(inputs.netSalesCents, inputs.lowestShareBp, inputs.typicalFinalSalesCents)
    : null;
  const projectedLaborCostCents = inputs.laborCostCents + inputs.remainingCostCents +
    inputs.remainingOvertimePremiumCents;
  return {
    ...inputs,
    projectedNetSalesCents,
    projectedLaborCostCents,
    projectedLaborPctBp: laborPctBp(projectedLaborCostCents, projectedNetSalesCents),
    bestCaseNetSalesCents,
    bestCaseLaborPctBp: bestCaseNetSalesCents === null
      ? null
      : laborPctBp(projectedLaborCostCents, bestCaseNetSalesCents),
  };
}

/** The projection state of a location's business day. */
export type ProjectionState = "none" | "projected" | "projected_critical";

/** The location settings the projection alert reads (basis points). */
export interface ProjectionSettings {
  laborTargetBp: number;
  criticalMarginBp: number;
  projectionMinShareBp: number;
  projectionMarginBp: number;
}

/**
 * The projection state a day moves to, or null when it stays, from the best-case labor % (the
 * close if the rest of the day sells like the busiest same weekday): `none → projected` past
 * target + margin, `none | projected → projected_critical` past target + critical margin, both
 * only once the typical share reaches the minimum; nothing else (at most one alert a day plus one
 * escalation). Only the open day is ever passed here. Mirrored by `pipeline.next_projection_state`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextProjectionState } from "./projection.ts";
 *
 * const loc = { laborTargetBp: 2500, criticalMarginBp: 500, projectionMinShareBp: 3000,
 *   projectionMarginBp: 100 };
 * assert.equal(nextProjectionState("none", 2910, 6000, loc), "projected");
 * assert.equal(nextProjectionState("none", 2910, 2999, loc), null); // too early in the day
 * assert.equal(nextProjectionState("projected", 3100, 6000, loc), "projected_critical");
 * assert.equal(nextProjectionState("projected", 2400, 6000, loc), null); // no "recovered"
 * ```
 */
export function nextProjectionState(
  state: ProjectionState,
  bestCaseLaborPctBp: number | null,
  typicalShareBp: number,
  loc: ProjectionSettings,
): ProjectionState | null {
  if (bestCaseLaborPctBp === null || typicalShareBp < loc.projectionMinShareBp) return null;
  if (
    state !== "projected_critical" &&
    bestCaseLaborPctBp > loc.laborTargetBp + loc.criticalMarginBp
  ) return "projected_critical";
  if (state === "none" && bestCaseLaborPctBp > loc.laborTargetBp + loc.projectionMarginBp) {
    return "projected";
  }
  return null;
}

/** What to do to land on target. */
export interface ProjectionHint {
  targetCostCents: number;
  excessCents: number;
  sellMoreCents: number;
  /** Null when no work remains (`remainingCostCents = 0`). */
  cutMinutes: number | null;
  /** False when cutting all that remains cannot land on target (or nothing remains). */
  cutPossible: boolean;
  /** What the cut saves; null unless `cutPossible`. */
  cutSavingCents: number | null;
  /** The last moment (ISO instant) sending people home still saves that much; null unless
   * `cutPossible`. */
  cutBefore: string | null;
  /** True when no quarter hour from now on saves enough: the cut starts now (`cutBefore` is
   * the clock in whole seconds). */
  cutNow: boolean;
}

/** ⌈a / b⌉ for b > 0. */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/** Seconds of the items that lie after instant `t` (Unix seconds). */
function secondsAfter(items: readonly WorkItem[], t: number): number {
  let sum = 0;
  for (const i of items) sum += Math.max(0, i.endS - Math.max(i.startS, t));
  return sum;
}

/**
 * The hint: the cut in quarter hours that lands the projection on target (rounded up), what it
 * saves, the last quarter hour it can start, and the sales that would land it instead. Mirrored
 * by `pipeline.projection_hint`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { projectionHint } from "./projection.ts";
 *
 * const s = (iso: string) => Date.parse(iso) / 1000;
 * const items = [
 *   { shiftId: 1, userId: 7, startS: s("2026-11-27T22:00:00Z"), endS: s("2026-11-28T03:00:00Z"),
 *     hourlyWageCents: 1750 },
 *   { shiftId: 2, userId: 8, startS: s("2026-11-27T23:00:00Z"), endS: s("2026-11-28T02:45:00Z"),
 *     hourlyWageCents: 1750 },
 * ];
 * const hint = projectionHint({ projectedNetSalesCents: 148_800,
 *   projectedLaborCostCents: 43_300, remainingSeconds: 31_500, remainingCostCents: 15_313 },
 *   2500, items, "2026-11-27T22:00:00Z");
 * assert.equal(hint.excessCents, 6100);
 * assert.equal(hint.cutMinutes, 210);
 * assert.equal(hint.cutSavingCents, 6125);
 * assert.equal(hint.cutBefore, "2026-11-28T01:00:00.000Z"); // 8 PM in New York
 * assert.equal(hint.sellMoreCents, 24_400);
 * ```
 */
export function projectionHint(
  p: Pick<
    Projection,
    "projectedNetSalesCents" | "projectedLaborCostCents" | "remainingSeconds" | "remainingCostCents"
  >,
  laborTargetBp: number,
  items: readonly WorkItem[],
  now: string | Date,
): ProjectionHint {
  const sales = BigInt(p.projectedNetSalesCents);
  const cost = BigInt(p.projectedLaborCostCents);
  const target = BigInt(laborTargetBp);
  const targetCost = divideRoundHalfAwayBig(sales * target, 10000n);
  const excess = cost - targetCost;
  const sellMore = divideRoundHalfAwayBig(cost * 10000n, target) - sales;
  const base = {
    targetCostCents: toSafeNumber(targetCost),
    excessCents: toSafeNumber(excess),
    sellMoreCents: toSafeNumber(sellMore),
  };
  if (p.remainingCostCents === 0) {
    return {
      ...base,
      cutMinutes: null,
      cutPossible: false,
      cutSavingCents: null,
      cutBefore: null,
      cutNow: false,
    };
  }
  const remaining = BigInt(p.remainingSeconds);
  const cutMinutes = toSafeNumber(
    15n * ceilDiv(excess * remaining, BigInt(p.remainingCostCents) * 900n),
  );
  if (cutMinutes * 60 > p.remainingSeconds) {
    return {
      ...base,
      cutMinutes,
      cutPossible: false,
      cutSavingCents: null,
      cutBefore: null,
      cutNow: false,
    };
  }
  const saving = divideRoundHalfAwayBig(
    BigInt(cutMinutes) * 60n * BigInt(p.remainingCostCents),
    remaining,
  );
  const need = cutMinutes * 60;
  const nowS = epochSeconds(now);
  const first = Math.ceil(nowS / 900) * 900;
  const last = Math.max(first, ...items.map((i) => i.endS));
  let before: number | null = null;
  for (let t = first; t <= last; t += 900) {
    if (secondsAfter(items, t) >= need) before = t;
    else break;
  }
  return {
    ...base,
    cutMinutes,
    cutPossible: true,
    cutSavingCents: toSafeNumber(saving),
    // No quarter hour from now on still saves enough: the cut has to start now.
    cutBefore: new Date((before ?? nowS) * 1000).toISOString(),
    cutNow: before === null,
  };
}
