/**
 * Refunds by Toast's own net-sales recipe, one fixture per refund shape Toast documents
 * (tests/fixtures/toast/order_updated_refund_*.json), every expected figure worked by hand:
 * a refund takes back only refunded *sales* — menu items (their `refundDetails.refundAmount`,
 * which already includes priced modifiers) and non-gratuity, non-fundraising service charges —
 * on the refund business date of the payment its `refundTransaction` links; never tax, tips,
 * gratuity, gift cards (deferred) or house-account payments.
 */
import assert from "node:assert/strict";
import {
  normalizeToastOrder,
  parseToastEnvelope,
  parseToastOrderDetails,
} from "../../shared/toast.ts";
import type { NormalizedOrder } from "../../shared/types.ts";

function normalized(name: string): NormalizedOrder {
  const body = JSON.parse(
    Deno.readTextFileSync(new URL(`../fixtures/toast/${name}`, import.meta.url)),
  );
  const env = parseToastEnvelope(body);
  assert.ok(env.ok);
  const details = parseToastOrderDetails(env.value.details);
  assert.ok(details.ok, JSON.stringify(!details.ok && details.problems));
  return normalizeToastOrder(details.value.order);
}

/** The refund rows as [payment GUID's last 3 digits, day, sales cents, tip cents]. */
const rows = (o: NormalizedOrder) =>
  o.refunds.map((
    r,
  ) => [r.paymentGuid.slice(-3), r.refundBusinessDate, r.refundCents, r.tipRefundCents]);

Deno.test("refund: item-level, a burger with a priced modifier: 18.00, not 17.84 (modifier tax) or 20.00", () => {
  // Burger $18.00 (its price and its refundAmount include the $2.00 bacon modifier), tax 1.44;
  // the modifier's own refundDetails (2.00 + 0.16 tax) is part of the burger's, not extra.
  // The payment's refundAmount 19.44 = 18.00 + 1.44 tax: the sales part is 1800 ¢.
  const o = normalized("order_updated_refund_item.json");
  assert.equal(o.netSalesCents, 3000, "check.amount 30.00 does not reflect refunds");
  assert.deepEqual(rows(o), [["101", "2026-11-02", 1800, 0]]);
});

Deno.test("refund: a whole check ($100 food, $8 tax, $18 gratuity, $10 tip) takes back $100, not $118", () => {
  const o = normalized("order_updated_refund_whole_check.json");
  assert.equal(o.netSalesCents, 10_000);
  assert.equal(o.gratuityCents, 1_800);
  // refundAmount 126.00 = 100 food + 8 tax + 18 gratuity; the tip refund is kept apart.
  assert.deepEqual(rows(o), [["201", "2026-11-01", 10_000, 1_000]]);
});

Deno.test("refund: service charges: a delivery fee is a sale refunded, a round-up donation is not", () => {
  // Delivery fee 5.00 (+0.40 tax) and donation 1.00 refunded: 6.40 paid back, 5.00 of sales.
  const o = normalized("order_updated_refund_service_charge.json");
  assert.equal(o.netSalesCents, 2_500, "26.00 − the 1.00 donation");
  assert.deepEqual(rows(o), [["301", "2026-11-01", 500, 0]]);
});

Deno.test("refund: a gift card or a house-account payment given back takes no sales ($25 card on a $75 check: 0, not $25)", () => {
  const o = normalized("order_updated_refund_gift_card.json");
  assert.equal(o.netSalesCents, 5_000, "75.00 − 25.00 gift card; 40.00 − 40.00 house account");
  assert.equal(o.deferredCents, 2_500);
  assert.deepEqual(rows(o), [], "nothing that was a sale came back, and no tip either");
});

Deno.test("refund: a partial amount of one item counts that amount, on its own later day", () => {
  // $15.00 of a $40.00 steak (+1.20 tax) two days later.
  const o = normalized("order_updated_refund_partial_amount.json");
  assert.equal(o.netSalesCents, 5_400);
  assert.deepEqual(rows(o), [["501", "2026-11-03", 1_500, 0]]);
});

Deno.test("refund: a payment refund that names no item counts no sales (its tip refund is kept)", () => {
  // No refundTransaction and no refundDetails: the 10.80 cannot be told apart from tax, tip,
  // gratuity or a gift card, so it takes nothing from net sales (it was 1080 before).
  const o = normalized("order_updated_refund_unlinked.json");
  assert.equal(o.netSalesCents, 1_700);
  assert.deepEqual(rows(o), [["601", "2026-11-01", 0, 100]]);
});

Deno.test("refund: a check split over two cards, refunded in one transaction, counts its sales once", () => {
  // Both payments link the same transaction: the 30.00 of items is counted once, on the first
  // payment; each payment keeps its own tip refund.
  const o = normalized("order_updated_refund_split_payments.json");
  assert.equal(o.netSalesCents, 3_000);
  assert.deepEqual(rows(o), [["701", "2026-11-01", 3_000, 300], ["702", "2026-11-01", 0, 250]]);
});

Deno.test("refund: one payment refunded twice counts both transactions, on the payment's refund day", () => {
  // Wings (10.00, transaction 8) and fries (8.00, transaction 9); the payment's refund names
  // only transaction 9 (Toast keeps one refund per payment): the check's only refunded payment
  // carries both, 18.00 (was 18.80: 19.44 − fries tax only).
  const o = normalized("order_updated_refund_two_transactions.json");
  assert.equal(o.netSalesCents, 2_100);
  assert.deepEqual(rows(o), [["801", "2026-11-03", 1_800, 0]]);
});
