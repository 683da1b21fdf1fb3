/**
 * Leaked channel URLs: a Slack or Discord webhook URL is a bearer credential (whoever has it
 * can post to the channel). It lives in `public.locations` (or the notifier's env) and
 * nowhere else: not in the database webhook body pg_net carries, not in the notifier's
 * answers, not in any recorded attempt or error, even when the post fails with a transport
 * error that quotes the URL. (The API roles cannot read `locations` at all:
 * database_access_test.ts.)
 */
import assert from "node:assert/strict";
import { freePort } from "../../local/postgres.ts";
import { eventually, testDb } from "../_support/env.ts";
import { insertAlertRow } from "../_support/outbox.ts";
import { FINGERPRINT_SCHEMAS } from "../fault/support.ts";
import { newLocation, vendorIds } from "../fault/vendors.ts";

Deno.test("channel URLs: a location's webhook URLs appear nowhere but public.locations, even after failed posts", async () => {
  const sql = testDb();
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
    alertId = await insertAlertRow(sql, locationId);
    // The database webhook wakes the notifier through pg_net; both channels fail and are
    // recorded; the notifier's answer is recorded by pg_net as well.
    await eventually(
      async () => {
        const [{ channels }] = await sql`select count(distinct channel)::int as channels
          from public.alert_attempts where alert_id = ${alertId!}`;
        const [{ answered }] = await sql`select count(*)::int as answered
          from net._http_response r
          where r.content like ${"%" + `"alertId":${alertId},` + "%"}`;
        return channels === 2 && answered > 0 ? true : undefined;
      },
      20_000,
      "both channels attempted and the notifier's answer recorded",
    );
    const [{ errors }] = await sql`select string_agg(coalesce(error, '') || ' ' ||
        coalesce(response_excerpt, ''), ' | ') as errors
      from public.alert_attempts where alert_id = ${alertId!}`;
    assert.match(errors, /slack|discord|500|refused|connect/i, "the failures were recorded");

    // Every row of every table and every recorded request and answer, as text.
    const tables = await sql<{ name: string }[]>`
      select format('%I.%I', n.nspname, c.relname) as name
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(${FINGERPRINT_SCHEMAS}) and c.relkind in ('r', 'p')
        and format('%I.%I', n.nspname, c.relname) <> 'public.locations'`;
    assert.ok(tables.some((t) => t.name === "net.http_request_queue"));
    const found: string[] = [];
    for (const { name } of tables) {
      for (const token of [slackToken, discordToken]) {
        const [{ n }] = await sql.unsafe(
          `select count(*)::int as n from ${name} t where t::text like '%' || $1 || '%'`,
          [token],
        );
        if (n > 0) found.push(`${name} holds ${token.slice(0, 12)}…`);
      }
    }
    assert.deepEqual(found, []);
  } finally {
    if (alertId !== undefined) {
      // Nothing of this test may be left for a later sweep to pick up.
      await sql`delete from public.alerts where id = ${alertId}`;
    }
    await sql.end();
    await discord.shutdown();
  }
});
