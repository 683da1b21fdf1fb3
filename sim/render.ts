/**
 * Renders the simulator's records as the vendors send them: a Toast `Order` (orders API
 * shape, decimal dollars, `yyyyMMdd` business dates, local times with offsets) and a
 * 7shifts time punch (the webhook samples' shape: UTC `clocked_in`, local `clocked_in_iso`,
 * `time_punch_breaks`, wage in dollars unless the account sends cents).
 *
 * @module
 */
import { centsToDollars } from "./arith.ts";
import type {
  SimCheck,
  SimLocation,
  SimOrder,
  SimOrderVersion,
  SimPayment,
  SimPunch,
  SimPunchVersion,
  SimScheduledShift,
  SimSelection,
} from "./model.ts";
import {
  businessDateAt,
  sevenShiftsIso,
  sevenShiftsUtc,
  toastDateInt,
  toastDateTime,
} from "./time.ts";
import {
  checkAmountCents,
  checkTaxCents,
  checkTotalCents,
  selectionPriceCents,
} from "./toast_gen.ts";

/** Unit of 7shifts' `hourly_wage` in the deliveries (see shared/sevenshifts.ts). */
export type WageUnit = "dollars" | "cents";

/** Toast's "no date" placeholder for `deletedDate` on rows that were never deleted. */
const TOAST_EPOCH = "1970-01-01T00:00:00.000+0000";

const ref = (guid: string | null, entityType: string) =>
  guid === null ? null : { guid, entityType };

/** Fixed GUIDs of the restaurant's configuration (dining options, menu group, device). */
export interface ToastConfigGuids {
  diningOptions: Record<SimOrder["diningOption"], string>;
  menuGroup: string;
  salesCategory: string;
  server: string;
  revenueCenter: string;
}

function renderSelection(s: SimSelection, tz: string, config: ToastConfigGuids) {
  const price = selectionPriceCents(s);
  return {
    guid: s.guid,
    entityType: "MenuItemSelection",
    externalId: null,
    item: ref(s.itemGuid, "MenuItem"),
    itemGroup: ref(config.menuGroup, "MenuGroup"),
    optionGroup: null,
    preModifier: null,
    quantity: s.quantity,
    seatNumber: s.selectionType === "NONE" ? 1 : -1,
    unitOfMeasure: "NONE",
    selectionType: s.selectionType,
    salesCategory: s.selectionType === "NONE" ? ref(config.salesCategory, "SalesCategory") : null,
    appliedDiscounts: s.discountCents > 0
      ? [{
        guid: s.discountGuid,
        entityType: "AppliedDiscount",
        externalId: null,
        approver: null,
        processingState: "APPLIED",
        loyaltyDetails: null,
        name: s.discountName,
        discountAmount: centsToDollars(s.discountCents),
        nonTaxDiscountAmount: centsToDollars(s.discountCents),
        discountType: "FIXED",
        discountPercent: null,
        discount: ref(s.discountGuid, "Discount"),
        triggers: [],
        appliedPromoCode: null,
        comboItems: [],
      }]
      : [],
    deferred: s.deferred,
    preDiscountPrice: centsToDollars(s.unitPriceCents * s.quantity),
    price: centsToDollars(price),
    tax: centsToDollars(s.taxCents),
    voided: s.voided,
    voidDate: s.voidedAt === null ? null : toastDateTime(s.voidedAt, tz),
    voidBusinessDate: null,
    voidReason: null,
    refundDetails: s.refund
      ? {
        refundAmount: centsToDollars(s.refund.refundCents),
        taxRefundAmount: centsToDollars(s.refund.taxRefundCents),
        refundTransaction: ref(s.refund.transactionGuid, "RefundTransaction"),
      }
      : null,
    displayName: s.displayName,
    createdDate: toastDateTime(s.createdAt, tz),
    modifiedDate: toastDateTime(s.voidedAt ?? s.createdAt, tz),
    modifiers: [],
    fulfillmentStatus: "READY",
    taxInclusion: "NOT_INCLUDED",
    appliedTaxes: [],
    receiptLinePrice: centsToDollars(s.unitPriceCents),
    openPriceAmount: null,
    splitOrigin: null,
  };
}

/** One payment as Toast's orders API shows it (also `GET /orders/v2/payments/{guid}`). */
export function renderPayment(p: SimPayment, orderGuid: string, check: SimCheck, tz: string) {
  return {
    guid: p.guid,
    entityType: "OrderPayment",
    externalId: null,
    paidDate: toastDateTime(p.paidAt, tz),
    paidBusinessDate: toastDateInt(p.paidBusinessDate),
    type: p.type,
    cardEntryMode: p.type === "CREDIT" ? "EMV_CHIP_SIGN" : null,
    amount: centsToDollars(p.amountCents),
    tipAmount: centsToDollars(p.tipCents),
    amountTendered: p.type === "CASH" ? centsToDollars(p.amountCents) : null,
    cardType: p.type === "CREDIT" ? "VISA" : null,
    last4Digits: p.type === "CREDIT" ? "4242" : null,
    refundStatus: !p.refund
      ? "NONE"
      : p.refund.refundAmountCents === p.amountCents
      ? "FULL"
      : "PARTIAL",
    refund: p.refund
      ? {
        refundAmount: centsToDollars(p.refund.refundAmountCents),
        tipRefundAmount: centsToDollars(p.refund.tipRefundCents),
        refundDate: toastDateTime(p.refund.refundedAt, tz),
        refundBusinessDate: toastDateInt(p.refund.refundBusinessDate),
        refundTransaction: ref(p.refund.transactionGuid, "RefundTransaction"),
      }
      : null,
    paymentStatus: p.status,
    voidInfo: null,
    houseAccount: null,
    otherPayment: null,
    orderGuid,
    checkGuid: check.guid,
  };
}

function renderCheck(
  c: SimCheck,
  order: SimOrder,
  v: SimOrderVersion,
  tz: string,
  cutoff: number,
  config: ToastConfigGuids,
) {
  const paid = c.payments.some((p) => p.status === "CAPTURED");
  const modifiedAt = Math.max(
    c.openedAt,
    c.closedAt ?? 0,
    c.voidedAt ?? 0,
    c.deletedAt ?? 0,
    ...c.payments.map((p) => p.refund?.refundedAt ?? p.paidAt),
  );
  return {
    guid: c.guid,
    entityType: "Check",
    externalId: null,
    createdDate: toastDateTime(c.openedAt, tz),
    openedDate: toastDateTime(c.openedAt, tz),
    closedDate: c.closedAt === null ? null : toastDateTime(c.closedAt, tz),
    modifiedDate: toastDateTime(Math.min(modifiedAt, v.modifiedAt), tz),
    deletedDate: c.deletedAt === null ? TOAST_EPOCH : toastDateTime(c.deletedAt, tz),
    deleted: c.deleted,
    selections: c.selections.map((s) => renderSelection(s, tz, config)),
    customer: null,
    appliedLoyaltyInfo: null,
    taxExempt: false,
    displayNumber: c.displayNumber,
    appliedServiceCharges: c.serviceCharges.map((sc) => ({
      guid: sc.guid,
      entityType: "AppliedServiceCharge",
      externalId: null,
      chargeAmount: centsToDollars(sc.chargeCents),
      serviceCharge: ref(sc.serviceChargeGuid, "ServiceCharge"),
      chargeType: sc.chargeType,
      name: sc.name,
      delivery: sc.name === "Delivery Fee",
      takeout: false,
      dineIn: order.diningOption === "DINE_IN",
      gratuity: sc.gratuity,
      taxable: sc.taxCents > 0,
      appliedTaxes: [],
      serviceChargeCalculation: sc.gratuity ? "PRE_DISCOUNT" : null,
      refundDetails: sc.refund
        ? {
          refundAmount: centsToDollars(sc.refund.refundCents),
          taxRefundAmount: centsToDollars(sc.refund.taxRefundCents),
          refundTransaction: ref(sc.refund.transactionGuid, "RefundTransaction"),
        }
        : null,
      serviceChargeCategory: sc.category,
      paymentGuid: null,
    })),
    amount: centsToDollars(checkAmountCents(c)),
    taxAmount: centsToDollars(checkTaxCents(c)),
    totalAmount: centsToDollars(checkTotalCents(c)),
    payments: c.payments.map((p) => renderPayment(p, order.guid, c, tz)),
    tabName: null,
    paymentStatus: c.voided ? "CLOSED" : paid ? "CLOSED" : "OPEN",
    appliedDiscounts: c.checkDiscountCents > 0
      ? [{
        guid: c.checkDiscountGuid,
        entityType: "AppliedDiscount",
        externalId: null,
        approver: null,
        processingState: "APPLIED",
        name: c.checkDiscountName,
        discountAmount: centsToDollars(c.checkDiscountCents),
        nonTaxDiscountAmount: centsToDollars(c.checkDiscountCents),
        discountType: "FIXED",
        discountPercent: null,
        discount: ref(c.checkDiscountGuid, "Discount"),
        triggers: [],
        appliedPromoCode: null,
        comboItems: [],
      }]
      : [],
    voided: c.voided,
    voidDate: c.voidedAt === null ? null : toastDateTime(c.voidedAt, tz),
    voidBusinessDate: c.voidedAt === null
      ? null
      : toastDateInt(businessDateAt(c.voidedAt, tz, cutoff)),
    paidDate: c.closedAt === null || !paid ? null : toastDateTime(c.closedAt, tz),
    duration: c.closedAt === null ? null : Math.round((c.closedAt - c.openedAt) / 1000),
    openedBy: ref(config.server, "RestaurantUser"),
  };
}

/** One version of an order as the `details` of an `order_updated` webhook. */
export function renderToastOrder(
  order: SimOrder,
  version: SimOrderVersion,
  location: SimLocation,
  config: ToastConfigGuids,
): Record<string, unknown> {
  const tz = location.timeZone;
  const cutoff = location.cutoffHour;
  const v = version;
  const paid = v.checks.some((c) => c.payments.some((p) => p.status === "CAPTURED"));
  return {
    guid: order.guid,
    entityType: "Order",
    externalId: null,
    openedDate: toastDateTime(order.openedAt, tz),
    modifiedDate: toastDateTime(v.modifiedAt, tz),
    promisedDate: null,
    channelGuid: null,
    diningOption: ref(config.diningOptions[order.diningOption], "DiningOption"),
    checks: v.checks.map((c) => renderCheck(c, order, v, tz, cutoff, config)),
    table: null,
    serviceArea: null,
    restaurantService: null,
    revenueCenter: ref(config.revenueCenter, "RevenueCenter"),
    source: order.diningOption === "DELIVERY" ? "Online" : "In Store",
    duration: v.closedAt === null ? null : Math.round((v.closedAt - order.openedAt) / 1000),
    deliveryInfo: null,
    requiredPrepTime: null,
    estimatedFulfillmentDate: null,
    numberOfGuests: order.guests,
    voided: v.voided,
    voidDate: v.voidedAt === null ? null : toastDateTime(v.voidedAt, tz),
    voidBusinessDate: v.voidedAt === null
      ? null
      : toastDateInt(businessDateAt(v.voidedAt, tz, cutoff)),
    paidDate: v.closedAt === null || !paid ? null : toastDateTime(v.closedAt, tz),
    closedDate: v.closedAt === null ? null : toastDateTime(v.closedAt, tz),
    deletedDate: v.deletedAt === null ? TOAST_EPOCH : toastDateTime(v.deletedAt, tz),
    deleted: v.deleted,
    businessDate: toastDateInt(order.businessDate),
    server: ref(config.server, "RestaurantUser"),
    pricingFeatures: ["TAXESV2"],
    approvalStatus: "APPROVED",
    guestOrderStatus: v.voided ? "VOIDED" : v.closedAt === null ? "IN_PREPARATION" : "CLOSED",
    createdDevice: { id: "SIM-POS-1" },
    createdDate: toastDateTime(order.openedAt, tz),
    lastModifiedDevice: { id: "SIM-POS-1" },
    curbsidePickupInfo: null,
    deliveryServiceInfo: null,
    marketplaceFacilitatorTaxInfo: null,
    createdInTestMode: false,
    appliedPackagingInfo: null,
    excessFood: v.excessFood,
    displayNumber: order.displayNumber,
    retailOrderInfo: null,
  };
}

/**
 * The `hourly_wage` value in the account's unit, from hundredths of a cent: dollars with up to
 * four decimals (`151250` → `15.125`; the division gives the double nearest that decimal, and
 * JSON prints it as written), or whole cents.
 */
function wageValue(centiCents: number, unit: WageUnit): number {
  if (unit === "cents") {
    if (centiCents % 100 !== 0) throw new RangeError(`not whole cents: ${centiCents / 100}`);
    return centiCents / 100;
  }
  return centiCents / 10_000;
}

/**
 * The fields a punch version has in both 7shifts shapes, times written by `time` and the wage
 * in `unit`, in the order 7shifts lists them.
 */
function punchFields(
  punch: SimPunch,
  v: SimPunchVersion,
  location: SimLocation,
  time: (ms: number) => string,
  unit: WageUnit,
): Record<string, unknown> {
  return {
    id: punch.id,
    company_id: location.sevenShiftsCompanyId,
    shift_id: punch.shiftId,
    user_id: punch.userId,
    editable_punch: true,
    role_id: v.roleId,
    location_id: location.sevenShiftsLocationId,
    department_id: v.departmentId,
    hourly_wage: wageValue(v.hourlyWageCentiCents, unit),
    approved: v.approved,
    clocked_in: time(v.clockedInAt),
    clocked_out: v.clockedOutAt === null ? null : time(v.clockedOutAt),
    notes: "",
    auto_clocked_out: v.autoClockedOut,
    clocked_in_offline: false,
    clocked_out_offline: false,
    tips: 0,
    created: time(punch.createdAt),
    modified: time(v.modifiedAt),
    deleted: v.deleted,
    pos_type: "web",
  };
}

/** One version of a punch as the body of a `time_punch.*` webhook. */
export function renderPunch(
  punch: SimPunch,
  version: SimPunchVersion,
  location: SimLocation,
  wageUnit: WageUnit,
): Record<string, unknown> {
  const tz = location.timeZone;
  const v = version;
  return {
    ...punchFields(punch, v, location, sevenShiftsUtc, wageUnit),
    clocked_in_iso: sevenShiftsIso(v.clockedInAt, tz),
    clocked_out_iso: v.clockedOutAt === null ? null : sevenShiftsIso(v.clockedOutAt, tz),
    time_punch_breaks: v.breaks.map((b) => ({
      id: b.id,
      user_id: punch.userId,
      custom_break_id: 0,
      paid: b.paid,
      in: sevenShiftsUtc(b.inAt),
      out: sevenShiftsUtc(b.outAt),
      in_iso: sevenShiftsIso(b.inAt, tz),
      out_iso: sevenShiftsIso(b.outAt, tz),
      deleted: b.deleted,
    })),
  };
}

/** An ISO-8601 UTC instant with `+00:00`, whole seconds, as 7shifts' v2 API writes times. */
function apiTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "+00:00");
}

/**
 * One version of a punch as 7shifts' v2 API returns it (`GET /v2/company/{id}/time_punches`):
 * UTC ISO times, `breaks` (not `time_punch_breaks`, no `*_iso`), the wage in integer cents. A
 * wage that is not whole cents cannot be shown this way: 7shifts keeps cents, so asking for one
 * is a mistake in the run's set-up (`halfCentWages: false`), not something to round.
 */
export function renderApiPunch(
  punch: SimPunch,
  version: SimPunchVersion,
  location: SimLocation,
): Record<string, unknown> {
  return {
    ...punchFields(punch, version, location, apiTime, "cents"),
    breaks: version.breaks.map((b) => ({
      id: b.id,
      user_id: punch.userId,
      custom_break_id: 0,
      paid: b.paid,
      in: apiTime(b.inAt),
      out: apiTime(b.outAt),
      deleted: b.deleted,
    })),
  };
}

/**
 * A published shift as 7shifts' List Shifts (`GET /v2/company/{id}/shifts`) returns it: UTC
 * ISO `start`/`end`, the wage in integer cents, `user_id` 0 with `open`/`unassigned` for a
 * shift nobody picked up.
 */
export function renderApiShift(
  shift: SimScheduledShift,
  location: SimLocation,
): Record<string, unknown> {
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const unassigned = shift.userId === null;
  return {
    id: shift.id,
    user_id: shift.userId ?? 0,
    department_id: shift.departmentId,
    location_id: location.sevenShiftsLocationId,
    company_id: location.sevenShiftsCompanyId,
    role_id: shift.roleId,
    start: iso(shift.startsAt),
    end: iso(shift.endsAt),
    close: false,
    hourly_wage: shift.hourlyWageCents,
    notes: "",
    draft: false,
    notified: true,
    open: unassigned,
    unassigned,
    publish_status: "published",
    attendance_status: "none",
    late_minutes: 0,
    created: iso(shift.publishedAt),
    modified: iso(shift.publishedAt),
    soft_deleted: null,
    deleted: false,
    breaks: [],
  };
}
