import assert from "node:assert/strict";
import {
  MAX_ORDER_TOTAL_CENTS,
  normalizeToastOrder,
  parseToastEnvelope,
  parseToastOrderDetails,
  toastBusinessDate,
  type ToastOrder,
} from "../../shared/toast.ts";

const fixture = (name: string) =>
  JSON.parse(Deno.readTextFileSync(new URL(`../fixtures/toast/${name}`, import.meta.url)));

function orderOf(name: string): { order: ToastOrder; restaurantGuid: string | null } {
  const env = parseToastEnvelope(fixture(name));
  assert.ok(env.ok, JSON.stringify(!env.ok && env.problems));
  const details = parseToastOrderDetails(env.value.details);
  assert.ok(details.ok, JSON.stringify(!details.ok && details.problems));
  return details.value;
}

Deno.test("toast: business dates are real yyyyMMdd integers", () => {
  assert.equal(toastBusinessDate(20261101), "2026-11-01");
  assert.equal(toastBusinessDate(20240229), "2024-02-29");
  assert.equal(toastBusinessDate(20250229), null);
  assert.equal(toastBusinessDate(20261301), null);
  assert.equal(toastBusinessDate(20261100), null);
  assert.equal(toastBusinessDate(2026110), null);
  assert.equal(toastBusinessDate(20261101.5), null);
});

Deno.test("toast: the full order follows Toast's net-sales recipe, in cents", () => {
  const { order, restaurantGuid } = orderOf("order_updated_full_v1.json");
  assert.equal(restaurantGuid, "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b");
  const n = normalizeToastOrder(order);
  // Check A: amount 23.38 (burger 16.20 + fries 6.50 + 0.68 non-gratuity charge; the voided
  //   soda is outside the amount; the 4.09 gratuity charge is not in check.amount).
  // Check B: amount 82.00 - gift card 25.00 (deferred) - house account payment 40.00 = 17.00.
  // Check C voided, check E deleted: out. Check D: 23.50.
  assert.equal(n.netSalesCents, 2338 + 1700 + 2350);
  assert.equal(n.discountCents, 180 + 500 + 200); // item, check-level, item
  assert.equal(n.grossSalesCents, 6388 + 880);
  assert.equal(n.taxCents, 182 + 136 + 188);
  assert.equal(n.tipCents, 500 + 300);
  assert.equal(n.gratuityCents, 409);
  assert.equal(n.deferredCents, 2500);
  assert.equal(n.checkCount, 3);
  assert.equal(n.businessDate, "2026-11-01");
  assert.equal(n.modifiedAt, "2026-11-02T01:31:05.000Z");
  assert.equal(n.orderGuid, "d3b07384-d113-4ec6-a7a1-5c3f2b1e9a01");
  assert.deepEqual([n.voided, n.deleted, n.excessFood], [false, false, false]);
  assert.deepEqual(n.refunds, []);
});

Deno.test("toast: a partial refund counts on its refund business date, without tax or tip", () => {
  const { order, restaurantGuid } = orderOf("order_updated_full_v2_refund.json");
  assert.equal(restaurantGuid, null, "bare Order: the restaurant comes from the header");
  const n = normalizeToastOrder(order);
  assert.equal(n.netSalesCents, 6388, "check.amount does not reflect refunds");
  assert.equal(n.businessDate, "2026-11-01");
  assert.deepEqual(n.refunds, [{
    paymentGuid: "55555555-eeee-4eee-8eee-000000000002",
    refundBusinessDate: "2026-11-03",
    refundCents: 1700, // 18.36 refunded - 1.36 tax refunded in the same refund transaction
    tipRefundCents: 100,
  }]);
  assert.ok(
    n.modifiedAt > normalizeToastOrder(orderOf("order_updated_full_v1.json").order).modifiedAt,
  );
});

Deno.test("toast: a payment refund without a transaction link takes its check's refunded items", () => {
  // The check's one refunded payment names no transaction; its items say what came back
  // (17.00 of rigatoni), never the payment's whole 18.36 with its tax.
  const { order } = orderOf("order_updated_full_v2_refund.json");
  const payment = order.checks[1].payments![0];
  payment.refund!.refundTransaction = null;
  const n = normalizeToastOrder(order);
  assert.equal(n.refunds[0].refundCents, 1700);
  // With no item refunded either, no sales came back at all.
  order.checks[1].selections[0].refundDetails = null;
  assert.deepEqual(normalizeToastOrder(order).refunds.map((r) => r.refundCents), [0]);
});

Deno.test("toast: voided and excess-food orders count nothing; moved orders change date", () => {
  const voided = normalizeToastOrder(orderOf("order_updated_voided_v2.json").order);
  assert.equal(voided.voided, true);
  assert.deepEqual(
    [voided.netSalesCents, voided.taxCents, voided.tipCents, voided.checkCount, voided.refunds],
    [0, 0, 0, 0, []],
  );
  const before = normalizeToastOrder(orderOf("order_updated_voided_v1.json").order);
  assert.equal(before.netSalesCents, 3100);
  assert.equal(before.tipCents, 200);
  const waste = normalizeToastOrder(orderOf("order_updated_excess_food.json").order);
  assert.equal(waste.excessFood, true);
  assert.equal(waste.netSalesCents, 0);
  assert.equal(waste.discountCents, 0);
  const m1 = normalizeToastOrder(orderOf("order_updated_moved_v1.json").order);
  const m2 = normalizeToastOrder(orderOf("order_updated_moved_v2.json").order);
  assert.equal(m1.orderGuid, m2.orderGuid);
  assert.deepEqual([m1.businessDate, m2.businessDate], ["2026-11-01", "2026-11-02"]);
  assert.equal(m2.netSalesCents, 1425);
});

Deno.test("toast: a deleted order counts nothing", () => {
  const { order } = orderOf("order_updated_voided_v1.json");
  order.deleted = true;
  const n = normalizeToastOrder(order);
  assert.equal(n.deleted, true);
  assert.equal(n.netSalesCents, 0);
});

Deno.test("toast: schema problems are listed by dotted path from the body root", () => {
  const body = fixture("order_updated_full_v1.json");
  body.details.order.checks[0].amount = "23.38";
  delete body.details.order.modifiedDate;
  body.details.order.businessDate = 20261131;
  body.details.order.checks[1].selections[0].price = 1e21;
  const r = parseToastOrderDetails(body.details);
  assert.equal(r.ok, false);
  const paths = !r.ok ? r.problems.map((p) => p.path).sort() : [];
  assert.deepEqual(paths, [
    "details.order.businessDate",
    "details.order.checks.0.amount",
    "details.order.checks.1.selections.0.price",
    "details.order.modifiedDate",
  ]);
});

Deno.test("toast: a payment GUID repeated within the order is refused", () => {
  const body = fixture("order_updated_full_v1.json");
  body.details.order.checks[3].payments[0].guid = body.details.order.checks[0].payments[0].guid;
  const r = parseToastOrderDetails(body.details);
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.problems.map((p) => p.path), [
    "details.order.checks.3.payments.0.guid",
  ]);
});

Deno.test("toast: envelope problems and unknown fields", () => {
  const r = parseToastEnvelope({ eventType: 3, details: {} });
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.problems.map((p) => p.path).sort(), [
    "eventType",
    "guid",
    "timestamp",
  ]);
  assert.equal(parseToastEnvelope([]).ok, false);
  const ok = parseToastEnvelope({ ...fixture("menus_updated.json"), somethingNew: { a: 1 } });
  assert.ok(ok.ok);
  assert.deepEqual((ok.value as Record<string, unknown>).somethingNew, { a: 1 });
  const bare = parseToastOrderDetails("not an order");
  assert.equal(bare.ok, false);
  assert.equal(!bare.ok && bare.problems[0].path, "details");
});

/** An order of `n` checks, each one menu item at `dollars` (a JSON number). */
function bigOrder(n: number, dollars: number) {
  const { order } = orderOf("order_updated_full_v1.json");
  const check = structuredClone(order.checks[3]); // check D: one item, no discounts
  check.selections = [{ ...check.selections[0], price: dollars, appliedDiscounts: [] }];
  check.amount = dollars;
  check.taxAmount = 0;
  check.appliedServiceCharges = [];
  check.appliedDiscounts = [];
  check.payments = [];
  return {
    ...order,
    checks: Array.from({ length: n }, (_, i) => ({
      ...structuredClone(check),
      guid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    })),
  };
}

Deno.test("toast: an order total past $1 trillion is refused (400 naming the field), never summed inexactly", () => {
  // 100 checks at $999,999,999,999.99: each amount is under the bound, their sum is
  // 9,999,999,999,999,900 ¢, beyond 2^53, where JavaScript numbers are no longer exact.
  const parsed = parseToastOrderDetails({
    restaurantGuid: null,
    order: bigOrder(100, 999_999_999_999.99),
  });
  assert.equal(parsed.ok, false);
  const problems = !parsed.ok ? parsed.problems : [];
  assert.deepEqual(
    problems.map((p) => [p.path, p.message.split(" total")[0]]),
    [["details.order.checks", "the order's net sales"], [
      "details.order.checks",
      "the order's gross sales",
    ]],
  );
  // Just under the bound: exact to the cent. 90 checks at $1,111,111,111.11 = 9,999,999,999,999 ¢.
  const fits = parseToastOrderDetails(bigOrder(90, 1_111_111_111.11));
  assert.ok(fits.ok, JSON.stringify(!fits.ok && fits.problems));
  const n = normalizeToastOrder(fits.value.order);
  assert.equal(n.netSalesCents, 9_999_999_999_990);
  assert.ok(n.netSalesCents < MAX_ORDER_TOTAL_CENTS);
  assert.ok(Number.isSafeInteger(MAX_ORDER_TOTAL_CENTS));
});
