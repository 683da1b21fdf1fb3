/**
 * Toast orders webhooks: zod schemas of the envelope and the Order (only the fields the
 * daily figures use are checked; every other field passes through untouched to the raw log),
 * and the normalisation of an Order to {@link NormalizedOrder} in integer cents.
 *
 * Sources (Toast developer guide and orders API reference): "Orders webhook", "Message data
 * schema", "Calculating net sales using the orders API", and the `Order`, `Check`,
 * `Selection`, `AppliedServiceCharge`, `Payment` and `Refund` data definitions.
 *
 * @module
 */
import { z } from "zod";
import { isStorableText, NOT_STORABLE } from "./storable_text.ts";
import { type FieldProblem, fieldProblems } from "./errors.ts";
import { dollarsToCents, dollarsToCentsOrThrow, MAX_ABS_DOLLARS } from "./money.ts";
import {
  FIRST_YEAR,
  isInstantInRange,
  isRealDate,
  LAST_YEAR,
  parseInstant,
} from "./business_date.ts";
import type { NormalizedOrder, NormalizedRefund } from "./types.ts";

/** Event types that carry an Order; every other type is logged and ignored. */
export const TOAST_ORDER_EVENT_TYPES: readonly string[] = [
  "order_updated",
  "channel_order_updated",
];

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** True when `text` has the 8-4-4-4-12 hex shape of a Toast GUID. */
export function isToastGuid(text: unknown): text is string {
  return typeof text === "string" && GUID.test(text);
}

const guid = z.string().regex(GUID, { message: "expected a GUID (8-4-4-4-12 hex)" });

/** Decimal dollars as a JSON number that converts exactly to cents (see shared/money.ts). */
const money = z.number().refine((n) => dollarsToCents(n).ok, {
  message: "expected an amount in dollars (finite, plain decimal, under $1 trillion)",
});

/**
 * An amount that is the size of something (a check, a tax, a tip, a refund, a discount, a
 * charge): never negative. A negative refund would add to sales. Only a selection's `price`
 * may be negative (open items are used for credits).
 */
const amount = z.number().refine((n) => n >= 0 && dollarsToCents(n).ok, {
  message: "expected a non-negative amount in dollars (finite, plain decimal, under $1 trillion)",
});

/**
 * Converts a Toast business date (`yyyyMMdd` as an integer, e.g. 20261101) to `YYYY-MM-DD`,
 * or null when it is not a real calendar date from 2000 to 2099 (shared/business_date.ts).
 */
export function toastBusinessDate(value: number): string | null {
  if (
    !Number.isSafeInteger(value) || value < FIRST_YEAR * 10_000 + 101 ||
    value > LAST_YEAR * 10_000 + 1231
  ) return null;
  const year = Math.trunc(value / 10_000);
  const month = Math.trunc(value / 100) % 100;
  const day = value % 100;
  if (!isRealDate(year, month, day)) return null;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${
    String(day).padStart(2, "0")
  }`;
}

const businessDate = z.int().refine((n) => toastBusinessDate(n) !== null, {
  message: `expected a real business date from ${FIRST_YEAR} to ${LAST_YEAR} as an integer ` +
    "yyyyMMdd",
});

const instant = z.string().refine((s) => {
  const parsed = parseInstant(s);
  return parsed !== null && isInstantInRange(parsed);
}, { message: `expected an ISO-8601 date-time from ${FIRST_YEAR} to ${LAST_YEAR}` });

const flag = z.boolean().nullish();

const refundTransaction = z.looseObject({ guid: z.string().nullish() }).nullish();

/** `RefundDetails` on a selection or service charge: what one refund took back, and its tax. */
const refundDetails = z.looseObject({
  refundAmount: amount.nullish(),
  taxRefundAmount: amount.nullish(),
  refundTransaction,
}).nullish();

const appliedDiscount = z.looseObject({ discountAmount: amount.nullish() });

/**
 * A modifier option selection (`Selection.modifiers`, nested to any depth). Its price is already
 * in its parent's `price`; only its refund is read, when the parent carries none.
 */
export const toastModifierSchema: z.ZodType<ToastModifier> = z.looseObject({
  voided: flag,
  refundDetails,
  get modifiers() {
    return z.array(toastModifierSchema).nullish();
  },
});

/** A modifier as parsed: whether it was voided, its refund, its own modifiers. */
export interface ToastModifier {
  voided?: boolean | null;
  refundDetails?: z.infer<typeof refundDetails>;
  modifiers?: ToastModifier[] | null;
  [key: string]: unknown;
}

/** A menu item selection (modifiers are priced into `price`; only their refunds are read). */
export const toastSelectionSchema = z.looseObject({
  price: money,
  voided: flag,
  deferred: flag,
  selectionType: z.string().nullish(),
  appliedDiscounts: z.array(appliedDiscount).nullish(),
  refundDetails,
  modifiers: z.array(toastModifierSchema).nullish(),
});

/** An applied service charge; `gratuity` ones are paid to staff, not restaurant revenue. */
export const toastServiceChargeSchema = z.looseObject({
  chargeAmount: amount.nullish(),
  gratuity: flag,
  serviceChargeCategory: z.string().nullish(),
  refundDetails,
});

/** A payment, with its tip and (when refunded) its `Refund`. */
export const toastPaymentSchema = z.looseObject({
  guid: z.string().min(1).refine(isStorableText, NOT_STORABLE),
  tipAmount: amount.nullish(),
  paymentStatus: z.string().nullish(),
  refund: z.looseObject({
    refundAmount: amount.nullish(),
    tipRefundAmount: amount.nullish(),
    refundBusinessDate: businessDate,
    refundTransaction,
  }).nullish(),
});

/** A check: `amount` is Toast's own post-discount, pre-tax price of the check. */
export const toastCheckSchema = z.looseObject({
  guid,
  amount: amount,
  taxAmount: amount.nullish(),
  voided: flag,
  deleted: flag,
  selections: z.array(toastSelectionSchema),
  appliedServiceCharges: z.array(toastServiceChargeSchema).nullish(),
  appliedDiscounts: z.array(appliedDiscount).nullish(),
  payments: z.array(toastPaymentSchema).nullish(),
});

/** The Toast `Order`, as far as the daily figures need it. */
export const toastOrderSchema = z.looseObject({
  guid,
  businessDate,
  modifiedDate: instant,
  voided: flag,
  deleted: flag,
  excessFood: flag,
  checks: z.array(toastCheckSchema),
}).superRefine((order, ctx) => {
  // Refund rows are keyed by payment GUID within the order, so a repeat would be ambiguous.
  const seen = new Set<string>();
  order.checks.forEach((check, c) =>
    (check.payments ?? []).forEach((p, i) => {
      if (seen.has(p.guid)) {
        ctx.addIssue({
          code: "custom",
          path: ["checks", c, "payments", i, "guid"],
          message: "payment GUID repeated within the order",
        });
      }
      seen.add(p.guid);
    })
  );
});

/** The webhook envelope shared by every Toast event category. */
export const toastEnvelopeSchema = z.looseObject({
  // Toast sends an ISO string; the signature is computed over its exact text.
  timestamp: z.string().min(1),
  eventCategory: z.string().nullish(),
  eventType: z.string().min(1).refine(isStorableText, NOT_STORABLE),
  guid: z.string().min(1).max(200).refine(isStorableText, NOT_STORABLE),
  details: z.unknown(),
});

/** `details` as some senders wrap it: the restaurant GUID next to the Order. */
const wrappedDetailsSchema = z.looseObject({
  restaurantGuid: guid.nullish(),
  order: toastOrderSchema,
});

/** A parsed Toast Order. */
export type ToastOrder = z.infer<typeof toastOrderSchema>;
/** A parsed Toast webhook envelope. */
export type ToastEnvelope = z.infer<typeof toastEnvelopeSchema>;

/** Outcome of a parse: the value, or every bad field by dotted path. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/** Validates the envelope of any Toast webhook. */
export function parseToastEnvelope(body: unknown): Parsed<ToastEnvelope> {
  const r = toastEnvelopeSchema.safeParse(body);
  return r.success
    ? { ok: true, value: r.data }
    : { ok: false, problems: fieldProblems(r.error.issues) };
}

/** Largest total of an order accepted, in cents (exclusive): $1 trillion, the bound of each amount. */
export const MAX_ORDER_TOTAL_CENTS = MAX_ABS_DOLLARS * 100;

/**
 * Validates an order event's `details`: either the Order itself or `{restaurantGuid, order}`
 * (`wrapped`). Problems are reported with paths from the body root (`details.checks.0.amount`). Besides
 * each amount, every total of the order (its net and gross sales, discounts, tax, tips,
 * gratuity, deferred sales and each refund) must be under $1 trillion
 * ({@link MAX_ORDER_TOTAL_CENTS}): so each stays exact as a JavaScript number and nothing is
 * ever stored a few cents off; past it the order is refused, its `checks` named.
 */
export function parseToastOrderDetails(
  details: unknown,
): Parsed<{ order: ToastOrder; restaurantGuid: string | null; wrapped: boolean }> {
  const wrapped = typeof details === "object" && details !== null && !Array.isArray(details) &&
    "order" in details;
  let value: { order: ToastOrder; restaurantGuid: string | null; wrapped: boolean };
  if (wrapped) {
    const r = wrappedDetailsSchema.safeParse(details);
    if (!r.success) return { ok: false, problems: fieldProblems(r.error.issues, "details") };
    value = { order: r.data.order, restaurantGuid: r.data.restaurantGuid ?? null, wrapped };
  } else {
    const r = toastOrderSchema.safeParse(details);
    if (!r.success) return { ok: false, problems: fieldProblems(r.error.issues, "details") };
    value = { order: r.data, restaurantGuid: null, wrapped };
  }
  const problems = orderTotalProblems(
    orderTotals(value.order),
    wrapped ? "details.order" : "details",
  );
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

const cents = (dollars: number | null | undefined): bigint =>
  dollars === null || dollars === undefined ? 0n : BigInt(dollarsToCentsOrThrow(dollars));

type ToastSelection = z.infer<typeof toastSelectionSchema>;
type ToastServiceCharge = z.infer<typeof toastServiceChargeSchema>;
type ToastCheck = z.infer<typeof toastCheckSchema>;
type ToastPayment = z.infer<typeof toastPaymentSchema>;

/** Payment states that never moved money, so their tips and refunds do not count. */
const DEAD_PAYMENT_STATUSES = new Set(["VOIDED", "DENIED", "CANCELLED", "ERROR"]);

/**
 * A selection Toast's recipe leaves out of net sales although it is priced into
 * `check.amount`: gift card and other deferred-revenue sales (`deferred`), and house account
 * balance payments (`selectionType` `HOUSE_ACCOUNT_PAY_BALANCE`). Voided selections are not
 * in `check.amount` to begin with (Toast reprices the check on a void), so they are skipped,
 * not subtracted.
 */
function isExcludedSelection(s: ToastSelection): boolean {
  return !s.voided && (s.deferred === true || s.selectionType === "HOUSE_ACCOUNT_PAY_BALANCE");
}

/** A check counts toward sales unless it is voided or deleted. */
function countsTowardSales(check: ToastCheck): boolean {
  return !check.voided && !check.deleted;
}

function paymentCounts(p: ToastPayment): boolean {
  return !DEAD_PAYMENT_STATUSES.has((p.paymentStatus ?? "").toUpperCase());
}

/** Net sales of one counted check, in cents: `check.amount` minus what the recipe excludes. */
function checkNetSalesCents(check: ToastCheck): bigint {
  let net = cents(check.amount);
  for (const s of check.selections) if (isExcludedSelection(s)) net -= cents(s.price);
  for (const c of check.appliedServiceCharges ?? []) {
    // Fundraising charges are donations passed to a third party; Toast's recipe leaves them
    // out. Gratuity charges are not in `check.amount` ("does not include gratuity or taxes").
    if (!c.gratuity && c.serviceChargeCategory === "FUNDRAISING_CAMPAIGN") {
      net -= cents(c.chargeAmount);
    }
  }
  return net;
}

/** A sales line the recipe counts: not voided, not deferred, not a house-account payment. */
function isSalesSelection(s: ToastSelection): boolean {
  return !s.voided && !isExcludedSelection(s);
}

/** A service charge that is a sale: not a gratuity (staff's), not a fundraising donation. */
function isSalesServiceCharge(c: ToastServiceCharge): boolean {
  return !c.gratuity && c.serviceChargeCategory !== "FUNDRAISING_CAMPAIGN";
}

/**
 * Sales refunded per refund transaction GUID on a check, by Toast's recipe: the pre-tax
 * `refundDetails.refundAmount` of the sales selections and of the sales service charges. A
 * selection's refund amount includes its priced modifiers ("includes the value of any nested
 * modifier options"), so a modifier's own `refundDetails` count only under a selection that
 * carries none. Refund details without a transaction GUID cannot be dated and count nothing.
 */
function salesRefundedByTransaction(check: ToastCheck): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const add = (d: z.infer<typeof refundDetails>) => {
    const tx = d?.refundTransaction?.guid;
    if (!d || !tx) return;
    out.set(tx, (out.get(tx) ?? 0n) + cents(d.refundAmount));
  };
  const addSelection = (s: ToastSelection | ToastModifier) => {
    if (s.refundDetails) add(s.refundDetails);
    else for (const m of s.modifiers ?? []) if (!m.voided) addSelection(m);
  };
  for (const s of check.selections) if (isSalesSelection(s)) addSelection(s);
  for (const c of check.appliedServiceCharges ?? []) {
    if (isSalesServiceCharge(c)) add(c.refundDetails);
  }
  return out;
}

/** One refund of an order while it is summed: exact cents. */
interface RefundTotals {
  paymentGuid: string;
  refundBusinessDate: string;
  refundCents: bigint;
  tipRefundCents: bigint;
}

/**
 * The refunds of one counted check, one row per refunded payment (its tip refund, and the sales
 * its refund transaction took back). A transaction's sales count once, on the first payment
 * that links it (a split check refunded across two cards). Items refunded in a transaction no
 * payment links (Toast keeps one `refund` per payment, naming its latest transaction) go to
 * the check's refunded payment when there is exactly one; otherwise they cannot be dated and
 * count nothing. A payment refund linking no refunded sales (no `refundTransaction`, or one
 * no item or charge carries) takes nothing from net sales: its amount cannot be told apart
 * from tax, tip, gratuity or a gift card.
 */
function checkRefunds(check: ToastCheck): RefundTotals[] {
  const sales = salesRefundedByTransaction(check);
  const claimed = new Set<string>();
  const refunds: RefundTotals[] = [];
  for (const p of check.payments ?? []) {
    if (!p.refund || !paymentCounts(p)) continue;
    const tx = p.refund.refundTransaction?.guid;
    let refundCents = 0n;
    if (tx && sales.has(tx) && !claimed.has(tx)) {
      refundCents = sales.get(tx) ?? 0n;
      claimed.add(tx);
    }
    refunds.push({
      paymentGuid: p.guid,
      refundBusinessDate: toastBusinessDate(p.refund.refundBusinessDate) as string,
      refundCents,
      tipRefundCents: cents(p.refund.tipRefundAmount),
    });
  }
  if (refunds.length === 1) {
    for (const [tx, amount] of sales) if (!claimed.has(tx)) refunds[0].refundCents += amount;
  }
  return refunds.filter((r) => r.refundCents !== 0n || r.tipRefundCents !== 0n);
}

/** An order's totals, summed exactly (BigInt) before any is checked against the bound. */
interface OrderTotals {
  netSalesCents: bigint;
  discountCents: bigint;
  taxCents: bigint;
  tipCents: bigint;
  gratuityCents: bigint;
  deferredCents: bigint;
  checkCount: number;
  refunds: RefundTotals[];
}

/** Sums an order by the recipe of {@link normalizeToastOrder}; zeros for an order that is out. */
function orderTotals(order: ToastOrder): OrderTotals {
  const t: OrderTotals = {
    netSalesCents: 0n,
    discountCents: 0n,
    taxCents: 0n,
    tipCents: 0n,
    gratuityCents: 0n,
    deferredCents: 0n,
    checkCount: 0,
    refunds: [],
  };
  if (order.voided === true || order.deleted === true || order.excessFood === true) return t;
  for (const check of order.checks) {
    if (!countsTowardSales(check)) continue;
    t.checkCount += 1;
    t.netSalesCents += checkNetSalesCents(check);
    t.taxCents += cents(check.taxAmount);
    for (const d of check.appliedDiscounts ?? []) t.discountCents += cents(d.discountAmount);
    for (const s of check.selections) {
      if (s.voided) continue;
      if (s.deferred === true) t.deferredCents += cents(s.price);
      if (isExcludedSelection(s)) continue;
      for (const d of s.appliedDiscounts ?? []) t.discountCents += cents(d.discountAmount);
    }
    for (const c of check.appliedServiceCharges ?? []) {
      if (c.gratuity) t.gratuityCents += cents(c.chargeAmount);
    }
    for (const p of check.payments ?? []) if (paymentCounts(p)) t.tipCents += cents(p.tipAmount);
    t.refunds.push(...checkRefunds(check));
  }
  return t;
}

const within = (c: bigint) =>
  c < BigInt(MAX_ORDER_TOTAL_CENTS) && c > -BigInt(MAX_ORDER_TOTAL_CENTS);

/** Every total past {@link MAX_ORDER_TOTAL_CENTS}, as a problem naming the order's checks. */
function orderTotalProblems(t: OrderTotals, prefix: string): FieldProblem[] {
  const named: Array<[string, bigint]> = [
    ["net sales", t.netSalesCents],
    ["gross sales", t.netSalesCents + t.discountCents],
    ["discount", t.discountCents],
    ["tax", t.taxCents],
    ["tip", t.tipCents],
    ["gratuity", t.gratuityCents],
    ["deferred (gift card) sales", t.deferredCents],
    ...t.refunds.flatMap((r): Array<[string, bigint]> => [
      [`refund of payment ${r.paymentGuid.slice(0, 40)}`, r.refundCents],
      [`tip refund of payment ${r.paymentGuid.slice(0, 40)}`, r.tipRefundCents],
    ]),
  ];
  return named.filter(([, c]) => !within(c)).map(([what, c]) => ({
    path: `${prefix}.checks`,
    message: `the order's ${what} total (${c} cents) is not under $1 trillion`,
  }));
}

/** A total as a number, exact: only ever called on totals that passed the bound. */
function exactNumber(c: bigint): number {
  if (!within(c)) throw new RangeError(`order total ${c} cents is not under $1 trillion`);
  return Number(c);
}

/**
 * Reduces a Toast Order to the figures the daily metrics need, in integer cents, following
 * Toast's "Calculating net sales using the orders API":
 *
 * - **Whole order out** when `voided`, `deleted` or `excessFood` (a waste-tracking order):
 *   every amount is 0, no checks count and no refunds are kept; the flags say why.
 * - **Checks**: voided or deleted checks are left out entirely (amounts, tips, refunds).
 * - **Net sales** of a counted check = `check.amount` (Toast: the check's price including
 *   discounts and service charges, excluding gratuity and tax) − `price` of each non-voided
 *   deferred (gift card) or `HOUSE_ACCOUNT_PAY_BALANCE` selection − `FUNDRAISING_CAMPAIGN`
 *   service charges. Voided selections are already outside `check.amount`.
 * - **Discounts** = check-level `appliedDiscounts[].discountAmount` + item-level discounts of
 *   the selections that count; **gross sales** = net sales + discounts.
 * - **Tax** = `check.taxAmount`; **tips** = `payments[].tipAmount`; **gratuity** =
 *   `appliedServiceCharges[]` with `gratuity: true`; **deferred** = price of non-voided
 *   deferred selections. None of these is revenue; they are kept for reconciliation.
 * - **Refunds** (`check.amount` does not reflect them) by the same recipe: a refund takes
 *   back the refunded *sales* only, the pre-tax `refundDetails.refundAmount` of the sales
 *   selections (not deferred gift cards, not house-account payments; a selection's amount
 *   includes its modifiers) and of the non-gratuity, non-fundraising service charges, on
 *   the `refundBusinessDate` of the payment whose `refund.refundTransaction` links them.
 *   Tax, tips, gratuity and the rest of a payment's `refundAmount` never count; the tip
 *   refund (`tipRefundAmount`) is kept beside. One row per refunded payment (see
 *   {@link checkRefunds} for split checks, payments refunded twice and unlinked refunds).
 *   Payments that were voided, denied, cancelled or errored carry no tips or refunds.
 *
 * Every total is summed exactly (BigInt) and is under $1 trillion
 * ({@link MAX_ORDER_TOTAL_CENTS}), so the numbers returned are exact. Expects an order that
 * passed {@link parseToastOrderDetails} (a `RangeError` otherwise).
 */
export function normalizeToastOrder(order: ToastOrder): NormalizedOrder {
  const modifiedAt = parseInstant(order.modifiedDate);
  const businessDate = toastBusinessDate(order.businessDate);
  if (modifiedAt === null || businessDate === null) {
    throw new RangeError("order failed validation: modifiedDate or businessDate");
  }
  const t = orderTotals(order);
  // Payment GUIDs are unique within an order; sorting keeps the payload (and its version
  // hash) independent of the order Toast lists checks in.
  const refunds = t.refunds
    .map((r): NormalizedRefund => ({
      paymentGuid: r.paymentGuid,
      refundBusinessDate: r.refundBusinessDate,
      refundCents: exactNumber(r.refundCents),
      tipRefundCents: exactNumber(r.tipRefundCents),
    }))
    .sort((a, b) => (a.paymentGuid < b.paymentGuid ? -1 : a.paymentGuid > b.paymentGuid ? 1 : 0));
  return {
    orderGuid: order.guid.toLowerCase(),
    businessDate,
    netSalesCents: exactNumber(t.netSalesCents),
    grossSalesCents: exactNumber(t.netSalesCents + t.discountCents),
    discountCents: exactNumber(t.discountCents),
    taxCents: exactNumber(t.taxCents),
    tipCents: exactNumber(t.tipCents),
    gratuityCents: exactNumber(t.gratuityCents),
    deferredCents: exactNumber(t.deferredCents),
    checkCount: t.checkCount,
    voided: order.voided === true,
    deleted: order.deleted === true,
    excessFood: order.excessFood === true,
    modifiedAt,
    refunds,
  };
}
