/**
 * pipeline.day_order_totals (migration 20261128000300_metrics.sql): each day's counted net sales and order
 * count, moved by each transaction's change instead of re-summed on every ingest. Whatever the
 * statements, rollbacks, concurrent writers or hand-called recomputes, the totals and the
 * figures in public.daily_metrics equal a fresh sum over public.orders; and a recompute by hand
 * (or the open-day job) repairs totals that were changed behind the triggers' back.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import postgres from "postgres";
import { adminDb, testDb, testEnv } from "../_support/env.ts";
import { withSeed } from "../_support/property.ts";

type Sql = postgres.Sql | postgres.TransactionSql | postgres.ReservedSql;

const DAYS = ["2026-07-01", "2026-07-02", "2026-07-03"];

async function newLocation(sql: Sql): Promise<number> {
  const [row] = await sql`
    insert into public.locations (name, alerts_enabled)
    values ('order totals test', false) returning id`;
  return Number(row.id);
}

async function insertOrder(
  sql: Sql,
  locationId: number,
  o: { guid: string; day: string; cents: number; voided: boolean; deleted: boolean },
): Promise<void> {
  await sql`
    insert into public.orders (toast_order_guid, location_id, business_date, net_sales_cents,
      gross_sales_cents, discount_cents, tax_cents, tip_cents, gratuity_cents, deferred_cents,
      check_count, voided, deleted, excess_food, vendor_modified_at, version_hash)
    values (${o.guid}, ${locationId}, ${o.day}, ${o.cents}, ${o.cents}, 0, 0, 0, 0, 0, 1,
      ${o.voided}, ${o.deleted}, false, now(), 'totals test')`;
}

/**
 * Per day of the location: the totals row, the figures, and a fresh sum over the orders.
 * Days with neither totals nor orders are left out.
 */
async function compare(sql: Sql, locationId: number) {
  return await sql<
    { day: string; totals: string; figures: string | null; rows: string }[]
  >`
    select d.day::text as day,
      coalesce(t.counted_sales_cents, 0) || '¢/' || coalesce(t.counted_orders, 0) as totals,
      m.net_sales_cents + m.refund_cents || '¢/' || m.order_count as figures,
      coalesce(s.cents, 0) || '¢/' || coalesce(s.orders, 0) as rows
    from (
        select business_date as day from pipeline.day_order_totals
        where location_id = ${locationId}
        union
        select business_date from public.orders where location_id = ${locationId}
      ) as d
      left join pipeline.day_order_totals as t
        on t.location_id = ${locationId} and t.business_date = d.day
      left join public.daily_metrics as m
        on m.location_id = ${locationId} and m.business_date = d.day
      left join lateral (
        select sum(o.net_sales_cents)
            filter (where not o.voided and not o.deleted and not o.excess_food) as cents,
          count(*) filter (where not o.voided and not o.deleted and not o.excess_food) as orders
        from public.orders as o
        where o.location_id = ${locationId} and o.business_date = d.day
      ) as s on true
    order by 1`;
}

/** Asserts totals = figures = a fresh sum, for every day of the location. */
async function assertConsistent(sql: Sql, locationId: number, label: string): Promise<void> {
  for (const r of await compare(sql, locationId)) {
    assert.equal(r.totals, r.rows, `${label}: totals of ${r.day}`);
    // A day whose only orders were deleted before any recompute may have no figures row.
    if (r.figures !== null || r.rows !== "0¢/0") {
      assert.equal(r.figures, r.rows, `${label}: figures of ${r.day}`);
    }
  }
}

const arbDay = fc.constantFrom(...DAYS);
const arbCents = fc.integer({ min: -5_000, max: 50_000 });
/** One statement on the location's orders; `pick` chooses among the existing orders. */
const arbStep = fc.oneof(
  fc.record({
    kind: fc.constant("insert" as const),
    day: arbDay,
    cents: arbCents,
    voided: fc.boolean(),
    deleted: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("reprice" as const), pick: fc.nat(), cents: arbCents }),
  fc.record({ kind: fc.constant("void" as const), pick: fc.nat(), voided: fc.boolean() }),
  fc.record({ kind: fc.constant("delete_flag" as const), pick: fc.nat(), deleted: fc.boolean() }),
  fc.record({ kind: fc.constant("move" as const), pick: fc.nat(), day: arbDay }),
  fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("reprice_day" as const), day: arbDay, cents: arbCents }),
  fc.record({ kind: fc.constant("recompute" as const), day: arbDay }),
);
type Step = typeof arbStep extends fc.Arbitrary<infer T> ? T : never;

async function runStep(tx: Sql, locationId: number, guids: string[], step: Step) {
  const picked = "pick" in step && guids.length > 0 ? guids[step.pick % guids.length] : null;
  switch (step.kind) {
    case "insert": {
      const guid = crypto.randomUUID();
      await insertOrder(tx, locationId, { guid, ...step });
      guids.push(guid);
      return;
    }
    case "reprice":
      if (picked) {
        await tx`update public.orders set net_sales_cents = ${step.cents}
          where toast_order_guid = ${picked}`;
      }
      return;
    case "void":
      if (picked) {
        await tx`update public.orders set voided = ${step.voided} where toast_order_guid = ${picked}`;
      }
      return;
    case "delete_flag":
      if (picked) {
        await tx`update public.orders set deleted = ${step.deleted}
          where toast_order_guid = ${picked}`;
      }
      return;
    case "move":
      if (picked) {
        await tx`update public.orders set business_date = ${step.day}
          where toast_order_guid = ${picked}`;
      }
      return;
    case "remove":
      if (picked) await tx`delete from public.orders where toast_order_guid = ${picked}`;
      return;
    case "reprice_day":
      // One statement touching many rows of one day.
      await tx`update public.orders set net_sales_cents = net_sales_cents + ${step.cents}
        where location_id = ${locationId} and business_date = ${step.day}`;
      return;
    case "recompute":
      await tx`select pipeline.recompute_day(${locationId}, ${step.day}::date)`;
      return;
  }
}

class Rollback extends Error {}

Deno.test("order totals: any statements, in committed or rolled-back transactions, keep totals and figures equal to the rows", async () => {
  const sql = testDb();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            steps: fc.array(arbStep, { minLength: 1, maxLength: 8 }),
            commit: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (transactions) => {
          const loc = await newLocation(sql);
          let guids: string[] = [];
          for (const t of transactions) {
            const before = [...guids];
            try {
              await sql.begin(async (tx) => {
                for (const step of t.steps) await runStep(tx, loc, guids, step);
                if (!t.commit) throw new Rollback();
              });
            } catch (err) {
              if (!(err instanceof Rollback)) throw err;
              guids = before;
            }
          }
          await assertConsistent(sql, loc, JSON.stringify(transactions));
          const [left] = await sql`
            select count(*)::int as n from pipeline.pending_metric_days where location_id = ${loc}`;
          assert.equal(left.n, 0, "nothing left queued after commit or rollback");
        },
      ),
      withSeed({ seed: 20261129, numRuns: 40 }),
    );
  } finally {
    await sql.end();
  }
});

Deno.test("order totals: concurrent writers and hand-called recomputes of one day lose nothing", async () => {
  // Enough connections for every writer and the recomputer to hold one at once.
  const sql = postgres(testEnv().databaseUrl, { max: 12, onnotice: () => {} });
  try {
    const loc = await newLocation(sql);
    const shared: string[] = [];
    for (let i = 0; i < 5; i++) {
      const guid = crypto.randomUUID();
      await insertOrder(sql, loc, {
        guid,
        day: DAYS[0],
        cents: 1_000,
        voided: false,
        deleted: false,
      });
      shared.push(guid);
    }
    const writer = async (w: number) => {
      for (let round = 0; round < 6; round++) {
        await sql.begin(async (tx) => {
          await insertOrder(tx, loc, {
            guid: crypto.randomUUID(),
            day: DAYS[round % 2],
            cents: 100 * (w + 1) + round,
            voided: false,
            deleted: false,
          });
          // Rows other writers also update: they queue on the row locks, then on the totals.
          // Taken in ascending order, as one ingest touches one order: writers locking the same
          // two rows in opposite orders would deadlock on the test's own design.
          const reprice = (w + round) % shared.length;
          const toggle = round === 3 ? w % shared.length : -1;
          for (const k of [...new Set([reprice, toggle])].filter((k) => k >= 0).sort()) {
            if (k === reprice) {
              await tx`update public.orders set net_sales_cents = net_sales_cents + ${w + 1}
                where toast_order_guid = ${shared[k]}`;
            }
            if (k === toggle) {
              await tx`update public.orders set voided = not voided
                where toast_order_guid = ${shared[k]}`;
            }
          }
          await tx`select pg_sleep(${(w * 7 + round * 3) % 5 / 1000})`;
        });
      }
    };
    const recomputer = async () => {
      for (let i = 0; i < 10; i++) {
        await sql`select pipeline.recompute_day(${loc}, ${DAYS[i % 2]}::date)`;
      }
    };
    await Promise.all([...Array.from({ length: 8 }, (_, w) => writer(w)), recomputer()]);
    await assertConsistent(sql, loc, "after the race");
    const [t] = await sql`select counted_orders::int as n from pipeline.day_order_totals
      where location_id = ${loc} and business_date = ${DAYS[1]}`;
    assert.equal(t.n, 8 * 3, "every writer's orders on the second day");
  } finally {
    await sql.end();
  }
});

Deno.test("order totals: a recompute by hand, or the open-day job, repairs totals changed behind the triggers", async () => {
  const sql = testDb();
  try {
    const loc = await newLocation(sql);
    await insertOrder(sql, loc, {
      guid: crypto.randomUUID(),
      day: DAYS[0],
      cents: 2_500,
      voided: false,
      deleted: false,
    });
    // Orders written with the triggers off (a restore, a bulk load) and totals damaged.
    // session_replication_role is a superuser's setting (on Supabase too): the admin connection.
    const admin = adminDb();
    try {
      await admin.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        await insertOrder(tx, loc, {
          guid: crypto.randomUUID(),
          day: DAYS[0],
          cents: 4_000,
          voided: false,
          deleted: false,
        });
      });
    } finally {
      await admin.end();
    }
    await sql`update pipeline.day_order_totals set counted_sales_cents = 1, counted_orders = 9
      where location_id = ${loc}`;
    const [broken] = await compare(sql, loc);
    assert.notEqual(broken.totals, broken.rows, "the damage is real");

    await sql`select pipeline.recompute_day(${loc}, ${DAYS[0]}::date)`;
    await assertConsistent(sql, loc, "after recompute_day");
    const [fixed] = await compare(sql, loc);
    assert.equal(fixed.rows, "6500¢/2");

    // The 5-minute job recomputes days with an open punch the same way.
    const now = "2026-07-02T15:00:00Z";
    await sql`update pipeline.day_order_totals set counted_sales_cents = 0, counted_orders = 0
      where location_id = ${loc}`;
    await sql`
      insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
        sevenshifts_location_id, clocked_in_at, clocked_out_at, business_date,
        unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
        vendor_modified_at, version_hash)
      values (${Date.now() * 1000 + Math.floor(Math.random() * 1000)}, ${loc}, 1, 1,
        '2026-07-01T14:00:00Z', null, ${DAYS[0]}, 0, null, 1500, true, false, now(), 'test')`;
    await sql.begin(async (tx) => {
      await tx`select set_config('pipeline.now', ${now}, true)`;
      await tx`select pipeline.recompute_open_days()`;
    });
    await assertConsistent(sql, loc, "after recompute_open_days");
  } finally {
    await sql.end();
  }
});
