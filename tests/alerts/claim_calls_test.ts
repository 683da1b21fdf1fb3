/**
 * What claiming an alert costs Postgres in function calls (`track_functions = all`, the
 * transaction's own counters): once a session has claimed a few alerts (plpgsql plans its
 * query generically after five), an alert's JSON is one call with its figures formatted inline
 * (exact_json_integer inlined, not called once per figure). As a SQL function with a SET
 * clause, alert_delivery_json was planned again for every claim and called exact_json_integer
 * ten times: ~1 ms of each claim, most of Postgres's work per alert in a burst
 * (bench/README.md). What the JSON says is pinned by tests/alerts/delivery_test.ts.
 *
 * The claim of one alert (the database webhook's) reads that alert's location's line by index,
 * not every due alert: in a burst, claims must not cost more the longer the backlog.
 *
 * Runs as the superuser: only a superuser may set track_functions.
 */
import assert from "node:assert/strict";
import { adminDb } from "../_support/env.ts";
import type postgres from "postgres";
import { insertAlertRow } from "../_support/outbox.ts";

/**
 * Runs `check` in a transaction that is rolled back, after giving `count` new locations one
 * pending alert each (inserted without their database webhook); `check` gets their alert ids.
 */
async function withPendingAlerts(
  count: number,
  check: (tx: postgres.TransactionSql, alertIds: number[]) => Promise<void>,
) {
  const sql = adminDb();
  const rollback = new Error("rollback");
  try {
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`; // no database webhook
      const locations = await tx`
        insert into public.locations (name, time_zone, slack_webhook_url)
        select 'claim ' || g, 'UTC', 'http://127.0.0.1:9/slack'
        from generate_series(1, ${count}) as g
        returning id`;
      const alertIds: number[] = [];
      for (const l of locations) alertIds.push(await insertAlertRow(tx, Number(l.id)));
      await tx`set local session_replication_role = origin`;
      await check(tx, alertIds);
      throw rollback;
    });
  } catch (err) {
    if (err !== rollback) throw err;
  } finally {
    await sql.end();
  }
}

/** How often this transaction has called `fn` (a regprocedure's text). */
async function functionCalls(tx: postgres.TransactionSql, fn: string): Promise<number> {
  const [row] = await tx`
    select coalesce(pg_catalog.pg_stat_get_xact_function_calls(${fn}::regprocedure), 0) as n`;
  return Number(row.n);
}

Deno.test("claim: an alert's JSON is one call with its figures formatted inline", async () => {
  // Nine locations with one alert each, claimed as the database webhook claims them.
  await withPendingAlerts(9, async (tx, alertIds) => {
    await tx`set local track_functions = 'all'`;
    const calls = (fn: string) => functionCalls(tx, fn);
    const json = "pipeline.alert_delivery_json(public.alerts, public.locations)";
    const figure = "pipeline.exact_json_integer(numeric)";
    const claimed: Array<Record<string, unknown>> = [];
    const claim = async (id: number) => {
      const rows = await tx`select pipeline.claim_alert(${id}, 60, false, false) as alert`;
      claimed.push(...rows.map((r) => r.alert as Record<string, unknown>));
    };
    for (const id of alertIds.slice(0, 6)) await claim(id); // the session's first plans
    const before = { json: await calls(json), figure: await calls(figure) };
    for (const id of alertIds.slice(6)) await claim(id);
    assert.deepEqual(claimed.map((a) => a.alertId), alertIds, "each claimed");
    assert.equal(claimed[8].netSalesCents, 245000, "figures exact");
    assert.equal(await calls(json) - before.json, 3, "one JSON build per claimed alert");
    assert.equal(await calls(figure) - before.figure, 0, "figures formatted inline");
  });
});

Deno.test("claim: one alert's claim reads its location's line, not the whole backlog", async () => {
  // A burst's backlog: 300 locations with one pending alert each.
  await withPendingAlerts(300, async (tx, alertIds) => {
    await tx`analyze public.alerts`;
    const rowsRead = async () => {
      const [row] = await tx`
          select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) as n
          from pg_catalog.pg_stat_xact_user_tables where relid = 'public.alerts'::regclass`;
      return Number(row.n);
    };
    const claim = async (id: number) => {
      const rows = await tx`select pipeline.claim_alert(${id}, 60, false, false) as alert`;
      assert.equal((rows[0]?.alert as { alertId?: number })?.alertId, id);
    };
    // As a notifier's connection does in a burst: many claims, plans settled after five.
    for (const id of alertIds.slice(0, 10)) await claim(id);
    const before = await rowsRead();
    for (const id of alertIds.slice(10, 20)) await claim(id);
    const perClaim = (await rowsRead() - before) / 10;
    assert.ok(perClaim <= 10, `a claim read ${perClaim} alert rows with 290 pending`);
    // A location's drain finds nothing more to claim, reading as little.
    const [{ location_id }] = await tx`
        select location_id from public.alerts where id = ${alertIds[0]}`;
    const drainBefore = await rowsRead();
    const more = await tx`
        select pipeline.claim_due_alerts(1, 60, false, false, ${location_id}) as alert`;
    assert.equal(more.length, 0, "its only alert is already claimed");
    assert.ok(await rowsRead() - drainBefore <= 10, "the drain reads its location's line");
  });
});
