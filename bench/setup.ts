/**
 * The benchmark's data, made straight in SQL (set-up is not what is measured): locations
 * mapped to Toast and 7shifts, days pre-filled with orders, labor that puts a day one order
 * away from its target, and about a million rows of history generated with
 * `generate_series`.
 *
 * Every location is in UTC with the default 04:00 cut-off, so "today's business day" is one
 * date for all of them and the generated clock-ins land on it.
 *
 * @module
 */
import type postgres from "postgres";
import { benchUuid } from "./payloads.ts";
import type { PunchTarget, ToastTarget } from "./loadgen.ts";

/** A benchmark location, mapped to both vendors. */
export interface BenchLocation {
  id: number;
  toastRestaurantGuid: string;
  companyId: number;
  sevenShiftsLocationId: number;
}

/** The business day every benchmark location is on now, and when its clock-ins start. */
export interface BenchDay {
  /** `YYYY-MM-DD`. */
  date: string;
  /** 05:00 UTC of that business day (an hour after the cut-off), epoch ms. */
  dayStartMs: number;
}

/** Today's business day of a UTC location with a 04:00 cut-off, by the database's clock. */
export async function benchDay(sql: postgres.Sql): Promise<BenchDay> {
  const [{ d }] = await sql`
    select pipeline.business_date_of(now(), 'UTC', 4::smallint)::text as d`;
  return { date: d, dayStartMs: Date.parse(`${d}T05:00:00Z`) };
}

/**
 * Creates `count` locations of group `group` (1 … 4095: keeps GUIDs and vendor ids apart),
 * each with its own Slack webhook when `slackUrl` is given.
 */
export async function createLocations(
  sql: postgres.Sql,
  group: number,
  count: number,
  slackUrl?: (i: number) => string,
): Promise<BenchLocation[]> {
  const names: string[] = [];
  const guids: string[] = [];
  const companies: number[] = [];
  const ids7s: number[] = [];
  const slack: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    names.push(`Bench ${group}-${i + 1}`);
    guids.push(benchUuid(0xbf000000 + group, i));
    companies.push(900_000 + group);
    ids7s.push(group * 100_000 + i + 1);
    slack.push(slackUrl ? slackUrl(i) : null);
  }
  const rows = await sql`
    insert into public.locations (name, time_zone, toast_restaurant_guid, sevenshifts_company_id,
      sevenshifts_location_id, slack_webhook_url)
    select t.name, 'UTC', t.guid::uuid, t.company, t.loc, t.slack
    from unnest(${names}::text[], ${guids}::text[], ${companies}::bigint[], ${ids7s}::bigint[],
      ${slack}::text[]) with ordinality as t(name, guid, company, loc, slack, n)
    order by t.n
    returning id, toast_restaurant_guid::text as guid, sevenshifts_company_id as company,
      sevenshifts_location_id as loc
  `;
  const byGuid = new Map(rows.map((r) => [String(r.guid), r]));
  return guids.map((g) => {
    const r = byGuid.get(g)!;
    return {
      id: Number(r.id),
      toastRestaurantGuid: g,
      companyId: Number(r.company),
      sevenShiftsLocationId: Number(r.loc),
    };
  });
}

/** The load generator's Toast targets: these locations on `day`. */
export function toastTargets(locations: BenchLocation[], day: BenchDay): ToastTarget[] {
  return locations.map((l) => ({ restaurantGuid: l.toastRestaurantGuid, businessDate: day.date }));
}

/** The load generator's 7shifts targets: these locations on `day`. */
export function punchTargets(locations: BenchLocation[], day: BenchDay): PunchTarget[] {
  return locations.map((l) => ({
    companyId: l.companyId,
    locationId: l.sevenShiftsLocationId,
    dayStartMs: day.dayStartMs,
  }));
}

/**
 * Adds `perDay` closed, paid orders to each location's `date` in one statement (the ingest
 * triggers run: each day is recomputed once at commit, as after a backfill).
 */
export async function fillDay(
  sql: postgres.Sql,
  locationIds: number[],
  date: string,
  perDay: number,
): Promise<void> {
  await sql`
    insert into public.orders (toast_order_guid, location_id, business_date, net_sales_cents,
      gross_sales_cents, discount_cents, tax_cents, tip_cents, gratuity_cents, deferred_cents,
      check_count, voided, deleted, excess_food, vendor_modified_at, version_hash)
    select gen_random_uuid(), l.id, ${date}::date, 500 + (g * 7919) % 9000,
      500 + (g * 7919) % 9000, 0, (40 + (g * 7919) % 720), 100, 0, 0, 1, false, false, false,
      now() - interval '1 hour', md5(l.id::text || ':' || g::text)
    from unnest(${locationIds}::bigint[]) as l (id), generate_series(1, ${perDay}) as g
  `;
}

/**
 * Gives each location `laborCents` of closed labor on `day` (one 10-hour punch) and no sales:
 * the day has no labor % yet, so no alert, until an order arrives.
 */
export async function fillLabor(
  sql: postgres.Sql,
  locations: BenchLocation[],
  day: BenchDay,
  laborCents: number,
  punchIdBase: number,
): Promise<void> {
  const seconds = 36_000;
  const wage = Math.round((laborCents * 3600) / seconds);
  await sql`
    insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
      sevenshifts_location_id, user_id, role_id, department_id, clocked_in_at, clocked_out_at,
      business_date, unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
      vendor_modified_at, version_hash)
    select ${punchIdBase}::bigint + t.n, t.id, t.company, t.loc, 1, 301, 201,
      to_timestamp(${day.dayStartMs / 1000}),
      to_timestamp(${day.dayStartMs / 1000}) + make_interval(secs => ${seconds}),
      ${day.date}::date, 0, ${seconds}, ${wage}, true, false, now(), 'bench'
    from unnest(${locations.map((l) => l.id)}::bigint[],
      ${locations.map((l) => l.companyId)}::bigint[],
      ${locations.map((l) => l.sevenShiftsLocationId)}::bigint[])
      with ordinality as t(id, company, loc, n)
  `;
}

/** What {@link generateHistory} made. */
export interface HistoryStats {
  locations: number;
  days: number;
  orders: number;
  punches: number;
  dailyMetricsRows: number;
  seconds: number;
}

/**
 * Bulk history: `locations` locations × `days` past business days × `ordersPerDay` orders
 * (and `punchesPerDay` punches), straight into the tables with `generate_series`, with the
 * triggers off (`session_replication_role = replica`) and the days' figures then written in
 * one aggregate insert — what years of ingest would have left, in seconds instead of hours.
 * Then `vacuum analyze`, as autovacuum would have by then. `sql` is a superuser's connection:
 * only a superuser may turn the triggers off.
 */
export async function generateHistory(
  sql: postgres.Sql,
  group: number,
  opts: { locations: number; days: number; ordersPerDay: number; punchesPerDay: number },
  today: string,
): Promise<HistoryStats> {
  const started = performance.now();
  const locations = await createLocations(sql, group, opts.locations);
  const ids = locations.map((l) => l.id);
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`
      insert into public.orders (toast_order_guid, location_id, business_date, net_sales_cents,
        gross_sales_cents, discount_cents, tax_cents, tip_cents, gratuity_cents, deferred_cents,
        check_count, voided, deleted, excess_food, vendor_modified_at, version_hash)
      select gen_random_uuid(), l.id, ${today}::date - d, 500 + (g * 7919 + d) % 9000,
        600 + (g * 7919 + d) % 9000, 100, 40 + (g * 13) % 720, 100 + g % 300, 0, 0, 1,
        g % 97 = 0, false, false, (${today}::date - d) + time '22:00', md5(g::text || ':' || d)
      from unnest(${ids}::bigint[]) as l (id), generate_series(1, ${opts.days}) as d,
        generate_series(1, ${opts.ordersPerDay}) as g
    `;
    await tx`
      insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
        sevenshifts_location_id, user_id, role_id, department_id, clocked_in_at, clocked_out_at,
        business_date, unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
        vendor_modified_at, version_hash)
      select 800000000000::bigint + (l.n * ${opts.days} + d) * 100 + g, l.id, l.company, l.loc,
        g, 301, 201,
        ((${today}::date - d) + time '06:00') at time zone 'UTC' + make_interval(hours => g),
        ((${today}::date - d) + time '14:00') at time zone 'UTC' + make_interval(hours => g),
        ${today}::date - d, 1800, 27000, 1500 + g * 100, true, false,
        (${today}::date - d) + time '23:00', 'history'
      from unnest(${ids}::bigint[], ${locations.map((l) => l.companyId)}::bigint[],
          ${locations.map((l) => l.sevenShiftsLocationId)}::bigint[])
          with ordinality as l (id, company, loc, n),
        generate_series(1, ${opts.days}) as d, generate_series(1, ${opts.punchesPerDay}) as g
    `;
    // The order totals the triggers would have kept, then the figures the recompute would
    // have written, day by day (same formulas, in bulk).
    await tx`
      insert into pipeline.day_order_totals (location_id, business_date, counted_sales_cents,
        counted_orders)
      select o.location_id, o.business_date,
        coalesce(sum(o.net_sales_cents) filter (where not o.voided and not o.deleted), 0),
        count(*) filter (where not o.voided and not o.deleted)
      from public.orders as o
      where o.location_id = any(${ids}::bigint[])
      group by 1, 2
    `;
    await tx`
      insert into public.daily_metrics (location_id, business_date, net_sales_cents,
        refund_cents, labor_cost_cents, paid_labor_seconds, paid_labor_minutes, labor_pct_bp,
        cplh_cents, splh_cents, order_count, punch_count, open_punch_count, as_of)
      select s.location_id, s.business_date, m.net_sales_cents, m.refund_cents,
        m.labor_cost_cents, m.paid_labor_seconds, m.paid_labor_minutes, m.labor_pct_bp,
        m.cplh_cents, m.splh_cents, m.order_count, m.punch_count, m.open_punch_count, now()
      from (
          select o.location_id, o.business_date,
            sum(o.net_sales_cents) filter (where not o.voided and not o.deleted) as cents,
            count(*) filter (where not o.voided and not o.deleted) as n
          from public.orders as o
          where o.location_id = any(${ids}::bigint[])
          group by 1, 2
        ) as s,
        lateral pipeline.daily_metrics_from_totals(coalesce(s.cents, 0), s.n, 0,
          array(
            select row(p.clocked_in_at, p.clocked_out_at, p.unpaid_break_seconds,
                p.paid_seconds, p.hourly_wage_cents, p.deleted, null, null)::pipeline.metric_punch
            from public.punches as p
            where p.location_id = s.location_id and p.business_date = s.business_date
          ),
          now(), pipeline.max_open_shift_seconds()) as m
    `;
  });
  await sql`vacuum analyze public.orders, public.punches, public.daily_metrics,
    pipeline.day_order_totals`;
  const [counts] = await sql`
    select
      (select count(*) from public.orders where location_id = any(${ids}::bigint[])) as orders,
      (select count(*) from public.punches where location_id = any(${ids}::bigint[])) as punches,
      (select count(*) from public.daily_metrics where location_id = any(${ids}::bigint[]))
        as metrics
  `;
  return {
    locations: opts.locations,
    days: opts.days,
    orders: Number(counts.orders),
    punches: Number(counts.punches),
    dailyMetricsRows: Number(counts.metrics),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

/** Table sizes now (rows estimated by the planner's statistics, exact enough for a report). */
export async function tableRows(sql: postgres.Sql): Promise<Record<string, number>> {
  const rows = await sql`
    select c.relname as name, greatest(c.reltuples, 0)::bigint as rows
    from pg_catalog.pg_class as c
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r'
      and c.relname in ('orders', 'punches', 'order_refunds', 'inbound_events', 'daily_metrics',
        'alerts', 'locations')
    order by 1
  `;
  return Object.fromEntries(rows.map((r) => [String(r.name), Number(r.rows)]));
}
