-- Ingest: the SQL half of the two webhooks. Each delivery is exactly one call of
-- pipeline.ingest_toast(event) or pipeline.ingest_sevenshifts(event), reached through a
-- procedure that also commits (pipeline.ingest_*_committed, at the end of this file), which
-- in ONE transaction logs the delivery in public.inbound_events, maps it to a location and
-- upserts the order (with its refunds) or the punch. The payload was validated and
-- normalised in TypeScript (shared/toast.ts, shared/sevenshifts.ts; shapes in shared/types.ts).
--
-- Order independence: a row keeps the newest version by (vendor modified time, version hash);
-- the hash (sha256 of the normalised payload) breaks ties so any arrival order converges on
-- the same row. An order or punch is one row, so moving it to another business date or
-- location updates that row and leaves nothing behind. A deleted punch is terminal: a
-- tombstone keeps a later-arriving older edit from bringing it back.
--
-- Unknown locations are not errors: the event is kept as 'unmapped' with its normalised
-- payload, and a trigger on public.locations applies it when the mapping appears.
--
-- The daily metrics are recomputed by statement-level triggers on orders, order_refunds and
-- punches (20261128000300_metrics.sql); nothing here computes them.

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '120s';

-- Punches known to be deleted, even before (or without) their row: deletion is terminal.
create table if not exists pipeline.punch_tombstones (
  sevenshifts_punch_id bigint primary key,
  recorded_at timestamptz not null default now()
);
revoke all on pipeline.punch_tombstones from public;
grant select on pipeline.punch_tombstones to service_role;

-- The deterministic tie-break between two versions with the same vendor modified time.
create or replace function pipeline.version_hash(payload jsonb, location_key text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  -- jsonb text is canonical (keys sorted, whitespace normalised), so equal payloads hash equal.
  select encode(sha256(convert_to(coalesce(location_key, '') || '|' || payload::text, 'UTF8')), 'hex')
$$;

-- Upserts one normalised Toast order (shared/types.ts NormalizedOrder) at a location and
-- replaces its refund set. Returns 'applied', or 'stale' when the stored version is newer or
-- the same.
create or replace function pipeline.apply_toast_order(
  p_location_id bigint,
  p_order jsonb,
  p_location_key text
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_guid uuid := (p_order ->> 'orderGuid')::uuid;
  v_applied boolean;
begin
  insert into public.orders as o (
    toast_order_guid, location_id, business_date, net_sales_cents, gross_sales_cents,
    discount_cents, tax_cents, tip_cents, gratuity_cents, deferred_cents, check_count,
    voided, deleted, excess_food, vendor_modified_at, version_hash, updated_at
  )
  values (
    v_guid,
    p_location_id,
    (p_order ->> 'businessDate')::date,
    (p_order ->> 'netSalesCents')::bigint,
    (p_order ->> 'grossSalesCents')::bigint,
    (p_order ->> 'discountCents')::bigint,
    (p_order ->> 'taxCents')::bigint,
    (p_order ->> 'tipCents')::bigint,
    (p_order ->> 'gratuityCents')::bigint,
    (p_order ->> 'deferredCents')::bigint,
    (p_order ->> 'checkCount')::integer,
    (p_order ->> 'voided')::boolean,
    (p_order ->> 'deleted')::boolean,
    (p_order ->> 'excessFood')::boolean,
    (p_order ->> 'modifiedAt')::timestamptz,
    pipeline.version_hash(p_order, p_location_key),
    now()
  )
  on conflict (toast_order_guid) do update set
    location_id = excluded.location_id,
    business_date = excluded.business_date,
    net_sales_cents = excluded.net_sales_cents,
    gross_sales_cents = excluded.gross_sales_cents,
    discount_cents = excluded.discount_cents,
    tax_cents = excluded.tax_cents,
    tip_cents = excluded.tip_cents,
    gratuity_cents = excluded.gratuity_cents,
    deferred_cents = excluded.deferred_cents,
    check_count = excluded.check_count,
    voided = excluded.voided,
    deleted = excluded.deleted,
    excess_food = excluded.excess_food,
    vendor_modified_at = excluded.vendor_modified_at,
    version_hash = excluded.version_hash,
    updated_at = now()
  -- The row lock taken by ON CONFLICT serialises concurrent versions; the newest wins.
  where (excluded.vendor_modified_at, excluded.version_hash) > (o.vendor_modified_at, o.version_hash)
  returning true into v_applied;

  if v_applied is null then
    return 'stale';
  end if;

  -- The refund set is part of the order version: replace it whole.
  delete from public.order_refunds where toast_order_guid = v_guid;
  insert into public.order_refunds (
    toast_order_guid, payment_guid, location_id, refund_business_date, refund_cents,
    tip_refund_cents
  )
  select
    v_guid,
    r ->> 'paymentGuid',
    p_location_id,
    (r ->> 'refundBusinessDate')::date,
    (r ->> 'refundCents')::bigint,
    (r ->> 'tipRefundCents')::bigint
  from jsonb_array_elements(coalesce(p_order -> 'refunds', '[]'::jsonb)) as r;

  return 'applied';
end;
$$;

-- Serialises every change to one 7shifts punch id, so a deletion and an edit arriving at the
-- same moment cannot interleave (the edit would not yet see the tombstone).
create or replace function pipeline.lock_punch(p_punch_id bigint)
returns void
language sql
security definer
set search_path = ''
as $$
  select pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtextextended('pipeline.punch:' || p_punch_id::text, 0)
  )
$$;

-- Records that a punch is deleted and marks its row (if any) deleted. Returns true when the
-- row changed.
create or replace function pipeline.delete_punch(p_punch_id bigint)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pipeline.lock_punch(p_punch_id);
  insert into pipeline.punch_tombstones (sevenshifts_punch_id)
  values (p_punch_id)
  on conflict (sevenshifts_punch_id) do nothing;
  update public.punches
  set deleted = true, updated_at = now()
  where sevenshifts_punch_id = p_punch_id and not deleted;
  return found;
end;
$$;

-- Upserts one normalised 7shifts punch (shared/types.ts NormalizedPunch) at a location,
-- computing its business date in the location's zone. A tombstoned punch stays deleted
-- whatever version arrives. Returns 'applied' or 'stale'.
create or replace function pipeline.apply_sevenshifts_punch(
  p_location_id bigint,
  p_time_zone text,
  p_cutoff_hour smallint,
  p_punch jsonb,
  p_location_key text
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id bigint := (p_punch ->> 'punchId')::bigint;
  v_clocked_in timestamptz := (p_punch ->> 'clockedInAt')::timestamptz;
  v_deleted boolean;
  v_applied boolean;
begin
  perform pipeline.lock_punch(v_id);
  if coalesce((p_punch ->> 'deleted')::boolean, false) then
    insert into pipeline.punch_tombstones (sevenshifts_punch_id)
    values (v_id)
    on conflict (sevenshifts_punch_id) do nothing;
  end if;
  v_deleted := exists (
    select 1 from pipeline.punch_tombstones where sevenshifts_punch_id = v_id
  );

  insert into public.punches as p (
    sevenshifts_punch_id, location_id, sevenshifts_company_id, sevenshifts_location_id,
    user_id, role_id, department_id, clocked_in_at, clocked_out_at, business_date,
    unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
    vendor_modified_at, version_hash, updated_at
  )
  values (
    v_id,
    p_location_id,
    (p_punch ->> 'companyId')::bigint,
    (p_punch ->> 'locationId')::bigint,
    (p_punch ->> 'userId')::bigint,
    (p_punch ->> 'roleId')::bigint,
    (p_punch ->> 'departmentId')::bigint,
    v_clocked_in,
    (p_punch ->> 'clockedOutAt')::timestamptz,
    pipeline.business_date_of(v_clocked_in, p_time_zone, p_cutoff_hour),
    (p_punch ->> 'unpaidBreakSeconds')::integer,
    (p_punch ->> 'paidSeconds')::integer,
    (p_punch ->> 'hourlyWageCents')::numeric,
    coalesce((p_punch ->> 'approved')::boolean, false),
    v_deleted,
    (p_punch ->> 'modifiedAt')::timestamptz,
    pipeline.version_hash(p_punch, p_location_key),
    now()
  )
  on conflict (sevenshifts_punch_id) do update set
    location_id = excluded.location_id,
    sevenshifts_company_id = excluded.sevenshifts_company_id,
    sevenshifts_location_id = excluded.sevenshifts_location_id,
    user_id = excluded.user_id,
    role_id = excluded.role_id,
    department_id = excluded.department_id,
    clocked_in_at = excluded.clocked_in_at,
    clocked_out_at = excluded.clocked_out_at,
    business_date = excluded.business_date,
    unpaid_break_seconds = excluded.unpaid_break_seconds,
    paid_seconds = excluded.paid_seconds,
    hourly_wage_cents = excluded.hourly_wage_cents,
    approved = excluded.approved,
    deleted = excluded.deleted,
    vendor_modified_at = excluded.vendor_modified_at,
    version_hash = excluded.version_hash,
    updated_at = now()
  where (excluded.vendor_modified_at, excluded.version_hash) > (p.vendor_modified_at, p.version_hash)
  returning true into v_applied;

  if v_applied then
    return 'applied';
  end if;
  -- An older version of a deleted punch still carries the news that it is deleted.
  if v_deleted then
    update public.punches
    set deleted = true, updated_at = now()
    where sevenshifts_punch_id = v_id and not deleted;
    if found then
      return 'applied';
    end if;
  end if;
  return 'stale';
end;
$$;

-- Logs a delivery, or counts a redelivery of one already logged. Returns the event id, whether
-- it is new, and (for a redelivery) the outcome recorded the first time.
create or replace function pipeline.log_inbound_event(
  p_source text,
  event jsonb,
  p_location_key text,
  p_normalized jsonb,
  out event_id bigint,
  out is_new boolean,
  out prior_outcome text,
  out delivery_count integer
)
language plpgsql
security definer
set search_path = ''
as $$
begin
  if coalesce(event ->> 'eventKey', '') = '' or coalesce(event ->> 'topic', '') = ''
    or event ->> 'rawBody' is null then
    raise exception 'ingest: eventKey, topic and rawBody are required'
      using errcode = '22023';
  end if;
  -- The provisional outcome is replaced before commit; a concurrent redelivery waits on the
  -- unique index and then sees the final one.
  insert into public.inbound_events as e (
    source, event_key, topic, external_location_key, headers, raw_body, normalized, outcome
  )
  values (
    p_source,
    event ->> 'eventKey',
    event ->> 'topic',
    p_location_key,
    coalesce(event -> 'headers', '{}'::jsonb),
    event ->> 'rawBody',
    p_normalized,
    'ignored'
  )
  on conflict (source, event_key) do update set
    delivery_count = e.delivery_count + 1,
    last_received_at = now()
  returning e.id, e.xmax = 0, e.outcome, e.delivery_count
  into event_id, is_new, prior_outcome, delivery_count;
  if is_new then
    prior_outcome := null;
  end if;
end;
$$;

-- One Toast webhook. `event`: {eventKey (envelope guid), topic (eventType), restaurantGuid,
-- headers, rawBody, order (NormalizedOrder, or null for event types that are ignored)}.
-- Returns {outcome: applied|stale|ignored|unmapped, duplicate, eventId, deliveryCount,
-- locationId}.
create or replace function pipeline.ingest_toast(event jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order jsonb := case when jsonb_typeof(event -> 'order') = 'object' then event -> 'order' end;
  v_key text := lower(nullif(event ->> 'restaurantGuid', ''));
  v_log record;
  v_location_id bigint;
  v_outcome text;
begin
  select * into v_log from pipeline.log_inbound_event('toast', event, v_key, v_order);
  if not v_log.is_new then
    return jsonb_build_object('outcome', v_log.prior_outcome, 'duplicate', true,
      'eventId', v_log.event_id, 'deliveryCount', v_log.delivery_count);
  end if;

  if v_order is null then
    v_outcome := 'ignored';
  else
    if v_key ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      select id into v_location_id from public.locations where toast_restaurant_guid = v_key::uuid;
    end if;
    if v_location_id is null then
      v_outcome := 'unmapped';
    else
      v_outcome := pipeline.apply_toast_order(v_location_id, v_order, v_key);
    end if;
  end if;

  update public.inbound_events
  set outcome = v_outcome,
    applied_at = case when v_outcome in ('applied', 'stale') then now() end
  where id = v_log.event_id;
  return jsonb_build_object('outcome', v_outcome, 'duplicate', false,
    'eventId', v_log.event_id, 'deliveryCount', v_log.delivery_count,
    'locationId', v_location_id);
end;
$$;

-- One 7shifts webhook. `event`: {eventKey (sha256 of topic and body), topic, companyId,
-- locationId, headers, rawBody, punch (NormalizedPunch) | deletion ({punchId, companyId,
-- locationId, modifiedAt}) | neither for ignored topics}.
-- Returns {outcome: applied|stale|ignored|unmapped, duplicate, eventId, deliveryCount,
-- locationId}.
create or replace function pipeline.ingest_sevenshifts(event jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_punch jsonb := case when jsonb_typeof(event -> 'punch') = 'object' then event -> 'punch' end;
  v_deletion jsonb :=
    case when jsonb_typeof(event -> 'deletion') = 'object' then event -> 'deletion' end;
  v_company bigint := (event ->> 'companyId')::bigint;
  v_loc bigint := (event ->> 'locationId')::bigint;
  v_key text := case when v_company is not null and v_loc is not null
    then v_company::text || ':' || v_loc::text end;
  v_log record;
  v_location public.locations;
  v_outcome text;
begin
  select * into v_log
  from pipeline.log_inbound_event('7shifts', event, v_key, coalesce(v_punch, v_deletion));
  if not v_log.is_new then
    return jsonb_build_object('outcome', v_log.prior_outcome, 'duplicate', true,
      'eventId', v_log.event_id, 'deliveryCount', v_log.delivery_count);
  end if;

  if v_deletion is not null then
    -- Known only by id: the tombstone is the deletion; the row, if any, is marked.
    perform pipeline.delete_punch((v_deletion ->> 'punchId')::bigint);
    select l.* into v_location from public.locations l
    join public.punches p on p.location_id = l.id
    where p.sevenshifts_punch_id = (v_deletion ->> 'punchId')::bigint;
    v_outcome := 'applied';
  elsif v_punch is not null then
    if coalesce((v_punch ->> 'deleted')::boolean, false) then
      -- Terminal even while the location is unmapped.
      perform pipeline.delete_punch((v_punch ->> 'punchId')::bigint);
    end if;
    select * into v_location from public.locations
    where sevenshifts_company_id = v_company and sevenshifts_location_id = v_loc;
    if v_location.id is null then
      v_outcome := 'unmapped';
    else
      v_outcome := pipeline.apply_sevenshifts_punch(v_location.id, v_location.time_zone,
        v_location.business_day_cutoff_hour, v_punch, v_key);
    end if;
  else
    v_outcome := 'ignored';
  end if;

  update public.inbound_events
  set outcome = v_outcome,
    applied_at = case when v_outcome in ('applied', 'stale') then now() end
  where id = v_log.event_id;
  return jsonb_build_object('outcome', v_outcome, 'duplicate', false,
    'eventId', v_log.event_id, 'deliveryCount', v_log.delivery_count,
    'locationId', v_location.id);
end;
$$;

-- When a location gains (or changes) its Toast or 7shifts mapping, apply the events that
-- were waiting for it. When its time zone or cut-off hour changes, its punches' business
-- dates follow.
create or replace function pipeline.apply_unmapped_events()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_event record;
  v_key text;
  v_outcome text;
begin
  if new.toast_restaurant_guid is not null and (tg_op = 'INSERT'
    or new.toast_restaurant_guid is distinct from old.toast_restaurant_guid) then
    v_key := new.toast_restaurant_guid::text;
    for v_event in
      select id, normalized from public.inbound_events
      where source = 'toast' and outcome = 'unmapped' and external_location_key = v_key
      order by id
      for update
    loop
      v_outcome := pipeline.apply_toast_order(new.id, v_event.normalized, v_key);
      update public.inbound_events set outcome = v_outcome, applied_at = now()
      where id = v_event.id;
    end loop;
  end if;

  if new.sevenshifts_company_id is not null and new.sevenshifts_location_id is not null
    and (tg_op = 'INSERT'
      or (new.sevenshifts_company_id, new.sevenshifts_location_id)
        is distinct from (old.sevenshifts_company_id, old.sevenshifts_location_id)) then
    v_key := new.sevenshifts_company_id::text || ':' || new.sevenshifts_location_id::text;
    for v_event in
      select id, normalized from public.inbound_events
      where source = '7shifts' and outcome = 'unmapped' and external_location_key = v_key
      order by id
      for update
    loop
      v_outcome := pipeline.apply_sevenshifts_punch(new.id, new.time_zone,
        new.business_day_cutoff_hour, v_event.normalized, v_key);
      update public.inbound_events set outcome = v_outcome, applied_at = now()
      where id = v_event.id;
    end loop;
  end if;

  if tg_op = 'UPDATE' and (new.time_zone, new.business_day_cutoff_hour)
    is distinct from (old.time_zone, old.business_day_cutoff_hour) then
    update public.punches
    set business_date = pipeline.business_date_of(clocked_in_at, new.time_zone,
        new.business_day_cutoff_hour),
      updated_at = now()
    where location_id = new.id
      and business_date <> pipeline.business_date_of(clocked_in_at, new.time_zone,
        new.business_day_cutoff_hour);
  end if;
  return null;
end;
$$;

drop trigger if exists locations_apply_unmapped_events on public.locations;
create trigger locations_apply_unmapped_events
after insert or update of toast_restaurant_guid, sevenshifts_company_id,
  sevenshifts_location_id, time_zone, business_day_cutoff_hour
on public.locations
for each row
execute function pipeline.apply_unmapped_events();

-- Only the functions' owner (and service_role for the two entry points) may call these.
revoke all on function pipeline.version_hash(jsonb, text) from public, anon, authenticated;
revoke all on function pipeline.apply_toast_order(bigint, jsonb, text)
  from public, anon, authenticated;
revoke all on function pipeline.lock_punch(bigint) from public, anon, authenticated;
revoke all on function pipeline.delete_punch(bigint) from public, anon, authenticated;
revoke all on function pipeline.apply_sevenshifts_punch(bigint, text, smallint, jsonb, text)
  from public, anon, authenticated;
revoke all on function pipeline.log_inbound_event(text, jsonb, text, jsonb)
  from public, anon, authenticated;
revoke all on function pipeline.ingest_toast(jsonb) from public, anon, authenticated;
revoke all on function pipeline.ingest_sevenshifts(jsonb) from public, anon, authenticated;
revoke all on function pipeline.apply_unmapped_events() from public, anon, authenticated;
grant execute on function pipeline.ingest_toast(jsonb) to service_role;
grant execute on function pipeline.ingest_sevenshifts(jsonb) to service_role;

-- ---------------------------------------------------------------------------------------
-- One round trip per delivery, answered only after the commit
-- ---------------------------------------------------------------------------------------

-- A webhook may answer 2xx only for data that is committed. postgres.js resolves a
-- parameterised statement at its CommandComplete, before the implicit commit at Sync, and
-- drops an error raised at that commit (a deferred trigger such as the daily-metrics
-- recompute, or a server shutting down). These procedures commit inside the CALL instead:
-- every deferred trigger runs and the commit completes before the statement does, so a
-- failure there is the CALL's own error and a dropped connection fails the call. One round
-- trip (BEGIN / call / COMMIT cost two more and put the Toast function's HTTP ÷ direct-SQL
-- throughput under its 0.5 target in `npm run bench`).
--
-- A procedure that commits may not be security definer nor carry a SET clause, so these run
-- as the caller (the functions' role, pipeline_functions: 20261128000500_security.sql) and
-- name everything with its schema; the ingest functions they call are security definer with
-- a fixed search_path and stay the only thing that writes.

-- Called as `call pipeline.ingest_toast_committed($1::jsonb, null)`: one row, `result`.
create or replace procedure pipeline.ingest_toast_committed(
  event jsonb,
  inout result jsonb default null
)
language plpgsql
as $$
begin
  result := pipeline.ingest_toast(event);
  commit;
end
$$;

-- Called as `call pipeline.ingest_sevenshifts_committed($1::jsonb, null)`.
create or replace procedure pipeline.ingest_sevenshifts_committed(
  event jsonb,
  inout result jsonb default null
)
language plpgsql
as $$
begin
  result := pipeline.ingest_sevenshifts(event);
  commit;
end
$$;

revoke execute on procedure
  pipeline.ingest_toast_committed(jsonb, jsonb),
  pipeline.ingest_sevenshifts_committed(jsonb, jsonb)
from public, anon, authenticated;

grant execute on procedure
  pipeline.ingest_toast_committed(jsonb, jsonb),
  pipeline.ingest_sevenshifts_committed(jsonb, jsonb)
to service_role;
