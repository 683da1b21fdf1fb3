/**
 * The alerts a correct system raises for a run, predicted from the simulator's own records
 * and what the system was asked to do, in order (a {@link SystemStep}: a delivery it
 * accepted, the open-day job, the closed-day verdicts), each at the figures' clock of that
 * moment: the figures of each touched day after each step (newest version of each order and
 * punch wins, a deleted punch stays deleted, an open punch accrues until the step's clock,
 * capped at 16 h), run through the documented per-day state machine (the alerts migration's
 * header):
 *
 * - levels: `over` when labor % > target, `critical` when > target + critical margin;
 * - from `ok` or `recovered`: a new episode at the current level, only once net sales reach the
 *   floor; after a recovery only once labor % is above target + hysteresis;
 * - `over` → `critical` (floor met), `over`/`critical` → `recovered` once labor % ≤ target −
 *   hysteresis (the target itself on a closed day);
 * - a live day (the location's current business day at the step's clock, or later) is judged
 *   at every recompute; a closed day only records its figures, and the closed-day verdict
 *   judges each closed day whose figures changed since it was last judged, once, at most one
 *   notice per closed day ever, a new episode only on the previous business day;
 * - no labor % (net sales ≤ 0): nothing happens.
 *
 * A clock is exact when the database ran at it (a replay clock, sim/replay.ts); the real time
 * a delivery was accepted at is not, so figures with an open punch cannot be predicted from it
 * where they matter (a live day, a verdict): that throws.
 *
 * @module
 */
import type { Delivery } from "./plan.ts";
import type { Simulation } from "./generate.ts";
import type { SimOrderVersion, SimPunchVersion } from "./model.ts";
import { businessDateAt } from "./time.ts";
import {
  type DayTotals,
  emptyTotals,
  figuresOf,
  orderVersionRefunds,
  orderVersionSalesCents,
  punchCostCents,
  punchPaidSeconds,
} from "./truth.ts";

/** A location's alert thresholds (the `public.locations` columns). */
export interface AlertRules {
  laborTargetBp: number;
  criticalMarginBp: number;
  recoveryHysteresisBp: number;
  alertMinNetSalesCents: number;
}

/** The project's defaults for everything but the target. */
export const DEFAULT_ALERT_RULES: Omit<AlertRules, "laborTargetBp"> = {
  criticalMarginBp: 500,
  recoveryHysteresisBp: 100,
  alertMinNetSalesCents: 50_000,
};

/** A day's alert state. */
export type AlertState = "ok" | "over" | "critical" | "recovered";
/** An alert's kind. */
export type AlertKind = "over" | "critical" | "recovered";

/** An alert the system should raise. */
export interface ExpectedAlert {
  locationIndex: number;
  businessDate: string;
  kind: AlertKind;
  fromState: AlertState;
  laborPctBp: number;
  netSalesCents: number;
  /** The delivery whose acceptance caused it; -1 for a job (open days, closed-day verdicts). */
  deliverySeq: number;
  /** The figures' clock when it was raised (epoch ms): its "figures as of". */
  clock: number;
}

/** One step of the state machine; null when nothing changes. */
export function nextAlertState(
  state: AlertState,
  laborPctBp: number,
  netSalesCents: number,
  rules: AlertRules,
  day: { closed: boolean; mayOpenEpisode: boolean },
): AlertKind | null {
  const critical = rules.laborTargetBp + rules.criticalMarginBp;
  const recovery = rules.laborTargetBp - (day.closed ? 0 : rules.recoveryHysteresisBp);
  const floorMet = netSalesCents >= rules.alertMinNetSalesCents;
  const level = laborPctBp > critical
    ? "critical"
    : laborPctBp > rules.laborTargetBp
    ? "over"
    : "ok";
  switch (state) {
    case "ok":
      return level !== "ok" && floorMet && day.mayOpenEpisode ? level : null;
    case "recovered":
      // Re-arms only past target + hysteresis (no flapping around the target).
      return level !== "ok" && floorMet && day.mayOpenEpisode &&
          laborPctBp > rules.laborTargetBp + rules.recoveryHysteresisBp
        ? level
        : null;
    case "over":
      if (level === "critical" && floorMet) return "critical";
      return laborPctBp <= recovery ? "recovered" : null;
    case "critical":
      return laborPctBp <= recovery ? "recovered" : null;
  }
}

/** A step of a run, as the system saw it. */
export type SystemStep =
  /** A delivery the system accepted; its transaction recomputed the days it touched. */
  | { kind: "delivery"; delivery: Delivery; clock: number }
  /** `pipeline.recompute_open_days()`: the days with an open punch, recomputed. */
  | { kind: "recomputeOpenDays"; clock: number }
  /** `pipeline.judge_closed_days(0, …)` for the run's locations: the closed-day verdicts. */
  | { kind: "judgeClosedDays"; clock: number }
  /**
   * A vendor sync of these locations (the hourly schedule): every order and punch whose
   * vendor version at `clock` (what the API shows: the newest made by then, break edits that
   * fired no webhook included) differs from the one applied is applied, and each day it
   * touched is recomputed once (a sync's pages commit a second apart; a page-by-page
   * intermediate state is not modelled).
   */
  | { kind: "vendorSync"; clock: number; locationIndexes: readonly number[] };

/**
 * One write of a day's figures (`pipeline.write_daily_metrics`): the figures at its clock,
 * whether the day was the location's open day then, and its open punches.
 */
export interface DayWrite {
  locationIndex: number;
  businessDate: string;
  clock: number;
  live: boolean;
  figures: ReturnType<typeof figuresOf>;
  openPunches: Array<{ entity: string; clockedInAt: number; wageCentiCents: number }>;
}

/** The longest an open punch accrues (16 h), as the system's cap. */
const MAX_OPEN_SHIFT_SECONDS = 57_600;

interface OpenPunch {
  clockedInAt: number;
  wageCentiCents: number;
}

interface Contribution {
  sales: Array<{ date: string; cents: number }>;
  refunds: Array<{ date: string; cents: number }>;
  labor: { date: string; seconds: number; cents: number; open: OpenPunch | null } | null;
}

function orderContribution(v: SimOrderVersion, businessDate: string): Contribution {
  return {
    sales: [{ date: businessDate, cents: orderVersionSalesCents(v) }],
    refunds: orderVersionRefunds(v),
    labor: null,
  };
}

function punchContribution(
  v: SimPunchVersion,
  deleted: boolean,
  tz: string,
  cutoff: number,
): Contribution {
  const date = businessDateAt(v.clockedInAt, tz, cutoff);
  if (deleted || v.deleted) {
    return { sales: [], refunds: [], labor: { date, seconds: 0, cents: 0, open: null } };
  }
  if (v.clockedOutAt === null) {
    if (v.breaks.some((b) => !b.paid && !b.deleted)) {
      throw new RangeError("an open punch with unpaid breaks is not modelled");
    }
    return {
      sales: [],
      refunds: [],
      labor: {
        date,
        seconds: 0,
        cents: 0,
        open: { clockedInAt: v.clockedInAt, wageCentiCents: v.hourlyWageCentiCents },
      },
    };
  }
  const seconds = punchPaidSeconds(v);
  return {
    sales: [],
    refunds: [],
    labor: { date, seconds, cents: punchCostCents(seconds, v.hourlyWageCentiCents), open: null },
  };
}

/** Paid seconds of an open punch at `clock`: whole seconds, never negative, capped at 16 h. */
export function openPunchPaidSeconds(clockedInAt: number, clock: number): number {
  const start = Math.floor(clockedInAt / 1000);
  return Math.max(0, Math.min(Math.floor(clock / 1000), start + MAX_OPEN_SHIFT_SECONDS) - start);
}

interface DayRecord {
  state: AlertState;
  last: string | null;
  version: number;
  judgedVersion: number;
  closedNotice: boolean;
}

/**
 * Replays the steps (in the order the system took them; each location's deliveries in the
 * order its stream was accepted) and returns the alerts, in order per location.
 * `exactClock`: the steps' clocks are the database's own (a replay clock).
 */
export function predictAlerts(
  sim: Simulation,
  steps: readonly SystemStep[],
  rules: readonly AlertRules[],
  { exactClock = false, onWrite }: {
    exactClock?: boolean;
    /** Called with every write of a day's figures, in order (sim/projection_model.ts). */
    onWrite?: (write: DayWrite) => void;
  } = {},
): ExpectedAlert[] {
  const orders = new Map(sim.orders.map((o) => [`order:${o.guid}`, o]));
  const punches = new Map(sim.punches.map((p) => [`punch:${p.id}`, p]));
  const applied = new Map<
    string,
    { modifiedAt: number; version: number; contribution: Contribution }
  >();
  const tombstones = new Set<string>();
  const totals = new Map<string, DayTotals>();
  /** Open punches per day: entity → its clock-in and wage. */
  const open = new Map<string, Map<string, OpenPunch>>();
  const days = new Map<string, DayRecord>();
  const alerts: ExpectedAlert[] = [];
  const dayKey = (loc: number, date: string) => `${loc}|${date}`;
  const totalsOf = (loc: number, date: string) => {
    let t = totals.get(dayKey(loc, date));
    if (!t) totals.set(dayKey(loc, date), t = emptyTotals());
    return t;
  };
  const openOf = (loc: number, date: string) => {
    let m = open.get(dayKey(loc, date));
    if (!m) open.set(dayKey(loc, date), m = new Map());
    return m;
  };
  const addContribution = (loc: number, entity: string, c: Contribution, sign: 1 | -1) => {
    for (const s of c.sales) totalsOf(loc, s.date).orderSalesCents += sign * s.cents;
    for (const r of c.refunds) totalsOf(loc, r.date).refundCents += sign * r.cents;
    if (c.labor) {
      const t = totalsOf(loc, c.labor.date);
      t.paidLaborSeconds += sign * c.labor.seconds;
      t.laborCostCents += sign * c.labor.cents;
      if (c.labor.open && sign === 1) openOf(loc, c.labor.date).set(entity, c.labor.open);
      if (c.labor.open && sign === -1) openOf(loc, c.labor.date).delete(entity);
    }
  };
  const datesOf = (c: Contribution) => [
    ...c.sales.map((s) => s.date),
    ...c.refunds.map((r) => r.date),
    ...(c.labor ? [c.labor.date] : []),
  ];
  /** The figures of a day at `clock` (its open punches accrued, each rounded on its own). */
  const figuresAt = (loc: number, date: string, clock: number, needed: boolean) => {
    const t = { ...totalsOf(loc, date) };
    for (const p of openOf(loc, date).values()) {
      if (!exactClock && needed) {
        throw new RangeError(
          "alerts cannot be predicted for open punches at an inexact clock (replay on a " +
            "database clock, sim/replay.ts, or use openPunches: false)",
        );
      }
      const seconds = openPunchPaidSeconds(p.clockedInAt, clock);
      t.paidLaborSeconds += seconds;
      t.laborCostCents += punchCostCents(seconds, p.wageCentiCents);
    }
    return figuresOf(t);
  };
  const calendar = (loc: number, clock: number) => {
    const l = sim.locations[loc];
    const today = businessDateAt(clock, l.timeZone, l.cutoffHour);
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString()
      .slice(0, 10);
    return { today, yesterday };
  };
  const raise = (
    loc: number,
    date: string,
    from: AlertState,
    kind: AlertKind,
    step: { seq: number; clock: number },
    f: { laborPctBp: number | null; netSalesCents: number },
  ) => {
    days.get(dayKey(loc, date))!.state = kind;
    alerts.push({
      locationIndex: loc,
      businessDate: date,
      kind,
      fromState: from,
      laborPctBp: f.laborPctBp!,
      netSalesCents: f.netSalesCents,
      deliverySeq: step.seq,
      clock: step.clock,
    });
  };
  /** A recompute of one day at `clock`, as pipeline.write_daily_metrics + evaluate_alerts. */
  const recompute = (loc: number, date: string, clock: number, seq: number) => {
    const { today } = calendar(loc, clock);
    const live = date >= today;
    const f = figuresAt(loc, date, clock, live);
    onWrite?.({
      locationIndex: loc,
      businessDate: date,
      clock,
      live,
      figures: f,
      openPunches: [...openOf(loc, date).entries()].map(([entity, p]) => ({ entity, ...p })),
    });
    if (f.laborPctBp === null) return;
    const key = dayKey(loc, date);
    let day = days.get(key);
    if (!day) {
      days.set(
        key,
        day = { state: "ok", last: null, version: 0, judgedVersion: 0, closedNotice: false },
      );
    }
    const figures = `${f.laborPctBp}|${f.netSalesCents}`;
    if (figures !== day.last) {
      day.last = figures;
      day.version += 1;
    }
    if (!live) return; // closed: judged once its figures settle
    const kind = nextAlertState(day.state, f.laborPctBp, f.netSalesCents, rules[loc], {
      closed: false,
      mayOpenEpisode: true,
    });
    if (kind) raise(loc, date, day.state, kind, { seq, clock }, f);
  };
  /** pipeline.judge_closed_days at `clock` for every location of the run. */
  const judge = (clock: number, seq: number) => {
    for (const key of [...days.keys()].sort(byLocationAndDate)) {
      const day = days.get(key)!;
      const [locText, date] = key.split("|");
      const loc = Number(locText);
      const { today, yesterday } = calendar(loc, clock);
      if (day.judgedVersion >= day.version || date >= today) continue;
      day.judgedVersion = day.version;
      if (day.closedNotice) continue;
      const f = figuresAt(loc, date, clock, true);
      if (f.laborPctBp === null) continue;
      const kind = nextAlertState(day.state, f.laborPctBp, f.netSalesCents, rules[loc], {
        closed: true,
        mayOpenEpisode: date >= yesterday,
      });
      if (!kind) continue;
      day.closedNotice = true;
      raise(loc, date, day.state, kind, { seq, clock }, f);
    }
  };

  /**
   * Applies version `versionIndex` of `entity` as ingest would (the newest `modified` wins; a
   * deleted punch stays deleted); `fromApi`: the sync's version, which also wins a tie on
   * `modified` (a break edit that did not move it). Returns the days it touched.
   */
  const apply = (
    locIndex: number,
    entity: string,
    versionIndex: number,
    fromApi: boolean,
  ): string[] => {
    const loc = sim.locations[locIndex];
    const prev = applied.get(entity);
    const newer = (modifiedAt: number) =>
      !prev || modifiedAt > prev.modifiedAt || (fromApi && modifiedAt === prev.modifiedAt);
    let next: { modifiedAt: number; version: number; contribution: Contribution } | null = null;
    if (entity.startsWith("order:")) {
      const order = orders.get(entity);
      const v = order?.versions[versionIndex];
      if (!order || !v) return [];
      if (newer(v.modifiedAt)) {
        next = {
          modifiedAt: v.modifiedAt,
          version: versionIndex,
          contribution: orderContribution(v, order.businessDate),
        };
      }
    } else {
      const punch = punches.get(entity);
      const v = punch?.versions[versionIndex];
      if (!punch || !v) return [];
      const wasDeleted = tombstones.has(entity);
      if (v.deleted) tombstones.add(entity);
      const deleted = tombstones.has(entity);
      if (newer(v.modifiedAt)) {
        next = {
          modifiedAt: v.modifiedAt,
          version: versionIndex,
          contribution: punchContribution(v, deleted, loc.timeZone, loc.cutoffHour),
        };
      } else if (deleted && !wasDeleted && prev) {
        // An older version carrying the deletion still deletes the stored punch.
        const labor = prev.contribution.labor;
        next = {
          modifiedAt: prev.modifiedAt,
          version: prev.version,
          contribution: {
            sales: [],
            refunds: [],
            labor: labor && { ...labor, seconds: 0, cents: 0, open: null },
          },
        };
      }
    }
    if (!next) return [];
    const touched = new Set<string>(datesOf(next.contribution));
    if (prev) {
      addContribution(locIndex, entity, prev.contribution, -1);
      for (const date of datesOf(prev.contribution)) touched.add(date);
    }
    addContribution(locIndex, entity, next.contribution, 1);
    applied.set(entity, next);
    return [...touched];
  };

  for (const step of steps) {
    if (step.kind === "judgeClosedDays") {
      judge(step.clock, -1);
      continue;
    }
    if (step.kind === "recomputeOpenDays") {
      // pipeline.recompute_open_days: days with an open punch clocked in within 16 h + 1 day.
      const since = step.clock - (MAX_OPEN_SHIFT_SECONDS + 86_400) * 1000;
      for (const key of [...open.keys()].sort(byLocationAndDate)) {
        const punchesOpen = [...open.get(key)!.values()];
        if (!punchesOpen.some((p) => p.clockedInAt > since)) continue;
        const [loc, date] = key.split("|");
        recompute(Number(loc), date, step.clock, -1);
      }
      continue;
    }
    if (step.kind === "vendorSync") {
      for (const locIndex of step.locationIndexes) {
        const touched = new Set<string>();
        for (const o of sim.orders) {
          if (o.locationIndex !== locIndex) continue;
          const v = vendorVersion(o.versions, step.clock);
          if (v >= 0 && applied.get(`order:${o.guid}`)?.version !== v) {
            for (const date of apply(locIndex, `order:${o.guid}`, v, true)) touched.add(date);
          }
        }
        for (const p of sim.punches) {
          if (p.locationIndex !== locIndex) continue;
          const v = vendorVersion(p.versions, step.clock);
          // A punch deleted before anything of it arrived is neither listed (7shifts lists no
          // deleted punch) nor looked up (nothing stored): the sync never learns of it.
          if (v >= 0 && p.versions[v].deleted && !applied.has(`punch:${p.id}`)) continue;
          if (v >= 0 && applied.get(`punch:${p.id}`)?.version !== v) {
            for (const date of apply(locIndex, `punch:${p.id}`, v, true)) touched.add(date);
          }
        }
        for (const date of [...touched].sort()) recompute(locIndex, date, step.clock, -1);
      }
      continue;
    }
    const d = step.delivery;
    const touched = apply(d.locationIndex, d.entity, d.versionIndex, false);
    for (const date of touched.sort()) recompute(d.locationIndex, date, step.clock, d.seq);
  }
  return alerts;
}

/** Orders `"<location>|<date>"` keys as the system does: by location id, then date. */
function byLocationAndDate(a: string, b: string): number {
  const [la, da] = a.split("|");
  const [lb, db] = b.split("|");
  return Number(la) - Number(lb) || da.localeCompare(db);
}

/**
 * The version of an order or punch its vendor's API shows at `clock`: the newest made by then
 * (a break edit counts from when it was made), or -1 when none was.
 */
export function vendorVersion(
  versions: ReadonlyArray<{ modifiedAt: number; editedAt?: number }>,
  clock: number,
): number {
  let found = -1;
  versions.forEach((v, i) => {
    if ((v.editedAt ?? v.modifiedAt) <= clock) found = i;
  });
  return found;
}
