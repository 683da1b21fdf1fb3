/**
 * The alert-notifier handler against the real database and a fake Slack and Discord that
 * answer as the services document (local/channel_receiver.ts). Alerts are written straight
 * into the outbox with the database webhook suppressed, so only the handler under test
 * delivers them; tests/alerts/end_to_end_test.ts covers the path through pg_net.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { signedAlertHeaders } from "../_support/alert_webhook.ts";
import { testDb } from "../_support/env.ts";
import { insertAlertQuietly } from "../_support/outbox.ts";
import { queuedSince, queueMark } from "../_support/pg_net.ts";
import {
  type ChannelReceiver,
  type ReceivedMessage,
  type ScriptedAnswer,
  startChannelReceiver,
} from "../../local/channel_receiver.ts";
import {
  createAlertNotifierHandler,
  type NotifierDb,
  type NotifierDeps,
  type NotifierSettings,
  type NotifierSummary,
  postgresNotifierDb,
} from "../../supabase/functions/alert-notifier/handler.ts";
import { slackMessageProblems } from "../../shared/alert_messages.ts";
import { sha256Hex } from "../../shared/signatures.ts";

const SECRET = "delivery-test-secret";

interface Fixture {
  sql: postgres.Sql;
  rx: ChannelReceiver;
  /** Every wait the handler asked for, in ms (waits themselves are shortened to ≤ 20 ms). */
  sleeps: number[];
  locations: number[];
  handler(settings?: Partial<NotifierSettings>, deps?: Partial<NotifierDeps>): (
    req: Request,
  ) => Promise<Response>;
}

/** A test with its own pool, fake channels and locations (cleaned up afterwards). */
function deliveryTest(name: string, fn: (f: Fixture) => Promise<void>) {
  Deno.test(name, async () => {
    const sql = testDb();
    const rx = await startChannelReceiver();
    const fixture: Fixture = {
      sql,
      rx,
      sleeps: [],
      locations: [],
      handler: (settings = {}, deps = {}) =>
        createAlertNotifierHandler({
          db: postgresNotifierDb(sql),
          // Waits are shortened, so the webhook pace (real time in the database) would defer
          // posts; the pacing test below runs with real waits and the real limit.
          settings: {
            alertWebhookSecret: SECRET,
            fetchTimeoutMs: 300,
            maxPacingWaitMs: 600_000,
            ...settings,
          },
          random: () => 0,
          sleep: (ms) => {
            fixture.sleeps.push(ms);
            return new Promise((r) => setTimeout(r, Math.min(ms, 20)));
          },
          log: () => {},
          ...deps,
        }),
    };
    try {
      await fn(fixture);
    } finally {
      // Nothing of this test may be left for a later sweep to pick up.
      if (fixture.locations.length > 0) {
        await sql`delete from public.alerts where location_id = any(${fixture.locations})`;
      }
      await rx.stop();
      await sql.end();
    }
  });
}

async function newLocation(
  f: Fixture,
  channels: { slack?: string | null; discord?: string | null },
): Promise<number> {
  const [row] = await f.sql`
    insert into public.locations ${
    f.sql({
      name: `Delivery ${crypto.randomUUID().slice(0, 8)}`,
      time_zone: "America/New_York",
      toast_restaurant_guid: crypto.randomUUID(),
      slack_webhook_url: channels.slack ?? null,
      discord_webhook_url: channels.discord ?? null,
    })
  }
    returning id::int`;
  f.locations.push(row.id);
  return row.id;
}

/** A call signed as the database signs it (`secret`, at `atMs`). */
const signedCall = async (body: string, secret = SECRET, atMs = Date.now()) =>
  new Request("http://notifier.local/alert-notifier", {
    method: "POST",
    headers: await signedAlertHeaders(body, secret, atMs),
    body,
  });

const insertBody = (alertId: number) =>
  JSON.stringify({
    type: "INSERT",
    table: "alerts",
    schema: "public",
    record: { id: alertId },
    old_record: null,
  });

const insertCall = (alertId: number, secret = SECRET) => signedCall(insertBody(alertId), secret);

const sweepCall = () => signedCall(JSON.stringify({ type: "SWEEP" }));

/**
 * The handler's answer, reduced to this test's alerts (a sweep also settles whatever other
 * test files left due, which is none of this test's business).
 */
async function summary(res: Response, f: Fixture): Promise<NotifierSummary> {
  assert.equal(res.status, 200, await res.clone().text());
  const body: NotifierSummary = await res.json();
  return { ...body, alerts: body.alerts.filter((a) => f.locations.includes(a.locationId)) };
}

/** The alert id a delivered message announces ("Alert #N" in Slack's context block). */
function alertIdOf(message: ReceivedMessage): number {
  const m = /Alert #(\d+)/.exec(JSON.stringify(message.body));
  assert.ok(m, "message names its alert");
  return Number(m[1]);
}

async function alertRow(f: Fixture, id: number) {
  const [row] = await f.sql`
    select status, attempt_count, delivered_channels, failed_channels, last_error,
      next_attempt_at > now() as later, lease_token
    from public.alerts where id = ${id}`;
  return row;
}

async function attemptsOf(f: Fixture, id: number) {
  return [
    ...await f.sql`
      select channel, outcome, status_code, error, response_excerpt
      from public.alert_attempts where alert_id = ${id} order by id`,
  ];
}

/** Makes every pending alert of these locations due now (instead of waiting out backoff). */
async function makeDue(f: Fixture) {
  await f.sql`update public.alerts set next_attempt_at = now()
    where location_id = any(${f.locations}) and status = 'pending'`;
}

deliveryTest(
  "notifier: 429 honours Retry-After (Slack) and retry_after (Discord), then delivers once",
  async (f) => {
    const loc = await newLocation(f, {
      slack: f.rx.slackWebhookUrl("rate"),
      discord: f.rx.discordWebhookUrl("rate"),
    });
    const id = await insertAlertQuietly(loc);
    f.rx.script("slack", { kind: "rate_limited", retryAfterSeconds: 1 });
    f.rx.script("discord", { kind: "rate_limited", retryAfterSeconds: 0.25 });
    const result = await summary(await f.handler()(await insertCall(id)), f);
    assert.deepEqual(result.alerts.map((a) => [a.alertId, a.status, a.channels]), [
      [id, "sent", { slack: "delivered", discord: "delivered" }],
    ]);
    assert.equal(f.rx.messages("slack").length, 1);
    assert.equal(f.rx.messages("discord").length, 1);
    assert.ok(f.sleeps.includes(1000), `waited Slack's Retry-After: ${f.sleeps}`);
    assert.ok(f.sleeps.includes(250), `waited Discord's retry_after: ${f.sleeps}`);
    const row = await alertRow(f, id);
    assert.equal(row.status, "sent");
    assert.deepEqual(row.delivered_channels, ["slack", "discord"]);
    assert.equal(row.lease_token, null);
    assert.deepEqual(
      (await attemptsOf(f, id)).map((a) => `${a.channel} ${a.outcome} ${a.status_code}`),
      ["slack retry 429", "slack delivered 200", "discord retry 429", "discord delivered 204"],
    );
    // What was posted is a valid Slack body.
    assert.deepEqual(slackMessageProblems(f.rx.messages("slack")[0].body as never), []);
  },
);

deliveryTest(
  "notifier: after 500s, a hang past the timeout and a dropped connection, every alert is delivered exactly once, in creation order",
  async (f) => {
    const loc = await newLocation(f, { slack: f.rx.slackWebhookUrl("faults") });
    const ids = [await insertAlertQuietly(loc), await insertAlertQuietly(loc, "critical")];
    ids.push(await insertAlertQuietly(loc, "recovered"));
    f.rx.script(
      "slack",
      { kind: "server_error" },
      { kind: "hang" },
      { kind: "close" },
      { kind: "server_error", status: 503 },
    );
    const handler = f.handler();
    // First sweep: the oldest alert meets 500, a hang, a dropped connection (two in-process
    // retries) and is left pending; the newer two wait behind it.
    let result = await summary(await handler(await sweepCall()), f);
    assert.deepEqual(result.alerts.map((a) => [a.alertId, a.status]), [[ids[0], "pending"]]);
    assert.equal(f.rx.messages().length, 0);
    assert.equal((await alertRow(f, ids[1])).status, "pending");
    assert.equal((await alertRow(f, ids[1])).attempt_count, 0);
    // A webhook call for a newer alert does not jump the line.
    result = await summary(await handler(await insertCall(ids[2])), f);
    assert.deepEqual(result.alerts, []);
    // Second sweep: 503 once more; third: the fault has cleared.
    await makeDue(f);
    result = await summary(await handler(await sweepCall()), f);
    assert.deepEqual(result.alerts.map((a) => [a.alertId, a.status]), [[ids[0], "pending"]]);
    await makeDue(f);
    result = await summary(await handler(await sweepCall()), f);
    assert.deepEqual(result.alerts.map((a) => [a.alertId, a.status]), [
      [ids[0], "sent"],
      [ids[1], "sent"],
      [ids[2], "sent"],
    ]);
    assert.deepEqual(f.rx.messages().map(alertIdOf), ids, "each once, in creation order");
    const attempts = await attemptsOf(f, ids[0]);
    assert.deepEqual(attempts.map((a) => `${a.outcome} ${a.status_code ?? a.error}`).slice(0, 2), [
      "retry 500",
      "retry Slack did not answer within 300 ms",
    ]);
    assert.equal(attempts[2].status_code, null);
    assert.match(attempts[2].error, /^Slack connection failed: /);
    assert.deepEqual(attempts.slice(3).map((a) => `${a.outcome} ${a.status_code}`), [
      "retry 503",
      "delivered 200",
    ]);
    for (const later of ids.slice(1)) {
      assert.deepEqual(
        (await attemptsOf(f, later)).map((a) => a.outcome),
        ["delivered"],
        "alerts waiting in line were not attempted early",
      );
    }
  },
);

deliveryTest(
  "notifier: a refused connection is retried and delivered once the channel answers",
  async (f) => {
    const gone = await startChannelReceiver();
    const deadUrl = gone.slackWebhookUrl("moved");
    await gone.stop(); // nothing listens on that port any more
    const loc = await newLocation(f, { slack: deadUrl });
    const id = await insertAlertQuietly(loc);
    const handler = f.handler({ inProcessRetries: 0 });
    const first = await summary(await handler(await insertCall(id)), f);
    assert.equal(first.alerts[0].status, "pending");
    assert.match(first.alerts[0].error ?? "", /^Slack connection failed: /);
    assert.ok(!(first.alerts[0].error ?? "").includes(deadUrl), "the webhook URL is not logged");
    const row = await alertRow(f, id);
    assert.equal(row.later, true, "next attempt is scheduled with backoff");
    assert.doesNotMatch(row.last_error, /http:\/\//);
    // The channel comes back (here: the location's webhook is fixed).
    await f.sql`update public.locations set slack_webhook_url = ${f.rx.slackWebhookUrl()}
    where id = ${loc}`;
    await makeDue(f);
    const second = await summary(await handler(await sweepCall()), f);
    assert.deepEqual(second.alerts.map((a) => [a.alertId, a.status]), [[id, "sent"]]);
    assert.deepEqual(f.rx.messages().map(alertIdOf), [id]);
  },
);

deliveryTest(
  "notifier: a channel that already took the alert is never posted again while another retries",
  async (f) => {
    const loc = await newLocation(f, {
      slack: f.rx.slackWebhookUrl("both"),
      discord: f.rx.discordWebhookUrl("both"),
    });
    const id = await insertAlertQuietly(loc);
    f.rx.script("discord", { kind: "server_error" }, { kind: "server_error" }, {
      kind: "server_error",
    });
    const handler = f.handler();
    const first = await summary(await handler(await insertCall(id)), f);
    assert.deepEqual(first.alerts[0].channels, { slack: "delivered", discord: "retry" });
    assert.equal(first.alerts[0].status, "pending");
    await makeDue(f);
    const second = await summary(await handler(await sweepCall()), f);
    assert.deepEqual(second.alerts[0].channels, { slack: "delivered", discord: "delivered" });
    assert.equal(second.alerts[0].status, "sent");
    assert.equal(f.rx.messages("slack").length, 1);
    assert.equal(f.rx.messages("discord").length, 1);
    assert.equal(f.rx.requests("discord").length, 4);
    // Delivered: the 500s are in its attempts, not shown as its error.
    const row = await alertRow(f, id);
    assert.equal(row.last_error, null);
    assert.deepEqual(
      (await attemptsOf(f, id)).filter((a) => a.outcome === "retry").map((a) => a.status_code),
      [500, 500, 500],
    );
  },
);

deliveryTest(
  "notifier: permanent errors end as failed with the service's reason, and do not block the line",
  async (f) => {
    const cases: Array<[string, "slack" | "discord", ScriptedAnswer, string]> = [
      ["slack-404", "slack", { kind: "not_found" }, "Slack 404 channel_not_found"],
      ["slack-410", "slack", { kind: "archived" }, "Slack 410 channel_is_archived"],
      ["slack-400", "slack", { kind: "invalid_payload" }, "Slack 400 invalid_payload"],
      ["slack-403", "slack", { kind: "forbidden" }, "Slack 403 action_prohibited"],
      [
        "discord-404",
        "discord",
        { kind: "not_found" },
        "Discord 404 Unknown Webhook (code 10015)",
      ],
    ];
    const handler = f.handler();
    for (const [name, channel, answer, reason] of cases) {
      const url = channel === "slack" ? f.rx.slackWebhookUrl(name) : f.rx.discordWebhookUrl(name);
      const loc = await newLocation(f, { [channel]: url });
      const failing = await insertAlertQuietly(loc);
      const next = await insertAlertQuietly(loc, "critical");
      f.rx.script(url, answer);
      const result = await summary(await handler(await insertCall(failing)), f);
      // The failed alert is final; the location's next alert goes out right after it.
      assert.deepEqual(result.alerts.map((a) => [a.alertId, a.status]), [
        [failing, "failed"],
        [next, "sent"],
      ], name);
      const row = await alertRow(f, failing);
      assert.equal(row.status, "failed");
      assert.equal(row.last_error, reason);
      assert.deepEqual(row.failed_channels, [channel]);
      assert.equal(row.attempt_count, 1, `${name}: no retry of a permanent error`);
      const attempts = await attemptsOf(f, failing);
      assert.equal(attempts.length, 1);
      assert.equal(attempts[0].outcome, "failed");
      assert.ok(attempts[0].response_excerpt.length > 0, "the response is kept");
    }
  },
);

deliveryTest(
  "notifier: figures beyond 2^53 are shown exactly, and the next alert of the location follows",
  async (f) => {
    const loc = await newLocation(f, { slack: f.rx.slackWebhookUrl("huge") });
    const huge = await insertAlertQuietly(loc);
    // 2^60 ¢ of sales and 2^55 ¢ of labor: past what a JavaScript number holds exactly.
    await f.sql`update public.alerts set net_sales_cents = 1152921504606846976,
        labor_cost_cents = 36028797018963968, splh_cents = 9007199254740993
      where id = ${huge}`;
    const next = await insertAlertQuietly(loc, "critical");
    const result = await summary(await f.handler()(await insertCall(huge)), f);
    assert.deepEqual(result.alerts.map((a) => [a.alertId, a.status]), [
      [huge, "sent"],
      [next, "sent"],
    ]);
    const text = JSON.stringify(f.rx.messages("slack")[0].body);
    assert.ok(text.includes("$11,529,215,046,068,469.76"), "net sales, to the cent");
    assert.ok(text.includes("$360,287,970,189,639.68"), "labor cost, to the cent");
    assert.ok(text.includes("$90,071,992,547,409.93"), "SPLH, to the cent");
  },
);

/** {@link postgresNotifierDb} counting its round trips by call. */
function countingDb(sql: postgres.Sql) {
  const db = postgresNotifierDb(sql);
  const calls: Record<string, number> = {};
  const counted = Object.fromEntries(
    Object.entries(db).map(([name, call]) => [name, (...args: unknown[]) => {
      calls[name] = (calls[name] ?? 0) + 1;
      return (call as (...a: unknown[]) => unknown)(...args);
    }]),
  ) as unknown as NotifierDb;
  return { db: counted, calls };
}

deliveryTest(
  "notifier: a database webhook call takes two round trips for a lone alert, and drains its location's line",
  async (f) => {
    // A lone alert (a burst across many locations): the claim reserves the webhook's slot, the
    // record finds the line empty, so no further claim.
    const url = f.rx.slackWebhookUrl("lone");
    const lone = await newLocation(f, { slack: url });
    const id = await insertAlertQuietly(lone);
    const one = countingDb(f.sql);
    const result = await summary(await f.handler({}, { db: one.db })(await insertCall(id)), f);
    assert.deepEqual(result.alerts.map((a) => [a.alertId, a.status]), [[id, "sent"]]);
    assert.deepEqual(one.calls, { claimAlert: 1, recordAttempt: 1 });
    // The claim's reservation is the webhook's own pace, under the key the notifier uses.
    const [paced] = await f.sql`select next_free_at > now() as ahead from pipeline.webhook_pacing
      where webhook_key = ${await sha256Hex(url)}`;
    assert.equal(paced?.ahead, true, "the slot after this post is reserved");

    // An alert raised while the first one is being posted: its own call finds the first one
    // sending and claims nothing; the first call's record claims it, in order.
    const loc = await newLocation(f, { slack: f.rx.slackWebhookUrl("line") });
    const first = await insertAlertQuietly(loc);
    let second = 0;
    let secondCall: NotifierSummary | undefined;
    const line = countingDb(f.sql);
    const handler = f.handler({}, {
      db: line.db,
      fetch: async (input, init) => {
        if (second === 0) {
          second = await insertAlertQuietly(loc, "critical");
          secondCall = await summary(await f.handler()(await insertCall(second)), f);
        }
        return await fetch(input, init);
      },
    });
    const drained = await summary(await handler(await insertCall(first)), f);
    assert.deepEqual(secondCall?.alerts, [], "the second alert waits for the first");
    assert.deepEqual(drained.alerts.map((a) => [a.alertId, a.status]), [
      [first, "sent"],
      [second, "sent"],
    ]);
    assert.deepEqual(f.rx.messages("slack").slice(1).map(alertIdOf), [first, second]);
    // The second alert, claimed by the first one's record, reserves its own slot.
    assert.deepEqual(line.calls, { claimAlert: 1, reserveWebhookSlot: 1, recordAttempt: 2 });
  },
);

deliveryTest(
  "notifier: an alert that cannot be rendered is marked failed with the reason and holds back nothing",
  async (f) => {
    const loc = await newLocation(f, {
      slack: f.rx.slackWebhookUrl("broken"),
      discord: f.rx.discordWebhookUrl("broken"),
    });
    const broken = await insertAlertQuietly(loc);
    // A zone no formatter knows: rendering the local time throws.
    await f.sql`update public.alerts set time_zone = 'Mars/Olympus_Mons' where id = ${broken}`;
    const next = await insertAlertQuietly(loc, "critical");
    const result = await summary(await f.handler()(await insertCall(broken)), f);
    assert.deepEqual(result.alerts.map((a) => [a.alertId, a.status]), [
      [broken, "failed"],
      [next, "sent"],
    ]);
    const row = await alertRow(f, broken);
    assert.equal(row.status, "failed");
    assert.equal(row.lease_token, null);
    assert.deepEqual(row.failed_channels, ["slack", "discord"]);
    assert.match(row.last_error, /could not be rendered or sent: .*Mars\/Olympus_Mons/);
    assert.deepEqual(f.rx.messages().map(alertIdOf), [next, next], "only the next one was posted");
  },
);

deliveryTest("notifier: two invocations racing on the same alert post it once", async (f) => {
  const loc = await newLocation(f, {
    slack: f.rx.slackWebhookUrl("race"),
    discord: f.rx.discordWebhookUrl("race"),
  });
  const id = await insertAlertQuietly(loc);
  f.rx.setDefault("slack", { kind: "ok", delayMs: 150 });
  const a = f.handler();
  const b = f.handler();
  const calls = [await insertCall(id), await insertCall(id), await sweepCall(), await sweepCall()];
  const results = await Promise.all(
    calls.map((call, i) => (i % 2 === 0 ? a : b)(call).then((r) => summary(r, f))),
  );
  const handled = results.flatMap((r) => r.alerts.map((x) => x.alertId));
  assert.deepEqual(handled, [id], "exactly one invocation got the alert");
  assert.equal(f.rx.requests("slack").length, 1);
  assert.equal(f.rx.requests("discord").length, 1);
  assert.equal((await alertRow(f, id)).status, "sent");
});

deliveryTest(
  "notifier: a location with no channel keeps its alerts as undeliverable, visibly",
  async (f) => {
    const loc = await newLocation(f, {});
    const id = await insertAlertQuietly(loc);
    const handler = f.handler(); // no SLACK_WEBHOOK_URL / DISCORD_WEBHOOK_URL either
    const result = await summary(await handler(await insertCall(id)), f);
    assert.deepEqual(result.alerts.map((a) => [a.alertId, a.status]), [[id, "undeliverable"]]);
    const row = await alertRow(f, id);
    assert.equal(row.status, "undeliverable");
    assert.match(row.last_error, /No Slack or Discord webhook for this location/);
    assert.equal(f.rx.requests().length, 0);
    // With a default channel configured, re-queued alerts go out.
    // The requeue also wakes the stack's own notifier (pg_net, after commit), which has no
    // default channel and could take the alert first: its request is dropped from pg_net's queue
    // before the commit, so that the handler under test is the one that delivers (as above).
    const n = await f.sql.begin(async (tx) => {
      const mark = await queueMark(tx);
      const [{ n }] = await tx`select pipeline.requeue_alerts(${loc}) as n`;
      const woken = await queuedSince(tx, mark, '"SWEEP"');
      assert.equal(woken.length, 1, "requeue_alerts asks for a sweep");
      await tx`delete from net.http_request_queue where id = ${woken[0].id}`;
      return n;
    });
    assert.equal(n, 1);
    const withDefault = f.handler({ slackWebhookUrl: f.rx.slackWebhookUrl("default") });
    const again = await summary(await withDefault(await sweepCall()), f);
    assert.deepEqual(again.alerts.map((a) => [a.alertId, a.status]), [[id, "sent"]]);
    assert.equal(f.rx.messages("slack")[0].path, new URL(f.rx.slackWebhookUrl("default")).pathname);
  },
);

/**
 * Paced at one post a second per webhook: the i-th post (0-based, in arrival order) arrives no
 * earlier than i seconds after `started` (taken before the first slot was reserved). Each slot
 * is reserved at least 1 s after the one before and no post leaves before its slot, so load
 * can only delay posts, never bring this bound closer; the gap between two arrivals can be
 * shorter (a post delayed by the machine, the next one on time), so it is not asserted.
 */
function assertPaced(sortedTimes: number[], started: number) {
  for (const [i, t] of sortedTimes.entries()) {
    // A few ms for the database's and Deno's clocks rounding differently.
    assert.ok(t - started >= i * 1_000 - 5, `post ${i} arrived ${t - started} ms after the start`);
  }
}

deliveryTest("notifier: no more than about one message per second per Slack webhook", async (f) => {
  const shared = f.rx.slackWebhookUrl("shared");
  const locs = [
    await newLocation(f, { slack: shared }),
    await newLocation(f, { slack: shared }),
    await newLocation(f, { slack: shared }),
  ];
  const ids = [];
  for (const loc of locs) ids.push(await insertAlertQuietly(loc));
  // Real waits here: the pace is the point. A slot is reserved at most 1.5 s ahead; a post
  // paced further out waits (holding its alert) and asks again, within the invocation's budget.
  const handler = f.handler({ maxPacingWaitMs: 1_500 }, {
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  const started = Date.now();
  const first = await summary(await handler(await sweepCall()), f);
  assert.deepEqual(first.alerts.map((a) => a.status), ["sent", "sent", "sent"]);
  const times = f.rx.messages().map((m) => m.receivedAt.getTime());
  assert.equal(times.length, 3);
  assertPaced(times, started);
  assert.deepEqual(f.rx.messages().map(alertIdOf).sort(), [...ids].sort());
});

deliveryTest(
  "notifier: a post paced past the invocation's budget is left for the sweep",
  async (f) => {
    const shared = f.rx.slackWebhookUrl("budget");
    const locs = [
      await newLocation(f, { slack: shared }),
      await newLocation(f, { slack: shared }),
      await newLocation(f, { slack: shared }),
    ];
    for (const loc of locs) await insertAlertQuietly(loc);
    const handler = f.handler({ maxPacingWaitMs: 500, budgetMs: 1_200 }, {
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    const first = await summary(await handler(await sweepCall()), f);
    const statuses = first.alerts.map((a) => a.status).sort();
    assert.deepEqual(statuses, ["pending", "sent", "sent"]);
    const deferred = first.alerts.find((a) => a.status === "pending")!;
    assert.equal(deferred.channels.slack, "deferred");
    assert.deepEqual(await attemptsOf(f, deferred.alertId), [], "a deferral is not an attempt");
    assert.equal((await alertRow(f, deferred.alertId)).later, true);
    // Once its slot has come, the next sweep delivers it.
    await new Promise((r) => setTimeout(r, 1_200));
    const second = await summary(await handler(await sweepCall()), f);
    assert.deepEqual(second.alerts.map((a) => [a.alertId, a.status]), [[deferred.alertId, "sent"]]);
  },
);

deliveryTest(
  "notifier: twelve alerts on one Slack webhook go out at one a second, in about 12 s, without the sweep",
  async (f) => {
    const shared = f.rx.slackWebhookUrl("burst");
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(await insertAlertQuietly(await newLocation(f, { slack: shared })));
    }
    // The real pacing and budget (5 s ahead, 40 s per invocation), real waits; one database
    // webhook call per alert, all at once, as pg_net makes them.
    const handler = f.handler({ maxPacingWaitMs: undefined }, {
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    const started = Date.now();
    const results = await Promise.all(
      ids.map(async (id) => summary(await handler(await insertCall(id)), f)),
    );
    const elapsed = Date.now() - started;
    assert.deepEqual(
      results.flatMap((r) => r.alerts.map((a) => a.status)),
      Array(12).fill("sent"),
      "every alert sent by the call that raised it",
    );
    const times = f.rx.messages().map((m) => m.receivedAt.getTime()).sort((a, b) => a - b);
    assert.equal(times.length, 12);
    assertPaced(times, started);
    // Upper bounds with margin on a loaded machine (two busy loops on 2 cores: first 90 ms,
    // all twelve in 11.1 s): the first does not wait for a slot, and the burst drains in the
    // calls that raised it, well within their 40 s budget and long before a sweep (60 s).
    assert.ok(times[0] - started < 1_000, "the first within the second");
    assert.ok(elapsed < 25_000, `all twelve in ${elapsed} ms, at the paced rate`);
    assert.deepEqual(f.rx.messages().map(alertIdOf).sort(), [...ids].sort());
  },
);

deliveryTest(
  "notifier: an expired claim is taken over; the stale holder's record is refused",
  async (f) => {
    const loc = await newLocation(f, { slack: f.rx.slackWebhookUrl("lease") });
    const id = await insertAlertQuietly(loc);
    // An invocation claims the alert and dies before posting.
    const [{ alert }] = await f.sql`select pipeline.claim_alert(${id}, 60, false, false) as alert`;
    assert.equal(alert.status, "sending");
    const nothing = await summary(await f.handler()(await sweepCall()), f);
    assert.deepEqual(nothing.alerts, [], "a live claim is respected");
    await f.sql`update public.alerts set lease_expires_at = now() - interval '1 second'
    where id = ${id}`;
    const taken = await summary(await f.handler()(await sweepCall()), f);
    assert.deepEqual(taken.alerts.map((a) => [a.alertId, a.status]), [[id, "sent"]]);
    const [{ status }] = await f.sql`
    select pipeline.record_alert_attempt(${id}, ${alert.leaseToken}::uuid, 'slack',
      'delivered', 200) ->> 'status' as status`;
    assert.equal(status, "lease_lost");
    assert.equal(f.rx.messages().length, 1);
  },
);

deliveryTest(
  "notifier: requests not signed by the database (wrong key, stale, changed body, old secret headers) get 401; malformed bodies 400",
  async (f) => {
    const handler = f.handler();
    const loc = await newLocation(f, { slack: f.rx.slackWebhookUrl("auth") });
    const id = await insertAlertQuietly(loc);
    const changedBody = await insertCall(id);
    const sixMinutesAgo = Date.now() - 6 * 60_000;
    for (
      const req of [
        await insertCall(id, "wrong-secret"),
        await signedCall(insertBody(id), SECRET, sixMinutesAgo),
        await signedCall(insertBody(id), SECRET, Date.now() + 6 * 60_000),
        new Request(changedBody.url, {
          method: "POST",
          headers: changedBody.headers,
          body: insertBody(id).replace("}", ',"schema":"public"}'),
        }),
        new Request("http://x/", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
          body: "{}",
        }),
        new Request("http://x/", {
          method: "POST",
          headers: { "content-type": "application/json", "x-alert-webhook-secret": SECRET },
          body: "{}",
        }),
      ]
    ) {
      const res = await handler(req);
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "unauthorized");
    }
    assert.equal(f.rx.requests().length, 0);
    assert.equal((await alertRow(f, id)).status, "pending");
    const updateBody = JSON.stringify({ type: "UPDATE", table: "alerts", record: { id } });
    const bad = await handler(
      new Request("http://x/", {
        method: "POST",
        headers: await signedAlertHeaders(updateBody, SECRET),
        body: updateBody,
      }),
    );
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, "invalid_payload");
    const get = await handler(new Request("http://x/", { method: "GET" }));
    assert.equal(get.status, 405);
    // An empty secret setting refuses everything, whatever it was signed with.
    const unset = f.handler({ alertWebhookSecret: "" });
    assert.equal((await unset(await insertCall(id))).status, 401);
    assert.equal((await unset(await insertCall(id, "x"))).status, 401);
  },
);
