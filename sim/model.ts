/**
 * The simulator's own record of what happened, in integer cents and epoch milliseconds:
 * what it renders into vendor payloads and what its ground truth is computed from.
 *
 * An order or a punch is a list of versions (snapshots), oldest first; the vendor sends one
 * webhook per version and the newest version is what a correct system ends up with.
 *
 * @module
 */

/** A simulated restaurant location and its vendor identities. */
export interface SimLocation {
  /** 0-based position in the run. */
  index: number;
  name: string;
  timeZone: string;
  /** Local hour the business day starts at (the project's default is 4). */
  cutoffHour: number;
  toastRestaurantGuid: string;
  sevenShiftsCompanyId: number;
  sevenShiftsLocationId: number;
  /** Labor target in basis points (2500 = 25.00 %). */
  laborTargetBp: number;
  /** Sales tax rate in millionths (88750 = 8.875 %). */
  taxRatePpm: number;
  /**
   * The ISO weekday (1 = Monday) its 7shifts company's workweek starts on, at local midnight;
   * overtime is paid past 40 hours of a workweek at 150 % (the federal rule). Default 1.
   */
  workweekStartIsoDay?: number;
}

/** `NONE` for menu items; the two special kinds Toast's net-sales recipe leaves out. */
export type SelectionType = "NONE" | "TOAST_CARD_SELL" | "HOUSE_ACCOUNT_PAY_BALANCE";

/** A menu item selection on a check. */
export interface SimSelection {
  guid: string;
  itemGuid: string;
  displayName: string;
  quantity: number;
  /** Price of one before discounts (`receiptLinePrice`). */
  unitPriceCents: number;
  /** Item-level discount in cents (0 when none). */
  discountCents: number;
  discountName: string | null;
  discountGuid: string | null;
  taxCents: number;
  voided: boolean;
  voidedAt: number | null;
  /** Gift card sale: revenue only when redeemed. */
  deferred: boolean;
  selectionType: SelectionType;
  createdAt: number;
  /** Set when the selection was refunded: the refund transaction and what it took back. */
  refund: { transactionGuid: string; refundCents: number; taxRefundCents: number } | null;
}

/** A service charge applied to a check. */
export interface SimServiceCharge {
  guid: string;
  serviceChargeGuid: string;
  name: string;
  chargeCents: number;
  gratuity: boolean;
  /** `FUNDRAISING_CAMPAIGN` charges are donations passed through, not revenue. */
  category: "SERVICE_CHARGE" | "FUNDRAISING_CAMPAIGN";
  chargeType: "FIXED" | "PERCENT";
  taxCents: number;
  /** Set when the charge was refunded (a whole-check refund gives every charge back). */
  refund: { transactionGuid: string; refundCents: number; taxRefundCents: number } | null;
}

/** A payment on a check, with its refund when there was one. */
export interface SimPayment {
  guid: string;
  type: "CREDIT" | "CASH" | "GIFTCARD";
  /** What the payment covered, tax included, tip excluded. */
  amountCents: number;
  tipCents: number;
  status: "CAPTURED" | "VOIDED";
  paidAt: number;
  paidBusinessDate: string;
  refund: SimRefund | null;
}

/** A refund of one payment. */
export interface SimRefund {
  transactionGuid: string;
  /** Toast's `refundAmount`: the refunded items and their tax, without the tip. */
  refundAmountCents: number;
  /** The sales part of the refund (items before tax): what net sales lose. */
  salesRefundCents: number;
  tipRefundCents: number;
  refundedAt: number;
  refundBusinessDate: string;
}

/** A check (a guest's bill) within an order. */
export interface SimCheck {
  guid: string;
  displayNumber: string;
  openedAt: number;
  closedAt: number | null;
  selections: SimSelection[];
  serviceCharges: SimServiceCharge[];
  /** Check-level discount in cents (0 when none). */
  checkDiscountCents: number;
  checkDiscountName: string | null;
  checkDiscountGuid: string | null;
  payments: SimPayment[];
  voided: boolean;
  voidedAt: number | null;
  deleted: boolean;
  deletedAt: number | null;
}

/** One version of an order, as Toast would send it. */
export interface SimOrderVersion {
  modifiedAt: number;
  /** What happened in this version, for people (`opened`, `closed`, `refund`, ...). */
  change: string;
  checks: SimCheck[];
  voided: boolean;
  voidedAt: number | null;
  deleted: boolean;
  deletedAt: number | null;
  excessFood: boolean;
  closedAt: number | null;
}

/** A Toast order and all its versions. */
export interface SimOrder {
  guid: string;
  locationIndex: number;
  businessDate: string;
  openedAt: number;
  diningOption: "DINE_IN" | "TAKE_OUT" | "DELIVERY";
  guests: number;
  displayNumber: string;
  versions: SimOrderVersion[];
}

/** A break within a punch. */
export interface SimBreak {
  id: number;
  paid: boolean;
  inAt: number;
  outAt: number;
  deleted: boolean;
}

/** One version of a time punch, as 7shifts would send it. */
export interface SimPunchVersion {
  topic: "time_punch.created" | "time_punch.edited" | "time_punch.deleted";
  modifiedAt: number;
  change: string;
  clockedInAt: number;
  clockedOutAt: number | null;
  breaks: SimBreak[];
  /** Hourly wage in hundredths of a cent ($15.125 an hour is 151250): exact, as 7shifts keeps it. */
  hourlyWageCentiCents: number;
  roleId: number;
  departmentId: number;
  approved: boolean;
  autoClockedOut: boolean;
  deleted: boolean;
  /**
   * A change 7shifts sends no webhook for (a break added, edited or deleted): only its API
   * shows it, and its `modified` may not move (it then equals the previous version's).
   */
  silent?: boolean;
  /** When the change was made (simulated epoch ms), when that is not `modifiedAt`. */
  editedAt?: number;
  /** When its webhook is sent, when not right after `modifiedAt` (earlier days' punches). */
  deliverAt?: number;
}

/** A 7shifts time punch and all its versions. */
export interface SimPunch {
  id: number;
  locationIndex: number;
  userId: number;
  shiftId: number;
  createdAt: number;
  versions: SimPunchVersion[];
}

/**
 * A published 7shifts shift (what `GET /v2/company/{id}/shifts` lists): who is expected to
 * work when, at what wage. Punches derive from it (sim/schedule_gen.ts).
 */
export interface SimScheduledShift {
  id: number;
  locationIndex: number;
  /** The business date it belongs to (the local date of its start, back by the cut-off). */
  businessDate: string;
  /** Null for an open (unassigned) shift nobody has picked up. */
  userId: number | null;
  roleId: number;
  departmentId: number;
  /** Start and end (epoch ms, whole minutes). */
  startsAt: number;
  endsAt: number;
  /** Hourly wage in whole cents (7shifts' v2 API gives cents). */
  hourlyWageCents: number;
  /** When the manager published it (its `modified`). */
  publishedAt: number;
}
