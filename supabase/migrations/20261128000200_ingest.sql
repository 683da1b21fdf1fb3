-- Ingest: the SQL half of the two webhooks. Each delivery is exactly one call of
-- pipeline.ingest_toast(event) or pipeline.ingest_sevenshifts(event), reached through a
-- procedure that also commits (pipeline.ingest_*_committed, at the end of this file), which
-- in ONE transaction logs the delivery in public.inbound_events, maps it to a location and
-- upserts the order (with its refunds) or the punch. The payload was validated and
-- normalised in TypeScript (shared/toast.ts, shared/sevenshifts.ts; shapes in shared/types.ts).
--
-- Order independence: a row keeps the newest version by vendor modified time. A tie on a
-- Toast order's `modifiedDate` (milliseconds) is broken by the larger version hash (sha256 of
-- the normalised payload), so any arrival order converges on the same row. A tie on a 7shifts
-- punch's `modified` (whole seconds: two edits in one second are common) is settled by
-- arrival, the later delivery winning; an identical payload changes nothing. An order or punch
-- is one row, so moving it to another business date or location updates that row and leaves
-- nothing behind. A deleted punch is terminal: a tombstone keeps a later-arriving older edit
-- from bringing it back.
--
-- 7shifts punch ids are unique across companies, so a punch id belongs to the company of its
-- stored row: a delivery (webhook or sync) naming another company for it is kept as a
-- 'conflict' (answered 409) and changes nothing. The URL token is one secret shared by every
-- company that uses it, so only this check keeps one company from deleting or taking
-- another's punches. Tombstones are per company and own nothing.
--
-- Unknown locations are not errors: the event is kept as 'unmapped' (held) with its
-- normalised payload, and a trigger on public.locations applies it when the mapping appears.
-- A delivery and a mapping change never miss each other: the delivery holds its vendor key
-- (restaurant GUID, "company:location") shared while it looks the location up, the mapping
-- takes the new key exclusively before it replays what is held, and a job every 5 minutes
-- applies anything held whose mapping exists. Each held event is applied on its own: one that
-- cannot be applied is marked 'rejected' with its reason and never fails the mapping.
--
-- Toast order GUIDs belong to one restaurant: the first restaurant an order arrives for owns
-- it; the same GUID for another restaurant is held as a 'conflict' (answered 409), never moved.
--
-- The daily metrics are recomputed by statement-level triggers on orders, order_refunds and
-- punches (20261128000300_metrics.sql); nothing here computes them.

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '120s';

-- Punches known to be deleted, even before (or without) their row: deletion is terminal. Per
-- company: a deletion recorded for one company neither deletes nor blocks another company's
-- punch with that id (a forged deletion may come before the genuine punch).
create table if not exists pipeline.punch_tombstones (
  sevenshifts_punch_id bigint not null,
  sevenshifts_company_id bigint not null,
  recorded_at timestamptz not null default now(),
  primary key (sevenshifts_punch_id, sevenshifts_company_id)
);
comment on table pipeline.punch_tombstones is
  '7shifts punches deleted, per company, even before (or without) their row: deletion is '
  'terminal for that company''s punch and touches no other company''s.';
revoke all on pipeline.punch_tombstones from public;
grant select on pipeline.punch_tombstones to service_role;

-- The deterministic tie-break between two versions with the same vendor modified time.
-- plpgsql: as a SQL function it could not be inlined (convert_to is only stable) and was
-- planned again on every ingest.
create or replace function pipeline.version_hash(payload jsonb, location_key text)
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
  -- jsonb text is canonical (keys sorted, whitespace normalised), so equal payloads hash equal.
  return pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
    coalesce(version_hash.location_key, '') || '|' || version_hash.payload::text, 'UTF8')), 'hex');
end
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
  v_inserted boolean;
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
  -- Whether the row is new (inserted, not updated): a new order has no refunds yet.
  returning o.xmax = 0 into v_inserted;

  if not found then
    return 'stale';
  end if;

  -- The refund set is part of the order version: replace it whole. Each statement runs only
  -- when it has rows to touch: a statement's triggers (pipeline.queue_metric_days) run even
  -- for no rows, and most orders have no refund. The order's row lock, taken above, keeps its
  -- refund set still meanwhile.
  if not v_inserted
    and exists (select 1 from public.order_refunds as r where r.toast_order_guid = v_guid) then
    delete from public.order_refunds where toast_order_guid = v_guid;
  end if;
  if jsonb_array_length(coalesce(p_order -> 'refunds', '[]'::jsonb)) > 0 then
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
    from jsonb_array_elements(p_order -> 'refunds') as r;
  end if;

  return 'applied';
end;
$$;

-- Serialises every change to one 7shifts punch id, so a deletion and an edit arriving at the
-- same moment cannot interleave (the edit would not yet see the tombstone). plpgsql: as a SQL
-- function with a SET clause it was parsed and planned again on every punch (~0.05 ms).
create or replace function pipeline.lock_punch(p_punch_id bigint)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtextextended('pipeline.punch:' || p_punch_id::text, 0));
end
$$;

-- Why company p_company may not write punch p_punch_id (its stored row is another
-- company's), or null when it may. Called under pipeline.lock_punch, which every write of a
-- punch or tombstone takes first, so the owner cannot change between this check and the write.
-- A tombstone owns nothing: only a row does. The answer does not name the owner.
create or replace function pipeline.punch_company_refusal(p_punch_id bigint, p_company bigint)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_owner bigint;
begin
  select p.sevenshifts_company_id into v_owner
  from public.punches as p where p.sevenshifts_punch_id = p_punch_id;
  if v_owner is null or v_owner = p_company then
    return null;
  end if;
  return 'punch ' || p_punch_id || ' belongs to another 7shifts company than company '
    || p_company || ' (7shifts punch ids are unique across companies); kept and not applied';
end;
$$;
comment on function pipeline.punch_company_refusal(bigint, bigint) is
  'Why a 7shifts company may not write a punch id whose stored row is another company''s, or '
  'null. Call under pipeline.lock_punch.';

-- Records that company p_company's punch is deleted and marks its row (if any) deleted.
-- Returns null, or why it was refused (pipeline.punch_company_refusal): then nothing changed.
create or replace function pipeline.delete_punch(p_punch_id bigint, p_company bigint)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_refusal text;
begin
  perform pipeline.lock_punch(p_punch_id);
  v_refusal := pipeline.punch_company_refusal(p_punch_id, p_company);
  if v_refusal is not null then
    return v_refusal;
  end if;
  insert into pipeline.punch_tombstones (sevenshifts_punch_id, sevenshifts_company_id)
  values (p_punch_id, p_company)
  on conflict (sevenshifts_punch_id, sevenshifts_company_id) do nothing;
  update public.punches
  set deleted = true, updated_at = now()
  where sevenshifts_punch_id = p_punch_id and not deleted;
  return null;
end;
$$;

-- Whether a 7shifts punch version supersedes the stored one: a later `modified`, or, within the
-- same second, a different payload delivered later (a larger inbound event id). An identical
-- payload never does, so a redelivery under another topic changes nothing.
create or replace function pipeline.punch_version_supersedes(
  modified_at timestamptz,
  version_hash text,
  event_id bigint,
  stored_modified_at timestamptz,
  stored_version_hash text,
  stored_event_id bigint
)
returns boolean
language sql
immutable
parallel safe
as $$
  select modified_at > stored_modified_at
    or (modified_at = stored_modified_at and version_hash <> stored_version_hash
      and coalesce(event_id, 0) > coalesce(stored_event_id, 0))
$$;

-- Upserts one normalised 7shifts punch (shared/types.ts NormalizedPunch) delivered as inbound
-- event p_event_id, at a location (its business date computed in the location's zone), or,
-- with a null location, held: the row keeps this version with no location and no business
-- date, so it leaves whatever day it counted on and waits for its location's mapping, which
-- adopts it by applying the same event. A tombstoned punch stays deleted whatever version
-- arrives. Returns 'applied', 'stale', or 'conflict' when the stored row is another company's
-- (pipeline.punch_company_refusal; nothing changed).
create or replace function pipeline.apply_sevenshifts_punch(
  p_location_id bigint,
  p_time_zone text,
  p_cutoff_hour smallint,
  p_punch jsonb,
  p_location_key text,
  p_event_id bigint
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id bigint := (p_punch ->> 'punchId')::bigint;
  v_company bigint := (p_punch ->> 'companyId')::bigint;
  v_clocked_in timestamptz := (p_punch ->> 'clockedInAt')::timestamptz;
  v_deleted boolean;
  v_applied boolean;
begin
  perform pipeline.lock_punch(v_id);
  if coalesce((p_punch ->> 'deleted')::boolean, false) then
    -- Checked before the tombstone is written: a refused delivery records nothing.
    if pipeline.punch_company_refusal(v_id, v_company) is not null then
      return 'conflict';
    end if;
    insert into pipeline.punch_tombstones (sevenshifts_punch_id, sevenshifts_company_id)
    values (v_id, v_company)
    on conflict (sevenshifts_punch_id, sevenshifts_company_id) do nothing;
  end if;
  v_deleted := exists (
    select 1 from pipeline.punch_tombstones as t
    where t.sevenshifts_punch_id = v_id and t.sevenshifts_company_id = v_company
  );

  insert into public.punches as p (
    sevenshifts_punch_id, location_id, sevenshifts_company_id, sevenshifts_location_id,
    user_id, role_id, department_id, clocked_in_at, clocked_out_at, business_date,
    unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
    vendor_modified_at, version_hash, inbound_event_id, updated_at
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
    case when p_location_id is not null
      then pipeline.business_date_of(v_clocked_in, p_time_zone, p_cutoff_hour) end,
    (p_punch ->> 'unpaidBreakSeconds')::bigint,
    (p_punch ->> 'paidSeconds')::bigint,
    (p_punch ->> 'hourlyWageCents')::numeric,
    coalesce((p_punch ->> 'approved')::boolean, false),
    v_deleted,
    (p_punch ->> 'modifiedAt')::timestamptz,
    pipeline.version_hash(p_punch, p_location_key),
    p_event_id,
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
    inbound_event_id = excluded.inbound_event_id,
    updated_at = now()
  -- The row lock taken by ON CONFLICT serialises concurrent versions; the newest wins. A held
  -- row is adopted by its own event once its location is mapped. Never another company's row.
  where p.sevenshifts_company_id = excluded.sevenshifts_company_id
    and (pipeline.punch_version_supersedes(excluded.vendor_modified_at, excluded.version_hash,
        excluded.inbound_event_id, p.vendor_modified_at, p.version_hash, p.inbound_event_id)
      or (p.location_id is null and excluded.location_id is not null
        and excluded.inbound_event_id = p.inbound_event_id))
  returning true into v_applied;

  if v_applied then
    return 'applied';
  end if;
  -- Not applied: older, or (rarely) another company's row; only now is the owner looked up.
  if pipeline.punch_company_refusal(v_id, v_company) is not null then
    return 'conflict';
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
-- it is new, and (for a redelivery) the outcome recorded the first time. A new delivery is
-- logged with the outcome its caller expects (p_expected_outcome: 'applied' for an event that
-- carries something to apply), and applied_at to match; the caller rewrites the row before
-- commit only when the outcome turns out otherwise. The usual delivery is thus written once:
-- rewriting its outcome was a second, non-HOT write of the row (outcome is in the predicate
-- of inbound_events_unmapped), ~0.1 ms a delivery.
create or replace function pipeline.log_inbound_event(
  p_source text,
  event jsonb,
  p_location_key text,
  p_normalized jsonb,
  p_expected_outcome text,
  out event_id bigint,
  out is_new boolean,
  out prior_outcome text,
  out prior_reason text,
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
  -- The provisional outcome is replaced before commit if it was not the outcome; a concurrent
  -- redelivery waits on the unique index and then sees the final one.
  insert into public.inbound_events as e (
    source, event_key, topic, external_location_key, headers, raw_body, normalized, outcome,
    applied_at
  )
  values (
    p_source,
    event ->> 'eventKey',
    event ->> 'topic',
    p_location_key,
    coalesce(event -> 'headers', '{}'::jsonb),
    event ->> 'rawBody',
    p_normalized,
    p_expected_outcome,
    case when p_expected_outcome in ('applied', 'stale') then now() end
  )
  on conflict (source, event_key) do update set
    delivery_count = e.delivery_count + 1,
    last_received_at = now()
  returning e.id, e.xmax = 0, e.outcome, e.reason, e.delivery_count
  into event_id, is_new, prior_outcome, prior_reason, delivery_count;
  if is_new then
    prior_outcome := null;
    prior_reason := null;
  end if;
end;
$$;

-- The advisory lock id of a vendor key ("toast" + restaurant GUID, "7shifts" +
-- "company:location"): the interlock between a delivery and a mapping change of that key.
create or replace function pipeline.location_key_lock(p_source text, p_key text)
returns bigint
language sql
immutable
parallel safe
as $$
  select pg_catalog.hashtextextended('pipeline.location_key:' || p_source || ':' || p_key, 0)
$$;

-- A delivery holds its vendor key shared, until it commits, before looking the location up:
-- deliveries never wait on each other, and a mapping change of the key (which takes it
-- exclusively) either committed before the look-up, so the delivery sees the mapping, or
-- waits for the delivery, so its replay sees the held event. The wait is bounded (1 s; a
-- mapping is a short transaction): past it the delivery fails with 55P03, which the functions
-- answer 503, and the vendor retries. Shared holders never conflict, so the lock is tried
-- first and the bounded wait (a function with its own lock_timeout, whose SET clause costs a
-- plan per call) is only for the rare moment a mapping change holds the key.
create or replace function pipeline.wait_for_location_key(p_source text, p_key text)
returns void
language sql
security definer
set search_path = ''
set lock_timeout = '1s'
as $$
  select pg_catalog.pg_advisory_xact_lock_shared(pipeline.location_key_lock(p_source, p_key))
$$;

create or replace function pipeline.share_location_key(p_source text, p_key text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not pg_catalog.pg_try_advisory_xact_lock_shared(pipeline.location_key_lock(p_source, p_key))
  then
    perform pipeline.wait_for_location_key(p_source, p_key);
  end if;
end
$$;

-- Toast order GUIDs are unique to a restaurant: the first restaurant an order arrives for
-- (mapped or not) owns it, so the same GUID for another one is a mapping error or a forged
-- event, never a move of money between restaurants.
create table if not exists pipeline.toast_order_owners (
  toast_order_guid uuid primary key,
  toast_restaurant_guid uuid not null,
  first_event_id bigint not null,
  recorded_at timestamptz not null default now()
);
revoke all on pipeline.toast_order_owners from public, anon, authenticated;
grant select on pipeline.toast_order_owners to service_role;

-- Records the restaurant of an order's first arrival, and returns null when p_restaurant owns
-- the order, or the reason it does not. A concurrent first arrival for another restaurant
-- waits on the primary key and then reads the owner that committed.
create or replace function pipeline.claim_toast_order(
  p_order_guid uuid,
  p_restaurant uuid,
  p_event_id bigint
)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_owner uuid;
begin
  insert into pipeline.toast_order_owners (toast_order_guid, toast_restaurant_guid,
    first_event_id)
  values (p_order_guid, p_restaurant, p_event_id)
  on conflict (toast_order_guid) do nothing
  returning toast_restaurant_guid into v_owner;
  -- Already owned (no row inserted): read the owner.
  if not found then
    select o.toast_restaurant_guid into strict v_owner
    from pipeline.toast_order_owners as o where o.toast_order_guid = p_order_guid;
  end if;
  if v_owner = p_restaurant then
    return null;
  end if;
  return 'order ' || p_order_guid || ' belongs to restaurant ' || v_owner
    || ' (its first delivery); this delivery for restaurant ' || p_restaurant
    || ' is kept and not applied';
end;
$$;

-- One Toast webhook. `event`: {eventKey (envelope guid), topic (eventType), restaurantGuid,
-- headers, rawBody, order (NormalizedOrder, or null for event types that are ignored)}.
-- Returns {outcome: applied|stale|ignored|unmapped|conflict|rejected, reason, duplicate,
-- eventId, deliveryCount, locationId}.
create or replace function pipeline.ingest_toast(event jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order jsonb := case when jsonb_typeof(event -> 'order') = 'object' then event -> 'order' end;
  v_key text := lower(nullif(event ->> 'restaurantGuid', ''));
  -- The outcome the delivery is logged with (pipeline.log_inbound_event).
  v_logged_as text := case when v_order is null then 'ignored' else 'applied' end;
  v_log record;
  v_location_id bigint;
  v_outcome text;
  v_reason text;
begin
  select * into v_log from pipeline.log_inbound_event('toast', event, v_key, v_order,
    v_logged_as);
  if not v_log.is_new then
    return jsonb_build_object('outcome', v_log.prior_outcome, 'reason', v_log.prior_reason,
      'duplicate', true, 'eventId', v_log.event_id, 'deliveryCount', v_log.delivery_count);
  end if;

  if v_order is null then
    v_outcome := 'ignored';
  elsif v_key !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    v_outcome := 'unmapped';
  else
    perform pipeline.share_location_key('toast', v_key);
    v_reason := pipeline.claim_toast_order((v_order ->> 'orderGuid')::uuid, v_key::uuid,
      v_log.event_id);
    if v_reason is not null then
      v_outcome := 'conflict';
    else
      select id into v_location_id from public.locations where toast_restaurant_guid = v_key::uuid;
      if v_location_id is null then
        v_outcome := 'unmapped';
      else
        v_outcome := pipeline.apply_toast_order(v_location_id, v_order, v_key);
      end if;
    end if;
  end if;

  -- Logged as applied (or ignored, with no order): rewritten only when it was not.
  if v_outcome is distinct from v_logged_as or v_reason is not null then
    update public.inbound_events
    set outcome = v_outcome,
      reason = v_reason,
      applied_at = case when v_outcome in ('applied', 'stale') then now() end
    where id = v_log.event_id;
  end if;
  return jsonb_build_object('outcome', v_outcome, 'reason', v_reason, 'duplicate', false,
    'eventId', v_log.event_id, 'deliveryCount', v_log.delivery_count,
    'locationId', v_location_id);
end;
$$;

-- One 7shifts webhook. `event`: {eventKey (sha256 of topic and body), topic, companyId,
-- locationId, headers, rawBody, punch (NormalizedPunch) | deletion ({punchId, companyId,
-- locationId, modifiedAt}) | staff (a user.* delivery: StaffMember, stored by
-- pipeline.apply_sevenshifts_staff, 20261129000200_staff.sql) | schedule (schedule.published:
-- SchedulePublished, a pull queued by pipeline.schedule_published, 20261130000100_schedule.sql)
-- | none for ignored topics}.
-- Returns {outcome: applied|stale|ignored|unmapped|conflict|rejected, reason, duplicate,
-- eventId, deliveryCount, locationId}. A punch for an unmapped location is held: its row (if
-- any) leaves its old location now, and the mapping applies it
-- (pipeline.apply_sevenshifts_punch). A punch or deletion naming another company than the
-- stored punch's is a 'conflict' with its reason: kept, never applied, nothing else changed.
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
  v_staff jsonb := case when jsonb_typeof(event -> 'staff') = 'object' then event -> 'staff' end;
  v_schedule jsonb :=
    case when jsonb_typeof(event -> 'schedule') = 'object' then event -> 'schedule' end;
  v_company bigint := (event ->> 'companyId')::bigint;
  v_loc bigint := (event ->> 'locationId')::bigint;
  v_key text := case when v_company is not null and v_loc is not null
    then v_company::text || ':' || v_loc::text end;
  -- The outcome the delivery is logged with (pipeline.log_inbound_event).
  v_logged_as text := case when coalesce(v_punch, v_deletion, v_staff, v_schedule) is null
    then 'ignored' else 'applied' end;
  v_log record;
  v_location public.locations;
  v_outcome text;
  v_reason text;
begin
  select * into v_log
  from pipeline.log_inbound_event('7shifts', event, v_key,
    coalesce(v_punch, v_deletion, v_staff, v_schedule), v_logged_as);
  if not v_log.is_new then
    if v_schedule is not null and v_log.prior_outcome in ('applied', 'ignored') then
      -- Publishing the same dates again makes the same body: pull again (a pull is idempotent).
      perform pipeline.apply_schedule_delivery(v_schedule, v_key);
    end if;
    return jsonb_build_object('outcome', v_log.prior_outcome, 'reason', v_log.prior_reason,
      'duplicate', true, 'eventId', v_log.event_id, 'deliveryCount', v_log.delivery_count);
  end if;

  if v_deletion is not null then
    -- Known only by id: the tombstone is the deletion; the row, if any, is marked.
    v_reason := pipeline.delete_punch((v_deletion ->> 'punchId')::bigint,
      (v_deletion ->> 'companyId')::bigint);
    if v_reason is not null then
      v_outcome := 'conflict';
    else
      select l.* into v_location from public.locations l
      join public.punches p on p.location_id = l.id
      where p.sevenshifts_punch_id = (v_deletion ->> 'punchId')::bigint;
      v_outcome := 'applied';
    end if;
  elsif v_punch is not null then
    perform pipeline.share_location_key('7shifts', v_key);
    select * into v_location from public.locations
    where sevenshifts_company_id = v_company and sevenshifts_location_id = v_loc;
    -- Unmapped: held, with its row (if this version is the newest) taken out of its old day.
    v_outcome := pipeline.apply_sevenshifts_punch(v_location.id, v_location.time_zone,
      v_location.business_day_cutoff_hour, v_punch, v_key, v_log.event_id);
    if v_outcome = 'conflict' then
      -- Still under the punch's lock: the same owner as the refusal saw.
      v_reason := pipeline.punch_company_refusal((v_punch ->> 'punchId')::bigint,
        (v_punch ->> 'companyId')::bigint);
      v_location := null;
    elsif v_location.id is null then
      v_outcome := 'unmapped';
    end if;
  elsif v_staff is not null then
    -- Staff belong to the company, not a location: never held.
    v_outcome := pipeline.apply_sevenshifts_staff(v_staff, v_log.event_id);
  elsif v_schedule is not null then
    -- schedule.published: a pull of its dates (20261130000100_schedule.sql); held if unmapped.
    v_outcome := pipeline.apply_schedule_delivery(v_schedule, v_key);
  else
    v_outcome := 'ignored';
  end if;

  -- Logged as applied (or ignored, with nothing to apply): rewritten only when it was not.
  if v_outcome is distinct from v_logged_as then
    update public.inbound_events
    set outcome = v_outcome,
      reason = v_reason,
      applied_at = case when v_outcome in ('applied', 'stale') then now() end
    where id = v_log.event_id;
  end if;
  return jsonb_build_object('outcome', v_outcome, 'reason', v_reason, 'duplicate', false,
    'eventId', v_log.event_id, 'deliveryCount', v_log.delivery_count,
    'locationId', v_location.id);
end;
$$;

-- Applies one held event at a location, as its delivery would have been applied: a Toast
-- order through its owner check (a conflict stays held), a 7shifts punch with its own arrival
-- and its company check. Returns the outcome and sets p_reason for a conflict.
create or replace function pipeline.apply_held_event(
  p_location public.locations,
  p_source text,
  p_key text,
  p_event_id bigint,
  p_normalized jsonb,
  out outcome text,
  out reason text
)
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_source = 'toast' then
    reason := pipeline.claim_toast_order((p_normalized ->> 'orderGuid')::uuid, p_key::uuid,
      p_event_id);
    outcome := case when reason is not null then 'conflict'
      else pipeline.apply_toast_order(p_location.id, p_normalized, p_key) end;
  elsif p_normalized ->> 'kind' = 'schedule.published' then
    outcome := pipeline.schedule_published(p_location, p_normalized);
  else
    outcome := pipeline.apply_sevenshifts_punch(p_location.id, p_location.time_zone,
      p_location.business_day_cutoff_hour, p_normalized, p_key, p_event_id);
    if outcome = 'conflict' then
      reason := pipeline.punch_company_refusal((p_normalized ->> 'punchId')::bigint,
        (p_normalized ->> 'companyId')::bigint);
    end if;
  end if;
end;
$$;

-- Applies the events held for one vendor key at the location it now maps to, oldest first,
-- each on its own: an event that cannot be applied (its own figures fail, or its day's
-- figures would) is marked 'rejected' with its SQLSTATE and message, and the others go on, so
-- a poison event can never fail the mapping. A transient failure (lock timeout, deadlock,
-- serialization) leaves the event held for the repair job, with the reason noted. The days'
-- figures are written once for the whole batch; only if that fails is each event checked
-- with its own figures. The caller holds the key exclusively. Returns how many were settled.
create or replace function pipeline.apply_held_events(
  p_location public.locations,
  p_source text,
  p_key text
)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_settled integer;
begin
  begin
    v_settled := pipeline.apply_held_events_one_by_one(p_location, p_source, p_key, false);
    perform pipeline.write_pending_metric_days();
  exception when others then
    -- Some event's figures break its day: undo the batch, then each event with its figures.
    v_settled := pipeline.apply_held_events_one_by_one(p_location, p_source, p_key, true);
  end;
  return v_settled;
end;
$$;

-- The loop of pipeline.apply_held_events; with p_with_figures each event's days are written
-- inside its own subtransaction, so a failure there is that event's.
create or replace function pipeline.apply_held_events_one_by_one(
  p_location public.locations,
  p_source text,
  p_key text,
  p_with_figures boolean
)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_event record;
  v_result record;
  v_settled integer := 0;
begin
  for v_event in
    select e.id, e.normalized from public.inbound_events as e
    where e.source = p_source and e.outcome = 'unmapped' and e.external_location_key = p_key
    order by e.id
    for update
  loop
    begin
      select * into v_result
      from pipeline.apply_held_event(p_location, p_source, p_key, v_event.id, v_event.normalized);
      if p_with_figures then
        perform pipeline.write_pending_metric_days();
      end if;
      update public.inbound_events
      set outcome = v_result.outcome,
        reason = v_result.reason,
        applied_at = case when v_result.outcome in ('applied', 'stale') then now() end
      where id = v_event.id;
      v_settled := v_settled + 1;
    exception
      when lock_not_available or deadlock_detected or serialization_failure then
        update public.inbound_events
        set reason = 'not applied yet (' || sqlstate || '): ' || sqlerrm
        where id = v_event.id;
      when others then
        update public.inbound_events
        set outcome = 'rejected', reason = sqlstate || ': ' || sqlerrm, applied_at = null
        where id = v_event.id;
        v_settled := v_settled + 1;
    end;
  end loop;
  return v_settled;
end;
$$;

-- When a location gains (or changes) its Toast or 7shifts mapping, apply the events that
-- were waiting for it: first take each new key exclusively, in a fixed order (so two mapping
-- changes never deadlock), so every delivery that looked the key up before has committed
-- (read committed: the replay's statements see it) and every later one waits for this commit
-- and then sees the mapping. The old key needs no lock: a delivery that saw the old mapping
-- was applied under it, as if it came before the change (locking it would deadlock with that
-- delivery's foreign-key check on this very row). When the time zone or cut-off hour changes,
-- the punches' business dates follow.
create or replace function pipeline.apply_unmapped_events()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_toast_key text;
  v_shifts_key text;
  v_key record;
begin
  if new.toast_restaurant_guid is not null and (tg_op = 'INSERT'
    or new.toast_restaurant_guid is distinct from old.toast_restaurant_guid) then
    v_toast_key := new.toast_restaurant_guid::text;
  end if;
  if new.sevenshifts_company_id is not null and new.sevenshifts_location_id is not null
    and (tg_op = 'INSERT'
      or (new.sevenshifts_company_id, new.sevenshifts_location_id)
        is distinct from (old.sevenshifts_company_id, old.sevenshifts_location_id)) then
    v_shifts_key := new.sevenshifts_company_id::text || ':' || new.sevenshifts_location_id::text;
  end if;
  for v_key in
    select pipeline.location_key_lock(k.source, k.key) as lock_id
    from (values ('toast', v_toast_key), ('7shifts', v_shifts_key)) as k (source, key)
    where k.key is not null
    order by 1
  loop
    perform pg_catalog.pg_advisory_xact_lock(v_key.lock_id);
  end loop;
  if v_toast_key is not null then
    perform pipeline.apply_held_events(new, 'toast', v_toast_key);
  end if;
  if v_shifts_key is not null then
    perform pipeline.apply_held_events(new, '7shifts', v_shifts_key);
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

-- The repair: applies every held event whose mapping now exists (a mapping made while the
-- interlock could not help: by hand with triggers off, or restored from a backup). Keys a
-- mapping change holds right now are skipped; the next run takes them. Returns how many
-- events were settled.
create or replace function pipeline.apply_mapped_held_events()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_held record;
  v_location public.locations;
  v_settled integer := 0;
begin
  for v_held in
    select distinct e.source, e.external_location_key as key
    from public.inbound_events as e
    where e.outcome = 'unmapped' and e.external_location_key is not null
    order by 1, 2
  loop
    select l.* into v_location from public.locations as l
    where (v_held.source = 'toast' and l.toast_restaurant_guid::text = v_held.key)
      or (v_held.source = '7shifts'
        and l.sevenshifts_company_id::text || ':' || l.sevenshifts_location_id::text = v_held.key);
    if v_location.id is not null and pg_catalog.pg_try_advisory_xact_lock(
      pipeline.location_key_lock(v_held.source, v_held.key)
    ) then
      v_settled := v_settled + pipeline.apply_held_events(v_location, v_held.source, v_held.key);
    end if;
  end loop;
  return v_settled;
end;
$$;

-- Every 5 minutes on pg_cron (Supabase; enabled in 20261128000100_core_schema.sql) or the
-- local stack's compatible scheduler.
do $$
begin
  if pg_catalog.to_regnamespace('cron') is not null then
    perform cron.schedule('pipeline-apply-mapped-held-events', '*/5 * * * *',
      'select pipeline.apply_mapped_held_events()');
  end if;
end
$$;

-- Only the functions' owner (and service_role for the two entry points) may call these.
revoke all on function pipeline.version_hash(jsonb, text) from public, anon, authenticated;
revoke all on function pipeline.apply_toast_order(bigint, jsonb, text)
  from public, anon, authenticated;
revoke all on function pipeline.lock_punch(bigint) from public, anon, authenticated;
revoke all on function pipeline.punch_company_refusal(bigint, bigint)
  from public, anon, authenticated;
revoke all on function pipeline.delete_punch(bigint, bigint) from public, anon, authenticated;
revoke all on function pipeline.punch_version_supersedes(timestamptz, text, bigint, timestamptz,
  text, bigint) from public, anon, authenticated;
revoke all on function pipeline.apply_sevenshifts_punch(bigint, text, smallint, jsonb, text,
  bigint) from public, anon, authenticated;
revoke all on function pipeline.log_inbound_event(text, jsonb, text, jsonb, text)
  from public, anon, authenticated;
revoke all on function pipeline.location_key_lock(text, text) from public, anon, authenticated;
revoke all on function pipeline.wait_for_location_key(text, text) from public, anon, authenticated;
revoke all on function pipeline.share_location_key(text, text) from public, anon, authenticated;
revoke all on function pipeline.claim_toast_order(uuid, uuid, bigint)
  from public, anon, authenticated;
revoke all on function pipeline.ingest_toast(jsonb) from public, anon, authenticated;
revoke all on function pipeline.ingest_sevenshifts(jsonb) from public, anon, authenticated;
revoke all on function pipeline.apply_held_event(public.locations, text, text, bigint, jsonb)
  from public, anon, authenticated;
revoke all on function pipeline.apply_held_events(public.locations, text, text)
  from public, anon, authenticated;
revoke all on function pipeline.apply_held_events_one_by_one(public.locations, text, text,
  boolean) from public, anon, authenticated;
revoke all on function pipeline.apply_unmapped_events() from public, anon, authenticated;
revoke all on function pipeline.apply_mapped_held_events() from public, anon, authenticated;
grant execute on function pipeline.ingest_toast(jsonb) to service_role;
grant execute on function pipeline.ingest_sevenshifts(jsonb) to service_role;
-- service_role may run the repair by hand.
grant execute on function pipeline.apply_mapped_held_events() to service_role;

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
