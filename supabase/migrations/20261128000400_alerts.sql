-- Alerts: the per-day alert state machine, the alerts outbox with its delivery bookkeeping,
-- the database webhook that wakes the alert-notifier function, and the sweep that re-wakes it
-- for whatever is still due (pg_net sends at most once; the outbox makes delivery reliable).
--
-- State per (location, business day):  ok ─▶ over ─▶ critical
--                                       │      │        │
--                                       └──────┴────────┴─▶ recovered ─▶ over | critical …
-- * over:      labor % > labor_target_bp
-- * critical:  labor % > labor_target_bp + critical_margin_bp   (ok straight to critical is one
--              critical alert; critical stays critical while labor % hovers above target, so
--              re-crossing a level the same day inserts nothing)
-- * recovered: labor % <= labor_target_bp - recovery_hysteresis_bp while the day is open; on a
--              closed day the line is the target itself (its figures move only by late
--              corrections, so there is nothing to flap): a closed day that ends under target
--              after an alert gets a recovery notice.
-- * A recovered day that goes over again starts a new episode and alerts again: after a
--   "back on target" message, silence would mislead. It re-arms only once labor % is above
--   target + hysteresis, so figures hovering around the target cannot flap.
-- * No over/critical alert while the day's net sales are under alert_min_net_sales_cents
--   (default $500.00): 100 % labor at 7 am is not news.
--
-- Open day and closed day. The location's current business day (by pipeline.current_clock) is
-- live: each recompute is judged at once and each transition inserts exactly one row into
-- public.alerts, in the transaction of the recompute that caused it
-- (pipeline.write_daily_metrics, 20261128000300_metrics.sql). An earlier day is closed: its
-- figures change only by late data, a backfill or a replay, whose intermediate states are not
-- news (a replayed morning with half its orders in is not "labor 220 %"). So a recompute of a
-- closed day only records its figures, and pipeline.judge_closed_days (pg_cron, every minute)
-- judges them once they have been still for 10 minutes: the same rule, applied once, with at
-- most ONE notice per closed day ever (over/critical if it ends over target with no alert
-- yet, recovered if it ends under target after one, critical if an over day ends critical).
-- Later corrections are judged again but send nothing more. A new episode only starts on the
-- previous business day, never older history (a 90-day backfill alerts on nothing); an open
-- episode on an older day still gets its one closing notice. A closed day that a vendor sync's
-- history backfill brought in is marked quiet (alert_states.quiet): it is never judged at all,
-- not even once.
--
-- Besides the state machine's transitions the outbox carries two other kinds: 'sync', the notice
-- a vendor sync sends when it found data the webhooks missed (20261129000100_vendor_sync.sql),
-- and 'overtime', the warning that an employee on the clock is about to reach overtime
-- (20261129000300_overtime.sql), and 'flash', the morning summary of yesterday for one channel
-- (20261130000300_flash.sql); they go through the same delivery and never change a day's alert
-- state.
--
-- Quiet hours (20261130000300_flash.sql): an alert inserted while its location's local time
-- (pipeline.current_clock) is inside the location's quiet hours is stored with status 'held'
-- unless it is critical (kind 'critical', or details.level 'critical', as the projection alert's
-- escalation). A held alert is never claimed (pipeline.claim_* take only pending and sending
-- rows) and wakes no notifier (the database webhook fires for pending rows only); the location's
-- next morning flash lists it, and it ends 'flashed' once every channel of its location has.

-- Delivery: an AFTER INSERT trigger posts the Supabase Database Webhook body to
-- <functions_base_url>/alert-notifier, signed with the alert webhook secret (both read at run
-- time from Vault, or from pipeline.runtime_settings where there is no Vault; never in this
-- file); the request carries no secret. The same signed post (pipeline.post_signed_to_function)
-- wakes the vendor-sync function. The notifier claims
-- alerts with a lease (FOR UPDATE SKIP LOCKED), one location's alerts strictly in creation
-- order, records every attempt, and marks an alert sent only after the channel's 2xx.

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '120s';

-- HMAC for the webhook's signature. Supabase has pgcrypto in `extensions` on every project;
-- elsewhere it is trusted, so the database owner may create it.
create schema if not exists extensions;
create extension if not exists pgcrypto with schema extensions;

-- ---------------------------------------------------------------------------------------
-- Runtime configuration (functions_base_url, alert_webhook_secret)
-- ---------------------------------------------------------------------------------------

-- Settings of a database without Vault. Where Vault exists (Supabase, and the local stack's
-- stand-in) the same keys live there (vault.decrypted_secrets).
create table if not exists pipeline.runtime_settings (
  key text primary key check (key ~ '^[a-z][a-z0-9_]{0,62}$'),
  value text not null,
  updated_at timestamptz not null default now()
);
revoke all on pipeline.runtime_settings from public, anon, authenticated, service_role;

-- Stores a setting: in Vault when the project has it (so the dashboard shows one place),
-- otherwise in pipeline.runtime_settings.
create or replace function pipeline.set_runtime_config(key text, value text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_key text := set_runtime_config.key;
  v_value text := set_runtime_config.value;
  v_secret_id uuid;
begin
  if v_key is null or v_key !~ '^[a-z][a-z0-9_]{0,62}$' then
    raise exception 'runtime setting names are lower_snake_case, got %', v_key
      using errcode = '22023';
  end if;
  if v_value is null or v_value = '' then
    raise exception 'runtime setting % needs a value', v_key using errcode = '22023';
  end if;
  if v_key = 'functions_base_url' and v_value !~ '^https?://[^\s]+$' then
    raise exception 'functions_base_url must be an http(s) URL' using errcode = '22023';
  end if;

  if pg_catalog.to_regclass('vault.secrets') is not null and exists (
    select 1 from pg_catalog.pg_proc as p
    join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
    where n.nspname = 'vault' and p.proname in ('create_secret', 'update_secret')
    having count(distinct p.proname) = 2
  ) then
    -- Dynamic SQL: the vault schema does not exist everywhere.
    execute 'select id from vault.secrets where name = $1' into v_secret_id using v_key;
    if v_secret_id is null then
      execute 'select vault.create_secret($1, $2, $3)'
        using v_value, v_key, 'labor-pulse runtime setting';
    else
      execute 'select vault.update_secret($1, $2)' using v_secret_id, v_value;
    end if;
    -- One source of truth: a stale local copy could otherwise surface if Vault is dropped.
    delete from pipeline.runtime_settings as s where s.key = v_key;
  else
    insert into pipeline.runtime_settings as s (key, value, updated_at)
    values (v_key, v_value, pg_catalog.now())
    on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at;
  end if;
end
$$;

-- Reads a setting: Vault first (by secret name), then pipeline.runtime_settings; null when
-- neither has it.
create or replace function pipeline.runtime_config(key text)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_value text;
begin
  if pg_catalog.to_regclass('vault.decrypted_secrets') is not null then
    begin
      execute 'select decrypted_secret from vault.decrypted_secrets where name = $1 limit 1'
        into v_value using runtime_config.key;
    exception when others then
      -- Vault present but unreadable (permissions, key missing): fall back, never fail a
      -- recompute over it.
      v_value := null;
    end;
    if v_value is not null then
      return v_value;
    end if;
  end if;
  select s.value into v_value from pipeline.runtime_settings as s where s.key = runtime_config.key;
  return v_value;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------

-- The alert state of each location's business day. A row appears the first time the day is
-- evaluated with a labor %, and records the last figures seen and how far a closed day's
-- figures have been judged.
create table if not exists public.alert_states (
  location_id bigint not null references public.locations (id) on delete cascade,
  business_date date not null,
  state text not null default 'ok' check (state in ('ok', 'over', 'critical', 'recovered')),
  last_alert_id bigint,
  alert_count integer not null default 0,
  -- A closed day that a history backfill pulled in (pipeline.start_sync_run): history, never
  -- alerted on, whatever its figures do later.
  quiet boolean not null default false,
  last_labor_pct_bp bigint,
  last_net_sales_cents bigint,
  -- Bumped whenever labor % or net sales change, and when (clock_timestamp: after any judge
  -- that could not see the change); a closed day is due for judging while judged_version is
  -- behind, once its figures have been still for the quiet period.
  figures_version bigint not null default 0,
  figures_changed_at timestamptz not null default now(),
  judged_version bigint not null default 0,
  judged_at timestamptz,
  -- The one notice a closed day may get (pipeline.judge_closed_days).
  closed_notice_alert_id bigint,
  evaluated_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (location_id, business_date)
);
create index if not exists alert_states_to_judge on public.alert_states (figures_changed_at)
  where judged_version < figures_version;
comment on table public.alert_states is
  'Alert state per location and business day (pipeline.evaluate_alerts live, '
  'pipeline.judge_closed_days once a closed day''s figures settle).';

-- The outbox: one row per transition, with the figures at that moment and its delivery
-- state. Location name and zone are copied so a message shows what was true when it fired.
-- A 'sync' row is a vendor sync's notice: the figures of its day after the correction, and
-- what the webhooks missed in `details` (shared/alert_messages.ts SyncNoticeDetails). An
-- 'overtime' row says an employee on the clock is about to reach overtime (`details`:
-- OvertimeNoticeDetails; 20261129000300_overtime.sql), with the day's figures at that moment.
-- A 'projected' row says the open day's projected close is over target (`details`:
-- ProjectionAlertDetails; 20261130000200_projection.sql), with the figures so far.
create table if not exists public.alerts (
  id bigint generated always as identity primary key,
  location_id bigint not null references public.locations (id) on delete cascade,
  business_date date not null,
  kind text not null
    check (kind in ('over', 'critical', 'recovered', 'sync', 'overtime', 'projected', 'flash')),
  from_state text not null check (from_state in ('ok', 'over', 'critical', 'recovered')),
  location_name text not null,
  time_zone text not null,
  -- Figures at the moment of the transition (public.daily_metrics).
  -- Null only for a sync notice on a day without net sales.
  labor_pct_bp bigint check (labor_pct_bp is not null or kind in ('sync', 'overtime', 'flash')),
  labor_target_bp integer not null,
  critical_threshold_bp integer not null,
  recovery_threshold_bp integer not null,
  net_sales_cents bigint not null,
  labor_cost_cents bigint not null,
  paid_labor_seconds bigint not null,
  cplh_cents bigint,
  splh_cents bigint,
  order_count integer not null,
  punch_count integer not null,
  open_punch_count integer not null,
  metrics_as_of timestamptz not null,
  -- The previous alert of the same location and day, for "what changed" (camelCase keys:
  -- shared/alert_messages.ts PreviousAlertFacts).
  previous_alert_id bigint references public.alerts (id) on delete set null,
  previous jsonb,
  -- A sync, overtime, projection or flash notice's facts (camelCase: shared/alert_messages.ts
  -- SyncNoticeDetails, OvertimeNoticeDetails, ProjectionAlertDetails; shared/flash_messages.ts);
  -- null otherwise.
  details jsonb check ((details is not null)
    = (kind in ('sync', 'overtime', 'projected', 'flash'))),
  created_at timestamptz not null default now(),
  -- Delivery.
  status text not null default 'pending'
    check (status in ('pending', 'sending', 'sent', 'failed', 'undeliverable', 'held', 'flashed')),
  target_channels text[] not null default '{}',
  delivered_channels text[] not null default '{}',
  failed_channels text[] not null default '{}',
  attempt_count integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  lease_token uuid,
  lease_expires_at timestamptz,
  last_error text,
  sent_at timestamptz,
  updated_at timestamptz not null default now(),
  check ((status = 'sending') = (lease_token is not null and lease_expires_at is not null))
);
create index if not exists alerts_location_day on public.alerts (location_id, business_date, id);
create index if not exists alerts_due on public.alerts (next_attempt_at)
  where status in ('pending', 'sending');
create index if not exists alerts_unsent_by_location on public.alerts (location_id, id)
  where status in ('pending', 'sending');

-- Every post to a channel, successful or not.
create table if not exists public.alert_attempts (
  id bigint generated always as identity primary key,
  alert_id bigint not null references public.alerts (id) on delete cascade,
  attempted_at timestamptz not null default now(),
  channel text not null check (channel in ('slack', 'discord')),
  outcome text not null check (outcome in ('delivered', 'retry', 'failed')),
  status_code integer,
  response_excerpt text,
  error text,
  retry_at timestamptz,
  duration_ms integer
);
create index if not exists alert_attempts_alert on public.alert_attempts (alert_id, id);

-- When each webhook may next be posted to (keyed by a hash of its URL, never the URL).
create table if not exists pipeline.webhook_pacing (
  webhook_key text primary key,
  next_free_at timestamptz not null
);
revoke all on pipeline.webhook_pacing from public, anon, authenticated, service_role;

alter table public.alert_states enable row level security;
alter table public.alerts enable row level security;
alter table public.alert_attempts enable row level security;
revoke all on public.alert_states, public.alerts, public.alert_attempts from anon, authenticated;
-- The dashboard (service_role) may read them; every write goes through the functions below.
grant select on public.alert_states, public.alerts, public.alert_attempts to service_role;

-- ---------------------------------------------------------------------------------------
-- The state machine
-- ---------------------------------------------------------------------------------------

-- The rule, as one pure function (sim/alerts_model.ts nextAlertState is its independent
-- mirror): the alert a day in `state` raises at these figures, or null. `closed` draws the
-- recovery line at the target itself; `may_open_episode` says whether an ok or recovered day
-- may start an episode (always while open; a closed day only when it is the previous one).
-- plpgsql, whose expressions need no planning per call: a SQL function with a SET clause cannot
-- be inlined, and was planned again on every evaluation (~0.2 ms of each recompute).
create or replace function pipeline.next_alert_state(
  state text,
  labor_pct_bp bigint,
  net_sales_cents bigint,
  loc public.locations,
  closed boolean,
  may_open_episode boolean
)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_level text := case
    when next_alert_state.labor_pct_bp > loc.labor_target_bp + loc.critical_margin_bp
      then 'critical'
    when next_alert_state.labor_pct_bp > loc.labor_target_bp then 'over'
    else 'ok'
  end;
  v_floor_met boolean := next_alert_state.net_sales_cents >= loc.alert_min_net_sales_cents;
  v_recovery_bp bigint := loc.labor_target_bp
    - case when next_alert_state.closed then 0 else loc.recovery_hysteresis_bp end;
begin
  return case
    when next_alert_state.state = 'ok' then
      case when v_level <> 'ok' and v_floor_met and next_alert_state.may_open_episode
        then v_level end
    -- After a recovery the day re-arms only past target + hysteresis, so figures hovering
    -- around the target cannot flap.
    when next_alert_state.state = 'recovered' then
      case
        when v_level <> 'ok' and v_floor_met and next_alert_state.may_open_episode
          and next_alert_state.labor_pct_bp > loc.labor_target_bp + loc.recovery_hysteresis_bp
        then v_level
      end
    when next_alert_state.state = 'over' then
      case
        when v_level = 'critical' and v_floor_met then 'critical'
        when next_alert_state.labor_pct_bp <= v_recovery_bp then 'recovered'
      end
    when next_alert_state.state = 'critical' then
      case when next_alert_state.labor_pct_bp <= v_recovery_bp then 'recovered' end
  end;
end
$$;

-- Inserts the alert of one transition (kind) of a day whose state row the caller holds locked,
-- with the figures of `m` and the previous alert of the day for "what changed", and moves the
-- state on. Returns the alert's id.
create or replace function pipeline.raise_alert(
  loc public.locations,
  m public.daily_metrics,
  from_state text,
  kind text,
  closed boolean
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  prev public.alerts%rowtype;
  v_alert_id bigint;
begin
  select * into prev from public.alerts as a
  where a.location_id = m.location_id and a.business_date = m.business_date
    and a.kind in ('over', 'critical', 'recovered')
  order by a.id desc
  limit 1;

  insert into public.alerts (
    location_id, business_date, kind, from_state, location_name, time_zone,
    labor_pct_bp, labor_target_bp, critical_threshold_bp, recovery_threshold_bp,
    net_sales_cents, labor_cost_cents, paid_labor_seconds, cplh_cents, splh_cents,
    order_count, punch_count, open_punch_count, metrics_as_of, previous_alert_id, previous
  )
  values (
    m.location_id, m.business_date, raise_alert.kind, raise_alert.from_state, loc.name,
    loc.time_zone, m.labor_pct_bp, loc.labor_target_bp,
    loc.labor_target_bp + loc.critical_margin_bp,
    loc.labor_target_bp - case when raise_alert.closed then 0 else loc.recovery_hysteresis_bp end,
    m.net_sales_cents, m.labor_cost_cents, m.paid_labor_seconds, m.cplh_cents, m.splh_cents,
    m.order_count, m.punch_count, m.open_punch_count, m.as_of, prev.id,
    case when prev.id is not null then
      pg_catalog.jsonb_build_object(
        'kind', prev.kind,
        'laborPctBp', prev.labor_pct_bp,
        'netSalesCents', prev.net_sales_cents,
        'laborCostCents', prev.labor_cost_cents,
        'paidLaborSeconds', prev.paid_labor_seconds,
        'metricsAsOf', prev.metrics_as_of,
        'createdAt', prev.created_at
      )
    end
  )
  returning id into v_alert_id;

  update public.alert_states as s
  set state = raise_alert.kind,
    last_alert_id = v_alert_id,
    alert_count = s.alert_count + 1,
    updated_at = pg_catalog.now()
  where s.location_id = m.location_id and s.business_date = m.business_date;
  return v_alert_id;
end
$$;

-- Evaluates one location's business day right after its recompute
-- (pipeline.write_daily_metrics, 20261128000300_metrics.sql, same transaction): records the
-- figures and, while the day is open, inserts one alert on a transition. A closed day is left
-- to pipeline.judge_closed_days. The recompute hands over the location and the day's row as
-- it just wrote them (pipeline.evaluate_written_day); this form reads them, for calls by hand.
create or replace function pipeline.evaluate_alerts(location_id bigint, business_date date)
returns void
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  loc public.locations%rowtype;
  m public.daily_metrics%rowtype;
begin
  select * into loc from public.locations as l where l.id = evaluate_alerts.location_id;
  if not found then
    return;
  end if;
  select * into m from public.daily_metrics as d
  where d.location_id = evaluate_alerts.location_id
    and d.business_date = evaluate_alerts.business_date;
  if found then
    perform pipeline.evaluate_written_day(loc, m);
  end if;
end
$$;

-- pipeline.evaluate_alerts for a location and its day's public.daily_metrics row `m`, as the
-- recompute has them (reading them again cost two lookups per write).
create or replace function pipeline.evaluate_written_day(loc public.locations,
  m public.daily_metrics)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state text;
  v_next text;
begin
  -- No labor % (no or negative net sales): nothing to judge.
  if not loc.alerts_enabled or m.labor_pct_bp is null then
    return;
  end if;

  -- The state row is the lock: concurrent evaluations of one day take turns (the upsert locks
  -- it, or waits for the evaluation that inserts or holds it). One statement records the
  -- figures, bumping the version (and when) only when labor % or net sales changed; a new row
  -- starts at version 1, its figures being new. The update leaves the state alone, so the
  -- state returned is the one this evaluation moves on from.
  insert into public.alert_states as s (location_id, business_date, last_labor_pct_bp,
    last_net_sales_cents, figures_version, figures_changed_at, evaluated_at)
  values (m.location_id, m.business_date, m.labor_pct_bp, m.net_sales_cents, 1,
    pg_catalog.clock_timestamp(), pg_catalog.now())
  on conflict (location_id, business_date) do update set
    last_labor_pct_bp = excluded.last_labor_pct_bp,
    last_net_sales_cents = excluded.last_net_sales_cents,
    figures_version = s.figures_version
      + case when (s.last_labor_pct_bp, s.last_net_sales_cents)
        is distinct from (excluded.last_labor_pct_bp, excluded.last_net_sales_cents)
        then 1 else 0 end,
    figures_changed_at = case when (s.last_labor_pct_bp, s.last_net_sales_cents)
        is distinct from (excluded.last_labor_pct_bp, excluded.last_net_sales_cents)
      then excluded.figures_changed_at else s.figures_changed_at end,
    evaluated_at = excluded.evaluated_at
  returning s.state into v_state;

  -- Closed by the figures' own clock (m.as_of, pipeline.current_clock), so replays with an
  -- injected clock agree.
  if m.business_date < pipeline.business_date_of(m.as_of, loc.time_zone,
    loc.business_day_cutoff_hour)
  then
    return;
  end if;
  v_next := pipeline.next_alert_state(v_state, m.labor_pct_bp, m.net_sales_cents, loc, false,
    true);
  if v_next is not null then
    perform pipeline.raise_alert(loc, m, v_state, v_next, false);
  end if;
end
$$;

-- Judges one closed day's figures (pipeline.judge_closed_days) at the figures' clock `clock`:
-- the rule once, with the closed-day recovery line, and at most one notice per closed day.
-- Returns true when it raised that notice.
create or replace function pipeline.judge_closed_day(
  location_id bigint,
  business_date date,
  clock timestamptz
)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_day date := judge_closed_day.business_date;
  loc public.locations%rowtype;
  m public.daily_metrics%rowtype;
  st public.alert_states%rowtype;
  v_today date;
  v_next text;
  v_alert_id bigint;
begin
  select * into st from public.alert_states as s
  where s.location_id = judge_closed_day.location_id and s.business_date = v_day
  for update;
  if not found or st.judged_version >= st.figures_version then
    return false; -- judged meanwhile
  end if;
  select * into loc from public.locations as l where l.id = judge_closed_day.location_id;
  select * into m from public.daily_metrics as d
  where d.location_id = judge_closed_day.location_id and d.business_date = v_day;
  v_today := pipeline.business_date_of(judge_closed_day.clock, loc.time_zone,
    loc.business_day_cutoff_hour);
  -- A quiet day (a closed day a backfill brought in) is history: judged, never alerted on.
  if loc.alerts_enabled and not st.quiet and st.closed_notice_alert_id is null
    and m.labor_pct_bp is not null and v_day < v_today
  then
    v_next := pipeline.next_alert_state(st.state, m.labor_pct_bp, m.net_sales_cents, loc, true,
      v_day >= v_today - 1);
    if v_next is not null then
      v_alert_id := pipeline.raise_alert(loc, m, st.state, v_next, true);
    end if;
  end if;
  update public.alert_states as s
  set judged_version = st.figures_version,
    judged_at = pg_catalog.now(),
    closed_notice_alert_id = coalesce(s.closed_notice_alert_id, v_alert_id)
  where s.location_id = judge_closed_day.location_id and s.business_date = v_day;
  return v_alert_id is not null;
end
$$;

-- Judges every closed day (before its location's current business day, by
-- pipeline.current_clock) whose figures changed since they were last judged and have been
-- still for `quiet_seconds` (default 10 minutes: a backfill or a vendor's retries arrive
-- within that; pg_cron runs this every minute). `location_id` limits it to one location: an
-- operator who has finished a backfill can ask for the verdict at once with
-- `select pipeline.judge_closed_days(0, <location>)`. Returns the number of notices raised.
create or replace function pipeline.judge_closed_days(
  quiet_seconds integer default 600,
  location_id bigint default null
)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_clock timestamptz := pipeline.current_clock();
  v_day record;
  v_raised integer := 0;
begin
  if judge_closed_days.location_id is not null then
    perform pipeline.require_location(judge_closed_days.location_id);
  end if;
  for v_day in
    select s.location_id, s.business_date
    from public.alert_states as s
    join public.locations as l on l.id = s.location_id
    where s.judged_version < s.figures_version
      and s.figures_changed_at <= pg_catalog.clock_timestamp()
        - pg_catalog.make_interval(secs => greatest(judge_closed_days.quiet_seconds, 0))
      and (judge_closed_days.location_id is null
        or s.location_id = judge_closed_days.location_id)
      and s.business_date
        < pipeline.business_date_of(v_clock, l.time_zone, l.business_day_cutoff_hour)
    order by 1, 2
  loop
    if pipeline.judge_closed_day(v_day.location_id, v_day.business_date, v_clock) then
      v_raised := v_raised + 1;
    end if;
  end loop;
  return v_raised;
end
$$;
comment on function pipeline.judge_closed_days(integer, bigint) is
  'Judges closed days whose figures have settled (quiet_seconds): at most one notice per '
  'closed day. pg_cron runs it every minute; judge_closed_days(0, <location>) after a backfill.';

-- ---------------------------------------------------------------------------------------
-- The database webhook and the sweep
-- ---------------------------------------------------------------------------------------

-- Posts `body` to one of the project's edge functions (`function_name`, e.g. alert-notifier,
-- vendor-sync), signed. Returns the pg_net request id, or null (and a warning) when pg_net or
-- the configuration is missing: whatever asked for the call stays due for its sweep (the
-- outbox's, the sync's), it is never lost.
--
-- pg_net keeps each request in net.http_request_queue (and the answer in net._http_response),
-- which pg_net grants to every role, so nothing in the request may be a reusable secret. The
-- request carries `x-alert-timestamp` (Unix seconds) and `x-alert-signature`: hex
-- HMAC-SHA256, keyed with the alert webhook secret (Vault), of "<timestamp>." followed by the
-- exact bytes pg_net sends, which are `convert_to(body::text, 'UTF8')` of this same jsonb
-- (pg_net's http_post). The functions accept it for 5 minutes (shared/signatures.ts). Whoever
-- copies a request out of the queue can only send that same request again, to the same
-- function, within its window.
create or replace function pipeline.post_signed_to_function(
  function_name text,
  body jsonb,
  timeout_ms integer
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_base text;
  v_secret text;
  v_timestamp text;
  v_request_id bigint;
begin
  if post_signed_to_function.function_name is null
    or post_signed_to_function.function_name !~ '^[a-z][a-z0-9-]{0,62}$' then
    raise exception 'not a function name: %', post_signed_to_function.function_name
      using errcode = '22023';
  end if;
  if pg_catalog.to_regprocedure('net.http_post(text,jsonb,jsonb,jsonb,integer)') is null then
    raise warning '% not called: pg_net (net.http_post) is not installed',
      post_signed_to_function.function_name;
    return null;
  end if;
  v_base := pipeline.runtime_config('functions_base_url');
  v_secret := pipeline.runtime_config('alert_webhook_secret');
  if v_base is null or v_secret is null then
    raise warning '% not called: set functions_base_url and alert_webhook_secret '
      'with pipeline.set_runtime_config (or in Vault)', post_signed_to_function.function_name;
    return null;
  end if;
  v_timestamp := pg_catalog.floor(extract(epoch from pg_catalog.clock_timestamp()))::bigint::text;
  begin
    select net.http_post(
      url => pg_catalog.rtrim(v_base, '/') || '/' || post_signed_to_function.function_name,
      body => post_signed_to_function.body,
      params => '{}'::jsonb,
      headers => pg_catalog.jsonb_build_object(
        'Content-Type', 'application/json',
        'x-alert-timestamp', v_timestamp,
        'x-alert-signature', pg_catalog.encode(extensions.hmac(
          pg_catalog.convert_to(v_timestamp || '.', 'UTF8')
            || pg_catalog.convert_to(post_signed_to_function.body::text, 'UTF8'),
          pg_catalog.convert_to(v_secret, 'UTF8'),
          'sha256'), 'hex')
      ),
      timeout_milliseconds => post_signed_to_function.timeout_ms
    ) into v_request_id;
  exception when others then
    -- A webhook failure must never roll back the transaction that asked for it.
    raise warning '% not called: %', post_signed_to_function.function_name, sqlerrm;
    return null;
  end;
  return v_request_id;
end
$$;

-- The alert-notifier's call (the database webhook and the sweep).
create or replace function pipeline.post_to_alert_notifier(body jsonb, timeout_ms integer)
returns bigint
language sql
security definer
set search_path = ''
as $$
  select pipeline.post_signed_to_function('alert-notifier', post_to_alert_notifier.body,
    post_to_alert_notifier.timeout_ms)
$$;

-- The Supabase Database Webhook body, exactly: {type, table, schema, record, old_record}.
create or replace function pipeline.alerts_database_webhook()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pipeline.post_to_alert_notifier(
    pg_catalog.jsonb_build_object(
      'type', 'INSERT',
      'table', tg_table_name,
      'schema', tg_table_schema,
      'record', pg_catalog.to_jsonb(new),
      'old_record', null
    ),
    -- Above the notifier's budget (ALERT_SWEEP_BUDGET_MS, 40 s): a paced burst drains in the
    -- invocation that pg_net started, which must not be cut off while it does.
    60000
  );
  return null;
end
$$;

drop trigger if exists alerts_database_webhook on public.alerts;
create trigger alerts_database_webhook
  after insert on public.alerts
  -- A held alert (quiet hours) is not sent now: the morning flash lists it.
  for each row when (new.status = 'pending') execute function pipeline.alerts_database_webhook();

-- Asks the notifier to deliver every due alert (the pg_cron job, every minute). Posts only
-- when something is due, so an idle project does not wake the function 1,440 times a day.
create or replace function pipeline.request_alert_sweep()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (
    select 1 from public.alerts as a
    where (a.status = 'pending' and a.next_attempt_at <= pg_catalog.now())
      or (a.status = 'sending' and a.lease_expires_at <= pg_catalog.now())
  ) then
    return null;
  end if;
  return pipeline.post_to_alert_notifier(pg_catalog.jsonb_build_object('type', 'SWEEP'), 60000);
end
$$;

-- ---------------------------------------------------------------------------------------
-- Delivery bookkeeping (called by supabase/functions/alert-notifier, one round trip each)
-- ---------------------------------------------------------------------------------------

-- An integer figure as JSON the notifier reads exactly: a number while JavaScript holds it
-- exactly (|v| <= 2^53 - 1), its decimal text beyond (shared/alert_messages.ts ExactInteger),
-- so a figure too large for a number is shown to the cent instead of failing the alert.
-- Built from the number's text (immutable) rather than to_jsonb (only stable), so the planner
-- inlines it: an immutable function with a stable body is never inlined, and each figure of
-- each alert claimed was a function call of its own. A numeric's text has no quote to escape.
create or replace function pipeline.exact_json_integer(value numeric)
returns jsonb
language sql
immutable
parallel safe
as $$
  select case
    when value is null then 'null'::jsonb
    when pg_catalog.abs(value) <= 9007199254740991 then value::text::jsonb
    else ('"' || value::text || '"')::jsonb
  end
$$;

-- An alert as the notifier needs it: the message facts (camelCase, shared/alert_messages.ts
-- AlertFacts, every figure exact), the lease and the channels. Channel URLs are secrets: this
-- goes only to the notifier, never into the webhook body. plpgsql, so its expression is
-- planned once per session with exact_json_integer inlined into it: as a SQL function with a
-- SET clause it was planned again for every alert claimed and called exact_json_integer ten
-- times (~1 ms of each claim, most of Postgres's work per alert in a burst).
create or replace function pipeline.alert_delivery_json(a public.alerts, l public.locations)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  return pg_catalog.jsonb_build_object(
    'alertId', a.id,
    'locationId', a.location_id,
    'kind', a.kind,
    'fromState', a.from_state,
    'locationName', a.location_name,
    'timeZone', a.time_zone,
    'businessDate', pg_catalog.to_char(a.business_date, 'YYYY-MM-DD'),
    'laborPctBp', pipeline.exact_json_integer(a.labor_pct_bp),
    'laborTargetBp', a.labor_target_bp,
    'criticalThresholdBp', a.critical_threshold_bp,
    'recoveryThresholdBp', a.recovery_threshold_bp,
    'netSalesCents', pipeline.exact_json_integer(a.net_sales_cents),
    'laborCostCents', pipeline.exact_json_integer(a.labor_cost_cents),
    'paidLaborSeconds', pipeline.exact_json_integer(a.paid_labor_seconds),
    'cplhCents', pipeline.exact_json_integer(a.cplh_cents),
    'splhCents', pipeline.exact_json_integer(a.splh_cents),
    'openPunchCount', a.open_punch_count,
    'metricsAsOf', a.metrics_as_of,
    'createdAt', a.created_at,
    'previous', a.previous || pg_catalog.jsonb_build_object(
      'laborPctBp', pipeline.exact_json_integer((a.previous ->> 'laborPctBp')::numeric),
      'netSalesCents', pipeline.exact_json_integer((a.previous ->> 'netSalesCents')::numeric),
      'laborCostCents', pipeline.exact_json_integer((a.previous ->> 'laborCostCents')::numeric),
      'paidLaborSeconds',
      pipeline.exact_json_integer((a.previous ->> 'paidLaborSeconds')::numeric)),
    'status', a.status,
    'leaseToken', a.lease_token,
    'attemptCount', a.attempt_count,
    -- Backoff and the attempt limit count per channel: Slack failing says nothing of Discord.
    'channelAttempts', (
      select pg_catalog.jsonb_build_object(
        'slack', count(*) filter (where t.channel = 'slack'),
        'discord', count(*) filter (where t.channel = 'discord'))
      from public.alert_attempts as t
      where t.alert_id = a.id
    ),
    'targetChannels', pg_catalog.to_jsonb(a.target_channels),
    'deliveredChannels', pg_catalog.to_jsonb(a.delivered_channels),
    'failedChannels', pg_catalog.to_jsonb(a.failed_channels),
    'slackWebhookUrl', l.slack_webhook_url,
    'discordWebhookUrl', l.discord_webhook_url,
    'lastError', a.last_error,
    'details', a.details,
    -- An over or critical alert's projection line (20261130000200_projection.sql).
    'projection', a.projection
  );
end
$$;

-- Claims one alert that claim_alerts has locked: 'sending' under a fresh lease, or
-- 'undeliverable' when its location has no channel; returns it as the notifier needs it.
create or replace function pipeline.claim_locked_alert(
  alert_id bigint,
  slack_webhook_url text,
  discord_webhook_url text,
  lease_seconds integer,
  has_default_slack boolean,
  has_default_discord boolean
)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_targets text[] := pg_catalog.array_remove(array[
    case when claim_locked_alert.slack_webhook_url is not null
      or claim_locked_alert.has_default_slack then 'slack' end,
    case when claim_locked_alert.discord_webhook_url is not null
      or claim_locked_alert.has_default_discord then 'discord' end
  ], null);
begin
  -- A morning flash goes to the one channel it was made for; an alert held in quiet hours and
  -- released goes only to the channels whose flash has not listed it (20261130000300_flash.sql).
  select case when a.kind = 'flash'
      then array(select t from pg_catalog.unnest(v_targets) as t where t = any (a.target_channels))
      else array(select t from pg_catalog.unnest(v_targets) as t
        where not t = any (a.flashed_channels)) end
    into v_targets
  from public.alerts as a where a.id = claim_locked_alert.alert_id;
  if pg_catalog.cardinality(v_targets) = 0 then
    update public.alerts as a
    set status = 'undeliverable',
      target_channels = v_targets,
      lease_token = null,
      lease_expires_at = null,
      last_error = 'No Slack or Discord webhook for this location: set '
        || 'locations.slack_webhook_url / discord_webhook_url or the notifier''s '
        || 'SLACK_WEBHOOK_URL / DISCORD_WEBHOOK_URL, then pipeline.requeue_alerts().',
      updated_at = pg_catalog.now()
    where a.id = claim_locked_alert.alert_id;
  else
    update public.alerts as a
    set status = 'sending',
      target_channels = v_targets,
      lease_token = pg_catalog.gen_random_uuid(),
      lease_expires_at = pg_catalog.now()
        + pg_catalog.make_interval(secs => greatest(claim_locked_alert.lease_seconds, 1)),
      updated_at = pg_catalog.now()
    where a.id = claim_locked_alert.alert_id;
  end if;
  return (
    select pipeline.alert_delivery_json(a, l)
    from public.alerts as a
    join public.locations as l on l.id = a.location_id
    where a.id = claim_locked_alert.alert_id
  );
end
$$;

-- Claims due alerts: `only_id` one alert (the database webhook), or up to `max_alerts` of any
-- (the sweep). An alert is due when pending and its next attempt time has come, or when a
-- claim on it expired. A location's alert is never claimed while an older alert of the same
-- location is still pending or sending, so each location hears its alerts in order; at most
-- one alert per location is claimed at a time. A morning flash (kind 'flash', a channel's
-- message queued on its first location: 20261130000300_flash.sql) stands in no line: it
-- neither waits for that location's alerts (one retrying for hours on a failing Discord would
-- hold a Slack channel's flash) nor holds them up. Claimed alerts are 'sending' under a fresh
-- lease token; an alert whose location has no channel (its own URL or the notifier's
-- default, per the has_default_* flags) becomes 'undeliverable' at once, and is returned
-- with that status so the caller can report it.
--
-- One alert or one location's line has its own query: only the location's oldest unsent
-- alert can be claimed, and it is found by index (alerts_unsent_by_location). One query for
-- every mode was planned generically and read every due alert of every location on each claim,
-- so in a burst each claim cost more the longer the backlog (~2 ms at 200 pending alerts).
create or replace function pipeline.claim_alerts(
  only_id bigint,
  only_location_id bigint,
  max_alerts integer,
  lease_seconds integer,
  has_default_slack boolean,
  has_default_discord boolean
)
returns setof jsonb
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  r record;
begin
  if claim_alerts.only_id is null and claim_alerts.only_location_id is null then
    for r in
      select a.id, l.slack_webhook_url, l.discord_webhook_url
      from public.alerts as a
      join public.locations as l on l.id = a.location_id
      where (
          (a.status = 'pending' and a.next_attempt_at <= pg_catalog.now())
          or (a.status = 'sending' and a.lease_expires_at <= pg_catalog.now())
        )
        and (a.kind = 'flash' or not exists (
          select 1 from public.alerts as older
          where older.location_id = a.location_id
            and older.id < a.id
            and older.status in ('pending', 'sending')
            and older.kind <> 'flash'
        ))
      order by a.id
      limit greatest(claim_alerts.max_alerts, 0)
      for update of a skip locked
    loop
      return next pipeline.claim_locked_alert(r.id, r.slack_webhook_url, r.discord_webhook_url,
        claim_alerts.lease_seconds, claim_alerts.has_default_slack,
        claim_alerts.has_default_discord);
    end loop;
    return;
  end if;
  for r in
    select a.id, l.slack_webhook_url, l.discord_webhook_url
    from public.alerts as a
    join public.locations as l on l.id = a.location_id
    where a.id = coalesce(
        -- A morning flash is in no location's line (see above).
        (select f.id from public.alerts as f
          where f.id = claim_alerts.only_id and f.kind = 'flash'),
        (select u.id from public.alerts as u
          where u.location_id = coalesce(claim_alerts.only_location_id,
              (select x.location_id from public.alerts as x where x.id = claim_alerts.only_id))
            and u.status in ('pending', 'sending')
            and u.kind <> 'flash'
          order by u.id
          limit 1))
      and (claim_alerts.only_id is null or a.id = claim_alerts.only_id)
      and (claim_alerts.only_location_id is null
        or a.location_id = claim_alerts.only_location_id)
      and (
        (a.status = 'pending' and a.next_attempt_at <= pg_catalog.now())
        or (a.status = 'sending' and a.lease_expires_at <= pg_catalog.now())
      )
      and claim_alerts.max_alerts > 0
    for update of a skip locked
  loop
    return next pipeline.claim_locked_alert(r.id, r.slack_webhook_url, r.discord_webhook_url,
      claim_alerts.lease_seconds, claim_alerts.has_default_slack,
      claim_alerts.has_default_discord);
  end loop;
end
$$;

-- The database-webhook path: claim this one alert if it is due and first in its location's
-- line. Empty when another invocation has it, it is already done, or an older alert of its
-- location goes first (the sweep delivers it after that one).
-- With `pace` ({"maxWaitMs": n, "slack"|"discord": {"intervalMs": n, "defaultKey": hex|null}}),
-- the same call also reserves the slot of the first channel the alert owes, as the notifier's
-- pipeline.reserve_webhook_slot call would (key: the hex SHA-256 of the webhook URL, the
-- location's own or, for the notifier's default, the key it passes), and returns it as
-- "slot": {"channel", "reserved", "waitMs"}: one round trip fewer per alert. No slot when the
-- channel has no URL (the notifier reports that) or the claim ended undeliverable.
create or replace function pipeline.claim_alert(
  alert_id bigint,
  lease_seconds integer default 60,
  has_default_slack boolean default false,
  has_default_discord boolean default false,
  pace jsonb default null
)
returns setof jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_alert jsonb;
  v_channel text;
  v_url text;
  v_key text;
begin
  for v_alert in
    select c.claimed from pipeline.claim_alerts(claim_alert.alert_id, null, 1,
      claim_alert.lease_seconds, claim_alert.has_default_slack, claim_alert.has_default_discord)
      as c (claimed)
  loop
    if claim_alert.pace is not null and v_alert ->> 'status' = 'sending' then
      select t.channel into v_channel
      from pg_catalog.jsonb_array_elements_text(v_alert -> 'targetChannels')
        with ordinality as t (channel, n)
      where not (v_alert -> 'deliveredChannels' ? t.channel)
        and not (v_alert -> 'failedChannels' ? t.channel)
      order by t.n
      limit 1;
      v_url := v_alert ->> (v_channel || 'WebhookUrl');
      v_key := case
        when v_url is not null
          then pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(v_url, 'UTF8')), 'hex')
        else claim_alert.pace -> v_channel ->> 'defaultKey'
      end;
      if v_key is not null then
        v_alert := v_alert || pg_catalog.jsonb_build_object('slot',
          pipeline.reserve_webhook_slot(v_key,
            (claim_alert.pace -> v_channel ->> 'intervalMs')::integer,
            (claim_alert.pace ->> 'maxWaitMs')::integer)
          || pg_catalog.jsonb_build_object('channel', v_channel));
      end if;
    end if;
    return next v_alert;
  end loop;
end
$$;

-- The sweep path: claim up to max_alerts due alerts, oldest first, one per location (of one
-- location when location_id is given: the notifier drains a location's line after finishing
-- one of its alerts).
create or replace function pipeline.claim_due_alerts(
  max_alerts integer default 50,
  lease_seconds integer default 60,
  has_default_slack boolean default false,
  has_default_discord boolean default false,
  location_id bigint default null
)
returns setof jsonb
language sql
security definer
set search_path = ''
as $$
  select * from pipeline.claim_alerts(null, claim_due_alerts.location_id,
    claim_due_alerts.max_alerts, claim_due_alerts.lease_seconds,
    claim_due_alerts.has_default_slack, claim_due_alerts.has_default_discord)
$$;

-- Records one outcome for one channel of a claimed alert, in one round trip:
-- * 'delivered' (the channel answered 2xx), 'retry' (try again after retry_after_ms),
--   'failed' (permanent: reason in error) each log a row in public.alert_attempts;
-- * 'deferred' (the webhook's pace allows no post yet) logs nothing: nothing was sent.
-- Then: every target delivered → 'sent'; every target delivered or failed → 'failed';
-- otherwise, with release, back to 'pending' at the latest retry time asked for this claim;
-- without release the claim is kept (the notifier retries in-process) and its lease renewed.
-- Returns {"status": the alert's status afterwards}, or {"status": "lease_lost"} when the claim
-- is no longer this caller's (it expired and another invocation took the alert): the attempt is
-- still logged.
-- With claim_next, once the alert is no longer this caller's to send (settled or released), the
-- same call also claims its location's next alert, as claim_due_alerts(1, ..., location_id)
-- would: {"status", "next": [that alert]} or "next": [] when none is due. This is the database
-- webhook's drain of a location's line (an alert raised while an older one was sending waits
-- for it): one round trip per alert instead of two, and no claim at all when the location has
-- nothing else unsent (a burst across many locations: one alert each).
create or replace function pipeline.record_alert_attempt(
  alert_id bigint,
  lease_token uuid,
  channel text,
  outcome text,
  status_code integer default null,
  response_excerpt text default null,
  error text default null,
  retry_after_ms integer default null,
  release boolean default true,
  lease_seconds integer default 60,
  duration_ms integer default null,
  claim_next boolean default false,
  has_default_slack boolean default false,
  has_default_discord boolean default false
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_id bigint := record_alert_attempt.alert_id;
  v_outcome text := record_alert_attempt.outcome;
  v_channel text := record_alert_attempt.channel;
  v_retry_at timestamptz;
  a public.alerts%rowtype;
begin
  if v_outcome not in ('delivered', 'retry', 'failed', 'deferred') then
    raise exception 'unknown delivery outcome %', v_outcome using errcode = '22023';
  end if;
  if v_channel not in ('slack', 'discord') then
    raise exception 'unknown channel %', v_channel using errcode = '22023';
  end if;
  v_retry_at := case when v_outcome in ('retry', 'deferred') then
    pg_catalog.clock_timestamp() + pg_catalog.make_interval(
      secs => greatest(coalesce(record_alert_attempt.retry_after_ms, 0), 0) / 1000.0)
  end;

  if v_outcome <> 'deferred' then
    insert into public.alert_attempts (alert_id, attempted_at, channel, outcome, status_code,
      response_excerpt, error, retry_at, duration_ms)
    values (v_id, pg_catalog.clock_timestamp(), v_channel, v_outcome,
      record_alert_attempt.status_code,
      pg_catalog.left(record_alert_attempt.response_excerpt, 1000),
      pg_catalog.left(record_alert_attempt.error, 1000), v_retry_at,
      record_alert_attempt.duration_ms);
  end if;

  select * into a from public.alerts as x
  where x.id = v_id and x.status = 'sending' and x.lease_token = record_alert_attempt.lease_token
  for update;
  if not found then
    return '{"status": "lease_lost"}'::jsonb;
  end if;

  if v_outcome = 'delivered' and not (v_channel = any (a.delivered_channels)) then
    a.delivered_channels := a.delivered_channels || v_channel;
  elsif v_outcome = 'failed' and not (v_channel = any (a.failed_channels)) then
    a.failed_channels := a.failed_channels || v_channel;
  end if;
  if v_outcome <> 'deferred' then
    a.attempt_count := a.attempt_count + 1;
  end if;
  if v_outcome in ('retry', 'failed') then
    a.last_error := pg_catalog.left(record_alert_attempt.error, 1000);
  end if;
  if v_retry_at is not null then
    a.next_attempt_at := greatest(a.next_attempt_at, v_retry_at);
  end if;

  if a.target_channels <@ a.delivered_channels then
    a.status := 'sent';
    a.sent_at := pg_catalog.now();
    -- Delivered: an error of an earlier attempt is history (public.alert_attempts), not news.
    a.last_error := null;
  elsif a.target_channels <@ (a.delivered_channels || a.failed_channels) then
    a.status := 'failed';
  elsif record_alert_attempt.release then
    a.status := 'pending';
    a.next_attempt_at := greatest(a.next_attempt_at, pg_catalog.now());
  end if;
  if a.status = 'sending' then
    a.lease_expires_at := pg_catalog.clock_timestamp()
      + pg_catalog.make_interval(secs => greatest(record_alert_attempt.lease_seconds, 1));
  else
    a.lease_token := null;
    a.lease_expires_at := null;
  end if;

  update public.alerts as x
  set status = a.status,
    delivered_channels = a.delivered_channels,
    failed_channels = a.failed_channels,
    attempt_count = a.attempt_count,
    last_error = a.last_error,
    next_attempt_at = a.next_attempt_at,
    sent_at = a.sent_at,
    lease_token = a.lease_token,
    lease_expires_at = a.lease_expires_at,
    updated_at = pg_catalog.now()
  where x.id = v_id;
  if not record_alert_attempt.claim_next or a.status = 'sending' then
    return pg_catalog.jsonb_build_object('status', a.status);
  end if;
  return pg_catalog.jsonb_build_object('status', a.status, 'next', case
    -- By index (alerts_unsent_by_location): most locations have nothing more in line.
    when exists (
      select 1 from public.alerts as o
      where o.location_id = a.location_id and o.status in ('pending', 'sending')
    ) then coalesce((
      select pg_catalog.jsonb_agg(n.claimed)
      from pipeline.claim_alerts(null, a.location_id, 1, record_alert_attempt.lease_seconds,
        record_alert_attempt.has_default_slack, record_alert_attempt.has_default_discord)
        as n (claimed)
    ), '[]'::jsonb)
    else '[]'::jsonb
  end);
end
$$;

-- The pacing rule, applied atomically so concurrent notifier runs share one pace: the next post
-- to a webhook goes at the later of now and its next free time, which moves on by
-- min_interval_ms. When that is more than max_wait_ms away nothing is reserved. Returns
-- {"reserved": bool, "waitMs": int} (relative, so the function's and the database's clocks
-- never have to agree). "Now" is the wall clock (clock_timestamp: a run reserves slot after
-- slot within one transaction); tests inject it with `set pipeline.now`, as for the figures.
create or replace function pipeline.reserve_webhook_slot(
  webhook_key text,
  min_interval_ms integer,
  max_wait_ms integer
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_now timestamptz := coalesce(
    nullif(pg_catalog.current_setting('pipeline.now', true), '')::timestamptz,
    pg_catalog.clock_timestamp());
  v_next timestamptz;
  v_send timestamptz;
  v_wait_ms integer;
begin
  insert into pipeline.webhook_pacing as p (webhook_key, next_free_at)
  values (reserve_webhook_slot.webhook_key, '-infinity')
  on conflict (webhook_key) do nothing;
  select p.next_free_at into strict v_next from pipeline.webhook_pacing as p
  where p.webhook_key = reserve_webhook_slot.webhook_key
  for update;
  v_send := greatest(v_next, v_now);
  v_wait_ms := pg_catalog.ceil(extract(epoch from v_send - v_now) * 1000)::integer;
  if v_wait_ms > reserve_webhook_slot.max_wait_ms then
    return pg_catalog.jsonb_build_object('reserved', false, 'waitMs', v_wait_ms);
  end if;
  update pipeline.webhook_pacing as p
  set next_free_at = v_send
    + pg_catalog.make_interval(secs => reserve_webhook_slot.min_interval_ms / 1000.0)
  where p.webhook_key = reserve_webhook_slot.webhook_key;
  return pg_catalog.jsonb_build_object('reserved', true, 'waitMs', v_wait_ms);
end
$$;

-- Puts a location's undeliverable and failed alerts back in line (after fixing its channel
-- configuration) and asks the notifier to deliver them now, through the same signed database
-- webhook (pipeline.request_alert_sweep; pg_net sends it when this transaction commits), not
-- at the next minute's sweep. Returns how many; an unknown location is an error naming it.
create or replace function pipeline.requeue_alerts(location_id bigint)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_count integer;
begin
  perform pipeline.require_location(requeue_alerts.location_id);
  update public.alerts as a
  set status = 'pending',
    next_attempt_at = pg_catalog.now(),
    attempt_count = 0,
    failed_channels = '{}',
    updated_at = pg_catalog.now()
  where a.location_id = requeue_alerts.location_id
    and a.status in ('undeliverable', 'failed');
  get diagnostics v_count = row_count;
  if v_count > 0 then
    perform pipeline.request_alert_sweep();
  end if;
  return v_count;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Privileges: nothing here is callable by anon or authenticated
-- ---------------------------------------------------------------------------------------

revoke all on function pipeline.set_runtime_config(text, text) from public, anon, authenticated;
revoke all on function pipeline.runtime_config(text) from public, anon, authenticated;
revoke all on function pipeline.evaluate_alerts(bigint, date) from public, anon, authenticated;
revoke all on function pipeline.evaluate_written_day(public.locations, public.daily_metrics)
  from public, anon, authenticated;
revoke all on function pipeline.next_alert_state(text, bigint, bigint, public.locations, boolean,
  boolean) from public, anon, authenticated;
revoke all on function pipeline.raise_alert(public.locations, public.daily_metrics, text, text,
  boolean) from public, anon, authenticated;
revoke all on function pipeline.judge_closed_day(bigint, date, timestamptz)
  from public, anon, authenticated;
revoke all on function pipeline.judge_closed_days(integer, bigint)
  from public, anon, authenticated;
revoke all on function pipeline.post_signed_to_function(text, jsonb, integer)
  from public, anon, authenticated;
revoke all on function pipeline.post_to_alert_notifier(jsonb, integer)
  from public, anon, authenticated;
revoke all on function pipeline.alerts_database_webhook() from public, anon, authenticated;
revoke all on function pipeline.request_alert_sweep() from public, anon, authenticated;
revoke all on function pipeline.exact_json_integer(numeric) from public, anon, authenticated;
revoke all on function pipeline.alert_delivery_json(public.alerts, public.locations)
  from public, anon, authenticated;
revoke all on function pipeline.claim_locked_alert(bigint, text, text, integer, boolean, boolean)
  from public, anon, authenticated;
revoke all on function pipeline.claim_alerts(bigint, bigint, integer, integer, boolean, boolean)
  from public, anon, authenticated;
revoke all on function pipeline.claim_alert(bigint, integer, boolean, boolean, jsonb)
  from public, anon, authenticated;
revoke all on function pipeline.claim_due_alerts(integer, integer, boolean, boolean, bigint)
  from public, anon, authenticated;
revoke all on function pipeline.record_alert_attempt(bigint, uuid, text, text, integer, text,
  text, integer, boolean, integer, integer, boolean, boolean, boolean) from public, anon, authenticated;
revoke all on function pipeline.reserve_webhook_slot(text, integer, integer)
  from public, anon, authenticated;
revoke all on function pipeline.requeue_alerts(bigint) from public, anon, authenticated;

-- What the notifier calls (it normally connects as postgres via SUPABASE_DB_URL; service_role
-- may call the same functions).
grant execute on function pipeline.claim_alert(bigint, integer, boolean, boolean, jsonb)
  to service_role;
grant execute on function pipeline.claim_due_alerts(integer, integer, boolean, boolean, bigint)
  to service_role;
grant execute on function pipeline.record_alert_attempt(bigint, uuid, text, text, integer, text,
  text, integer, boolean, integer, integer, boolean, boolean, boolean) to service_role;
grant execute on function pipeline.reserve_webhook_slot(text, integer, integer) to service_role;
grant execute on function pipeline.requeue_alerts(bigint) to service_role;
grant execute on function pipeline.judge_closed_days(integer, bigint) to service_role;
grant execute on function pipeline.request_alert_sweep() to service_role;

-- ---------------------------------------------------------------------------------------
-- Schedules: the sweep and the closed-day verdicts
-- ---------------------------------------------------------------------------------------

-- Every minute on pg_cron (Supabase; enabled in 20261128000100_core_schema.sql) or the local
-- stack's compatible scheduler; without either, alerts wait for the database webhook alone
-- and closed days are judged only when asked.
do $$
begin
  if pg_catalog.to_regnamespace('cron') is not null then
    perform cron.schedule('alert-notifier-sweep', '* * * * *',
      'select pipeline.request_alert_sweep()');
    perform cron.schedule('alerts-judge-closed-days', '* * * * *',
      'select pipeline.judge_closed_days()');
  end if;
end
$$;
