-- Morning flash and quiet hours (issue 19): each channel hears once a morning how yesterday went
-- at the locations it serves, and a location's non-critical alerts wait for that message during
-- its quiet hours instead of pinging at 2 AM.
--
-- * Settings per location: flash_local_hour (default 7; null = this location is in no flash) and
--   quiet hours quiet_hours_start / quiet_hours_end (local wall-clock times, both null = none, the
--   default; a range may wrap midnight, 22:00-07:00).
-- * A channel is a webhook URL set on a location (slack_webhook_url, discord_webhook_url); several
--   locations may share one. Locations that rely on the notifier's SLACK_WEBHOOK_URL /
--   DISCORD_WEBHOOK_URL defaults are in no flash (the database cannot see those URLs).
-- * "Yesterday" of a location is its previous business day by its cut-off. A location's flash for
--   business day D is due at its first flash hour after D closed: local (D + 1) at the flash hour,
--   or (D + 2) when the flash hour is before the cut-off hour (at 02:00 the day is still open). A
--   channel's flash for D is due once it is due at EVERY location the channel serves (the latest
--   of their times), so every location's D is closed: a channel serving New York and Los Angeles
--   hears about D at 7 AM Los Angeles; one serving Sydney and New York at 7 AM New York. Every
--   location of one flash reports the same calendar business day D.
-- * Exactly once per location, channel kind and business day (pipeline.flash_sends, primary
--   key): a second run, two runs at once, or a run after a channel's webhook URL was replaced,
--   report no location's day twice. A missed morning is sent late, once, as long as it
--   is less than a day past due; a flash more than a day past due is never sent (the next day's is
--   due by then). A channel with nothing to report for D (no figures at any of its locations and
--   nothing held) gets no flash.
-- * Delivery: the flash is one row of the alerts outbox (kind 'flash', on the channel's first
--   location, target_channels = that channel's kind only, details = the flash's facts,
--   shared/flash_messages.ts FlashDetails), so it has the one delivery path every alert has:
--   the database webhook, the sweep, retries, pacing per webhook, attempts. A sibling outbox would
--   have needed its own claim, sweep and bookkeeping for one message a day. It stands in no
--   location's line (pipeline.claim_alerts): it neither waits for that location's alerts nor
--   holds them up.
-- * Quiet hours: an alert inserted while its location's local time (pipeline.current_clock) is
--   inside the quiet hours is stored 'held' (a BEFORE INSERT trigger), unless it is critical (kind
--   'critical', or any kind whose details.level is 'critical': the projection alert's escalation).
--   Held alerts are never claimed nor posted; the location's next flash on each of its channels
--   lists them ("while you were closed") and, once every channel of the location has listed it,
--   the alert is 'flashed' (done). Quiet hours hold alerts only at a location in a flash (a flash
--   hour and a channel URL). A held alert is posted when its quiet hours end, to the channels
--   that have not listed it, when no flash of its channels will list it within 3 hours of that
--   end (held after that morning's flash; a channel shared with a location whose flash comes at
--   noon or in another time zone; a location that left every flash), and an hour after the flash
--   that should have listed it did not (pipeline.release_held_alerts, run with the flash job).
-- * pg_cron runs pipeline.create_due_flashes() every 15 minutes; all clocks are
--   pipeline.current_clock(), so tests and replays inject it.

set lock_timeout = '5s';
set statement_timeout = '60s';

alter table public.locations
  add column if not exists flash_local_hour smallint default 7
    check (flash_local_hour between 0 and 23),
  add column if not exists quiet_hours_start time,
  -- Both or neither, and not an empty range.
  add column if not exists quiet_hours_end time check (
    (quiet_hours_start is null) = (quiet_hours_end is null)
    and (quiet_hours_start is null or quiet_hours_start <> quiet_hours_end));
comment on column public.locations.flash_local_hour is
  'Local hour (0-23) of the morning flash about yesterday; null = no flash for this location.';
comment on column public.locations.quiet_hours_start is
  'Start of quiet hours (local time; may wrap midnight with quiet_hours_end): non-critical '
  'alerts raised inside them wait for the next morning flash.';

-- Held alerts: when they were held (by pipeline.current_clock), which channels' flashes have
-- listed them, and the (last) flash that did.
alter table public.alerts
  add column if not exists held_at timestamptz,
  add column if not exists flashed_channels text[] not null default '{}',
  add column if not exists flash_alert_id bigint;

-- One row per location, channel kind and business day a flash reported: what makes it exactly
-- once. Keyed by location, not by webhook URL: a channel whose URL is replaced (a regenerated
-- Slack webhook) after the morning's flash must not hear about the same day again.
create table if not exists pipeline.flash_sends (
  channel_kind text not null check (channel_kind in ('slack', 'discord')),
  location_id bigint not null references public.locations (id) on delete cascade,
  business_date date not null,
  alert_id bigint references public.alerts (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (channel_kind, location_id, business_date)
);
revoke all on pipeline.flash_sends from public, anon, authenticated, service_role;
comment on table pipeline.flash_sends is
  'The morning flashes created: which location''s business day each channel kind (Slack, '
  'Discord) has heard about, and in which flash (alerts row).';

-- ---------------------------------------------------------------------------------------
-- Quiet hours
-- ---------------------------------------------------------------------------------------

-- Whether local time `at` lies in [start_at, end_at), the range wrapping midnight when start_at
-- is after end_at (22:00-07:00 holds 23:30 and 06:59, not 07:00).
create or replace function pipeline.in_quiet_hours(at time, start_at time, end_at time)
returns boolean
language sql
immutable
parallel safe
as $$
  select case
    when start_at is null or end_at is null then false
    when start_at < end_at then at >= start_at and at < end_at
    else at >= start_at or at < end_at
  end
$$;

create or replace function pipeline.hold_quiet_alert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  loc public.locations%rowtype;
  v_clock timestamptz;
begin
  if new.kind in ('critical', 'flash') or coalesce(new.details ->> 'level', '') = 'critical'
    or new.status <> 'pending' then
    return new;
  end if;
  select * into loc from public.locations as l where l.id = new.location_id;
  if loc.quiet_hours_start is null or loc.flash_local_hour is null
    or (loc.slack_webhook_url is null and loc.discord_webhook_url is null) then
    return new;
  end if;
  v_clock := pipeline.current_clock();
  if pipeline.in_quiet_hours((v_clock at time zone loc.time_zone)::time, loc.quiet_hours_start,
    loc.quiet_hours_end) then
    new.status := 'held';
    new.held_at := v_clock;
  end if;
  return new;
end
$$;

drop trigger if exists alerts_hold_in_quiet_hours on public.alerts;
create trigger alerts_hold_in_quiet_hours
  before insert on public.alerts
  for each row execute function pipeline.hold_quiet_alert();

-- ---------------------------------------------------------------------------------------
-- When a flash is due
-- ---------------------------------------------------------------------------------------

-- The instant a location's flash about business day `day` is due: its first flash hour after the
-- day closed (local day + 1 at the flash hour, or day + 2 when the hour is before the cut-off).
-- Local wall-clock time, so DST days keep 7:00 at 7:00.
create or replace function pipeline.flash_due_at(
  day date,
  time_zone text,
  cutoff_hour smallint,
  flash_hour smallint
)
returns timestamptz
language sql
immutable
parallel safe
as $$
  select ((day + case when flash_hour >= cutoff_hour then 1 else 2 end)
    + pg_catalog.make_time(flash_hour, 0, 0)) at time zone time_zone
$$;

-- Every location in a flash on each of its channels: one row per location and channel (kind
-- and webhook URL) it has a URL of its own for, with what its flash time is worked out from.
-- The flash job groups them into channels; the release of held alerts finds an alert's channels.
create or replace function pipeline.flash_channel_locations()
returns table (
  id bigint,
  time_zone text,
  business_day_cutoff_hour smallint,
  flash_local_hour smallint,
  kind text,
  url text
)
language sql
stable
security definer
set search_path = ''
as $$
  select l.id, l.time_zone, l.business_day_cutoff_hour, l.flash_local_hour, c.kind, c.url
  from public.locations as l
  cross join lateral (values ('slack', l.slack_webhook_url),
    ('discord', l.discord_webhook_url)) as c(kind, url)
  where c.url is not null and l.flash_local_hour is not null and l.alerts_enabled
$$;
comment on function pipeline.flash_channel_locations() is
  'The locations in a morning flash, one row per channel (kind, webhook URL) each posts to.';

-- ---------------------------------------------------------------------------------------
-- What a flash says (camelCase: shared/flash_messages.ts FlashDetails)
-- ---------------------------------------------------------------------------------------

-- One location's part of the flash about `day`, listing the alerts held for it before
-- `held_until` (the flash's due time: a late flash never takes alerts held after it was due,
-- they wait for the next one) that `channel` has not listed yet.
create or replace function pipeline.flash_location_facts(
  loc public.locations,
  day date,
  channel text,
  held_until timestamptz
)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  m public.daily_metrics%rowtype;
  v_week_start date;
  v_week jsonb;
  v_alerts jsonb;
  v_not_delivered bigint;
  v_sync jsonb;
  v_quality jsonb;
  v_held jsonb;
begin
  select * into m from public.daily_metrics as d
  where d.location_id = loc.id and d.business_date = flash_location_facts.day;

  v_week_start := pipeline.workweek_of(flash_location_facts.day, coalesce((
    select c.workweek_start_iso_day from public.company_settings as c
    where c.sevenshifts_company_id = loc.sevenshifts_company_id), 1::smallint));
  select pg_catalog.jsonb_build_object(
      'startDate', pg_catalog.to_char(v_week_start, 'YYYY-MM-DD'),
      'days', count(*),
      'netSalesCents', coalesce(sum(d.net_sales_cents), 0),
      'laborCostCents', coalesce(sum(d.labor_cost_cents), 0),
      'laborPctBp', pipeline.labor_pct_bp(coalesce(sum(d.labor_cost_cents), 0),
        coalesce(sum(d.net_sales_cents), 0)))
    into v_week
  from public.daily_metrics as d
  where d.location_id = loc.id
    and d.business_date between v_week_start and flash_location_facts.day;

  -- Alerts raised for the day (held ones are listed on their own below), and how many of them
  -- reached no channel at all (failed for good everywhere, or nowhere to post).
  select coalesce(pg_catalog.jsonb_object_agg(k.kind, k.n), '{}'::jsonb),
      coalesce(sum(k.not_delivered), 0)
    into v_alerts, v_not_delivered
  from (
    select a.kind, count(*) as n,
      count(*) filter (where a.status in ('failed', 'undeliverable')
        and pg_catalog.cardinality(a.delivered_channels) = 0) as not_delivered
    from public.alerts as a
    where a.location_id = loc.id and a.business_date = flash_location_facts.day
      and a.kind not in ('flash', 'sync') and a.status not in ('held', 'flashed')
    group by a.kind
  ) as k;

  -- What the vendor syncs corrected on the day: each missed row counted once, on its own day,
  -- notice or not (pipeline.sync_day_corrections, 20261129000100_vendor_sync.sql); "after" is
  -- the day's labor % now while the run that last corrected it is still going. `notices`: the
  -- sync notices that list the day among those they moved.
  select pg_catalog.jsonb_build_object(
      'notices', (select count(*) from public.alerts as a
        where a.location_id = loc.id and a.kind = 'sync'
          and a.details -> 'days' @> pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'businessDate', pg_catalog.to_char(flash_location_facts.day, 'YYYY-MM-DD')))),
      'ordersMissed', c.orders_missed,
      'punchesMissed', c.punches_missed,
      'breakEditsMissed', c.break_edits_missed,
      'laborPctBpBefore', c.labor_pct_bp_before,
      'laborPctBpAfter', coalesce(c.labor_pct_bp_after, m.labor_pct_bp))
    into v_sync
  from pipeline.sync_day_corrections as c
  where c.location_id = loc.id and c.business_date = flash_location_facts.day;

  select pg_catalog.jsonb_build_object(
      'punchesWithoutWage', count(*) filter (where p.hourly_wage_cents = 0),
      'unknownStaff', count(distinct p.user_id) filter (where p.user_id is not null
        and not exists (select 1 from public.staff as s
          where s.sevenshifts_company_id = p.sevenshifts_company_id and s.user_id = p.user_id)),
      'punchesNoSales', coalesce(m.punch_count > 0 and m.order_count = 0, false),
      'salesNoPunches', coalesce(m.order_count > 0 and m.punch_count = 0, false))
    into v_quality
  from public.punches as p
  where p.location_id = loc.id and p.business_date = flash_location_facts.day and not p.deleted;

  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'alertId', a.id,
      'kind', a.kind,
      'level', a.details ->> 'level',
      'heldAt', a.held_at,
      'businessDate', pg_catalog.to_char(a.business_date, 'YYYY-MM-DD'),
      'laborPctBp', a.labor_pct_bp,
      'laborTargetBp', a.labor_target_bp) order by a.id), '[]'::jsonb)
    into v_held
  from public.alerts as a
  where a.location_id = loc.id and a.status = 'held'
    and a.held_at <= flash_location_facts.held_until
    and not (flash_location_facts.channel = any (a.flashed_channels));

  return pg_catalog.jsonb_build_object(
    'locationId', loc.id,
    'locationName', loc.name,
    'timeZone', loc.time_zone,
    'laborTargetBp', loc.labor_target_bp,
    'day', case when m.location_id is not null then pg_catalog.jsonb_build_object(
      'netSalesCents', m.net_sales_cents,
      'laborCostCents', m.labor_cost_cents,
      'overtimePremiumCents', m.overtime_premium_cents,
      'overtimeMinutes', m.overtime_minutes,
      'paidLaborSeconds', m.paid_labor_seconds,
      'laborPctBp', m.labor_pct_bp,
      'splhCents', m.splh_cents,
      'orderCount', m.order_count,
      'punchCount', m.punch_count) end,
    'week', v_week,
    'alerts', v_alerts,
    'alertsNotDelivered', v_not_delivered,
    'syncCorrections', v_sync,
    'dataQuality', v_quality,
    'held', v_held
  );
end
$$;

-- ---------------------------------------------------------------------------------------
-- The job
-- ---------------------------------------------------------------------------------------

-- Creates every flash that is due at pipeline.current_clock() and not created yet (see the
-- header). `only_location_ids` limits it to the channels serving any of those locations (a
-- channel's flash still covers all its locations): an operator's or a test's call. Returns the
-- number of flashes created.
create or replace function pipeline.create_due_flashes(only_location_ids bigint[] default null)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_clock timestamptz := pipeline.current_clock();
  ch record;
  loc public.locations%rowtype;
  first_loc public.locations%rowtype;
  v_unsent bigint[];
  v_claimed bigint[];
  v_facts jsonb;
  v_locations jsonb;
  v_held_ids bigint[];
  v_alert_id bigint;
  v_created integer := 0;
  v_net bigint;
  v_cost bigint;
  v_seconds bigint;
  v_orders bigint;
  v_punches bigint;
begin
  for ch in
    with served as (select * from pipeline.flash_channel_locations()),
    channels as (
      select s.kind, s.url, pg_catalog.array_agg(s.id order by s.id) as location_ids
      from served as s
      group by s.kind, s.url
      having create_due_flashes.only_location_ids is null
        or pg_catalog.array_agg(s.id) && create_due_flashes.only_location_ids
    ),
    -- Each channel's latest business day whose flash is due (at every location it serves).
    due as (
      select c.kind, c.url, c.location_ids, d.day::date as day,
        (select max(pipeline.flash_due_at(d.day::date, s.time_zone, s.business_day_cutoff_hour,
            s.flash_local_hour))
          from served as s where s.kind = c.kind and s.url = c.url) as due_at
      from channels as c
      cross join lateral pg_catalog.generate_series(
        (v_clock at time zone 'UTC')::date - 3, (v_clock at time zone 'UTC')::date, '1 day')
        as d(day)
    )
    select distinct on (x.kind, x.url) x.kind, x.url, x.location_ids, x.day, x.due_at
    from due as x
    where x.due_at <= v_clock
    order by x.kind, x.url, x.day desc
  loop
    -- More than a day past due: the next day's flash is the news now.
    continue when v_clock >= ch.due_at + interval '1 day';
    -- The channel's locations whose day no flash of this kind has reported yet.
    v_unsent := array(
      select x from pg_catalog.unnest(ch.location_ids) as x
      where not exists (select 1 from pipeline.flash_sends as f
        where f.channel_kind = ch.kind and f.location_id = x and f.business_date = ch.day)
      order by x);
    continue when pg_catalog.cardinality(v_unsent) = 0;

    v_locations := '[]'::jsonb;
    v_held_ids := '{}';
    for loc in
      select * from public.locations as l where l.id = any (v_unsent) order by l.id
    loop
      v_facts := pipeline.flash_location_facts(loc, ch.day, ch.kind, ch.due_at);
      v_locations := v_locations || pg_catalog.jsonb_build_array(v_facts);
      v_held_ids := v_held_ids || array(
        select (h ->> 'alertId')::bigint
        from pg_catalog.jsonb_array_elements(v_facts -> 'held') as h);
    end loop;
    -- Nothing to report: no figures anywhere and nothing held.
    continue when pg_catalog.cardinality(v_held_ids) = 0 and not exists (
      select 1 from pg_catalog.jsonb_array_elements(v_locations) as x
      where x -> 'day' <> 'null'::jsonb);
    -- Exactly once, also against a concurrent run: this flash reports the locations it claims
    -- (a concurrent run that claimed some first reports those).
    with claimed as (
      insert into pipeline.flash_sends (channel_kind, location_id, business_date)
      select ch.kind, x, ch.day from pg_catalog.unnest(v_unsent) as x
      on conflict do nothing
      returning location_id
    )
    select array(select c.location_id from claimed as c order by c.location_id) into v_claimed;
    continue when pg_catalog.cardinality(v_claimed) = 0;
    if pg_catalog.cardinality(v_claimed) < pg_catalog.cardinality(v_unsent) then
      v_locations := (select coalesce(pg_catalog.jsonb_agg(x order by (x ->> 'locationId')::bigint),
          '[]'::jsonb)
        from pg_catalog.jsonb_array_elements(v_locations) as x
        where (x ->> 'locationId')::bigint = any (v_claimed));
      v_held_ids := array(
        select (h ->> 'alertId')::bigint
        from pg_catalog.jsonb_array_elements(v_locations) as x,
          pg_catalog.jsonb_array_elements(x -> 'held') as h);
    end if;

    select coalesce(sum(d.net_sales_cents), 0), coalesce(sum(d.labor_cost_cents), 0),
      coalesce(sum(d.paid_labor_seconds), 0), coalesce(sum(d.order_count), 0),
      coalesce(sum(d.punch_count), 0)
      into v_net, v_cost, v_seconds, v_orders, v_punches
    from public.daily_metrics as d
    where d.location_id = any (v_claimed) and d.business_date = ch.day;
    select * into strict first_loc from public.locations as l where l.id = v_claimed[1];

    insert into public.alerts (location_id, business_date, kind, from_state, location_name,
      time_zone, labor_pct_bp, labor_target_bp, critical_threshold_bp, recovery_threshold_bp,
      net_sales_cents, labor_cost_cents, paid_labor_seconds, cplh_cents, splh_cents,
      order_count, punch_count, open_punch_count, metrics_as_of, target_channels, details)
    values (first_loc.id, ch.day, 'flash', 'ok', first_loc.name, first_loc.time_zone,
      pipeline.labor_pct_bp(v_cost, v_net), first_loc.labor_target_bp,
      first_loc.labor_target_bp + first_loc.critical_margin_bp,
      first_loc.labor_target_bp - first_loc.recovery_hysteresis_bp, v_net, v_cost, v_seconds,
      pipeline.per_labor_hour_cents(v_cost, v_seconds),
      pipeline.per_labor_hour_cents(v_net, v_seconds), v_orders, v_punches, 0, v_clock,
      array[ch.kind],
      pg_catalog.jsonb_build_object(
        'channel', ch.kind,
        'businessDate', pg_catalog.to_char(ch.day, 'YYYY-MM-DD'),
        'dueAt', ch.due_at,
        'locations', v_locations,
        'totals', pg_catalog.jsonb_build_object(
          'netSalesCents', v_net,
          'laborCostCents', v_cost,
          'laborPctBp', pipeline.labor_pct_bp(v_cost, v_net),
          'splhCents', pipeline.per_labor_hour_cents(v_net, v_seconds)),
        -- Deliveries held because no location is mapped to them: pipeline-wide, by source
        -- (an unmapped event names no location of ours).
        'unmappedEvents', (
          select pg_catalog.jsonb_build_object(
            'toast', count(*) filter (where e.source = 'toast'),
            'sevenshifts', count(*) filter (where e.source = '7shifts'))
          from public.inbound_events as e where e.outcome = 'unmapped')))
    returning id into v_alert_id;
    update pipeline.flash_sends as f set alert_id = v_alert_id
    where f.channel_kind = ch.kind and f.location_id = any (v_claimed)
      and f.business_date = ch.day;

    -- The held alerts it lists are done on this channel; done for good once every channel of
    -- their location has listed them.
    update public.alerts as a
    set flashed_channels = a.flashed_channels || ch.kind,
      flash_alert_id = v_alert_id,
      status = case when pg_catalog.array_remove(array[
            case when l.slack_webhook_url is not null then 'slack' end,
            case when l.discord_webhook_url is not null then 'discord' end], null)
          <@ (a.flashed_channels || ch.kind) then 'flashed' else a.status end,
      updated_at = pg_catalog.now()
    from public.locations as l
    where a.id = any (v_held_ids) and l.id = a.location_id;
    v_created := v_created + 1;
  end loop;
  perform pipeline.release_held_alerts(create_due_flashes.only_location_ids);
  return v_created;
end
$$;
-- Alerts held in quiet hours go out when the quiet hours end unless a flash will list them soon.
-- The flash that lists a held alert is, on each channel of its location that has not listed it
-- yet, the first flash of that channel due at or after the alert was held (a channel's flash is
-- due at the latest flash time of the locations it serves, which may be hours after the
-- location's own flash hour, or in another time zone). An alert is made pending again (and the
-- notifier woken) once its quiet hours are over and:
-- * that flash is due more than 3 hours after the end of its quiet hours (held after the
--   morning's flash; a channel whose flash comes at noon), or
-- * no flash will list it (its location left every flash: no flash hour, no URL of its own,
--   alerts disabled), or
-- * that flash was due an hour ago or more and did not list it (a flash job that read the held
--   alerts just before this one committed; a flash more than a day late, never sent).
-- A released alert goes only to the channels whose flash has not listed it
-- (pipeline.claim_locked_alert). Run at the end of every flash job, so within 15 minutes.
-- Returns how many it released.
create or replace function pipeline.release_held_alerts(only_location_ids bigint[] default null)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_clock timestamptz := pipeline.current_clock();
  v_released integer;
begin
  with held as (
    select a.id, a.held_at, a.location_id, a.flashed_channels, l.time_zone, l.quiet_hours_end,
      (a.held_at at time zone l.time_zone) as held_local
    from public.alerts as a
    join public.locations as l on l.id = a.location_id
    where a.status = 'held'
      and (release_held_alerts.only_location_ids is null
        or a.location_id = any (release_held_alerts.only_location_ids))
  ),
  served as (select * from pipeline.flash_channel_locations()),
  timed as (
    select h.id,
      -- The end of the quiet hours the alert was held in (null: the location has none now).
      ((h.held_local::date + case when h.held_local::time < h.quiet_hours_end then 0 else 1 end)
        + h.quiet_hours_end) at time zone h.time_zone as quiet_end,
      -- The last of its channels' flashes to list it (null: none will).
      (select max(ch.next_due)
        from served as s
        cross join lateral (
          select min(x.due_at) as next_due
          from pg_catalog.generate_series((h.held_at at time zone 'UTC')::date - 2,
            (h.held_at at time zone 'UTC')::date + 1, '1 day') as d(day)
          cross join lateral (
            select max(pipeline.flash_due_at(d.day::date, o.time_zone,
                o.business_day_cutoff_hour, o.flash_local_hour)) as due_at
            from served as o where o.kind = s.kind and o.url = s.url
          ) as x
          where x.due_at >= h.held_at
        ) as ch
        where s.id = h.location_id and not (s.kind = any (h.flashed_channels))) as next_flash
    from held as h
  )
  update public.alerts as a
  set status = 'pending', next_attempt_at = v_clock, updated_at = pg_catalog.now()
  from timed as t
  where a.id = t.id
    and (t.quiet_end is null or (t.quiet_end <= v_clock and (t.next_flash is null
      or t.next_flash > t.quiet_end + interval '3 hours'
      or t.next_flash + interval '1 hour' <= v_clock)));
  get diagnostics v_released = row_count;
  if v_released > 0 then
    -- Delivered now, not at the next minute's sweep.
    perform pipeline.request_alert_sweep();
  end if;
  return v_released;
end
$$;
comment on function pipeline.release_held_alerts(bigint[]) is
  'Posts held alerts whose quiet hours are over when no flash of their channels will list them '
  'within 3 hours of that end, or the one that should have did not, or at once when the '
  'location no longer has quiet hours. Run by the flash job.';

comment on function pipeline.create_due_flashes(bigint[]) is
  'Creates the morning flashes due at pipeline.current_clock(): one per channel and business '
  'day, less than a day late. pg_cron runs it every 15 minutes.';

revoke all on function pipeline.in_quiet_hours(time, time, time) from public, anon, authenticated;
revoke all on function pipeline.hold_quiet_alert() from public, anon, authenticated;
revoke all on function pipeline.flash_due_at(date, text, smallint, smallint)
  from public, anon, authenticated;
revoke all on function pipeline.flash_channel_locations() from public, anon, authenticated;
revoke all on function pipeline.flash_location_facts(public.locations, date, text, timestamptz)
  from public, anon, authenticated;
revoke all on function pipeline.create_due_flashes(bigint[]) from public, anon, authenticated;
revoke all on function pipeline.release_held_alerts(bigint[]) from public, anon, authenticated;
grant execute on function pipeline.create_due_flashes(bigint[]) to service_role;

do $$
begin
  if pg_catalog.to_regnamespace('cron') is not null then
    perform cron.schedule('morning-flash', '*/15 * * * *', 'select pipeline.create_due_flashes()');
  end if;
end
$$;
