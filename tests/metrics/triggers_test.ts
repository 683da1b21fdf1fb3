/**
 * The triggers keep public.daily_metrics current: each change recomputes exactly the days it
 * touches (old and new), once per transaction; open punches accrue with the injected clock;
 * only service_role can read the figures. Rows are written with plain SQL, as the ingest
 * functions would, each test on its own fresh location.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { computeDailyMetrics } from "../../shared/transformations.ts";
import { eventually, testDb } from "../_support/env.ts";

type Sql = postgres.Sql | postgres.TransactionSql | postgres.ReservedSql;

/** The figures of one day, numbers (test values stay far below 2^53). */
interface DayRow {
  netSalesCents: number;
  refundCents: number;
  laborCostCents: number;
  paidLaborSeconds: number;
  laborPctBp: number | null;
  orderCount: number;
  punchCount: number;
  openPunchCount: number;
  recomputes: number;
  asOf: Date;
}

async function newLocation(
  sql: Sql,
  name = "metrics trigger test",
  alertsEnabled = false,
): Promise<number> {
  // Alerts off by default: these tests are about the figures, not the alert outbox.
  const [row] = await sql`
    insert into public.locations (name, alerts_enabled)
    values (${name}, ${alertsEnabled}) returning id`;
  return Number(row.id);
}

async function addOrder(
  sql: Sql,
  locationId: number,
  businessDate: string,
  netSalesCents: number,
  flags: { voided?: boolean; deleted?: boolean; excessFood?: boolean } = {},
): Promise<string> {
  const guid = crypto.randomUUID();
  await sql`
    insert into public.orders (toast_order_guid, location_id, business_date, net_sales_cents,
      gross_sales_cents, discount_cents, tax_cents, tip_cents, gratuity_cents, deferred_cents,
      check_count, voided, deleted, excess_food, vendor_modified_at, version_hash)
    values (${guid}, ${locationId}, ${businessDate}, ${netSalesCents}, ${netSalesCents}, 0, 0,
      0, 0, 0, 1, ${flags.voided ?? false}, ${flags.deleted ?? false},
      ${flags.excessFood ?? false}, now(), 'test')`;
  return guid;
}

async function addRefund(
  sql: Sql,
  orderGuid: string,
  locationId: number,
  refundBusinessDate: string,
  refundCents: number,
): Promise<void> {
  await sql`
    insert into public.order_refunds (toast_order_guid, payment_guid, location_id,
      refund_business_date, refund_cents, tip_refund_cents)
    values (${orderGuid}, ${crypto.randomUUID()}, ${locationId}, ${refundBusinessDate},
      ${refundCents}, 0)`;
}

let nextPunchId = BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000));

/** A punch; closed when `clockedOutAt` is given (paid = clocked time − unpaid breaks). */
async function addPunch(
  sql: Sql,
  locationId: number,
  businessDate: string,
  p: { clockedInAt: string; clockedOutAt?: string; wageCents: number; unpaidBreakSeconds?: number },
): Promise<string> {
  const id = (nextPunchId++).toString();
  const unpaid = p.unpaidBreakSeconds ?? 0;
  const paid = p.clockedOutAt
    ? Math.max(0, (Date.parse(p.clockedOutAt) - Date.parse(p.clockedInAt)) / 1000 - unpaid)
    : null;
  await sql`
    insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
      sevenshifts_location_id, clocked_in_at, clocked_out_at, business_date,
      unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
      vendor_modified_at, version_hash)
    values (${id}, ${locationId}, 1, 1, ${p.clockedInAt}, ${p.clockedOutAt ?? null},
      ${businessDate}, ${unpaid}, ${paid}, ${p.wageCents}, true, false, now(), 'test')`;
  return id;
}

/** Every daily_metrics row of a location, by business date (YYYY-MM-DD). */
async function metrics(sql: Sql, locationId: number): Promise<Map<string, DayRow>> {
  const rows = await sql`
    select business_date::text as day, net_sales_cents::float8 as "netSalesCents",
      refund_cents::float8 as "refundCents", labor_cost_cents::float8 as "laborCostCents",
      paid_labor_seconds::float8 as "paidLaborSeconds", labor_pct_bp::float8 as "laborPctBp",
      order_count as "orderCount", punch_count as "punchCount",
      open_punch_count as "openPunchCount", recompute_count::float8 as recomputes,
      as_of as "asOf"
    from public.daily_metrics where location_id = ${locationId}`;
  return new Map(rows.map(({ day, ...r }) => [day as string, r as unknown as DayRow]));
}

/** Recompute counts per day: what a change may and may not touch. */
async function counts(sql: Sql, locationId: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [day, row] of await metrics(sql, locationId)) out[day] = row.recomputes;
  return out;
}

function day(m: Map<string, DayRow>, date: string): DayRow {
  const row = m.get(date);
  assert.ok(row, `no daily_metrics row for ${date}`);
  return row;
}

async function withDb(fn: (sql: postgres.Sql) => Promise<void>): Promise<void> {
  const sql = testDb();
  try {
    await fn(sql);
  } finally {
    await sql.end();
  }
}

Deno.test("triggers: a voided order changes its own day only", () =>
  withDb(async (sql) => {
    const loc = await newLocation(sql);
    await addOrder(sql, loc, "2026-03-02", 1_000);
    const b = await addOrder(sql, loc, "2026-03-02", 2_500);
    await addOrder(sql, loc, "2026-03-03", 700);
    const before = await counts(sql, loc);
    assert.equal(day(await metrics(sql, loc), "2026-03-02").netSalesCents, 3_500);

    await sql`update public.orders set voided = true where toast_order_guid = ${b}`;

    const after = await metrics(sql, loc);
    assert.equal(day(after, "2026-03-02").netSalesCents, 1_000);
    assert.equal(day(after, "2026-03-02").orderCount, 1);
    assert.deepEqual(await counts(sql, loc), {
      ...before,
      "2026-03-02": before["2026-03-02"] + 1,
    });
    assert.equal(day(after, "2026-03-03").netSalesCents, 700);
  }));

Deno.test("triggers: an excess-food order counts in neither the sales nor the order count", () =>
  withDb(async (sql) => {
    const loc = await newLocation(sql);
    await addOrder(sql, loc, "2026-03-04", 1_000);
    // A waste-tracking order: whatever amount it carries, it is no sale and no order.
    const waste = await addOrder(sql, loc, "2026-03-04", 450, { excessFood: true });
    const figures = async () => {
      const d = day(await metrics(sql, loc), "2026-03-04");
      return [d.netSalesCents, d.orderCount];
    };
    assert.deepEqual(await figures(), [1_000, 1], "the running totals at commit");
    await sql`update public.orders set excess_food = false where toast_order_guid = ${waste}`;
    assert.deepEqual(await figures(), [1_450, 2], "no longer waste: it counts");
    await sql`update public.orders set excess_food = true where toast_order_guid = ${waste}`;
    assert.deepEqual(await figures(), [1_000, 1], "waste again: the delta takes it out");
    await sql`select pipeline.recompute_day(${loc}, '2026-03-04')`;
    assert.deepEqual(await figures(), [1_000, 1], "a rebuild from the rows agrees");
  }));

Deno.test("triggers: a deleted punch (flagged or removed) stops counting on its day only", () =>
  withDb(async (sql) => {
    const loc = await newLocation(sql);
    await addPunch(sql, loc, "2026-03-02", {
      clockedInAt: "2026-03-02T14:00:00Z",
      clockedOutAt: "2026-03-02T16:00:00Z",
      wageCents: 1_500,
    });
    const p2 = await addPunch(sql, loc, "2026-03-02", {
      clockedInAt: "2026-03-02T15:00:00Z",
      clockedOutAt: "2026-03-02T16:00:00Z",
      wageCents: 2_000,
    });
    const p3 = await addPunch(sql, loc, "2026-03-03", {
      clockedInAt: "2026-03-03T15:00:00Z",
      clockedOutAt: "2026-03-03T16:00:00Z",
      wageCents: 2_000,
    });
    assert.equal(day(await metrics(sql, loc), "2026-03-02").laborCostCents, 5_000);
    const before = await counts(sql, loc);

    await sql`update public.punches set deleted = true where sevenshifts_punch_id = ${p2}`;
    let m = await metrics(sql, loc);
    assert.equal(day(m, "2026-03-02").laborCostCents, 3_000);
    assert.equal(day(m, "2026-03-02").punchCount, 1);
    assert.deepEqual(await counts(sql, loc), {
      ...before,
      "2026-03-02": before["2026-03-02"] + 1,
    });

    await sql`delete from public.punches where sevenshifts_punch_id = ${p3}`;
    m = await metrics(sql, loc);
    // A day left with no rows keeps a row of zeros, so the alert machine sees it fall.
    assert.equal(day(m, "2026-03-03").laborCostCents, 0);
    assert.equal(day(m, "2026-03-03").punchCount, 0);
    assert.equal(day(m, "2026-03-03").recomputes, before["2026-03-03"] + 1);
    assert.equal(day(m, "2026-03-02").recomputes, before["2026-03-02"] + 1);
  }));

Deno.test("triggers: a row moved to another day or location recomputes both sides", () =>
  withDb(async (sql) => {
    const loc = await newLocation(sql);
    const other = await newLocation(sql, "metrics trigger test (other)");
    const order = await addOrder(sql, loc, "2026-03-02", 4_200);
    await addOrder(sql, loc, "2026-03-02", 100);
    await addOrder(sql, loc, "2026-03-04", 50);
    const punch = await addPunch(sql, loc, "2026-03-02", {
      clockedInAt: "2026-03-03T07:30:00Z",
      clockedOutAt: "2026-03-03T08:30:00Z",
      wageCents: 3_600,
    });
    const before = await counts(sql, loc);

    await sql`
      update public.orders set business_date = '2026-03-03' where toast_order_guid = ${order}`;
    let m = await metrics(sql, loc);
    assert.equal(day(m, "2026-03-02").netSalesCents, 100);
    assert.equal(day(m, "2026-03-03").netSalesCents, 4_200);
    assert.deepEqual(await counts(sql, loc), {
      ...before,
      "2026-03-02": before["2026-03-02"] + 1,
      "2026-03-03": 1,
    });

    // A punch re-dated (e.g. a corrected clock-in) leaves no labor on the old day.
    await sql`
      update public.punches set business_date = '2026-03-03'
      where sevenshifts_punch_id = ${punch}`;
    m = await metrics(sql, loc);
    assert.equal(day(m, "2026-03-02").laborCostCents, 0);
    assert.equal(day(m, "2026-03-03").laborCostCents, 3_600);

    // Between locations: both locations' days are recomputed.
    await sql`update public.orders set location_id = ${other} where toast_order_guid = ${order}`;
    assert.equal(day(await metrics(sql, loc), "2026-03-03").netSalesCents, 0);
    assert.equal(day(await metrics(sql, other), "2026-03-03").netSalesCents, 4_200);
    assert.equal(day(await metrics(sql, loc), "2026-03-04").recomputes, before["2026-03-04"]);
  }));

Deno.test("triggers: a refund on a later day counts on that day, not the sale's", () =>
  withDb(async (sql) => {
    const loc = await newLocation(sql);
    const order = await addOrder(sql, loc, "2026-03-02", 5_000);
    const before = await counts(sql, loc);

    await addRefund(sql, order, loc, "2026-03-04", 1_200);

    const m = await metrics(sql, loc);
    assert.equal(day(m, "2026-03-02").netSalesCents, 5_000);
    assert.equal(day(m, "2026-03-02").recomputes, before["2026-03-02"]);
    assert.equal(day(m, "2026-03-04").netSalesCents, -1_200);
    assert.equal(day(m, "2026-03-04").refundCents, 1_200);
    assert.equal(day(m, "2026-03-04").laborPctBp, null);
    assert.equal(day(m, "2026-03-04").recomputes, 1);
    assert.equal(m.has("2026-03-03"), false);

    // Moving the refund's date moves it between days.
    await sql`
      update public.order_refunds set refund_business_date = '2026-03-05'
      where toast_order_guid = ${order}`;
    const moved = await metrics(sql, loc);
    assert.equal(day(moved, "2026-03-04").netSalesCents, 0);
    assert.equal(day(moved, "2026-03-05").netSalesCents, -1_200);
    // Deleting the order cascades to its refunds; both days are recomputed.
    await sql`delete from public.orders where toast_order_guid = ${order}`;
    const gone = await metrics(sql, loc);
    assert.equal(day(gone, "2026-03-02").netSalesCents, 0);
    assert.equal(day(gone, "2026-03-05").netSalesCents, 0);
  }));

Deno.test("triggers: an edit recomputes its day once, with the new figures", () =>
  withDb(async (sql) => {
    const loc = await newLocation(sql);
    const order = await addOrder(sql, loc, "2026-03-02", 10_000);
    await addOrder(sql, loc, "2026-03-03", 10_000);
    const punch = await addPunch(sql, loc, "2026-03-02", {
      clockedInAt: "2026-03-02T14:00:00Z",
      clockedOutAt: "2026-03-02T16:00:00Z",
      wageCents: 1_000,
    });
    const before = await counts(sql, loc);
    assert.equal(day(await metrics(sql, loc), "2026-03-02").laborPctBp, 2_000);

    await sql`
      update public.orders set net_sales_cents = 8_000 where toast_order_guid = ${order}`;
    await sql`
      update public.punches set clocked_out_at = '2026-03-02T17:00:00Z', paid_seconds = 10800
      where sevenshifts_punch_id = ${punch}`;

    const m = await metrics(sql, loc);
    assert.equal(day(m, "2026-03-02").netSalesCents, 8_000);
    assert.equal(day(m, "2026-03-02").laborCostCents, 3_000);
    assert.equal(day(m, "2026-03-02").laborPctBp, 3_750);
    assert.deepEqual(await counts(sql, loc), {
      ...before,
      "2026-03-02": before["2026-03-02"] + 2,
    });
  }));

Deno.test("triggers: a 1,000-order upsert recomputes each affected day exactly once", () =>
  withDb(async (sql) => {
    const loc = await newLocation(sql);
    const days = ["2026-04-01", "2026-04-02", "2026-04-03"];
    const existing = Array.from({ length: 400 }, (_, i) => ({
      guid: crypto.randomUUID(),
      date: days[i % 3],
      cents: 1_000 + i,
    }));
    const upsert = (rows: { guid: string; date: string; cents: number }[]) =>
      sql.unsafe(
        `insert into public.orders as o (toast_order_guid, location_id, business_date,
           net_sales_cents, gross_sales_cents, discount_cents, tax_cents, tip_cents,
           gratuity_cents, deferred_cents, check_count, voided, deleted, excess_food,
           vendor_modified_at, version_hash)
         select r.guid, $2, r.date, r.cents, r.cents, 0, 0, 0, 0, 0, 1, false, false, false,
           now(), 'bulk'
         from jsonb_to_recordset($1::text::jsonb) as r (guid uuid, date date, cents bigint)
         on conflict (toast_order_guid) do update set
           net_sales_cents = excluded.net_sales_cents,
           business_date = excluded.business_date,
           updated_at = now()`,
        [JSON.stringify(rows), loc],
      );
    await upsert(existing);
    assert.deepEqual(await counts(sql, loc), { [days[0]]: 1, [days[1]]: 1, [days[2]]: 1 });

    // 400 updates (every existing order, new amounts) and 600 inserts, one on a new day:
    // both the INSERT and the UPDATE statement triggers fire, each day is recomputed once.
    const batch = [
      ...existing.map((o) => ({ ...o, cents: o.cents * 2 })),
      ...Array.from({ length: 600 }, (_, i) => ({
        guid: crypto.randomUUID(),
        date: i < 300 ? days[i % 3] : "2026-04-04",
        cents: 7 + i,
      })),
    ];
    assert.equal(batch.length, 1_000);
    await upsert(batch);

    assert.deepEqual(await counts(sql, loc), {
      [days[0]]: 2,
      [days[1]]: 2,
      [days[2]]: 2,
      "2026-04-04": 1,
    });
    const m = await metrics(sql, loc);
    for (const date of [...days, "2026-04-04"]) {
      const rows = batch.filter((o) => o.date === date);
      assert.equal(day(m, date).orderCount, rows.length, date);
      assert.equal(day(m, date).netSalesCents, rows.reduce((a, o) => a + o.cents, 0), date);
    }
  }));

Deno.test("triggers: many statements in one transaction recompute each day once, at commit", () =>
  withDb(async (sql) => {
    const loc = await newLocation(sql);
    await sql.begin(async (tx) => {
      const order = await addOrder(tx, loc, "2026-05-01", 1_000);
      await addOrder(tx, loc, "2026-05-01", 2_000);
      await addRefund(tx, order, loc, "2026-05-01", 300);
      await addPunch(tx, loc, "2026-05-01", {
        clockedInAt: "2026-05-01T12:00:00Z",
        clockedOutAt: "2026-05-01T13:00:00Z",
        wageCents: 1_800,
      });
      await tx`update public.orders set net_sales_cents = 1_500 where toast_order_guid = ${order}`;
      // Nothing is recomputed before commit...
      const [pending] = await tx`
        select count(*)::int as n from pipeline.pending_metric_days
        where location_id = ${loc}`;
      assert.equal(pending.n, 1);
      assert.equal((await metrics(tx, loc)).size, 0);
    });
    // ...and at commit, once.
    const m = await metrics(sql, loc);
    assert.equal(day(m, "2026-05-01").recomputes, 1);
    assert.equal(day(m, "2026-05-01").netSalesCents, 3_200);
    assert.equal(day(m, "2026-05-01").laborCostCents, 1_800);
    const [left] = await sql`
      select count(*)::int as n from pipeline.pending_metric_days where location_id = ${loc}`;
    assert.equal(left.n, 0);

    // A rolled-back transaction changes nothing and leaves nothing queued.
    await assert.rejects(
      sql.begin(async (tx) => {
        await addOrder(tx, loc, "2026-05-01", 99_999);
        throw new Error("roll back");
      }),
      /roll back/,
    );
    assert.equal(day(await metrics(sql, loc), "2026-05-01").recomputes, 1);
    assert.equal(day(await metrics(sql, loc), "2026-05-01").netSalesCents, 3_200);
  }));

Deno.test("triggers: concurrent writers to one day never lose each other's rows", () =>
  withDb(async (sql) => {
    const loc = await newLocation(sql);
    const a = await sql.reserve();
    const b = await sql.reserve();
    try {
      // A recomputes early (SET CONSTRAINTS ... IMMEDIATE) and keeps its transaction open;
      // B then commits a second order for the same day. B's recompute must wait for A and
      // see A's row: without the per-day lock, B would write figures missing A's order.
      await a`begin`;
      await addOrder(a, loc, "2026-06-01", 1_000);
      await a`set constraints all immediate`;
      const [{ pid: bPid }] = await b`select pg_backend_pid() as pid`;
      await b`begin`;
      await addOrder(b, loc, "2026-06-01", 2_000);
      const bCommit = b`commit`.execute();
      await eventually(
        async () => {
          const [w] = await sql`
            select wait_event_type = 'Lock' as waiting from pg_stat_activity
            where pid = ${bPid}`;
          return w?.waiting ? true : undefined;
        },
        5_000,
        "B's commit waiting for A",
      );
      await a`commit`;
      await bCommit;
    } finally {
      a.release();
      b.release();
    }
    const m = day(await metrics(sql, loc), "2026-06-01");
    assert.equal(m.netSalesCents, 3_000);
    assert.equal(m.orderCount, 2);
  }));

Deno.test("open punches: cost grows as the injected clock advances, capped at 16 h", () =>
  withDb(async (sql) => {
    const loc = await newLocation(sql);
    const clockIn = "2026-07-01T14:00:00Z";
    const at = (hours: number) => new Date(Date.parse(clockIn) + hours * 3_600_000).toISOString();
    const punchIn = { clockedInAt: clockIn, wageCents: 1_800, unpaidBreakSeconds: 600 };
    let punch = "";
    await sql.begin(async (tx) => {
      await tx`select set_config('pipeline.now', ${at(1)}, true)`;
      punch = await addPunch(tx, loc, "2026-07-01", punchIn);
      await addOrder(tx, loc, "2026-07-01", 100_000);
    });
    const openDay = (m: Map<string, DayRow>) => day(m, "2026-07-01");
    let m = openDay(await metrics(sql, loc));
    assert.equal(m.openPunchCount, 1);
    assert.equal(m.paidLaborSeconds, 3_000); // 1 h − 10 min unpaid break
    assert.equal(m.laborCostCents, 1_500);
    assert.equal(m.asOf.toISOString(), at(1));

    // One run of the scheduled job at the injected clock.
    const tick = async (hours: number) => {
      await sql.begin(async (tx) => {
        await tx`select set_config('pipeline.now', ${at(hours)}, true)`;
        await tx`select pipeline.recompute_open_days()`;
      });
      return openDay(await metrics(sql, loc));
    };
    m = await tick(3);
    assert.equal(m.laborCostCents, 5_100); // (3 h − 10 min) × $18
    assert.equal(m.asOf.toISOString(), at(3));
    const expectedAt = (hours: number) =>
      computeDailyMetrics({
        orders: [{ netSalesCents: 100_000, voided: false, deleted: false, excessFood: false }],
        refunds: [],
        punches: [{
          clockedInAt: clockIn,
          clockedOutAt: null,
          paidSeconds: null,
          unpaidBreakSeconds: 600,
          hourlyWageCents: 1_800,
          deleted: false,
        }],
        asOf: at(hours),
      });
    assert.equal(m.laborPctBp, expectedAt(3).laborPctBp);
    m = await tick(15.5);
    assert.equal(m.laborCostCents, expectedAt(15.5).laborCostCents);
    // Past the 16 h cap the forgotten clock-out stops accruing.
    m = await tick(20);
    assert.equal(m.paidLaborSeconds, 16 * 3_600 - 600);
    assert.equal(m.laborCostCents, 28_500);
    // Days later the punch is history: the job no longer touches its day.
    const settled = m.recomputes;
    m = await tick(24 * 4);
    assert.equal(m.recomputes, settled);
    assert.equal(m.laborCostCents, 28_500);

    // Clocking out replaces accrual with the recorded paid time.
    await sql`
      update public.punches set clocked_out_at = ${at(8)}, paid_seconds = ${8 * 3_600 - 600}
      where sevenshifts_punch_id = ${punch}`;
    m = openDay(await metrics(sql, loc));
    assert.equal(m.openPunchCount, 0);
    assert.equal(m.laborCostCents, 14_100);
  }));

Deno.test("open punches: the job is registered every 5 minutes where cron exists", () =>
  withDb(async (sql) => {
    const [cron] = await sql`select to_regnamespace('cron') is not null as present`;
    assert.equal(cron.present, true, "the test stack provides a pg_cron-compatible schema");
    const jobs = await sql`
      select schedule, command from cron.job where jobname = 'pipeline-recompute-open-days'`;
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].schedule, "*/5 * * * *");
    // The registered command runs as is.
    const [r] = await sql.unsafe(jobs[0].command);
    assert.equal(typeof r.recompute_open_days, "number");
  }));

Deno.test("access: anon and authenticated see nothing in daily_metrics; service_role does", () =>
  withDb(async (sql) => {
    const loc = await newLocation(sql);
    await addOrder(sql, loc, "2026-08-01", 1_234);
    const visibleTo = async (role: string): Promise<number | "denied"> => {
      try {
        let n = 0;
        await sql.begin(async (tx) => {
          await tx.unsafe(`set local role ${role}`);
          const [r] = await tx`
            select count(*)::int as n from public.daily_metrics where location_id = ${loc}`;
          n = r.n;
        });
        return n;
      } catch (err) {
        // No privilege at all is the strongest form of "nothing".
        if ((err as { code?: string }).code === "42501") return "denied";
        throw err;
      }
    };
    for (const role of ["anon", "authenticated"]) {
      const seen = await visibleTo(role);
      assert.ok(seen === "denied" || seen === 0, `${role} saw ${seen} rows`);
    }
    assert.equal(await visibleTo("service_role"), 1);

    // RLS on with no policy, so a future grant alone would still show nothing.
    const [rls] = await sql`
      select c.relrowsecurity as on,
        (select count(*)::int from pg_policies
         where schemaname = 'public' and tablename = 'daily_metrics') as policies
      from pg_class c where c.oid = 'public.daily_metrics'::regclass`;
    assert.equal(rls.on, true);
    assert.equal(rls.policies, 0);

    // Nor can the API roles call the recompute or the job.
    for (const role of ["anon", "authenticated"]) {
      for (const fn of ["pipeline.recompute_day(bigint,date)", "pipeline.recompute_open_days()"]) {
        const [p] = await sql`select has_function_privilege(${role}, ${fn}, 'execute') as ok`;
        assert.equal(p.ok, false, `${role} can execute ${fn}`);
      }
    }
  }));

Deno.test("figures: a labor % beyond 2^31 bp (1 ¢ of sales, $2,400 of labor) is stored", () =>
  withDb(async (sql) => {
    // An integer column would overflow here and fail the whole ingest transaction, so the
    // vendor would be answered 503 and retry forever; the columns are bigint. Alerts on, so
    // the alert state and outbox take the figure too.
    const loc = await newLocation(sql, "huge labor %", true);
    await sql.begin(async (tx) => {
      await addOrder(tx, loc, "2026-09-01", 1);
      await addPunch(tx, loc, "2026-09-01", {
        clockedInAt: "2026-09-01T14:00:00Z",
        clockedOutAt: "2026-09-01T22:00:00Z",
        wageCents: 30_000,
      });
    });
    const m = day(await metrics(sql, loc), "2026-09-01");
    assert.equal(m.laborCostCents, 240_000);
    assert.equal(m.laborPctBp, 2_400_000_000);
  }));
