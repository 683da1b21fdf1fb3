/**
 * Alerts end to end on the test stack: orders and punches written to the database → the
 * metrics recompute → the state machine → the outbox trigger → pg_net (the stack's
 * dispatcher) → the alert-notifier function at $SUPABASE_URL → a fake Slack and Discord.
 * The sweep is run as pg_cron would run it: `select pipeline.request_alert_sweep()`.
 *
 * The figures' clock is injected (`pipeline.now`), so the business day cannot change under a
 * run that crosses the cut-off. "Nothing else arrives" is asserted once every notifier call
 * pg_net made for the test (read as queued) and every sweep it asked for has been answered:
 * a post happens before its call answers, so nothing can arrive later.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { signedAlertHeaders } from "../_support/alert_webhook.ts";
import { eventually, testDb, testEnv } from "../_support/env.ts";
import { answered, captureQueued } from "../_support/pg_net.ts";
import {
  type ChannelReceiver,
  describeMessage,
  type ReceivedMessage,
  startChannelReceiver,
} from "../../local/channel_receiver.ts";

/** "Now" for the figures: mid-afternoon in Denver, where the test locations are. */
const CLOCK = "2026-11-20T21:00:00.000Z";

interface Fixture {
  sql: postgres.Sql;
  rx: ChannelReceiver;
  locations: number[];
  /** pg_net requests to the notifier made for this test (database webhooks and sweeps). */
  calls: number[];
}

function e2eTest(name: string, fn: (f: Fixture) => Promise<void>) {
  Deno.test(name, async () => {
    const f: Fixture = {
      sql: testDb(),
      rx: await startChannelReceiver(),
      locations: [],
      calls: [],
    };
    try {
      await fn(f);
    } finally {
      if (f.locations.length > 0) {
        // Settle first (a delivery in flight keeps recording), then leave nothing due behind.
        await eventually(
          async () => {
            const [{ n }] = await f.sql`select count(*)::int as n from public.alerts
            where location_id = any(${f.locations}) and status = 'sending'`;
            return n === 0 ? true : undefined;
          },
          15_000,
          "deliveries in flight to finish",
        ).catch(() => {});
        await f.sql`delete from public.alerts where location_id = any(${f.locations})`;
      }
      await f.rx.stop();
      await f.sql.end();
    }
  });
}

async function newLocation(
  f: Fixture,
  channels: { slack?: string; discord?: string },
): Promise<{ id: number; today: string; name: string }> {
  const name = `E2E Grill ${crypto.randomUUID().slice(0, 6)}`;
  const [row] = await f.sql`
    insert into public.locations ${
    f.sql({
      name,
      time_zone: "America/Denver",
      toast_restaurant_guid: crypto.randomUUID(),
      slack_webhook_url: channels.slack ?? null,
      discord_webhook_url: channels.discord ?? null,
    })
  }
    returning id::int,
      pipeline.business_date_of(${CLOCK}::timestamptz, time_zone, business_day_cutoff_hour)::text
        as today`;
  f.locations.push(row.id);
  return { id: row.id, today: row.today, name };
}

/**
 * One order and one closed one-hour punch (labor cost = laborCents), upserted together at the
 * injected clock; the database webhooks it queues are kept in `f.calls`.
 */
async function writeDay(
  f: Fixture,
  loc: { id: number; today: string },
  figures: { salesCents?: number; laborCents?: number },
) {
  const orderGuid = await uuidFor(`${loc.id}/order`);
  const punchId = loc.id * 1_000_003 + 17;
  const queued = await captureQueued(f.sql, async (tx) => {
    await tx`select set_config('pipeline.now', ${CLOCK}, true)`;
    if (figures.salesCents !== undefined) {
      await tx`
        insert into public.orders (toast_order_guid, location_id, business_date, net_sales_cents,
          gross_sales_cents, discount_cents, tax_cents, tip_cents, gratuity_cents, deferred_cents,
          check_count, voided, deleted, excess_food, vendor_modified_at, version_hash)
        values (${orderGuid}, ${loc.id}, ${loc.today}, ${figures.salesCents},
          ${figures.salesCents}, 0, 0, 0, 0, 0, 1, false, false, false, now(), 'e2e')
        on conflict (toast_order_guid) do update
          set net_sales_cents = excluded.net_sales_cents, updated_at = now()`;
    }
    if (figures.laborCents !== undefined) {
      await tx`
        insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
          sevenshifts_location_id, clocked_in_at, clocked_out_at, business_date,
          unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
          vendor_modified_at, version_hash)
        values (${punchId}, ${loc.id}, 1, 1, ${CLOCK}::timestamptz - interval '3 hours',
          ${CLOCK}::timestamptz - interval '2 hours', ${loc.today}, 0, 3600,
          ${figures.laborCents}, true, false, now(), 'e2e')
        on conflict (sevenshifts_punch_id) do update
          set hourly_wage_cents = excluded.hourly_wage_cents, updated_at = now()`;
    }
    // The recompute (and the alert it may raise) is a deferred trigger that runs at commit:
    // fire it now, inside, so the database webhook it queues is read before pg_net takes it.
    await tx`set constraints all immediate`;
  }, `"location_id": ${loc.id},`);
  f.calls.push(...queued.map((r) => r.id));
}

/** Asks for a sweep as pg_cron would; the call is kept in `f.calls`. Null when none was due. */
async function sweep(f: Fixture): Promise<number | null> {
  const [req] = await captureQueued(
    f.sql,
    (tx) => tx`select pipeline.request_alert_sweep()`,
    `"type": "SWEEP"`,
  );
  if (req) f.calls.push(req.id);
  return req?.id ?? null;
}

/** Every notifier call made for the test has been answered: nothing more can be posted. */
async function callsAnswered(f: Fixture): Promise<void> {
  await answered(f.sql, f.calls);
}

async function uuidFor(text: string): Promise<string> {
  const hex = [
    ...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
  ]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${
    hex.slice(20, 32)
  }`;
}

async function alertsOf(f: Fixture, locationId: number) {
  return [
    ...await f.sql`
      select id::int, kind, status, attempt_count, delivered_channels, failed_channels,
        last_error
      from public.alerts where location_id = ${locationId} order by id`,
  ];
}

/** Waits until every alert of the location is in a final state; returns them. */
async function settled(f: Fixture, locationId: number, count: number, timeoutMs = 15_000) {
  return await eventually(
    async () => {
      const rows = await alertsOf(f, locationId);
      const done = rows.filter((r) => ["sent", "failed", "undeliverable"].includes(r.status));
      return rows.length === count && done.length === count ? rows : undefined;
    },
    timeoutMs,
    `${count} alerts of location ${locationId} to settle`,
  );
}

function alertIdOf(message: ReceivedMessage): number {
  return Number(/Alert #(\d+)/.exec(JSON.stringify(message.body))?.[1]);
}

const notifierUrl = () => `${testEnv().functionsUrl}/alert-notifier`;

e2eTest(
  "end to end: a labor spike reaches Slack and Discord once each, then the escalation",
  async (f) => {
    const loc = await newLocation(f, {
      slack: f.rx.slackWebhookUrl("e2e"),
      discord: f.rx.discordWebhookUrl("e2e"),
    });
    await writeDay(f, loc, { salesCents: 100_000, laborCents: 20_000 }); // 20 %: nothing
    await writeDay(f, loc, { laborCents: 27_000 }); // 27 %: over
    const [over] = await settled(f, loc.id, 1);
    assert.equal(over.kind, "over");
    assert.equal(over.status, "sent");
    assert.deepEqual(over.delivered_channels, ["slack", "discord"]);
    const slack = describeMessage(f.rx.messages("slack")[0]);
    assert.match(slack, new RegExp(`Over labor target · ${loc.name}`));
    assert.match(slack, /Labor is 27\.00% of net sales, over the 25\.00% target/);
    assert.match(slack, /Net sales: \$1,000\.00/);
    assert.match(slack, /Labor cost: \$270\.00/);
    assert.match(slack, /Labor hours: 1\.0 h/);
    assert.match(describeMessage(f.rx.messages("discord")[0]), /\[amber bar\]/);

    await writeDay(f, loc, { laborCents: 31_000 }); // 31 %: critical
    const rows = await settled(f, loc.id, 2);
    assert.deepEqual(rows.map((r) => [r.kind, r.status]), [["over", "sent"], ["critical", "sent"]]);
    assert.equal(f.calls.length, 2, "each alert's database webhook was read as it was queued");
    await callsAnswered(f); // nothing else can arrive late
    assert.deepEqual(f.rx.messages("slack").map(alertIdOf), rows.map((r) => r.id));
    assert.deepEqual(f.rx.messages("discord").map(alertIdOf), rows.map((r) => r.id));
    assert.match(
      describeMessage(f.rx.messages("slack")[1]),
      /Since the over alert at .*\n• labor 27\.00% → 31\.00% \(\+4\.00 pts\)/,
    );
  },
);

e2eTest(
  "end to end: after a Slack outage the sweep delivers every alert once, in order",
  async (f) => {
    const loc = await newLocation(f, { slack: f.rx.slackWebhookUrl("outage") });
    f.rx.script("slack", { kind: "server_error" }, { kind: "server_error", status: 502 });
    await writeDay(f, loc, { salesCents: 100_000, laborCents: 26_000 }); // over
    // The webhook's invocation meets 500, retries once in-process, meets 502 and leaves the
    // alert pending with backoff.
    const [first] = await eventually(
      async () => {
        const rows = await alertsOf(f, loc.id);
        return rows.length === 1 && rows[0].attempt_count >= 2 && rows[0].status !== "sending"
          ? rows
          : undefined;
      },
      15_000,
      "the first alert to be retried",
    );
    assert.equal(first.status, "pending");
    assert.match(first.last_error, /^Slack 502/);
    // Meanwhile the day escalates: the critical alert waits behind the pending one (its own
    // database webhook has been answered, and posted nothing).
    await writeDay(f, loc, { laborCents: 33_000 });
    await callsAnswered(f);
    const waiting = await alertsOf(f, loc.id);
    assert.deepEqual(waiting.map((r) => [r.kind, r.status, r.attempt_count]), [
      ["over", "pending", 2],
      ["critical", "pending", 0],
    ]);
    assert.equal(f.rx.messages().length, 0);
    // The fault has cleared; once the retry is due, the pg_cron job's SQL wakes the notifier.
    await f.sql`update public.alerts set next_attempt_at = now()
    where location_id = ${loc.id} and status = 'pending'`;
    assert.ok(await sweep(f) !== null, "the sweep posts when alerts are due");
    const rows = await settled(f, loc.id, 2);
    assert.deepEqual(rows.map((r) => r.status), ["sent", "sent"]);
    await callsAnswered(f);
    assert.deepEqual(f.rx.messages().map(alertIdOf), rows.map((r) => r.id), "once each, in order");
    assert.equal(f.rx.requests().length, 4);
  },
);

e2eTest("end to end: two notifier invocations racing on the same alert post it once", async (f) => {
  const loc = await newLocation(f, { slack: f.rx.slackWebhookUrl("race") });
  f.rx.setDefault("slack", { kind: "ok", delayMs: 400 });
  await writeDay(f, loc, { salesCents: 100_000, laborCents: 28_000 });
  const [alert] = await alertsOf(f, loc.id);
  // The database webhook is already on its way; two more deliveries of the same body race it.
  const body = JSON.stringify({
    type: "INSERT",
    table: "alerts",
    schema: "public",
    record: { id: alert.id },
    old_record: null,
  });
  const headers = await signedAlertHeaders(body, testEnv().alertSecret);
  const calls = await Promise.all(
    [1, 2].map(() =>
      fetch(notifierUrl(), { method: "POST", headers, body })
        .then(async (r) => ({ status: r.status, body: await r.json() }))
    ),
  );
  assert.deepEqual(calls.map((c) => c.status), [200, 200]);
  const [row] = await settled(f, loc.id, 1);
  assert.equal(row.status, "sent");
  // Both direct calls have answered; so has the database webhook's.
  await callsAnswered(f);
  assert.equal(f.rx.requests("slack").length, 1, "the fake saw one post");
  assert.equal(f.rx.messages("slack").length, 1);
});

e2eTest("end to end: a permanent failure ends as failed with its reason", async (f) => {
  const loc = await newLocation(f, { discord: f.rx.discordWebhookUrl("deleted") });
  f.rx.setDefault("discord", { kind: "not_found" });
  await writeDay(f, loc, { salesCents: 100_000, laborCents: 40_000 });
  const [row] = await settled(f, loc.id, 1);
  assert.equal(row.kind, "critical");
  assert.equal(row.status, "failed");
  assert.equal(row.last_error, "Discord 404 Unknown Webhook (code 10015)");
  assert.deepEqual(row.failed_channels, ["discord"]);
  await callsAnswered(f);
  assert.equal(f.rx.requests("discord").length, 1, "a permanent error is not retried");
});

e2eTest(
  "end to end: the function refuses callers whose request the database did not sign",
  async () => {
    const body = JSON.stringify({ type: "SWEEP" });
    const secret = testEnv().alertSecret;
    for (
      const headers of [
        { "content-type": "application/json" } as Record<string, string>,
        await signedAlertHeaders(body, "guess"),
        // The secret itself, as the old shared-secret header: no longer a way in.
        { "content-type": "application/json", "x-alert-webhook-secret": secret },
        { "content-type": "application/json", authorization: `Bearer ${secret}` },
      ]
    ) {
      const res = await fetch(notifierUrl(), { method: "POST", headers, body });
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "unauthorized");
    }
    const ok = await fetch(notifierUrl(), {
      method: "POST",
      headers: await signedAlertHeaders(body, secret),
      body,
    });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).mode, "sweep");
  },
);

e2eTest(
  "end to end: pipeline.requeue_alerts delivers at once, through the signed database webhook",
  async (f) => {
    const loc = await newLocation(f, {}); // no channel yet: undeliverable
    await writeDay(f, loc, { salesCents: 100_000, laborCents: 27_000 });
    const [stuck] = await settled(f, loc.id, 1);
    assert.equal(stuck.status, "undeliverable");
    assert.match(stuck.last_error, /No Slack or Discord webhook/);
    // The operator fixes the channel and requeues. Nothing runs the minute's sweep here (the
    // test stack has no pg_cron): the requeue itself must ask the notifier.
    await f.sql`update public.locations set slack_webhook_url = ${f.rx.slackWebhookUrl("fixed")}
      where id = ${loc.id}`;
    const queued = await f.sql.begin(async (tx) => {
      const [{ max }] =
        await tx`select coalesce(max(id), 0)::bigint as max from net.http_request_queue`;
      const [{ n }] = await tx`select pipeline.requeue_alerts(${loc.id}) as n`;
      assert.equal(n, 1);
      // Seen inside the transaction: the dispatcher sends (and deletes) it after commit.
      return await tx`select url, headers, convert_from(body, 'UTF8')::jsonb as body
        from net.http_request_queue where id > ${max}`;
    });
    assert.equal(queued.length, 1);
    assert.equal(queued[0].url, notifierUrl());
    assert.deepEqual(queued[0].body, { type: "SWEEP" });
    assert.ok(queued[0].headers["x-alert-signature"], "signed like every database webhook");
    const [row] = await eventually(
      async () => {
        const rows = await alertsOf(f, loc.id);
        return rows[0].status === "sent" ? rows : undefined;
      },
      15_000,
      "the requeued alert to be sent",
    );
    assert.equal(row.id, stuck.id);
    assert.equal(row.last_error, null, "a delivered alert shows no error");
    assert.deepEqual(f.rx.messages("slack").map(alertIdOf), [stuck.id]);
  },
);
