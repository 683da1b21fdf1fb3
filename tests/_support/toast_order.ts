/**
 * A Toast order as toast-webhook normalises it (shared/types.ts NormalizedOrder), for tests that
 * hand orders to the ingest SQL directly: one counted check on 2026-11-20 with no discount, tax,
 * tip or refund, unless `fields` say otherwise.
 *
 * @module
 */
import type { NormalizedOrder } from "../../shared/types.ts";

/** `fields` over a plain counted order of nothing. */
export function normalizedOrder(
  fields: Partial<NormalizedOrder> & Pick<NormalizedOrder, "orderGuid">,
): NormalizedOrder {
  return {
    businessDate: "2026-11-20",
    netSalesCents: 0,
    grossSalesCents: 0,
    discountCents: 0,
    taxCents: 0,
    tipCents: 0,
    gratuityCents: 0,
    deferredCents: 0,
    checkCount: 1,
    voided: false,
    deleted: false,
    excessFood: false,
    modifiedAt: "2026-11-20T18:00:00.000Z",
    refunds: [],
    ...fields,
  };
}
