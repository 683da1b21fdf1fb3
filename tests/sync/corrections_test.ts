/**
 * What the sync corrected, as the morning flash reports it (pipeline.flash_location_facts, the
 * flash's part about one location and day): each row the webhooks missed counted once, on its
 * own business day, whether or not the run raised a notice; a page applied again counts nothing
 * more. Over the real vendor-sync (pg_net, or the handler in this process) and the fakes; the
 * expected counts come from the stored orders themselves, compared before and after the sync.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { testDb } from "../_support/env.ts";
import { type ChannelReceiver, startChannelReceiver } from "../../local/channel_receiver.ts";
import {
  enqueueRun,
  invokeSyncInProcess,
  type RunRow,
  runRow,
  syncAll,
  type SyncWorld,
  syncWorld,
  type SyncWorldOptions,
} from "./support.ts";

/** Each stored order of a location: its version and business date, by GUID. */
async function storedOrders(sql: postgres.Sql, locationId: number) {
  const rows = await sql`select toast_order_guid::text as guid, business_date::text as day,
      version_hash || '@' || vendor_modified_at::text as version
    from public.orders where location_id = ${locationId}`;
  return new Map(
    rows.map((r) => [r.guid as string, { version: r.version as string, day: r.day as string }]),
  );
}

/** Orders new or changed between two snapshots, counted by their business date. */
function ordersChangedByDay(
  before: Awaited<ReturnType<typeof storedOrders>>,
  after: Awaited<ReturnType<typeof storedOrders>>,
): Record<string, number> {
  const byDay: Record<string, number> = {};
  for (const [guid, o] of after) {
    if (before.get(guid)?.version !== o.version) byDay[o.day] = (byDay[o.day] ?? 0) + 1;
  }
  return byDay;
}

/** What the flash about `day` says the sync corrected at the location. */
async function flashSync(sql: postgres.Sql, locationId: number, day: string) {
  const [row] = await sql`select pipeline.flash_location_facts(l, ${day}::date, 'test',
      now()) -> 'syncCorrections' as s
    from public.locations as l where l.id = ${locationId}`;
  return row.s as Record<string, number | null> | null;
}

/** The business days of the location's stored figures. */
async function figureDays(sql: postgres.Sql, locationId: number): Promise<string[]> {
  const rows = await sql`select business_date::text as d from public.daily_metrics
    where location_id = ${locationId} order by 1`;
  return rows.map((r) => r.d as string);
}

/** Per day, the orders each flash reports (days it reports nothing are left out). */
async function flashOrdersByDay(sql: postgres.Sql, locationId: number) {
  const byDay: Record<string, number> = {};
  for (const day of await figureDays(sql, locationId)) {
    const s = await flashSync(sql, locationId, day);
    if (s && Number(s.ordersMissed) > 0) byDay[day] = Number(s.ordersMissed);
  }
  return byDay;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** A world with its channels on `rx` and alerts on (so notices are raised). */
async function withWorld(
  opts: SyncWorldOptions,
  fn: (world: SyncWorld, locationId: number) => Promise<void>,
) {
  const rx: ChannelReceiver = await startChannelReceiver();
  const world = await syncWorld({ locations: 1, alertsEnabled: true, ...opts });
  const id = world.locationIds[0];
  try {
    await world.sql`update public.locations set slack_webhook_url = ${rx.slackWebhookUrl("c")},
      discord_webhook_url = ${rx.discordWebhookUrl("c")} where id = ${id}`;
    await fn(world, id);
  } finally {
    await world.sql`update public.locations set alerts_enabled = false where id = ${id}`;
    await world.close();
    await rx.stop();
  }
}

Deno.test("sync corrections: one run that corrects orders on two business days: each day's flash reports its own orders only, and the days add up to the run's total", async () => {
  await withWorld({ seed: 93, days: 2, webhookLossRate: 0.3 }, async (world, id) => {
    await world.deliver();
    const before = await storedOrders(world.sql, id);
    const [run] = await syncAll(world);
    assert.equal(run.state, "succeeded", String(run.error));
    const expected = ordersChangedByDay(before, await storedOrders(world.sql, id));
    assert.ok(Object.keys(expected).length >= 2, `days corrected: ${JSON.stringify(expected)}`);
    assert.ok(run.notice_alert_id, "the run raised a notice (listing the days it moved)");

    assert.deepEqual(await flashOrdersByDay(world.sql, id), expected);
    assert.equal(sum(expected), Number(run.orders_missed));
    // Punches too: every one the run found is on one day's flash, once.
    let punches = 0;
    for (const day of await figureDays(world.sql, id)) {
      const s = await flashSync(world.sql, id, day);
      punches += Number(s?.punchesMissed ?? 0) + Number(s?.breakEditsMissed ?? 0);
    }
    assert.equal(punches, Number(run.punches_missed) + Number(run.break_edits_missed));

    // The run again (nothing left to find): every day's flash says the same.
    const [again] = await syncAll(world);
    assert.equal(again.state, "succeeded", String(again.error));
    assert.deepEqual(await flashOrdersByDay(world.sql, id), expected);
  });
});

Deno.test("sync corrections: one order the webhooks missed, below the notice threshold: no notice, yet that day's flash reports it, with the day's labor % before and after", async () => {
  await withWorld({ seed: 94, days: 1, webhookLossRate: 0 }, async (world, id) => {
    // Toast gave up on one order's only webhook: only its API has it.
    const lost = world.sim.deliveries.find((d) =>
      d.vendor === "toast" && d.versionCount === 1 && !d.duplicate
    );
    assert.ok(lost, "an order with one webhook");
    world.sim.deliveries = world.sim.deliveries.filter((d) => d.entity !== lost.entity);
    await world.deliver();
    const guid = lost.entity.replace(/^order:/, "");
    const laborBefore = new Map(
      (await world.sql`select business_date::text as d, labor_pct_bp from public.daily_metrics
        where location_id = ${id}`).map((r) => [r.d, r.labor_pct_bp]),
    );
    const [run] = await syncAll(world);
    assert.equal(run.state, "succeeded", String(run.error));
    assert.deepEqual(
      [run.orders_missed, run.punches_missed, run.break_edits_missed, run.notice_alert_id].map(
        (v) => v === null ? null : Number(v),
      ),
      [1, 0, 0, null],
    );
    const [order] = await world.sql`select business_date::text as day from public.orders
      where toast_order_guid = ${guid}::uuid`;
    const [day] = await world.sql`select labor_pct_bp from public.daily_metrics
      where location_id = ${id} and business_date = ${order.day}::date`;
    const s = await flashSync(world.sql, id, order.day);
    assert.ok(s, "the day's flash says what the sync corrected");
    assert.equal(s.notices, 0);
    assert.deepEqual([s.ordersMissed, s.punchesMissed, s.breakEditsMissed], [1, 0, 0]);
    const bp = (v: unknown) => v === null || v === undefined ? null : Number(v);
    assert.deepEqual([s.laborPctBpBefore, s.laborPctBpAfter], [
      bp(laborBefore.get(order.day)),
      bp(day.labor_pct_bp),
    ]);
    assert.notEqual(s.laborPctBpBefore, s.laborPctBpAfter, "the order moved the day");
    const others = (await figureDays(world.sql, id)).filter((d) => d !== order.day);
    for (const other of others) assert.equal(await flashSync(world.sql, id, other), null, other);
  });
});

Deno.test("sync corrections: every page applied twice (its commit's answer lost, the page sent again) is counted once", async () => {
  await withWorld({ seed: 93, days: 2, webhookLossRate: 0.3 }, async (world, id) => {
    await world.deliver();
    const before = await storedOrders(world.sql, id);
    const runId = await enqueueRun(world, 0);
    let repeated = 0;
    const answer = await invokeSyncInProcess(runId, {
      settings: { budgetMs: 600_000, maxPages: 1000 },
      wrapDb: (db) => ({
        ...db,
        async applyPage(page) {
          await db.applyPage(page);
          repeated++;
          return await db.applyPage(page);
        },
      }),
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const run: RunRow = await runRow(world.sql, runId);
    assert.equal(run.state, "succeeded", String(run.error));
    assert.ok(repeated > 2, `pages applied twice: ${repeated}`);
    const expected = ordersChangedByDay(before, await storedOrders(world.sql, id));
    assert.ok(sum(expected) > 0);
    assert.deepEqual(await flashOrdersByDay(world.sql, id), expected);
    assert.equal(sum(expected), Number(run.orders_missed));
  });
});

Deno.test("sync corrections: days older than 70 days are pruned daily, on pg_cron's schedule", async () => {
  const sql = testDb();
  try {
    const [loc] = await sql`insert into public.locations (name, alerts_enabled)
      values ('Corrections Cafe ' || gen_random_uuid(), false) returning id::int`;
    // Dates of their own (2001), so pruning leaves every other test's corrections alone.
    for (const day of ["2001-03-10", "2001-03-11", "2001-05-18"]) {
      await sql`insert into pipeline.sync_day_corrections (location_id, business_date,
          orders_missed) values (${loc.id}, ${day}, 1)`;
    }
    const prune = (iso: string) =>
      sql.begin(async (tx) => {
        await tx`select set_config('pipeline.now', ${iso}, true)`;
        await tx`select pipeline.prune_sync_day_corrections()`;
      });
    const kept = async () =>
      (await sql`select business_date::text as d from pipeline.sync_day_corrections
        where location_id = ${loc.id} order by 1`).map((r) => r.d);
    // May 19 − 70 days = Mar 10: older days go, that day and later stay.
    await prune("2001-05-19T12:00:00Z");
    assert.deepEqual(await kept(), ["2001-03-10", "2001-03-11", "2001-05-18"]);
    await prune("2001-05-20T12:00:00Z");
    assert.deepEqual(await kept(), ["2001-03-11", "2001-05-18"]);
    const [job] = await sql`select schedule, command from cron.job
      where jobname = 'pipeline-prune-sync-corrections'`;
    assert.deepEqual({ ...job }, {
      schedule: "27 4 * * *",
      command: "select pipeline.prune_sync_day_corrections()",
    });
  } finally {
    await sql.end();
  }
});
