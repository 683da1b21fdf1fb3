/**
 * Leaked channel URLs: a Slack or Discord webhook URL is a bearer credential (whoever has it
 * can post to the channel). It lives in `public.locations` (or the notifier's env) and
 * nowhere else: not in a request the database webhook queues in pg_net (read as it is
 * queued, its bytea body decoded: pg_net's worker deletes the row when it takes it), not in
 * the notifier's answers, not in any recorded attempt or error, even when the posts fail
 * with a transport error that quotes the URL. Every table of the database is searched, bytea
 * decoded. (The API roles cannot read `locations` at all: database_access_test.ts.)
 */
import assert from "node:assert/strict";
import { freePort } from "../../local/postgres.ts";
import { tablesHolding } from "../_support/database_search.ts";
import { adminDb, eventually, testDb } from "../_support/env.ts";
import { insertAlertRow } from "../_support/outbox.ts";
import { answered, captureQueued, requestText } from "../_support/pg_net.ts";
import { newLocation, vendorIds } from "../fault/vendors.ts";

Deno.test("channel URLs: a location's webhook URLs appear nowhere but public.locations, not in a queued request, even after failed posts", async () => {
  const sql = testDb();
  // The superuser searches: every table, whoever owns it.
  const admin = adminDb();
  // Discord answers 500; Slack's port is closed (the transport error quotes the URL).
  const discord = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response(JSON.stringify({ message: "500: Internal Server Error", code: 0 }), {
        status: 500,
        headers: { "content-type": "application/json" },
      }),
  );
  const slackToken = `XOXSECRET${crypto.randomUUID().replaceAll("-", "")}`;
  const discordToken = `DISCORDSECRET${crypto.randomUUID().replaceAll("-", "")}`;
  const tokens = [slackToken, discordToken];
  const slackUrl = `http://127.0.0.1:${freePort()}/services/T0000/B0000/${slackToken}`;
  const discordUrl = `http://127.0.0.1:${discord.addr.port}/api/webhooks/1/${discordToken}`;
  let alertId: number | undefined;
  try {
    const locationId = await newLocation(sql, vendorIds(), {
      alerts: true,
      slackWebhookUrl: slackUrl,
      name: "Secret Channel Bistro",
    });
    await sql`update public.locations set discord_webhook_url = ${discordUrl}
      where id = ${locationId}`;

    // The alert's database webhook, read as it is queued, before pg_net takes it.
    const queued = await captureQueued(sql, async (tx) => {
      alertId = await insertAlertRow(tx, locationId);
    });
    const own = queued.filter((r) => JSON.parse(r.text).record?.id === alertId);
    assert.equal(own.length, 1, "the alert's database webhook was queued");
    assert.equal(JSON.parse(own[0].text).record.location_id, locationId);
    for (const req of queued) {
      const text = requestText(req);
      for (const token of tokens) {
        assert.ok(!text.includes(token), `request ${req.id} carries ${token.slice(0, 12)}…`);
      }
    }

    // pg_net sends it after the commit; the notifier attempts both channels, both fail and are
    // recorded, and pg_net records the notifier's answer.
    await answered(sql, [own[0].id]);
    await eventually(
      async () => {
        const [{ channels }] = await sql`select count(distinct channel)::int as channels
          from public.alert_attempts where alert_id = ${alertId!}`;
        return channels === 2 ? true : undefined;
      },
      10_000,
      "both channels attempted",
    );
    const [{ errors }] = await sql`select string_agg(coalesce(error, '') || ' ' ||
        coalesce(response_excerpt, ''), ' | ') as errors
      from public.alert_attempts where alert_id = ${alertId!}`;
    assert.match(errors, /slack|discord|500|refused|connect/i, "the failures were recorded");

    // The sweep's request and answer, once the retry is due, likewise.
    await sql`update public.alerts set next_attempt_at = now() where id = ${alertId!}
      and status = 'pending'`;
    const sweep = await captureQueued(
      sql,
      (tx) => tx`select pipeline.request_alert_sweep()`,
      `"type": "SWEEP"`,
    );
    assert.equal(sweep.length, 1, "the sweep was queued");
    assert.ok(tokens.every((t) => !requestText(sweep[0]).includes(t)));
    await answered(sql, [sweep[0].id]);

    // Every row of every table, bytea decoded: pg_net's answers, the attempts, the alert.
    assert.deepEqual(await tablesHolding(admin, tokens, ["public.locations"]), []);
    // The search can see them: the location's own row holds both.
    assert.equal((await tablesHolding(admin, tokens)).length, 2);
  } finally {
    if (alertId !== undefined) {
      // Nothing of this test may be left for a later sweep to pick up.
      await sql`delete from public.alerts where id = ${alertId}`;
    }
    await admin.end();
    await sql.end();
    await discord.shutdown();
  }
});
