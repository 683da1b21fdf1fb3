/**
 * The normalised records that cross from the TypeScript core into Postgres.
 *
 * Every webhook is parsed and normalised in `shared/` (pure), then handed to one SQL
 * function as JSON of these shapes. Money is integer cents, time is ISO-8601 instants
 * (UTC) and integer seconds. Field names are the JSON keys the SQL functions read.
 *
 * @module
 */

/** A Toast order reduced to what the daily figures need. All amounts in integer cents. */
export interface NormalizedOrder {
  /** Toast order GUID. */
  orderGuid: string;
  /** Business date as `YYYY-MM-DD` (Toast sends an int `yyyyMMdd`). */
  businessDate: string;
  /** Net sales per Toast's recipe; 0 for a voided, deleted or excess-food order. */
  netSalesCents: number;
  /** Gross sales before discounts (same exclusions as net sales). */
  grossSalesCents: number;
  discountCents: number;
  taxCents: number;
  /** Tips left on payments (not revenue). */
  tipCents: number;
  /** Gratuity service charges (not revenue). */
  gratuityCents: number;
  /** Deferred selections (gift card sales): not revenue until redeemed. */
  deferredCents: number;
  /** Number of checks that count toward sales. */
  checkCount: number;
  voided: boolean;
  deleted: boolean;
  excessFood: boolean;
  /** Toast `modifiedDate` (ISO instant): the version used to ignore older redeliveries. */
  modifiedAt: string;
  /** Refunds, each counted on its own refund business date. */
  refunds: NormalizedRefund[];
}

/** One refunded payment of an order, counted against sales on `refundBusinessDate`. */
export interface NormalizedRefund {
  /** Payment GUID the refund belongs to (unique within the order). */
  paymentGuid: string;
  /** `YYYY-MM-DD`. */
  refundBusinessDate: string;
  /** Refunded sales amount, excluding tax and tip refunds, in cents (positive). */
  refundCents: number;
  /** Refunded tip, in cents (positive). */
  tipRefundCents: number;
}

/** A 7shifts time punch reduced to what labor cost needs. */
export interface NormalizedPunch {
  /** 7shifts punch id. */
  punchId: number;
  companyId: number;
  /** 7shifts location id. */
  locationId: number;
  userId: number | null;
  roleId: number | null;
  departmentId: number | null;
  /** ISO instant (UTC). */
  clockedInAt: string;
  /** ISO instant (UTC); null while the punch is open. */
  clockedOutAt: string | null;
  /** Unpaid, non-deleted, closed breaks, in seconds. */
  unpaidBreakSeconds: number;
  /** Paid seconds (clocked time minus unpaid breaks, never negative); null while open. */
  paidSeconds: number | null;
  /**
   * Hourly wage in cents, exact to a hundredth of a cent: at most two decimals ($15.125 an
   * hour is 1512.5), read through its shortest decimal text, which JSON carries to SQL exactly.
   */
  hourlyWageCents: number;
  approved: boolean;
  deleted: boolean;
  /** 7shifts `modified` (ISO instant): the version used to ignore older redeliveries. */
  modifiedAt: string;
}
