/**
 * Generates one location's Toast orders for one business day: dine-in tables with split
 * checks, takeout and delivery, discounts, voids, gift cards, house account payments,
 * service charges (gratuity and not), tax, tips, refunds (of an item, some on a later day, or
 * of a whole check with its gift card, gratuity, tax and tip), excess-food
 * orders and later edits, each order as the list of versions Toast would send.
 *
 * Every amount is integer cents; the rendering to Toast's decimal dollars is render.ts.
 *
 * @module
 */
import { roundDivNumber } from "./arith.ts";
import { MENU, type MenuItem, ORDER_INTENSITY } from "./catalog.ts";
import type {
  SimCheck,
  SimLocation,
  SimOrder,
  SimOrderVersion,
  SimPayment,
  SimSelection,
  SimServiceCharge,
} from "./model.ts";
import type { Rng } from "./prng.ts";
import { businessDateAt, localInstant } from "./time.ts";

/** Things that happen to some orders; every one of them happens at least once a day. */
export const ORDER_FEATURES = [
  "voidedOrder",
  "deletedOrder",
  "excessFood",
  "openOrder",
  "voidedCheck",
  "deletedCheck",
  "voidedSelection",
  "giftCard",
  "houseAccount",
  "gratuity",
  "deliveryFee",
  "fundraising",
  "itemDiscount",
  "checkDiscount",
  "voidedPayment",
  "tipAdjust",
  "refundSameDay",
  "refundLaterDay",
  "refundWholeCheck",
  "noOpUpdate",
] as const;

/** One of {@link ORDER_FEATURES}. */
export type OrderFeature = typeof ORDER_FEATURES[number];

/** Orders that end without sales: only one of these per order. */
const TERMINAL: ReadonlySet<OrderFeature> = new Set([
  "voidedOrder",
  "deletedOrder",
  "excessFood",
  "openOrder",
]);

/** Chance that an ordinary order also gets a feature, on top of the daily minimum. */
const FEATURE_RATES: Partial<Record<OrderFeature, number>> = {
  voidedOrder: 0.01,
  voidedCheck: 0.01,
  deletedCheck: 0.01,
  voidedSelection: 0.05,
  giftCard: 0.03,
  gratuity: 0.02,
  fundraising: 0.03,
  itemDiscount: 0.08,
  checkDiscount: 0.03,
  voidedPayment: 0.01,
  tipAdjust: 0.08,
  refundSameDay: 0.015,
  noOpUpdate: 0.1,
};

/** Where new GUIDs and display numbers come from (kept apart from the content stream). */
export interface IdSource {
  uuid(): string;
}

/** What one location-day of orders is generated from. */
export interface OrderDayInput {
  location: SimLocation;
  /** Business date `YYYY-MM-DD`. */
  date: string;
  rng: Rng;
  ids: IdSource;
  /** Menu item GUIDs of this location, parallel to {@link MENU}. */
  menuGuids: readonly string[];
  /** How many orders (before the daily specials are added). */
  orderCount: number;
  /** Relative volume per local half-hour (defaults to {@link ORDER_INTENSITY}). */
  intensity?: readonly number[];
  /** Features that must appear at least once (default: all of {@link ORDER_FEATURES}). */
  requiredFeatures?: readonly OrderFeature[];
  /** Scale of {@link FEATURE_RATES} (0 turns the random extras off). */
  featureRateScale?: number;
  /** Last business date a later-day refund may land on (default: the next day). */
  latestRefundDate?: string;
}

interface Ctx {
  input: OrderDayInput;
  rng: Rng;
  tz: string;
  checkNumber: number;
}

function pickOpenTime(ctx: Ctx, intensity: readonly number[]): number {
  const slot = ctx.rng.weighted(intensity.map((w, i) => [i, w] as const));
  const hours = slot / 2 + ctx.rng.int(0, 1799) / 3600;
  return localInstant(ctx.input.date, hours, ctx.tz);
}

function menuItem(ctx: Ctx, group?: MenuItem["group"]): [MenuItem, string] {
  const choices = MENU.map((m, i) => [m, i] as const).filter(([m]) => !group || m.group === group);
  const [item, i] = ctx.rng.pick(choices);
  return [item, ctx.input.menuGuids[i]];
}

function taxOf(ctx: Ctx, cents: number): number {
  return roundDivNumber(cents * ctx.input.location.taxRatePpm, 1_000_000);
}

function newSelection(ctx: Ctx, at: number, group?: MenuItem["group"]): SimSelection {
  const [item, itemGuid] = menuItem(ctx, group);
  const quantity = ctx.rng.chance(0.1) ? 2 : 1;
  const price = item.priceCents * quantity;
  return {
    guid: ctx.input.ids.uuid(),
    itemGuid,
    displayName: item.name,
    quantity,
    unitPriceCents: item.priceCents,
    discountCents: 0,
    discountName: null,
    discountGuid: null,
    taxCents: taxOf(ctx, price),
    voided: false,
    voidedAt: null,
    deferred: false,
    selectionType: "NONE",
    createdAt: at,
    refund: null,
  };
}

/** Price after the item discount (Toast's `price`). */
export function selectionPriceCents(s: SimSelection): number {
  return s.unitPriceCents * s.quantity - s.discountCents;
}

function specialSelection(
  ctx: Ctx,
  at: number,
  kind: "TOAST_CARD_SELL" | "HOUSE_ACCOUNT_PAY_BALANCE",
): SimSelection {
  const cents = kind === "TOAST_CARD_SELL"
    ? ctx.rng.pick([2500, 5000, 10000])
    : ctx.rng.int(80, 400) * 100 + ctx.rng.pick([0, 25, 50, 75]);
  return {
    guid: ctx.input.ids.uuid(),
    itemGuid: ctx.input.ids.uuid(),
    displayName: kind === "TOAST_CARD_SELL" ? "Gift Card" : "House Account Payment",
    quantity: 1,
    unitPriceCents: cents,
    discountCents: 0,
    discountName: null,
    discountGuid: null,
    taxCents: 0,
    voided: false,
    voidedAt: null,
    deferred: kind === "TOAST_CARD_SELL",
    selectionType: kind,
    createdAt: at,
    refund: null,
  };
}

function newCheck(ctx: Ctx, openedAt: number): SimCheck {
  ctx.checkNumber += 1;
  return {
    guid: ctx.input.ids.uuid(),
    displayNumber: String(ctx.checkNumber),
    openedAt,
    closedAt: null,
    selections: [],
    serviceCharges: [],
    checkDiscountCents: 0,
    checkDiscountName: null,
    checkDiscountGuid: null,
    payments: [],
    voided: false,
    voidedAt: null,
    deleted: false,
    deletedAt: null,
  };
}

/** Menu items that count toward sales (not voided, not a gift card or house account). */
function salesSelections(check: SimCheck): SimSelection[] {
  return check.selections.filter((s) => !s.voided && s.selectionType === "NONE" && !s.deferred);
}

/** Toast's `check.amount`: selections + non-gratuity service charges − check discount. */
export function checkAmountCents(check: SimCheck): number {
  let amount = 0;
  for (const s of check.selections) if (!s.voided) amount += selectionPriceCents(s);
  for (const c of check.serviceCharges) if (!c.gratuity) amount += c.chargeCents;
  return amount - check.checkDiscountCents;
}

/** Tax on the check: non-voided selections and service charges. */
export function checkTaxCents(check: SimCheck): number {
  let tax = 0;
  for (const s of check.selections) if (!s.voided) tax += s.taxCents;
  for (const c of check.serviceCharges) tax += c.taxCents;
  return tax;
}

/** Gratuity service charges on the check. */
export function checkGratuityCents(check: SimCheck): number {
  return check.serviceCharges.filter((c) => c.gratuity).reduce((s, c) => s + c.chargeCents, 0);
}

/** What the guest owes: amount + tax + gratuity. */
export function checkTotalCents(check: SimCheck): number {
  return checkAmountCents(check) + checkTaxCents(check) + checkGratuityCents(check);
}

function applyItemDiscount(ctx: Ctx, check: SimCheck): void {
  const candidates = salesSelections(check).filter((s) => s.discountCents === 0);
  if (candidates.length === 0) return;
  const s = ctx.rng.pick(candidates);
  const gross = s.unitPriceCents * s.quantity;
  const [name, cents] = ctx.rng.pick(
    [
      ["10% Industry", roundDivNumber(gross * 10, 100)],
      ["Happy Hour", Math.min(200, gross)],
      ["20% Birthday", roundDivNumber(gross * 20, 100)],
    ] as const,
  );
  s.discountCents = cents;
  s.discountName = name;
  s.discountGuid = ctx.input.ids.uuid();
  s.taxCents = taxOf(ctx, selectionPriceCents(s));
}

function applyCheckDiscount(ctx: Ctx, check: SimCheck): void {
  // Never on a check with a gift card or house account line: how Toast would spread the
  // discount over those is not documented, so the simulator does not guess.
  if (check.selections.some((s) => s.selectionType !== "NONE")) return;
  const eligible = salesSelections(check).reduce((t, s) => t + selectionPriceCents(s), 0);
  if (eligible < 1000) return;
  const [name, cents] = ctx.rng.pick(
    [
      ["Manager Comp", Math.min(1000, eligible)],
      ["Loyalty 15%", roundDivNumber(eligible * 15, 100)],
      ["$5 Off", 500],
    ] as const,
  );
  check.checkDiscountCents = cents;
  check.checkDiscountName = name;
  check.checkDiscountGuid = ctx.input.ids.uuid();
}

function addServiceCharge(
  ctx: Ctx,
  check: SimCheck,
  kind: "gratuity" | "deliveryFee" | "fundraising",
): void {
  let charge: Omit<SimServiceCharge, "guid" | "serviceChargeGuid" | "refund">;
  if (kind === "gratuity") {
    const base = check.selections.filter((s) => !s.voided && s.selectionType === "NONE")
      .reduce((t, s) => t + s.unitPriceCents * s.quantity, 0);
    charge = {
      name: "Large Party Gratuity 18%",
      chargeCents: roundDivNumber(base * 18, 100),
      gratuity: true,
      category: "SERVICE_CHARGE",
      chargeType: "PERCENT",
      taxCents: 0,
    };
  } else if (kind === "deliveryFee") {
    charge = {
      name: "Delivery Fee",
      chargeCents: 499,
      gratuity: false,
      category: "SERVICE_CHARGE",
      chargeType: "FIXED",
      taxCents: taxOf(ctx, 499),
    };
  } else {
    charge = {
      name: "Round Up for No Kid Hungry",
      chargeCents: ctx.rng.int(1, 99),
      gratuity: false,
      category: "FUNDRAISING_CAMPAIGN",
      chargeType: "FIXED",
      taxCents: 0,
    };
  }
  check.serviceCharges.push({
    ...charge,
    guid: ctx.input.ids.uuid(),
    serviceChargeGuid: ctx.input.ids.uuid(),
    refund: null,
  });
}

function pay(ctx: Ctx, check: SimCheck, at: number, opts: { voidedFirst?: boolean } = {}): void {
  const due = checkTotalCents(check);
  check.closedAt = at;
  const date = businessDateAt(at, ctx.tz, ctx.input.location.cutoffHour);
  const payment = (amount: number, type: SimPayment["type"], status: SimPayment["status"]) => {
    // Card tips run 15-22 % of what was paid; cash tips never reach the POS.
    const tipPct = type === "CREDIT" ? ctx.rng.int(15, 22) : 0;
    check.payments.push({
      guid: ctx.input.ids.uuid(),
      type,
      amountCents: amount,
      tipCents: roundDivNumber(amount * tipPct, 100),
      status,
      paidAt: at,
      paidBusinessDate: date,
      refund: null,
    });
  };
  if (opts.voidedFirst) payment(due, "CREDIT", "VOIDED");
  if (due >= 4000 && ctx.rng.chance(0.15)) {
    const first = roundDivNumber(due, 2);
    payment(first, "CREDIT", "CAPTURED");
    payment(due - first, ctx.rng.chance(0.5) ? "CREDIT" : "CASH", "CAPTURED");
  } else {
    payment(due, ctx.rng.weighted([["CREDIT", 75], ["CASH", 20], ["GIFTCARD", 5]]), "CAPTURED");
  }
}

function snapshot(
  change: string,
  modifiedAt: number,
  checks: SimCheck[],
  extra: Partial<SimOrderVersion> = {},
): SimOrderVersion {
  return {
    modifiedAt,
    change,
    checks: structuredClone(checks),
    voided: false,
    voidedAt: null,
    deleted: false,
    deletedAt: null,
    excessFood: false,
    closedAt: null,
    ...extra,
  };
}

/** Adds a refund of one sales selection of a paid check; false when there is nothing to refund. */
function refundOne(ctx: Ctx, checks: SimCheck[], at: number, withTip: boolean): boolean {
  for (const check of ctx.rng.shuffle(checks)) {
    if (check.voided || check.deleted) continue;
    const payment = check.payments.find((p) => p.status === "CAPTURED" && !p.refund);
    if (!payment) continue;
    const items = salesSelections(check).filter((s) =>
      !s.refund && selectionPriceCents(s) + s.taxCents <= payment.amountCents &&
      selectionPriceCents(s) > 0
    );
    if (items.length === 0) continue;
    const s = ctx.rng.pick(items);
    const transactionGuid = ctx.input.ids.uuid();
    const price = selectionPriceCents(s);
    s.refund = { transactionGuid, refundCents: price, taxRefundCents: s.taxCents };
    payment.refund = {
      transactionGuid,
      refundAmountCents: price + s.taxCents,
      salesRefundCents: price,
      tipRefundCents: withTip ? Math.min(payment.tipCents, 300) : 0,
      refundedAt: at,
      refundBusinessDate: businessDateAt(at, ctx.tz, ctx.input.location.cutoffHour),
    };
    return true;
  }
  return false;
}

/**
 * Refunds a whole paid check (one captured payment, no check discount) in one transaction:
 * every line and charge comes back, tax and tip included. What net sales lose is only what
 * was a sale: the menu items (not the gift card or house-account line) and the non-gratuity,
 * non-fundraising charges. False when no check qualifies.
 */
function refundWholeCheck(ctx: Ctx, checks: SimCheck[], at: number): boolean {
  const check = checks.find((c) =>
    !c.voided && !c.deleted && c.checkDiscountCents === 0 && c.payments.length === 1 &&
    c.payments[0].status === "CAPTURED" && !c.payments[0].refund
  );
  if (!check) return false;
  const payment = check.payments[0];
  const transactionGuid = ctx.input.ids.uuid();
  let salesRefundCents = 0;
  for (const s of check.selections) {
    if (s.voided) continue;
    s.refund = { transactionGuid, refundCents: selectionPriceCents(s), taxRefundCents: s.taxCents };
    if (s.selectionType === "NONE" && !s.deferred) salesRefundCents += selectionPriceCents(s);
  }
  for (const c of check.serviceCharges) {
    c.refund = { transactionGuid, refundCents: c.chargeCents, taxRefundCents: c.taxCents };
    if (!c.gratuity && c.category !== "FUNDRAISING_CAMPAIGN") salesRefundCents += c.chargeCents;
  }
  payment.refund = {
    transactionGuid,
    refundAmountCents: payment.amountCents,
    salesRefundCents,
    tipRefundCents: payment.tipCents,
    refundedAt: at,
    refundBusinessDate: businessDateAt(at, ctx.tz, ctx.input.location.cutoffHour),
  };
  return true;
}

function minutes(n: number): number {
  return n * 60_000;
}

/** Builds one order and its versions. */
function buildOrder(ctx: Ctx, openedAt: number, features: Set<OrderFeature>): SimOrder {
  const { rng, input } = ctx;
  // A whole-check refund gives back a gift card and a gratuity too: both must be there.
  if (features.has("refundWholeCheck")) {
    features.add("giftCard");
    features.add("gratuity");
  }
  const terminal = [...features].find((f) => TERMINAL.has(f));
  const needsChecks = features.has("voidedCheck") || features.has("deletedCheck") ? 2 : 1;
  let diningOption: SimOrder["diningOption"] = rng.weighted([
    ["DINE_IN", 65],
    ["TAKE_OUT", 25],
    ["DELIVERY", 10],
  ]);
  if (features.has("deliveryFee")) diningOption = "DELIVERY";
  if (
    features.has("gratuity") || needsChecks > 1 || features.has("voidedSelection") ||
    terminal === "voidedOrder" || terminal === "deletedOrder" || terminal === "openOrder"
  ) {
    diningOption = "DINE_IN";
  }
  if (features.has("houseAccount") || terminal === "excessFood") diningOption = "TAKE_OUT";
  let guests = diningOption === "DINE_IN"
    ? rng.weighted([[1, 10], [2, 40], [3, 15], [4, 20], [5, 7], [6, 5], [8, 3]])
    : rng.weighted([[1, 70], [2, 30]]);
  if (features.has("gratuity")) guests = Math.max(guests, rng.int(6, 9));
  if (needsChecks > 1) guests = Math.max(guests, 2);

  const checkCount = Math.max(
    needsChecks,
    diningOption === "DINE_IN" && guests >= 3 && rng.chance(0.2) ? rng.int(2, 3) : 1,
  );
  const checks: SimCheck[] = [];
  for (let i = 0; i < checkCount; i++) checks.push(newCheck(ctx, openedAt));
  const order: SimOrder = {
    guid: input.ids.uuid(),
    locationIndex: input.location.index,
    businessDate: input.date,
    openedAt,
    diningOption,
    guests,
    displayNumber: String(ctx.checkNumber),
    versions: [],
  };

  // Items: about two per guest, spread over the checks; later rounds (dessert, drinks) only
  // show up in the closing version of a dine-in order.
  const firstRound = openedAt + minutes(rng.int(1, 4));
  if (features.has("houseAccount")) {
    checks[0].selections.push(specialSelection(ctx, firstRound, "HOUSE_ACCOUNT_PAY_BALANCE"));
  } else {
    const itemCount = Math.max(1, guests * 2 + rng.int(-1, 2));
    for (let i = 0; i < itemCount; i++) {
      checks[i % checks.length].selections.push(newSelection(ctx, firstRound));
    }
  }
  if (features.has("giftCard")) {
    checks[0].selections.push(specialSelection(ctx, firstRound, "TOAST_CARD_SELL"));
  }
  if (features.has("deliveryFee")) addServiceCharge(ctx, checks[0], "deliveryFee");

  const versions: SimOrderVersion[] = [];
  const dineIn = diningOption === "DINE_IN";
  const closeAt = openedAt + minutes(dineIn ? rng.int(35, 100) : rng.int(8, 30)) +
    rng.int(0, 59_999);

  if (terminal === "excessFood") {
    // Waste tracking: food made and thrown away, rung in so inventory sees it; never paid.
    const v = snapshot("excess food logged", firstRound + rng.int(0, 59_999), checks, {
      excessFood: true,
      closedAt: firstRound,
    });
    for (const c of v.checks) c.closedAt = firstRound;
    versions.push(v);
    order.versions = versions;
    return order;
  }

  if (dineIn) {
    versions.push(snapshot("opened", firstRound + rng.int(1000, 59_999), checks));
  }

  if (terminal === "voidedOrder" || terminal === "deletedOrder") {
    const at = firstRound + minutes(rng.int(3, 25));
    const extra: Partial<SimOrderVersion> = terminal === "voidedOrder"
      ? { voided: true, voidedAt: at }
      : { deleted: true, deletedAt: at };
    const v = snapshot(
      terminal === "voidedOrder" ? "order voided" : "order deleted",
      at,
      checks,
      extra,
    );
    if (terminal === "voidedOrder") {
      for (const c of v.checks) {
        c.voided = true;
        c.voidedAt = at;
      }
    } else {
      for (const c of v.checks) {
        c.deleted = true;
        c.deletedAt = at;
      }
    }
    versions.push(v);
    order.versions = versions;
    return order;
  }
  if (terminal === "openOrder") {
    // A tab still open at the end of the day: Toast counts it in net sales all the same.
    checks[0].selections.push(newSelection(ctx, firstRound + minutes(20), "drink"));
    versions.push(snapshot("more drinks", firstRound + minutes(20) + rng.int(0, 59_999), checks));
    order.versions = versions;
    return order;
  }

  // Between opening and closing: more rounds, voids, discounts, service charges.
  if (dineIn) {
    const rounds = rng.int(0, guests);
    for (let i = 0; i < rounds; i++) {
      const c = rng.pick(checks);
      c.selections.push(newSelection(ctx, closeAt - minutes(15), rng.pick(["drink", "dessert"])));
    }
  }
  if (features.has("voidedSelection")) {
    const c = rng.pick(checks.filter((c) => salesSelections(c).length > 0));
    const candidates = salesSelections(c);
    // Keep at least one sale on the check so its payment is not zero.
    if (candidates.length > 1 || checks.length > 1) {
      const s = rng.pick(candidates);
      s.voided = true;
      s.voidedAt = closeAt - minutes(20);
    } else {
      c.selections.push({ ...newSelection(ctx, firstRound), voided: true, voidedAt: firstRound });
    }
  }
  if (features.has("itemDiscount")) applyItemDiscount(ctx, rng.pick(checks));
  if (features.has("checkDiscount")) applyCheckDiscount(ctx, checks[checks.length - 1]);
  if (features.has("gratuity")) addServiceCharge(ctx, checks[0], "gratuity");
  if (features.has("fundraising")) addServiceCharge(ctx, checks[0], "fundraising");

  let payable = checks;
  if (features.has("deletedCheck")) {
    // Two checks combined into one: the second is deleted and its items move to the first.
    const [keep, gone] = [checks[0], checks[1]];
    keep.selections.push(
      ...structuredClone(gone.selections).map((s) => ({
        ...s,
        guid: input.ids.uuid(),
      })),
    );
    gone.deleted = true;
    gone.deletedAt = closeAt - minutes(5);
    payable = checks.filter((c) => c !== gone);
  }
  if (features.has("voidedCheck")) {
    // A check voided as a whole (a walkout written off by the manager): its lines stay as they
    // were, the check-level flag is what takes it out of sales.
    const gone = checks[checks.length - 1];
    if (!gone.deleted) {
      gone.voided = true;
      gone.voidedAt = closeAt - minutes(3);
      payable = payable.filter((c) => c !== gone);
    }
  }
  payable.forEach((c, i) =>
    pay(ctx, c, closeAt + i * 1000, { voidedFirst: i === 0 && features.has("voidedPayment") })
  );
  versions.push(snapshot("closed", closeAt + rng.int(1000, 20_000), checks, { closedAt: closeAt }));

  let last = versions[versions.length - 1].modifiedAt;
  if (features.has("noOpUpdate")) {
    // Kitchen marks the order fulfilled: a new version with nothing that changes the money.
    last += minutes(rng.int(1, 10));
    versions.push(snapshot("fulfilled", last, checks, { closedAt: closeAt }));
  }
  if (features.has("tipAdjust")) {
    const p = payable.flatMap((c) => c.payments).find((p) =>
      p.type === "CREDIT" && p.status === "CAPTURED"
    );
    if (p) {
      p.tipCents += rng.int(1, 8) * 25;
      last += minutes(rng.int(20, 240));
      versions.push(snapshot("tip adjusted", last, checks, { closedAt: closeAt }));
    }
  }
  if (features.has("refundSameDay")) {
    const at = Math.max(last, closeAt) + minutes(rng.int(5, 60));
    if (refundOne(ctx, payable, at, rng.chance(0.3))) {
      last = at + rng.int(500, 5000);
      versions.push(snapshot("refund", last, checks, { closedAt: closeAt }));
    }
  }
  if (features.has("refundWholeCheck")) {
    const at = Math.max(last, closeAt) + minutes(rng.int(10, 90));
    if (refundWholeCheck(ctx, payable, at)) {
      last = at + rng.int(500, 5000);
      versions.push(snapshot("whole check refunded", last, checks, { closedAt: closeAt }));
    }
  }
  if (features.has("refundLaterDay")) {
    const latest = input.latestRefundDate ?? addDaysText(input.date, 1);
    const days = Math.min(2, Math.max(1, daysBetween(input.date, latest)));
    const dayOffset = rng.int(1, days);
    const at = localInstant(addDaysText(input.date, dayOffset), 12 + rng.int(0, 300) / 60, ctx.tz);
    if (refundOne(ctx, payable, at, false)) {
      last = at + rng.int(500, 5000);
      versions.push(snapshot("refund on a later day", last, checks, { closedAt: closeAt }));
    }
  }
  order.versions = versions;
  return order;
}

function addDaysText(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * The orders of one location and business day, each feature of
 * {@link OrderDayInput.requiredFeatures} on at least one of them, opened in time order.
 */
export function generateOrderDay(input: OrderDayInput): SimOrder[] {
  const ctx: Ctx = { input, rng: input.rng, tz: input.location.timeZone, checkNumber: 0 };
  const rng = input.rng;
  const intensity = input.intensity ?? ORDER_INTENSITY;
  const required = input.requiredFeatures ?? ORDER_FEATURES;
  const count = Math.max(input.orderCount, required.length);
  const openTimes = Array.from({ length: count }, () => pickOpenTime(ctx, intensity))
    .sort((a, b) => a - b);
  const featureSets = openTimes.map(() => new Set<OrderFeature>());
  // The daily minimum: each required feature on a different order, so they do not collide.
  const slots = rng.shuffle(openTimes.map((_, i) => i));
  required.forEach((f, i) => featureSets[slots[i % slots.length]].add(f));
  const scale = input.featureRateScale ?? 1;
  for (const set of featureSets) {
    if ([...set].some((f) => TERMINAL.has(f) || f === "houseAccount")) continue;
    for (const [f, rate] of Object.entries(FEATURE_RATES) as Array<[OrderFeature, number]>) {
      if (TERMINAL.has(f) && [...set].length > 0) continue;
      if (rng.chance(rate * scale)) set.add(f);
    }
    const terminals = [...set].filter((f) => TERMINAL.has(f));
    for (const t of terminals.slice(1)) set.delete(t);
  }
  return openTimes.map((at, i) => buildOrder(ctx, at, featureSets[i]));
}
