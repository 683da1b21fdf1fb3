/**
 * The alerts a correct system raises for a run, predicted from the simulator's own records
 * and the order its deliveries were accepted in: the figures of each touched day after each
 * accepted delivery (newest version of each order and punch wins, a deleted punch stays
 * deleted), run through the documented per-day state machine (issue 5 and the alerts
 * migration's header):
 *
 * - levels: `over` when labor % > target, `critical` when > target + critical margin;
 * - from `ok` or `recovered`: a new episode at the current level, only once net sales reach the
 *   floor and only for the location's current or previous business day; after a recovery only
 *   once labor % is above target + hysteresis;
 * - `over` → `critical` (floor met), `over`/`critical` → `recovered` once labor % ≤ target −
 *   hysteresis (the target itself on a closed day, before the current business day);
 * - no labor % (net sales ≤ 0): nothing happens.
 *
 * Open punches accrue until the database's clock, which the simulator cannot know: a run
 * whose alerts are predicted must not send open punch versions (`openPunches: false`).
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
  /** The delivery whose acceptance caused it. */
  deliverySeq: number;
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

interface Contribution {
  sales: Array<{ date: string; cents: number }>;
  refunds: Array<{ date: string; cents: number }>;
  labor: { date: string; seconds: number; cents: number } | null;
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
    return { sales: [], refunds: [], labor: { date, seconds: 0, cents: 0 } };
  }
  if (v.clockedOutAt === null) {
    throw new RangeError("alerts cannot be predicted for open punches (use openPunches: false)");
  }
  const seconds = punchPaidSeconds(v);
  return {
    sales: [],
    refunds: [],
    labor: { date, seconds, cents: punchCostCents(seconds, v.hourlyWageCentiCents) },
  };
}

/**
 * Replays the accepted deliveries (in the order each location's stream was accepted, with
 * the real time each was accepted at, which decides the location's current business day) and
 * returns the alerts, in order per location.
 */
export function predictAlerts(
  sim: Simulation,
  accepted: ReadonlyArray<{ delivery: Delivery; acceptedAt: number }>,
  rules: readonly AlertRules[],
): ExpectedAlert[] {
  const orders = new Map(sim.orders.map((o) => [`order:${o.guid}`, o]));
  const punches = new Map(sim.punches.map((p) => [`punch:${p.id}`, p]));
  const applied = new Map<string, { modifiedAt: number; contribution: Contribution }>();
  const tombstones = new Set<string>();
  const totals = new Map<string, DayTotals>();
  const states = new Map<string, AlertState>();
  const alerts: ExpectedAlert[] = [];
  const dayKey = (loc: number, date: string) => `${loc}|${date}`;
  const totalsOf = (loc: number, date: string) => {
    let t = totals.get(dayKey(loc, date));
    if (!t) totals.set(dayKey(loc, date), t = emptyTotals());
    return t;
  };
  const addContribution = (loc: number, c: Contribution, sign: 1 | -1) => {
    for (const s of c.sales) totalsOf(loc, s.date).orderSalesCents += sign * s.cents;
    for (const r of c.refunds) totalsOf(loc, r.date).refundCents += sign * r.cents;
    if (c.labor) {
      const t = totalsOf(loc, c.labor.date);
      t.paidLaborSeconds += sign * c.labor.seconds;
      t.laborCostCents += sign * c.labor.cents;
    }
  };
  const datesOf = (c: Contribution) => [
    ...c.sales.map((s) => s.date),
    ...c.refunds.map((r) => r.date),
    ...(c.labor ? [c.labor.date] : []),
  ];

  for (const { delivery: d, acceptedAt } of accepted) {
    const loc = sim.locations[d.locationIndex];
    const prev = applied.get(d.entity);
    let next: { modifiedAt: number; contribution: Contribution } | null = null;
    if (d.entity.startsWith("order:")) {
      const order = orders.get(d.entity);
      const v = order?.versions[d.versionIndex];
      if (!order || !v) continue;
      if (!prev || v.modifiedAt > prev.modifiedAt) {
        next = { modifiedAt: v.modifiedAt, contribution: orderContribution(v, order.businessDate) };
      }
    } else {
      const punch = punches.get(d.entity);
      const v = punch?.versions[d.versionIndex];
      if (!punch || !v) continue;
      const wasDeleted = tombstones.has(d.entity);
      if (v.deleted) tombstones.add(d.entity);
      const deleted = tombstones.has(d.entity);
      if (!prev || v.modifiedAt > prev.modifiedAt) {
        next = {
          modifiedAt: v.modifiedAt,
          contribution: punchContribution(v, deleted, loc.timeZone, loc.cutoffHour),
        };
      } else if (deleted && !wasDeleted) {
        // An older version carrying the deletion still deletes the stored punch.
        next = {
          modifiedAt: prev.modifiedAt,
          contribution: {
            sales: [],
            refunds: [],
            labor: prev.contribution.labor && { ...prev.contribution.labor, seconds: 0, cents: 0 },
          },
        };
      }
    }
    if (!next) continue;
    const touched = new Set<string>(datesOf(next.contribution));
    if (prev) {
      addContribution(d.locationIndex, prev.contribution, -1);
      for (const date of datesOf(prev.contribution)) touched.add(date);
    }
    addContribution(d.locationIndex, next.contribution, 1);
    applied.set(d.entity, next);

    const today = businessDateAt(acceptedAt, loc.timeZone, loc.cutoffHour);
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString()
      .slice(0, 10);
    for (const date of [...touched].sort()) {
      const f = figuresOf(totalsOf(d.locationIndex, date));
      if (f.laborPctBp === null) continue;
      const key = dayKey(d.locationIndex, date);
      const state = states.get(key) ?? "ok";
      const kind = nextAlertState(state, f.laborPctBp, f.netSalesCents, rules[d.locationIndex], {
        closed: date < today,
        mayOpenEpisode: date >= yesterday,
      });
      if (!kind) continue;
      states.set(key, kind);
      alerts.push({
        locationIndex: d.locationIndex,
        businessDate: date,
        kind,
        fromState: state,
        laborPctBp: f.laborPctBp,
        netSalesCents: f.netSalesCents,
        deliverySeq: d.seq,
      });
    }
  }
  return alerts;
}
