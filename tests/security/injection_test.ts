/**
 * SQL injection: every piece of vendor text that reaches the database (event GUID, event type
 * or topic, payment GUID, logged header values) goes as a bound parameter of one constant
 * statement and, inside, as a value, never as SQL. Hostile text in each is stored exactly as
 * sent and does nothing else: no table dropped or emptied, nobody else's rows touched, no
 * statement delayed.
 */
import assert from "node:assert/strict";
import { signSevenShiftsPayload, signToastPayload } from "../../shared/signatures.ts";
import { testDb, testEnv } from "../_support/env.ts";
import { fingerprint, fingerprintDiff, quietFingerprint, send, utf8 } from "../fault/support.ts";
import {
  deliverToast,
  newLocation,
  type SimpleOrder,
  toastEnvelope,
  vendorIds,
} from "../fault/vendors.ts";

const env = testEnv();

const HOSTILE = [
  "'; drop table public.orders; --",
  `"; delete from public.locations where true; --`,
  "x'); truncate public.inbound_events cascade; --",
  // Far longer than the whole test may take, even on a loaded machine (see the bound below).
  "$$; select pg_sleep(30); $$",
  "' or '1'='1",
  "1); update public.daily_metrics set net_sales_cents = 0; --",
  "' union select slack_webhook_url from public.locations --",
  "\\'; select pipeline.set_runtime_config('functions_base_url', 'http://evil.example'); --",
  "%s%n%x${7*7}`id`",
];

Deno.test("SQL injection: hostile text in every stored field is stored verbatim and runs nothing", async () => {
  const sql = testDb();
  try {
    // A bystander restaurant with figures of its own, so that "nobody else's rows touched"
    // is measured against real rows even when this test runs alone.
    const bystander = vendorIds();
    await newLocation(sql, bystander);
    const bystanderOrder: SimpleOrder = {
      orderGuid: crypto.randomUUID(),
      businessDate: 20261118,
      modifiedDate: "2026-11-18T17:00:00.000Z",
      amountCents: 4_200,
      tipCents: 300,
      refundCents: 0,
    };
    const seeded = await deliverToast(
      env.functionsUrl,
      env.toastSecret,
      toastEnvelope(bystanderOrder, bystander.toastGuid),
      bystander.toastGuid,
    );
    assert.equal(seeded.status, 200);

    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    // Everything in the database but the rows this test adds (its location's rows and the
    // events it sends) must stay exactly as it is: the tables the payloads aim at included.
    const [{ lastEvent }] = await sql`select coalesce(max(id), 0)::bigint::text as "lastEvent"
      from public.inbound_events`;
    const own = {
      locationId,
      columns: { toast_restaurant_guid: ids.toastGuid },
      idsAbove: { "public.inbound_events": Number(lastEvent) },
    };
    const before = await quietFingerprint(sql, own);
    const [{ others: ordersBefore }] = await sql`select count(*)::int as others
      from public.orders where location_id <> ${locationId}`;
    const started = Date.now();

    for (const [i, hostile] of HOSTILE.entries()) {
      // A Toast order whose event GUID, payment GUID and logged headers carry the text.
      const order: SimpleOrder = {
        orderGuid: crypto.randomUUID(),
        businessDate: 20261118,
        modifiedDate: new Date(Date.UTC(2026, 10, 18, 18, i)).toISOString(),
        amountCents: 1_000 + i,
        tipCents: 0,
        refundCents: 100,
      };
      const envelope = JSON.parse(toastEnvelope(order, ids.toastGuid));
      envelope.guid = `${hostile} #${crypto.randomUUID()}`;
      envelope.details.order.checks[0].payments[0].guid = hostile;
      const body = JSON.stringify(envelope);
      const res = await send(`${env.functionsUrl}/toast-webhook`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "toast-signature": await signToastPayload(body, envelope.timestamp, env.toastSecret),
          "toast-restaurant-external-id": ids.toastGuid,
          "toast-attempt-number": hostile,
          "user-agent": hostile,
        },
        body: utf8(body),
      });
      assert.equal(res.status, 200, res.text);
      const [stored] = await sql`
        select e.event_key, e.headers ->> 'user-agent' as agent,
          e.headers ->> 'toast-attempt-number' as attempt, r.payment_guid
        from public.inbound_events e
        join public.order_refunds r on r.toast_order_guid = ${order.orderGuid}::uuid
        where e.source = 'toast' and e.event_key = ${envelope.guid}`;
      assert.deepEqual({ ...stored }, {
        event_key: envelope.guid,
        agent: hostile,
        attempt: hostile,
        payment_guid: hostile,
      });

      // An event type and a 7shifts topic made of it: logged as ignored, verbatim.
      const other = JSON.parse(toastEnvelope(order, ids.toastGuid));
      other.eventType = hostile;
      const otherBody = JSON.stringify(other);
      const ignored = await send(`${env.functionsUrl}/toast-webhook`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "toast-signature": await signToastPayload(otherBody, other.timestamp, env.toastSecret),
          "toast-restaurant-external-id": ids.toastGuid,
        },
        body: utf8(otherBody),
      });
      assert.equal(ignored.status, 202, ignored.text);
      // Unique to this run: a body sent before is a redelivery, and would bump an older row.
      const punchBody = JSON.stringify({ id: 1, note: hostile, run: ids.toastGuid });
      const ts = String(Math.floor(Date.now() / 1000));
      const topicRes = await send(`${env.functionsUrl}/sevenshifts-webhook`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-webhook-topic": hostile,
          "x-company-id": hostile,
          "x-hmac-timestamp": ts,
          "x-hmac-signature": await signSevenShiftsPayload(
            punchBody,
            ts,
            env.sevenShiftsGrantGuid,
          ),
        },
        body: utf8(punchBody),
      });
      assert.equal(topicRes.status, 202, topicRes.text);
      const topics = await sql`select source, topic, headers ->> 'x-company-id' as company
        from public.inbound_events
        where (source = 'toast' and event_key = ${other.guid})
          or (source = '7shifts' and raw_body = ${punchBody})
        order by source`;
      assert.deepEqual(topics.map((t) => ({ ...t })), [
        { source: "7shifts", topic: hostile, company: hostile },
        { source: "toast", topic: hostile, company: null },
      ]);
    }

    // 27 requests take about a second (a few on a loaded machine); one pg_sleep(30) that ran
    // would take 30 s on its own.
    assert.ok(Date.now() - started < 20_000, `no statement slept (${Date.now() - started} ms)`);
    assert.deepEqual(fingerprintDiff(before, await fingerprint(sql, own)), []);
    const [{ others: ordersAfter }] = await sql`select count(*)::int as others
      from public.orders where location_id <> ${locationId}`;
    assert.equal(ordersAfter, ordersBefore, "nobody else's orders touched");
    const [{ n }] = await sql`select count(*)::int as n from public.orders
      where location_id = ${locationId}`;
    assert.equal(n, HOSTILE.length);
    const [{ base }] = await sql`select pipeline.runtime_config('functions_base_url') as base`;
    assert.doesNotMatch(String(base), /evil/);
  } finally {
    await sql.end();
  }
});
