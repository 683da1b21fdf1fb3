-- The daily metrics engine: the SQL mirror of shared/rounding.ts and shared/transformations.ts,
-- the per-day recompute, the triggers that keep public.daily_metrics current, and the job
-- that lets open punches accrue.
--
-- Flow: a statement on orders / order_refunds / punches queues the (location, day) pairs it
-- touched (old and new rows) in pipeline.pending_metric_days, with the statement's change to
-- the day's counted orders; at commit a deferred constraint trigger adds each queued change
-- to the running per-day order totals (pipeline.day_order_totals) and writes each queued day
-- once, in key order, then calls the alert state machine (pipeline.evaluate_alerts, migration
-- 20261128000400_alerts.sql). A write reads one totals row plus that day's refunds and
-- punches through the (location_id, day) indexes: a 5,000-order day costs what a 10-order day
-- does, and history never matters. pipeline.recompute_day rebuilds a day from its rows (by
-- hand, and the 5-minute open-day job), so anything that ever bypassed the triggers heals.

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '120s';

-- ---------------------------------------------------------------------------------------
-- The clock and the open-shift cap
-- ---------------------------------------------------------------------------------------

-- The replay clock: a database that replays a day (the demo's own database, a test's) runs its
-- figures on the replayed time, not the transaction time. At most one row. Only the owner of
-- the pipeline's objects (the role that ran the migrations: postgres on Supabase) may set it,
-- with pipeline.set_replay_clock; no API role, not service_role, not the functions' login. A
-- production database never has a row: the tools that replay (npm run demo, npm test) set it
-- only on a database they created (local/database_guard.ts), never npm run simulate.
create table if not exists pipeline.replay_clock (
  singleton boolean primary key default true check (singleton),
  replayed_now timestamptz not null,
  set_at timestamptz not null default now()
);
revoke all on pipeline.replay_clock from public, anon, authenticated, service_role;
comment on table pipeline.replay_clock is
  'Replayed "now" for the figures (pipeline.current_clock) while a day is replayed on a '
  'database of its own (the demo, tests); empty in production. Set with '
  'pipeline.set_replay_clock, owner only.';

-- "Now" for the figures (open punches accrue until it; a day is closed before its business
-- date): `set pipeline.now = '2026-11-28T18:00:00Z'` injects a clock for one session (tests),
-- else the replay clock when one is set, else the transaction time. plpgsql, so the read of the
-- replay clock is planned once per session: as a SQL function with a SET clause it could not be
-- inlined and was planned again on every recompute (~0.1 ms).
create or replace function pipeline.current_clock()
returns timestamptz
language plpgsql
stable
parallel safe
set search_path = ''
as $$
begin
  return coalesce(
    nullif(pg_catalog.current_setting('pipeline.now', true), '')::timestamptz,
    (select c.replayed_now from pipeline.replay_clock as c),
    pg_catalog.now());
end
$$;

-- Sets the replay clock to `replayed_now` (a stopped clock: the replayer moves it on, step by
-- step, so what it replays is computed at exactly the replayed instants), or removes it
-- (null). Security invoker: only a role that may write pipeline.replay_clock, its owner.
create or replace function pipeline.set_replay_clock(replayed_now timestamptz)
returns void
language plpgsql
set search_path = ''
as $$
begin
  if set_replay_clock.replayed_now is null then
    delete from pipeline.replay_clock;
    return;
  end if;
  insert into pipeline.replay_clock as c (singleton, replayed_now, set_at)
  values (true, set_replay_clock.replayed_now, pg_catalog.now())
  on conflict (singleton) do update
    set replayed_now = excluded.replayed_now, set_at = excluded.set_at;
end
$$;
comment on function pipeline.set_replay_clock(timestamptz) is
  'Sets (or with null removes) the replay clock that pipeline.current_clock honours. Owner '
  'only; for a database that replays a day, never a production one.';

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
-- Instants are truncated to whole seconds first, as in TypeScript. An instant's Unix seconds
-- are taken from its distance to the epoch (an interval): `extract(epoch from timestamptz)` is
-- only stable, and an immutable function with a stable body is never inlined, so each punch
-- of each recompute was a function call of its own.
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
          then pg_catalog.floor(extract(epoch from clocked_out_at - timestamptz 'epoch'))
        else least(
          pg_catalog.floor(extract(epoch from as_of - timestamptz 'epoch')),
          pg_catalog.floor(extract(epoch from clocked_in_at - timestamptz 'epoch'))
            + max_open_shift_seconds)
      end
      - pg_catalog.floor(extract(epoch from clocked_in_at - timestamptz 'epoch'))
      - unpaid_break_seconds)::bigint
  end
$$;

-- Labor cost of one punch in cents: round(paid seconds × hourly wage cents / 3600), exact on
-- numeric, the wage kept to a hundredth of a cent and rounded only with the product.
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

-- Whether an order counts toward its day's sales and order count (orderCounts in
-- shared/transformations.ts): not voided, not deleted, not excess food (Toast's waste
-- tracking). The one definition every sum and count of orders uses.
create or replace function pipeline.order_counts(voided boolean, deleted boolean,
  excess_food boolean)
returns boolean
language sql
immutable
parallel safe
as $$
  select not voided and not deleted and not excess_food
$$;

-- A punch as the daily figures read it, the shape of DayPunch in shared/transformations.ts.
-- Composite types cannot be replaced, so it is created once.
do $$
begin
  if pg_catalog.to_regtype('pipeline.metric_punch') is null then
    create type pipeline.metric_punch as (
      clocked_in_at timestamptz,
      clocked_out_at timestamptz,
      unpaid_break_seconds bigint,
      paid_seconds bigint,
      hourly_wage_cents numeric,
      deleted boolean,
      -- The punch's overtime (pipeline.punch_overtime): seconds and premium.
      overtime_seconds bigint,
      overtime_premium_cents numeric
    );
  end if;
end
$$;

-- The daily figures from the day's order totals, refunds and punches (computeDailyMetrics in
-- shared/transformations.ts from the order sums on): the one SQL formula, called by
-- write_daily_metrics with the day's running order totals. Sums are numeric, so nothing
-- overflows before the final bigint. tests/metrics/parity_test.ts drives generated days
-- through the tables and compares the rows it writes with TypeScript.
--
-- A set-returning SQL function (one row) with no SET clause, not strict, not volatile: the
-- planner inlines it into write_daily_metrics's read of the day, planned once per session with
-- it, with the per-value functions inlined too (as a plpgsql function it was a call of its own
-- on every write, ~0.1 ms). `w` is kept a subquery of its own (offset 0) so each punch's paid
-- seconds are computed once, from plain columns, which lets round_half_away (it uses its
-- arguments more than once) be inlined too. Every name is schema-qualified, as in the
-- per-value functions above.
create or replace function pipeline.daily_metrics_from_totals(
  counted_sales_cents numeric,
  counted_orders bigint,
  refunded_cents numeric,
  punches pipeline.metric_punch[],
  as_of timestamptz,
  max_open_shift_seconds integer
)
returns table (
  net_sales_cents bigint,
  refund_cents bigint,
  labor_cost_cents bigint,
  paid_labor_seconds bigint,
  paid_labor_minutes bigint,
  labor_pct_bp bigint,
  cplh_cents bigint,
  splh_cents bigint,
  order_count integer,
  punch_count integer,
  open_punch_count integer,
  overtime_minutes bigint,
  overtime_premium_cents bigint
)
language sql
immutable
parallel safe
as $$
  select (counted_sales_cents - refunded_cents)::bigint,
    refunded_cents::bigint,
    t.cents::bigint,
    t.seconds::bigint,
    pipeline.round_half_away(t.seconds, 60)::bigint,
    pipeline.labor_pct_bp(t.cents, counted_sales_cents - refunded_cents),
    pipeline.per_labor_hour_cents(t.cents, t.seconds),
    pipeline.per_labor_hour_cents(counted_sales_cents - refunded_cents, t.seconds),
    counted_orders::integer,
    t.punch_count::integer,
    t.open_punch_count::integer,
    t.overtime_minutes::bigint,
    t.premium::bigint
  from (
    select coalesce(pg_catalog.sum(w.seconds), 0) as seconds,
      -- Labor cost is each punch's straight cost plus its overtime premium.
      coalesce(pg_catalog.sum(pipeline.punch_labor_cost_cents(w.seconds, w.wage) + w.premium),
        0) as cents,
      pg_catalog.count(*) as punch_count,
      pg_catalog.count(*) filter (where w.open) as open_punch_count,
      pipeline.round_half_away(coalesce(pg_catalog.sum(w.overtime_seconds), 0), 60)
        as overtime_minutes,
      coalesce(pg_catalog.sum(w.premium), 0) as premium
    from (
      select pipeline.punch_paid_seconds(p.clocked_in_at, p.clocked_out_at,
          p.unpaid_break_seconds, p.paid_seconds, as_of, max_open_shift_seconds) as seconds,
        p.hourly_wage_cents as wage,
        p.clocked_out_at is null as open,
        coalesce(p.overtime_seconds, 0) as overtime_seconds,
        coalesce(p.overtime_premium_cents, 0) as premium
      from pg_catalog.unnest(punches) as p
      where not p.deleted
      offset 0
    ) as w
  ) as t
$$;

-- ---------------------------------------------------------------------------------------
-- Running per-day order totals
-- ---------------------------------------------------------------------------------------

-- One row per (location, business day) that has ever had an order. An order counts unless it
-- is voided, deleted or excess food (pipeline.order_counts).
create table if not exists pipeline.day_order_totals (
  location_id bigint not null,
  business_date date not null,
  counted_sales_cents bigint not null default 0,
  counted_orders bigint not null default 0,
  primary key (location_id, business_date)
);
revoke all on pipeline.day_order_totals from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------
-- The recompute
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
-- Its queries planned once per session, as pipeline.refresh_overtime_weeks (overtime migration)
-- says why; the day's read was planned again on every write (~0.4 ms). And on indexes: a plan
-- made while a table is a page or two (a young project) reads the whole table, and is kept for
-- the connection's life as the table grows (0.47 → 12.7 ms a write once the overtime table had
-- 50,000 rows; tests/metrics/hot_path_writes_test.ts). Every read here is of one day; the
-- setting holds for the functions it calls too (the projection, the alert evaluation, the
-- overtime warning), whose reads are of one location-day or one employee as well.
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  clock timestamptz := pipeline.current_clock();
  loc public.locations;
  m record;
  written public.daily_metrics;
  v_companies bigint[];
  v_users bigint[];
  v_clocked_in timestamptz[];
begin
  select * into loc from public.locations as l where l.id = write_daily_metrics.location_id;
  if not found then
    return;
  end if;
  -- Serialise recomputes of the same day: the reads below then run after any concurrent
  -- recompute has committed and see its rows (read committed takes a new snapshot per
  -- statement), so the last writer never overwrites newer figures with older ones.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(
    'pipeline.daily_metrics:' || write_daily_metrics.location_id || ':'
      || write_daily_metrics.business_date,
    0));

  -- Someone on the clock accrues, and with them their overtime: their workweeks are worked out
  -- again at this clock first (any other day that moves with them is queued). With nobody on
  -- the clock nothing is worked out.
  select pg_catalog.array_agg(p.sevenshifts_company_id order by p.sevenshifts_punch_id),
    pg_catalog.array_agg(p.user_id order by p.sevenshifts_punch_id),
    pg_catalog.array_agg(p.clocked_in_at order by p.sevenshifts_punch_id)
  into v_companies, v_users, v_clocked_in
  from public.punches as p
  where p.location_id = write_daily_metrics.location_id
    and p.business_date = write_daily_metrics.business_date
    and p.clocked_out_at is null and not p.deleted and p.user_id is not null;
  -- The insert only when there is someone: a statement of its own is cheaper than an insert
  -- (and its triggers' set-up) that finds no rows.
  if v_companies is not null then
    insert into pipeline.pending_metric_days (location_id, business_date)
    select d.location_id, d.business_date
    from pipeline.refresh_overtime_weeks(v_companies, v_users, v_clocked_in, clock) as d
    where (d.location_id, d.business_date)
      is distinct from (write_daily_metrics.location_id, write_daily_metrics.business_date)
    on conflict do nothing;
  end if;

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
    -- The punches as a column of their own, so the formula's arguments hold no sub-select
    -- and the planner inlines it.
    (
      select array(
        select row(p.clocked_in_at, p.clocked_out_at, p.unpaid_break_seconds, p.paid_seconds,
            p.hourly_wage_cents, p.deleted, o.overtime_seconds, o.premium_cents
          )::pipeline.metric_punch
        from public.punches as p
        left join pipeline.punch_overtime as o on o.punch_id = p.sevenshifts_punch_id
        where p.location_id = write_daily_metrics.location_id
          and p.business_date = write_daily_metrics.business_date
      ) as punches
    ) as worked,
    lateral pipeline.daily_metrics_from_totals(sales.cents, sales.orders, refunded.cents,
      worked.punches, clock, pipeline.max_open_shift_seconds()) as t;

  insert into public.daily_metrics as d (
    location_id, business_date, net_sales_cents, refund_cents, labor_cost_cents,
    paid_labor_seconds, paid_labor_minutes, labor_pct_bp, cplh_cents, splh_cents,
    order_count, punch_count, open_punch_count, overtime_minutes, overtime_premium_cents,
    as_of, recompute_count, updated_at
  )
  values (
    write_daily_metrics.location_id, write_daily_metrics.business_date, m.net_sales_cents,
    m.refund_cents, m.labor_cost_cents, m.paid_labor_seconds, m.paid_labor_minutes,
    m.labor_pct_bp, m.cplh_cents, m.splh_cents, m.order_count, m.punch_count,
    m.open_punch_count, m.overtime_minutes, m.overtime_premium_cents, clock, 1, pg_catalog.now()
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
    overtime_minutes = excluded.overtime_minutes,
    overtime_premium_cents = excluded.overtime_premium_cents,
    as_of = excluded.as_of,
    recompute_count = d.recompute_count + 1,
    updated_at = excluded.updated_at
  returning * into written;

  -- The open day's intraday row, projection and projection alert (20261130000200_projection.sql).
  perform pipeline.write_projection(loc, written, clock);
  perform pipeline.evaluate_written_day(loc, written);
  -- Someone on the clock about to reach overtime (20261129000300_overtime.sql).
  if m.open_punch_count > 0 then
    perform pipeline.warn_overtime(write_daily_metrics.location_id,
      write_daily_metrics.business_date, clock);
  end if;
end
$$;

-- Recomputes one day from its rows: rebuilds its order totals from public.orders, then writes
-- its figures; an unknown location is an error naming it. For calls by hand and the open-day
-- job; the triggers use the cheaper incremental path. The totals row is locked before the
-- orders are summed, so a writer that is adding its change at commit either finishes first
-- (and the sum sees its orders) or waits and adds its change to the rebuilt totals.
create or replace function pipeline.recompute_day(location_id bigint, business_date date)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  perform pipeline.require_location(recompute_day.location_id);
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
      -- The same rule as the triggers' deltas (pipeline.order_counts).
      select coalesce(sum(o.net_sales_cents)
          filter (where pipeline.order_counts(o.voided, o.deleted, o.excess_food)), 0) as cents,
        count(*) filter (where pipeline.order_counts(o.voided, o.deleted, o.excess_food))
          as orders
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

-- Days touched by the current transaction, with its change to each day's counted orders
-- (summed over its statements; zeros for rows of punches and refunds). Rows live only until
-- that transaction's commit (the deferred trigger deletes them), so the table is unlogged: no
-- WAL for bookkeeping. The transaction id in the key keeps concurrent transactions from ever
-- waiting on each other here.
create unlogged table if not exists pipeline.pending_metric_days (
  xact_id xid8 not null default pg_catalog.pg_current_xact_id(),
  location_id bigint not null,
  business_date date not null,
  counted_sales_delta bigint not null default 0,
  counted_orders_delta bigint not null default 0,
  primary key (xact_id, location_id, business_date)
);
revoke all on pipeline.pending_metric_days from public, anon, authenticated;

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
declare
  v_companies bigint[];
  v_users bigint[];
  v_clocked_in timestamptz[];
begin
  -- An INSERT ... ON CONFLICT DO UPDATE fires both the insert and the update triggers, one of
  -- them with no rows (a new row was inserted, or an existing one updated): that one has
  -- nothing to queue, and one look at its transition table is cheaper than running each
  -- branch's statements on no rows. An update's old and new rows are the same rows.
  if tg_op = 'INSERT' then
    if not exists (select from new_rows) then
      return null;
    end if;
  elsif not exists (select from old_rows) then
    return null;
  end if;
  -- An insert trigger has no old_rows and a delete trigger no new_rows, hence the branches.
  if tg_table_name = 'orders' then
    if tg_op in ('UPDATE', 'DELETE') then
      insert into pipeline.pending_metric_days as p (location_id, business_date,
        counted_sales_delta, counted_orders_delta)
      select o.location_id, o.business_date,
        -coalesce(sum(o.net_sales_cents)
          filter (where pipeline.order_counts(o.voided, o.deleted, o.excess_food)), 0),
        -count(*) filter (where pipeline.order_counts(o.voided, o.deleted, o.excess_food))
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
        coalesce(sum(n.net_sales_cents)
          filter (where pipeline.order_counts(n.voided, n.deleted, n.excess_food)), 0),
        count(*) filter (where pipeline.order_counts(n.voided, n.deleted, n.excess_food))
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
    -- A held punch (no location yet) counts on no day.
    if tg_op in ('UPDATE', 'DELETE') then
      insert into pipeline.pending_metric_days (location_id, business_date)
      select distinct o.location_id, o.business_date from old_rows as o
      where o.location_id is not null
      on conflict do nothing;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
      insert into pipeline.pending_metric_days (location_id, business_date)
      select distinct n.location_id, n.business_date from new_rows as n
      where n.location_id is not null
      on conflict do nothing;
    end if;
    -- The overtime of the changed punches' workweeks is worked out again, and the days whose
    -- overtime moved (an earlier punch moves the crossing) are recomputed too, and only those
    -- (20261129000300_overtime.sql).
    if tg_op = 'INSERT' then
      select pg_catalog.array_agg(n.sevenshifts_company_id order by n.sevenshifts_punch_id),
        pg_catalog.array_agg(n.user_id order by n.sevenshifts_punch_id),
        pg_catalog.array_agg(n.clocked_in_at order by n.sevenshifts_punch_id)
      into v_companies, v_users, v_clocked_in
      from new_rows as n where n.user_id is not null;
    elsif tg_op = 'DELETE' then
      select pg_catalog.array_agg(o.sevenshifts_company_id order by o.sevenshifts_punch_id),
        pg_catalog.array_agg(o.user_id order by o.sevenshifts_punch_id),
        pg_catalog.array_agg(o.clocked_in_at order by o.sevenshifts_punch_id)
      into v_companies, v_users, v_clocked_in
      from old_rows as o where o.user_id is not null;
    else
      select pg_catalog.array_agg(x.company_id order by x.punch_id),
        pg_catalog.array_agg(x.user_id order by x.punch_id),
        pg_catalog.array_agg(x.clocked_in_at order by x.punch_id)
      into v_companies, v_users, v_clocked_in
      from (
        select o.sevenshifts_punch_id as punch_id, o.sevenshifts_company_id as company_id,
          o.user_id, o.clocked_in_at
        from old_rows as o where o.user_id is not null
        union all
        select n.sevenshifts_punch_id, n.sevenshifts_company_id, n.user_id, n.clocked_in_at
        from new_rows as n where n.user_id is not null
      ) as x;
    end if;
    if v_companies is not null then
      insert into pipeline.pending_metric_days (location_id, business_date)
      select d.location_id, d.business_date
      from pipeline.refresh_overtime_weeks(v_companies, v_users, v_clocked_in,
        pipeline.current_clock()) as d
      on conflict do nothing;
    end if;
  end if;
  return null;
end
$$;

-- Takes every day this transaction queued and, in (location, day) order, adds its change to
-- the day's totals and writes the day's figures. The fixed order means two transactions
-- always lock days in the same order (no deadlock). Run at commit by the trigger below; the
-- replay of held events runs it earlier, inside a subtransaction, so a held event whose
-- figures cannot be written is that event's failure (pipeline.apply_held_events).
create or replace function pipeline.write_pending_metric_days()
returns void
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
    -- The day's change to its order totals. The row lock it takes makes a concurrent writer
    -- of the same day wait here until this transaction commits, so each change is added to
    -- the latest totals exactly once.
    if day.counted_sales_delta <> 0 or day.counted_orders_delta <> 0 then
      insert into pipeline.day_order_totals as t (location_id, business_date,
        counted_sales_cents, counted_orders)
      values (day.location_id, day.business_date, day.counted_sales_delta,
        day.counted_orders_delta)
      on conflict (location_id, business_date) do update set
        counted_sales_cents = t.counted_sales_cents + excluded.counted_sales_cents,
        counted_orders = t.counted_orders + excluded.counted_orders;
    end if;
    perform pipeline.write_daily_metrics(day.location_id, day.business_date);
  end loop;
end
$$;

-- At commit: the first firing writes every day this transaction queued; later firings of the
-- same transaction find nothing left.
create or replace function pipeline.recompute_pending_metric_days()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pipeline.write_pending_metric_days();
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
      and p.location_id is not null
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

-- Every 5 minutes on pg_cron (Supabase; enabled in 20261128000100_core_schema.sql) or the
-- local stack's compatible scheduler; without either, no schedule.
do $$
begin
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
  pipeline.set_replay_clock(timestamptz),
  pipeline.max_open_shift_seconds(),
  pipeline.round_half_away(numeric, numeric),
  pipeline.order_counts(boolean, boolean, boolean),
  pipeline.punch_paid_seconds(timestamptz, timestamptz, bigint, bigint, timestamptz, bigint),
  pipeline.punch_labor_cost_cents(numeric, numeric),
  pipeline.labor_pct_bp(numeric, numeric),
  pipeline.per_labor_hour_cents(numeric, numeric),
  pipeline.daily_metrics_from_totals(numeric, bigint, numeric, pipeline.metric_punch[],
    timestamptz, integer),
  pipeline.write_daily_metrics(bigint, date),
  pipeline.recompute_day(bigint, date),
  pipeline.queue_metric_days(),
  pipeline.write_pending_metric_days(),
  pipeline.recompute_pending_metric_days(),
  pipeline.recompute_open_days()
from public, anon, authenticated;

-- service_role may backfill or refresh figures by hand.
grant execute on function
  pipeline.recompute_day(bigint, date),
  pipeline.recompute_open_days()
to service_role;

-- The replay clock is its owner's alone.
revoke execute on function pipeline.set_replay_clock(timestamptz) from service_role;
