/**
 * Values out of range are refused at the edge with 400 naming the field, before anything is
 * stored, with the same bounds whether the restaurant or location is mapped or not (an
 * unmapped delivery is held and applied later, so a bound checked only on apply would let a
 * poison event in): order totals past $1 trillion, instants and business dates outside
 * 2000-2099, punches longer than a week.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { testDb, testEnv } from "../_support/env.ts";
import {
  deliverPunch,
  deliverToast,
  newLocation,
  punchBody,
  type SimplePunch,
  toastEnvelope,
  vendorIds,
} from "../fault/vendors.ts";

const env = testEnv();

/** The event's log row and the order's row: both must be absent after a refusal. */
async function stored(sql: postgres.Sql, eventKey: string, orderGuid: string) {
  const [{ events }] = await sql`select count(*)::int as events from public.inbound_events
    where event_key = ${eventKey}`;
  const [{ orders }] = await sql`select count(*)::int as orders from public.orders
    where toast_order_guid = ${orderGuid}`;
  return { events, orders };
}

/**
 * Sends the order `build` makes for a mapped restaurant, then for an unmapped one: each must be
 * refused with 400 and leave neither its event nor its order behind. Returns the fields named.
 */
async function refusedMappedOrNot(
  sql: postgres.Sql,
  build: (orderGuid: string, restaurantGuid: string) => Record<string, unknown>,
): Promise<Array<Array<{ path: string; message: string }>>> {
  const mapped = vendorIds();
  await newLocation(sql, mapped);
  const named = [];
  for (const restaurantGuid of [mapped.toastGuid, crypto.randomUUID()]) {
    const orderGuid = crypto.randomUUID();
    const body = build(orderGuid, restaurantGuid);
    const text = JSON.stringify(body);
    const answer = await deliverToast(env.functionsUrl, env.toastSecret, text, restaurantGuid);
    assert.equal(answer.status, 400, JSON.stringify(answer.json));
    named.push((answer.json.error as { fields: Array<{ path: string; message: string }> }).fields);
    assert.deepEqual(await stored(sql, body.guid as string, orderGuid), { events: 0, orders: 0 });
  }
  return named;
}

Deno.test("bounds: an order whose total passes $1 trillion is refused (400 details.order.checks), mapped or not", async () => {
  const sql = testDb();
  try {
    const named = await refusedMappedOrNot(sql, (orderGuid, restaurantGuid) => {
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
      return body;
    });
    for (const fields of named) {
      assert.ok(fields.length > 0 && fields.every((f) => f.path === "details.order.checks"));
      assert.match(fields[0].message, /net sales total \(9999999999999900 cents\)/);
    }
  } finally {
    await sql.end();
  }
});

Deno.test("bounds: punches outside 2000-2099 or longer than a week are refused with 400 naming the field, mapped or not", async () => {
  const sql = testDb();
  try {
    const mapped = vendorIds();
    await newLocation(sql, mapped);
    for (const ids of [mapped, vendorIds()]) {
      const base: SimplePunch = {
        id: 1_930_000_000 + Math.floor(Math.random() * 40_000_000),
        companyId: ids.companyId,
        locationId: ids.sevenShiftsLocationId,
        clockedIn: "2026-11-24 09:00:00",
        clockedOut: "2026-11-24 17:00:00",
        modified: "2026-11-24 17:01:00",
        hourlyWage: 18,
      };
      const cases: Array<[Partial<SimplePunch> & { breakIn?: string }, string]> = [
        [{ clockedIn: "1950-01-01 09:00:00" }, "clocked_in"], // 76 years of paid seconds
        [{ clockedIn: "2026-11-14 09:00:00" }, "clocked_out"], // 10 days on the clock
        [{ clockedOut: "2100-01-01 00:00:00" }, "clocked_out"],
        [{ modified: "1999-12-31 23:59:59" }, "modified"],
        [{ breakIn: "1950-01-01 12:00:00" }, "time_punch_breaks.0.in"],
      ];
      for (const [change, field] of cases) {
        const punch = { ...base, ...change, id: base.id + cases.length };
        const body = JSON.parse(punchBody(punch));
        if (change.breakIn) {
          body.time_punch_breaks = [{
            paid: false,
            in: change.breakIn,
            out: "2026-11-24 12:30:00",
          }];
        }
        const answer = await deliverPunch(
          env.functionsUrl,
          env.sevenShiftsGrantGuid,
          JSON.stringify(body),
          "time_punch.created",
        );
        assert.equal(answer.status, 400, `${field}: ${JSON.stringify(answer.json)}`);
        const fields = (answer.json.error as { fields: Array<{ path: string }> }).fields;
        assert.deepEqual(fields.map((f) => f.path), [field]);
        const rows =
          await sql`select 1 from public.punches where sevenshifts_punch_id = ${punch.id}`;
        assert.equal(rows.length, 0);
      }
    }
  } finally {
    await sql.end();
  }
});

Deno.test("bounds: Toast business dates outside 2000-2099 are refused with 400 naming the field", async () => {
  const sql = testDb();
  try {
    const named = await refusedMappedOrNot(sql, (orderGuid, restaurantGuid) => {
      const body = JSON.parse(toastEnvelope({
        orderGuid,
        businessDate: 19500101,
        modifiedDate: "2026-11-24T20:00:00.000Z",
        amountCents: 1_000,
        tipCents: 0,
        refundCents: 100,
      }, restaurantGuid));
      body.details.order.checks[0].payments[0].refund.refundBusinessDate = 21000101;
      return body;
    });
    for (const fields of named) {
      assert.deepEqual(fields.map((f) => f.path).sort(), [
        "details.order.businessDate",
        "details.order.checks.0.payments.0.refund.refundBusinessDate",
      ]);
    }
  } finally {
    await sql.end();
  }
});
