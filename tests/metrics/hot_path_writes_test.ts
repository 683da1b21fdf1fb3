/**
 * What a write of a day does not do when it has nothing to do (issue 16: CPU per ingested
 * event). Counted by Postgres itself: function calls with `track_functions = all` (the
 * transaction's own counters, so the superuser), rows rewritten by their `xmin` (the
 * transaction that last wrote a row). The figures themselves are pinned by the parity tests.
 *
 * - With nobody on the clock, a day's write does not work out anyone's overtime again
 *   (`pipeline.refresh_overtime_weeks` is for the open punches that accrue); with someone on
 *   the clock it does.
 * - A workweek worked out again with nothing changed writes (and locks) none of its rows.
 * - An order without refunds runs no statement on its (absent) refunds.
 * - The overtime warning reads the company's policy once, not once per person on the clock.
 * - The day's read and the overtime refresh run their generic plans from the first call: the
 *   plan cache's custom plans were planned again on every call (plans seen with auto_explain:
 *   a generic plan's conditions name its parameters, `$1`, a custom plan's the values). Those
 *   plans read no whole table: planned while a table is small, they are kept as it grows.
 * - A day written again at the same clock (same figures, same instant) leaves its intraday row
 *   and its projection row as they were; a later clock rewrites both.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { adminUrl, testDb } from "../_support/env.ts";
import { functionCalls, inCountedRollback } from "../_support/function_calls.ts";
import { normalizedOrder } from "../_support/toast_order.ts";
import {
  createProjectionFixture,
  FIXTURE_CLOCK,
  FIXTURE_DAY,
} from "../_support/projection_fixture.ts";

Deno.test("a day's write with nobody on the clock works out no overtime; with someone on it, it does", async () => {
  await inCountedRollback(async (tx) => {
    const [{ id }] = await tx`
        insert into public.locations (name, time_zone, sevenshifts_company_id,
          sevenshifts_location_id)
        values ('nobody on the clock ' || gen_random_uuid(), 'UTC', 880000001, 1)
        returning id`;
    const day = "2026-11-20";
    const punch = (n: number, open: boolean) =>
      tx`insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
            sevenshifts_location_id, user_id, role_id, department_id, clocked_in_at,
            clocked_out_at, business_date, unpaid_break_seconds, paid_seconds,
            hourly_wage_cents, approved, deleted, vendor_modified_at, version_hash)
          values (880000000 + ${n}, ${id}, 880000001, 1, ${n}, 1, 1,
            ${day}::date + time '09:00', case when ${open} then null
              else ${day}::date + time '17:00' end,
            ${day}::date, 1800, case when ${open} then null else 27000 end, 1600, true, false,
            now(), 't')`;
    const refreshes = () =>
      functionCalls(
        tx,
        "pipeline.refresh_overtime_weeks(bigint[], bigint[], timestamptz[], timestamptz)",
      );
    const writeDay = () => tx`select pipeline.write_daily_metrics(${id}, ${day})`;

    await punch(1, false);
    await tx`select pipeline.write_pending_metric_days()`;
    let before = await refreshes();
    await writeDay();
    assert.equal(await refreshes(), before, "a day with nobody on the clock");

    await punch(2, true);
    await tx`select pipeline.write_pending_metric_days()`;
    before = await refreshes();
    await writeDay();
    assert.equal(await refreshes(), before + 1, "a day with someone on the clock");
  });
});

Deno.test("a day written again at the same clock keeps its intraday and projection rows; a later clock rewrites them", async () => {
  const sql = testDb();
  try {
    for (const options of [{}, { withoutSchedule: true }]) {
      const f = await createProjectionFixture(sql, "Same clock", options);
      const rows = async () => {
        const [p] = await sql`
          select xmin::text as x, status, as_of from public.day_projections
          where location_id = ${f.locationId} and business_date = ${FIXTURE_DAY}`;
        const [i] = await sql`
          select xmin::text as x from public.intraday_metrics
          where location_id = ${f.locationId} and business_date = ${FIXTURE_DAY}
          order by slot desc limit 1`;
        const [m] = await sql`
          select recompute_count::int as n from public.daily_metrics
          where location_id = ${f.locationId} and business_date = ${FIXTURE_DAY}`;
        return { projection: p.x, status: p.status, asOf: p.as_of, intraday: i.x, writes: m.n };
      };
      const recompute = (clock: string) =>
        f.at(clock, (tx) => tx`select pipeline.recompute_day(${f.locationId}, ${FIXTURE_DAY})`);

      await recompute(FIXTURE_CLOCK);
      const first = await rows();
      assert.equal(first.status, "withoutSchedule" in options ? "no_schedule" : "ok");
      await recompute(FIXTURE_CLOCK);
      const again = await rows();
      assert.equal(again.writes, first.writes + 1, "the day's figures are written each time");
      assert.equal(again.projection, first.projection, "projection row rewritten unchanged");
      assert.equal(again.intraday, first.intraday, "intraday row rewritten unchanged");

      const later = new Date(Date.parse(FIXTURE_CLOCK) + 60_000).toISOString();
      await recompute(later);
      const moved = await rows();
      assert.notEqual(moved.projection, first.projection, "a later clock rewrites the projection");
      assert.notEqual(moved.intraday, first.intraday, "and the slot's intraday row");
      assert.equal(moved.asOf.toISOString(), later);
    }
  } finally {
    await sql.end();
  }
});

Deno.test("a workweek worked out again without a change locks none of its punches' overtime rows", async () => {
  const sql = testDb();
  try {
    const company = 6_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const [{ id }] = await sql`
      insert into public.locations (name, time_zone, sevenshifts_company_id,
        sevenshifts_location_id)
      values ('unchanged week ' || ${company}, 'UTC', ${company}, 1)
      returning id`;
    // Five 10-hour days of one employee: overtime on the fifth.
    await sql`
      insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
        sevenshifts_location_id, user_id, role_id, department_id, clocked_in_at,
        clocked_out_at, business_date, unpaid_break_seconds, paid_seconds, hourly_wage_cents,
        approved, deleted, vendor_modified_at, version_hash)
      select ${company}::bigint * 10 + g, ${id}, ${company}, 1, 7, 1, 1,
        date '2026-11-16' + g + time '08:00', date '2026-11-16' + g + time '18:00',
        date '2026-11-16' + g, 0, 36000, 2000, true, false, now(), 't'
      from generate_series(0, 4) as g`;
    const [{ premium }] = await sql`
      select sum(premium_cents)::int as premium from pipeline.punch_overtime
      where company_id = ${company}`;
    assert.ok(premium > 0, "the week has overtime");
    await sql.begin(async (tx) => {
      const moved = await tx`
        select * from pipeline.refresh_overtime_weeks(array[${company}::bigint],
          array[7::bigint], array[timestamptz '2026-11-18 08:00Z'], now())`;
      assert.deepEqual([...moved], [], "no day moved");
      const locked = await tx`
        select punch_id from pipeline.punch_overtime
        where company_id = ${company} and xmax::text = pg_current_xact_id()::text`;
      assert.deepEqual([...locked], [], "rows locked by the refresh");
    });
  } finally {
    await sql.end();
  }
});

Deno.test("an order without refunds runs no refund statement (and so none of its triggers); refunds still come and go with the order's version", async () => {
  await inCountedRollback(async (tx) => {
    const [{ id }] = await tx`
        insert into public.locations (name, time_zone)
        values ('refund statements ' || gen_random_uuid(), 'UTC') returning id`;
    const guid = crypto.randomUUID();
    let version = 0;
    const apply = async (refunds: Array<{ paymentGuid: string; refundCents: number }>) => {
      version++;
      const order = normalizedOrder({
        orderGuid: guid,
        netSalesCents: 5000,
        grossSalesCents: 5000,
        taxCents: 400,
        modifiedAt: `2026-11-20T18:0${version}:00.000Z`,
        refunds: refunds.map((r) => ({
          ...r,
          refundBusinessDate: "2026-11-20",
          tipRefundCents: 0,
        })),
      });
      const calls = () => functionCalls(tx, "pipeline.queue_metric_days()");
      const before = await calls();
      const [{ outcome }] = await tx`
          select pipeline.apply_toast_order(${id}, ${JSON.stringify(order)}::text::jsonb, 'key')
            as outcome`;
      assert.equal(outcome, "applied");
      const stored = await tx`
          select payment_guid, refund_cents::int from public.order_refunds
          where toast_order_guid = ${guid} order by 1`;
      return {
        triggers: (await calls()) - before,
        refunds: stored.map((r) => [r.payment_guid, r.refund_cents]),
      };
    };
    // The upsert's insert and update statement triggers, nothing for refunds.
    assert.deepEqual(await apply([]), { triggers: 2, refunds: [] });
    // A refund arrives: its insert too.
    assert.deepEqual(await apply([{ paymentGuid: "p1", refundCents: 700 }]), {
      triggers: 3,
      refunds: [["p1", 700]],
    });
    // Replaced: the delete and the insert.
    assert.deepEqual(await apply([{ paymentGuid: "p2", refundCents: 300 }]), {
      triggers: 4,
      refunds: [["p2", 300]],
    });
    // Gone: the delete only.
    assert.deepEqual(await apply([]), { triggers: 3, refunds: [] });
  });
});

Deno.test("the day's read and the overtime refresh are planned once per session (their generic plans from the first call)", async () => {
  const plans: string[] = [];
  // Superuser: only a superuser may load auto_explain into a session.
  const sql = postgres(adminUrl(), { max: 1, onnotice: (n) => plans.push(String(n.message)) });
  await inCountedRollback(async (tx) => {
    await tx`load 'auto_explain'`;
    await tx`set local auto_explain.log_min_duration = 0`;
    await tx`set local auto_explain.log_nested_statements = on`;
    await tx`set local auto_explain.log_level = notice`;
    const company = 7_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const [{ id }] = await tx`
        insert into public.locations (name, time_zone, sevenshifts_company_id,
          sevenshifts_location_id)
        values ('planned once ' || ${company}, 'UTC', ${company}, 1) returning id`;
    // Statistics of small tables, as a young project has: the planner then costs a whole read
    // of each below an index's.
    await tx`analyze pipeline.punch_overtime`;
    plans.length = 0;
    await tx`select pipeline.write_daily_metrics(${id}, '2026-11-20')`;
    await tx`select * from pipeline.refresh_overtime_weeks(array[${company}::bigint],
        array[7::bigint], array[timestamptz '2026-11-18 08:00Z'], now())`;
    const planOf = (marker: string) => {
      const found = plans.find((p) => p.includes(marker));
      assert.ok(found, `a plan of the statement with ${marker}`);
      // The plan itself, after the statement's text: from its first node (a line with a cost).
      const at = found.search(/^\S.*\(cost=/m);
      assert.ok(at >= 0, found);
      return found.slice(at);
    };
    const dayRead = planOf("coalesce(max(o.counted_sales_cents), 0)");
    assert.match(dayRead, /location_id = \$\d/, dayRead);
    const weekRead = planOf("week_punches");
    assert.match(weekRead, /user_id = \$\d/, weekRead);
    // Planned once, they must not read a whole table: a plan made while the overtime table
    // is a page or two (a young project, the test database) is kept for the connection's life
    // and would read every row on each call once the table has grown.
    for (const plan of [dayRead, weekRead]) {
      assert.doesNotMatch(plan, /Seq Scan on (punch_overtime|punches)\b/, plan);
    }
  }, sql);
});

Deno.test("the overtime warning reads its company's policy once for everyone on the clock", async () => {
  await inCountedRollback(async (tx) => {
    const company = 8_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const [{ id }] = await tx`
      insert into public.locations (name, time_zone, sevenshifts_company_id,
        sevenshifts_location_id)
      values ('one policy read ' || ${company}, 'UTC', ${company}, 1) returning id`;
    // Three people on the clock since 9 AM; at noon nobody is near overtime.
    await tx`
      insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
        sevenshifts_location_id, user_id, role_id, department_id, clocked_in_at,
        clocked_out_at, business_date, unpaid_break_seconds, paid_seconds, hourly_wage_cents,
        approved, deleted, vendor_modified_at, version_hash)
      select ${company}::bigint * 10 + g, ${id}, ${company}, 1, g, 1, 1,
        timestamptz '2026-11-20 09:00Z', null, date '2026-11-20', 0, null, 2000, true, false,
        now(), 't'
      from generate_series(1, 3) as g`;
    const policyReads = () => functionCalls(tx, "pipeline.overtime_policy(bigint)");
    const crossings = () =>
      functionCalls(
        tx,
        "pipeline.overtime_crossing(bigint, bigint, bigint, timestamptz, integer)",
      );
    const [reads, looked] = [await policyReads(), await crossings()];
    const [{ warned }] = await tx`
      select pipeline.warn_overtime(${id}, '2026-11-20', timestamptz '2026-11-20 12:00Z')
        as warned`;
    assert.equal(warned, 0);
    assert.equal((await crossings()) - looked, 3, "each one's crossing looked at");
    // One read by the warning, one by each crossing.
    assert.equal((await policyReads()) - reads, 1 + 3);
  });
});

Deno.test("a company's policy reads its own locations only, however many locations there are", async () => {
  const plans: string[] = [];
  // Superuser: only a superuser may load auto_explain into a session.
  const sql = postgres(adminUrl(), { max: 1, onnotice: (n) => plans.push(String(n.message)) });
  await inCountedRollback(async (tx) => {
    const base = 6_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    // Five companies of 80 locations each; the one asked about is the newest (highest ids),
    // the worst case for a walk of the primary key in id order.
    await tx`
      insert into public.locations (name, time_zone, sevenshifts_company_id,
        sevenshifts_location_id)
      select 'first location ' || ${base}::bigint || '-' || g,
        case when g = 321 then 'America/Chicago' else 'UTC' end,
        ${base}::bigint + (g - 1) / 80, g
      from generate_series(1, 400) as g order by g`;
    await tx`analyze public.locations`;
    await tx`load 'auto_explain'`;
    await tx`set local auto_explain.log_min_duration = 0`;
    await tx`set local auto_explain.log_nested_statements = on`;
    await tx`set local auto_explain.log_analyze = on`;
    await tx`set local auto_explain.log_level = notice`;
    plans.length = 0;
    const [policy] = await tx`select * from pipeline.overtime_policy(${base + 4})`;
    assert.equal(policy.time_zone, "America/Chicago", "the zone of the company's first location");
    const found = plans.find((p) => p.includes("company_locations"));
    assert.ok(found, "the plan of the first-location query");
    // Never the walk of the primary key in id order filtering on the company (which reads
    // every older location first): the company's own rows, then the first of them.
    assert.doesNotMatch(found, /locations_pkey/, found);
  }, sql);
});
