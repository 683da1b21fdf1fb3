/**
 * The two webhook handlers called directly (no HTTP server): exactly one database round trip
 * per delivery, 503 when the database is unreachable, no internals in error bodies, the
 * injected clock and wage unit, and the real database through the same postgres.js wiring
 * the functions use.
 */
import assert from "node:assert/strict";
import { connectDatabase } from "../../supabase/functions/_shared/db.ts";
import { callIngest, INGEST_DEADLINE_MS } from "../../supabase/functions/_shared/ingest.ts";
import {
  createToastWebhookHandler,
  INGEST_TOAST_SQL,
  type SqlRunner,
  type ToastIngestEvent,
} from "../../supabase/functions/toast-webhook/handler.ts";
import {
  createSevenShiftsWebhookHandler,
  INGEST_SEVENSHIFTS_SQL,
  type SevenShiftsIngestEvent,
} from "../../supabase/functions/sevenshifts-webhook/handler.ts";
import { signSevenShiftsPayload, signToastPayload } from "../../shared/signatures.ts";
import { testDb, testEnv } from "../_support/env.ts";

const SECRET = "handler-test-secret";
const GRANT = "handler-test-grant";
const toastBody = Deno.readTextFileSync(
  new URL("../fixtures/toast/order_updated_full_v2_refund.json", import.meta.url),
);
const punchBody = Deno.readTextFileSync(
  new URL("../fixtures/7shifts/time_punch.created.breaks.json", import.meta.url),
);

/** A fake database that records every statement and answers with `answer`. */
function fakeDb(answer: () => unknown) {
  const calls: Array<{ text: string; params: unknown[] }> = [];
  const db: SqlRunner = {
    query(text, params) {
      calls.push({ text, params });
      return Promise.resolve([{ result: answer() }]);
    },
  };
  return { db, calls };
}

function failingDb(err: unknown): SqlRunner {
  return { query: () => Promise.reject(err) };
}

async function toastRequest(body = toastBody, headers: Record<string, string> = {}) {
  const timestamp = JSON.parse(body).timestamp;
  return new Request("http://localhost/toast-webhook", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "toast-signature": await signToastPayload(body, timestamp, SECRET),
      "toast-restaurant-external-id": "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b",
      ...headers,
    },
    body,
  });
}

async function punchRequest(nowMs: number, body = punchBody, topic = "time_punch.created") {
  const ts = String(Math.floor(nowMs / 1000));
  return new Request("http://localhost/sevenshifts-webhook", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-webhook-topic": topic,
      "x-company-id": "7001",
      "x-hmac-timestamp": ts,
      "x-hmac-signature": await signSevenShiftsPayload(body, ts, GRANT),
    },
    body,
  });
}

Deno.test("toast handler: one round trip with the normalised order", async () => {
  const { db, calls } = fakeDb(() => ({ outcome: "applied", duplicate: false, eventId: 9 }));
  const handler = createToastWebhookHandler({ db, secret: SECRET, logError: () => {} });
  const res = await handler(await toastRequest());
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { outcome: "applied", duplicate: false, eventId: 9 });
  assert.equal(calls.length, 1);
  assert.equal(calls[0].text, INGEST_TOAST_SQL);
  const event = calls[0].params[0] as ToastIngestEvent;
  assert.equal(event.eventKey, JSON.parse(toastBody).guid);
  assert.equal(event.topic, "order_updated");
  assert.equal(event.rawBody, toastBody);
  assert.equal(event.restaurantGuid, "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b");
  assert.equal(event.order?.netSalesCents, 6388);
  assert.equal(event.order?.refunds.length, 1);
  assert.ok(event.headers["toast-signature"]);
});

Deno.test("toast handler: the signed body's restaurant GUID wins over the header", async () => {
  const { db, calls } = fakeDb(() => ({ outcome: "unmapped", duplicate: false }));
  const handler = createToastWebhookHandler({ db, secret: SECRET, logError: () => {} });
  const body = Deno.readTextFileSync(
    new URL("../fixtures/toast/order_updated_full_v1.json", import.meta.url),
  );
  const res = await handler(
    await toastRequest(body, {
      "toast-restaurant-external-id": "00000000-0000-4000-8000-000000000000",
    }),
  );
  assert.equal(res.status, 202, "unmapped is accepted, not an error");
  await res.body?.cancel();
  assert.equal(
    (calls[0].params[0] as ToastIngestEvent).restaurantGuid,
    "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b",
  );
  // No GUID anywhere: a 400 naming the header, and no database call.
  const bare = await handler(await toastRequest(toastBody, { "toast-restaurant-external-id": "" }));
  assert.equal(bare.status, 400);
  assert.equal((await bare.json()).error.fields[0].path, "header:Toast-Restaurant-External-ID");
  assert.equal(calls.length, 1);
});

Deno.test("toast handler: a missing signature is 401 before the body is parsed", async () => {
  const { db, calls } = fakeDb(() => ({ outcome: "applied", duplicate: false }));
  const handler = createToastWebhookHandler({ db, secret: SECRET, logError: () => {} });
  const res = await handler(
    new Request("http://localhost/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{this is not json",
    }),
  );
  assert.equal(res.status, 401);
  assert.equal((await res.json()).error.code, "unauthorized");
  assert.equal(calls.length, 0);
});

Deno.test("handlers: an unreachable database is 503 (retry), other failures 500 without details", async () => {
  const logged: string[] = [];
  const logError = (m: string) => void logged.push(m);
  const down = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:5432"), {
    code: "ECONNREFUSED",
  });
  const toast503 = await createToastWebhookHandler({
    db: failingDb(down),
    secret: SECRET,
    logError,
  })(
    await toastRequest(),
  );
  assert.equal(toast503.status, 503);
  assert.equal(toast503.headers.get("retry-after"), "30");
  assert.equal((await toast503.json()).error.code, "database_unavailable");

  const bug = Object.assign(
    new Error('password authentication failed for user "x" at /srv/a.ts:1'),
    {
      code: "XX000",
    },
  );
  const toast500 = await createToastWebhookHandler({
    db: failingDb(bug),
    secret: SECRET,
    logError,
  })(
    await toastRequest(),
  );
  assert.equal(toast500.status, 500);
  const text = await toast500.text();
  assert.ok(!text.includes("password") && !text.includes("/srv/"), text);

  const now = Date.UTC(2026, 10, 6, 12);
  const seven503 = await createSevenShiftsWebhookHandler({
    db: failingDb(down),
    grantGuid: GRANT,
    webhookToken: "",
    wageUnit: "dollars",
    now: () => now,
    logError,
  })(await punchRequest(now));
  assert.equal(seven503.status, 503);
  await seven503.body?.cancel();
  assert.ok(logged.length >= 3);

  // A real connection to a port nobody listens on.
  const nowhere = connectDatabase("postgres://postgres:postgres@127.0.0.1:9/postgres", {
    connectTimeoutSeconds: 2,
  });
  try {
    const real = await createToastWebhookHandler({
      // deno-lint-ignore no-explicit-any
      db: { query: (t, p) => nowhere.unsafe(t, p as any[]) },
      secret: SECRET,
      logError,
    })(await toastRequest());
    assert.equal(real.status, 503);
    await real.body?.cancel();
  } finally {
    await nowhere.end();
  }
});

Deno.test("ingest: a database call that outlives its deadline is answered 503 at the deadline", async () => {
  // Under Toast's 2 s answer deadline (see INGEST_DEADLINE_MS).
  assert.ok(INGEST_DEADLINE_MS < 2000);
  let failLate: (err: Error) => void = () => {};
  const hanging: SqlRunner = {
    query: () => new Promise((_, reject) => (failLate = reject)),
  };
  const logged: Array<Record<string, unknown> | undefined> = [];
  const late = await callIngest(hanging, "call x($1)", {}, (_m, d) => void logged.push(d), {
    deadlineMs: 20,
  });
  assert.equal(late.status, 503);
  assert.equal(late.headers.get("retry-after"), "30");
  assert.equal((await late.json()).error.code, "database_unavailable");
  assert.deepEqual(logged, [{ code: "INGEST_DEADLINE" }]);
  // The abandoned call failing later is no unhandled rejection (the test would fail).
  failLate(new Error("connection reset"));
  await new Promise((r) => setTimeout(r, 0));

  // Within the deadline the call's own answer stands.
  const quick: SqlRunner = {
    query: () =>
      Promise.resolve([{ result: { outcome: "applied", duplicate: false, eventId: 7 } }]),
  };
  const stored = await callIngest(quick, "call x($1)", {}, () => {}, { deadlineMs: 60_000 });
  assert.equal(stored.status, 200);
  assert.deepEqual(await stored.json(), { outcome: "applied", duplicate: false, eventId: 7 });
});

Deno.test("7shifts handler: the injected clock bounds the HMAC window; wage unit applies", async () => {
  const { db, calls } = fakeDb(() => ({ outcome: "applied", duplicate: false }));
  const signedAt = Date.UTC(2026, 10, 6, 12);
  let now = signedAt + 4 * 60_000;
  const deps = {
    db,
    grantGuid: GRANT,
    webhookToken: "",
    wageUnit: "dollars" as const,
    now: () => now,
    logError: () => {},
  };
  const ok = await createSevenShiftsWebhookHandler(deps)(await punchRequest(signedAt));
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  assert.equal(calls.length, 1);
  assert.equal(calls[0].text, INGEST_SEVENSHIFTS_SQL);
  const event = calls[0].params[0] as SevenShiftsIngestEvent;
  assert.equal(event.punch?.hourlyWageCents, 1850);
  assert.equal(event.punch?.paidSeconds, 8 * 3600);
  assert.deepEqual([event.companyId, event.locationId], [7001, 88001]);
  assert.match(event.eventKey, /^[0-9a-f]{64}$/);

  now = signedAt + 6 * 60_000;
  const stale = await createSevenShiftsWebhookHandler(deps)(await punchRequest(signedAt));
  assert.equal(stale.status, 401);
  assert.match((await stale.json()).error.message, /5 minutes/);

  now = signedAt;
  const cents = await createSevenShiftsWebhookHandler({ ...deps, wageUnit: "cents" })(
    await punchRequest(signedAt),
  );
  assert.equal(cents.status, 400, "18.5 is not a whole number of cents");
  assert.deepEqual((await cents.json()).error.fields.map((f: { path: string }) => f.path), [
    "hourly_wage",
  ]);
  assert.equal(calls.length, 1);

  // Ignored topics still make exactly one call (to log them) and answer 202.
  const { db: db2, calls: calls2 } = fakeDb(() => ({ outcome: "ignored", duplicate: false }));
  const ignored = await createSevenShiftsWebhookHandler({ ...deps, db: db2 })(
    await punchRequest(signedAt, '{"id":1}', "payroll_period.closed"),
  );
  assert.equal(ignored.status, 202);
  await ignored.body?.cancel();
  assert.equal(calls2.length, 1);
  const ev2 = calls2[0].params[0] as SevenShiftsIngestEvent;
  assert.deepEqual([ev2.punch, ev2.deletion], [null, null]);
});

Deno.test("handlers against the real database: applied, then a duplicate", async () => {
  const env = testEnv();
  const sql = connectDatabase(env.functionsDatabaseUrl);
  const admin = testDb();
  try {
    const guid = crypto.randomUUID();
    await admin`
      insert into public.locations (name, toast_restaurant_guid) values ('direct handler', ${guid})`;
    // deno-lint-ignore no-explicit-any
    const db: SqlRunner = { query: (t, p) => sql.unsafe(t, p as any[]) };
    const handler = createToastWebhookHandler({ db, secret: SECRET, logError: () => {} });
    const order = JSON.parse(toastBody);
    order.guid = crypto.randomUUID();
    order.details.guid = crypto.randomUUID();
    const body = JSON.stringify(order);
    const first = await handler(await toastRequest(body, { "toast-restaurant-external-id": guid }));
    assert.equal(first.status, 200);
    assert.deepEqual((await first.json()).outcome, "applied");
    const again = await handler(await toastRequest(body, { "toast-restaurant-external-id": guid }));
    const json = await again.json();
    assert.deepEqual([again.status, json.outcome, json.duplicate], [200, "applied", true]);
    const [row] = await admin`
      select net_sales_cents::int as net from public.orders where toast_order_guid = ${order.details.guid}`;
    assert.equal(row.net, 6388);
  } finally {
    await sql.end();
    await admin.end();
  }
});
