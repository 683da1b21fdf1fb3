-- Staff: the employees of each 7shifts company, kept from its `user.*` webhooks (issue 18), so
-- that messages can name who is on the clock and overtime can be counted per employee. This
-- migration adds:
--
-- * public.staff: one row per company and 7shifts user, the newest version by `modified`
--   (7shifts' one-second resolution; two versions in one second are settled by arrival, as
--   punches are). Unknown users still count in every figure; messages then say "user 503".
-- * public.company_settings: per 7shifts company, whether messages may show staff members' full
--   names (default: first name and last initial; names never leave the database otherwise), and
--   its overtime policy (used by 20261129000300_overtime.sql).
-- * pipeline.apply_sevenshifts_staff, called by pipeline.ingest_sevenshifts for `user.*`
--   deliveries (20261128000200_ingest.sql), and pipeline.staff_display_name, the SQL mirror of
--   staffDisplayName in shared/sevenshifts_users.ts.

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '60s';

-- Daily overtime tiers are well formed: thresholds 0-1440 minutes strictly ascending,
-- multipliers 100-1000 % never descending (a later tier never pays less).
create or replace function pipeline.ascending_tiers(minutes integer[], multiplier_pct smallint[])
returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce(pg_catalog.bool_and(
      t.m between 0 and 1440 and t.pct between 100 and 1000
      and (t.prev_m is null or (t.m > t.prev_m and t.pct >= t.prev_pct))), true)
  from (
    select u.m, u.pct,
      pg_catalog.lag(u.m) over (order by u.ord) as prev_m,
      pg_catalog.lag(u.pct) over (order by u.ord) as prev_pct
    from rows from (pg_catalog.unnest(ascending_tiers.minutes),
      pg_catalog.unnest(ascending_tiers.multiplier_pct)) with ordinality as u(m, pct, ord)
  ) as t
$$;
comment on function pipeline.ascending_tiers(integer[], smallint[]) is
  'Whether daily overtime tiers are well formed (ascending thresholds, non-descending rates).';

create table if not exists public.staff (
  sevenshifts_company_id bigint not null,
  user_id bigint not null,
  first_name text not null default '' check (length(first_name) <= 100),
  last_name text not null default '' check (length(last_name) <= 100),
  active boolean not null default true,
  vendor_modified_at timestamptz not null,
  -- The delivery (public.inbound_events.id) that wrote this version: it settles two versions
  -- with the same `modified` second by arrival.
  inbound_event_id bigint,
  updated_at timestamptz not null default now(),
  primary key (sevenshifts_company_id, user_id)
);
comment on table public.staff is
  'Employees of each 7shifts company (user.* webhooks), newest version by modified time; '
  'names are shown in messages only as pipeline.staff_display_name allows.';

create table if not exists public.company_settings (
  sevenshifts_company_id bigint primary key,
  -- Messages show "Avery Quinn" instead of "Avery Q." when true.
  show_full_names boolean not null default false,
  -- The overtime policy (shared/overtime.ts; 20261129000300_overtime.sql). Without a row, the
  -- federal rule: weeks from Monday 00:00 in the zone of the company's first location, over
  -- 40 hours at 150 %.
  overtime_enabled boolean not null default true,
  -- The company's zone (null: that of its first location): workdays and workweeks are in it.
  overtime_time_zone text
    check (overtime_time_zone is null or pipeline.is_valid_time_zone(overtime_time_zone)),
  -- ISO weekday (1 = Monday … 7 = Sunday) and local hour the workweek (and each workday)
  -- starts at, as the company set them in 7shifts.
  workweek_start_iso_day smallint not null default 1 check (workweek_start_iso_day between 1 and 7),
  workweek_start_hour smallint not null default 0 check (workweek_start_hour between 0 and 23),
  -- Straight-time minutes a workweek holds before overtime (null: no weekly rule).
  weekly_overtime_minutes integer default 2400
    check (weekly_overtime_minutes between 0 and 10080),
  weekly_overtime_multiplier_pct smallint not null default 150
    check (weekly_overtime_multiplier_pct between 100 and 1000),
  -- Daily tiers, by ascending threshold (California: {480, 720} minutes at {150, 200} %).
  daily_overtime_minutes integer[] not null default '{}',
  daily_overtime_multiplier_pct smallint[] not null default '{}',
  -- The channel hears when someone on the clock will reach overtime within this many minutes
  -- (0: never).
  overtime_warning_minutes smallint not null default 60
    check (overtime_warning_minutes between 0 and 600),
  updated_at timestamptz not null default now(),
  check (pg_catalog.cardinality(daily_overtime_minutes)
    = pg_catalog.cardinality(daily_overtime_multiplier_pct)),
  check (pipeline.ascending_tiers(daily_overtime_minutes, daily_overtime_multiplier_pct))
);
comment on table public.company_settings is
  'Per 7shifts company: how its staff are named in messages (show_full_names, default false) '
  'and its overtime policy (workweek start, weekly threshold, daily tiers; default federal).';

-- Names are personal data: service_role only, like the rest of the pipeline's tables.
alter table public.staff enable row level security;
alter table public.company_settings enable row level security;
revoke all on public.staff, public.company_settings from anon, authenticated;
grant select, insert, update, delete on public.staff, public.company_settings to service_role;

-- Stores one staff member from a `user.*` delivery (shared/sevenshifts_users.ts StaffMember:
-- userId, companyId, firstName, lastName, active, modifiedAt) unless a newer version is kept.
-- Returns 'applied' or 'stale'.
create or replace function pipeline.apply_sevenshifts_staff(staff jsonb, inbound_event_id bigint)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_rows integer;
begin
  insert into public.staff as s (sevenshifts_company_id, user_id, first_name, last_name,
    active, vendor_modified_at, inbound_event_id, updated_at)
  values ((staff ->> 'companyId')::bigint, (staff ->> 'userId')::bigint,
    staff ->> 'firstName', staff ->> 'lastName', (staff ->> 'active')::boolean,
    (staff ->> 'modifiedAt')::timestamptz, apply_sevenshifts_staff.inbound_event_id,
    pg_catalog.now())
  on conflict (sevenshifts_company_id, user_id) do update set
    first_name = excluded.first_name,
    last_name = excluded.last_name,
    active = excluded.active,
    vendor_modified_at = excluded.vendor_modified_at,
    inbound_event_id = excluded.inbound_event_id,
    updated_at = excluded.updated_at
  where s.vendor_modified_at < excluded.vendor_modified_at
    or (s.vendor_modified_at = excluded.vendor_modified_at
      and coalesce(s.inbound_event_id, 0) < coalesce(excluded.inbound_event_id, 0));
  get diagnostics v_rows = row_count;
  return case when v_rows > 0 then 'applied' else 'stale' end;
end
$$;
comment on function pipeline.apply_sevenshifts_staff(jsonb, bigint) is
  'Stores a 7shifts user (user.* webhook) unless a newer version is kept; applied or stale.';

-- The name a message shows for a company's user (staffDisplayName in
-- shared/sevenshifts_users.ts): first name and last initial, the full name when the company
-- allows it, 'user <id>' when the pipeline does not know them or they have no name.
create or replace function pipeline.staff_display_name(company_id bigint, user_id bigint)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select case
    when coalesce(s.first_name, '') = '' and coalesce(s.last_name, '') = ''
      then 'user ' || staff_display_name.user_id::text
    when coalesce(c.show_full_names, false) or s.last_name = ''
      then pg_catalog.btrim(s.first_name || ' ' || s.last_name)
    when s.first_name = '' then pg_catalog.left(s.last_name, 1) || '.'
    else s.first_name || ' ' || pg_catalog.left(s.last_name, 1) || '.'
  end
  from (select 1) as one
  left join public.staff as s
    on s.sevenshifts_company_id = staff_display_name.company_id
      and s.user_id = staff_display_name.user_id
  left join public.company_settings as c
    on c.sevenshifts_company_id = staff_display_name.company_id
$$;
comment on function pipeline.staff_display_name(bigint, bigint) is
  'How messages name a 7shifts user: "Avery Q.", the full name if the company allows it, or '
  '"user 503".';

revoke all on function pipeline.apply_sevenshifts_staff(jsonb, bigint)
  from public, anon, authenticated;
revoke all on function pipeline.staff_display_name(bigint, bigint)
  from public, anon, authenticated;
grant execute on function pipeline.staff_display_name(bigint, bigint) to service_role;
