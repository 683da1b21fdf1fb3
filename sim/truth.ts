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
 * business day of its clock-in. Overtime: per employee and workweek (from local midnight of
 * the company's first weekday), the paid seconds past 40 hours in clock-in order are paid half
 * again, `round(seconds × wage × 50 / 100 / 3600)` per punch, on that punch's day and in its
 * labor cost. Ratios: labor % in basis points, CPLH and SPLH in cents, each rounded half away
 * from zero and null when its denominator is not positive.
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
  /** Overtime worked on the day in whole minutes, and its premium (in labor cost). */
  overtimeMinutes: number;
  overtimePremiumCents: number;
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
  overtimeSeconds: number;
  overtimePremiumCents: number;
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
    overtimeSeconds: 0,
    overtimePremiumCents: 0,
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
    overtimeMinutes: roundDivNumber(t.overtimeSeconds, 60),
    overtimePremiumCents: t.overtimePremiumCents,
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
 * Overtime of every final, non-deleted punch: per company and user, punches grouped by
 * workweek (the local date of the clock-in, back to the company's first weekday), in clock-in
 * order (ties by id); whatever lies past 40 hours of the week is overtime, paid half again at
 * the punch's own wage, rounded per punch.
 */
export function weeklyOvertime(
  locations: readonly SimLocation[],
  punches: readonly SimPunch[],
): Map<number, { seconds: number; premiumCents: number }> {
  const weeks = new Map<string, Array<{ id: number; at: number; paid: number; wage: number }>>();
  for (const p of punches) {
    const v = newest(p.versions);
    if (v.deleted || v.clockedOutAt === null) continue;
    const loc = locations[p.locationIndex];
    const date = businessDateAt(v.clockedInAt, loc.timeZone, 0);
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay() || 7;
    const back = (weekday - (loc.workweekStartIsoDay ?? 1) + 7) % 7;
    const start = new Date(Date.parse(`${date}T00:00:00Z`) - back * 86_400_000);
    const k = `${loc.sevenShiftsCompanyId}/${p.userId}/${start.toISOString().slice(0, 10)}`;
    const list = weeks.get(k) ?? [];
    list.push({
      id: p.id,
      at: Math.floor(v.clockedInAt / 1000),
      paid: punchPaidSeconds(v),
      wage: v.hourlyWageCentiCents,
    });
    weeks.set(k, list);
  }
  const out = new Map<number, { seconds: number; premiumCents: number }>();
  for (const list of weeks.values()) {
    list.sort((a, b) => a.at - b.at || a.id - b.id);
    let worked = 0;
    for (const x of list) {
      const before = worked;
      worked += x.paid;
      const seconds = Math.max(0, worked - Math.max(before, 40 * 3600));
      out.set(x.id, {
        seconds,
        premiumCents: roundDivNumber(seconds * x.wage * 50, 36_000_000),
      });
    }
  }
  return out;
}

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
  const overtime = weeklyOvertime(locations, punches);
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
    const ot = overtime.get(p.id) ?? { seconds: 0, premiumCents: 0 };
    t.paidLaborSeconds += paid;
    t.laborCostCents += punchCostCents(paid, v.hourlyWageCentiCents) + ot.premiumCents;
    t.overtimeSeconds += ot.seconds;
    t.overtimePremiumCents += ot.premiumCents;
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
