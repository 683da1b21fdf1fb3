-- The daily metrics engine: the SQL mirror of shared/rounding.ts and shared/transformations.ts,
-- the per-day recompute, the triggers that keep public.daily_metrics current, and the job
-- that lets open punches accrue.
--
-- Flow: a statement on orders / order_refunds / punches queues the (location, day) pairs it
-- touched (old and new rows) in pipeline.pending_metric_days; at commit a deferred
-- constraint trigger recomputes each queued day once, in key order, and calls the alert
-- state machine (pipeline.evaluate_alerts, migration 20261128000300). A recompute reads only
-- that day's rows through the (location_id, day) indexes, never the table's history.
--
-- Superseded in part by 20261128000600_day_order_totals.sql: the recompute now reads running
-- per-day order totals instead of summing the day's orders, and redefines recompute_day,
-- queue_metric_days and recompute_pending_metric_days (a comment-only edit here; this file's
-- SQL is unchanged, as it may already be applied).

-- ---------------------------------------------------------------------------------------
-- The clock and the open-shift cap
-- ---------------------------------------------------------------------------------------

-- "Now" for the figures: `set pipeline.now = '2026-11-28T18:00:00Z'` injects a clock (tests,
-- replays); otherwise the transaction time.
create or replace function pipeline.current_clock()
returns timestamptz
language sql
stable
parallel safe
set search_path = ''
as $$
  select coalesce(nullif(pg_catalog.current_setting('pipeline.now', true), '')::timestamptz,
    pg_catalog.now())
$$;

-- The longest an open punch accrues (16 h), as MAX_OPEN_SHIFT_SECONDS in
-- shared/transformations.ts: longer than any real shift, short enough that a forgotten
-- clock-out does not inflate a day forever.
create or replace function pipeline.max_open_shift_seconds()
returns integer
language sql
immutable
parallel safe
as $$
  select 57600
$$;

-- ---------------------------------------------------------------------------------------
-- The rounding rule and the formulas (mirrors of shared/rounding.ts, shared/transformations.ts)
-- ---------------------------------------------------------------------------------------
-- The small per-value functions carry no SET clause, on purpose: without one the planner
-- inlines them (a SET clause costs ~50 µs per call, per punch). Every name in their bodies is
-- schema-qualified and they are not security definer, so the caller's search_path cannot
-- change what they mean.

-- numerator / denominator rounded half away from zero, exactly: sign · ⌊(2|n| + |d|) / 2|d|⌋.
-- div() on numeric truncates an exact quotient, so no intermediate rounding can move a value
-- onto or off a half. Division by zero raises, as in TypeScript; callers map it to null.
create or replace function pipeline.round_half_away(numerator numeric, denominator numeric)
returns numeric
language sql
immutable
parallel safe
as $$
  select pg_catalog.sign(numerator) * pg_catalog.sign(denominator)
    * pg_catalog.div(2 * pg_catalog.abs(numerator) + pg_catalog.abs(denominator),
      2 * pg_catalog.abs(denominator))
$$;

-- Paid seconds of a non-deleted punch at the clock as_of (punchPaidSeconds): the ingested
-- paid seconds of a closed punch; otherwise end − clocked in − unpaid breaks, never negative,
-- where end is the clock-out, or for an open punch min(as_of, clocked in + max shift).
-- Instants are truncated to whole seconds first, as in TypeScript.
create or replace function pipeline.punch_paid_seconds(
  clocked_in_at timestamptz,
  clocked_out_at timestamptz,
  unpaid_break_seconds bigint,
  paid_seconds bigint,
  as_of timestamptz,
  max_open_shift_seconds bigint
)
returns bigint
language sql
immutable
parallel safe
as $$
  select case
    when clocked_out_at is not null and paid_seconds is not null then paid_seconds
    else greatest(0::numeric,
      case
        when clocked_out_at is not null
          then pg_catalog.floor(extract(epoch from clocked_out_at))
        else least(
          pg_catalog.floor(extract(epoch from as_of)),
          pg_catalog.floor(extract(epoch from clocked_in_at)) + max_open_shift_seconds)
      end
      - pg_catalog.floor(extract(epoch from clocked_in_at)) - unpaid_break_seconds)::bigint
  end
$$;

-- Labor cost of one punch in cents: round(paid seconds × hourly wage cents / 3600).
create or replace function pipeline.punch_labor_cost_cents(
  paid_seconds numeric,
  hourly_wage_cents numeric
)
returns bigint
language sql
immutable
parallel safe
as $$
  select pipeline.round_half_away(paid_seconds * hourly_wage_cents, 3600)::bigint
$$;

-- Labor % of net sales in basis points: round(labor cost × 10000 / net sales); null when net
-- sales are zero or negative (refunds exceeding sales make the ratio meaningless).
create or replace function pipeline.labor_pct_bp(labor_cost_cents numeric, net_sales_cents numeric)
returns bigint
language sql
immutable
parallel safe
as $$
  select case when net_sales_cents > 0
    then pipeline.round_half_away(labor_cost_cents * 10000, net_sales_cents)::bigint
  end
$$;

-- Cents per labor hour: round(cents × 3600 / paid seconds); null with no paid time. CPLH is
-- labor cost per labor hour, SPLH net sales per labor hour.
create or replace function pipeline.per_labor_hour_cents(cents numeric, paid_labor_seconds numeric)
returns bigint
language sql
immutable
parallel safe
as $$
  select case when paid_labor_seconds > 0
    then pipeline.round_half_away(cents * 3600, paid_labor_seconds)::bigint
  end
$$;

-- The inputs of one day, the shapes of DayOrder and DayPunch in shared/transformations.ts.
-- Composite types cannot be replaced, so they are created once.
do $$
begin
  if pg_catalog.to_regtype('pipeline.metric_order') is null then
    create type pipeline.metric_order as (
      net_sales_cents bigint,
      voided boolean,
      deleted boolean
    );
  end if;
  if pg_catalog.to_regtype('pipeline.metric_punch') is null then
    create type pipeline.metric_punch as (
      clocked_in_at timestamptz,
      clocked_out_at timestamptz,
      unpaid_break_seconds bigint,
      paid_seconds bigint,
      hourly_wage_cents bigint,
      deleted boolean
    );
  end if;
end
$$;

-- The daily figures from the day's order totals and its punches: the one SQL formula for
-- everything after the order sums. Sums are numeric, so nothing overflows before the final
-- bigint. recompute_day feeds it totals aggregated straight from the tables (cheapest on a
-- 5,000-order day); compute_daily_metrics feeds it the same totals from arrays.
create or replace function pipeline.daily_metrics_from_totals(
  counted_sales_cents numeric,
  counted_orders bigint,
  refunded_cents numeric,
  punches pipeline.metric_punch[],
  as_of timestamptz,
  max_open_shift_seconds integer,
  out net_sales_cents bigint,
  out refund_cents bigint,
  out labor_cost_cents bigint,
  out paid_labor_seconds bigint,
  out paid_labor_minutes bigint,
  out labor_pct_bp bigint,
  out cplh_cents bigint,
  out splh_cents bigint,
  out order_count integer,
  out punch_count integer,
  out open_punch_count integer
)
language sql
immutable
parallel safe
set search_path = ''
as $$
  with worked as (
    select pipeline.punch_paid_seconds(p.clocked_in_at, p.clocked_out_at,
        p.unpaid_break_seconds, p.paid_seconds, daily_metrics_from_totals.as_of,
        daily_metrics_from_totals.max_open_shift_seconds) as seconds,
      p.hourly_wage_cents as wage,
      p.clocked_out_at is null as open
    from pg_catalog.unnest(daily_metrics_from_totals.punches) as p
    where not p.deleted
  ),
  labor as (
    select coalesce(sum(w.seconds), 0) as seconds,
      coalesce(sum(pipeline.punch_labor_cost_cents(w.seconds, w.wage)), 0) as cents,
      count(*) as punches,
      count(*) filter (where w.open) as open_punches
    from worked as w
  ),
  net as (
    select daily_metrics_from_totals.counted_sales_cents
      - daily_metrics_from_totals.refunded_cents as sales_cents
  )
  select n.sales_cents::bigint,
    daily_metrics_from_totals.refunded_cents::bigint,
    l.cents::bigint,
    l.seconds::bigint,
    pipeline.round_half_away(l.seconds, 60)::bigint,
    pipeline.labor_pct_bp(l.cents, n.sales_cents),
    pipeline.per_labor_hour_cents(l.cents, l.seconds),
    pipeline.per_labor_hour_cents(n.sales_cents, l.seconds),
    daily_metrics_from_totals.counted_orders::integer,
    l.punches::integer,
    l.open_punches::integer
  from net as n, labor as l
$$;

-- The daily figures of one day from its rows (computeDailyMetrics, input for input): what
-- tests/metrics/parity_test.ts checks against TypeScript. An order counts unless voided or
-- deleted (orderCounts; recompute_day applies the same filter to the table).
create or replace function pipeline.compute_daily_metrics(
  orders pipeline.metric_order[],
  refunds bigint[],
  punches pipeline.metric_punch[],
  as_of timestamptz,
  max_open_shift_seconds integer,
  out net_sales_cents bigint,
  out refund_cents bigint,
  out labor_cost_cents bigint,
  out paid_labor_seconds bigint,
  out paid_labor_minutes bigint,
  out labor_pct_bp bigint,
  out cplh_cents bigint,
  out splh_cents bigint,
  out order_count integer,
  out punch_count integer,
  out open_punch_count integer
)
language sql
immutable
parallel safe
set search_path = ''
as $$
  select m.*
  from (
      select coalesce(sum(o.net_sales_cents) filter (where not o.voided and not o.deleted), 0)
          as cents,
        count(*) filter (where not o.voided and not o.deleted) as orders
      from pg_catalog.unnest(compute_daily_metrics.orders) as o
    ) as sales,
    (
      select coalesce(sum(r.cents), 0) as cents
      from pg_catalog.unnest(compute_daily_metrics.refunds) as r (cents)
    ) as refunded,
    lateral pipeline.daily_metrics_from_totals(sales.cents, sales.orders, refunded.cents,
      compute_daily_metrics.punches, compute_daily_metrics.as_of,
      compute_daily_metrics.max_open_shift_seconds) as m
$$;

-- ---------------------------------------------------------------------------------------
-- The recompute
-- ---------------------------------------------------------------------------------------

-- Recomputes one location's business day from that day's rows only, upserts
-- public.daily_metrics (recompute_count + 1) and evaluates the alert state machine. A day
-- left with no rows keeps a row of zeros (and null ratios), so alerts see it fall.
create or replace function pipeline.recompute_day(location_id bigint, business_date date)
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
  if not exists (select 1 from public.locations as l where l.id = recompute_day.location_id) then
    return;
  end if;
  -- Serialise recomputes of the same day: the aggregate below then runs after any concurrent
  -- recompute has committed and sees its rows (read committed takes a new snapshot per
  -- statement), so the last writer never overwrites newer figures with older ones.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(
    'pipeline.daily_metrics:' || recompute_day.location_id || ':' || recompute_day.business_date,
    0));

  select t.* into strict m
  from (
      -- The same rule as compute_daily_metrics: an order counts unless voided or deleted.
      select coalesce(sum(o.net_sales_cents) filter (where not o.voided and not o.deleted), 0)
          as cents,
        count(*) filter (where not o.voided and not o.deleted) as orders
      from public.orders as o
      where o.location_id = recompute_day.location_id
        and o.business_date = recompute_day.business_date
    ) as sales,
    (
      select coalesce(sum(r.refund_cents), 0) as cents
      from public.order_refunds as r
      where r.location_id = recompute_day.location_id
        and r.refund_business_date = recompute_day.business_date
    ) as refunded,
    lateral pipeline.daily_metrics_from_totals(sales.cents, sales.orders, refunded.cents,
      array(
        select row(p.clocked_in_at, p.clocked_out_at, p.unpaid_break_seconds, p.paid_seconds,
            p.hourly_wage_cents, p.deleted)::pipeline.metric_punch
        from public.punches as p
        where p.location_id = recompute_day.location_id
          and p.business_date = recompute_day.business_date
      ),
      clock,
      pipeline.max_open_shift_seconds()) as t;

  insert into public.daily_metrics as d (
    location_id, business_date, net_sales_cents, refund_cents, labor_cost_cents,
    paid_labor_seconds, paid_labor_minutes, labor_pct_bp, cplh_cents, splh_cents,
    order_count, punch_count, open_punch_count, as_of, recompute_count, updated_at
  )
  values (
    recompute_day.location_id, recompute_day.business_date, m.net_sales_cents, m.refund_cents,
    m.labor_cost_cents, m.paid_labor_seconds, m.paid_labor_minutes, m.labor_pct_bp,
    m.cplh_cents, m.splh_cents, m.order_count, m.punch_count, m.open_punch_count, clock, 1,
    pg_catalog.now()
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

  -- The alert state machine lives in migration 20261128000300, which runs before this one.
  perform pipeline.evaluate_alerts(recompute_day.location_id, recompute_day.business_date);
end
$$;

-- ---------------------------------------------------------------------------------------
-- Triggers: queue the touched days per statement, recompute each once at commit
-- ---------------------------------------------------------------------------------------

-- Days touched by the current transaction. Rows live only until that transaction's commit
-- (the deferred trigger deletes them), so the table is unlogged: no WAL for bookkeeping. The
-- transaction id in the key keeps concurrent transactions from ever waiting on each other
-- here.
create unlogged table if not exists pipeline.pending_metric_days (
  xact_id xid8 not null default pg_catalog.pg_current_xact_id(),
  location_id bigint not null,
  business_date date not null,
  primary key (xact_id, location_id, business_date)
);
revoke all on pipeline.pending_metric_days from public, anon, authenticated;

-- Statement-level: reads the transition tables, so a 1,000-row upsert queues each of its
-- days once. Both old and new rows count: a row that moves between days or locations
-- recomputes both.
create or replace function pipeline.queue_metric_days()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'order_refunds' then
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

-- At commit: the first firing takes every day this transaction queued and recomputes them in
-- (location, day) order, so two transactions always lock days in the same order (no
-- deadlock); later firings of the same transaction find nothing left.
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
      returning p.location_id, p.business_date
    )
    select t.location_id, t.business_date from taken as t order by 1, 2
  loop
    perform pipeline.recompute_day(day.location_id, day.business_date);
  end loop;
  return null;
end
$$;

drop trigger if exists recompute_at_commit on pipeline.pending_metric_days;
create constraint trigger recompute_at_commit
  after insert on pipeline.pending_metric_days
  deferrable initially deferred
  for each row execute function pipeline.recompute_pending_metric_days();

-- Transition tables allow one event per trigger, hence three per table.
do $$
declare
  t text;
begin
  foreach t in array array['orders', 'order_refunds', 'punches'] loop
    execute format($f$
      create or replace trigger queue_metric_days_on_insert
        after insert on public.%1$I
        referencing new table as new_rows
        for each statement execute function pipeline.queue_metric_days();
      create or replace trigger queue_metric_days_on_update
        after update on public.%1$I
        referencing old table as old_rows new table as new_rows
        for each statement execute function pipeline.queue_metric_days();
      create or replace trigger queue_metric_days_on_delete
        after delete on public.%1$I
        referencing old table as old_rows
        for each statement execute function pipeline.queue_metric_days();
    $f$, t);
  end loop;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Open punches: the scheduled re-evaluation
-- ---------------------------------------------------------------------------------------

-- Recomputes every day that has an open punch still able to accrue: clocked in within the
-- maximum shift plus a day's margin (so the capped final figure is written even after a
-- scheduler outage), never older history. Returns the number of days recomputed.
create or replace function pipeline.recompute_open_days()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  clock timestamptz := pipeline.current_clock();
  day record;
  recomputed integer := 0;
begin
  for day in
    select distinct p.location_id, p.business_date
    from public.punches as p
    where p.clocked_out_at is null
      and not p.deleted
      and p.clocked_in_at > clock
        - pg_catalog.make_interval(secs => pipeline.max_open_shift_seconds())
        - interval '1 day'
    order by 1, 2
  loop
    perform pipeline.recompute_day(day.location_id, day.business_date);
    recomputed := recomputed + 1;
  end loop;
  return recomputed;
end
$$;

-- Every 5 minutes on pg_cron (Supabase) or the local stack's compatible scheduler. Where the
-- extension is available but not installed, install it; where it cannot load (not in
-- shared_preload_libraries), carry on without a schedule rather than fail the migration.
do $$
begin
  if pg_catalog.to_regnamespace('cron') is null
    and exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_cron') then
    begin
      create extension if not exists pg_cron with schema pg_catalog;
    exception when others then
      raise notice 'pg_cron is available but could not be created (%); no schedule', sqlerrm;
    end;
  end if;
  if pg_catalog.to_regnamespace('cron') is not null then
    perform cron.schedule('pipeline-recompute-open-days', '*/5 * * * *',
      'select pipeline.recompute_open_days()');
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Privileges: nothing here is callable by anon or authenticated
-- ---------------------------------------------------------------------------------------

revoke execute on function
  pipeline.current_clock(),
  pipeline.max_open_shift_seconds(),
  pipeline.round_half_away(numeric, numeric),
  pipeline.punch_paid_seconds(timestamptz, timestamptz, bigint, bigint, timestamptz, bigint),
  pipeline.punch_labor_cost_cents(numeric, numeric),
  pipeline.labor_pct_bp(numeric, numeric),
  pipeline.per_labor_hour_cents(numeric, numeric),
  pipeline.daily_metrics_from_totals(numeric, bigint, numeric, pipeline.metric_punch[],
    timestamptz, integer),
  pipeline.compute_daily_metrics(pipeline.metric_order[], bigint[], pipeline.metric_punch[],
    timestamptz, integer),
  pipeline.recompute_day(bigint, date),
  pipeline.queue_metric_days(),
  pipeline.recompute_pending_metric_days(),
  pipeline.recompute_open_days()
from public, anon, authenticated;

-- service_role may backfill or refresh figures by hand.
grant execute on function
  pipeline.recompute_day(bigint, date),
  pipeline.recompute_open_days()
to service_role;
