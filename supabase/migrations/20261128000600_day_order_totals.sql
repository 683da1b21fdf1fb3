-- Running order totals per day, so that an ingest no longer re-sums the whole day's orders.
--
-- Why: the commit-time recompute (migration 20261128000400) summed every order of the day on
-- every ingest. A busy day therefore got slower with each order: `npm run bench` measured a
-- 5,000-order day at 1.60× the per-event ingest time of a 10-order day (target ≤ 1.3), and
-- EXPLAIN put 1.4 ms of it in that sum. Now each day's counted net sales and order count live
-- in pipeline.day_order_totals. The orders statement triggers already read the transition
-- tables; they now also queue the statement's change to the day (new rows minus old rows),
-- and the commit-time recompute adds that change to the totals and reads one row.
--
-- The totals are derived data, so there are two ways to (re)build them:
-- - pipeline.recompute_day, which service_role may call by hand (a backfill, a repair) and
--   which the 5-minute open-day job calls, still rebuilds the day from its rows, then writes
--   the figures. Anything that ever bypassed the triggers heals the next time its day is
--   recomputed this way.
-- - The backfill at the end of this migration fills the table from the existing orders.

-- ---------------------------------------------------------------------------------------
-- The totals
-- ---------------------------------------------------------------------------------------

-- One row per (location, business day) that has ever had an order. An order counts unless it
-- is voided or deleted (orderCounts in shared/transformations.ts).
create table if not exists pipeline.day_order_totals (
  location_id bigint not null,
  business_date date not null,
  counted_sales_cents bigint not null default 0,
  counted_orders bigint not null default 0,
  primary key (location_id, business_date)
);
revoke all on pipeline.day_order_totals from public, anon, authenticated;

-- Each transaction's change to a day's counted orders, summed over its statements until
-- commit. Rows of punches and refunds carry zeros.
alter table pipeline.pending_metric_days
  add column if not exists counted_sales_delta bigint not null default 0,
  add column if not exists counted_orders_delta bigint not null default 0;

-- Adds one transaction's change to a day's totals at its commit. The row lock it takes makes
-- a concurrent writer of the same day wait here until this transaction commits, so each
-- change is added to the latest totals exactly once.
create or replace function pipeline.add_to_day_order_totals(
  location_id bigint,
  business_date date,
  sales_cents bigint,
  orders bigint
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  if add_to_day_order_totals.sales_cents = 0 and add_to_day_order_totals.orders = 0 then
    return;
  end if;
  insert into pipeline.day_order_totals as t (location_id, business_date, counted_sales_cents,
    counted_orders)
  values (add_to_day_order_totals.location_id, add_to_day_order_totals.business_date,
    add_to_day_order_totals.sales_cents, add_to_day_order_totals.orders)
  on conflict (location_id, business_date) do update set
    counted_sales_cents = t.counted_sales_cents + excluded.counted_sales_cents,
    counted_orders = t.counted_orders + excluded.counted_orders;
end
$$;

-- ---------------------------------------------------------------------------------------
-- The recompute, split in two
-- ---------------------------------------------------------------------------------------

-- Writes one day's figures from its order totals, its refunds and its punches, upserts
-- public.daily_metrics (recompute_count + 1) and evaluates the alert state machine. A day
-- left with no rows keeps a row of zeros (and null ratios), so alerts see it fall. The cost
-- does not depend on how many orders the day has.
create or replace function pipeline.write_daily_metrics(location_id bigint, business_date date)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  clock timestamptz := pipeline.current_clock();
  m record;
begin
  if not exists (
    select 1 from public.locations as l where l.id = write_daily_metrics.location_id
  ) then
    return;
  end if;
  -- Serialise recomputes of the same day: the reads below then run after any concurrent
  -- recompute has committed and see its rows (read committed takes a new snapshot per
  -- statement), so the last writer never overwrites newer figures with older ones.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(
    'pipeline.daily_metrics:' || write_daily_metrics.location_id || ':'
      || write_daily_metrics.business_date,
    0));

  select t.* into strict m
  from (
      select coalesce(max(o.counted_sales_cents), 0) as cents,
        coalesce(max(o.counted_orders), 0) as orders
      from pipeline.day_order_totals as o
      where o.location_id = write_daily_metrics.location_id
        and o.business_date = write_daily_metrics.business_date
    ) as sales,
    (
      select coalesce(sum(r.refund_cents), 0) as cents
      from public.order_refunds as r
      where r.location_id = write_daily_metrics.location_id
        and r.refund_business_date = write_daily_metrics.business_date
    ) as refunded,
    lateral pipeline.daily_metrics_from_totals(sales.cents, sales.orders, refunded.cents,
      array(
        select row(p.clocked_in_at, p.clocked_out_at, p.unpaid_break_seconds, p.paid_seconds,
            p.hourly_wage_cents, p.deleted)::pipeline.metric_punch
        from public.punches as p
        where p.location_id = write_daily_metrics.location_id
          and p.business_date = write_daily_metrics.business_date
      ),
      clock,
      pipeline.max_open_shift_seconds()) as t;

  insert into public.daily_metrics as d (
    location_id, business_date, net_sales_cents, refund_cents, labor_cost_cents,
    paid_labor_seconds, paid_labor_minutes, labor_pct_bp, cplh_cents, splh_cents,
    order_count, punch_count, open_punch_count, as_of, recompute_count, updated_at
  )
  values (
    write_daily_metrics.location_id, write_daily_metrics.business_date, m.net_sales_cents,
    m.refund_cents, m.labor_cost_cents, m.paid_labor_seconds, m.paid_labor_minutes,
    m.labor_pct_bp, m.cplh_cents, m.splh_cents, m.order_count, m.punch_count,
    m.open_punch_count, clock, 1, pg_catalog.now()
  )
  on conflict on constraint daily_metrics_pkey do update set
    net_sales_cents = excluded.net_sales_cents,
    refund_cents = excluded.refund_cents,
    labor_cost_cents = excluded.labor_cost_cents,
    paid_labor_seconds = excluded.paid_labor_seconds,
    paid_labor_minutes = excluded.paid_labor_minutes,
    labor_pct_bp = excluded.labor_pct_bp,
    cplh_cents = excluded.cplh_cents,
    splh_cents = excluded.splh_cents,
    order_count = excluded.order_count,
    punch_count = excluded.punch_count,
    open_punch_count = excluded.open_punch_count,
    as_of = excluded.as_of,
    recompute_count = d.recompute_count + 1,
    updated_at = excluded.updated_at;

  perform pipeline.evaluate_alerts(write_daily_metrics.location_id,
    write_daily_metrics.business_date);
end
$$;

-- Recomputes one day from its rows: rebuilds its order totals from public.orders, then writes
-- its figures. For calls by hand and the open-day job; the triggers use the cheaper
-- incremental path. The totals row is locked before the orders are summed, so a writer that
-- is adding its change at commit either finishes first (and the sum sees its orders) or
-- waits and adds its change to the rebuilt totals.
create or replace function pipeline.recompute_day(location_id bigint, business_date date)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  if not exists (select 1 from public.locations as l where l.id = recompute_day.location_id) then
    return;
  end if;
  -- Called inside a transaction that changed this day's orders: the sum below already sees
  -- those rows, so that transaction's queued change must not be added again at commit.
  delete from pipeline.pending_metric_days as q
  where q.xact_id = pg_catalog.pg_current_xact_id()
    and q.location_id = recompute_day.location_id
    and q.business_date = recompute_day.business_date;

  insert into pipeline.day_order_totals (location_id, business_date)
  values (recompute_day.location_id, recompute_day.business_date)
  on conflict do nothing;
  perform 1 from pipeline.day_order_totals as t
  where t.location_id = recompute_day.location_id
    and t.business_date = recompute_day.business_date
  for update;

  update pipeline.day_order_totals as t set
    counted_sales_cents = s.cents,
    counted_orders = s.orders
  from (
      -- The same rule as compute_daily_metrics: an order counts unless voided or deleted.
      select coalesce(sum(o.net_sales_cents) filter (where not o.voided and not o.deleted), 0)
          as cents,
        count(*) filter (where not o.voided and not o.deleted) as orders
      from public.orders as o
      where o.location_id = recompute_day.location_id
        and o.business_date = recompute_day.business_date
    ) as s
  where t.location_id = recompute_day.location_id
    and t.business_date = recompute_day.business_date;

  perform pipeline.write_daily_metrics(recompute_day.location_id, recompute_day.business_date);
end
$$;

-- ---------------------------------------------------------------------------------------
-- Triggers: queue each statement's change, apply it and recompute once at commit
-- ---------------------------------------------------------------------------------------

-- Statement-level, reading the transition tables: a 1,000-row upsert queues each of its days
-- once. Both old and new rows count: a row that moves between days or locations recomputes
-- both, its amount leaving one and joining the other. For orders, each day's row also carries
-- the statement's change to its counted totals (new rows minus old rows).
create or replace function pipeline.queue_metric_days()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- An insert trigger has no old_rows and a delete trigger no new_rows, hence the branches.
  if tg_table_name = 'orders' then
    if tg_op in ('UPDATE', 'DELETE') then
      insert into pipeline.pending_metric_days as p (location_id, business_date,
        counted_sales_delta, counted_orders_delta)
      select o.location_id, o.business_date,
        -coalesce(sum(o.net_sales_cents) filter (where not o.voided and not o.deleted), 0),
        -count(*) filter (where not o.voided and not o.deleted)
      from old_rows as o
      group by 1, 2
      on conflict (xact_id, location_id, business_date) do update set
        counted_sales_delta = p.counted_sales_delta + excluded.counted_sales_delta,
        counted_orders_delta = p.counted_orders_delta + excluded.counted_orders_delta;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
      insert into pipeline.pending_metric_days as p (location_id, business_date,
        counted_sales_delta, counted_orders_delta)
      select n.location_id, n.business_date,
        coalesce(sum(n.net_sales_cents) filter (where not n.voided and not n.deleted), 0),
        count(*) filter (where not n.voided and not n.deleted)
      from new_rows as n
      group by 1, 2
      on conflict (xact_id, location_id, business_date) do update set
        counted_sales_delta = p.counted_sales_delta + excluded.counted_sales_delta,
        counted_orders_delta = p.counted_orders_delta + excluded.counted_orders_delta;
    end if;
  elsif tg_table_name = 'order_refunds' then
    if tg_op in ('UPDATE', 'DELETE') then
      insert into pipeline.pending_metric_days (location_id, business_date)
      select distinct o.location_id, o.refund_business_date from old_rows as o
      on conflict do nothing;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
      insert into pipeline.pending_metric_days (location_id, business_date)
      select distinct n.location_id, n.refund_business_date from new_rows as n
      on conflict do nothing;
    end if;
  else
    if tg_op in ('UPDATE', 'DELETE') then
      insert into pipeline.pending_metric_days (location_id, business_date)
      select distinct o.location_id, o.business_date from old_rows as o
      on conflict do nothing;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
      insert into pipeline.pending_metric_days (location_id, business_date)
      select distinct n.location_id, n.business_date from new_rows as n
      on conflict do nothing;
    end if;
  end if;
  return null;
end
$$;

-- At commit: the first firing takes every day this transaction queued and, in (location, day)
-- order, adds its change to the day's totals and writes the day's figures. The fixed order
-- means two transactions always lock days in the same order (no deadlock); later firings of
-- the same transaction find nothing left.
create or replace function pipeline.recompute_pending_metric_days()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  day record;
begin
  for day in
    with taken as (
      delete from pipeline.pending_metric_days as p
      where p.xact_id = pg_catalog.pg_current_xact_id()
      returning p.location_id, p.business_date, p.counted_sales_delta, p.counted_orders_delta
    )
    select t.location_id, t.business_date, t.counted_sales_delta, t.counted_orders_delta
    from taken as t
    order by 1, 2
  loop
    perform pipeline.add_to_day_order_totals(day.location_id, day.business_date,
      day.counted_sales_delta, day.counted_orders_delta);
    perform pipeline.write_daily_metrics(day.location_id, day.business_date);
  end loop;
  return null;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Backfill and privileges
-- ---------------------------------------------------------------------------------------

-- The orders already stored. A re-run leaves existing totals alone (they are kept current by
-- the triggers from here on).
insert into pipeline.day_order_totals (location_id, business_date, counted_sales_cents,
  counted_orders)
select o.location_id, o.business_date,
  coalesce(sum(o.net_sales_cents) filter (where not o.voided and not o.deleted), 0),
  count(*) filter (where not o.voided and not o.deleted)
from public.orders as o
group by 1, 2
on conflict do nothing;

revoke execute on function
  pipeline.add_to_day_order_totals(bigint, date, bigint, bigint),
  pipeline.write_daily_metrics(bigint, date)
from public, anon, authenticated;
