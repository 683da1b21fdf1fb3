/**
 * The database webhook carries no reusable secret (pipeline.post_to_alert_notifier, migration
 * 20261128000400_alerts.sql; SECURITY.md "The database webhook").
 *
 * On Supabase every database role can read and write pg_net's queue and responses, so the
 * tests read requests the way anyone with a session could: as they are queued, inside the
 * transaction that queues them (the local dispatcher, like pg_net's worker, deletes each row
 * when it takes it), decoding the bytea body. Then they play the attacker who copied one:
 * - sent again as it is, within its 5 minutes, it posts nothing a second time (the claim
 *   already settled that alert), for the alert's own request and for the sweep's;
 * - with its body changed by one byte, its timestamp moved, or signed 6 minutes ago (even
 *   with the real key), it is refused 401 and nothing is claimed;
 * - no header or byte of it holds the secret, and the functions' own login reads the queue
 *   and the responses as every role can on Supabase.
 */
import assert from "node:assert/strict";
import { startChannelReceiver } from "../../local/channel_receiver.ts";
import { alertWebhookHeaders } from "../../shared/signatures.ts";
import { eventually, testDb, testEnv } from "../_support/env.ts";
import { insertAlertQuietly, insertAlertRow } from "../_support/outbox.ts";
import { answered, captureQueued, type QueuedRequest, requestText } from "../_support/pg_net.ts";
import { newLocation, vendorIds } from "../fault/vendors.ts";

const env = testEnv();

/** Sends a (possibly altered) copy of a queued request, as pg_net would. */
async function resend(
  req: QueuedRequest,
  change: { body?: Uint8Array; headers?: Record<string, string> } = {},
) {
  const res = await fetch(req.url, {
    method: "POST",
    headers: { ...req.headers, ...change.headers },
    body: (change.body ?? req.body) as BodyInit,
  });
  return { status: res.status, json: await res.json() };
}

const encoder = new TextEncoder();

Deno.test("database webhook: a request copied from pg_net's queue holds no secret; replayed it posts nothing twice; changed or stale it is refused", async () => {
  const sql = testDb();
  const fnLogin = testDb(env.functionsDatabaseUrl);
  const rx = await startChannelReceiver();
  const alertIds: number[] = [];
  try {
    const locationId = await newLocation(sql, vendorIds(), {
      alerts: true,
      slackWebhookUrl: rx.slackWebhookUrl("replay"),
    });

    // The alert's own request, read as it is queued.
    let alertId = 0;
    const [queued] = await captureQueued(sql, async (tx) => {
      alertId = await insertAlertRow(tx, locationId);
    }, `"location_id": ${locationId},`);
    alertIds.push(alertId);
    assert.ok(queued, "the database webhook was queued");
    assert.deepEqual(JSON.parse(queued.text).record.id, alertId);
    assert.ok(!requestText(queued).includes(env.alertSecret), "no secret in the queued request");
    assert.deepEqual(Object.keys(queued.headers).sort(), [
      "Content-Type",
      "x-alert-signature",
      "x-alert-timestamp",
    ]);

    // pg_net sends it after the commit; the notifier delivers the alert once.
    await eventually(
      async () => {
        const [a] = await sql`select status from public.alerts where id = ${alertId}`;
        return a.status === "sent" ? true : undefined;
      },
      15_000,
      "the alert to be sent",
    );
    assert.equal(rx.messages("slack").length, 1);
    // The notifier's answer, in net._http_response, is as readable as the queue (the
    // functions' own login reads it here); it names the alert and its outcome, no URL.
    await answered(fnLogin, [queued.id]);
    const [answer] = await fnLogin`select content from net._http_response
      where id = ${queued.id}`;
    assert.match(answer.content, new RegExp(`"alertId":${alertId},`));
    assert.ok(!answer.content.includes(rx.url), "the answer names no channel URL");

    // Replayed as it is: accepted (within its 5 minutes), and nothing is posted again.
    const replay = await resend(queued);
    assert.equal(replay.status, 200, JSON.stringify(replay.json));
    assert.deepEqual(replay.json, { mode: "insert", alertId, alerts: [] });

    // Changed in any way: refused before anything is claimed.
    const other = await insertAlertQuietly(locationId);
    alertIds.push(other);
    const text = queued.text;
    const refusals = [
      { body: encoder.encode(text.replace(`"id": ${alertId},`, `"id": ${other},`)) },
      { body: encoder.encode(`${text} `) },
      {
        headers: {
          "x-alert-timestamp": String(Number(queued.headers["x-alert-timestamp"]) + 1),
        },
      },
      // The real key, but six minutes ago or ahead: stale.
      {
        headers: await alertWebhookHeaders(queued.body, env.alertSecret, Date.now() - 360_000),
      },
      {
        headers: await alertWebhookHeaders(queued.body, env.alertSecret, Date.now() + 360_000),
      },
    ];
    for (const change of refusals) {
      const refused = await resend(queued, change);
      assert.equal(refused.status, 401, JSON.stringify(change.headers ?? "changed body"));
      assert.equal(refused.json.error.code, "unauthorized");
    }
    const [untouched] = await sql`select status, attempt_count from public.alerts
      where id = ${other}`;
    assert.deepEqual({ ...untouched }, { status: "pending", attempt_count: 0 });

    // The sweep's request is signed the same way; replayed, it posts nothing twice either.
    const [sweep] = await captureQueued(
      sql,
      (tx) => tx`select pipeline.request_alert_sweep()`,
      `"type": "SWEEP"`,
    );
    assert.ok(sweep, "the sweep request was queued");
    assert.ok(!JSON.stringify(sweep.headers).includes(env.alertSecret));
    await eventually(
      async () => {
        const [a] = await sql`select status from public.alerts where id = ${other}`;
        return a.status === "sent" ? true : undefined;
      },
      15_000,
      "the sweep to send the second alert",
    );
    await rx.waitForMessages(2, "slack");
    await answered(sql, [sweep.id]);
    const sweptAgain = await resend(sweep);
    assert.equal(sweptAgain.status, 200);
    assert.deepEqual(
      sweptAgain.json.alerts.filter((a: { alertId: number }) => alertIds.includes(a.alertId)),
      [],
    );
    assert.deepEqual((await resend(queued)).json.alerts, []);
    // Every call pg_net made has been answered and the replays were answered in turn: no
    // invocation is still running that could post.
    assert.equal(rx.requests("slack").length, 2, "each alert was posted exactly once");
  } finally {
    if (alertIds.length > 0) await sql`delete from public.alerts where id = any(${alertIds})`;
    await rx.stop();
    await fnLogin.end();
    await sql.end();
  }
});
