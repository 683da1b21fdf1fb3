-- Overtime (issue 18): the SQL mirror of shared/overtime.ts, read by the daily recompute
-- (pipeline.write_daily_metrics, 20261128000300_metrics.sql) so that labor cost includes the
-- overtime premium, as payroll does. Per employee and workweek of their company (the policy in
-- public.company_settings, 20261129000200_staff.sql), paid seconds in clock order across every
-- location; daily tiers first, then the weekly threshold on straight time; the premium rounded
-- once per punch. tests/metrics/overtime_parity_test.ts holds the two definitions together.

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '60s';

-- A company's overtime policy: its public.company_settings row, or the federal rule (weeks from
-- Monday 00:00, over 40 hours at 150 %) in the zone of its first location (UTC without one).
create or replace function pipeline.overtime_policy(
  company_id bigint,
  out enabled boolean,
  out time_zone text,
  out start_iso_day smallint,
  out start_hour smallint,
  out weekly_seconds bigint,
  out weekly_pct integer,
  out tier_seconds bigint[],
  out tier_pct integer[],
  out warning_minutes integer
)
language plpgsql
stable
security definer
set search_path = ''
as $$
-- plpgsql, so its queries are planned once per session (a SQL function with a SET clause is
-- planned again on every call, and this one is called for every punch written).
#variable_conflict use_column
declare
  c public.company_settings;
begin
  select * into c from public.company_settings as s
  where s.sevenshifts_company_id = overtime_policy.company_id;
  enabled := coalesce(c.overtime_enabled, true);
  time_zone := c.overtime_time_zone;
  if time_zone is null then
    -- The company's locations first (by its index), then the first of them: asked for the
    -- first by id directly, the planner may walk the whole primary key in id order filtering
    -- on the company, and every punch of the newest company read every location there is
    -- (the ingest grew slower with each location added: bench/README.md, "Where the tail goes").
    with company_locations as materialized (
      select l.id, l.time_zone from public.locations as l
      where l.sevenshifts_company_id = overtime_policy.company_id
    )
    select c.time_zone into time_zone from company_locations as c order by c.id limit 1;
  end if;
  time_zone := coalesce(time_zone, 'UTC');
  start_iso_day := coalesce(c.workweek_start_iso_day, 1::smallint);
  start_hour := coalesce(c.workweek_start_hour, 0::smallint);
  weekly_seconds := case when c.sevenshifts_company_id is null then 144000
    else c.weekly_overtime_minutes::bigint * 60 end;
  weekly_pct := coalesce(c.weekly_overtime_multiplier_pct, 150);
  tier_seconds := coalesce((select pg_catalog.array_agg(m::bigint * 60 order by o)
    from pg_catalog.unnest(c.daily_overtime_minutes) with ordinality as u(m, o)), '{}');
  tier_pct := coalesce(c.daily_overtime_multiplier_pct::integer[], '{}');
  warning_minutes := coalesce(c.overtime_warning_minutes, 60);
end
$$;
comment on function pipeline.overtime_policy(bigint) is
  'A 7shifts company''s overtime policy (public.company_settings, else federal: Monday weeks, '
  'over 40 h at 150 %, in the zone of its first location).';

-- The first workday of the workweek a workday belongs to.
create or replace function pipeline.workweek_of(workday date, start_iso_day smallint)
returns date
language sql
immutable
parallel safe
as $$
  select workday - ((extract(isodow from workday)::integer - start_iso_day + 7) % 7)
$$;

-- What lies past a threshold: of `seconds` starting at `start` on an axis, how many are past
-- `threshold` (pastThreshold in shared/overtime.ts). Never give it a null threshold: greatest
-- and least skip nulls.
create or replace function pipeline.seconds_past(start numeric, seconds numeric, threshold numeric)
returns numeric
language sql
immutable
parallel safe
as $$
  select greatest(0, least(seconds, start + seconds - threshold))
$$;

-- The overtime of each punch, kept per employee workweek: refreshed whenever a punch of that
-- week changes (pipeline.queue_metric_days) or, for a day with someone on the clock, when the
-- day is recomputed (its open punches accrue), so a day's recompute reads its punches' overtime
-- instead of working out every employee's week, and only the days whose overtime really moved
-- are recomputed.
create table if not exists pipeline.punch_overtime (
  punch_id bigint primary key,
  company_id bigint not null,
  user_id bigint not null,
  workweek date not null,
  location_id bigint not null,
  business_date date not null,
  overtime_seconds bigint not null,
  premium_cents bigint not null
);
create index if not exists punch_overtime_week
  on pipeline.punch_overtime (company_id, user_id, workweek);
revoke all on pipeline.punch_overtime from public, anon, authenticated;
comment on table pipeline.punch_overtime is
  'Overtime seconds and premium of each punch, per employee workweek (shared/overtime.ts), '
  'refreshed when a punch of the week changes.';

-- Works out again the overtime of every punch in the workweeks of these employees' punches
-- (punchOvertime in shared/overtime.ts) at the clock `as_of`, and keeps it in
-- pipeline.punch_overtime. Per employee and workweek of their company, every punch (any
-- location) in clock order; seconds of a workday past a daily tier carry its rate, straight-time
-- seconds of the workweek past the weekly threshold the weekly rate; the premium is rounded once
-- per punch. Returns the days whose punches' overtime changed (or that lost a punch of the
-- week): exactly the days to recompute (a day may come twice). The arrays are parallel: company,
-- user and clock-in of each changed punch (built by one aggregate query, so they line up).
--
-- One query per workweek (a delivery changes one), its employee, week and policy as scalar
-- arguments: its generic plan reads the week's punches and overtime rows through their indexes
-- whatever the statistics, so it is planned once per session. One query for all the weeks at
-- once, reading them from the arrays, was planned again on every call (custom plans), and its
-- generic plan scanned whole tables.
create or replace function pipeline.refresh_overtime_weeks(
  company_ids bigint[],
  user_ids bigint[],
  clocked_in timestamptz[],
  as_of timestamptz
)
returns table (location_id bigint, business_date date)
language plpgsql
security definer
set search_path = ''
-- Planned once per session (the generic plan, whatever the arguments): left to choose, the plan
-- cache plans a query again on every call once statistics exist, since today's rows, newer than
-- any statistics, make each custom plan look cheaper than the generic one (~0.5-2 ms a call,
-- npm run bench:hot-path -- --statements). On indexes, as pipeline.write_daily_metrics says
-- why: every read here is of one employee's week.
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  v_one boolean := pg_catalog.cardinality(refresh_overtime_weeks.company_ids) = 1;
  v_companies bigint[];
  v_company bigint;
  pol record;
  v_users bigint[];
  v_weeks date[];
  i integer;
  v_user bigint;
  v_week date;
begin
  if refresh_overtime_weeks.company_ids is null
    or pg_catalog.cardinality(refresh_overtime_weeks.company_ids) = 0 then
    return;
  end if;
  -- The companies, and below each one's employees and workweeks, distinct and in order (the
  -- order the rows are written in). One changed punch (a delivery) is its own list: no query.
  if v_one then
    if refresh_overtime_weeks.user_ids[1] is null then
      return;
    end if;
    v_companies := refresh_overtime_weeks.company_ids;
  else
    v_companies := array(
      select distinct c.company_id
      from rows from (pg_catalog.unnest(refresh_overtime_weeks.company_ids),
        pg_catalog.unnest(refresh_overtime_weeks.user_ids)) as c(company_id, user_id)
      where c.user_id is not null
      order by 1);
  end if;
  foreach v_company in array v_companies loop
    select * into pol from pipeline.overtime_policy(v_company);
    if v_one then
      v_users := refresh_overtime_weeks.user_ids;
      v_weeks := array[pipeline.workweek_of(pipeline.business_date_of(
        refresh_overtime_weeks.clocked_in[1], pol.time_zone, pol.start_hour), pol.start_iso_day)];
    else
      select pg_catalog.array_agg(w.user_id order by w.user_id, w.workweek),
        pg_catalog.array_agg(w.workweek order by w.user_id, w.workweek)
      into v_users, v_weeks
      from (
        select distinct c.user_id,
          pipeline.workweek_of(pipeline.business_date_of(c.clocked_in_at, pol.time_zone,
            pol.start_hour), pol.start_iso_day) as workweek
        from rows from (pg_catalog.unnest(refresh_overtime_weeks.company_ids),
          pg_catalog.unnest(refresh_overtime_weeks.user_ids),
          pg_catalog.unnest(refresh_overtime_weeks.clocked_in)) as c(company_id, user_id,
            clocked_in_at)
        where c.company_id = v_company and c.user_id is not null
      ) as w;
    end if;
    for i in 1 .. coalesce(pg_catalog.cardinality(v_users), 0) loop
      v_user := v_users[i];
      v_week := v_weeks[i];
      return query
      with week_punches as (
        select p.sevenshifts_punch_id as punch_id, p.location_id, p.business_date,
          p.hourly_wage_cents as wage,
          pg_catalog.floor(extract(epoch from p.clocked_in_at)) as clock_s,
          pipeline.business_date_of(p.clocked_in_at, pol.time_zone, pol.start_hour) as workday,
          pipeline.punch_paid_seconds(p.clocked_in_at, p.clocked_out_at, p.unpaid_break_seconds,
            p.paid_seconds, refresh_overtime_weeks.as_of, pipeline.max_open_shift_seconds())
            as paid
        from public.punches as p
        where p.sevenshifts_company_id = v_company
          and p.user_id = v_user
          -- A superset of the week on the index, whatever the zone and DST; filtered exactly
          -- below.
          and p.clocked_in_at >= (v_week - 2)::timestamp at time zone 'UTC'
          and p.clocked_in_at < (v_week + 9)::timestamp at time zone 'UTC'
          and not p.deleted
          and p.location_id is not null
          and pipeline.workweek_of(pipeline.business_date_of(p.clocked_in_at, pol.time_zone,
            pol.start_hour), pol.start_iso_day) = v_week
      ),
      by_day as (
        select k.*,
          coalesce(pg_catalog.sum(k.paid) over (partition by k.workday
            order by k.clock_s, k.punch_id rows between unbounded preceding and 1 preceding), 0)
            as day_before
        from week_punches as k
      ),
      daily as (
        select b.*, t.daily_seconds, t.daily_pct_seconds
        from by_day as b,
          lateral (
            select coalesce(pg_catalog.sum(x.in_tier), 0) as daily_seconds,
              coalesce(pg_catalog.sum(x.in_tier * (x.pct - 100)), 0) as daily_pct_seconds
            from (
              select pipeline.seconds_past(b.day_before, b.paid, u.threshold)
                  - pipeline.seconds_past(b.day_before, b.paid, pg_catalog.lead(u.threshold, 1,
                      -- Past the last tier nothing lies beyond: a threshold nothing reaches.
                      (b.day_before + b.paid + 1)::bigint) over (order by u.ord)) as in_tier,
                u.pct
              from rows from (pg_catalog.unnest(pol.tier_seconds),
                pg_catalog.unnest(pol.tier_pct)) with ordinality as u(threshold, pct, ord)
              where pol.enabled
            ) as x
          ) as t
      ),
      by_week as (
        select d.*, d.paid - d.daily_seconds as straight,
          coalesce(pg_catalog.sum(d.paid - d.daily_seconds) over (order by d.clock_s,
            d.punch_id rows between unbounded preceding and 1 preceding), 0) as week_before
        from daily as d
      ),
      priced as materialized (
        select w.punch_id, w.location_id, w.business_date,
          (w.daily_seconds + v.weekly)::bigint as overtime_seconds,
          pipeline.round_half_away((w.daily_pct_seconds + v.weekly * (pol.weekly_pct - 100))
            * w.wage, 360000)::bigint as premium_cents
        from by_week as w,
          lateral (
            select case when pol.enabled and pol.weekly_seconds is not null
              then pipeline.seconds_past(w.week_before, w.straight, pol.weekly_seconds) else 0
              end as weekly
          ) as v
      ),
      upserted as (
        insert into pipeline.punch_overtime as o (punch_id, company_id, user_id, workweek,
          location_id, business_date, overtime_seconds, premium_cents)
        select p.punch_id, v_company, v_user, v_week, p.location_id, p.business_date,
          p.overtime_seconds, p.premium_cents
        from priced as p
        -- Only rows that change: ON CONFLICT locks (and so writes) every row it meets, even
        -- one its WHERE then leaves alone.
        left join pipeline.punch_overtime as x on x.punch_id = p.punch_id
        where (x.company_id, x.user_id, x.workweek, x.location_id, x.business_date,
            x.overtime_seconds, x.premium_cents)
          is distinct from (v_company, v_user, v_week, p.location_id,
            p.business_date, p.overtime_seconds, p.premium_cents)
        on conflict (punch_id) do update set
          company_id = excluded.company_id,
          user_id = excluded.user_id,
          workweek = excluded.workweek,
          location_id = excluded.location_id,
          business_date = excluded.business_date,
          overtime_seconds = excluded.overtime_seconds,
          premium_cents = excluded.premium_cents
        where (o.company_id, o.user_id, o.workweek, o.location_id, o.business_date,
            o.overtime_seconds, o.premium_cents)
          is distinct from (excluded.company_id, excluded.user_id, excluded.workweek,
            excluded.location_id, excluded.business_date, excluded.overtime_seconds,
            excluded.premium_cents)
        returning o.location_id, o.business_date
      ),
      -- Punches no longer in this week (deleted, moved, held): their rows go.
      removed as (
        delete from pipeline.punch_overtime as o
        where o.company_id = v_company and o.user_id = v_user and o.workweek = v_week
          and not exists (select 1 from priced as p where p.punch_id = o.punch_id)
        returning o.location_id, o.business_date
      )
      select u.location_id, u.business_date from upserted as u
      union
      select r.location_id, r.business_date from removed as r;
    end loop;
  end loop;
end
$$;
comment on function pipeline.refresh_overtime_weeks(bigint[], bigint[], timestamptz[],
  timestamptz) is
  'Works out again the overtime of every punch in these employees'' workweeks '
  '(pipeline.punch_overtime); returns the days whose overtime moved.';

-- A company's policy changed (or was set): the overtime of its punches of the last two weeks
-- (the current and the previous workweek, whatever their first day) is worked out again under
-- it, and the days that moved are recomputed. Older history keeps the figures it had.
create or replace function pipeline.apply_overtime_policy()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into pipeline.pending_metric_days (location_id, business_date)
  select d.location_id, d.business_date
  from (
      select pg_catalog.array_agg(p.sevenshifts_company_id order by p.sevenshifts_punch_id) as c,
        pg_catalog.array_agg(p.user_id order by p.sevenshifts_punch_id) as u,
        pg_catalog.array_agg(p.clocked_in_at order by p.sevenshifts_punch_id) as t
      from public.punches as p
      where p.sevenshifts_company_id = new.sevenshifts_company_id
        and p.user_id is not null and not p.deleted and p.location_id is not null
        and p.clocked_in_at > pipeline.current_clock() - interval '15 days'
    ) as a,
    lateral pipeline.refresh_overtime_weeks(a.c, a.u, a.t, pipeline.current_clock()) as d
  on conflict do nothing;
  return null;
end
$$;
comment on function pipeline.apply_overtime_policy() is
  'Applies a changed overtime policy to the company''s current and previous workweek.';

drop trigger if exists apply_overtime_policy on public.company_settings;
create trigger apply_overtime_policy
  after insert or update on public.company_settings
  for each row execute function pipeline.apply_overtime_policy();

-- ---------------------------------------------------------------------------------------
-- Overtime ahead: the warning that someone on the clock is about to reach overtime
-- ---------------------------------------------------------------------------------------

-- Once per employee and crossing: the workweek's weekly threshold, or a workday's daily tier.
create table if not exists pipeline.overtime_warnings (
  company_id bigint not null,
  user_id bigint not null,
  -- '<workweek>:weekly' or '<workday>:daily:<threshold seconds>'.
  crossing text not null,
  alert_id bigint,
  created_at timestamptz not null default now(),
  primary key (company_id, user_id, crossing)
);
revoke all on pipeline.overtime_warnings from public, anon, authenticated;
comment on table pipeline.overtime_warnings is
  'Approaching-overtime warnings sent: one per employee and crossing (weekly or a daily tier).';

-- When the open punch `open_punch_id` of this employee will cross its next overtime threshold
-- if they stay on (nextOvertimeCrossing in shared/overtime.ts), at the clock `as_of`: the nearest
-- of the workday's next daily tier and, while no daily tier has claimed the hours, the week's
-- straight-time threshold (the higher rate when both fall together). No row when the policy is
-- off, nothing is ahead, or the punch is not the employee's last of its workweek.
create or replace function pipeline.overtime_crossing(
  company_id bigint,
  user_id bigint,
  open_punch_id bigint,
  as_of timestamptz,
  max_open_shift_seconds integer
)
returns table (
  rule text,
  threshold_seconds bigint,
  multiplier_pct integer,
  current_multiplier_pct integer,
  seconds_to_go bigint,
  week_paid_seconds bigint,
  workweek date,
  workday date
)
language plpgsql
stable
security definer
set search_path = ''
-- Its query planned once per session and on indexes, as pipeline.refresh_overtime_weeks says
-- why.
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  pol record;
  v_open public.punches;
  v_workday date;
  v_workweek date;
  v_first numeric;
  r record;
  v_last bigint;
  v_cur date;
  v_acc numeric := 0;
  v_day numeric := 0;
  v_straight numeric := 0;
  v_week numeric := 0;
  v_current integer := 100;
  v_tier integer;
  v_daily_go numeric;
  v_weekly_go numeric;
begin
  select * into pol from pipeline.overtime_policy(overtime_crossing.company_id);
  select * into v_open from public.punches as p
  where p.sevenshifts_punch_id = overtime_crossing.open_punch_id
    and p.sevenshifts_company_id = overtime_crossing.company_id
    and p.user_id = overtime_crossing.user_id
    and not p.deleted and p.location_id is not null;
  if not found or not pol.enabled then
    return;
  end if;
  v_workday := pipeline.business_date_of(v_open.clocked_in_at, pol.time_zone, pol.start_hour);
  v_workweek := pipeline.workweek_of(v_workday, pol.start_iso_day);
  v_first := pol.tier_seconds[1];
  for r in
    select p.sevenshifts_punch_id as id,
      pipeline.business_date_of(p.clocked_in_at, pol.time_zone, pol.start_hour) as workday,
      pipeline.punch_paid_seconds(p.clocked_in_at, p.clocked_out_at, p.unpaid_break_seconds,
        p.paid_seconds, overtime_crossing.as_of, overtime_crossing.max_open_shift_seconds)
        as paid
    from public.punches as p
    where p.sevenshifts_company_id = overtime_crossing.company_id
      and p.user_id = overtime_crossing.user_id
      and p.clocked_in_at >= (v_workweek - 2)::timestamp at time zone 'UTC'
      and p.clocked_in_at < (v_workweek + 9)::timestamp at time zone 'UTC'
      and not p.deleted
      and p.location_id is not null
      and pipeline.workweek_of(pipeline.business_date_of(p.clocked_in_at, pol.time_zone,
        pol.start_hour), pol.start_iso_day) = v_workweek
    order by pg_catalog.floor(extract(epoch from p.clocked_in_at)), p.sevenshifts_punch_id
  loop
    -- Workdays come in clock order, so each one's hours are one running sum.
    if r.workday is distinct from v_cur then
      v_cur := r.workday;
      v_acc := 0;
    end if;
    v_straight := v_straight + r.paid
      - case when v_first is null then 0 else pipeline.seconds_past(v_acc, r.paid, v_first) end;
    v_acc := v_acc + r.paid;
    if r.workday = v_workday then
      v_day := v_acc;
    end if;
    v_week := v_week + r.paid;
    v_last := r.id;
  end loop;
  if v_last is distinct from overtime_crossing.open_punch_id then
    return;
  end if;
  -- The rate now: the highest daily tier reached, else weekly once past its threshold.
  for v_tier in 1 .. coalesce(pg_catalog.cardinality(pol.tier_seconds), 0) loop
    if v_day >= pol.tier_seconds[v_tier] then
      v_current := pol.tier_pct[v_tier];
    end if;
  end loop;
  if v_current = 100 and pol.weekly_seconds is not null and v_straight >= pol.weekly_seconds then
    v_current := pol.weekly_pct;
  end if;
  -- The next daily tier, and the weekly threshold while straight time still accrues.
  v_tier := null;
  for i in 1 .. coalesce(pg_catalog.cardinality(pol.tier_seconds), 0) loop
    if pol.tier_seconds[i] > v_day then
      v_tier := i;
      exit;
    end if;
  end loop;
  v_daily_go := case when v_tier is not null then pol.tier_seconds[v_tier] - v_day end;
  v_weekly_go := case
    when pol.weekly_seconds is not null and (v_first is null or v_day < v_first)
      and v_straight < pol.weekly_seconds
    then pol.weekly_seconds - v_straight
  end;
  if v_daily_go is null and v_weekly_go is null then
    return;
  end if;
  if v_weekly_go is null or (v_daily_go is not null and (v_daily_go < v_weekly_go
    or (v_daily_go = v_weekly_go and pol.tier_pct[v_tier] >= pol.weekly_pct))) then
    return query select 'daily'::text, pol.tier_seconds[v_tier], pol.tier_pct[v_tier], v_current,
      v_daily_go::bigint, v_week::bigint, v_workweek, v_workday;
  else
    return query select 'weekly'::text, pol.weekly_seconds, pol.weekly_pct, v_current,
      v_weekly_go::bigint, v_week::bigint, v_workweek, v_workday;
  end if;
end
$$;
comment on function pipeline.overtime_crossing(bigint, bigint, bigint, timestamptz, integer) is
  'When an open punch will cross its next overtime threshold if the employee stays on '
  '(shared/overtime.ts nextOvertimeCrossing).';

-- Warns the location's channels, once per employee and crossing, when someone on the clock on
-- this (current, open) business day will reach overtime within their company's warning time
-- (default 60 minutes) if they stay on: an 'overtime' row in the alerts outbox, delivered like
-- any alert. Run by write_daily_metrics after each recompute (every change, and the 5-minute
-- open-day job), so the warning comes within 5 minutes of being due.
create or replace function pipeline.warn_overtime(
  location_id bigint,
  business_date date,
  as_of timestamptz
)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_loc public.locations;
  o record;
  pol record;
  c record;
  m public.daily_metrics;
  v_state text;
  v_key text;
  v_alert bigint;
  v_warned integer := 0;
  v_policy_company bigint;
begin
  select * into v_loc from public.locations as l where l.id = warn_overtime.location_id;
  if not found or not v_loc.alerts_enabled
    or warn_overtime.business_date <> pipeline.business_date_of(warn_overtime.as_of,
      v_loc.time_zone, v_loc.business_day_cutoff_hour) then
    return 0;
  end if;
  for o in
    select p.sevenshifts_punch_id, p.sevenshifts_company_id, p.user_id, p.hourly_wage_cents
    from public.punches as p
    where p.location_id = warn_overtime.location_id
      and p.business_date = warn_overtime.business_date
      and p.clocked_out_at is null
      and not p.deleted
      and p.user_id is not null
    order by p.sevenshifts_punch_id
  loop
    -- One policy read per company (a location's punches are one company's).
    if o.sevenshifts_company_id is distinct from v_policy_company then
      select * into pol from pipeline.overtime_policy(o.sevenshifts_company_id);
      v_policy_company := o.sevenshifts_company_id;
    end if;
    if pol.warning_minutes = 0 then
      continue;
    end if;
    select * into c from pipeline.overtime_crossing(o.sevenshifts_company_id, o.user_id,
      o.sevenshifts_punch_id, warn_overtime.as_of, pipeline.max_open_shift_seconds());
    if c.rule is null or c.seconds_to_go > pol.warning_minutes * 60 then
      continue;
    end if;
    v_key := case c.rule
      when 'weekly' then c.workweek::text || ':weekly'
      else c.workday::text || ':daily:' || c.threshold_seconds::text
    end;
    insert into pipeline.overtime_warnings (company_id, user_id, crossing)
    values (o.sevenshifts_company_id, o.user_id, v_key)
    on conflict do nothing;
    if not found then
      continue;
    end if;
    select * into strict m from public.daily_metrics as x
    where x.location_id = warn_overtime.location_id
      and x.business_date = warn_overtime.business_date;
    select coalesce(s.state, 'ok') into v_state from (select 1) as one
    left join public.alert_states as s
      on s.location_id = warn_overtime.location_id
        and s.business_date = warn_overtime.business_date;
    insert into public.alerts (location_id, business_date, kind, from_state, location_name,
      time_zone, labor_pct_bp, labor_target_bp, critical_threshold_bp, recovery_threshold_bp,
      net_sales_cents, labor_cost_cents, paid_labor_seconds, cplh_cents, splh_cents,
      order_count, punch_count, open_punch_count, metrics_as_of, details)
    values (v_loc.id, warn_overtime.business_date, 'overtime', v_state, v_loc.name,
      v_loc.time_zone, m.labor_pct_bp, v_loc.labor_target_bp,
      v_loc.labor_target_bp + v_loc.critical_margin_bp,
      v_loc.labor_target_bp - v_loc.recovery_hysteresis_bp, m.net_sales_cents,
      m.labor_cost_cents, m.paid_labor_seconds, m.cplh_cents, m.splh_cents, m.order_count,
      m.punch_count, m.open_punch_count, warn_overtime.as_of,
      pg_catalog.jsonb_build_object(
        'userId', o.user_id,
        'employeeName', pipeline.staff_display_name(o.sevenshifts_company_id, o.user_id),
        'rule', c.rule,
        'thresholdSeconds', c.threshold_seconds,
        'multiplierPct', c.multiplier_pct,
        'currentMultiplierPct', c.current_multiplier_pct,
        'startsAt', warn_overtime.as_of + pg_catalog.make_interval(secs => c.seconds_to_go),
        'weekPaidSeconds', c.week_paid_seconds,
        'hourlyWageCents', o.hourly_wage_cents::text))
    returning id into v_alert;
    update pipeline.overtime_warnings as w set alert_id = v_alert
    where w.company_id = o.sevenshifts_company_id and w.user_id = o.user_id
      and w.crossing = v_key;
    v_warned := v_warned + 1;
  end loop;
  return v_warned;
end
$$;
comment on function pipeline.warn_overtime(bigint, date, timestamptz) is
  'Puts an overtime warning in the outbox, once per employee and crossing, for anyone on the '
  'clock on the current business day who will reach overtime within the warning time.';

revoke all on function pipeline.overtime_policy(bigint),
  pipeline.overtime_crossing(bigint, bigint, bigint, timestamptz, integer),
  pipeline.warn_overtime(bigint, date, timestamptz),
  pipeline.refresh_overtime_weeks(bigint[], bigint[], timestamptz[], timestamptz),
  pipeline.apply_overtime_policy()
  from public, anon, authenticated;
grant execute on function pipeline.overtime_policy(bigint),
  pipeline.overtime_crossing(bigint, bigint, bigint, timestamptz, integer) to service_role;
