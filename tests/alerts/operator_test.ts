/**
 * The functions an operator calls by hand (README): a location id that does not exist is an
 * error naming it, never a silent success. (What they do for a real location: requeue in
 * tests/alerts/end_to_end_test.ts, judging closed days in tests/alerts/closed_days_test.ts,
 * recompute in tests/metrics/.)
 */
import assert from "node:assert/strict";
import { testDb } from "../_support/env.ts";

Deno.test("operator functions: an unknown location is an error naming it", async () => {
  const sql = testDb();
  try {
    const [{ missing }] = await sql`
      select coalesce(max(id), 0)::bigint + 1000 as missing from public.locations`;
    for (
      const call of [
        sql`select pipeline.recompute_day(${missing}, '2026-11-27')`,
        sql`select pipeline.requeue_alerts(${missing})`,
        sql`select pipeline.judge_closed_days(0, ${missing})`,
      ]
    ) {
      await assert.rejects(call, (err: { code?: string; message?: string; hint?: string }) => {
        assert.equal(err.code, "P0002");
        assert.equal(err.message, `location ${missing} does not exist`);
        assert.match(err.hint ?? "", /public\.locations/);
        return true;
      });
    }
    // Nothing was written for it.
    const [{ n }] = await sql`
      select (select count(*) from public.daily_metrics where location_id = ${missing})
        + (select count(*) from pipeline.day_order_totals where location_id = ${missing}) as n`;
    assert.equal(Number(n), 0);
  } finally {
    await sql.end();
  }
});
