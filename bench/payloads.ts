/**
 * The benchmark's webhook bodies: a Toast `order_updated` envelope and a 7shifts time punch,
 * each shaped like the vendor's documented samples (tests/fixtures) and sized like a
 * typical delivery (a one-check order with a few selections and a card payment is ~4 KB; a
 * punch with breaks ~1.5 KB). Deterministic from their arguments, so a run can be repeated.
 * Pure: signing and sending are the load generator's job.
 *
 * @module
 */

/** A UUID (v4 layout) made from a number space and an index: unique per (space, n). */
export function benchUuid(space: number, n: number): string {
  const hex = (v: number, width: number) => v.toString(16).padStart(width, "0").slice(-width);
  return `${hex(space, 8)}-0000-4000-8000-${hex(n, 12)}`;
}

/** Decimal dollars as Toast sends them (a JSON number whose text is the exact amount). */
export function dollars(cents: number): number {
  return Number((cents / 100).toFixed(2));
}

/** `2026-11-28T17:00:00.000+0000`: Toast's instant format. */
export function toastInstant(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

/** `YYYY-MM-DD` → Toast's int `yyyyMMdd`. */
export function toastBusinessDate(date: string): number {
  return Number(date.replaceAll("-", ""));
}

/** What one Toast order event carries. */
export interface ToastOrderSpec {
  /** Envelope `guid`: the event id (deduplication key). */
  eventGuid: string;
  orderGuid: string;
  restaurantGuid: string;
  /** `YYYY-MM-DD`. */
  businessDate: string;
  /** Check amount (net sales) in cents, before tax. */
  amountCents: number;
  /** Order `modifiedDate`, epoch ms. */
  modifiedAtMs: number;
  /** Envelope `timestamp`, epoch ms (signed with the body). */
  sentAtMs: number;
  /** Selections on the check (1–6; default 2). */
  selections?: number;
}

const ref = (guid: string, entityType: string) => ({ guid, entityType });

/**
 * A Toast `order_updated` envelope for one closed, paid order: one check whose `amount` is
 * `amountCents` (split across its selections), 8 % tax, a card payment with a tip.
 */
export function toastOrderEnvelope(s: ToastOrderSpec): Record<string, unknown> {
  const count = Math.min(6, Math.max(1, s.selections ?? 2));
  const opened = s.modifiedAtMs - 45 * 60_000;
  const prices: number[] = [];
  let left = s.amountCents;
  for (let i = 0; i < count; i++) {
    const p = i === count - 1 ? left : Math.floor(s.amountCents / count);
    prices.push(p);
    left -= p;
  }
  const taxCents = Math.round(s.amountCents * 0.08);
  const tipCents = Math.round(s.amountCents * 0.18);
  // Line item, check and payment GUIDs: the order GUID with its last 4 digits replaced.
  const stem = s.orderGuid.slice(0, -4);
  const selections = prices.map((price, i) => ({
    guid: `${stem}${(0xa000 + i).toString(16)}`,
    entityType: "MenuItemSelection",
    externalId: null,
    item: ref("a8b4439d-185d-41df-8ad3-2ff4f7dfa6ec", "MenuItem"),
    itemGroup: ref("46c963b8-a4c8-4cd0-9b7e-e1c431ed0b53", "MenuGroup"),
    optionGroup: null,
    preModifier: null,
    quantity: 1,
    seatNumber: i + 1,
    unitOfMeasure: "NONE",
    selectionType: "NONE",
    salesCategory: ref("c1b6a7d0-3e2f-4a5b-9c8d-7e6f5a4b3c2d", "SalesCategory"),
    appliedDiscounts: [],
    deferred: false,
    preDiscountPrice: dollars(price),
    price: dollars(price),
    tax: dollars(Math.round(price * 0.08)),
    voided: false,
    voidDate: null,
    voidBusinessDate: null,
    voidReason: null,
    refundDetails: null,
    displayName: ["Burger", "Fries", "Salad", "Soda", "Pasta", "Pie"][i],
    createdDate: toastInstant(opened + i * 60_000),
    modifiedDate: toastInstant(opened + i * 60_000),
    modifiers: [],
    fulfillmentStatus: "READY",
    taxInclusion: "NOT_INCLUDED",
    appliedTaxes: [],
    diningOption: ref("23fc2559-fc37-46ce-a963-cc5fdb88af0c", "DiningOption"),
    receiptLinePrice: dollars(price),
    optionGroupPricingMode: null,
    splitOrigin: null,
  }));
  const paymentGuid = `${stem}bbbb`;
  const order = {
    guid: s.orderGuid,
    entityType: "Order",
    externalId: null,
    businessDate: toastBusinessDate(s.businessDate),
    openedDate: toastInstant(opened),
    modifiedDate: toastInstant(s.modifiedAtMs),
    createdDate: toastInstant(opened),
    source: "In Store",
    numberOfGuests: count,
    voided: false,
    deleted: false,
    excessFood: false,
    diningOption: ref("23fc2559-fc37-46ce-a963-cc5fdb88af0c", "DiningOption"),
    checks: [{
      guid: `${stem}cccc`,
      entityType: "Check",
      externalId: null,
      createdDate: toastInstant(opened),
      openedDate: toastInstant(opened),
      closedDate: toastInstant(s.modifiedAtMs),
      modifiedDate: toastInstant(s.modifiedAtMs),
      deletedDate: "1970-01-01T00:00:00.000+0000",
      deleted: false,
      selections,
      customer: null,
      appliedLoyaltyInfo: null,
      taxExempt: false,
      displayNumber: String(1 + (s.amountCents % 97)),
      appliedServiceCharges: [],
      amount: dollars(s.amountCents),
      taxAmount: dollars(taxCents),
      totalAmount: dollars(s.amountCents + taxCents),
      payments: [{
        guid: paymentGuid,
        entityType: "OrderPayment",
        externalId: null,
        paidDate: toastInstant(s.modifiedAtMs),
        paidBusinessDate: toastBusinessDate(s.businessDate),
        type: "CREDIT",
        cardEntryMode: "SWIPED",
        amount: dollars(s.amountCents + taxCents),
        tipAmount: dollars(tipCents),
        amountTendered: null,
        cardType: "VISA",
        last4Digits: "4242",
        refundStatus: "NONE",
        refund: null,
        paymentStatus: "CAPTURED",
        voidInfo: null,
        houseAccount: null,
        otherPayment: null,
        orderGuid: s.orderGuid,
        checkGuid: null,
      }],
      tabName: null,
      paymentStatus: "CLOSED",
      appliedDiscounts: [],
      voided: false,
      voidDate: null,
      voidBusinessDate: null,
      paidDate: toastInstant(s.modifiedAtMs),
      duration: 2700,
    }],
  };
  return {
    timestamp: new Date(s.sentAtMs).toISOString(),
    eventCategory: "orders",
    eventType: "order_updated",
    guid: s.eventGuid,
    details: { restaurantGuid: s.restaurantGuid, order },
  };
}

/** What one 7shifts punch event carries. */
export interface PunchSpec {
  punchId: number;
  companyId: number;
  /** 7shifts location id. */
  locationId: number;
  userId: number;
  /** Clock-in, epoch ms. */
  clockedInMs: number;
  /** Worked span in minutes (clock-out = clock-in + this). */
  minutes: number;
  /** Hourly wage in cents (sent as decimal dollars, the webhook samples' unit). */
  wageCents: number;
  /** `modified`, epoch ms. */
  modifiedMs: number;
  /** Still on the clock: no clock-out yet (its breaks are over). */
  open?: boolean;
}

/** `YYYY-MM-DD HH:MM:SS` (UTC), 7shifts' legacy time format. */
export function sevenShiftsTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/** `2026-11-05T10:00:00+00:00`: 7shifts' `*_iso` format. */
export function sevenShiftsIso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + "+00:00";
}

/**
 * A 7shifts time punch with one paid and one unpaid break, as `time_punch.created`: closed, or
 * with `open` still on the clock.
 */
export function sevenShiftsPunchBody(s: PunchSpec): Record<string, unknown> {
  const out = s.clockedInMs + s.minutes * 60_000;
  const brk = (id: number, paid: boolean, fromMin: number, len: number) => ({
    id,
    user_id: s.userId,
    custom_break_id: 0,
    paid,
    in: sevenShiftsTime(s.clockedInMs + fromMin * 60_000),
    out: sevenShiftsTime(s.clockedInMs + (fromMin + len) * 60_000),
    in_iso: sevenShiftsIso(s.clockedInMs + fromMin * 60_000),
    out_iso: sevenShiftsIso(s.clockedInMs + (fromMin + len) * 60_000),
    deleted: false,
  });
  return {
    id: s.punchId,
    company_id: s.companyId,
    shift_id: s.punchId + 1,
    user_id: s.userId,
    editable_punch: true,
    role_id: 301,
    location_id: s.locationId,
    department_id: 201,
    hourly_wage: dollars(s.wageCents),
    approved: false,
    clocked_in: sevenShiftsTime(s.clockedInMs),
    clocked_out: s.open ? null : sevenShiftsTime(out),
    notes: "",
    auto_clocked_out: false,
    clocked_in_offline: false,
    clocked_out_offline: false,
    tips: 0,
    created: sevenShiftsTime(out),
    modified: sevenShiftsTime(s.modifiedMs),
    deleted: false,
    pos_type: "web",
    clocked_in_iso: sevenShiftsIso(s.clockedInMs),
    clocked_out_iso: s.open ? null : sevenShiftsIso(out),
    time_punch_breaks: [
      brk(s.punchId * 2, true, Math.floor(s.minutes / 3), 15),
      brk(s.punchId * 2 + 1, false, Math.floor((2 * s.minutes) / 3), 30),
    ],
  };
}
