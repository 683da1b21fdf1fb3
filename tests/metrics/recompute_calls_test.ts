/**
 * What one day's recompute costs in function calls, counted by Postgres itself
 * (`track_functions = all`, the transaction's own counters): the per-value functions of the
 * formula (punch_paid_seconds, punch_labor_cost_cents, round_half_away, the ratios) are
 * inlined into the recompute's query, not called once per punch, and the small helpers on the
 * ingest path are inlined too. A per-punch call cost ~0.05 ms, so a day of 20 punches spent
 * about 1 ms on them at every ingest (bench/README.md). The figures themselves are pinned by
 * tests/metrics/parity_test.ts.
 *
 * Runs as the superuser: only a superuser may set track_functions.
 */
import assert from "node:assert/strict";
import { functionCalls, inCountedRollback } from "../_support/function_calls.ts";

/** Functions that must be inlined wherever the recompute or the alert check uses them. */
const INLINED = [
  "pipeline.punch_paid_seconds(timestamptz, timestamptz, bigint, bigint, timestamptz, bigint)",
  "pipeline.punch_labor_cost_cents(numeric, numeric)",
  "pipeline.round_half_away(numeric, numeric)",
  "pipeline.labor_pct_bp(numeric, numeric)",
  "pipeline.per_labor_hour_cents(numeric, numeric)",
  "pipeline.business_date_of(timestamptz, text, smallint)",
  // The formula itself, inlined into the day's read (a call of its own cost ~0.1 ms a write).
  "pipeline.daily_metrics_from_totals(numeric, bigint, numeric, pipeline.metric_punch[], " +
  "timestamptz, integer)",
];

Deno.test("recompute: a day's figures call no function per punch; the per-value functions are inlined", async () => {
  await inCountedRollback(async (tx) => {
    const [{ id }] = await tx`
        insert into public.locations (name, time_zone) values ('recompute calls', 'UTC')
        returning id`;
    const day = "2026-11-20";
    // 20 punches, a third of them open (they accrue until the clock), and one order.
    await tx`
        insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
          sevenshifts_location_id, user_id, role_id, department_id, clocked_in_at,
          clocked_out_at, business_date, unpaid_break_seconds, paid_seconds, hourly_wage_cents,
          approved, deleted, vendor_modified_at, version_hash)
        select 770000000 + g, ${id}, 1, 1, g, 1, 1,
          ${day}::date + time '06:00' + make_interval(mins => g),
          case when g % 3 = 0 then null else ${day}::date + time '14:00' end, ${day}::date,
          1800, case when g % 3 = 0 then null else 27000 end, 1500 + g, true, false, now(), 't'
        from generate_series(1, 20) as g`;
    await tx`
        insert into public.orders (toast_order_guid, location_id, business_date,
          net_sales_cents, gross_sales_cents, discount_cents, tax_cents, tip_cents,
          gratuity_cents, deferred_cents, check_count, voided, deleted, excess_food,
          vendor_modified_at, version_hash)
        values (gen_random_uuid(), ${id}, ${day}, 50000, 50000, 0, 0, 0, 0, 0, 1, false, false,
          false, now(), 't')`;
    // The commit-time recompute, run now (it is what the deferred trigger runs).
    await tx`select pipeline.write_pending_metric_days()`;
    const calls = (fn: string) => functionCalls(tx, fn);
    const written = await calls("pipeline.write_daily_metrics(bigint, date)");
    assert.ok(written >= 1, `the day was recomputed (${written} writes)`);
    for (const fn of INLINED) assert.equal(await calls(fn), 0, `${fn} was called`);
    const [m] = await tx`
        select punch_count, open_punch_count, labor_cost_cents > 0 as has_cost
        from public.daily_metrics where location_id = ${id} and business_date = ${day}`;
    assert.deepEqual(
      { punches: m.punch_count, open: m.open_punch_count, cost: m.has_cost },
      { punches: 20, open: 6, cost: true },
    );
  });
});
