-- Core schema: locations, Toast orders and refunds, 7shifts punches, the inbound event log
-- and the daily metrics table. Tables live in `public` so a service-role dashboard can read
-- them through PostgREST, with RLS on and no policy, so anon and authenticated see nothing.
-- Functions live in the private `pipeline` schema, which PostgREST does not expose.

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '120s';

create schema if not exists pipeline;
revoke all on schema pipeline from public;
grant usage on schema pipeline to service_role;

-- Time zone names are checked against pg_timezone_names so a typo fails at insert time,
-- not in the middle of a recompute.
create or replace function pipeline.is_valid_time_zone(tz text)
returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (select 1 from pg_catalog.pg_timezone_names where name = tz)
$$;

create table if not exists public.locations (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 200),
  time_zone text not null default 'America/New_York'
    check (pipeline.is_valid_time_zone(time_zone)),
  -- Business day starts at this local hour: a 01:30 close belongs to the previous day.
  business_day_cutoff_hour smallint not null default 4
    check (business_day_cutoff_hour between 0 and 23),
  toast_restaurant_guid uuid unique,
  sevenshifts_company_id bigint,
  sevenshifts_location_id bigint,
  -- Percentages in basis points (hundredths of a percent): 2500 = 25.00 %.
  labor_target_bp integer not null default 2500 check (labor_target_bp > 0),
  critical_margin_bp integer not null default 500 check (critical_margin_bp >= 0),
  recovery_hysteresis_bp integer not null default 100 check (recovery_hysteresis_bp >= 0),
  -- No alert for a day until its net sales reach this floor (no "100 % labor at 7 am").
  alert_min_net_sales_cents bigint not null default 50000
    check (alert_min_net_sales_cents >= 0),
  alerts_enabled boolean not null default true,
  -- Channel URLs are secrets: readable by service_role only (RLS below).
  slack_webhook_url text,
  discord_webhook_url text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (sevenshifts_company_id, sevenshifts_location_id)
);

create table if not exists public.orders (
  toast_order_guid uuid primary key,
  location_id bigint not null references public.locations (id),
  business_date date not null,
  net_sales_cents bigint not null,
  gross_sales_cents bigint not null,
  discount_cents bigint not null,
  tax_cents bigint not null,
  tip_cents bigint not null,
  gratuity_cents bigint not null,
  deferred_cents bigint not null,
  check_count integer not null,
  voided boolean not null,
  deleted boolean not null,
  excess_food boolean not null,
  vendor_modified_at timestamptz not null,
  -- Tie-break for two versions with the same modifiedDate: the larger hash wins, so
  -- every arrival order converges on the same row.
  version_hash text not null,
  updated_at timestamptz not null default now()
);
create index if not exists orders_location_day on public.orders (location_id, business_date);

create table if not exists public.order_refunds (
  toast_order_guid uuid not null references public.orders (toast_order_guid) on delete cascade,
  payment_guid text not null,
  location_id bigint not null references public.locations (id),
  refund_business_date date not null,
  refund_cents bigint not null,
  tip_refund_cents bigint not null,
  primary key (toast_order_guid, payment_guid)
);
create index if not exists order_refunds_location_day
  on public.order_refunds (location_id, refund_business_date);

-- A punch whose newest version is for a 7shifts location nobody has mapped yet is held: its
-- row keeps that version with no location and no business date (it counts nowhere), and the
-- mapping adopts it (20261128000200_ingest.sql). So a punch moved to an unmapped location
-- leaves its old day at once, and no older version can bring it back there.
create table if not exists public.punches (
  sevenshifts_punch_id bigint primary key,
  location_id bigint references public.locations (id),
  sevenshifts_company_id bigint not null,
  sevenshifts_location_id bigint not null,
  user_id bigint,
  role_id bigint,
  department_id bigint,
  clocked_in_at timestamptz not null,
  clocked_out_at timestamptz,
  business_date date,
  -- bigint: seconds never overflow a column (a poison punch once did, as integer).
  unpaid_break_seconds bigint not null check (unpaid_break_seconds >= 0),
  paid_seconds bigint check (paid_seconds >= 0),
  -- Exact to a hundredth of a cent ($15.125 an hour is 1512.5): each punch's cost is rounded
  -- once, never its wage first (shared/sevenshifts.ts, pipeline.punch_labor_cost_cents).
  hourly_wage_cents numeric not null
    check (hourly_wage_cents >= 0 and hourly_wage_cents = round(hourly_wage_cents, 2)),
  approved boolean not null,
  deleted boolean not null,
  vendor_modified_at timestamptz not null,
  version_hash text not null,
  -- The delivery (public.inbound_events.id) that wrote this version: 7shifts' `modified` has
  -- one-second resolution, and two edits in the same second are settled by arrival.
  inbound_event_id bigint,
  updated_at timestamptz not null default now(),
  check (clocked_out_at is null or clocked_out_at >= clocked_in_at),
  check ((location_id is null) = (business_date is null))
);
create index if not exists punches_location_day on public.punches (location_id, business_date);
create index if not exists punches_open on public.punches (location_id, business_date)
  where clocked_out_at is null and not deleted;
-- An employee's punches in clock order: their workweek, for overtime.
create index if not exists punches_employee on public.punches
  (sevenshifts_company_id, user_id, clocked_in_at) where user_id is not null;

-- Every delivery we accepted, raw, so any of it can be replayed. One row per distinct
-- event (vendor event id, or the body hash when the vendor sends none); redeliveries bump
-- delivery_count.
create table if not exists public.inbound_events (
  id bigint generated always as identity primary key,
  source text not null check (source in ('toast', '7shifts')),
  event_key text not null,
  topic text not null,
  -- Toast restaurant GUID or "companyId:locationId" for 7shifts: how the event is mapped.
  external_location_key text,
  received_at timestamptz not null default now(),
  last_received_at timestamptz not null default now(),
  delivery_count integer not null default 1,
  -- applied | stale (older than what is stored) | ignored (not an event this pipeline reads)
  -- | unmapped (held until its location is mapped) | conflict (held: a Toast order GUID that
  -- belongs to another restaurant) | rejected (held, then could not be applied: see reason).
  outcome text not null
    check (outcome in ('applied', 'stale', 'ignored', 'unmapped', 'conflict', 'rejected')),
  -- Why a delivery is held or was not applied (conflict, rejected, or not applied yet).
  reason text,
  applied_at timestamptz,
  headers jsonb not null default '{}'::jsonb,
  raw_body text not null,
  -- The normalised payload (shared/types.ts) so an unmapped event can be applied later
  -- without re-parsing in SQL.
  normalized jsonb,
  unique (source, event_key)
);
create index if not exists inbound_events_unmapped
  on public.inbound_events (source, external_location_key) where outcome = 'unmapped';

create table if not exists public.daily_metrics (
  location_id bigint not null references public.locations (id),
  business_date date not null,
  net_sales_cents bigint not null,
  refund_cents bigint not null,
  labor_cost_cents bigint not null,
  paid_labor_seconds bigint not null,
  paid_labor_minutes bigint not null,
  -- Derived figures (shared/transformations.ts, rounding half away from zero); null when
  -- the denominator is zero. bigint: a 1-cent sales day with $2,150 of labor is 2^31 bp.
  labor_pct_bp bigint,
  cplh_cents bigint,
  splh_cents bigint,
  order_count integer not null,
  punch_count integer not null,
  open_punch_count integer not null,
  -- Overtime worked on this day and its premium (shared/overtime.ts), included in labor cost.
  overtime_minutes bigint not null default 0,
  overtime_premium_cents bigint not null default 0,
  -- The clock the figures were computed at (open punches accrue until then).
  as_of timestamptz not null,
  recompute_count bigint not null default 1,
  updated_at timestamptz not null default now(),
  primary key (location_id, business_date)
);

-- RLS on, no policies: anon and authenticated get nothing; service_role bypasses RLS.
alter table public.locations enable row level security;
alter table public.orders enable row level security;
alter table public.order_refunds enable row level security;
alter table public.punches enable row level security;
alter table public.inbound_events enable row level security;
alter table public.daily_metrics enable row level security;

revoke all on public.locations, public.orders, public.order_refunds, public.punches,
  public.inbound_events, public.daily_metrics from anon, authenticated;
grant select, insert, update, delete on public.locations, public.orders, public.order_refunds,
  public.punches, public.inbound_events, public.daily_metrics to service_role;

-- The business day an instant belongs to: the local date in the location's zone after
-- shifting back by the cut-off hour. Done on local wall-clock time, so a DST change never
-- moves a punch to the wrong day. Mirrored by shared/business_date.ts. No SET clause, so the
-- planner inlines it (with one it was planned again on every call, ~0.1 ms); every name in it
-- is schema-qualified and it is not security definer, so a caller's search_path cannot change
-- what it means.
create or replace function pipeline.business_date_of(
  instant timestamptz,
  time_zone text,
  cutoff_hour smallint
)
returns date
language sql
immutable
parallel safe
as $$
  select ((instant at time zone time_zone) - pg_catalog.make_interval(hours => cutoff_hour))::date
$$;

-- Raises an error naming `location_id` (P0002) when no location has it: what the functions an
-- operator calls by hand (recompute_day, requeue_alerts, judge_closed_days) do first, so a
-- mistyped id never succeeds doing nothing.
create or replace function pipeline.require_location(location_id bigint)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if not exists (select 1 from public.locations as l where l.id = require_location.location_id)
  then
    raise exception 'location % does not exist', require_location.location_id
      using errcode = 'P0002', hint = 'select id, name from public.locations';
  end if;
end
$$;
revoke all on function pipeline.require_location(bigint) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------
-- Platform extensions, where the platform offers them
-- ---------------------------------------------------------------------------------------

-- pg_net (the database webhook) and pg_cron (the jobs) are available on Supabase but not
-- always enabled; the local stack provides compatible `net` and `cron` schemas of its own.
-- Never fatal: without pg_net alerts wait for the sweep, without pg_cron for a manual call.
do $$
begin
  if pg_catalog.to_regnamespace('net') is null
    and exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_net') then
    begin
      create extension if not exists pg_net with schema extensions;
    exception when others then
      raise warning 'pg_net could not be enabled: %', sqlerrm;
    end;
  end if;
  if pg_catalog.to_regnamespace('cron') is null
    and exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_cron') then
    begin
      create extension if not exists pg_cron with schema pg_catalog;
    exception when others then
      raise warning 'pg_cron could not be enabled: %', sqlerrm;
    end;
  end if;
end
$$;
