/**
 * What claiming an alert costs Postgres in function calls (`track_functions = all`, the
 * transaction's own counters): once a session has claimed a few alerts (plpgsql plans its
 * query generically after five), an alert's JSON is one call with its figures formatted inline
 * (exact_json_integer inlined, not called once per figure). As a SQL function with a SET
 * clause, alert_delivery_json was planned again for every claim and called exact_json_integer
 * ten times: ~1 ms of each claim, most of Postgres's work per alert in a burst
 * (bench/README.md). What the JSON says is pinned by tests/alerts/delivery_test.ts.
 *
 * Runs as the superuser: only a superuser may set track_functions.
 */
import assert from "node:assert/strict";
import { adminDb } from "../_support/env.ts";
import { insertAlertRow } from "../_support/outbox.ts";

Deno.test("claim: an alert's JSON is one call with its figures formatted inline", async () => {
  const sql = adminDb();
  const rollback = new Error("rollback");
  try {
    await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`; // no database webhook
      // Nine locations with one alert each, claimed as the database webhook claims them.
      const locations = await tx`
        insert into public.locations (name, time_zone, slack_webhook_url)
        select 'claim calls ' || g, 'UTC', 'http://127.0.0.1:9/slack'
        from generate_series(1, 9) as g
        returning id`;
      const alertIds: number[] = [];
      for (const l of locations) alertIds.push(await insertAlertRow(tx, Number(l.id)));
      await tx`set local session_replication_role = origin`;
      await tx`set local track_functions = 'all'`;
      const calls = async (fn: string) => {
        const [row] = await tx`
          select coalesce(pg_catalog.pg_stat_get_xact_function_calls(${fn}::regprocedure), 0)
            as n`;
        return Number(row.n);
      };
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
      throw rollback;
    });
  } catch (err) {
    if (err !== rollback) throw err;
  } finally {
    await sql.end();
  }
});
