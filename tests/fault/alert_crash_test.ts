/**
 * Crash safety of alerts, on a stack of its own (its function processes can be killed without
 * disturbing other tests): the notifier is killed (SIGKILL) after it posted an alert to Slack
 * and before it could record the success. The fake Slack takes the message (it is now in the
 * channel), then holds its answer while it has the function server kill the notifier process,
 * so the kill falls exactly in that gap.
 *
 * The guarantee, as tested:
 * - At least once: the alert stays `sending` under its lease, nothing recorded; when the lease
 *   expires the sweep (pg_cron's job, `pipeline.request_alert_sweep()`) hands it to the new
 *   notifier process, which posts it again and records it `sent`. It is never lost.
 * - The duplicate is bounded and visible: exactly one extra post per crash (the new claim
 *   cannot overlap a live one: the lease), and both posts carry the same `Alert #<id>`, so a
 *   reader sees a repeat of one alert, not a second alert. No further sweep posts it again.
 * - The database records what it knows: one delivered attempt. The lost post cannot be
 *   recorded (the process died before it knew the answer); Slack incoming webhooks have no
 *   idempotency key, so the repeat cannot be suppressed at the channel.
 */
import assert from "node:assert/strict";
import { freePort } from "../../local/postgres.ts";
import { removeDataDir, throwawayDataDir } from "../../local/throwaway.ts";
import { startStack } from "../../local/stack.ts";
import { eventually, testDb } from "../_support/env.ts";
import { answered, captureQueued } from "../_support/pg_net.ts";
import { functionProcesses } from "./support.ts";
import { newLocation, vendorIds } from "./vendors.ts";

/** Alert ids quoted in a posted message (the renderer writes `Alert #<id>`). */
const alertIdsIn = (body: unknown) =>
  [...JSON.stringify(body).matchAll(/Alert #(\d+)/g)].map((m) => Number(m[1]));

Deno.test("crash safety: the notifier killed between posting to Slack and recording it redelivers once after the lease expires", async () => {
  const secrets = {
    TOAST_WEBHOOK_SECRET: `crash-toast-${crypto.randomUUID()}`,
    SEVENSHIFTS_GRANT_GUID: crypto.randomUUID(),
    SEVENSHIFTS_WEBHOOK_TOKEN: `crash-7s-${crypto.randomUUID()}`,
    ALERT_WEBHOOK_SECRET: `crash-alert-${crypto.randomUUID()}`,
  };
  const stack = await startStack({
    apiPort: freePort(),
    dbPort: freePort(),
    dataDir: throwawayDataDir("fault-crash"),
    reset: true,
    fast: true,
    scheduler: false,
    functionEnv: { ...secrets, SLACK_WEBHOOK_URL: "", DISCORD_WEBHOOK_URL: "" },
    functionLog: () => {},
  });

  // The fake Slack: shows the message, then (the first time) kills the notifier before answering.
  const posted: Array<{ body: unknown; at: number }> = [];
  let killNext = true;
  let kill: Promise<void> | undefined;
  const slack = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    posted.push({ body: await req.json(), at: Date.now() });
    if (killNext) {
      killNext = false;
      kill = stack.functions.restart("alert-notifier");
      await kill;
    }
    return new Response("ok", { status: 200, headers: { "content-type": "text/plain" } });
  });
  const slackUrl = `http://127.0.0.1:${slack.addr.port}/services/T000CRASH/B000CRASH/crash`;
  const sql = testDb(stack.databaseUrl);
  try {
    const locationId = await newLocation(sql, vendorIds(), {
      alerts: true,
      slackWebhookUrl: slackUrl,
      name: "Crash Test Bistro",
    });
    const pidBefore = (await functionProcesses(stack.apiUrl))["alert-notifier"];
    assert.ok(pidBefore, "notifier process found");

    // A transition as the state machine writes it; the database webhook wakes the notifier.
    let id = 0;
    const [call] = await captureQueued(sql, async (tx) => {
      [{ id }] = await tx`
      insert into public.alerts (location_id, business_date, kind, from_state, location_name,
        time_zone, labor_pct_bp, labor_target_bp, critical_threshold_bp, recovery_threshold_bp,
        net_sales_cents, labor_cost_cents, paid_labor_seconds, cplh_cents, splh_cents,
        order_count, punch_count, open_punch_count, metrics_as_of)
      select l.id, current_date, 'over', 'ok', l.name, l.time_zone, 2745, 2500, 3000, 2400,
        245000, 67253, 153000, 1582, 5765, 40, 9, 3, now()
      from public.locations l where l.id = ${locationId}
      returning id::int`;
    }, `"location_id": ${locationId},`);
    assert.ok(call, "the database webhook was queued");
    const alertRow = () =>
      sql`select status, delivered_channels::text[] as delivered, attempt_count,
          lease_expires_at > now() as leased,
          (select count(*)::int from public.alert_attempts t where t.alert_id = a.id) as attempts
        from public.alerts a where a.id = ${id}`.then((r) => r[0]);

    // 1. Posted, then killed before the answer arrived.
    await eventually(
      () => Promise.resolve(posted.length === 1 && kill ? true : undefined),
      15_000,
      "post",
    );
    await kill;
    const pidAfter = (await functionProcesses(stack.apiUrl))["alert-notifier"];
    assert.ok(pidAfter && pidAfter !== pidBefore, "the notifier process was killed and replaced");
    // pg_net has recorded how the killed call ended: nothing of it can still record anything.
    await answered(sql, [call.id]);
    assert.deepEqual(
      { ...(await alertRow()) },
      { status: "sending", delivered: [], attempt_count: 0, leased: true, attempts: 0 },
      "the success was never recorded; the alert waits under its lease",
    );
    // While the lease holds, a sweep does not touch it (no second post racing the first).
    const [{ early }] = await sql`select pipeline.request_alert_sweep() as early`;
    assert.equal(early, null, "nothing is due while the lease holds");

    // 2. The lease runs out (fast-forwarded instead of waiting 60 s) and the sweep runs.
    await sql`update public.alerts set lease_expires_at = now() - interval '1 second'
      where id = ${id}`;
    const [sweep] = await captureQueued(
      sql,
      (tx) => tx`select pipeline.request_alert_sweep()`,
      `"type": "SWEEP"`,
    );
    assert.ok(sweep, "the sweep posted to the notifier");
    await eventually(
      async () => ((await alertRow()).status === "sent" ? true : undefined),
      15_000,
      "redelivery recorded as sent",
    );

    // 3. Delivered: at least once, here exactly twice, both the same alert by number.
    assert.equal(posted.length, 2);
    assert.deepEqual(posted.map((p) => alertIdsIn(p.body)), [[id], [id]]);
    assert.deepEqual(
      { ...(await alertRow()) },
      { status: "sent", delivered: ["slack"], attempt_count: 1, leased: null, attempts: 1 },
    );

    // 4. Nothing more: no alert is due, and a later sweep posts nothing.
    const [{ again }] = await sql`select pipeline.request_alert_sweep() as again`;
    assert.equal(again, null);
    // The sweep's call has answered: the invocation that redelivered is over.
    await answered(sql, [sweep.id]);
    console.log(
      `crash: notifier killed after posting alert ${id}; redelivered after the lease; ` +
        `${posted.length} posts, ${posted.length - 1} duplicate`,
    );
    assert.equal(posted.length, 2, "one duplicate per crash, no more");
  } finally {
    await sql.end();
    await kill?.catch(() => {});
    await slack.shutdown();
    await stack.stop();
    const dir = stack.postgres?.dataDir;
    if (dir) await removeDataDir(dir);
  }
});
