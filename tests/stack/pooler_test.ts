/**
 * Through a real transaction-mode pooler: PgBouncer (the Debian package) in front of the test
 * database, and a second function gateway whose functions get only `PIPELINE_DB_URL` pointing
 * at it (their `SUPABASE_DB_URL` leads nowhere), so every query they make goes through the
 * pooler as their own login, `pipeline_functions`, with no startup parameter. Both webhooks
 * and the notifier then work as on the direct connection, and the answer-after-commit
 * guarantee holds: the procedure COMMITs inside the CALL, a stored delivery is visible the
 * moment it is answered, and a failure at commit time is a 5xx with nothing stored.
 *
 * It also shows why the functions need a login of their own: PgBouncer refuses the `role`
 * startup parameter the fallback over SUPABASE_DB_URL relies on.
 */
import assert from "node:assert/strict";
import { startChannelReceiver } from "../../local/channel_receiver.ts";
import { SECRET_NAMES } from "../../local/config.ts";
import { startFunctionServer } from "../../local/functions.ts";
import { freePort } from "../../local/postgres.ts";
import { connectDatabase, FUNCTIONS_DB_ROLE } from "../../supabase/functions/_shared/db.ts";
import { signedAlertHeaders } from "../_support/alert_webhook.ts";
import { requireEnv, testDb, testEnv } from "../_support/env.ts";
import { insertAlertQuietly } from "../_support/outbox.ts";
import { startPgBouncer } from "../_support/pgbouncer.ts";
import { needsTool } from "../_support/system_tools.ts";
import { failAtCommitFor } from "../fault/support.ts";
import {
  deliverMarked,
  deliverPunch,
  deliverToast,
  newLocation,
  punchBody,
  sixHourPunch,
  toastEnvelope,
  vendorIds,
} from "../fault/vendors.ts";

const MARKER = "pooler-fail-at-commit-";

/** The env a function gets, from the test stack's, without any database URL. */
function functionSecrets(): Record<string, string> {
  return Object.fromEntries(
    [...SECRET_NAMES, "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY"].map((name) => [
      name,
      requireEnv(name),
    ]),
  );
}

Deno.test({
  name:
    "pooler: both webhooks and the notifier work through PgBouncer in transaction mode as pipeline_functions, answering only after the commit",
  ...needsTool("pgbouncer"),
  fn: async () => {
    const env = testEnv();
    const functionsLogin = new URL(env.functionsDatabaseUrl);
    const postgresLogin = new URL(env.databaseUrl);
    const bouncer = await startPgBouncer(env.databaseUrl, {
      [FUNCTIONS_DB_ROLE]: decodeURIComponent(functionsLogin.password),
      postgres: decodeURIComponent(postgresLogin.password),
    });
    const sql = testDb();
    const rx = await startChannelReceiver();
    let gateway: Awaited<ReturnType<typeof startFunctionServer>> | undefined;
    const removeFailure = await failAtCommitFor(sql, "pooler_fail_at_commit", MARKER);
    let alertId: number | undefined;
    try {
      // Through the pooler the login is the role: no parameter needed…
      const pooled = connectDatabase(bouncer.through(env.functionsDatabaseUrl), { max: 1 });
      try {
        const [who] = await pooled`select current_user, session_user`;
        assert.deepEqual({ ...who }, {
          current_user: FUNCTIONS_DB_ROLE,
          session_user: FUNCTIONS_DB_ROLE,
        });
      } finally {
        await pooled.end();
      }
      // …and the fallback's `role` startup parameter is refused outright.
      const withRole = connectDatabase(bouncer.through(env.databaseUrl), {
        max: 1,
        role: FUNCTIONS_DB_ROLE,
        connectTimeoutSeconds: 5,
      });
      try {
        await assert.rejects(withRole`select 1`, /unsupported startup parameter/);
      } finally {
        await withRole.end({ timeout: 0 });
      }

      gateway = await startFunctionServer({
        port: freePort(),
        env: {
          ...functionSecrets(),
          PIPELINE_DB_URL: bouncer.through(env.functionsDatabaseUrl),
          // Nothing listens on port 9: a function that used this would fail.
          SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:9/postgres",
          SLACK_WEBHOOK_URL: "",
          DISCORD_WEBHOOK_URL: "",
        },
        log: () => {},
      });
      const functionsUrl = `${gateway.url}/functions/v1`;

      const ids = vendorIds();
      const locationId = await newLocation(sql, ids, {
        alerts: true,
        slackWebhookUrl: rx.slackWebhookUrl("pooled"),
      });
      // Toast: stored, and visible from another connection the moment it is answered.
      for (let i = 1; i <= 5; i++) {
        const toast = await deliverToast(
          functionsUrl,
          env.toastSecret,
          toastEnvelope({
            orderGuid: crypto.randomUUID(),
            businessDate: 20261121,
            modifiedDate: `2026-11-21T1${i}:00:00.000Z`,
            amountCents: 1_000 * i,
            tipCents: 0,
          }, ids.toastGuid),
          ids.toastGuid,
        );
        assert.equal(toast.status, 200, JSON.stringify(toast.json));
        const [seen] = await sql`select
            (select count(*)::int from public.orders where location_id = ${locationId}) as orders,
            (select net_sales_cents::int from public.daily_metrics
              where location_id = ${locationId} and business_date = '2026-11-21') as net`;
        assert.deepEqual({ ...seen }, { orders: i, net: 1_000 * (i * (i + 1)) / 2 });
      }
      // 7shifts: likewise.
      const punch = await deliverPunch(
        functionsUrl,
        env.sevenShiftsGrantGuid,
        punchBody(sixHourPunch(ids)),
        "time_punch.created",
      );
      assert.equal(punch.status, 200, JSON.stringify(punch.json));
      const [labor] = await sql`select labor_cost_cents::int as cost from public.daily_metrics
        where location_id = ${locationId} and business_date = '2026-11-21'`;
      assert.equal(labor.cost, 6 * 18 * 100);

      // A failure at commit time: a 5xx, and nothing stored; the pooled connection goes on.
      const marker = `${MARKER}${crypto.randomUUID()}`;
      const answers = await deliverMarked(functionsUrl, env, ids, marker);
      for (const [name, res] of Object.entries(answers)) {
        assert.ok(res.status >= 500, `${name}: answered ${res.status} for an uncommitted event`);
      }
      const [stored] = await sql`select
          (select count(*)::int from public.inbound_events where raw_body like ${`%${marker}%`})
            as events,
          (select count(*)::int from public.orders where location_id = ${locationId}) as orders,
          (select count(*)::int from public.punches where location_id = ${locationId}) as punches`;
      assert.deepEqual({ ...stored }, { events: 0, orders: 5, punches: 1 });

      // The notifier: a signed database webhook call claims, posts and records the alert.
      alertId = await insertAlertQuietly(locationId);
      const body = JSON.stringify({
        type: "INSERT",
        table: "alerts",
        schema: "public",
        record: { id: alertId },
        old_record: null,
      });
      const res = await fetch(`${functionsUrl}/alert-notifier`, {
        method: "POST",
        headers: await signedAlertHeaders(body, env.alertSecret),
        body,
      });
      const summary = await res.json();
      assert.equal(res.status, 200, JSON.stringify(summary));
      assert.deepEqual(
        summary.alerts.map((a: { alertId: number; status: string }) => [a.alertId, a.status]),
        [[alertId, "sent"]],
      );
      const [alert] = await sql`select status, attempt_count from public.alerts
        where id = ${alertId}`;
      assert.deepEqual({ ...alert }, { status: "sent", attempt_count: 1 });
      assert.equal(rx.messages("slack").length, 1);
    } catch (err) {
      throw new Error(`${err}\nPgBouncer log:\n${(await bouncer.log()).slice(-1500)}`, {
        cause: err,
      });
    } finally {
      await removeFailure();
      if (alertId !== undefined) await sql`delete from public.alerts where id = ${alertId}`;
      await gateway?.stop();
      await rx.stop();
      await sql.end();
      await bouncer.stop();
    }
  },
});
