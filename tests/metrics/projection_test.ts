/**
 * The projection in the database (20261130000200_projection.sql), case by case against figures
 * worked by hand: the intraday row of each quarter hour (the last write within it, the cut-off,
 * a DST day, never a closed or future day), its retention, the hand-worked day's projection with
 * every input (tests/_support/projection_fixture.ts), a location without a schedule or history,
 * and the overtime the remaining work causes.
 */
import assert from "node:assert/strict";
import { testDb } from "../_support/env.ts";
import {
  createProjectionFixture,
  FIXTURE_CLOCK,
  FIXTURE_DAY,
} from "../_support/projection_fixture.ts";

Deno.test("intraday: one row per quarter hour of local time, the last write within it, only for the open day", async () => {
  const sql = testDb();
  try {
    // Chicago, cut-off 5 AM; Sunday 2026-11-01 is the fall-back day.
    const [loc] = await sql`insert into public.locations (name, time_zone,
        business_day_cutoff_hour, alerts_enabled)
      values ('Intraday Diner ' || gen_random_uuid(), 'America/Chicago', 5, false)
      returning id::int`;
    const order = (clock: string, day: string, cents: number) =>
      sql.begin(async (tx) => {
        await tx`select set_config('pipeline.now', ${clock}, true)`;
        await tx`insert into public.orders (toast_order_guid, location_id, business_date,
            net_sales_cents, gross_sales_cents, discount_cents, tax_cents, tip_cents,
            gratuity_cents, deferred_cents, check_count, voided, deleted, excess_food,
            vendor_modified_at, version_hash)
          values (gen_random_uuid(), ${loc.id}, ${day}, ${cents}, 0, 0, 0, 0, 0, 0, 1, false,
            false, false, now(), 'intraday')`;
      });
    const rows = async (day: string) =>
      (await sql`select slot, net_sales_cents::int as cents, recorded_at
        from public.intraday_metrics where location_id = ${loc.id} and business_date = ${day}
        order by slot`).map((r) => [r.slot, r.cents, r.recorded_at.toISOString()]);

    // Saturday Oct 31, CDT (UTC−5). 5:00 AM is slot 0; 11:07 and 11:14 share slot 24.
    await order("2026-10-31T10:00:00.000Z", "2026-10-31", 100);
    await order("2026-10-31T16:07:00.000Z", "2026-10-31", 200);
    await order("2026-10-31T16:14:59.000Z", "2026-10-31", 300);
    // 4:59 AM Sunday (CST since 2 AM) is still Saturday's business day: its last slot.
    await order("2026-11-01T10:59:00.000Z", "2026-10-31", 400);
    assert.deepEqual(await rows("2026-10-31"), [
      [0, 100, "2026-10-31T10:00:00.000Z"],
      [24, 600, "2026-10-31T16:14:59.000Z"],
      [95, 1000, "2026-11-01T10:59:00.000Z"],
    ]);
    // A late order for Saturday once Sunday is open: Saturday's figures move, its history not.
    await order("2026-11-01T15:00:00.000Z", "2026-10-31", 50);
    assert.equal((await rows("2026-10-31")).length, 3);
    // An order for a future day writes no history either.
    await order("2026-11-01T15:00:00.000Z", "2026-11-02", 50);
    assert.deepEqual(await rows("2026-11-02"), []);

    // Sunday Nov 1 (the repeated hour fell before the cut-off, on Saturday's day): 6:00 AM CST
    // is slot 4, UTC−6 now.
    await order("2026-11-01T12:00:00.000Z", "2026-11-01", 70);
    assert.deepEqual(await rows("2026-11-01"), [[4, 70, "2026-11-01T12:00:00.000Z"]]);
  } finally {
    await sql.end();
  }
});

Deno.test("intraday: a DST morning's repeated hour writes its slots twice, the latest write kept", async () => {
  const sql = testDb();
  try {
    // Cut-off 0: 1:00-2:00 AM repeats on Nov 1 in Chicago, slots 4-7.
    const [loc] = await sql`insert into public.locations (name, time_zone,
        business_day_cutoff_hour, alerts_enabled)
      values ('DST Diner ' || gen_random_uuid(), 'America/Chicago', 0, false)
      returning id::int`;
    for (const [clock, cents] of [["2026-11-01T06:20:00Z", 10], ["2026-11-01T07:20:00Z", 20]]) {
      await sql.begin(async (tx) => {
        await tx`select set_config('pipeline.now', ${clock}, true)`;
        await tx`insert into public.orders (toast_order_guid, location_id, business_date,
            net_sales_cents, gross_sales_cents, discount_cents, tax_cents, tip_cents,
            gratuity_cents, deferred_cents, check_count, voided, deleted, excess_food,
            vendor_modified_at, version_hash)
          values (gen_random_uuid(), ${loc.id}, '2026-11-01', ${cents}, 0, 0, 0, 0, 0, 0, 1,
            false, false, false, now(), 'intraday')`;
      });
    }
    const got = await sql`select slot, net_sales_cents::int as cents from public.intraday_metrics
      where location_id = ${loc.id}`;
    assert.deepEqual(got.map((r) => [r.slot, r.cents]), [[5, 30]]);
  } finally {
    await sql.end();
  }
});

Deno.test("intraday: history older than 70 days is pruned daily, on pg_cron's schedule", async () => {
  const sql = testDb();
  try {
    const [loc] = await sql`insert into public.locations (name, alerts_enabled)
      values ('Retention Cafe ' || gen_random_uuid(), false) returning id::int`;
    // Dates of their own (2001), so pruning leaves every other test's history alone.
    for (const day of ["2001-03-10", "2001-03-11", "2001-05-18"]) {
      await sql`insert into public.intraday_metrics (location_id, business_date, slot,
          net_sales_cents, labor_cost_cents, paid_labor_minutes, open_punch_count, recorded_at)
        values (${loc.id}, ${day}, 0, 1, 0, 0, 0, now())`;
    }
    await sql.begin(async (tx) => {
      await tx`select set_config('pipeline.now', '2001-05-19T12:00:00Z', true)`;
      await tx`select pipeline.prune_intraday_history()`;
    });
    const kept = await sql`select business_date::text as d from public.intraday_metrics
      where location_id = ${loc.id} order by 1`;
    // May 19 − 70 days = Mar 10: older rows go, that day and later stay.
    assert.deepEqual(kept.map((r) => r.d), ["2001-03-10", "2001-03-11", "2001-05-18"]);
    await sql.begin(async (tx) => {
      await tx`select set_config('pipeline.now', '2001-05-20T12:00:00Z', true)`;
      await tx`select pipeline.prune_intraday_history()`;
    });
    assert.deepEqual(
      (await sql`select business_date::text as d from public.intraday_metrics
        where location_id = ${loc.id} order by 1`).map((r) => r.d),
      ["2001-03-11", "2001-05-18"],
    );
    const [job] = await sql`select schedule, command from cron.job
      where jobname = 'pipeline-prune-intraday-history'`;
    assert.deepEqual({ ...job }, {
      schedule: "23 4 * * *",
      command: "select pipeline.prune_intraday_history()",
    });
  } finally {
    await sql.end();
  }
});

Deno.test("projection: the hand-worked day's projection and every input it came from", async () => {
  const sql = testDb();
  try {
    const f = await createProjectionFixture(sql, "Projection Bistro", {}, true);
    const [p] = await sql`select status, slot, candidate_count, typical_share_bp::int as share,
        net_sales_cents::int as sales, labor_cost_cents::int as cost,
        remaining_seconds::int as rs, remaining_cost_cents::int as rc,
        remaining_overtime_premium_cents::int as premium,
        projected_net_sales_cents::int as ps, projected_labor_cost_cents::int as pc,
        projected_labor_pct_bp::int as pct, lowest_share_bp::int as lowest,
        typical_final_sales_cents::int as final, best_case_net_sales_cents::int as bs,
        best_case_labor_pct_bp::int as bp, as_of, state
      from public.day_projections
      where location_id = ${f.locationId} and business_date = ${FIXTURE_DAY}`;
    assert.deepEqual({ ...p }, {
      status: "ok",
      slot: 52,
      candidate_count: 3,
      share: 6000,
      sales: 89_280,
      cost: 27_987,
      // Avery's rest of shift at her punch's wage, Drew's whole shift; not Blair (clocked
      // out) nor Casey (shift over).
      rs: 31_500,
      rc: 15_313,
      premium: 0,
      ps: 148_800,
      pc: 43_300,
      pct: 2910,
      // The alert read the best case (tests/unit/projection_test.ts works it by hand).
      lowest: 5800,
      final: 148_800,
      bs: 153_026,
      bp: 2830,
      as_of: new Date(FIXTURE_CLOCK),
      state: "projected",
    });
    const [hint] = await sql`select details -> 'hint' as hint from public.alerts
      where location_id = ${f.locationId} and kind = 'projected'`;
    assert.equal(Date.parse(hint.hint.cutBefore), Date.parse("2026-11-28T01:00:00Z")); // 8 PM
    assert.deepEqual({ ...hint.hint, cutBefore: undefined }, {
      targetCostCents: 37200,
      excessCents: 6100,
      sellMoreCents: 24400,
      cutMinutes: 210,
      cutPossible: true,
      cutSavingCents: 6125,
      cutBefore: undefined,
      cutNow: false,
    });
  } finally {
    await sql.end();
  }
});

Deno.test("projection: none without three same weekdays of live history, or without a schedule", async () => {
  const sql = testDb();
  try {
    const status = async (locationId: number) =>
      (await sql`select status, candidate_count, projected_labor_pct_bp
        from public.day_projections where location_id = ${locationId}`).map((r) => ({ ...r }));
    const few = await createProjectionFixture(sql, "Young Bistro", { historyDays: 2 });
    assert.deepEqual(await status(few.locationId), [{
      status: "insufficient_history",
      candidate_count: 2,
      projected_labor_pct_bp: null,
    }]);
    const unscheduled = await createProjectionFixture(sql, "Unscheduled Bistro", {
      withoutSchedule: true,
    });
    assert.deepEqual(await status(unscheduled.locationId), [{
      status: "no_schedule",
      candidate_count: 3,
      projected_labor_pct_bp: null,
    }]);
    // Neither raised a projection alert.
    assert.equal(
      (await sql`select count(*)::int as n from public.alerts
        where location_id in ${sql([few.locationId, unscheduled.locationId])}
          and kind = 'projected'`)[0].n,
      0,
    );
  } finally {
    await sql.end();
  }
});

Deno.test("projection: the overtime the remaining work causes is in the projected labor cost", async () => {
  const sql = testDb();
  try {
    const f = await createProjectionFixture(sql, "Overtime Bistro", {}, true);
    // Drew (8) already worked 39 h this week (Mon-Thu from 8 AM, federal policy, Monday
    // weeks): of the 3.75 h still scheduled tonight, 2.75 h are overtime at $8.75 extra.
    await f.at(FIXTURE_CLOCK, async (tx) => {
      for (const [i, day] of ["23", "24", "25", "26"].entries()) {
        const inAt = `2026-11-${day}T13:00:00Z`;
        await tx`insert into public.punches (sevenshifts_punch_id, location_id,
            sevenshifts_company_id, sevenshifts_location_id, user_id, clocked_in_at,
            clocked_out_at, business_date, unpaid_break_seconds, paid_seconds,
            hourly_wage_cents, approved, deleted, vendor_modified_at, version_hash)
          values (${f.company * 10 + 5 + i}, ${f.locationId}, ${f.company}, 1, 8, ${inAt},
            ${new Date(Date.parse(inAt) + 9.75 * 3_600_000).toISOString()}, ${`2026-11-${day}`},
            0, ${9.75 * 3600}, 1750, true, false, now(), 'projection overtime')`;
      }
      await tx`select pipeline.recompute_day(${f.locationId}, ${FIXTURE_DAY})`;
    });
    const [p] = await sql`select remaining_overtime_premium_cents::int as premium,
        projected_labor_cost_cents::int as cost
      from public.day_projections where location_id = ${f.locationId}`;
    // 2.75 h × $17.50 × 0.5 = $24.0625 → $24.06.
    assert.deepEqual({ ...p }, { premium: 2406, cost: 43_300 + 2406 });
  } finally {
    await sql.end();
  }
});

Deno.test("projection: the hint in SQL when no quarter hour from now saves enough (the cut starts now), and when no cut lands", async () => {
  const sql = testDb();
  try {
    // 1 h left at $20 from 22:05; $18 too much: 60 min, and from 22:15 only 50 min remain.
    const hint = (cost: number) =>
      sql`select cut_minutes::int as cut, cut_possible as possible, cut_before, cut_now
        from pipeline.projection_hint(10000, ${cost}, 3600, 2000, 2500,
          array[row(1, 1, ${Date.parse("2026-11-27T22:05:00Z") / 1000},
            ${Date.parse("2026-11-27T23:05:00Z") / 1000}, 2000)::pipeline.work_item],
          '2026-11-27T22:05:00.4Z')`;
    const [now] = await hint(4300);
    assert.deepEqual({ ...now }, {
      cut: 60,
      possible: true,
      cut_before: new Date("2026-11-27T22:05:00Z"),
      cut_now: true,
    });
    const [none] = await hint(5000);
    assert.deepEqual({ ...none }, { cut: 75, possible: false, cut_before: null, cut_now: false });
  } finally {
    await sql.end();
  }
});
