/**
 * The alert state machine on the real database: every change is written as orders and
 * punches rows, so the metrics triggers recompute the day at commit and call
 * pipeline.evaluate_alerts, exactly as webhooks drive it. Each test makes its own location.
 *
 * The clock is injected (`pipeline.now`, the figures' own clock, which the state machine
 * reads "today" from): a run that crosses a business day's cut-off sees the same days.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import {
  adminUrl,
  eventually,
  needsOwnDatabase,
  scratchDatabase,
  testDb,
} from "../_support/env.ts";
import { applyBootstrap } from "../../local/bootstrap.ts";
import { verifyAlertWebhook } from "../../shared/signatures.ts";
import { queuedSince, queueMark, requestText } from "../_support/pg_net.ts";
import { repoPath } from "../../local/paths.ts";
import { DEFAULT_BUDGET_MS } from "../../supabase/functions/alert-notifier/handler.ts";

/** The pool of the running test (each test opens and closes its own). */
let sql: postgres.Sql;

/** A test with its own pool on the shared test database. */
function dbTest(name: string, fn: () => Promise<void>, options: { ignore?: boolean } = {}) {
  Deno.test({ name, ...options }, async () => {
    sql = testDb();
    try {
      await fn();
    } finally {
      await sql.end();
    }
  });
}

/** "Now" for every write: mid-afternoon in Chicago, where the test locations are. */
const CLOCK = "2026-11-20T20:00:00.000Z";

interface Location {
  id: number;
  /** The location's current business day, `YYYY-MM-DD`. */
  today: string;
  yesterday: string;
  daysAgo: (n: number) => string;
}

async function newLocation(settings: Record<string, unknown> = {}): Promise<Location> {
  const [row] = await sql`
    insert into public.locations ${
    sql({
      name: `Alerts ${crypto.randomUUID().slice(0, 8)}`,
      time_zone: "America/Chicago",
      toast_restaurant_guid: crypto.randomUUID(),
      ...settings,
    })
  }
    returning id::int,
      pipeline.business_date_of(${CLOCK}::timestamptz, time_zone, business_day_cutoff_hour)
        as today`;
  const today = new Date(row.today);
  const daysAgo = (n: number) =>
    new Date(today.getTime() - n * 86_400_000).toISOString().slice(0, 10);
  return { id: row.id, today: daysAgo(0), yesterday: daysAgo(1), daysAgo };
}

const stableIds = new Map<string, { order: string; punch: number }>();
function idsFor(loc: Location, day: string, key: string) {
  const k = `${loc.id}/${day}/${key}`;
  if (!stableIds.has(k)) {
    stableIds.set(k, {
      order: crypto.randomUUID(),
      punch: Math.floor(Math.random() * 2 ** 47) + 1,
    });
  }
  return stableIds.get(k)!;
}

/**
 * Sets a day's net sales and labor cost (one order, one closed one-hour punch at a wage of
 * `laborCents`, so labor cost = laborCents) in one transaction (`tx`, or a new one): one
 * recompute, one evaluation. `key` picks the order/punch rows written (late data adds rows).
 */
async function writeDay(
  loc: Location,
  day: string,
  figures: { salesCents?: number; laborCents?: number; key?: string },
  tx?: postgres.TransactionSql,
) {
  const ids = idsFor(loc, day, figures.key ?? "main");
  const write = async (tx: postgres.TransactionSql) => {
    await tx`select set_config('pipeline.now', ${CLOCK}, true)`;
    if (figures.salesCents !== undefined) {
      await tx`
        insert into public.orders (toast_order_guid, location_id, business_date, net_sales_cents,
          gross_sales_cents, discount_cents, tax_cents, tip_cents, gratuity_cents, deferred_cents,
          check_count, voided, deleted, excess_food, vendor_modified_at, version_hash)
        values (${ids.order}, ${loc.id}, ${day}, ${figures.salesCents}, ${figures.salesCents},
          0, 0, 0, 0, 0, 1, false, false, false, now(), 'alerts-test')
        on conflict (toast_order_guid) do update
          set net_sales_cents = excluded.net_sales_cents,
            gross_sales_cents = excluded.gross_sales_cents, updated_at = now()`;
    }
    if (figures.laborCents !== undefined) {
      await tx`
        insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
          sevenshifts_location_id, clocked_in_at, clocked_out_at, business_date,
          unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
          vendor_modified_at, version_hash)
        values (${ids.punch}, ${loc.id}, 1, 1, ${CLOCK}::timestamptz - interval '2 hours',
          ${CLOCK}::timestamptz - interval '1 hour', ${day}, 0, 3600, ${figures.laborCents},
          true, false, now(), 'alerts-test')
        on conflict (sevenshifts_punch_id) do update
          set hourly_wage_cents = excluded.hourly_wage_cents, updated_at = now()`;
    }
  };
  if (tx) await write(tx);
  else await sql.begin(write);
}

interface AlertRow {
  id: number;
  kind: string;
  from_state: string;
  business_date: string;
  labor_pct_bp: number;
  net_sales_cents: number;
  labor_cost_cents: number;
  critical_threshold_bp: number;
  recovery_threshold_bp: number;
  previous: Record<string, unknown> | null;
  previous_alert_id: number | null;
}

async function alertsOf(loc: Location): Promise<AlertRow[]> {
  return [
    ...await sql<AlertRow[]>`
    select id::int, kind, from_state, business_date::text, labor_pct_bp::float8 as labor_pct_bp,
      net_sales_cents::int, labor_cost_cents::int, critical_threshold_bp,
      recovery_threshold_bp, previous, previous_alert_id::int
    from public.alerts where location_id = ${loc.id} order by id`,
  ];
}

async function stateOf(loc: Location, day: string): Promise<string | undefined> {
  const rows = await sql`
    select state from public.alert_states
    where location_id = ${loc.id} and business_date = ${day}`;
  return rows[0]?.state;
}

const kinds = (rows: AlertRow[]) => rows.map((r) => `${r.from_state}→${r.kind}`);

dbTest(
  "alerts: ok → over → critical → recovered, one alert per transition with its figures",
  async () => {
    const loc = await newLocation();
    await writeDay(loc, loc.today, { salesCents: 100_000, laborCents: 20_000 }); // 20 %: ok
    assert.deepEqual(await alertsOf(loc), []);
    assert.equal(await stateOf(loc, loc.today), "ok");

    await writeDay(loc, loc.today, { laborCents: 27_000 }); // 27 %: over
    await writeDay(loc, loc.today, { laborCents: 31_000 }); // 31 %: critical (> 30)
    await writeDay(loc, loc.today, { salesCents: 140_000 }); // 22.14 %: ≤ 24 → recovered
    const rows = await alertsOf(loc);
    assert.deepEqual(kinds(rows), ["ok→over", "over→critical", "critical→recovered"]);
    assert.deepEqual(rows.map((r) => r.labor_pct_bp), [2700, 3100, 2214]);
    assert.deepEqual(rows.map((r) => [r.net_sales_cents, r.labor_cost_cents]), [
      [100_000, 27_000],
      [100_000, 31_000],
      [140_000, 31_000],
    ]);
    assert.ok(rows.every((r) => r.business_date === loc.today));
    assert.ok(rows.every((r) => r.critical_threshold_bp === 3000));
    assert.ok(rows.every((r) => r.recovery_threshold_bp === 2400));
    // "What changed": each alert carries the previous one's figures.
    assert.equal(rows[0].previous, null);
    assert.equal(rows[1].previous_alert_id, rows[0].id);
    assert.deepEqual(
      { ...rows[1].previous, createdAt: undefined, metricsAsOf: undefined },
      {
        kind: "over",
        laborPctBp: 2700,
        netSalesCents: 100_000,
        laborCostCents: 27_000,
        paidLaborSeconds: 3600,
        createdAt: undefined,
        metricsAsOf: undefined,
      },
    );
    assert.equal(rows[2].previous?.kind, "critical");
    assert.equal(await stateOf(loc, loc.today), "recovered");
  },
);

dbTest(
  "alerts: the day's state row records each evaluation; its version moves only with labor % or sales",
  async () => {
    const loc = await newLocation();
    const row = async () => {
      const [r] = await sql`
        select state, last_labor_pct_bp::int, last_net_sales_cents::int, figures_version::int,
          figures_changed_at, evaluated_at, alert_count
        from public.alert_states
        where location_id = ${loc.id} and business_date = ${loc.today}`;
      return r;
    };
    // No labor % yet (sales only count with labor, but no sales: nothing to judge): no row.
    await writeDay(loc, loc.today, { laborCents: 20_000 });
    assert.equal(await row(), undefined);

    await writeDay(loc, loc.today, { salesCents: 100_000 }); // 20 %: ok
    const first = await row();
    assert.deepEqual(
      {
        state: first.state,
        pct: first.last_labor_pct_bp,
        sales: first.last_net_sales_cents,
        version: first.figures_version,
        alerts: first.alert_count,
      },
      { state: "ok", pct: 2000, sales: 100_000, version: 1, alerts: 0 },
    );

    // The same figures again (the punch rewritten as it was): evaluated, not a new version.
    await writeDay(loc, loc.today, { laborCents: 20_000 });
    const same = await row();
    assert.equal(same.figures_version, 1);
    assert.equal(same.figures_changed_at.getTime(), first.figures_changed_at.getTime());
    assert.ok(same.evaluated_at > first.evaluated_at, "evaluated_at moves on every evaluation");

    // Labor % moves: a new version, a later change time, and the alert from the stored state.
    await writeDay(loc, loc.today, { laborCents: 27_000 }); // 27 %: over
    const over = await row();
    assert.deepEqual(
      [over.state, over.last_labor_pct_bp, over.figures_version, over.alert_count],
      ["over", 2700, 2, 1],
    );
    assert.ok(over.figures_changed_at > same.figures_changed_at);
    // Net sales move with labor % unchanged (both doubled): a new version too.
    await writeDay(loc, loc.today, { salesCents: 200_000, laborCents: 54_000 });
    const both = await row();
    assert.deepEqual(
      [both.state, both.last_labor_pct_bp, both.last_net_sales_cents, both.figures_version],
      ["over", 2700, 200_000, 3],
    );
    await writeDay(loc, loc.today, { laborCents: 64_000 }); // 32 %: critical
    assert.deepEqual(kinds(await alertsOf(loc)), ["ok→over", "over→critical"]);
    assert.deepEqual([(await row()).state, (await row()).figures_version], ["critical", 4]);
  },
);

dbTest("alerts: re-crossing the same level the same day inserts nothing", async () => {
  const loc = await newLocation();
  await writeDay(loc, loc.today, { salesCents: 100_000, laborCents: 26_000 }); // over
  await writeDay(loc, loc.today, { laborCents: 24_500 }); // under target, above 24 %: stays over
  await writeDay(loc, loc.today, { laborCents: 26_500 }); // over again: nothing new
  await writeDay(loc, loc.today, { laborCents: 25_000 }); // exactly on target: still nothing
  assert.deepEqual(kinds(await alertsOf(loc)), ["ok→over"]);
  assert.equal(await stateOf(loc, loc.today), "over");

  await writeDay(loc, loc.today, { laborCents: 32_000 }); // critical
  await writeDay(loc, loc.today, { laborCents: 28_000 }); // back in the over band: stays critical
  await writeDay(loc, loc.today, { laborCents: 33_000 }); // critical again: nothing new
  await writeDay(loc, loc.today, { laborCents: 27_000 });
  assert.deepEqual(kinds(await alertsOf(loc)), ["ok→over", "over→critical"]);
  assert.equal(await stateOf(loc, loc.today), "critical");
});

dbTest("alerts: ok straight to critical inserts one critical alert", async () => {
  const loc = await newLocation();
  await writeDay(loc, loc.today, { salesCents: 100_000, laborCents: 35_000 });
  const rows = await alertsOf(loc);
  assert.deepEqual(kinds(rows), ["ok→critical"]);
  assert.equal(rows[0].labor_pct_bp, 3500);
});

dbTest("alerts: nothing below the sales floor, however high labor runs", async () => {
  const loc = await newLocation(); // floor: $500.00
  await writeDay(loc, loc.today, { salesCents: 4_000, laborCents: 12_000 }); // 300 % at $40
  await writeDay(loc, loc.today, { salesCents: 49_999 }); // 24 %... then:
  await writeDay(loc, loc.today, { laborCents: 20_000 }); // 40 % at $499.99: still nothing
  assert.deepEqual(await alertsOf(loc), []);
  await writeDay(loc, loc.today, { salesCents: 50_000 }); // floor reached at 40 %: critical
  assert.deepEqual(kinds(await alertsOf(loc)), ["ok→critical"]);

  // A location's own floor counts, and a floor of zero alerts from the first cent.
  const noFloor = await newLocation({ alert_min_net_sales_cents: 0 });
  await writeDay(noFloor, noFloor.today, { salesCents: 1_000, laborCents: 260 });
  assert.deepEqual(kinds(await alertsOf(noFloor)), ["ok→over"]);
});

dbTest("alerts: a recovered day that goes over again starts a new episode", async () => {
  const loc = await newLocation();
  await writeDay(loc, loc.today, { salesCents: 100_000, laborCents: 27_000 });
  await writeDay(loc, loc.today, { laborCents: 23_000 }); // recovered
  await writeDay(loc, loc.today, { laborCents: 23_500 }); // still fine: nothing
  await writeDay(loc, loc.today, { laborCents: 26_000 }); // 26.00 %: not past target + 1 yet
  assert.deepEqual(kinds(await alertsOf(loc)), ["ok→over", "over→recovered"]);
  await writeDay(loc, loc.today, { laborCents: 26_500 }); // over again, after "back on target"
  assert.deepEqual(kinds(await alertsOf(loc)), ["ok→over", "over→recovered", "recovered→over"]);
});

// Closed days (late data, backfills, replays): tests/alerts/closed_days_test.ts.

dbTest("alerts: per-location settings, disabled alerts, and no alerts for old days", async () => {
  const strict = await newLocation({
    labor_target_bp: 2000,
    critical_margin_bp: 200,
    recovery_hysteresis_bp: 300,
  });
  await writeDay(strict, strict.today, { salesCents: 100_000, laborCents: 21_000 }); // over 20
  await writeDay(strict, strict.today, { laborCents: 22_500 }); // critical above 22
  await writeDay(strict, strict.today, { laborCents: 17_500 }); // 17.5 ≤ 17? no: stays
  await writeDay(strict, strict.today, { laborCents: 17_000 }); // recovered at 20 - 3
  assert.deepEqual(kinds(await alertsOf(strict)), [
    "ok→over",
    "over→critical",
    "critical→recovered",
  ]);

  const disabled = await newLocation({ alerts_enabled: false });
  await writeDay(disabled, disabled.today, { salesCents: 100_000, laborCents: 40_000 });
  assert.deepEqual(await alertsOf(disabled), []);

  // Backfilling a week-old day never starts an alert...
  const backfill = await newLocation();
  await writeDay(backfill, backfill.daysAgo(7), { salesCents: 100_000, laborCents: 40_000 });
  assert.deepEqual(await alertsOf(backfill), []);
});

dbTest("alerts: two evaluations of the same day at once insert one alert", async () => {
  // Figures at 27 % written while alerts were off, so no state row exists yet.
  const loc = await newLocation({ alerts_enabled: false });
  await writeDay(loc, loc.today, { salesCents: 100_000, laborCents: 27_000 });
  await sql`update public.locations set alerts_enabled = true where id = ${loc.id}`;
  // The first evaluation holds its transaction open; the second starts meanwhile and must wait
  // for it (the state row is the lock), then see "over" and insert nothing.
  const first = sql.begin(async (tx) => {
    await tx`select pipeline.evaluate_alerts(${loc.id}, ${loc.today})`;
    await new Promise((r) => setTimeout(r, 300));
  });
  await new Promise((r) => setTimeout(r, 50));
  const second = sql.begin(async (tx) => {
    await tx`select pipeline.evaluate_alerts(${loc.id}, ${loc.today})`;
  });
  await Promise.all([first, second]);
  assert.deepEqual(kinds(await alertsOf(loc)), ["ok→over"]);
  // Again once the state row exists, racing toward critical.
  await sql`update public.locations set alerts_enabled = false where id = ${loc.id}`;
  await writeDay(loc, loc.today, { laborCents: 35_000 });
  await sql`update public.locations set alerts_enabled = true where id = ${loc.id}`;
  await Promise.all(
    [0, 1, 2].map((i) =>
      sql.begin(async (tx) => {
        await new Promise((r) => setTimeout(r, i * 20));
        await tx`select pipeline.evaluate_alerts(${loc.id}, ${loc.today})`;
        await new Promise((r) => setTimeout(r, 200));
      })
    ),
  );
  assert.deepEqual(kinds(await alertsOf(loc)), ["ok→over", "over→critical"]);
});

dbTest(
  "alerts: each alert fires the database webhook with the Supabase body, signed, with no secret in the request",
  async () => {
    // A location with its own Slack and Discord URLs: secrets that must never ride along.
    const slackToken = `XOXSTATE${crypto.randomUUID().replaceAll("-", "")}`;
    const discordToken = `DISCORDSTATE${crypto.randomUUID().replaceAll("-", "")}`;
    const loc = await newLocation({
      slack_webhook_url: `https://hooks.slack.com/services/T1/B1/${slackToken}`,
      discord_webhook_url: `https://discord.com/api/webhooks/1/${discordToken}`,
    });
    // Inspect the queued pg_net request inside the transaction (the dispatcher cannot see it
    // before commit), then roll back.
    const rolledBack = new Error("roll back");
    await sql.begin(async (tx) => {
      const mark = await queueMark(tx);
      await writeDay(loc, loc.today, { salesCents: 100_000, laborCents: 27_000 }, tx);
      // In this transaction the recompute has not run yet (it runs at commit): run it now.
      await tx`select pipeline.recompute_day(${loc.id}, ${loc.today})`;
      const [alert] = await tx`select * from public.alerts where location_id = ${loc.id}`;
      assert.ok(alert, "an alert row");
      const mine = (await queuedSince(tx, mark, `"location_id": ${loc.id},`))
        .map((r) => ({ ...r, json: JSON.parse(r.text) }))
        .filter((r) => r.json?.record?.location_id === loc.id);
      assert.equal(mine.length, 1);
      const [config] = await tx`
      select pipeline.runtime_config('functions_base_url') as base,
        pipeline.runtime_config('alert_webhook_secret') as secret`;
      const secret = String(config.secret);
      assert.equal(mine[0].url, `${config.base.replace(/\/$/, "")}/alert-notifier`);
      assert.equal(Deno.env.get("ALERT_WEBHOOK_SECRET"), secret);
      // Headers: the content type and the signature, nothing that could be used again.
      const headers = mine[0].headers;
      assert.deepEqual(Object.keys(headers).sort(), [
        "Content-Type",
        "x-alert-signature",
        "x-alert-timestamp",
      ]);
      assert.equal(headers["Content-Type"], "application/json");
      // Neither the signing secret nor a channel URL anywhere in the request, body decoded.
      const everything = requestText(mine[0]);
      assert.ok(!everything.includes(secret), "the secret appears nowhere in the queued request");
      for (const token of [slackToken, discordToken]) {
        assert.ok(!everything.includes(token), `the request carries ${token.slice(0, 12)}…`);
      }
      // The signature covers the exact bytes pg_net will send, under the Vault secret, now.
      const body = mine[0].body;
      const verdict = await verifyAlertWebhook(
        body,
        headers["x-alert-timestamp"],
        headers["x-alert-signature"],
        secret,
        Date.now(),
      );
      assert.deepEqual(verdict, { ok: true });
      assert.deepEqual(
        await verifyAlertWebhook(
          body,
          headers["x-alert-timestamp"],
          headers["x-alert-signature"],
          `${secret}x`,
          Date.now(),
        ),
        { ok: false, reason: "mismatch" },
      );
      // pg_net must not give up on the notifier while it drains a paced burst.
      assert.ok(mine[0].timeoutMs > DEFAULT_BUDGET_MS, `${mine[0].timeoutMs}`);
      const sent = mine[0].json;
      assert.equal(sent.type, "INSERT");
      assert.equal(sent.table, "alerts");
      assert.equal(sent.schema, "public");
      assert.equal(sent.old_record, null);
      assert.equal(sent.record.id, Number(alert.id));
      assert.equal(sent.record.kind, "over");
      assert.equal(sent.record.status, "pending");
      // The webhook body never carries a channel URL (nor a key naming one).
      assert.ok(!mine[0].text.includes("webhook_url"));
      throw rolledBack;
    }).catch((err) => {
      if (err !== rolledBack) throw err;
    });

    // Without the configuration the alert is still written (pending, for the sweep); nothing is
    // queued and the recompute does not fail.
    await sql.begin(async (tx) => {
      await tx`delete from vault.secrets where name = 'functions_base_url'`;
      await tx`delete from pipeline.runtime_settings where key = 'functions_base_url'`;
      const mark = await queueMark(tx);
      await writeDay(loc, loc.today, { salesCents: 100_000, laborCents: 27_000 }, tx);
      await tx`select pipeline.recompute_day(${loc.id}, ${loc.today})`;
      const [alert] = await tx`select status from public.alerts where location_id = ${loc.id}`;
      assert.equal(alert.status, "pending");
      assert.deepEqual(await queuedSince(tx, mark), []);
      throw rolledBack;
    }).catch((err) => {
      if (err !== rolledBack) throw err;
    });
  },
  // It deletes functions_base_url in a transaction it rolls back: still, not on a database
  // npm test did not create.
  needsOwnDatabase(),
);

dbTest("alerts: committed alerts reach the notifier through pg_net", async () => {
  const loc = await newLocation();
  await writeDay(loc, loc.today, { salesCents: 100_000, laborCents: 27_000 });
  const [alert] = await alertsOf(loc);
  // This location has no channel and the test stack sets no default: the notifier, called by
  // the database webhook, marks it undeliverable (visible, not dropped).
  const row = await eventually(
    async () => {
      const [r] = await sql`
      select status, last_error from public.alerts where id = ${alert.id}
        and status = 'undeliverable'`;
      return r;
    },
    10_000,
    "the notifier to settle the alert",
  );
  assert.match(row.last_error, /No Slack or Discord webhook/);
  // The notifier settles the alert before pg_net records its answer: wait for that too.
  const responses = await eventually(
    async () => {
      const rows = await sql`
      select status_code, content from net._http_response
      where content like ${`%"alertId":${alert.id},%`}`;
      return rows.length > 0 ? rows : undefined;
    },
    10_000,
    "pg_net to record the notifier's answer",
  );
  assert.equal(responses.length, 1);
  assert.equal(responses[0].status_code, 200);
});

dbTest("alerts: tables and functions are closed to anon and authenticated", async () => {
  const loc = await newLocation();
  for (const role of ["anon", "authenticated"]) {
    for (const table of ["alerts", "alert_states", "alert_attempts"]) {
      await assert.rejects(
        sql.begin(async (tx) => {
          await tx.unsafe(`set local role ${role}`);
          await tx.unsafe(`select 1 from public.${table} limit 1`);
        }),
        /permission denied/,
        `${role} reads public.${table}`,
      );
    }
    for (
      const call of [
        `select pipeline.evaluate_alerts(${loc.id}, current_date)`,
        `select pipeline.claim_due_alerts(10)`,
        `select pipeline.set_runtime_config('functions_base_url', 'http://evil.example')`,
        `select pipeline.runtime_config('alert_webhook_secret')`,
      ]
    ) {
      await assert.rejects(
        sql.begin(async (tx) => {
          await tx.unsafe(`set local role ${role}`);
          await tx.unsafe(call);
        }),
        /permission denied/,
        `${role}: ${call}`,
      );
    }
  }
  const functions = await sql`
    select p.proname, p.prosecdef, p.proconfig,
      has_function_privilege('anon', p.oid, 'execute') as anon,
      has_function_privilege('authenticated', p.oid, 'execute') as authed
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'pipeline' and p.proname = any(${[
    "set_runtime_config",
    "runtime_config",
    "evaluate_alerts",
    "post_to_alert_notifier",
    "alerts_database_webhook",
    "request_alert_sweep",
    "claim_alerts",
    "claim_alert",
    "claim_due_alerts",
    "record_alert_attempt",
    "reserve_webhook_slot",
    "requeue_alerts",
  ]})`;
  assert.equal(functions.length, 12);
  for (const f of functions) {
    assert.equal(f.prosecdef, true, `${f.proname} is security definer`);
    assert.deepEqual(f.proconfig, ['search_path=""'], `${f.proname} pins search_path`);
    assert.equal(f.anon, false, `${f.proname} executable by anon`);
    assert.equal(f.authed, false, `${f.proname} executable by authenticated`);
  }
  const tables = await sql`
    select c.relname, c.relrowsecurity from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relname in ('alerts', 'alert_states', 'alert_attempts')`;
  assert.equal(tables.length, 3);
  assert.ok(tables.every((t) => t.relrowsecurity), "RLS on every alerts table");
});

dbTest("alerts: the sweep is registered with pg_cron every minute", async () => {
  const [job] = await sql`select schedule, command from cron.job
    where jobname = 'alert-notifier-sweep'`;
  assert.deepEqual({ ...job }, {
    schedule: "* * * * *",
    command: "select pipeline.request_alert_sweep()",
  });
});

dbTest(
  "runtime config: Vault wins where it exists (stored encrypted, read by the signing function); otherwise the private settings table",
  async () => {
    // A database with Supabase's extensions as the bootstrap mirrors them (Vault owned by
    // supabase_admin, granted to postgres as on Supabase), migrated by postgres.
    const db = await scratchDatabase("alerts_vault");
    const scratch = testDb(db.url);
    try {
      await applyBootstrap(adminUrl(db.name));
      await scratch.file(repoPath("supabase/migrations/20261128000100_core_schema.sql"));
      await scratch.file(repoPath("supabase/migrations/20261128000400_alerts.sql"));
      // Settings made before Vault was used are shadowed by Vault's copy.
      await scratch`insert into pipeline.runtime_settings (key, value)
      values ('alert_webhook_secret', 'stale-local')`;
      await scratch`select pipeline.set_runtime_config('alert_webhook_secret', 'from-vault-1')`;
      await scratch`select pipeline.set_runtime_config('alert_webhook_secret', 'from-vault-2')`;
      const secrets = await scratch`select s.name, s.secret, d.decrypted_secret
        from vault.secrets s join vault.decrypted_secrets d using (id)`;
      assert.deepEqual(secrets.map((r) => [r.name, r.decrypted_secret]), [
        ["alert_webhook_secret", "from-vault-2"],
      ]);
      assert.ok(!secrets[0].secret.includes("from-vault"), "Vault stores it encrypted");
      const [{ value }] = await scratch`
      select pipeline.runtime_config('alert_webhook_secret') as value`;
      assert.equal(value, "from-vault-2");
      const [{ n }] = await scratch`select count(*)::int as n from pipeline.runtime_settings`;
      assert.equal(n, 0, "no second copy outside Vault");
      // A secret set only in Vault (the dashboard) is read as well.
      await scratch`select vault.create_secret('https://x.supabase.co/functions/v1', 'functions_base_url')`;
      const [{ url }] = await scratch`select pipeline.runtime_config('functions_base_url') as url`;
      assert.equal(url, "https://x.supabase.co/functions/v1");
      assert.equal(
        (await scratch`select pipeline.runtime_config('missing') as v`)[0].v,
        null,
      );
      // The signing function reads the key from Vault.
      const [{ id }] = await scratch`
      select pipeline.post_to_alert_notifier('{"type":"SWEEP"}'::jsonb, 1000) as id`;
      const [queued] = await scratch`select url, headers, body from net.http_request_queue
        where id = ${id}`;
      assert.equal(queued.url, "https://x.supabase.co/functions/v1/alert-notifier");
      assert.deepEqual(
        await verifyAlertWebhook(
          new Uint8Array(queued.body),
          queued.headers["x-alert-timestamp"],
          queued.headers["x-alert-signature"],
          "from-vault-2",
          Date.now(),
        ),
        { ok: true },
      );
      await assert.rejects(
        scratch`select pipeline.set_runtime_config('functions_base_url', 'not a url')`,
        /must be an http\(s\) URL/,
      );
      await assert.rejects(
        scratch`select pipeline.set_runtime_config('Bad Key', 'x')`,
        /lower_snake_case/,
      );
    } finally {
      await scratch.end();
      await db.drop();
    }

    // A plain Postgres: neither Vault nor pg_net. Settings go to the private table, and posting
    // is skipped with a warning, no error.
    const plain = await scratchDatabase("alerts_plain");
    const bare = testDb(plain.url);
    try {
      await bare.file(repoPath("supabase/migrations/20261128000100_core_schema.sql"));
      await bare.file(repoPath("supabase/migrations/20261128000400_alerts.sql"));
      await bare`select pipeline.set_runtime_config('alert_webhook_secret', 'plain-1')`;
      const rows = await bare`select key, value from pipeline.runtime_settings`;
      assert.deepEqual(rows.map((r) => [r.key, r.value]), [["alert_webhook_secret", "plain-1"]]);
      const [{ id }] = await bare`
      select pipeline.post_to_alert_notifier('{"type":"SWEEP"}'::jsonb, 1000) as id`;
      assert.equal(id, null);
    } finally {
      await bare.end();
      await plain.drop();
    }
  },
  needsOwnDatabase(),
);
