/**
 * Values out of range are refused at the edge with 400 naming the field, before anything is
 * stored, with the same bounds whether the restaurant or location is mapped or not (an
 * unmapped delivery is held and applied later, so a bound checked only on apply would let a
 * poison event in): order totals past $1 trillion.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { testDb, testEnv } from "../_support/env.ts";
import { deliverToast, newLocation, toastEnvelope, vendorIds } from "../fault/vendors.ts";

const env = testEnv();

/** The event's log row and the order's row: both must be absent after a refusal. */
async function stored(sql: postgres.Sql, eventKey: string, orderGuid: string) {
  const [{ events }] = await sql`select count(*)::int as events from public.inbound_events
    where event_key = ${eventKey}`;
  const [{ orders }] = await sql`select count(*)::int as orders from public.orders
    where toast_order_guid = ${orderGuid}`;
  return { events, orders };
}

Deno.test("bounds: an order whose total passes $1 trillion is refused (400 details.order.checks), mapped or not", async () => {
  const sql = testDb();
  try {
    const mapped = vendorIds();
    await newLocation(sql, mapped);
    for (const restaurantGuid of [mapped.toastGuid, crypto.randomUUID()]) {
      const orderGuid = crypto.randomUUID();
      const body = JSON.parse(toastEnvelope({
        orderGuid,
        businessDate: 20261124,
        modifiedDate: "2026-11-24T20:00:00.000Z",
        amountCents: 99_999_999_999_999,
        tipCents: 0,
      }, restaurantGuid));
      // 100 checks at $999,999,999,999.99: 9,999,999,999,999,900 ¢, past 2^53.
      const check = body.details.order.checks[0];
      check.taxAmount = 0;
      body.details.order.checks = Array.from({ length: 100 }, (_, i) => ({
        ...structuredClone(check),
        guid: `${orderGuid.slice(0, 24)}${String(i).padStart(12, "0")}`,
        payments: [],
      }));
      const text = JSON.stringify(body);
      const answer = await deliverToast(env.functionsUrl, env.toastSecret, text, restaurantGuid);
      assert.equal(answer.status, 400, JSON.stringify(answer.json));
      const fields = (answer.json.error as { fields: Array<{ path: string; message: string }> })
        .fields;
      assert.ok(fields.length > 0 && fields.every((f) => f.path === "details.order.checks"));
      assert.match(fields[0].message, /net sales total \(9999999999999900 cents\)/);
      assert.deepEqual(await stored(sql, body.guid, orderGuid), { events: 0, orders: 0 });
    }
  } finally {
    await sql.end();
  }
});
