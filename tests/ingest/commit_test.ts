/**
 * The functions' one ingest statement (`INGEST_*_SQL`: `call pipeline.ingest_*_committed`)
 * over the functions' own postgres.js wiring (`connectDatabase`: `prepare: false`, their login
 * `pipeline_functions`) resolves only after the commit: what it stored, including the
 * commit-time recompute, is visible from another connection the moment it resolves, and a
 * failure raised at commit is the CALL's own error, with nothing stored. (A plain `select
 * pipeline.ingest_*($1)` resolves at CommandComplete, before the implicit commit, and
 * postgres.js drops an error raised there: migration 20261128000200_ingest.sql.)
 */
import assert from "node:assert/strict";
import { connectDatabase, type Sql } from "../../supabase/functions/_shared/db.ts";
import {
  inlineJsonbParameter,
  oneRoundTripRunner,
} from "../../supabase/functions/_shared/ingest.ts";
import {
  createToastWebhookHandler,
  INGEST_TOAST_SQL,
  type SqlRunner,
} from "../../supabase/functions/toast-webhook/handler.ts";
import {
  createSevenShiftsWebhookHandler,
  INGEST_SEVENSHIFTS_SQL,
} from "../../supabase/functions/sevenshifts-webhook/handler.ts";
import { signToastPayload } from "../../shared/signatures.ts";
import { needsOwnDatabase, testDb, testEnv } from "../_support/env.ts";
import { failAtCommitFor } from "../fault/support.ts";
import {
  newLocation,
  punchBody,
  sixHourPunch,
  toastEnvelope,
  vendorIds,
} from "../fault/vendors.ts";

const SECRET = "commit-test-secret";
const TOKEN = "commit-test-token";
const MARKER = "commit-test-fail-at-commit-";

/** Runs one of the functions' statements the way their index.ts does (one round trip). */
function call(sql: Sql, text: string, event: unknown) {
  return sql.unsafe(inlineJsonbParameter(text, event));
}

/** A database that records the event a handler would send and answers `applied`. */
function capture() {
  const events: unknown[] = [];
  const db: SqlRunner = {
    query(_text, params) {
      events.push(params[0]);
      return Promise.resolve([{ result: { outcome: "applied", duplicate: false } }]);
    },
  };
  return { db, events };
}

/** The event the Toast function would hand to the database for `body`. */
async function toastEvent(body: string): Promise<unknown> {
  const { db, events } = capture();
  const res = await createToastWebhookHandler({ db, secret: SECRET, logError: () => {} })(
    new Request("http://localhost/toast-webhook", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "toast-signature": await signToastPayload(body, JSON.parse(body).timestamp, SECRET),
      },
      body,
    }),
  );
  assert.equal(res.status, 200, await res.text());
  assert.equal(events.length, 1);
  return events[0];
}

/** The event the 7shifts function would hand to the database for `body`. */
async function punchEvent(body: string): Promise<unknown> {
  const { db, events } = capture();
  const res = await createSevenShiftsWebhookHandler({
    db,
    grantGuid: "",
    webhookToken: TOKEN,
    wageUnit: "dollars",
    logError: () => {},
  })(
    new Request(`http://localhost/sevenshifts-webhook?token=${TOKEN}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-webhook-topic": "time_punch.created" },
      body,
    }),
  );
  assert.equal(res.status, 200, await res.text());
  assert.equal(events.length, 1);
  return events[0];
}

function toastBody(toastGuid: string, amountCents: number, eventGuid?: string): string {
  return toastEnvelope(
    {
      orderGuid: crypto.randomUUID(),
      businessDate: 20261121,
      modifiedDate: "2026-11-21T19:00:00.000Z",
      amountCents,
      tipCents: 0,
    },
    toastGuid,
    eventGuid,
  );
}

Deno.test("committed ingest: what the call stored is visible elsewhere as soon as it resolves", async () => {
  const env = testEnv();
  const fn = connectDatabase(env.functionsDatabaseUrl, { max: 1 });
  const admin = testDb();
  try {
    const ids = vendorIds();
    const locationId = await newLocation(admin, ids);
    let total = 0;
    for (let i = 1; i <= 20; i++) {
      const amount = 1_000 + i;
      total += amount;
      const event = await toastEvent(toastBody(ids.toastGuid, amount));
      const [row] = await call(fn, INGEST_TOAST_SQL, event);
      assert.equal(row.result.outcome, "applied");
      // No wait, another connection: the order and the commit-time recompute are both there.
      const [seen] = await admin`
        select (select count(*)::int from public.orders where location_id = ${locationId}) as orders,
          (select net_sales_cents::int from public.daily_metrics
            where location_id = ${locationId} and business_date = '2026-11-21') as net`;
      assert.deepEqual({ ...seen }, { orders: i, net: total }, `after call ${i}`);
    }

    const [punch] = await call(
      fn,
      INGEST_SEVENSHIFTS_SQL,
      await punchEvent(punchBody(sixHourPunch(ids))),
    );
    assert.equal(punch.result.outcome, "applied");
    const [labor] = await admin`
      select labor_cost_cents::int as cost from public.daily_metrics
      where location_id = ${locationId} and business_date = '2026-11-21'`;
    assert.equal(labor.cost, 6 * 18 * 100);

    // The procedure ends its own transaction, so it cannot run inside one: wrapping the call in
    // BEGIN … COMMIT again is refused rather than silently answered before the commit.
    const wrapped = await toastEvent(toastBody(ids.toastGuid, 900));
    await assert.rejects(
      fn.begin((tx) => oneRoundTripRunner(tx).query(INGEST_TOAST_SQL, [wrapped])),
      (err: { code?: string }) => err.code === "2D000", // invalid_transaction_termination
    );
    const [orders] = await admin`
      select count(*)::int as n from public.orders where location_id = ${locationId}`;
    assert.equal(orders.n, 20, "the wrapped call stored nothing");
  } finally {
    await fn.end();
    await admin.end();
  }
});

Deno.test({
  name: "committed ingest: a failure at commit rejects the CALL itself, and nothing is stored",
  ...needsOwnDatabase(),
}, async () => {
  const env = testEnv();
  const fn = connectDatabase(env.functionsDatabaseUrl, { max: 1 });
  const admin = testDb();
  const removeFailure = await failAtCommitFor(admin, "commit_test_fail_at_commit", MARKER);
  try {
    const ids = vendorIds();
    const locationId = await newLocation(admin, ids);
    const marker = `${MARKER}${crypto.randomUUID()}`;
    const punch = JSON.parse(punchBody(sixHourPunch(ids)));
    punch.notes = marker;
    const calls = [
      ["toast", INGEST_TOAST_SQL, await toastEvent(toastBody(ids.toastGuid, 5_000, marker))],
      ["7shifts", INGEST_SEVENSHIFTS_SQL, await punchEvent(JSON.stringify(punch))],
    ] as const;
    for (const [name, text, event] of calls) {
      await assert.rejects(
        call(fn, text, event),
        (err: { code?: string; message?: string }) =>
          err.code === "P0001" && err.message === "injected failure at commit",
        `${name}: the commit-time failure is the statement's error`,
      );
    }
    const [stored] = await admin`select
        (select count(*)::int from public.inbound_events where raw_body like ${"%" + marker + "%"})
          as events,
        (select count(*)::int from public.orders where location_id = ${locationId}) as orders,
        (select count(*)::int from public.punches where location_id = ${locationId}) as punches,
        (select count(*)::int from public.daily_metrics where location_id = ${locationId})
          as metrics`;
    assert.deepEqual({ ...stored }, { events: 0, orders: 0, punches: 0, metrics: 0 });

    // The same connection goes on working: the next delivery is stored.
    const [ok] = await call(fn, INGEST_TOAST_SQL, await toastEvent(toastBody(ids.toastGuid, 700)));
    assert.equal(ok.result.outcome, "applied");
    const [after] = await admin`
      select count(*)::int as orders from public.orders where location_id = ${locationId}`;
    assert.equal(after.orders, 1);
  } finally {
    await removeFailure();
    await fn.end();
    await admin.end();
  }
});
