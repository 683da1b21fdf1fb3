/**
 * The one TypeScript definition of the daily figures of a location and business day.
 *
 * Mirrored exactly, rounding for rounding, by the database's recompute in
 * supabase/migrations/20261128000300_metrics.sql (`pipeline.write_daily_metrics`: the day's
 * running order totals, refunds and punches through `pipeline.daily_metrics_from_totals`),
 * which runs on every change; tests/metrics/parity_test.ts holds them to it. The rules:
 *
 * - **Net sales** = Σ net sales of the counted orders (neither voided, deleted nor excess food)
 *   − Σ refunds whose refund business date is this day. It can be negative when refunds
 *   exceed sales.
 * - **Paid seconds of a punch** (deleted punches count for nothing):
 *   closed punch with `paidSeconds` → `paidSeconds` as ingested;
 *   otherwise `end − clockedIn − unpaidBreakSeconds`, never negative, where `end` is
 *   `clockedOutAt`, or for an open punch `min(asOf, clockedIn + maxOpenShiftSeconds)`: an open
 *   punch accrues until now, but a forgotten clock-out stops accruing after the maximum shift
 *   (default {@link MAX_OPEN_SHIFT_SECONDS}, 16 h). Instants are truncated to whole seconds
 *   before subtracting (the database keeps microseconds, JS milliseconds; both agree on
 *   whole seconds).
 * - **Labor cost** = Σ over punches of `round(paidSeconds × hourlyWageCents / 3600)` + the
 *   punch's overtime premium: each punch is rounded to the cent on its own, as a payroll line
 *   would be, once: the wage is exact to a hundredth of a cent ($15.125 an hour is 1512.5 ¢)
 *   and is never rounded first. The premium (shared/overtime.ts, rounded once per punch)
 *   depends on the employee's whole workweek, so it comes in with the punch.
 * - **Overtime minutes** = `round(Σ overtime seconds / 60)`; **overtime premium** = Σ premiums.
 * - **Paid minutes** = `round(paidLaborSeconds / 60)`.
 * - **Labor % in basis points** (hundredths of a percent, 2500 = 25.00 %) =
 *   `round(laborCost × 10000 / netSales)`; null when net sales are zero **or negative**
 *   (refunds exceeding sales make the ratio meaningless to an operator, and a negative
 *   labor % would read as "under target").
 * - **CPLH** (cents per labor hour) = `round(laborCost × 3600 / paidLaborSeconds)`;
 *   **SPLH** = `round(netSales × 3600 / paidLaborSeconds)` (negative when net sales are);
 *   both null when no paid second was worked.
 * - Counts: orders counted toward sales (an excess-food order, Toast's waste tracking, is no
 *   order), non-deleted punches, non-deleted open punches.
 *
 * "round" is {@link divideRoundHalfAway} (half away from zero, exact on BigInt). Pure: the
 * clock is an input (`asOf`), never read here.
 *
 * @module
 */
import { exactUnits } from "./money.ts";
import { divideRoundHalfAwayBig, toBigInt, toSafeNumber } from "./rounding.ts";

/**
 * The longest an open punch accrues labor, in seconds (16 h): longer than any real shift,
 * short enough that a forgotten clock-out does not inflate a day's labor indefinitely.
 * Mirrored by `pipeline.max_open_shift_seconds()`.
 */
export const MAX_OPEN_SHIFT_SECONDS = 16 * 60 * 60;

/** An order of the day, as far as the daily figures care. */
export interface DayOrder {
  /** Net sales of the order in cents (may be 0). */
  netSalesCents: number;
  voided: boolean;
  deleted: boolean;
  /** Toast `excessFood`: food recorded as waste, not sold. */
  excessFood: boolean;
}

/** A refund counted on this day (its refund business date), in cents. */
export interface DayRefund {
  refundCents: number;
}

/** A time punch of the day (its business date is this day). */
export interface DayPunch {
  /** ISO-8601 instant with offset, or a Date. */
  clockedInAt: string | Date;
  /** ISO-8601 instant or Date; null while the punch is open. */
  clockedOutAt: string | Date | null;
  /** Unpaid break seconds (non-negative). */
  unpaidBreakSeconds: number;
  /** Paid seconds as ingested for a closed punch; null while open. */
  paidSeconds: number | null;
  /** Hourly wage in cents (non-negative), exact to a hundredth of a cent (≤ 2 decimals). */
  hourlyWageCents: number;
  deleted: boolean;
  /** Overtime seconds of the punch at the clock (shared/overtime.ts); default 0. */
  overtimeSeconds?: number;
  /** Its overtime premium in cents; default 0. */
  overtimePremiumCents?: number;
}

/** Everything the daily figures are computed from. */
export interface DayInputs {
  orders: readonly DayOrder[];
  refunds: readonly DayRefund[];
  punches: readonly DayPunch[];
  /** The clock: open punches accrue until this instant. */
  asOf: string | Date;
  /** Cap on an open punch's accrual, in seconds; defaults to {@link MAX_OPEN_SHIFT_SECONDS}. */
  maxOpenShiftSeconds?: number;
}

/** The daily figures; one field per column of `public.daily_metrics`. */
export interface DailyMetrics {
  netSalesCents: number;
  refundCents: number;
  laborCostCents: number;
  paidLaborSeconds: number;
  paidLaborMinutes: number;
  /** Labor cost / net sales in basis points; null when net sales are zero or negative. */
  laborPctBp: number | null;
  /** Cost per labor hour in cents; null when no paid second was worked. */
  cplhCents: number | null;
  /** Sales per labor hour in cents; null when no paid second was worked. */
  splhCents: number | null;
  orderCount: number;
  punchCount: number;
  openPunchCount: number;
  /** Overtime worked on the day, in minutes (rounded once from seconds). */
  overtimeMinutes: number;
  /** The overtime premium included in labor cost, in cents. */
  overtimePremiumCents: number;
}

/**
 * Whole seconds since the epoch of an instant, truncated toward −∞ (so millisecond and
 * microsecond representations of the same instant agree).
 *
 * @throws RangeError when the string is not a parseable instant.
 */
export function epochSeconds(instant: string | Date): number {
  const ms = instant instanceof Date ? instant.getTime() : Date.parse(instant);
  if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${String(instant)}`);
  return Math.floor(ms / 1000);
}

function nonNegativeInteger(value: number, name: string): bigint {
  const big = toBigInt(value, name);
  if (big < 0n) throw new RangeError(`${name} must not be negative, got ${value}`);
  return big;
}

/**
 * True when an order counts toward the day's sales and order count: not voided, not deleted,
 * not excess food. Mirrored by `pipeline.order_counts`.
 */
export function orderCounts(order: DayOrder): boolean {
  return !order.voided && !order.deleted && !order.excessFood;
}

/**
 * Paid seconds of a non-deleted punch at the clock `asOf` (see the module rules: ingested
 * `paidSeconds` for a closed punch, otherwise clocked time minus unpaid breaks, an open punch
 * capped at `maxOpenShiftSeconds`; never negative).
 */
export function punchPaidSeconds(
  punch: DayPunch,
  asOf: string | Date,
  maxOpenShiftSeconds: number = MAX_OPEN_SHIFT_SECONDS,
): number {
  const unpaid = nonNegativeInteger(punch.unpaidBreakSeconds, "unpaidBreakSeconds");
  if (punch.clockedOutAt !== null && punch.paidSeconds !== null) {
    return toSafeNumber(nonNegativeInteger(punch.paidSeconds, "paidSeconds"));
  }
  const start = BigInt(epochSeconds(punch.clockedInAt));
  let end: bigint;
  if (punch.clockedOutAt !== null) {
    end = BigInt(epochSeconds(punch.clockedOutAt));
  } else {
    const cap = start + nonNegativeInteger(maxOpenShiftSeconds, "maxOpenShiftSeconds");
    const now = BigInt(epochSeconds(asOf));
    end = now < cap ? now : cap;
  }
  const paid = end - start - unpaid;
  return toSafeNumber(paid > 0n ? paid : 0n, "paidSeconds");
}

/**
 * Labor cost of one punch in cents: `round(paidSeconds × hourlyWageCents / 3600)`, computed
 * exactly on the wage in hundredths of a cent (`round(paidSeconds × W / 360000)`).
 *
 * @throws RangeError for a negative wage or one finer than a hundredth of a cent.
 */
export function punchLaborCostCents(paidSeconds: number, hourlyWageCents: number): number {
  const wage = exactUnits(hourlyWageCents, 2);
  if (!wage.ok || wage.units < 0n) {
    throw new RangeError(
      `hourlyWageCents must be non-negative cents with at most two decimals, got ${hourlyWageCents}`,
    );
  }
  const product = nonNegativeInteger(paidSeconds, "paidSeconds") * wage.units;
  return toSafeNumber(divideRoundHalfAwayBig(product, 360_000n), "laborCostCents");
}

/** Labor % of net sales in basis points; null when net sales are zero or negative. */
export function laborPctBp(laborCostCents: number, netSalesCents: number): number | null {
  const sales = toBigInt(netSalesCents, "netSalesCents");
  if (sales <= 0n) return null;
  return toSafeNumber(
    divideRoundHalfAwayBig(toBigInt(laborCostCents, "laborCostCents") * 10000n, sales),
    "laborPctBp",
  );
}

/** Cost per labor hour in cents; null when no paid second was worked. */
export function costPerLaborHourCents(
  laborCostCents: number,
  paidLaborSeconds: number,
): number | null {
  return perLaborHour(laborCostCents, paidLaborSeconds, "cplhCents");
}

/** Sales per labor hour in cents (negative with negative net sales); null with no paid time. */
export function salesPerLaborHourCents(
  netSalesCents: number,
  paidLaborSeconds: number,
): number | null {
  return perLaborHour(netSalesCents, paidLaborSeconds, "splhCents");
}

function perLaborHour(cents: number, paidLaborSeconds: number, name: string): number | null {
  const seconds = nonNegativeInteger(paidLaborSeconds, "paidLaborSeconds");
  if (seconds === 0n) return null;
  return toSafeNumber(divideRoundHalfAwayBig(toBigInt(cents, name) * 3600n, seconds), name);
}

/** The daily figures of one location and business day (see the module rules). */
export function computeDailyMetrics(day: DayInputs): DailyMetrics {
  const maxOpenShiftSeconds = day.maxOpenShiftSeconds ?? MAX_OPEN_SHIFT_SECONDS;
  let orderSales = 0n;
  let orderCount = 0;
  for (const order of day.orders) {
    if (!orderCounts(order)) continue;
    orderSales += toBigInt(order.netSalesCents, "netSalesCents");
    orderCount++;
  }
  let refunds = 0n;
  for (const refund of day.refunds) refunds += toBigInt(refund.refundCents, "refundCents");

  let paidSeconds = 0n;
  let laborCost = 0n;
  let punchCount = 0;
  let openPunchCount = 0;
  let overtimeSeconds = 0n;
  let premium = 0n;
  for (const punch of day.punches) {
    if (punch.deleted) continue;
    const paid = punchPaidSeconds(punch, day.asOf, maxOpenShiftSeconds);
    const punchPremium = toBigInt(punch.overtimePremiumCents ?? 0, "overtimePremiumCents");
    paidSeconds += BigInt(paid);
    laborCost += BigInt(punchLaborCostCents(paid, punch.hourlyWageCents)) + punchPremium;
    overtimeSeconds += toBigInt(punch.overtimeSeconds ?? 0, "overtimeSeconds");
    premium += punchPremium;
    punchCount++;
    if (punch.clockedOutAt === null) openPunchCount++;
  }

  const netSalesCents = toSafeNumber(orderSales - refunds, "netSalesCents");
  const laborCostCents = toSafeNumber(laborCost, "laborCostCents");
  const paidLaborSeconds = toSafeNumber(paidSeconds, "paidLaborSeconds");
  return {
    netSalesCents,
    refundCents: toSafeNumber(refunds, "refundCents"),
    laborCostCents,
    paidLaborSeconds,
    paidLaborMinutes: toSafeNumber(divideRoundHalfAwayBig(paidSeconds, 60n), "paidLaborMinutes"),
    laborPctBp: laborPctBp(laborCostCents, netSalesCents),
    cplhCents: costPerLaborHourCents(laborCostCents, paidLaborSeconds),
    splhCents: salesPerLaborHourCents(netSalesCents, paidLaborSeconds),
    orderCount,
    punchCount,
    openPunchCount,
    overtimeMinutes: toSafeNumber(divideRoundHalfAwayBig(overtimeSeconds, 60n), "overtimeMinutes"),
    overtimePremiumCents: toSafeNumber(premium, "overtimePremiumCents"),
  };
}
