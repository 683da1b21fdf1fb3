/**
 * The simulator's ground truth: the daily figures per location and business day, computed
 * from its own integer-cent records of what it generated (the newest version of every order
 * and punch), never from the payloads and never with `shared/` code.
 *
 * Net sales follow Toast's "Calculating net sales using the orders API": an order counts
 * unless voided, deleted or `excessFood`; a check counts unless voided or deleted; its sales
 * are its non-voided menu item selections (after item discounts), minus its check-level
 * discount, plus its non-gratuity service charges other than fundraising; gift cards
 * (`deferred`) and house account payments are not sales; refunds come off on their refund
 * business date. Labor: each non-deleted punch's paid seconds (clocked time minus unpaid,
 * non-deleted breaks) at its wage, `round(paidSeconds × wage / 3600)` per punch, on the
 * business day of its clock-in. Ratios: labor % in basis points, CPLH and SPLH in cents, each
 * rounded half away from zero and null when its denominator is not positive.
 *
 * @module
 */
import { roundDivNumber } from "./arith.ts";
import type {
  SimCheck,
  SimLocation,
  SimOrder,
  SimOrderVersion,
  SimPunch,
  SimPunchVersion,
} from "./model.ts";
import { businessDateAt } from "./time.ts";

/** The figures of one location and business day (the columns of `public.daily_metrics`). */
export interface DayFigures {
  netSalesCents: number;
  refundCents: number;
  laborCostCents: number;
  paidLaborSeconds: number;
  /** Paid seconds in whole minutes, rounded half away from zero. */
  paidLaborMinutes: number;
  laborPctBp: number | null;
  cplhCents: number | null;
  splhCents: number | null;
  /** Orders that count: neither voided, deleted nor excess food (waste is no order). */
  orderCount: number;
  punchCount: number;
  /** Punches still open (no clock-out) in their newest version; none once a run is over. */
  openPunchCount: number;
}

/** Figures keyed by location index and business date. */
export interface TruthRow extends DayFigures {
  locationIndex: number;
  businessDate: string;
}

/** Running totals of one day before the ratios. */
export interface DayTotals {
  orderSalesCents: number;
  refundCents: number;
  laborCostCents: number;
  paidLaborSeconds: number;
  orderCount: number;
  punchCount: number;
  openPunchCount: number;
}

/** An empty day. */
export function emptyTotals(): DayTotals {
  return {
    orderSalesCents: 0,
    refundCents: 0,
    laborCostCents: 0,
    paidLaborSeconds: 0,
    orderCount: 0,
    punchCount: 0,
    openPunchCount: 0,
  };
}

/** The ratios of a day from its totals. */
export function figuresOf(t: DayTotals): DayFigures {
  const net = t.orderSalesCents - t.refundCents;
  return {
    netSalesCents: net,
    refundCents: t.refundCents,
    laborCostCents: t.laborCostCents,
    paidLaborSeconds: t.paidLaborSeconds,
    paidLaborMinutes: roundDivNumber(t.paidLaborSeconds, 60),
    laborPctBp: net > 0 ? roundDivNumber(t.laborCostCents * 10_000, net) : null,
    cplhCents: t.paidLaborSeconds > 0
      ? roundDivNumber(t.laborCostCents * 3600, t.paidLaborSeconds)
      : null,
    splhCents: t.paidLaborSeconds > 0 ? roundDivNumber(net * 3600, t.paidLaborSeconds) : null,
    orderCount: t.orderCount,
    punchCount: t.punchCount,
    openPunchCount: t.openPunchCount,
  };
}

function checkCounts(c: SimCheck): boolean {
  return !c.voided && !c.deleted;
}

/** Net sales of one check by Toast's recipe, from the simulator's own lines. */
export function checkSalesCents(c: SimCheck): number {
  let cents = 0;
  for (const s of c.selections) {
    if (s.voided || s.deferred || s.selectionType !== "NONE") continue;
    cents += s.unitPriceCents * s.quantity - s.discountCents;
  }
  for (const sc of c.serviceCharges) {
    if (!sc.gratuity && sc.category !== "FUNDRAISING_CAMPAIGN") cents += sc.chargeCents;
  }
  return cents - c.checkDiscountCents;
}

/** True when the version counts toward sales at all. */
export function orderVersionCounts(v: SimOrderVersion): boolean {
  return !v.voided && !v.deleted && !v.excessFood;
}

/** Sales of an order version (0 when it does not count). */
export function orderVersionSalesCents(v: SimOrderVersion): number {
  if (!orderVersionCounts(v)) return 0;
  return v.checks.filter(checkCounts).reduce((t, c) => t + checkSalesCents(c), 0);
}

/** Refunds of an order version by refund business date (empty when it does not count). */
export function orderVersionRefunds(v: SimOrderVersion): Array<{ date: string; cents: number }> {
  if (!orderVersionCounts(v)) return [];
  const out: Array<{ date: string; cents: number }> = [];
  for (const c of v.checks.filter(checkCounts)) {
    for (const p of c.payments) {
      if (p.status !== "CAPTURED" || !p.refund) continue;
      out.push({ date: p.refund.refundBusinessDate, cents: p.refund.salesRefundCents });
    }
  }
  return out;
}

/** An instant (epoch ms) cut to its whole second: the rule for every punch and break time. */
const wholeSecond = (ms: number) => Math.floor(ms / 1000);

/**
 * Paid seconds of a closed punch version: clocked time minus the time covered by its unpaid,
 * non-deleted breaks within the punch, each instant cut to its whole second before
 * subtracting. Breaks may overlap (7shifts records a break started twice, or a paid one
 * running into an unpaid one): a second covered by two unpaid breaks is unpaid once, and a
 * paid break pays nothing back of an unpaid one.
 */
export function punchPaidSeconds(v: SimPunchVersion): number {
  if (v.clockedOutAt === null) throw new RangeError("an open punch has no paid time yet");
  const punchIn = wholeSecond(v.clockedInAt);
  const punchOut = wholeSecond(v.clockedOutAt);
  // A sweep over the unpaid breaks' starts (+1) and ends (-1): time with one or more open
  // is unpaid.
  const edges: Array<{ at: number; step: 1 | -1 }> = [];
  for (const b of v.breaks) {
    if (b.paid || b.deleted) continue;
    const from = Math.max(wholeSecond(b.inAt), punchIn);
    const to = Math.min(wholeSecond(b.outAt), punchOut);
    if (to > from) edges.push({ at: from, step: 1 }, { at: to, step: -1 });
  }
  edges.sort((x, y) => x.at - y.at || x.step - y.step);
  let open = 0;
  let since = 0;
  let unpaid = 0;
  for (const e of edges) {
    if (open === 0) since = e.at;
    open += e.step;
    if (open === 0) unpaid += e.at - since;
  }
  return punchOut - punchIn - unpaid;
}

/**
 * Labor cost of a punch in cents: `round(paidSeconds × wage / 3600)` with the wage exact in
 * hundredths of a cent, so `round(paidSeconds × wageCentiCents / 360000)`, rounded once.
 */
export function punchCostCents(paidSeconds: number, wageCentiCents: number): number {
  return roundDivNumber(paidSeconds * wageCentiCents, 360_000);
}

/**
 * The version a correct system ends up with: the latest `modified`, and of two with the same
 * (7shifts' break edits may not move it), the later one.
 */
function newest<T extends { modifiedAt: number }>(versions: readonly T[]): T {
  return versions.reduce((a, b) => (b.modifiedAt >= a.modifiedAt ? b : a));
}

const key = (locationIndex: number, date: string) => `${locationIndex}|${date}`;

/**
 * The final figures of every location and business day the run touched (orders' days,
 * refund days, punches' days, and any day an earlier version of a record was on), sorted
 * by location then date.
 */
export function groundTruth(
  locations: readonly SimLocation[],
  orders: readonly SimOrder[],
  punches: readonly SimPunch[],
): TruthRow[] {
  const days = new Map<string, DayTotals>();
  const day = (loc: number, date: string) => {
    let t = days.get(key(loc, date));
    if (!t) days.set(key(loc, date), t = emptyTotals());
    return t;
  };
  for (const o of orders) {
    const v = newest(o.versions);
    const t = day(o.locationIndex, o.businessDate);
    t.orderSalesCents += orderVersionSalesCents(v);
    if (orderVersionCounts(v)) t.orderCount += 1;
    for (const old of o.versions) {
      for (const r of orderVersionRefunds(old)) day(o.locationIndex, r.date);
    }
    for (const r of orderVersionRefunds(v)) day(o.locationIndex, r.date).refundCents += r.cents;
  }
  for (const p of punches) {
    const loc = locations[p.locationIndex];
    // Days an older version sat on are touched too (the system keeps a row of zeros there).
    for (const old of p.versions) {
      day(p.locationIndex, businessDateAt(old.clockedInAt, loc.timeZone, loc.cutoffHour));
    }
    const v = newest(p.versions);
    if (v.deleted) continue;
    const t = day(p.locationIndex, businessDateAt(v.clockedInAt, loc.timeZone, loc.cutoffHour));
    // (An open newest version throws here: the truth is for runs whose punches all closed, so
    // openPunchCount stays 0 and the system must show none open either.)
    const paid = punchPaidSeconds(v);
    t.paidLaborSeconds += paid;
    t.laborCostCents += punchCostCents(paid, v.hourlyWageCentiCents);
    t.punchCount += 1;
  }
  return [...days.entries()]
    .map(([k, t]) => {
      const [loc, date] = k.split("|");
      return { locationIndex: Number(loc), businessDate: date, ...figuresOf(t) };
    })
    .sort((a, b) =>
      a.locationIndex - b.locationIndex || a.businessDate.localeCompare(b.businessDate)
    );
}
