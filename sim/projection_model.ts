/**
 * The simulator's independent model of the projected close of day (docs/projection.md): the
 * intraday rows, the typical share of a same-weekday's sales, the remaining scheduled work, the
 * projection, the projection alert and its hint, predicted for every write of an open day from
 * the simulator's own records and the order the system took its steps in. Written from the
 * doc with the simulator's own arithmetic (sim/arith.ts); never imports `shared/projection.ts`.
 *
 * Not modelled (the runs that use it avoid them, and {@link predictProjections} refuses them):
 * overtime. Each person works at most one of the run's days a week (same-weekday runs), so the
 * remaining work never crosses 40 hours and its overtime premium is 0.
 *
 * @module
 */
import { formatMoney, roundDiv, roundDivNumber } from "./arith.ts";
import {
  type AlertRules,
  type DayWrite,
  DEFAULT_ALERT_RULES,
  type ExpectedAlert,
  predictAlerts,
  type SystemStep,
} from "./alerts_model.ts";
import type { Simulation } from "./generate.ts";
import type { SimScheduledShift } from "./model.ts";
import { addDays, businessDateAt, clockText, wallTime } from "./time.ts";

/** A location's projection settings (`public.locations`). */
export interface ProjectionRules {
  laborTargetBp: number;
  criticalMarginBp: number;
  /** Share of the typical day's sales done before a projection may alert (default 3000). */
  projectionMinShareBp: number;
  /** How far over target the projection must be to alert (default 100). */
  projectionMarginBp: number;
}

/** The defaults of everything but the target. */
export const DEFAULT_PROJECTION_RULES: Omit<ProjectionRules, "laborTargetBp"> = {
  criticalMarginBp: DEFAULT_ALERT_RULES.criticalMarginBp,
  projectionMinShareBp: 3000,
  projectionMarginBp: 100,
};

/** The quarter hour of the business day (0-95) that local wall-clock time `ms` falls in. */
export function slotOf(ms: number, timeZone: string, cutoffHour: number): number {
  const w = wallTime(ms, timeZone);
  return Math.floor((((w.hour * 60 + w.minute) - cutoffHour * 60 + 1440) % 1440) / 15);
}

/** A same-weekday day the typical share is learned from. */
export interface CandidateDay {
  /** Its net sales at the slot (its latest intraday row at or before it; 0 when none). */
  salesAtCents: number;
  /** Its `daily_metrics.net_sales_cents` now (> 0). */
  finalCents: number;
}

/** The typical share, or why there is none. */
export type TypicalShare =
  | ({ status: "ok" } & Weekdays)
  | {
    status: "insufficient_history";
    candidates: number;
    typicalShareBp: null;
    lowestShareBp: null;
    typicalFinalCents: null;
  }
  | ({ status: "no_typical_sales" } & Weekdays)
  | ({ status: "no_schedule" } & Weekdays);

/** What three or more same weekdays give. */
interface Weekdays {
  candidates: number;
  /** Median share done by the start of the slot. */
  typicalShareBp: number;
  /** Smallest share (the most still to come). */
  lowestShareBp: number;
  /** Median final net sales. */
  typicalFinalCents: number;
}

const medianOf = (sorted: readonly number[]) => {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : roundDivNumber(sorted[n / 2 - 1] + sorted[n / 2], 2);
};

/** The median share of the candidates' sales done by the slot (docs/projection.md). */
export function typicalShare(candidates: readonly CandidateDay[]): TypicalShare {
  const n = candidates.length;
  if (n < 3) {
    return {
      status: "insufficient_history",
      candidates: n,
      typicalShareBp: null,
      lowestShareBp: null,
      typicalFinalCents: null,
    };
  }
  const shares = candidates
    .map((c) => Math.min(10_000, roundDivNumber(c.salesAtCents * 10_000, c.finalCents)))
    .sort((a, b) => a - b);
  const weekdays: Weekdays = {
    candidates: n,
    typicalShareBp: medianOf(shares),
    lowestShareBp: shares[0],
    typicalFinalCents: medianOf(candidates.map((c) => c.finalCents).sort((a, b) => a - b)),
  };
  // Refunds running ahead of a day's sales can make a share negative.
  if (weekdays.typicalShareBp <= 0) return { status: "no_typical_sales", ...weekdays };
  return { status: "ok", ...weekdays };
}

/** An open punch of the day: who, since when, at what wage. */
export interface OpenPunchOf {
  userId: number;
  clockedInAt: number;
  wageCentiCents: number;
}

/** One piece of work still to pay: `[startSec, endSec]` (epoch seconds) at a wage. */
export interface WorkItem {
  startSec: number;
  endSec: number;
  wageCentiCents: number;
  userId: number | null;
}

/** The remaining scheduled work at `now`. */
export interface RemainingWork {
  items: WorkItem[];
  remainingSeconds: number;
  remainingCostCents: number;
}

/**
 * The work items of the day's shifts at `now` (docs/projection.md, "Remaining scheduled
 * work"): a shift not started counts whole at its wage; a started, unfinished shift counts
 * from `now` (cut to its whole second) at the wage of its person's open punch (the latest
 * clock-in), or nothing when nobody is on the clock for it; a finished shift counts nothing.
 */
export function remainingWork(
  shifts: readonly SimScheduledShift[],
  openPunches: readonly OpenPunchOf[],
  now: number,
): RemainingWork {
  const nowSec = Math.floor(now / 1000);
  const latestOpen = new Map<number, OpenPunchOf>();
  for (const p of openPunches) {
    const seen = latestOpen.get(p.userId);
    if (!seen || p.clockedInAt > seen.clockedInAt) latestOpen.set(p.userId, p);
  }
  const items: WorkItem[] = [];
  for (const s of shifts) {
    const startSec = Math.floor(s.startsAt / 1000);
    const endSec = Math.floor(s.endsAt / 1000);
    if (startSec > nowSec) {
      items.push({ startSec, endSec, wageCentiCents: s.hourlyWageCents * 100, userId: s.userId });
    } else if (endSec > nowSec && s.userId !== null) {
      const punch = latestOpen.get(s.userId);
      if (punch) {
        items.push({
          startSec: nowSec,
          endSec,
          wageCentiCents: punch.wageCentiCents,
          userId: s.userId,
        });
      }
    }
  }
  const remainingSeconds = items.reduce((t, i) => t + (i.endSec - i.startSec), 0);
  const weighted = items.reduce(
    (t, i) => t + BigInt(i.endSec - i.startSec) * BigInt(i.wageCentiCents),
    0n,
  );
  return {
    items,
    remainingSeconds,
    remainingCostCents: Number(roundDiv(weighted, 360_000n)),
  };
}

/** The projection of an open day at one write. */
export interface Projection {
  status: TypicalShare["status"];
  candidates: number;
  typicalShareBp: number | null;
  salesSoFarCents: number;
  laborCostSoFarCents: number;
  remainingSeconds: number;
  remainingCostCents: number;
  remainingOvertimePremiumCents: number;
  projectedNetSalesCents: number | null;
  projectedLaborCostCents: number;
  projectedLaborPctBp: number | null;
  lowestShareBp: number | null;
  typicalFinalCents: number | null;
  /** The close if the rest of the day sells like the busiest same weekday. */
  bestCaseNetSalesCents: number | null;
  bestCaseLaborPctBp: number | null;
}

/**
 * Closing sales at `shareBp` of a typical day done: today's pace weighted by the share, the
 * typical final sales by the rest (docs/projection.md, "Projection").
 */
export function closingSales(soFar: number, shareBp: number, typicalFinal: number): number {
  const rest = 10_000 - shareBp;
  const more = roundDivNumber(rest * (soFar * 10_000 + rest * typicalFinal), 100_000_000);
  return soFar + Math.max(0, more);
}

/** The projection from its inputs (docs/projection.md, "Projection"). */
export function project(
  share: TypicalShare,
  salesSoFarCents: number,
  laborCostSoFarCents: number,
  work: RemainingWork,
): Projection {
  const projectedLaborCostCents = laborCostSoFarCents + work.remainingCostCents;
  const projectedNetSalesCents = share.status === "ok"
    ? closingSales(salesSoFarCents, share.typicalShareBp, share.typicalFinalCents)
    : null;
  const bestCaseNetSalesCents = share.status === "ok" && share.lowestShareBp > 0 &&
      salesSoFarCents > 0
    ? closingSales(salesSoFarCents, share.lowestShareBp, share.typicalFinalCents)
    : null;
  const pct = (sales: number | null) =>
    sales !== null && sales > 0 ? roundDivNumber(projectedLaborCostCents * 10_000, sales) : null;
  return {
    status: share.status,
    candidates: share.candidates,
    typicalShareBp: share.typicalShareBp,
    salesSoFarCents,
    laborCostSoFarCents,
    remainingSeconds: work.remainingSeconds,
    remainingCostCents: work.remainingCostCents,
    remainingOvertimePremiumCents: 0,
    projectedNetSalesCents,
    projectedLaborCostCents,
    projectedLaborPctBp: pct(projectedNetSalesCents),
    lowestShareBp: share.lowestShareBp,
    typicalFinalCents: share.typicalFinalCents,
    bestCaseNetSalesCents,
    bestCaseLaborPctBp: pct(bestCaseNetSalesCents),
  };
}

/** A day's projection alert state. */
export type ProjectionState = "none" | "projected" | "projected_critical";

/** The next projection state, or null when it stays (docs/projection.md, "Projection alert"). */
export function nextProjectionState(
  state: ProjectionState,
  p: Pick<Projection, "typicalShareBp" | "bestCaseLaborPctBp">,
  rules: ProjectionRules,
): Exclude<ProjectionState, "none"> | null {
  const pct = p.bestCaseLaborPctBp;
  if (p.typicalShareBp === null || pct === null) return null;
  if (p.typicalShareBp < rules.projectionMinShareBp) return null;
  if (state !== "projected_critical" && pct > rules.laborTargetBp + rules.criticalMarginBp) {
    return "projected_critical";
  }
  if (state === "none" && pct > rules.laborTargetBp + rules.projectionMarginBp) {
    return "projected";
  }
  return null;
}

/** What to do about a projection over target. */
export interface Hint {
  targetCostCents: number;
  excessCents: number;
  sellMoreCents: number;
  /** The cut that lands on target, in quarter hours; null when nothing remains to cut. */
  cutMinutes: number | null;
  /** Whether the remaining work can give that cut (after the next quarter-hour instant). */
  cutPossible: boolean;
  /** No quarter hour from now on saves enough: the cut has to start now. */
  cutNow: boolean;
  /** What the cut saves; null unless {@link cutPossible}. */
  cutSavingCents: number | null;
  /**
   * The last instant on the quarter-hour grid to cut by (epoch ms), or `now` (its whole
   * second) when none qualifies; null unless possible.
   */
  cutBefore: number | null;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** The hint of a projection over target (docs/projection.md, "The hint"). */
export function hintFor(p: Projection, work: RemainingWork, targetBp: number, now: number): Hint {
  const sales = p.projectedNetSalesCents ?? 0;
  const cost = p.projectedLaborCostCents;
  const targetCostCents = roundDivNumber(sales * targetBp, 10_000);
  const excessCents = cost - targetCostCents;
  const sellMoreCents = roundDivNumber(cost * 10_000, targetBp) - sales;
  const impossible = { cutPossible: false, cutNow: false, cutSavingCents: null, cutBefore: null };
  if (work.remainingCostCents === 0) {
    return { targetCostCents, excessCents, sellMoreCents, cutMinutes: null, ...impossible };
  }
  const quarters = ceilDiv(
    BigInt(excessCents) * BigInt(work.remainingSeconds),
    BigInt(work.remainingCostCents) * 900n,
  );
  const cutMinutes = 15 * Number(quarters);
  const base = { targetCostCents, excessCents, sellMoreCents, cutMinutes };
  const needed = cutMinutes * 60;
  const savableAfter = (tSec: number) =>
    work.items.reduce((t, i) => t + Math.max(0, i.endSec - Math.max(i.startSec, tSec)), 0);
  // The grid: whole UTC minutes divisible by 15, from `now` rounded up.
  const grid = 900;
  let t = Math.ceil(Math.floor(now / 1000) / grid) * grid;
  if (needed > work.remainingSeconds) return { ...base, ...impossible };
  // No quarter hour from now on saves enough: the cut has to start now.
  let before = Math.floor(now / 1000);
  const cutNow = savableAfter(t) < needed;
  if (!cutNow) {
    while (savableAfter(t + grid) >= needed) t += grid;
    before = t;
  }
  return {
    ...base,
    cutPossible: true,
    cutNow,
    cutSavingCents: roundDivNumber(
      cutMinutes * 60 * work.remainingCostCents,
      work.remainingSeconds,
    ),
    cutBefore: before * 1000,
  };
}

/** Basis points as a percentage with one decimal, a trailing `.0` dropped (2914 → `29.1`). */
export function pctText(bp: number): string {
  const tenths = roundDivNumber(bp, 10);
  const whole = Math.trunc(Math.abs(tenths) / 10);
  const frac = Math.abs(tenths) % 10;
  return `${tenths < 0 ? "-" : ""}${whole}${frac === 0 ? "" : `.${frac}`}`;
}

/** Cents as whole dollars, rounded half away from zero (`6149` → `$61`). */
export function dollarsText(cents: number): string {
  return formatMoney(roundDivNumber(cents, 100) * 100).replace(/\.00$/, "");
}

/** Quarter-hour minutes as hours (`210` → `3.5`, `195` → `3.25`, `240` → `4`). */
export function hoursText(minutes: number): string {
  const hundredths = roundDivNumber(minutes * 100, 60);
  const whole = Math.trunc(hundredths / 100);
  const frac = String(hundredths % 100).padStart(2, "0").replace(/0+$/, "");
  return frac === "" ? String(whole) : `${whole}.${frac}`;
}

/** Local time for the hint (`8 PM`, `8:15 PM`). */
export function hintClockText(ms: number, timeZone: string): string {
  return clockText(ms, timeZone).replace(":00 ", " ");
}

/** The hint sentence of a projection alert (docs/projection.md, "Message"). */
export function projectionMessage(
  p: Projection,
  hint: Hint,
  targetBp: number,
  timeZone: string,
  now: number,
): string {
  const head = `Projected ${pctText(p.projectedLaborPctBp ?? 0)} % at close (target ${
    pctText(targetBp)
  } %).`;
  if (
    !hint.cutPossible || hint.cutMinutes === null || hint.cutBefore === null ||
    hint.cutSavingCents === null
  ) {
    return `${head} No cut of the shifts still to run lands on target: sell ${
      dollarsText(hint.sellMoreCents)
    } more.`;
  }
  const when = hint.cutBefore === Math.floor(now / 1000) * 1000
    ? "now"
    : `before ${hintClockText(hint.cutBefore, timeZone)}`;
  const hours = `${hoursText(hint.cutMinutes)} labor hour${hint.cutMinutes === 60 ? "" : "s"}`;
  return `${head} To land on target: cut ${hours} ${when} (≈ ${
    dollarsText(hint.cutSavingCents)
  }), or sell ${dollarsText(hint.sellMoreCents)} more.`;
}

/** An intraday row (`public.intraday_metrics`). */
export interface IntradayRow {
  locationIndex: number;
  businessDate: string;
  slot: number;
  netSalesCents: number;
  laborCostCents: number;
  paidLaborMinutes: number;
  openPunchCount: number;
  /** The clock of the write (epoch ms). */
  recordedAt: number;
}

/** The projection written with one write of an open day (`public.day_projections`). */
export interface ProjectionWrite {
  locationIndex: number;
  businessDate: string;
  clock: number;
  slot: number;
  projection: Projection;
  work: RemainingWork;
}

/** A projection alert the system should raise. */
export interface ExpectedProjectionAlert {
  locationIndex: number;
  businessDate: string;
  level: "projected" | "critical";
  fromState: ProjectionState;
  clock: number;
  projection: Projection;
  hint: Hint;
  message: string;
}

/** Everything the model predicts for a run. */
export interface ProjectionPrediction {
  /** The rows of `public.intraday_metrics` at the end, by `loc|date|slot`. */
  intraday: Map<string, IntradayRow>;
  /** Every projection write, in order. */
  writes: ProjectionWrite[];
  alerts: ExpectedProjectionAlert[];
  /** The over/critical/recovered alerts of the same steps (sim/alerts_model.ts). */
  laborAlerts: ExpectedAlert[];
}

/**
 * Replays the run's steps (as {@link predictAlerts} does: the same figures at the same
 * clocks) and predicts every intraday row, projection and projection alert. `rules` by
 * location index. Throws when a person works two of the run's days within a week (overtime
 * is not modelled).
 */
export function predictProjections(
  sim: Simulation,
  steps: readonly SystemStep[],
  rules: readonly ProjectionRules[],
  opts: {
    /**
     * When each location-day's schedule was stored (epoch ms; null: never): before then the
     * day has no shift. Default: every schedule from the start.
     */
    scheduleStoredAt?: (locationIndex: number, businessDate: string) => number | null;
  } = {},
): ProjectionPrediction {
  const userOfPunch = new Map(sim.punches.map((p) => [`punch:${p.id}`, p.userId]));
  const workDays = new Map<number, string[]>();
  for (const p of sim.punches) {
    const loc = sim.locations[p.locationIndex];
    const date = businessDateAt(p.versions[0].clockedInAt, loc.timeZone, loc.cutoffHour);
    const days = workDays.get(p.userId) ?? [];
    if (days.some((d) => d !== date && Math.abs(Date.parse(d) - Date.parse(date)) < 7 * 864e5)) {
      throw new RangeError(`user ${p.userId} works two days of one week: overtime not modelled`);
    }
    workDays.set(p.userId, [...days, date]);
  }
  const shiftsOf = new Map<string, SimScheduledShift[]>();
  for (const s of sim.schedule) {
    const k = `${s.locationIndex}|${s.businessDate}`;
    shiftsOf.set(k, [...(shiftsOf.get(k) ?? []), s]);
  }
  const intraday = new Map<string, IntradayRow>();
  /** The typical share of (location, day, slot), worked out at the slot's first write. */
  const shareOfSlot = new Map<string, TypicalShare>();
  const netNow = new Map<string, number>();
  const state = new Map<string, ProjectionState>();
  const writes: ProjectionWrite[] = [];
  const alerts: ExpectedProjectionAlert[] = [];

  const salesAt = (loc: number, date: string, slot: number) => {
    for (let s = slot; s >= 0; s--) {
      const row = intraday.get(`${loc}|${date}|${s}`);
      if (row) return row.netSalesCents;
    }
    return 0;
  };
  const hasIntraday = (loc: number, date: string) => {
    for (let s = 0; s < 96; s++) if (intraday.has(`${loc}|${date}|${s}`)) return true;
    return false;
  };

  const onWrite = (w: DayWrite) => {
    const key = `${w.locationIndex}|${w.businessDate}`;
    netNow.set(key, w.figures.netSalesCents);
    const l = sim.locations[w.locationIndex];
    if (businessDateAt(w.clock, l.timeZone, l.cutoffHour) !== w.businessDate) return;
    const slot = slotOf(w.clock, l.timeZone, l.cutoffHour);
    intraday.set(`${key}|${slot}`, {
      locationIndex: w.locationIndex,
      businessDate: w.businessDate,
      slot,
      netSalesCents: w.figures.netSalesCents,
      laborCostCents: w.figures.laborCostCents,
      paidLaborMinutes: w.figures.paidLaborMinutes,
      openPunchCount: w.openPunches.length,
      recordedAt: w.clock,
    });
    const candidates: CandidateDay[] = [];
    for (let k = 1; k <= 8 && !shareOfSlot.has(`${key}|${slot}`); k++) {
      const date = addDays(w.businessDate, -7 * k);
      const final = netNow.get(`${w.locationIndex}|${date}`) ?? 0;
      if (final > 0 && hasIntraday(w.locationIndex, date)) {
        // At the start of the slot: its latest row before it.
        const salesAtCents = slot > 0 ? salesAt(w.locationIndex, date, slot - 1) : 0;
        candidates.push({ salesAtCents, finalCents: final });
      }
    }
    const open = w.openPunches.map((p) => ({
      userId: userOfPunch.get(p.entity) ?? -1,
      clockedInAt: p.clockedInAt,
      wageCentiCents: p.wageCentiCents,
    }));
    const storedAt = opts.scheduleStoredAt?.(w.locationIndex, w.businessDate) ?? -Infinity;
    const shifts = storedAt !== null && storedAt <= w.clock ? shiftsOf.get(key) ?? [] : [];
    const work = remainingWork(shifts, open, w.clock);
    let share = shareOfSlot.get(`${key}|${slot}`);
    if (!share) shareOfSlot.set(`${key}|${slot}`, share = typicalShare(candidates));
    // A day without a published shift: the labor still to come is unknown.
    if (share.status === "ok" && shifts.length === 0) share = { ...share, status: "no_schedule" };
    const projection = project(
      share,
      w.figures.netSalesCents,
      w.figures.laborCostCents,
      work,
    );
    writes.push({
      locationIndex: w.locationIndex,
      businessDate: w.businessDate,
      clock: w.clock,
      slot,
      projection,
      work,
    });
    const r = rules[w.locationIndex];
    const from = state.get(key) ?? "none";
    const next = nextProjectionState(from, projection, r);
    if (next) {
      state.set(key, next);
      const hint = hintFor(projection, work, r.laborTargetBp, w.clock);
      alerts.push({
        locationIndex: w.locationIndex,
        businessDate: w.businessDate,
        level: next === "projected" ? "projected" : "critical",
        fromState: from,
        clock: w.clock,
        projection,
        hint,
        message: projectionMessage(projection, hint, r.laborTargetBp, l.timeZone, w.clock),
      });
    }
  };
  const laborAlerts = predictAlerts(
    sim,
    steps,
    rules.map((r) => ({ ...DEFAULT_ALERT_RULES, laborTargetBp: r.laborTargetBp } as AlertRules)),
    { exactClock: true, onWrite },
  );
  return { intraday, writes, alerts, laborAlerts };
}

/** The `H:MM AM` of a write, for people reading a failed comparison. */
export function writeLabel(w: ProjectionWrite, sim: Simulation): string {
  const l = sim.locations[w.locationIndex];
  return `${l.name} ${w.businessDate} ${clockText(w.clock, l.timeZone)}`;
}
