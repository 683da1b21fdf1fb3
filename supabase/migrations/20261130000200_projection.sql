-- Projected close of day (issue 19): the intraday history of each open day, the projection of
-- its close from the typical same-weekday curve and the scheduled work still to run, and the
-- "projected over target" alert (read from the best case: the rest of the day as busy as the
-- busiest same weekday) with its "cut N hours / sell $M more" hint. The exact
-- definitions are docs/projection.md; this is their SQL mirror of shared/projection.ts
-- (tests/metrics/projection_parity_test.ts holds the two together).
--
-- * public.intraday_metrics: the open day's figures per quarter-hour slot of local time,
--   written by the day's own write (pipeline.write_daily_metrics calls
--   pipeline.write_projection), kept 70 days (a daily pg_cron job).
-- * pipeline.typical_shares: the typical share of the day's sales done by a slot, worked out
--   once per location, day and slot (a cache: every write of the day within a slot reads it).
-- * public.day_projections: the open day's projection with every input it came from, and the
--   day's projection state (none → projected → projected_critical), rewritten by each write.
-- * public.alerts gets kind 'projected' (details: level, projection, hint) and, for over and
--   critical alerts, the day's projection at the moment (column `projection`, for the message).
-- * Two location settings: projection_min_share_bp (default 30 %), projection_margin_bp (1 pt).
--
-- Cost: one upsert of the slot's row per write of the open day; the rest only for locations
-- that have both three same weekdays of live history and a published schedule for the day, the
-- shifts read by the (location_id, business_date) index.

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '60s';

alter table public.locations
  add column if not exists projection_min_share_bp integer not null default 3000
    check (projection_min_share_bp between 0 and 10000),
  add column if not exists projection_margin_bp integer not null default 100
    check (projection_margin_bp >= 0);
comment on column public.locations.projection_min_share_bp is
  'No projection alert before a typical day has done this share of its sales (basis points).';
comment on column public.locations.projection_margin_bp is
  'A projection alert fires once the projected labor % exceeds target + this (basis points).';

-- ---------------------------------------------------------------------------------------
-- Intraday history
-- ---------------------------------------------------------------------------------------

create table if not exists public.intraday_metrics (
  location_id bigint not null references public.locations (id) on delete cascade,
  business_date date not null,
  -- Quarter hour of the business day in local time, 0 at the cut-off (pipeline.slot_of).
  slot smallint not null check (slot between 0 and 95),
  net_sales_cents bigint not null,
  labor_cost_cents bigint not null,
  paid_labor_minutes bigint not null,
  open_punch_count integer not null,
  -- The clock of the last write within the slot (pipeline.current_clock).
  recorded_at timestamptz not null,
  primary key (location_id, business_date, slot)
);
comment on table public.intraday_metrics is
  'The open day''s figures as of its last write within each quarter hour of local time '
  '(docs/projection.md); kept 70 days.';
alter table public.intraday_metrics enable row level security;
revoke all on public.intraday_metrics from anon, authenticated;
grant select on public.intraday_metrics to service_role;

-- The quarter-hour slot (0‥95) of the business day an instant falls in, by local wall-clock
-- time, slot 0 at the cut-off hour (slotOf in shared/projection.ts). No SET clause, so the
-- planner inlines it; every name is schema-qualified.
create or replace function pipeline.slot_of(instant timestamptz, time_zone text,
  cutoff_hour smallint)
returns smallint
language sql
immutable
parallel safe
as $$
  select (((extract(hour from instant at time zone time_zone)::integer * 60
      + extract(minute from instant at time zone time_zone)::integer
      - cutoff_hour * 60 + 1440) % 1440) / 15)::smallint
$$;
comment on function pipeline.slot_of(timestamptz, text, smallint) is
  'Quarter hour (0-95) of the business day of an instant, local time, 0 at the cut-off.';

-- ---------------------------------------------------------------------------------------
-- The typical share of the day's sales
-- ---------------------------------------------------------------------------------------

-- The typical share of a day's sales done by `slot`, from the same weekdays D − 7k (k = 1‥8)
-- with final sales > 0 and intraday history (typicalShare in shared/projection.ts): the
-- number of such days and, with three or more, the median of their shares.
create or replace function pipeline.typical_share(location_id bigint, business_date date,
  slot smallint, out candidate_count integer, out typical_share_bp bigint,
  out lowest_share_bp bigint, out typical_final_sales_cents bigint)
language plpgsql
stable
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_shares bigint[];
  v_finals bigint[];
  v_n integer;
begin
  select pg_catalog.array_agg(x.share order by x.share),
    pg_catalog.array_agg(x.final order by x.final)
  into v_shares, v_finals
  from (
    select least(10000, pipeline.round_half_away(coalesce((
        select i.net_sales_cents from public.intraday_metrics as i
        where i.location_id = typical_share.location_id and i.business_date = d.business_date
          and i.slot < typical_share.slot
        order by i.slot desc limit 1), 0) * 10000, d.net_sales_cents))::bigint as share,
      d.net_sales_cents as final
    from public.daily_metrics as d
    where d.location_id = typical_share.location_id
      and d.business_date in (select typical_share.business_date - 7 * k
        from pg_catalog.generate_series(1, 8) as k)
      and d.net_sales_cents > 0
      and exists (select 1 from public.intraday_metrics as i
        where i.location_id = d.location_id and i.business_date = d.business_date)
  ) as x;
  v_n := coalesce(pg_catalog.cardinality(v_shares), 0);
  candidate_count := v_n;
  if v_n >= 3 then
    typical_share_bp := case when v_n % 2 = 1 then v_shares[v_n / 2 + 1]
      else pipeline.round_half_away(v_shares[v_n / 2] + v_shares[v_n / 2 + 1], 2)::bigint end;
    lowest_share_bp := v_shares[1];
    typical_final_sales_cents := case when v_n % 2 = 1 then v_finals[v_n / 2 + 1]
      else pipeline.round_half_away(v_finals[v_n / 2] + v_finals[v_n / 2 + 1], 2)::bigint end;
  end if;
end
$$;
comment on function pipeline.typical_share(bigint, date, smallint) is
  'How many of the last 8 same weekdays have live history, and (3 or more) the median and '
  'lowest share of their final sales done by the start of this slot (basis points) and their '
  'median final sales (docs/projection.md).';

-- Worked out once per location, day and slot: each write of the day within a slot reads it.
-- Unlogged: a cache, rebuilt on demand after a crash.
create unlogged table if not exists pipeline.typical_shares (
  location_id bigint not null,
  business_date date not null,
  slot smallint not null,
  candidate_count integer not null,
  typical_share_bp bigint,
  lowest_share_bp bigint,
  typical_final_sales_cents bigint,
  primary key (location_id, business_date, slot)
);
revoke all on pipeline.typical_shares from public, anon, authenticated;
comment on table pipeline.typical_shares is
  'Cache of pipeline.typical_share per location, open day and slot (kept 70 days).';

-- ---------------------------------------------------------------------------------------
-- Remaining scheduled work and the overtime it causes
-- ---------------------------------------------------------------------------------------

-- One piece of work still to pay (WorkItem in shared/projection.ts). Created once.
do $$
begin
  if pg_catalog.to_regtype('pipeline.work_item') is null then
    create type pipeline.work_item as (
      shift_id bigint,
      user_id bigint,
      start_s bigint,
      end_s bigint,
      hourly_wage_cents numeric
    );
  end if;
  if pg_catalog.to_regtype('pipeline.overtime_entry') is null then
    -- A punch (or an appended work item) as the overtime premium reads it.
    create type pipeline.overtime_entry as (
      punch_id numeric,
      clock_s bigint,
      workday date,
      workweek date,
      paid bigint,
      wage numeric
    );
  end if;
end
$$;

-- The work items of (location, day) at `now` (remainingWork in shared/projection.ts): a shift
-- not started counts whole at its own wage, assigned or not; a started, unfinished shift whose
-- user has an open punch at the location on the day counts from now to its end at that punch's
-- wage (the latest clock-in); anything else nothing. Instants in whole seconds.
create or replace function pipeline.remaining_work(location_id bigint, business_date date,
  now timestamptz)
returns setof pipeline.work_item
language plpgsql
stable
set search_path = ''
as $$
-- plpgsql, so the query is planned once per session (as a SQL function with a SET clause it was
-- planned again on every write of the day, ~1 ms).
#variable_conflict use_column
declare
  v_now_s bigint := pg_catalog.floor(extract(epoch from remaining_work.now))::bigint;
begin
  return query
  select s.sevenshifts_shift_id, s.user_id,
    case when x.start_s > v_now_s then x.start_s else v_now_s end,
    x.end_s,
    case when x.start_s > v_now_s then s.hourly_wage_cents else o.hourly_wage_cents end
  from public.scheduled_shifts as s
  cross join lateral (
    select pg_catalog.floor(extract(epoch from s.starts_at))::bigint as start_s,
      pg_catalog.floor(extract(epoch from s.ends_at))::bigint as end_s
  ) as x
  left join lateral (
    select p.hourly_wage_cents from public.punches as p
    where p.location_id = remaining_work.location_id
      and p.business_date = remaining_work.business_date
      and p.clocked_out_at is null and not p.deleted
      and p.user_id = s.user_id
    order by p.clocked_in_at desc, p.sevenshifts_punch_id desc
    limit 1
  ) as o on x.start_s <= v_now_s
  where s.location_id = remaining_work.location_id
    and s.business_date = remaining_work.business_date
    and (x.start_s > v_now_s or (v_now_s < x.end_s and o.hourly_wage_cents is not null))
  order by s.sevenshifts_shift_id;
end
$$;
comment on function pipeline.remaining_work(bigint, date, timestamptz) is
  'The scheduled work of a location''s day still to pay at an instant (docs/projection.md).';

-- Σ over the entries of each one's overtime premium in cents under a policy (punchOvertime in
-- shared/overtime.ts, the loop form of pipeline.refresh_overtime_weeks): entries of ONE
-- employee, taken in (clock, id) order; daily tiers on each workday's hours, then the weekly
-- threshold on the workweek's straight time; each entry's premium rounded once.
create or replace function pipeline.overtime_premium_total(entries pipeline.overtime_entry[],
  enabled boolean, tier_seconds bigint[], tier_pct integer[], weekly_seconds bigint,
  weekly_pct integer)
returns numeric
language plpgsql
immutable
set search_path = ''
as $$
declare
  e record;
  v_week date;
  v_day date;
  v_day_acc numeric := 0;
  v_straight_acc numeric := 0;
  v_tiers integer := coalesce(pg_catalog.cardinality(tier_seconds), 0);
  v_pct_seconds numeric;
  v_in_tier numeric;
  v_above numeric;
  v_straight numeric;
  v_weekly numeric;
  v_total numeric := 0;
begin
  if not enabled then
    return 0;
  end if;
  for e in
    select x.* from pg_catalog.unnest(entries) as x order by x.clock_s, x.punch_id
  loop
    if e.workweek is distinct from v_week then
      v_week := e.workweek;
      v_straight_acc := 0;
      v_day := null;
    end if;
    if e.workday is distinct from v_day then
      v_day := e.workday;
      v_day_acc := 0;
    end if;
    v_pct_seconds := 0;
    v_straight := e.paid;
    for i in reverse v_tiers .. 1 loop
      v_above := case when i < v_tiers
        then pipeline.seconds_past(v_day_acc, e.paid, tier_seconds[i + 1]) else 0 end;
      v_in_tier := pipeline.seconds_past(v_day_acc, e.paid, tier_seconds[i]) - v_above;
      v_pct_seconds := v_pct_seconds + v_in_tier * (tier_pct[i] - 100);
      if i = 1 then
        v_straight := e.paid - (v_in_tier + v_above);
      end if;
    end loop;
    v_day_acc := v_day_acc + e.paid;
    if weekly_seconds is not null then
      v_weekly := pipeline.seconds_past(v_straight_acc, v_straight, weekly_seconds);
      v_pct_seconds := v_pct_seconds + v_weekly * (weekly_pct - 100);
    end if;
    v_straight_acc := v_straight_acc + v_straight;
    v_total := v_total + pipeline.round_half_away(v_pct_seconds * e.wage, 360000);
  end loop;
  return v_total;
end
$$;
comment on function pipeline.overtime_premium_total(pipeline.overtime_entry[], boolean,
  bigint[], integer[], bigint, integer) is
  'Total overtime premium (cents) of one employee''s punches under a policy, each punch '
  'rounded once (shared/overtime.ts punchOvertime).';

-- The overtime premium the remaining work causes (remainingOvertimePremium in
-- shared/projection.ts): per employee with work items, the premium of the workweeks the items
-- fall in with the items appended as punches (after real punches of the same second, in shift
-- order) minus without them. The company's policy; none without a 7shifts company.
create or replace function pipeline.remaining_overtime_premium(company_id bigint,
  items pipeline.work_item[], now timestamptz)
returns bigint
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  pol record;
  u record;
  v_mine pipeline.overtime_entry[];
  v_theirs pipeline.overtime_entry[];
  v_total numeric := 0;
begin
  if remaining_overtime_premium.company_id is null
    or not exists (select 1 from pg_catalog.unnest(items) as i where i.user_id is not null) then
    return 0;
  end if;
  select * into pol from pipeline.overtime_policy(remaining_overtime_premium.company_id);
  if not pol.enabled then
    return 0;
  end if;
  for u in
    select i.user_id,
      pg_catalog.array_agg(row(4000000000000000 + i.shift_id, i.start_s, w.workday,
        pipeline.workweek_of(w.workday, pol.start_iso_day), i.end_s - i.start_s,
        i.hourly_wage_cents)::pipeline.overtime_entry) as appended,
      pg_catalog.array_agg(distinct pipeline.workweek_of(w.workday, pol.start_iso_day))
        as weeks
    from pg_catalog.unnest(items) as i,
      lateral (select pipeline.business_date_of(pg_catalog.to_timestamp(i.start_s),
        pol.time_zone, pol.start_hour) as workday) as w
    where i.user_id is not null
    group by i.user_id
    order by i.user_id
  loop
    select coalesce(pg_catalog.array_agg(row(p.sevenshifts_punch_id,
        pg_catalog.floor(extract(epoch from p.clocked_in_at))::bigint, x.workday, x.workweek,
        pipeline.punch_paid_seconds(p.clocked_in_at, p.clocked_out_at, p.unpaid_break_seconds,
          p.paid_seconds, remaining_overtime_premium.now, pipeline.max_open_shift_seconds()),
        p.hourly_wage_cents)::pipeline.overtime_entry), '{}')
    into v_theirs
    from public.punches as p,
      lateral (select pipeline.business_date_of(p.clocked_in_at, pol.time_zone, pol.start_hour)
        as workday) as d,
      lateral (select d.workday, pipeline.workweek_of(d.workday, pol.start_iso_day) as workweek)
        as x
    where p.sevenshifts_company_id = remaining_overtime_premium.company_id
      and p.user_id = u.user_id
      and not p.deleted and p.location_id is not null
      -- A superset of the weeks on the index, whatever the zone; filtered exactly below.
      and p.clocked_in_at >= ((select min(w) from pg_catalog.unnest(u.weeks) as w) - 2)::timestamp
        at time zone 'UTC'
      and p.clocked_in_at < ((select max(w) from pg_catalog.unnest(u.weeks) as w) + 9)::timestamp
        at time zone 'UTC'
      and x.workweek = any (u.weeks);
    v_mine := v_theirs || u.appended;
    v_total := v_total
      + pipeline.overtime_premium_total(v_mine, pol.enabled, pol.tier_seconds, pol.tier_pct,
        pol.weekly_seconds, pol.weekly_pct)
      - pipeline.overtime_premium_total(v_theirs, pol.enabled, pol.tier_seconds, pol.tier_pct,
        pol.weekly_seconds, pol.weekly_pct);
  end loop;
  return v_total;
end
$$;
comment on function pipeline.remaining_overtime_premium(bigint, pipeline.work_item[],
  timestamptz) is
  'Overtime premium (cents) the remaining scheduled work causes: with it appended as punches '
  'minus without (docs/projection.md).';

-- ---------------------------------------------------------------------------------------
-- The projection, its state and its hint
-- ---------------------------------------------------------------------------------------

-- The day's closing sales when share_bp of a typical day is done (closingSales in
-- shared/projection.ts): the rest of the day at today's pace weighted by that share and at the
-- typical final sales weighted by the rest, S + (1 - s)(S + (1 - s)F), one rounding, never
-- under the sales so far. Today's pace alone amplifies a small restaurant's noise early in the
-- day (docs/projection.md, "Projection"). No SET clause, so the planner inlines it (as
-- pipeline.slot_of): with one, every call ran the SQL-function executor on the day's write.
create or replace function pipeline.closing_sales(net_sales_cents bigint, share_bp bigint,
  typical_final_sales_cents bigint)
returns bigint
language sql
immutable
parallel safe
as $$
  select net_sales_cents + greatest(0, pipeline.round_half_away((10000 - share_bp)::numeric
    * (net_sales_cents::numeric * 10000 + (10000 - share_bp)::numeric
      * typical_final_sales_cents), 100000000))::bigint
$$;
comment on function pipeline.closing_sales(bigint, bigint, bigint) is
  'The day''s closing net sales projected from the sales so far, the share of a typical day '
  'done and the typical final sales (docs/projection.md).';

-- Projected sales, labor cost and labor % at close, and the best case the alert reads
-- (projectClose in shared/projection.ts).
create or replace function pipeline.project_close(net_sales_cents bigint,
  labor_cost_cents bigint, typical_share_bp bigint, lowest_share_bp bigint,
  typical_final_sales_cents bigint, remaining_cost_cents bigint,
  remaining_overtime_premium_cents bigint, out projected_net_sales_cents bigint,
  out projected_labor_cost_cents bigint, out projected_labor_pct_bp bigint,
  out best_case_net_sales_cents bigint, out best_case_labor_pct_bp bigint)
language plpgsql
immutable
set search_path = ''
as $$
begin
  projected_net_sales_cents := pipeline.closing_sales(net_sales_cents, typical_share_bp,
    typical_final_sales_cents);
  projected_labor_cost_cents := labor_cost_cents + remaining_cost_cents
    + remaining_overtime_premium_cents;
  projected_labor_pct_bp := pipeline.labor_pct_bp(projected_labor_cost_cents,
    projected_net_sales_cents);
  -- Without a sale yet (or with refunds ahead) the best case means nothing: no alert.
  if lowest_share_bp > 0 and net_sales_cents > 0 then
    best_case_net_sales_cents := pipeline.closing_sales(net_sales_cents, lowest_share_bp,
      typical_final_sales_cents);
    best_case_labor_pct_bp := pipeline.labor_pct_bp(projected_labor_cost_cents,
      best_case_net_sales_cents);
  end if;
end
$$;
comment on function pipeline.project_close(bigint, bigint, bigint, bigint, bigint, bigint,
  bigint) is
  'Projected net sales, labor cost and labor % at close, and the best case (docs/projection.md).';

-- The projection state a day moves to, or null (nextProjectionState in shared/projection.ts),
-- from the best-case labor % (a day that ends under target should not be warned about):
-- none → projected past target + margin, none | projected → projected_critical past target +
-- critical margin, both once the typical share reaches the location's minimum; nothing else.
create or replace function pipeline.next_projection_state(state text,
  best_case_labor_pct_bp bigint, typical_share_bp bigint, loc public.locations)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  if best_case_labor_pct_bp is null or typical_share_bp < loc.projection_min_share_bp then
    return null;
  end if;
  if state <> 'projected_critical'
    and best_case_labor_pct_bp > loc.labor_target_bp + loc.critical_margin_bp then
    return 'projected_critical';
  end if;
  if state = 'none' and best_case_labor_pct_bp > loc.labor_target_bp + loc.projection_margin_bp
  then
    return 'projected';
  end if;
  return null;
end
$$;
comment on function pipeline.next_projection_state(text, bigint, bigint, public.locations) is
  'The projection alert rule: the state a day''s projection moves it to, or null.';

-- The hint (projectionHint in shared/projection.ts): the cost that lands on target, the
-- excess, the sales that would land it, the cut in quarter hours (rounded up) and what it
-- saves, and the last quarter hour (UTC grid) from which the cut still saves that much (now
-- itself when no quarter hour does). No cut when nothing remains or all of it is not enough.
create or replace function pipeline.projection_hint(projected_net_sales_cents bigint,
  projected_labor_cost_cents bigint, remaining_seconds bigint, remaining_cost_cents bigint,
  labor_target_bp integer, items pipeline.work_item[], now timestamptz,
  out target_cost_cents bigint, out excess_cents bigint, out sell_more_cents bigint,
  out cut_minutes bigint, out cut_possible boolean, out cut_saving_cents bigint,
  out cut_before timestamptz, out cut_now boolean)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_now_s bigint := pg_catalog.floor(extract(epoch from now))::bigint;
  v_num numeric;
  v_den numeric;
  v_t bigint;
begin
  target_cost_cents := pipeline.round_half_away(
    projected_net_sales_cents::numeric * labor_target_bp, 10000);
  excess_cents := projected_labor_cost_cents - target_cost_cents;
  sell_more_cents := pipeline.round_half_away(projected_labor_cost_cents::numeric * 10000,
    labor_target_bp) - projected_net_sales_cents;
  cut_possible := false;
  cut_now := false;
  if remaining_cost_cents = 0 then
    return;
  end if;
  v_num := excess_cents::numeric * remaining_seconds;
  v_den := remaining_cost_cents::numeric * 900;
  -- Round up (positive denominator).
  cut_minutes := 15 * (pg_catalog.div(v_num, v_den)
    + case when v_num > 0 and pg_catalog.mod(v_num, v_den) <> 0 then 1 else 0 end);
  if cut_minutes * 60 > remaining_seconds then
    return;
  end if;
  cut_possible := true;
  cut_saving_cents := pipeline.round_half_away(cut_minutes::numeric * 60 * remaining_cost_cents,
    remaining_seconds);
  select max(g.t) into v_t
  from pg_catalog.generate_series(
      (v_now_s + 899) / 900 * 900,
      greatest((v_now_s + 899) / 900 * 900,
        (select max(i.end_s) from pg_catalog.unnest(items) as i)),
      900) as g(t)
  where (select coalesce(sum(greatest(0, i.end_s - greatest(i.start_s, g.t))), 0)
    from pg_catalog.unnest(items) as i) >= cut_minutes * 60;
  cut_before := pg_catalog.to_timestamp(coalesce(v_t, v_now_s));
  cut_now := v_t is null;
end
$$;
comment on function pipeline.projection_hint(bigint, bigint, bigint, bigint, integer,
  pipeline.work_item[], timestamptz) is
  'What lands a projected day on target: cut N quarter hours before a time, or sell more.';

create table if not exists public.day_projections (
  location_id bigint not null references public.locations (id) on delete cascade,
  business_date date not null,
  -- ok | insufficient_history (fewer than 3 same weekdays) | no_typical_sales
  -- (median share <= 0) | no_schedule (no published shift for the day): only 'ok' has projected figures.
  status text not null
    check (status in ('ok', 'insufficient_history', 'no_typical_sales', 'no_schedule')),
  as_of timestamptz not null,
  slot smallint not null,
  candidate_count integer not null,
  typical_share_bp bigint,
  lowest_share_bp bigint,
  typical_final_sales_cents bigint,
  net_sales_cents bigint not null,
  labor_cost_cents bigint not null,
  remaining_seconds bigint,
  remaining_cost_cents bigint,
  remaining_overtime_premium_cents bigint,
  projected_net_sales_cents bigint,
  projected_labor_cost_cents bigint,
  projected_labor_pct_bp bigint,
  -- The close if the rest of the day sells like the busiest same weekday: what the alert reads.
  best_case_net_sales_cents bigint,
  best_case_labor_pct_bp bigint,
  -- The projection alert's state for the day, and its last alert.
  state text not null default 'none'
    check (state in ('none', 'projected', 'projected_critical')),
  last_alert_id bigint,
  updated_at timestamptz not null default now(),
  primary key (location_id, business_date)
);
comment on table public.day_projections is
  'The open day''s projected close and every input it came from, rewritten by each write of '
  'the day, and its projection alert state (docs/projection.md).';
alter table public.day_projections enable row level security;
revoke all on public.day_projections from anon, authenticated;
grant select on public.day_projections to service_role;

-- The facts of a projection as alert messages read them (camelCase: shared/alert_messages.ts
-- ProjectionFacts): status, history count, and for 'ok' the projected figures.
create or replace function pipeline.projection_json(p public.day_projections)
returns jsonb
language sql
immutable
as $$
  select pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
    'status', p.status,
    'candidateCount', p.candidate_count,
    'typicalShareBp', p.typical_share_bp,
    'remainingSeconds', p.remaining_seconds,
    'remainingCostCents', p.remaining_cost_cents,
    'remainingOvertimePremiumCents', p.remaining_overtime_premium_cents,
    'projectedNetSalesCents', p.projected_net_sales_cents,
    'projectedLaborCostCents', p.projected_labor_cost_cents,
    'projectedLaborPctBp', p.projected_labor_pct_bp,
    'bestCaseLaborPctBp', p.best_case_labor_pct_bp))
$$;
comment on function pipeline.projection_json(public.day_projections) is
  'A day projection as the alert messages read it (shared/alert_messages.ts ProjectionFacts).';

-- The hook of each write of a day (pipeline.write_daily_metrics, after public.daily_metrics is
-- written, before the over/critical alerts are evaluated): for the location's open business
-- day only, records the slot's intraday row, projects the close, and raises the projection
-- alert on a transition, from the day's public.daily_metrics row as just written. The caller
-- hands over the location and that row (it has both: reading them again cost two lookups per
-- write). A row whose every column would stay the same (the same clock: a day written twice
-- at one instant) is not written again.
create or replace function pipeline.write_projection(loc public.locations,
  m public.daily_metrics, clock timestamptz)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_slot smallint;
  v_count integer;
  v_share bigint;
  v_lowest bigint;
  v_final bigint;
  v_status text;
  v_items pipeline.work_item[];
  v_seconds bigint;
  v_cost bigint;
  v_premium bigint;
  v_proj_sales bigint;
  v_proj_cost bigint;
  v_proj_pct bigint;
  v_best_sales bigint;
  v_best_pct bigint;
  p public.day_projections%rowtype;
  v_next text;
  h record;
  v_alert bigint;
  v_from text;
begin
  if m.business_date <> pipeline.business_date_of(clock, loc.time_zone,
    loc.business_day_cutoff_hour) then
    return;
  end if;
  v_slot := pipeline.slot_of(clock, loc.time_zone, loc.business_day_cutoff_hour);
  insert into public.intraday_metrics as i (location_id, business_date, slot, net_sales_cents,
    labor_cost_cents, paid_labor_minutes, open_punch_count, recorded_at)
  values (m.location_id, m.business_date, v_slot, m.net_sales_cents, m.labor_cost_cents,
    m.paid_labor_minutes, m.open_punch_count, clock)
  on conflict (location_id, business_date, slot) do update set
    net_sales_cents = excluded.net_sales_cents,
    labor_cost_cents = excluded.labor_cost_cents,
    paid_labor_minutes = excluded.paid_labor_minutes,
    open_punch_count = excluded.open_punch_count,
    recorded_at = excluded.recorded_at
  where (i.net_sales_cents, i.labor_cost_cents, i.paid_labor_minutes, i.open_punch_count,
      i.recorded_at)
    is distinct from (excluded.net_sales_cents, excluded.labor_cost_cents,
      excluded.paid_labor_minutes, excluded.open_punch_count, excluded.recorded_at);

  select c.candidate_count, c.typical_share_bp, c.lowest_share_bp, c.typical_final_sales_cents
  into v_count, v_share, v_lowest, v_final
  from pipeline.typical_shares as c
  where c.location_id = m.location_id and c.business_date = m.business_date
    and c.slot = v_slot;
  if not found then
    select t.candidate_count, t.typical_share_bp, t.lowest_share_bp, t.typical_final_sales_cents
    into v_count, v_share, v_lowest, v_final
    from pipeline.typical_share(m.location_id, m.business_date, v_slot) as t;
    insert into pipeline.typical_shares (location_id, business_date, slot, candidate_count,
      typical_share_bp, lowest_share_bp, typical_final_sales_cents)
    values (m.location_id, m.business_date, v_slot, v_count, v_share, v_lowest, v_final)
    on conflict do nothing;
  end if;
  v_status := case
    when v_count < 3 then 'insufficient_history'
    when v_share <= 0 then 'no_typical_sales'
    when not exists (select 1 from public.scheduled_shifts as s
      where s.location_id = m.location_id and s.business_date = m.business_date)
      then 'no_schedule'
    else 'ok'
  end;
  if v_status = 'ok' then
    v_items := array(select w from pipeline.remaining_work(m.location_id, m.business_date,
      clock) as w);
    select coalesce(sum(i.end_s - i.start_s), 0),
      coalesce(pipeline.round_half_away(sum((i.end_s - i.start_s) * i.hourly_wage_cents), 3600),
        0)
    into v_seconds, v_cost
    from pg_catalog.unnest(v_items) as i;
    v_premium := pipeline.remaining_overtime_premium(loc.sevenshifts_company_id, v_items,
      clock);
    select c.projected_net_sales_cents, c.projected_labor_cost_cents, c.projected_labor_pct_bp,
      c.best_case_net_sales_cents, c.best_case_labor_pct_bp
    into v_proj_sales, v_proj_cost, v_proj_pct, v_best_sales, v_best_pct
    from pipeline.project_close(m.net_sales_cents, m.labor_cost_cents, v_share, v_lowest,
      v_final, v_cost, v_premium) as c;
  end if;

  insert into public.day_projections as d (location_id, business_date, status, as_of, slot,
    candidate_count, typical_share_bp, lowest_share_bp, typical_final_sales_cents,
    net_sales_cents, labor_cost_cents, remaining_seconds, remaining_cost_cents,
    remaining_overtime_premium_cents, projected_net_sales_cents, projected_labor_cost_cents,
    projected_labor_pct_bp, best_case_net_sales_cents, best_case_labor_pct_bp, updated_at)
  values (m.location_id, m.business_date, v_status, clock, v_slot, v_count, v_share, v_lowest,
    v_final, m.net_sales_cents, m.labor_cost_cents, v_seconds, v_cost, v_premium,
    v_proj_sales, v_proj_cost, v_proj_pct, v_best_sales, v_best_pct, pg_catalog.now())
  on conflict (location_id, business_date) do update set
    status = excluded.status,
    as_of = excluded.as_of,
    slot = excluded.slot,
    candidate_count = excluded.candidate_count,
    typical_share_bp = excluded.typical_share_bp,
    lowest_share_bp = excluded.lowest_share_bp,
    typical_final_sales_cents = excluded.typical_final_sales_cents,
    net_sales_cents = excluded.net_sales_cents,
    labor_cost_cents = excluded.labor_cost_cents,
    remaining_seconds = excluded.remaining_seconds,
    remaining_cost_cents = excluded.remaining_cost_cents,
    remaining_overtime_premium_cents = excluded.remaining_overtime_premium_cents,
    projected_net_sales_cents = excluded.projected_net_sales_cents,
    projected_labor_cost_cents = excluded.projected_labor_cost_cents,
    projected_labor_pct_bp = excluded.projected_labor_pct_bp,
    best_case_net_sales_cents = excluded.best_case_net_sales_cents,
    best_case_labor_pct_bp = excluded.best_case_labor_pct_bp,
    updated_at = excluded.updated_at
  where (d.status, d.as_of, d.slot, d.candidate_count, d.typical_share_bp, d.lowest_share_bp,
      d.typical_final_sales_cents, d.net_sales_cents, d.labor_cost_cents, d.remaining_seconds,
      d.remaining_cost_cents, d.remaining_overtime_premium_cents, d.projected_net_sales_cents,
      d.projected_labor_cost_cents, d.projected_labor_pct_bp, d.best_case_net_sales_cents,
      d.best_case_labor_pct_bp)
    is distinct from (excluded.status, excluded.as_of, excluded.slot, excluded.candidate_count,
      excluded.typical_share_bp, excluded.lowest_share_bp, excluded.typical_final_sales_cents,
      excluded.net_sales_cents, excluded.labor_cost_cents, excluded.remaining_seconds,
      excluded.remaining_cost_cents, excluded.remaining_overtime_premium_cents,
      excluded.projected_net_sales_cents, excluded.projected_labor_cost_cents,
      excluded.projected_labor_pct_bp, excluded.best_case_net_sales_cents,
      excluded.best_case_labor_pct_bp)
  returning * into p;
  if not found then
    select * into strict p from public.day_projections as d
    where d.location_id = m.location_id and d.business_date = m.business_date;
  end if;

  if v_status <> 'ok' or not loc.alerts_enabled then
    return;
  end if;
  v_next := pipeline.next_projection_state(p.state, p.best_case_labor_pct_bp,
    p.typical_share_bp, loc);
  if v_next is null then
    return;
  end if;
  select * into h from pipeline.projection_hint(p.projected_net_sales_cents,
    p.projected_labor_cost_cents, p.remaining_seconds, p.remaining_cost_cents,
    loc.labor_target_bp, v_items, clock);
  select coalesce(s.state, 'ok') into v_from from (select 1) as one
  left join public.alert_states as s
    on s.location_id = m.location_id and s.business_date = m.business_date;
  insert into public.alerts (location_id, business_date, kind, from_state, location_name,
    time_zone, labor_pct_bp, labor_target_bp, critical_threshold_bp, recovery_threshold_bp,
    net_sales_cents, labor_cost_cents, paid_labor_seconds, cplh_cents, splh_cents,
    order_count, punch_count, open_punch_count, metrics_as_of, details)
  values (m.location_id, m.business_date, 'projected', v_from, loc.name, loc.time_zone,
    m.labor_pct_bp, loc.labor_target_bp, loc.labor_target_bp + loc.critical_margin_bp,
    loc.labor_target_bp - loc.recovery_hysteresis_bp, m.net_sales_cents, m.labor_cost_cents,
    m.paid_labor_seconds, m.cplh_cents, m.splh_cents, m.order_count, m.punch_count,
    m.open_punch_count, clock,
    pg_catalog.jsonb_build_object(
      'level', case v_next when 'projected' then 'projected' else 'critical' end,
      'fromState', p.state,
      'projection', pipeline.projection_json(p),
      'projectionMarginBp', loc.projection_margin_bp,
      'hint', pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'targetCostCents', h.target_cost_cents,
        'excessCents', h.excess_cents,
        'sellMoreCents', h.sell_more_cents,
        'cutMinutes', h.cut_minutes,
        'cutPossible', h.cut_possible,
        'cutSavingCents', h.cut_saving_cents,
        'cutBefore', h.cut_before,
        'cutNow', h.cut_now))))
  returning id into v_alert;
  update public.day_projections as d
  set state = v_next, last_alert_id = v_alert
  where d.location_id = m.location_id and d.business_date = m.business_date;
end
$$;
comment on function pipeline.write_projection(public.locations, public.daily_metrics,
  timestamptz) is
  'Each write of an open day: its intraday row, its projected close and the projection alert '
  '(docs/projection.md); nothing for a closed or future day.';

-- ---------------------------------------------------------------------------------------
-- The projection on over and critical alerts
-- ---------------------------------------------------------------------------------------

alter table public.alerts add column if not exists projection jsonb;
comment on column public.alerts.projection is
  'For an over or critical alert of an open day: the day''s projection at that moment '
  '(pipeline.projection_json), for the message''s projection line.';

-- An over or critical alert of the open day carries the day's projection (or why there is
-- none). A closed day's alert carries none.
create or replace function pipeline.attach_projection()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  p public.day_projections%rowtype;
begin
  if new.kind in ('over', 'critical') then
    select * into p from public.day_projections as d
    where d.location_id = new.location_id and d.business_date = new.business_date
      and d.as_of = new.metrics_as_of;
    if found then
      new.projection := pipeline.projection_json(p);
    end if;
  end if;
  return new;
end
$$;
comment on function pipeline.attach_projection() is
  'Copies the open day''s projection onto an over or critical alert as it is raised.';

drop trigger if exists attach_projection on public.alerts;
create trigger attach_projection
  before insert on public.alerts
  for each row execute function pipeline.attach_projection();

-- ---------------------------------------------------------------------------------------
-- Retention
-- ---------------------------------------------------------------------------------------

-- Deletes intraday rows, cached shares and projections older than 70 days (10 weeks: the 8
-- same weekdays the typical share reads, plus a margin) by the clock. Returns rows deleted.
create or replace function pipeline.prune_intraday_history()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_cutoff date := (pipeline.current_clock() at time zone 'UTC')::date - 70;
  v_rows bigint;
  v_more bigint;
begin
  delete from public.intraday_metrics as i where i.business_date < v_cutoff;
  get diagnostics v_rows = row_count;
  delete from pipeline.typical_shares as c where c.business_date < v_cutoff;
  get diagnostics v_more = row_count;
  v_rows := v_rows + v_more;
  delete from public.day_projections as d where d.business_date < v_cutoff;
  get diagnostics v_more = row_count;
  return v_rows + v_more;
end
$$;
comment on function pipeline.prune_intraday_history() is
  'Deletes intraday history, cached typical shares and projections older than 70 days.';

-- Daily on pg_cron (Supabase) or the local stack's compatible scheduler.
do $$
begin
  if pg_catalog.to_regnamespace('cron') is not null then
    perform cron.schedule('pipeline-prune-intraday-history', '23 4 * * *',
      'select pipeline.prune_intraday_history()');
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------------------

revoke execute on function
  pipeline.slot_of(timestamptz, text, smallint),
  pipeline.typical_share(bigint, date, smallint),
  pipeline.remaining_work(bigint, date, timestamptz),
  pipeline.overtime_premium_total(pipeline.overtime_entry[], boolean, bigint[], integer[],
    bigint, integer),
  pipeline.remaining_overtime_premium(bigint, pipeline.work_item[], timestamptz),
  pipeline.closing_sales(bigint, bigint, bigint),
  pipeline.project_close(bigint, bigint, bigint, bigint, bigint, bigint, bigint),
  pipeline.next_projection_state(text, bigint, bigint, public.locations),
  pipeline.projection_hint(bigint, bigint, bigint, bigint, integer, pipeline.work_item[],
    timestamptz),
  pipeline.projection_json(public.day_projections),
  pipeline.write_projection(public.locations, public.daily_metrics, timestamptz),
  pipeline.attach_projection(),
  pipeline.prune_intraday_history()
from public, anon, authenticated;
