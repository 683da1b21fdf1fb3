/**
 * Replays. A captured 7shifts delivery carries its signing time (`x-hmac-timestamp`, part of
 * the HMAC key), so replaying it more than 5 minutes from then is refused with 401 and never
 * reaches the database; a timestamp cannot be moved without the grant GUID. Inside the
 * window a replay is the same event (same topic and body) and changes nothing. A stale or
 * malformed timestamp is refused before the grant of the company the delivery names is looked
 * up, so forged deliveries cost no database query.
 *
 * Toast signs the body and the envelope timestamp but documents no freshness window (its own
 * retries come 5 and 15 minutes later with the same body), so a replayed Toast delivery is
 * accepted and harmless: the event GUID makes it a duplicate, and an older order version
 * never overwrites a newer one.
 */
import assert from "node:assert/strict";
import { signSevenShiftsPayload } from "../../shared/signatures.ts";
import { createSevenShiftsWebhookHandler } from "../../supabase/functions/sevenshifts-webhook/handler.ts";
import { GrantCache } from "../../supabase/functions/sevenshifts-webhook/grants.ts";
import { oneRoundTripRunner } from "../../supabase/functions/_shared/ingest.ts";
import { testDb, testEnv } from "../_support/env.ts";
import { send, utf8 } from "../fault/support.ts";
import {
  deliverToast,
  newLocation,
  punchBody,
  type SimpleOrder,
  toastEnvelope,
  vendorIds,
} from "../fault/vendors.ts";

const env = testEnv();
const TOPIC = "time_punch.created";

/** Sends `body` signed with the timestamp `ts` (text exactly as given). */
async function sevenShiftsAt(body: string, ts: string, signature?: string) {
  return await send(`${env.functionsUrl}/sevenshifts-webhook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-webhook-topic": TOPIC,
      "x-hmac-timestamp": ts,
      "x-hmac-signature": signature ??
        await signSevenShiftsPayload(body, ts, env.sevenShiftsGrantGuid),
    },
    body: utf8(body),
  });
}

/** A fresh punch body of the company and location `ids` map. */
function windowPunch(ids: ReturnType<typeof vendorIds>): string {
  return punchBody({
    id: 1_900_000_000 + Math.floor(Math.random() * 90_000_000),
    companyId: ids.companyId,
    locationId: ids.sevenShiftsLocationId,
    clockedIn: "2026-11-16 15:00:00",
    clockedOut: "2026-11-16 21:30:00",
    modified: "2026-11-16 21:31:00",
    hourlyWage: 19,
  });
}

Deno.test("replay: a 7shifts delivery signed more than 5 minutes ago (or ahead) is refused; inside the window a replay is a duplicate", async () => {
  const sql = testDb();
  try {
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    const body = windowPunch(ids);
    const now = () => Math.floor(Date.now() / 1000);

    // Captured 5 min 10 s ago, or dated 5 min 10 s ahead, in seconds or milliseconds.
    for (const ts of [now() - 310, now() + 310, now() - 3600, (now() - 310) * 1000]) {
      const res = await sevenShiftsAt(body, String(ts));
      assert.equal(res.status, 401, `timestamp ${ts}: ${res.text}`);
      assert.match((res.json as { error: { message: string } }).error.message, /5 minutes/);
    }
    const [{ n: before }] = await sql`select count(*)::int as n from public.inbound_events
      where source = '7shifts' and raw_body = ${body}`;
    assert.equal(before, 0, "refused replays never reached the database");

    // Signed 4 min 50 s ago: inside the window, accepted and applied.
    const ts = String(now() - 290);
    const signature = await signSevenShiftsPayload(body, ts, env.sevenShiftsGrantGuid);
    const first = await sevenShiftsAt(body, ts, signature);
    assert.equal(first.status, 200, first.text);
    assert.equal((first.json as { duplicate: boolean }).duplicate, false);
    // The identical request again (a replay inside the window): the same event, once.
    const replay = await sevenShiftsAt(body, ts, signature);
    assert.equal(replay.status, 200, replay.text);
    assert.equal((replay.json as { duplicate: boolean }).duplicate, true);
    // The timestamp cannot be refreshed without the grant GUID.
    const forged = await sevenShiftsAt(body, String(now()), signature);
    assert.equal(forged.status, 401);

    const [event] = await sql`select count(*)::int as n, max(delivery_count) as deliveries
      from public.inbound_events where source = '7shifts' and raw_body = ${body}`;
    assert.deepEqual({ ...event }, { n: 1, deliveries: 2 });
    const [day] = await sql`select paid_labor_seconds::int as seconds, punch_count
      from public.daily_metrics where location_id = ${locationId} and business_date = '2026-11-16'`;
    assert.deepEqual({ ...day }, { seconds: 6.5 * 3600, punch_count: 1 });
  } finally {
    await sql.end();
  }
});

Deno.test("replay: the 7shifts window is exactly 5 minutes either way (injected clock)", async () => {
  const grant = "grant-guid-for-the-window-test";
  const signedAt = Date.UTC(2026, 10, 16, 22, 0, 0);
  const ts = String(signedAt / 1000);
  const body = JSON.stringify({ id: 1, company_id: 1, location_id: 1 });
  const signature = await signSevenShiftsPayload(body, ts, grant);
  const answerAt = async (nowMs: number) => {
    let reached = 0;
    const handler = createSevenShiftsWebhookHandler({
      db: {
        query: () => {
          reached++;
          return Promise.resolve([{ result: { outcome: "ignored", duplicate: false } }]);
        },
      },
      grantGuid: grant,
      webhookToken: "",
      wageUnit: "dollars",
      now: () => nowMs,
      logError: () => {},
    });
    const res = await handler(
      new Request("http://fn.local/", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          // An ignored topic: anything authenticated reaches the database.
          "x-webhook-topic": "payroll_period.closed",
          "x-hmac-timestamp": ts,
          "x-hmac-signature": signature,
        },
        body,
      }),
    );
    return { status: res.status, reached };
  };
  const limit = 5 * 60 * 1000;
  assert.deepEqual(await answerAt(signedAt + limit), { status: 202, reached: 1 });
  assert.deepEqual(await answerAt(signedAt - limit), { status: 202, reached: 1 });
  assert.deepEqual(await answerAt(signedAt + limit + 1000), { status: 401, reached: 0 });
  assert.deepEqual(await answerAt(signedAt - limit - 1000), { status: 401, reached: 0 });
  assert.deepEqual(await answerAt(signedAt + 24 * 3600_000), { status: 401, reached: 0 });
});

Deno.test("replay: a stale or malformed 7shifts timestamp is refused before the grant is looked up in the database", async () => {
  const admin = testDb();
  // The functions' own login, as the function reads grants and ingests.
  const sql = testDb(env.functionsDatabaseUrl);
  try {
    let lookups = 0;
    const grants = new GrantCache(async (companyId) => {
      lookups++;
      const [row] = await sql`select pipeline.sevenshifts_webhook_grant(${companyId}) as grant`;
      return (row?.grant as string | null) ?? null;
    }, env.sevenShiftsGrantGuid);
    // The handler's clock is held still, so a timestamp 301 s away stays 301 s away however
    // long the 50 deliveries take.
    const nowS = Math.floor(Date.now() / 1000);
    const handler = createSevenShiftsWebhookHandler({
      db: oneRoundTripRunner(sql),
      grantGuid: env.sevenShiftsGrantGuid,
      grants,
      webhookToken: "",
      wageUnit: "dollars",
      now: () => nowS * 1000,
      logError: () => {},
    });
    const deliver = async (body: string, headers: Record<string, string>) => {
      const res = await handler(
        new Request("http://fn.local/", {
          method: "POST",
          headers: { "content-type": "application/json", "x-webhook-topic": TOPIC, ...headers },
          body,
        }),
      );
      return { status: res.status, json: await res.json() };
    };
    const timestamps = ["0", "garbage", "", "12:00", String(nowS - 301), String(nowS + 301)];
    for (let i = 0; i < 50; i++) {
      // A new company each time: nothing cached could have answered.
      const company = 100_000_000 + Math.floor(Math.random() * 800_000_000);
      const body = JSON.stringify({ id: i + 1, company_id: company, location_id: 1 });
      const r = await deliver(body, {
        "x-company-id": String(company),
        "x-hmac-timestamp": timestamps[i % timestamps.length],
        "x-hmac-signature": "00",
      });
      assert.equal(r.status, 401);
      assert.equal(r.json.error.code, "unauthorized");
    }
    assert.equal(lookups, 0, "no forged delivery reached the database");

    // A genuine, fresh delivery still costs its one lookup, and is stored.
    const ids = vendorIds();
    await newLocation(admin, ids);
    const body = windowPunch(ids);
    const ts = String(nowS);
    const r = await deliver(body, {
      "x-company-id": String(ids.companyId),
      "x-hmac-timestamp": ts,
      "x-hmac-signature": await signSevenShiftsPayload(body, ts, env.sevenShiftsGrantGuid),
    });
    assert.deepEqual([r.status, r.json.outcome], [200, "applied"]);
    assert.equal(lookups, 1);
  } finally {
    await sql.end();
    await admin.end();
  }
});

Deno.test("replay: a replayed Toast delivery is a duplicate and an old version never overwrites a newer one", async () => {
  const sql = testDb();
  try {
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    const v1: SimpleOrder = {
      orderGuid: crypto.randomUUID(),
      businessDate: 20261117,
      modifiedDate: "2026-11-17T19:00:00.000Z",
      amountCents: 2_000,
      tipCents: 0,
    };
    const v2 = { ...v1, modifiedDate: "2026-11-17T19:45:00.000Z", amountCents: 2_600 };
    const captured = toastEnvelope(v1, ids.toastGuid);
    const deliver = (body: string) =>
      deliverToast(env.functionsUrl, env.toastSecret, body, ids.toastGuid);
    assert.equal((await deliver(captured)).status, 200);
    assert.equal((await deliver(toastEnvelope(v2, ids.toastGuid))).status, 200);
    // The captured v1 delivery, replayed (twice) after v2 was applied.
    for (let i = 0; i < 2; i++) {
      const replay = await deliver(captured);
      assert.equal(replay.status, 200);
      assert.equal(replay.json.duplicate, true);
    }
    const rows = await sql`select net_sales_cents::int as net from public.orders
      where location_id = ${locationId}`;
    assert.deepEqual(rows.map((r) => r.net), [2_600]);
    const [day] = await sql`select net_sales_cents::int as net, order_count
      from public.daily_metrics where location_id = ${locationId}`;
    assert.deepEqual({ ...day }, { net: 2_600, order_count: 1 });
  } finally {
    await sql.end();
  }
});
