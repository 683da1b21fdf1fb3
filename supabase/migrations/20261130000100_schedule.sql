-- Schedule: the published 7shifts shifts of each mapped location, so that a day's labor cost can
-- be projected to its close (issue 19, docs/projection.md). 7shifts has no shift webhooks: its
-- `schedule.published` webhook and the hourly vendor sync pull `GET /v2/company/{id}/shifts`
-- (published only) for a date range and replace that range here; deleted shifts are removed.
--
-- * public.scheduled_shifts: one row per published, not deleted 7shifts shift at a mapped
--   location, with its business day (the local date of its start, shifted back by the cut-off).

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists public.scheduled_shifts (
  sevenshifts_shift_id bigint primary key,
  location_id bigint not null references public.locations (id) on delete cascade,
  business_date date not null,
  sevenshifts_company_id bigint not null,
  sevenshifts_location_id bigint not null,
  -- Null for an open (unassigned) shift: still labor the schedule expects to pay.
  user_id bigint,
  role_id bigint,
  department_id bigint,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  -- Cents per hour, exact (7shifts' v2 API gives cents; kept as numeric like punches' wages).
  hourly_wage_cents numeric not null
    check (hourly_wage_cents >= 0 and hourly_wage_cents = round(hourly_wage_cents, 2)),
  vendor_modified_at timestamptz not null,
  pulled_at timestamptz not null default now(),
  check (ends_at > starts_at and ends_at - starts_at <= interval '24 hours')
);
create index if not exists scheduled_shifts_location_day
  on public.scheduled_shifts (location_id, business_date);
comment on table public.scheduled_shifts is
  'Published, not deleted 7shifts shifts per mapped location and business day, pulled by the '
  'vendor sync (schedule.published webhook, hourly refresh of today and tomorrow).';

alter table public.scheduled_shifts enable row level security;
revoke all on public.scheduled_shifts from anon, authenticated;
grant select on public.scheduled_shifts to service_role;

-- ---------------------------------------------------------------------------------------
-- Replacing a pulled range
-- ---------------------------------------------------------------------------------------
--
-- A pull is the list of a location's shifts that start within [range_start, range_end), as
-- 7shifts had them when the pull started (`pulled_at`). Out of order is safe both ways:
-- * a version never replaces a stored one with a newer `modified` (vendor_modified_at);
-- * a shift the pull does not return is removed only when the row was last confirmed by an
--   older pull (scheduled_shifts.pulled_at < pulled_at), and a removed shift is not brought
--   back by an older pull that still saw it (pipeline.shift_tombstones), unless that version
--   is newer than the one removed.

comment on column public.scheduled_shifts.pulled_at is
  'When the pull that last wrote or confirmed this row started (a pull that started earlier '
  'never removes it).';

-- Shifts a pull removed (deleted, unpublished, moved out of the range), so that a pull that
-- started earlier, finishing later, cannot bring one back with the version it saw.
create table if not exists pipeline.shift_tombstones (
  sevenshifts_shift_id bigint primary key,
  vendor_modified_at timestamptz not null,
  removed_by_pull_at timestamptz not null
);
create index if not exists shift_tombstones_age
  on pipeline.shift_tombstones (removed_by_pull_at);
comment on table pipeline.shift_tombstones is
  'Shifts a schedule pull removed: an older pull may not bring them back (kept 35 days).';
revoke all on pipeline.shift_tombstones from public, anon, authenticated;

-- Remembers a removed shift (the newest removal wins).
create or replace function pipeline.bury_shift(
  shift_id bigint,
  vendor_modified_at timestamptz,
  pulled_at timestamptz
)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into pipeline.shift_tombstones as t (sevenshifts_shift_id, vendor_modified_at,
    removed_by_pull_at)
  values (bury_shift.shift_id, bury_shift.vendor_modified_at, bury_shift.pulled_at)
  on conflict (sevenshifts_shift_id) do update set
    vendor_modified_at = greatest(t.vendor_modified_at, excluded.vendor_modified_at),
    removed_by_pull_at = greatest(t.removed_by_pull_at, excluded.removed_by_pull_at)
$$;
comment on function pipeline.bury_shift(bigint, timestamptz, timestamptz) is
  'Records a shift a schedule pull removed (pipeline.shift_tombstones).';

-- Replaces what is stored of one pulled range of a 7shifts location, in one transaction:
-- * every published, not deleted shift of the range is inserted or updated (business_date: the
--   local date of its start shifted back by the cut-off, pipeline.business_date_of), never over
--   a newer stored version;
-- * every shift the pull shows deleted or unpublished is removed;
-- * every stored shift of the location starting in the range that the pull did not return (nor
--   list among `seen_shift_ids`: shifts it returned that failed validation) is removed, when an
--   older pull stored it.
-- `shifts`: a JSON array of shared/sevenshifts_shifts.ts NormalizedShift. A shift of another
-- location, or starting outside the range, is ignored (counted). Shifts of an unmapped 7shifts
-- location are not stored: the result says `unmapped`. Returns the tallies.
create or replace function pipeline.replace_scheduled_shifts(
  company_id bigint,
  sevenshifts_location_id bigint,
  range_start timestamptz,
  range_end timestamptz,
  shifts jsonb,
  seen_shift_ids jsonb default '[]'::jsonb,
  pulled_at timestamptz default now()
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_loc public.locations;
  v_received integer;
  v_seen bigint[];
  s record;
  v_row public.scheduled_shifts;
  v_tomb pipeline.shift_tombstones;
  v_gone record;
  v_date date;
  v_inserted integer := 0;
  v_updated integer := 0;
  v_unchanged integer := 0;
  v_removed integer := 0;
  v_absent integer := 0;
  v_stale integer := 0;
  v_ignored integer := 0;
  v_missing integer := 0;
  v_other bigint[] := '{}';
begin
  if replace_scheduled_shifts.range_start is null or replace_scheduled_shifts.range_end is null
    or replace_scheduled_shifts.range_end <= replace_scheduled_shifts.range_start then
    raise exception 'range_end must be after range_start' using errcode = '22023';
  end if;
  if pg_catalog.jsonb_typeof(replace_scheduled_shifts.shifts) is distinct from 'array' then
    raise exception 'shifts must be a JSON array' using errcode = '22023';
  end if;
  if replace_scheduled_shifts.pulled_at is null then
    raise exception 'pulled_at is required' using errcode = '22023';
  end if;
  v_received := pg_catalog.jsonb_array_length(replace_scheduled_shifts.shifts);
  select * into v_loc from public.locations as l
  where l.sevenshifts_company_id = replace_scheduled_shifts.company_id
    and l.sevenshifts_location_id = replace_scheduled_shifts.sevenshifts_location_id;
  if not found then
    return pg_catalog.jsonb_build_object('unmapped', true, 'locationId', null,
      'received', v_received, 'inserted', 0, 'updated', 0, 'unchanged', 0, 'removed', 0,
      'absent', 0, 'stale', 0, 'ignored', v_received, 'missingRemoved', 0);
  end if;
  -- One replace of a location at a time (the sync's lease allows one run per location; a
  -- direct call could race it).
  perform pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtextextended('pipeline.schedule:' || v_loc.id, 0));

  select coalesce(pg_catalog.array_agg(x::bigint), '{}') into v_seen
  from pg_catalog.jsonb_array_elements_text(
    coalesce(replace_scheduled_shifts.seen_shift_ids, '[]'::jsonb)) as x;

  for s in
    select * from pg_catalog.jsonb_to_recordset(replace_scheduled_shifts.shifts) as x (
      "shiftId" bigint, "companyId" bigint, "locationId" bigint, "userId" bigint,
      "roleId" bigint, "departmentId" bigint, "startsAt" timestamptz, "endsAt" timestamptz,
      "hourlyWageCents" numeric, published boolean, deleted boolean, "modifiedAt" timestamptz)
    order by 1
  loop
    if s."shiftId" is null or s."startsAt" is null or s."endsAt" is null
      or s."modifiedAt" is null then
      raise exception 'a shift needs shiftId, startsAt, endsAt and modifiedAt'
        using errcode = '22023';
    end if;
    if s."companyId" is distinct from replace_scheduled_shifts.company_id
      or s."locationId" is distinct from replace_scheduled_shifts.sevenshifts_location_id then
      v_ignored := v_ignored + 1;
      if not exists (
        select 1 from public.locations as l
        where l.sevenshifts_company_id = s."companyId"
          and l.sevenshifts_location_id = s."locationId"
      ) then
        v_other := v_other || s."locationId";
      end if;
      continue;
    end if;
    if s."startsAt" < replace_scheduled_shifts.range_start
      or s."startsAt" >= replace_scheduled_shifts.range_end then
      v_ignored := v_ignored + 1;
      continue;
    end if;
    v_seen := v_seen || s."shiftId";
    select * into v_row from public.scheduled_shifts as t
    where t.sevenshifts_shift_id = s."shiftId" for update;
    if v_row.sevenshifts_shift_id is not null and v_row.vendor_modified_at > s."modifiedAt" then
      v_stale := v_stale + 1;
      continue;
    end if;
    if not coalesce(s.published, false) or coalesce(s.deleted, false) then
      -- Deleted or unpublished: not on the schedule any more.
      perform pipeline.bury_shift(s."shiftId", s."modifiedAt", replace_scheduled_shifts.pulled_at);
      if v_row.sevenshifts_shift_id is not null then
        delete from public.scheduled_shifts as t where t.sevenshifts_shift_id = s."shiftId";
        v_removed := v_removed + 1;
      else
        v_absent := v_absent + 1;
      end if;
      continue;
    end if;
    v_date := pipeline.business_date_of(s."startsAt", v_loc.time_zone,
      v_loc.business_day_cutoff_hour);
    if v_row.sevenshifts_shift_id is null then
      select * into v_tomb from pipeline.shift_tombstones as t
      where t.sevenshifts_shift_id = s."shiftId";
      if v_tomb.sevenshifts_shift_id is not null
        and v_tomb.removed_by_pull_at > replace_scheduled_shifts.pulled_at
        and v_tomb.vendor_modified_at >= s."modifiedAt" then
        -- A newer pull removed this version already.
        v_stale := v_stale + 1;
        continue;
      end if;
      insert into public.scheduled_shifts (sevenshifts_shift_id, location_id, business_date,
        sevenshifts_company_id, sevenshifts_location_id, user_id, role_id, department_id,
        starts_at, ends_at, hourly_wage_cents, vendor_modified_at, pulled_at)
      values (s."shiftId", v_loc.id, v_date, s."companyId", s."locationId", s."userId",
        s."roleId", s."departmentId", s."startsAt", s."endsAt",
        coalesce(s."hourlyWageCents", 0), s."modifiedAt", replace_scheduled_shifts.pulled_at);
      delete from pipeline.shift_tombstones as t where t.sevenshifts_shift_id = s."shiftId";
      v_inserted := v_inserted + 1;
    elsif (v_row.location_id, v_row.business_date, v_row.user_id, v_row.role_id,
        v_row.department_id, v_row.starts_at, v_row.ends_at, v_row.hourly_wage_cents,
        v_row.vendor_modified_at)
      is not distinct from (v_loc.id, v_date, s."userId", s."roleId", s."departmentId",
        s."startsAt", s."endsAt", coalesce(s."hourlyWageCents", 0), s."modifiedAt") then
      update public.scheduled_shifts as t
      set pulled_at = greatest(t.pulled_at, replace_scheduled_shifts.pulled_at)
      where t.sevenshifts_shift_id = s."shiftId";
      v_unchanged := v_unchanged + 1;
    else
      update public.scheduled_shifts as t
      set location_id = v_loc.id, business_date = v_date,
        sevenshifts_company_id = s."companyId", sevenshifts_location_id = s."locationId",
        user_id = s."userId", role_id = s."roleId", department_id = s."departmentId",
        starts_at = s."startsAt", ends_at = s."endsAt",
        hourly_wage_cents = coalesce(s."hourlyWageCents", 0),
        vendor_modified_at = s."modifiedAt",
        pulled_at = greatest(t.pulled_at, replace_scheduled_shifts.pulled_at)
      where t.sevenshifts_shift_id = s."shiftId";
      v_updated := v_updated + 1;
    end if;
  end loop;

  -- What the pull no longer returns: unpublished, deleted, or moved away since.
  for v_gone in
    delete from public.scheduled_shifts as t
    where t.location_id = v_loc.id
      and t.starts_at >= replace_scheduled_shifts.range_start
      and t.starts_at < replace_scheduled_shifts.range_end
      and t.pulled_at < replace_scheduled_shifts.pulled_at
      and t.sevenshifts_shift_id <> all (v_seen)
    returning t.sevenshifts_shift_id, t.vendor_modified_at
  loop
    perform pipeline.bury_shift(v_gone.sevenshifts_shift_id, v_gone.vendor_modified_at,
      replace_scheduled_shifts.pulled_at);
    v_missing := v_missing + 1;
  end loop;

  delete from pipeline.shift_tombstones as t
  where t.removed_by_pull_at < replace_scheduled_shifts.pulled_at - interval '35 days';

  return pg_catalog.jsonb_build_object('unmapped', false, 'locationId', v_loc.id,
    'received', v_received, 'inserted', v_inserted, 'updated', v_updated,
    'unchanged', v_unchanged, 'removed', v_removed, 'absent', v_absent, 'stale', v_stale,
    'ignored', v_ignored, 'missingRemoved', v_missing,
    'unmappedLocations', (select coalesce(pg_catalog.jsonb_agg(distinct x), '[]'::jsonb)
      from pg_catalog.unnest(v_other) as x));
end
$$;
comment on function pipeline.replace_scheduled_shifts(bigint, bigint, timestamptz, timestamptz,
  jsonb, jsonb, timestamptz) is
  'Replaces the stored shifts of a 7shifts location starting in [range_start, range_end) with '
  'a pull''s: upserts published ones (never over a newer version), removes deleted, '
  'unpublished and no longer returned ones; one transaction. Returns the tallies.';

-- A location's time zone or cut-off changed: its shifts' business dates follow.
create or replace function pipeline.redate_scheduled_shifts()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.scheduled_shifts as t
  set business_date = pipeline.business_date_of(t.starts_at, new.time_zone,
    new.business_day_cutoff_hour)
  where t.location_id = new.id
    and t.business_date <> pipeline.business_date_of(t.starts_at, new.time_zone,
      new.business_day_cutoff_hour);
  return null;
end
$$;
comment on function pipeline.redate_scheduled_shifts() is
  'Trigger: a location''s shifts follow a change of its time zone or cut-off hour.';

drop trigger if exists locations_redate_scheduled_shifts on public.locations;
create trigger locations_redate_scheduled_shifts
  after update of time_zone, business_day_cutoff_hour on public.locations
  for each row
  when ((new.time_zone, new.business_day_cutoff_hour)
    is distinct from (old.time_zone, old.business_day_cutoff_hour))
  execute function pipeline.redate_scheduled_shifts();

-- ---------------------------------------------------------------------------------------
-- Pulls: sync runs of kind 'schedule' (20261129000100_vendor_sync.sql)
-- ---------------------------------------------------------------------------------------

-- The shifts a schedule run's pages returned, until its last page replaces the range with
-- them (the replace must see the whole range). `shift` null: returned but invalid (kept, so a
-- stored version is not removed for it).
create table if not exists pipeline.sync_run_shifts (
  run_id bigint not null references public.sync_runs (id) on delete cascade,
  sevenshifts_shift_id bigint not null,
  shift jsonb,
  primary key (run_id, sevenshifts_shift_id)
);
comment on table pipeline.sync_run_shifts is
  'Shifts a schedule run fetched so far (staged until its last page replaces the range).';
revoke all on pipeline.sync_run_shifts from public, anon, authenticated;

-- Queues a schedule pull of a location (or returns the equal one still waiting); null when the
-- location has no 7shifts connection to pull with. No post: callers post.
create or replace function pipeline.enqueue_schedule_pull(
  location_id bigint,
  shifts_from timestamptz,
  shifts_to timestamptz,
  window_end timestamptz
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_loc public.locations;
  v_conn bigint;
  v_id bigint;
begin
  if enqueue_schedule_pull.shifts_from is null or enqueue_schedule_pull.shifts_to is null
    or enqueue_schedule_pull.shifts_to <= enqueue_schedule_pull.shifts_from then
    raise exception 'shifts_to must be after shifts_from' using errcode = '22023';
  end if;
  select * into strict v_loc from public.locations as l
  where l.id = enqueue_schedule_pull.location_id;
  select c.sevenshifts_connection_id into v_conn
  from pipeline.location_sync_connections(v_loc.id) as c;
  if v_conn is null then
    return null;
  end if;
  select r.id into v_id from public.sync_runs as r
  where r.location_id = v_loc.id and r.kind = 'schedule' and r.state = 'pending'
    and r.started_at is null
    and r.shifts_from = enqueue_schedule_pull.shifts_from
    and r.shifts_to = enqueue_schedule_pull.shifts_to
  limit 1;
  if v_id is not null then
    return v_id;
  end if;
  insert into public.sync_runs (location_id, sevenshifts_connection_id, kind, phase, from_date,
    to_date, modified_since, window_end, shifts_from, shifts_to)
  values (v_loc.id, v_conn, 'schedule', 'sevenshifts_shifts',
    pipeline.business_date_of(enqueue_schedule_pull.shifts_from, v_loc.time_zone,
      v_loc.business_day_cutoff_hour),
    pipeline.business_date_of(enqueue_schedule_pull.shifts_to - interval '1 microsecond',
      v_loc.time_zone, v_loc.business_day_cutoff_hour),
    least(enqueue_schedule_pull.shifts_from,
      enqueue_schedule_pull.window_end - interval '1 millisecond'),
    enqueue_schedule_pull.window_end, enqueue_schedule_pull.shifts_from,
    enqueue_schedule_pull.shifts_to)
  returning id into v_id;
  return v_id;
end
$$;
comment on function pipeline.enqueue_schedule_pull(bigint, timestamptz, timestamptz,
  timestamptz) is
  'Queues a schedule run of a location over a shift start range (null: no 7shifts connection).';

-- A `schedule.published` delivery for a mapped location (shared/sevenshifts_shifts.ts
-- SchedulePublished: the first and last local date published): queues the pull of those dates
-- in full, local midnight to local midnight, and wakes vendor-sync. Returns the delivery's
-- outcome: 'applied' (queued), 'ignored' (no 7shifts connection to pull with).
create or replace function pipeline.schedule_published(
  p_location public.locations,
  p_schedule jsonb
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  v_id := pipeline.enqueue_schedule_pull(p_location.id,
    pipeline.business_day_start((p_schedule ->> 'startDate')::date, p_location.time_zone,
      0::smallint),
    pipeline.business_day_start((p_schedule ->> 'endDate')::date + 1, p_location.time_zone,
      0::smallint),
    pipeline.current_clock());
  if v_id is null then
    return 'ignored';
  end if;
  perform pipeline.post_sync_request(v_id);
  return 'applied';
end
$$;
comment on function pipeline.schedule_published(public.locations, jsonb) is
  'A schedule.published delivery: queues the pull of its dates and wakes vendor-sync.';

-- A `schedule.published` delivery (pipeline.ingest_sevenshifts), new or delivered again: the
-- same dates published twice make the same body, so every delivery pulls (pulls are
-- idempotent; a pull still waiting is not queued twice). `p_key`: "company:location", held
-- shared while the location is looked up, as for punches. Returns the outcome: 'unmapped'
-- (held; the mapping replays it through pipeline.apply_held_event), else as
-- pipeline.schedule_published.
create or replace function pipeline.apply_schedule_delivery(p_schedule jsonb, p_key text)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_location public.locations;
begin
  perform pipeline.share_location_key('7shifts', p_key);
  select * into v_location from public.locations as l
  where l.sevenshifts_company_id = (p_schedule ->> 'companyId')::bigint
    and l.sevenshifts_location_id = (p_schedule ->> 'locationId')::bigint;
  if v_location.id is null then
    return 'unmapped';
  end if;
  return pipeline.schedule_published(v_location, p_schedule);
end
$$;
comment on function pipeline.apply_schedule_delivery(jsonb, text) is
  'A schedule.published delivery: its pull queued (or held while its location is unmapped).';

-- One page of a schedule run (pipeline.sync_apply_page): stages its shifts (`shifts`,
-- NormalizedShift; `seenShiftIds`, returned but invalid), and on the last page
-- (`shiftsComplete`) replaces the run's range with everything staged, as the run's location
-- is mapped now, at the run's start (pulled_at). Returns {fetched, new, changed, unchanged,
-- held, schedule} for the run's counters, or null for a page without shifts.
create or replace function pipeline.sync_stage_shifts(
  p_run public.sync_runs,
  p_location public.locations,
  page jsonb
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_shifts jsonb := coalesce(page -> 'shifts', '[]'::jsonb);
  v_result jsonb;
begin
  if not (page ? 'shifts' or page ? 'seenShiftIds' or page ? 'shiftsComplete') then
    return null;
  end if;
  insert into pipeline.sync_run_shifts as x (run_id, sevenshifts_shift_id, shift)
  select p_run.id, (e ->> 'shiftId')::bigint, e
  from pg_catalog.jsonb_array_elements(v_shifts) as e
  on conflict (run_id, sevenshifts_shift_id) do update set shift = excluded.shift;
  insert into pipeline.sync_run_shifts (run_id, sevenshifts_shift_id, shift)
  select p_run.id, x::bigint, null
  from pg_catalog.jsonb_array_elements_text(coalesce(page -> 'seenShiftIds', '[]'::jsonb)) as x
  on conflict do nothing;
  if not coalesce((page ->> 'shiftsComplete')::boolean, false) then
    return pg_catalog.jsonb_build_object('fetched', pg_catalog.jsonb_array_length(v_shifts),
      'new', 0, 'changed', 0, 'unchanged', 0, 'held', 0);
  end if;
  if p_location.sevenshifts_company_id is null or p_location.sevenshifts_location_id is null
    or p_run.shifts_from is null then
    v_result := pg_catalog.jsonb_build_object('unmapped', true, 'locationId', null,
      'ignored', (select count(*) from pipeline.sync_run_shifts as x
        where x.run_id = p_run.id and x.shift is not null));
  else
    v_result := pipeline.replace_scheduled_shifts(p_location.sevenshifts_company_id,
      p_location.sevenshifts_location_id, p_run.shifts_from, p_run.shifts_to,
      coalesce((select pg_catalog.jsonb_agg(x.shift order by x.sevenshifts_shift_id)
        from pipeline.sync_run_shifts as x where x.run_id = p_run.id and x.shift is not null),
        '[]'::jsonb),
      coalesce((select pg_catalog.jsonb_agg(x.sevenshifts_shift_id)
        from pipeline.sync_run_shifts as x where x.run_id = p_run.id and x.shift is null),
        '[]'::jsonb),
      coalesce(p_run.started_at, pg_catalog.now()));
  end if;
  delete from pipeline.sync_run_shifts as x where x.run_id = p_run.id;
  update public.sync_runs as x set schedule = v_result where x.id = p_run.id;
  return pg_catalog.jsonb_build_object(
    'fetched', pg_catalog.jsonb_array_length(v_shifts),
    'new', coalesce((v_result ->> 'inserted')::integer, 0),
    'changed', coalesce((v_result ->> 'updated')::integer, 0)
      + coalesce((v_result ->> 'removed')::integer, 0),
    'unchanged', coalesce((v_result ->> 'unchanged')::integer, 0)
      + coalesce((v_result ->> 'absent')::integer, 0)
      + coalesce((v_result ->> 'stale')::integer, 0),
    'held', coalesce((v_result ->> 'ignored')::integer, 0));
end
$$;
comment on function pipeline.sync_stage_shifts(public.sync_runs, public.locations, jsonb) is
  'vendor-sync: stages a schedule run''s page of shifts; its last page replaces the range.';

-- ---------------------------------------------------------------------------------------
-- Privileges: only the owner calls these (through the sync and the 7shifts ingest).
-- ---------------------------------------------------------------------------------------

revoke all on function
  pipeline.bury_shift(bigint, timestamptz, timestamptz),
  pipeline.replace_scheduled_shifts(bigint, bigint, timestamptz, timestamptz, jsonb, jsonb,
    timestamptz),
  pipeline.redate_scheduled_shifts(),
  pipeline.enqueue_schedule_pull(bigint, timestamptz, timestamptz, timestamptz),
  pipeline.schedule_published(public.locations, jsonb),
  pipeline.apply_schedule_delivery(jsonb, text),
  pipeline.sync_stage_shifts(public.sync_runs, public.locations, jsonb)
from public, anon, authenticated;
