-- Vendor sync: figures that survive lost webhooks. Toast drops a webhook after two retries
-- (and pauses a subscription that fails), 7shifts sends nothing when a break is added, edited or
-- deleted, and one 7shifts grant GUID served one company. This migration adds:
--
-- * vendor connections (public.vendor_connections): one per Toast integration (a
--   TOAST_MACHINE_CLIENT's client id and secret) and one per 7shifts company (the grant GUID
--   that keys its webhooks' HMAC, and an API credential: a company access token, or partner
--   OAuth client credentials with the company GUID). Credentials live in Vault only, read by the
--   functions' role through security-definer accessors that return what one call needs. Add,
--   rotate and remove are one SQL call each (pipeline.add_toast_connection,
--   pipeline.add_sevenshifts_connection, pipeline.rotate_connection_secret,
--   pipeline.remove_connection); a rotated secret is read on the next use, no redeploy.
-- * per-location sync settings (public.location_sync) and the runs (public.sync_runs): the
--   vendor-sync function pulls orders and punches from the vendors' APIs in bounded chunks,
--   hands every row to the same ingest functions the webhooks use (versions never regress; a
--   row equal to what is stored is not even logged, so it recomputes nothing) and records its
--   cursor with each page in the page's own transaction, so a crash resumes without counting
--   anything twice. One run per location and per connection at a time (a lease).
-- * the schedule (pg_cron): hourly for the current and previous business day (and a schedule
--   run for the 7shifts shifts of the current and next: 20261130000100_schedule.sql), nightly
--   over the last 7 days (per location), a sweep every minute that resumes due runs; on demand with
--   pipeline.request_sync(location_id, from_date, to_date) and pipeline.request_backfill.
-- * the notice: a sync that finds enough the webhooks missed puts one 'sync' row in the alerts
--   outbox (20261128000400_alerts.sql), delivered by the notifier like any alert.
-- * what each sync corrected, per location and business day (pipeline.sync_day_corrections),
--   counted in the page's own transaction whether or not a notice is raised: the morning flash
--   reports it (20261130000300_flash.sql).
--
-- The functions are woken through the same signed database webhook as the notifier
-- (pipeline.post_signed_to_function). Tested by tests/sync/.

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '120s';

-- ---------------------------------------------------------------------------------------
-- Connections
-- ---------------------------------------------------------------------------------------

create table if not exists public.vendor_connections (
  id bigint generated always as identity primary key,
  vendor text not null check (vendor in ('toast', '7shifts')),
  name text not null check (length(name) between 1 and 200),
  -- Toast: 'machine_client' (client credentials login). 7shifts: 'access_token' (a company's
  -- long-lived token) or 'oauth_client' (a partner's client credentials, 1-hour tokens).
  auth_kind text not null,
  -- The OAuth or machine client id (an identifier, not a secret; the secret is in Vault).
  client_id text check (length(client_id) between 1 and 200),
  -- 7shifts: the company this connection serves (its webhooks' `x-company-id`), and its GUID
  -- (`x-company-guid`, which partner OAuth tokens need).
  sevenshifts_company_id bigint unique check (sevenshifts_company_id > 0),
  sevenshifts_company_guid uuid,
  -- The API's base URL; null means the vendor-sync function's TOAST_API_BASE_URL /
  -- SEVENSHIFTS_API_BASE_URL (the vendors' own by default). A sandbox sets its own.
  api_base_url text check (api_base_url ~ '^https?://[^\s]+$'),
  -- The cached session token's expiry (the token itself is in Vault), and when an instance
  -- last started a login (others wait for it rather than log in too).
  session_expires_at timestamptz,
  login_started_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (
    (vendor = 'toast' and auth_kind = 'machine_client' and client_id is not null
      and sevenshifts_company_id is null and sevenshifts_company_guid is null)
    or (vendor = '7shifts' and sevenshifts_company_id is not null and (
      (auth_kind = 'access_token' and client_id is null)
      or (auth_kind = 'oauth_client' and client_id is not null
        and sevenshifts_company_guid is not null)))
  )
);
comment on table public.vendor_connections is
  'A connection to a vendor API: one per Toast integration (machine client) and one per '
  '7shifts company. Holds no secret: credentials are in Vault (pipeline.connection_secret). '
  'Managed with pipeline.add_toast_connection, pipeline.add_sevenshifts_connection, '
  'pipeline.rotate_connection_secret and pipeline.remove_connection.';

-- Each login a connection made, for Toast''s "at most 2 logins an hour".
create table if not exists pipeline.vendor_logins (
  connection_id bigint not null references public.vendor_connections (id) on delete cascade,
  logged_in_at timestamptz not null default now()
);
create index if not exists vendor_logins_recent
  on pipeline.vendor_logins (connection_id, logged_in_at);
comment on table pipeline.vendor_logins is
  'When each connection logged in to its vendor (Toast allows 2 logins an hour per client).';

-- Which locations sync, with what, and how often. A location syncs when it has a Toast
-- connection here (and a restaurant GUID) or its 7shifts company has a connection, unless
-- `enabled` is false; without a row the defaults below apply (and no Toast connection).
create table if not exists public.location_sync (
  location_id bigint primary key references public.locations (id) on delete cascade,
  toast_connection_id bigint references public.vendor_connections (id) on delete set null,
  enabled boolean not null default true,
  -- Hourly: the current business day and the days before it, this many in all.
  hourly_days smallint not null default 2 check (hourly_days between 1 and 7),
  -- Nightly: this many days back, at this local hour (instead of that hour's hourly pass).
  nightly_days smallint not null default 7 check (nightly_days between 1 and 31),
  nightly_hour smallint not null default 5 check (nightly_hour between 0 and 23),
  -- History to pull when the row is made or the location's vendor mapping changes (0: none;
  -- 90 at most, as far back as the vendors' APIs are asked to reach).
  backfill_days smallint not null default 0 check (backfill_days between 0 and 90),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.location_sync is
  'Per-location sync settings: the Toast connection, hourly and nightly cadence, and the '
  'history (days) a new mapping pulls. 7shifts connections are found by company id.';

alter table public.vendor_connections enable row level security;
alter table public.location_sync enable row level security;
revoke all on public.vendor_connections, public.location_sync from anon, authenticated;
grant select on public.vendor_connections to service_role;
grant select, insert, update, delete on public.location_sync to service_role;
revoke all on pipeline.vendor_logins from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------
-- Credentials in Vault
-- ---------------------------------------------------------------------------------------

-- The Vault name of one credential of a connection. Kinds: client_secret (Toast machine client,
-- 7shifts OAuth client), access_token (7shifts company token), grant_guid (7shifts webhook
-- HMAC), session_token (the last token a login returned; cached so every instance reuses it).
create or replace function pipeline.connection_secret_name(connection_id bigint, kind text)
returns text
language sql
immutable
parallel safe
as $$
  select 'labor_pulse_connection_' || connection_id::text || '_' || kind
$$;
comment on function pipeline.connection_secret_name(bigint, text) is
  'Name of a connection credential in Vault: labor_pulse_connection_<id>_<kind>.';

-- Stores (or replaces) one credential in Vault. Vault is required: credentials never go to a
-- table.
create or replace function pipeline.put_connection_secret(
  connection_id bigint,
  kind text,
  value text
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_name text := pipeline.connection_secret_name(put_connection_secret.connection_id,
    put_connection_secret.kind);
  v_id uuid;
begin
  if put_connection_secret.kind not in ('client_secret', 'access_token', 'grant_guid',
    'session_token') then
    raise exception 'unknown credential kind %', put_connection_secret.kind
      using errcode = '22023';
  end if;
  if put_connection_secret.value is null or put_connection_secret.value = '' then
    raise exception '% needs a value', put_connection_secret.kind using errcode = '22023';
  end if;
  if pg_catalog.to_regclass('vault.secrets') is null then
    raise exception 'vendor credentials are kept in Vault, which this database lacks'
      using errcode = '55000';
  end if;
  select s.id into v_id from vault.secrets as s where s.name = v_name;
  if v_id is null then
    perform vault.create_secret(put_connection_secret.value, v_name,
      'labor-pulse vendor connection credential');
  else
    perform vault.update_secret(v_id, put_connection_secret.value);
  end if;
end
$$;
comment on function pipeline.put_connection_secret(bigint, text, text) is
  'Stores one credential of a vendor connection in Vault (created or replaced).';

-- Reads one credential from Vault; null when there is none.
create or replace function pipeline.connection_secret(connection_id bigint, kind text)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_value text;
begin
  if pg_catalog.to_regclass('vault.decrypted_secrets') is null then
    return null;
  end if;
  select s.decrypted_secret into v_value from vault.decrypted_secrets as s
  where s.name = pipeline.connection_secret_name(connection_secret.connection_id,
    connection_secret.kind);
  return v_value;
end
$$;
comment on function pipeline.connection_secret(bigint, text) is
  'Reads one credential of a vendor connection from Vault (null when absent).';

-- Checks a connection id and vendor; returns the row.
create or replace function pipeline.connection_of(connection_id bigint, vendor text)
returns public.vendor_connections
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_row public.vendor_connections;
begin
  select * into v_row from public.vendor_connections as c where c.id = connection_of.connection_id;
  if not found then
    raise exception 'vendor connection % does not exist', connection_of.connection_id
      using errcode = 'P0002';
  end if;
  if connection_of.vendor is not null and v_row.vendor <> connection_of.vendor then
    raise exception 'vendor connection % is a % connection, not %', v_row.id, v_row.vendor,
      connection_of.vendor using errcode = '22023';
  end if;
  return v_row;
end
$$;
comment on function pipeline.connection_of(bigint, text) is
  'The vendor connection with this id (of this vendor, when given), or an error naming it.';

-- Adds a Toast integration: a TOAST_MACHINE_CLIENT's client id and secret. Returns its id.
create or replace function pipeline.add_toast_connection(
  name text,
  client_id text,
  client_secret text,
  api_base_url text default null
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id bigint;
begin
  insert into public.vendor_connections (vendor, name, auth_kind, client_id, api_base_url)
  values ('toast', add_toast_connection.name, 'machine_client', add_toast_connection.client_id,
    add_toast_connection.api_base_url)
  returning id into v_id;
  perform pipeline.put_connection_secret(v_id, 'client_secret',
    add_toast_connection.client_secret);
  return v_id;
end
$$;
comment on function pipeline.add_toast_connection(text, text, text, text) is
  'Adds a Toast connection (machine client credentials, secret to Vault); returns its id. '
  'Point locations at it with public.location_sync.toast_connection_id.';

-- Adds a 7shifts company: its webhooks' grant GUID and one API credential, a company access
-- token or partner OAuth client credentials (which need the company GUID). Returns its id.
create or replace function pipeline.add_sevenshifts_connection(
  name text,
  company_id bigint,
  grant_guid text,
  access_token text default null,
  oauth_client_id text default null,
  oauth_client_secret text default null,
  company_guid uuid default null,
  api_base_url text default null
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id bigint;
  v_oauth boolean := add_sevenshifts_connection.oauth_client_id is not null
    or add_sevenshifts_connection.oauth_client_secret is not null;
begin
  if v_oauth = (add_sevenshifts_connection.access_token is not null) then
    raise exception 'give either access_token or oauth_client_id and oauth_client_secret'
      using errcode = '22023';
  end if;
  if v_oauth and (add_sevenshifts_connection.oauth_client_id is null
    or add_sevenshifts_connection.oauth_client_secret is null
    or add_sevenshifts_connection.company_guid is null) then
    raise exception 'an OAuth connection needs oauth_client_id, oauth_client_secret and '
      'company_guid (x-company-guid)' using errcode = '22023';
  end if;
  insert into public.vendor_connections (vendor, name, auth_kind, client_id,
    sevenshifts_company_id, sevenshifts_company_guid, api_base_url)
  values ('7shifts', add_sevenshifts_connection.name,
    case when v_oauth then 'oauth_client' else 'access_token' end,
    add_sevenshifts_connection.oauth_client_id, add_sevenshifts_connection.company_id,
    add_sevenshifts_connection.company_guid, add_sevenshifts_connection.api_base_url)
  returning id into v_id;
  perform pipeline.put_connection_secret(v_id, 'grant_guid',
    add_sevenshifts_connection.grant_guid);
  if v_oauth then
    perform pipeline.put_connection_secret(v_id, 'client_secret',
      add_sevenshifts_connection.oauth_client_secret);
  else
    perform pipeline.put_connection_secret(v_id, 'access_token',
      add_sevenshifts_connection.access_token);
  end if;
  return v_id;
end
$$;
comment on function pipeline.add_sevenshifts_connection(text, bigint, text, text, text, text,
  uuid, text) is
  'Adds a 7shifts company connection: grant GUID (webhook HMAC) and an access token or OAuth '
  'client credentials, all to Vault; returns its id.';

-- Replaces one credential: client_secret (Toast, 7shifts OAuth; with the client id when that
-- changes too), access_token or grant_guid (7shifts). The next login or delivery uses it (the
-- cached session is dropped); nothing is redeployed.
create or replace function pipeline.rotate_connection_secret(
  connection_id bigint,
  secret text,
  value text,
  client_id text default null
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.vendor_connections := pipeline.connection_of(
    rotate_connection_secret.connection_id, null);
  v_allowed text[] := case
    when v_row.vendor = 'toast' then array['client_secret']
    when v_row.auth_kind = 'oauth_client' then array['client_secret', 'grant_guid']
    else array['access_token', 'grant_guid']
  end;
begin
  if not rotate_connection_secret.secret = any (v_allowed) then
    raise exception 'connection % (%, %) has no % to rotate; it has %', v_row.id, v_row.vendor,
      v_row.auth_kind, rotate_connection_secret.secret, pg_catalog.array_to_string(v_allowed,
        ', ') using errcode = '22023';
  end if;
  perform pipeline.put_connection_secret(v_row.id, rotate_connection_secret.secret,
    rotate_connection_secret.value);
  update public.vendor_connections as c
  set client_id = coalesce(rotate_connection_secret.client_id, c.client_id),
    session_expires_at = case when rotate_connection_secret.secret = 'grant_guid'
      then c.session_expires_at end,
    updated_at = pg_catalog.now()
  where c.id = v_row.id;
  if rotate_connection_secret.secret <> 'grant_guid' then
    delete from vault.secrets as s
    where s.name = pipeline.connection_secret_name(v_row.id, 'session_token');
  end if;
end
$$;
comment on function pipeline.rotate_connection_secret(bigint, text, text, text) is
  'Replaces one credential of a connection in Vault (client_secret, access_token or '
  'grant_guid); takes effect on the next use.';

-- Removes a connection: its credentials leave Vault, its pending runs are cancelled, locations
-- pointing at it stop syncing with it. Refused while one of its runs holds a live lease.
create or replace function pipeline.remove_connection(connection_id bigint)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row public.vendor_connections := pipeline.connection_of(remove_connection.connection_id,
    null);
begin
  perform 1 from public.vendor_connections as c where c.id = v_row.id for update;
  if exists (
    select 1 from public.sync_runs as r
    where r.state = 'running' and r.lease_expires_at > pg_catalog.now()
      and v_row.id in (r.toast_connection_id, r.sevenshifts_connection_id)
  ) then
    raise exception 'connection % has a sync running; try again in a minute', v_row.id
      using errcode = '55006';
  end if;
  update public.sync_runs as r
  set state = 'cancelled', error = 'connection ' || v_row.id || ' was removed',
    finished_at = pg_catalog.now(), lease_token = null, lease_expires_at = null
  where r.state in ('pending', 'running')
    and v_row.id in (r.toast_connection_id, r.sevenshifts_connection_id);
  delete from vault.secrets as s
  where s.name like 'labor\_pulse\_connection\_' || v_row.id::text || '\_%';
  delete from public.vendor_connections as c where c.id = v_row.id;
end
$$;
comment on function pipeline.remove_connection(bigint) is
  'Removes a vendor connection and its Vault credentials; cancels its pending sync runs.';

-- ---------------------------------------------------------------------------------------
-- What the functions may read: one call's worth
-- ---------------------------------------------------------------------------------------

-- sevenshifts-webhook: the grant GUID that keys the HMAC of company_id's deliveries, or null
-- when no connection serves that company (the function then uses SEVENSHIFTS_GRANT_GUID).
create or replace function pipeline.sevenshifts_webhook_grant(company_id bigint)
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select pipeline.connection_secret(c.id, 'grant_guid')
  from public.vendor_connections as c
  where c.vendor = '7shifts' and c.sevenshifts_company_id = sevenshifts_webhook_grant.company_id
$$;
comment on function pipeline.sevenshifts_webhook_grant(bigint) is
  'The 7shifts grant GUID of a company (HMAC key of its webhooks), or null: '
  'sevenshifts-webhook falls back to SEVENSHIFTS_GRANT_GUID.';

-- ---------------------------------------------------------------------------------------
-- Runs
-- ---------------------------------------------------------------------------------------

create table if not exists public.sync_runs (
  id bigint generated always as identity primary key,
  location_id bigint not null references public.locations (id) on delete cascade,
  toast_connection_id bigint references public.vendor_connections (id) on delete set null,
  sevenshifts_connection_id bigint references public.vendor_connections (id) on delete set null,
  -- hourly and nightly (the schedule), manual (pipeline.request_sync), backfill (history),
  -- schedule (7shifts shifts only: 20261130000100_schedule.sql).
  kind text not null check (kind in ('hourly', 'nightly', 'manual', 'backfill', 'schedule')),
  -- The business days pulled: Toast refunds by refund business date, 7shifts punches by
  -- clock-in, for from_date through to_date.
  from_date date not null,
  to_date date not null,
  -- Toast orders by modified time: [modified_since, window_end). window_end is the clock the
  -- run was asked at (pipeline.current_clock: a replay's clock when one is set).
  modified_since timestamptz not null,
  window_end timestamptz not null,
  -- Closed days of a backfill (through this date) never alert (alert_states.quiet).
  quiet_through date,
  -- A schedule run (20261130000100_schedule.sql): the shifts' start range it pulls,
  -- [shifts_from, shifts_to), and what pipeline.replace_scheduled_shifts did with them.
  shifts_from timestamptz,
  shifts_to timestamptz,
  schedule jsonb,
  state text not null default 'pending'
    check (state in ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
  -- Where the run is: the phase and the vendor's cursor after the last committed page.
  phase text not null default 'toast_orders' check (phase in ('toast_orders', 'toast_refunds',
    'sevenshifts_punches', 'sevenshifts_missing', 'sevenshifts_shifts', 'done')),
  cursor jsonb not null default '{}'::jsonb,
  -- Report.
  pages integer not null default 0,
  requests integer not null default 0,
  rows_fetched integer not null default 0,
  rows_new integer not null default 0,
  rows_changed integer not null default 0,
  rows_unchanged integer not null default 0,
  rows_held integer not null default 0,
  rows_invalid integer not null default 0,
  -- What the webhooks missed (new or changed rows last modified more than 15 minutes before
  -- window_end), by kind: orders, punches (new, edited, deleted), punches whose only change is
  -- their breaks (7shifts sends no webhook for those).
  orders_missed integer not null default 0,
  punches_missed integer not null default 0,
  break_edits_missed integer not null default 0,
  -- Problems with single rows (a vendor row that fails validation): {id, path, message}.
  problems jsonb not null default '[]'::jsonb,
  error text,
  invocations integer not null default 0,
  failures integer not null default 0,
  not_before timestamptz not null default now(),
  lease_token uuid,
  lease_expires_at timestamptz,
  requested_at timestamptz not null default now(),
  started_at timestamptz,
  -- When an invocation last stored a page of it, gave it back or ended it: the next invocation
  -- of its connections paces its first requests from there (vendor-sync).
  last_active_at timestamptz,
  finished_at timestamptz,
  notice_alert_id bigint references public.alerts (id) on delete set null,
  check (from_date <= to_date and to_date - from_date <= 90),
  check (modified_since < window_end),
  check (kind <> 'schedule' or shifts_to > shifts_from),
  check ((state = 'running') = (lease_token is not null))
);
create index if not exists sync_runs_due on public.sync_runs (not_before, id)
  where state in ('pending', 'running');
create index if not exists sync_runs_location on public.sync_runs (location_id, id);
-- When a connection last talked to its vendor (pipeline.connection_last_active).
create index if not exists sync_runs_toast_active
  on public.sync_runs (toast_connection_id, last_active_at);
create index if not exists sync_runs_sevenshifts_active
  on public.sync_runs (sevenshifts_connection_id, last_active_at);
comment on table public.sync_runs is
  'Each vendor sync run (hourly, nightly, manual, backfill) of a location: its window, state, '
  'cursor, and what it found: rows fetched, new, changed, unchanged, held, and what the '
  'webhooks had missed.';

alter table public.sync_runs enable row level security;
revoke all on public.sync_runs from anon, authenticated;
grant select on public.sync_runs to service_role;

-- A run's figures of each day of its window before it changed anything, for its notice.
create table if not exists pipeline.sync_run_days (
  run_id bigint not null references public.sync_runs (id) on delete cascade,
  business_date date not null,
  labor_pct_bp bigint,
  net_sales_cents bigint,
  labor_cost_cents bigint,
  primary key (run_id, business_date)
);
comment on table pipeline.sync_run_days is
  'Figures of each day of a sync run''s window when it started: the "before" of its notice.';

-- The 7shifts punches a run's clock-in pass returned: a stored punch of the window that is not
-- among them was deleted (or moved) without a webhook, and is looked up by id.
create table if not exists pipeline.sync_run_punches (
  run_id bigint not null references public.sync_runs (id) on delete cascade,
  sevenshifts_punch_id bigint not null,
  primary key (run_id, sevenshifts_punch_id)
);
comment on table pipeline.sync_run_punches is
  'Punch ids a sync run''s 7shifts pass returned (to find punches deleted without a webhook).';

-- What the syncs corrected of each location's business day: the rows the webhooks had missed
-- (as counted in sync_runs: new or changed, last modified 15 minutes before the run's clock or
-- earlier), each on its own day, whichever run found it. Counted by pipeline.sync_apply_page in
-- the page's transaction: a page that rolls back counts nothing, and a page applied again (a
-- retry, a second run over the same days) finds its rows unchanged and counts nothing more.
-- Backfills (history, not corrections) are not counted.
create table if not exists pipeline.sync_day_corrections (
  location_id bigint not null references public.locations (id) on delete cascade,
  business_date date not null,
  -- Orders by their Toast business date; punches (new, edited, deleted) and punches whose only
  -- change is their breaks by the business day they are on after the change.
  orders_missed integer not null default 0,
  punches_missed integer not null default 0,
  break_edits_missed integer not null default 0,
  -- The day's labor % before the first correction (null: no figures yet, or no sales), and after
  -- the last run that corrected it ended (null while that run is still going).
  labor_pct_bp_before bigint,
  labor_pct_bp_after bigint,
  last_run_id bigint references public.sync_runs (id) on delete set null,
  updated_at timestamptz not null default now(),
  primary key (location_id, business_date)
);
create index if not exists sync_day_corrections_last_run
  on pipeline.sync_day_corrections (last_run_id);
comment on table pipeline.sync_day_corrections is
  'What the vendor syncs corrected per location and business day (orders, punches, break edits '
  'the webhooks missed), counted once, on the row''s own day, notice or not; the morning '
  'flash reports it. Kept 70 days (pipeline.prune_sync_day_corrections).';

revoke all on pipeline.sync_run_days, pipeline.sync_run_punches, pipeline.sync_day_corrections
  from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------
-- Asking for runs
-- ---------------------------------------------------------------------------------------

-- The instant a business day starts at a location: its date at the cut-off hour, local time.
create or replace function pipeline.business_day_start(
  business_date date,
  time_zone text,
  cutoff_hour smallint
)
returns timestamptz
language sql
immutable
parallel safe
set search_path = ''
as $$
  select (business_date + pg_catalog.make_interval(hours => cutoff_hour))::timestamp
    at time zone time_zone
$$;
comment on function pipeline.business_day_start(date, text, smallint) is
  'When a business day starts: its date at the location''s cut-off hour, local time.';

-- The connections a location syncs with: Toast through location_sync (with a restaurant GUID),
-- 7shifts through its company's connection (with a 7shifts location id).
create or replace function pipeline.location_sync_connections(
  location_id bigint,
  out toast_connection_id bigint,
  out sevenshifts_connection_id bigint
)
language sql
stable
security definer
set search_path = ''
as $$
  select
    (select s.toast_connection_id from public.location_sync as s
      where s.location_id = l.id and l.toast_restaurant_guid is not null),
    (select c.id from public.vendor_connections as c
      where c.vendor = '7shifts' and c.sevenshifts_company_id = l.sevenshifts_company_id
        and l.sevenshifts_location_id is not null)
  from public.locations as l
  where l.id = location_sync_connections.location_id
$$;
comment on function pipeline.location_sync_connections(bigint) is
  'The Toast and 7shifts connections a location syncs with (null where none).';

-- Wakes the vendor-sync function (through pg_net, signed). `run_id` names the run to take
-- first; null asks it to take whatever is due.
create or replace function pipeline.post_sync_request(run_id bigint)
returns bigint
language sql
security definer
set search_path = ''
as $$
  -- pg_net's timeout is above the function's budget (SYNC_BUDGET_MS, 40 s).
  select pipeline.post_signed_to_function('vendor-sync',
    pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('type', 'SYNC',
      'runId', post_sync_request.run_id)),
    60000)
$$;
comment on function pipeline.post_sync_request(bigint) is
  'Posts a signed {type: SYNC, runId} to the vendor-sync function through pg_net.';

-- Queues one run (or returns the equal one already waiting). No post: callers post.
create or replace function pipeline.enqueue_sync(
  location_id bigint,
  kind text,
  from_date date,
  to_date date,
  modified_since timestamptz,
  window_end timestamptz,
  quiet_through date default null
)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_conn record;
  v_id bigint;
begin
  select * into v_conn from pipeline.location_sync_connections(enqueue_sync.location_id);
  if v_conn.toast_connection_id is null and v_conn.sevenshifts_connection_id is null then
    raise exception 'location % has no vendor connection to sync with (a Toast connection in '
      'public.location_sync, or a 7shifts connection for its company)', enqueue_sync.location_id
      using errcode = '55000';
  end if;
  select r.id into v_id from public.sync_runs as r
  where r.location_id = enqueue_sync.location_id and r.kind = enqueue_sync.kind
    and r.state = 'pending' and r.started_at is null
    and r.from_date = enqueue_sync.from_date and r.to_date = enqueue_sync.to_date
  limit 1;
  if v_id is not null then
    return v_id;
  end if;
  insert into public.sync_runs (location_id, toast_connection_id, sevenshifts_connection_id,
    kind, from_date, to_date, modified_since, window_end, quiet_through)
  values (enqueue_sync.location_id, v_conn.toast_connection_id, v_conn.sevenshifts_connection_id,
    enqueue_sync.kind, enqueue_sync.from_date, enqueue_sync.to_date,
    least(enqueue_sync.modified_since, enqueue_sync.window_end - interval '1 millisecond'),
    enqueue_sync.window_end, enqueue_sync.quiet_through)
  returning id into v_id;
  return v_id;
end
$$;
comment on function pipeline.enqueue_sync(bigint, text, date, date, timestamptz, timestamptz,
  date) is
  'Queues one sync run of a location (or returns the equal one still waiting).';

-- On demand: pull from_date through to_date (business dates; at most 91 days, none in the
-- future) for one location from every vendor it is connected to. Returns the run id; the
-- vendor-sync function starts on it at once.
create or replace function pipeline.request_sync(location_id bigint, from_date date, to_date date)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_loc public.locations;
  v_clock timestamptz := pipeline.current_clock();
  v_today date;
  v_id bigint;
begin
  perform pipeline.require_location(request_sync.location_id);
  select * into v_loc from public.locations as l where l.id = request_sync.location_id;
  v_today := pipeline.business_date_of(v_clock, v_loc.time_zone, v_loc.business_day_cutoff_hour);
  if request_sync.from_date is null or request_sync.to_date is null
    or request_sync.from_date > request_sync.to_date then
    raise exception 'from_date must be on or before to_date' using errcode = '22023';
  end if;
  if request_sync.to_date > v_today then
    raise exception 'to_date % is after location %''s current business day %',
      request_sync.to_date, v_loc.id, v_today using errcode = '22023';
  end if;
  if request_sync.to_date - request_sync.from_date > 90 then
    raise exception 'a sync covers at most 91 days' using errcode = '22023';
  end if;
  v_id := pipeline.enqueue_sync(v_loc.id, 'manual', request_sync.from_date, request_sync.to_date,
    pipeline.business_day_start(request_sync.from_date, v_loc.time_zone,
      v_loc.business_day_cutoff_hour),
    v_clock);
  perform pipeline.post_sync_request(v_id);
  return v_id;
end
$$;
comment on function pipeline.request_sync(bigint, date, date) is
  'Syncs a location''s business days from_date..to_date from its vendors now; returns the run '
  'id (public.sync_runs).';

-- History: pull the last `days` business days (1-90) for one location, without alerting on
-- any day that is already over. Returns the run id.
create or replace function pipeline.request_backfill(location_id bigint, days integer)
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_loc public.locations;
  v_clock timestamptz := pipeline.current_clock();
  v_today date;
  v_from date;
  v_id bigint;
begin
  perform pipeline.require_location(request_backfill.location_id);
  select * into v_loc from public.locations as l where l.id = request_backfill.location_id;
  v_today := pipeline.business_date_of(v_clock, v_loc.time_zone, v_loc.business_day_cutoff_hour);
  if request_backfill.days is null or request_backfill.days not between 1 and 90 then
    raise exception 'a backfill reaches 1 to 90 days back, not %', request_backfill.days
      using errcode = '22023';
  end if;
  v_from := v_today - request_backfill.days;
  v_id := pipeline.enqueue_sync(v_loc.id, 'backfill', v_from, v_today,
    pipeline.business_day_start(v_from, v_loc.time_zone, v_loc.business_day_cutoff_hour),
    v_clock, v_today - 1);
  perform pipeline.post_sync_request(v_id);
  return v_id;
end
$$;
comment on function pipeline.request_backfill(bigint, integer) is
  'Pulls a location''s last N business days (1-90) of history; closed days never alert.';

-- A location mapped (location_sync row made, its Toast connection or backfill set, or the
-- location's vendor mapping changed) pulls the history its backfill_days asks for.
create or replace function pipeline.backfill_on_mapping()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- NEW is a locations row or a location_sync row: read its id through jsonb.
  v_location_id bigint := coalesce(pg_catalog.to_jsonb(new) ->> 'location_id',
    pg_catalog.to_jsonb(new) ->> 'id')::bigint;
  v_days smallint;
  v_conn record;
begin
  select s.backfill_days into v_days from public.location_sync as s
  where s.location_id = v_location_id and s.enabled;
  if coalesce(v_days, 0) = 0 then
    return null;
  end if;
  select * into v_conn from pipeline.location_sync_connections(v_location_id);
  if v_conn.toast_connection_id is null and v_conn.sevenshifts_connection_id is null then
    return null;
  end if;
  perform pipeline.request_backfill(v_location_id, v_days);
  return null;
end
$$;
comment on function pipeline.backfill_on_mapping() is
  'Trigger: requests a location''s backfill (location_sync.backfill_days) when it is mapped.';

drop trigger if exists location_sync_backfill on public.location_sync;
create trigger location_sync_backfill
  after insert or update of toast_connection_id, backfill_days, enabled on public.location_sync
  for each row execute function pipeline.backfill_on_mapping();

drop trigger if exists locations_sync_backfill on public.locations;
create trigger locations_sync_backfill
  after update of toast_restaurant_guid, sevenshifts_company_id, sevenshifts_location_id
  on public.locations
  for each row execute function pipeline.backfill_on_mapping();

-- The schedule (pg_cron, hourly): for every location that syncs, an hourly run over its last
-- hourly_days business days, or at its nightly_hour (local) the nightly run over the last
-- nightly_days, each posted to vendor-sync on its own. Toast orders are pulled since the last
-- successful run's end, less an hour of overlap (never further back than a week before the
-- window). A location with a 7shifts connection also gets a schedule run over its current and
-- next business day (20261130000100_schedule.sql). Returns how many were queued.
create or replace function pipeline.schedule_syncs()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_loc record;
  v_clock timestamptz := pipeline.current_clock();
  v_today date;
  v_nightly boolean;
  v_from date;
  v_start timestamptz;
  v_mark timestamptz;
  v_queued integer := 0;
begin
  for v_loc in
    select l.id, l.time_zone, l.business_day_cutoff_hour, coalesce(s.hourly_days, 2) as hourly,
      coalesce(s.nightly_days, 7) as nightly, coalesce(s.nightly_hour, 5) as nightly_hour,
      c.toast_connection_id, c.sevenshifts_connection_id
    from public.locations as l
    left join public.location_sync as s on s.location_id = l.id
    cross join lateral pipeline.location_sync_connections(l.id) as c
    where coalesce(s.enabled, true)
      and (c.toast_connection_id is not null or c.sevenshifts_connection_id is not null)
    order by l.id
  loop
    v_today := pipeline.business_date_of(v_clock, v_loc.time_zone,
      v_loc.business_day_cutoff_hour);
    v_nightly := extract(hour from v_clock at time zone v_loc.time_zone) = v_loc.nightly_hour
      and not exists (
        select 1 from public.sync_runs as r
        where r.location_id = v_loc.id and r.kind = 'nightly' and r.to_date = v_today
      );
    v_from := v_today - case when v_nightly then v_loc.nightly else v_loc.hourly - 1 end;
    v_start := pipeline.business_day_start(v_from, v_loc.time_zone,
      v_loc.business_day_cutoff_hour);
    select max(r.window_end) into v_mark from public.sync_runs as r
    where r.location_id = v_loc.id and r.state = 'succeeded'
      and r.toast_connection_id is not null;
    -- One wake-up per run: locations on different connections sync side by side.
    perform pipeline.post_sync_request(pipeline.enqueue_sync(v_loc.id,
      case when v_nightly then 'nightly' else 'hourly' end, v_from, v_today,
      case when v_nightly or v_mark is null then v_start
        else greatest(v_mark - interval '1 hour', v_start - interval '7 days') end,
      v_clock));
    v_queued := v_queued + 1;
    if v_loc.sevenshifts_connection_id is not null then
      perform pipeline.post_sync_request(pipeline.enqueue_schedule_pull(v_loc.id,
        pipeline.business_day_start(v_today, v_loc.time_zone, v_loc.business_day_cutoff_hour),
        pipeline.business_day_start(v_today + 2, v_loc.time_zone,
          v_loc.business_day_cutoff_hour),
        v_clock));
      v_queued := v_queued + 1;
    end if;
  end loop;
  return v_queued;
end
$$;
comment on function pipeline.schedule_syncs() is
  'The hourly job: queues each syncing location''s hourly (or nightly) run and wakes '
  'vendor-sync. Returns the number queued.';

-- The minute job: wakes vendor-sync when a run is due (waiting, or its lease ran out after a
-- crash or timeout). Posts nothing when nothing is due.
create or replace function pipeline.request_sync_sweep()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (
    select 1 from public.sync_runs as r
    where (r.state = 'pending' and r.not_before <= pg_catalog.now())
      or (r.state = 'running' and r.lease_expires_at <= pg_catalog.now())
  ) then
    return null;
  end if;
  return pipeline.post_sync_request(null);
end
$$;
comment on function pipeline.request_sync_sweep() is
  'The minute job: wakes vendor-sync when a sync run is due or its lease expired.';

-- ---------------------------------------------------------------------------------------
-- Running: claim, credentials, pages, release, finish (the vendor-sync function's calls)
-- ---------------------------------------------------------------------------------------

-- When a run of a connection last talked to its vendor (its last page, release or end).
create or replace function pipeline.connection_last_active(connection_id bigint)
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select greatest(
    (select max(r.last_active_at) from public.sync_runs as r
      where r.toast_connection_id = connection_last_active.connection_id),
    (select max(r.last_active_at) from public.sync_runs as r
      where r.sevenshifts_connection_id = connection_last_active.connection_id))
$$;
comment on function pipeline.connection_last_active(bigint) is
  'The last time any sync run of a connection stored a page, was given back or ended.';

-- A claimed run as the function needs it: the run, its location's vendor ids and zone, the
-- windows, and each connection's non-secret settings (and when it was last active).
create or replace function pipeline.sync_run_json(run_id bigint)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'runId', r.id,
    'kind', r.kind,
    'leaseToken', r.lease_token,
    'leaseExpiresAt', r.lease_expires_at,
    'phase', r.phase,
    'cursor', r.cursor,
    'fromDate', pg_catalog.to_char(r.from_date, 'YYYY-MM-DD'),
    'toDate', pg_catalog.to_char(r.to_date, 'YYYY-MM-DD'),
    'modifiedSince', r.modified_since,
    'windowEnd', r.window_end,
    'clockedInFrom', pipeline.business_day_start(r.from_date, l.time_zone,
      l.business_day_cutoff_hour),
    'clockedInTo', pipeline.business_day_start(r.to_date + 1, l.time_zone,
      l.business_day_cutoff_hour),
    'shiftsFrom', r.shifts_from,
    'shiftsTo', r.shifts_to,
    'refundDates', (
      select pg_catalog.jsonb_agg(pg_catalog.to_char(d, 'YYYY-MM-DD') order by d)
      from pg_catalog.generate_series(r.from_date, r.to_date, interval '1 day') as g (d)
    ),
    'invocations', r.invocations,
    'failures', r.failures,
    'requests', r.requests,
    'location', pg_catalog.jsonb_build_object(
      'id', l.id,
      'name', l.name,
      'timeZone', l.time_zone,
      'toastRestaurantGuid', l.toast_restaurant_guid,
      'sevenshiftsCompanyId', l.sevenshifts_company_id,
      'sevenshiftsLocationId', l.sevenshifts_location_id),
    'toast', (
      select pg_catalog.jsonb_build_object('connectionId', c.id, 'apiBaseUrl', c.api_base_url,
        'lastActiveAt', pipeline.connection_last_active(c.id))
      from public.vendor_connections as c
      where c.id = r.toast_connection_id and l.toast_restaurant_guid is not null),
    'sevenshifts', (
      select pg_catalog.jsonb_build_object('connectionId', c.id, 'apiBaseUrl', c.api_base_url,
        'authKind', c.auth_kind, 'companyId', c.sevenshifts_company_id,
        'companyGuid', c.sevenshifts_company_guid,
        'lastActiveAt', pipeline.connection_last_active(c.id))
      from public.vendor_connections as c
      where c.id = r.sevenshifts_connection_id and l.sevenshifts_location_id is not null
        and c.sevenshifts_company_id = l.sevenshifts_company_id)
  )
  from public.sync_runs as r
  join public.locations as l on l.id = r.location_id
  where r.id = sync_run_json.run_id
$$;
comment on function pipeline.sync_run_json(bigint) is
  'A claimed sync run as vendor-sync reads it (no secrets).';

-- On a run's first claim: the "before" figures of its days, and for a backfill the closed days
-- that are new to the alert state machine, marked quiet (history never alerts).
create or replace function pipeline.start_sync_run(run_id bigint)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  r public.sync_runs;
begin
  select * into strict r from public.sync_runs as x where x.id = start_sync_run.run_id;
  insert into pipeline.sync_run_days (run_id, business_date, labor_pct_bp, net_sales_cents,
    labor_cost_cents)
  select r.id, d::date, m.labor_pct_bp, m.net_sales_cents, m.labor_cost_cents
  from pg_catalog.generate_series(r.from_date, r.to_date, interval '1 day') as g (d)
  left join public.daily_metrics as m
    on m.location_id = r.location_id and m.business_date = d::date
  on conflict do nothing;
  if r.quiet_through is not null then
    insert into public.alert_states (location_id, business_date, quiet)
    select r.location_id, d::date, true
    from pg_catalog.generate_series(r.from_date, r.quiet_through, interval '1 day') as g (d)
    on conflict (location_id, business_date) do nothing;
  end if;
end
$$;
comment on function pipeline.start_sync_run(bigint) is
  'First claim of a sync run: records its days'' figures; a backfill marks its closed days '
  'without an alert state quiet.';

-- Claims a due run (`run_id`, or the oldest due) under a fresh lease: a waiting run whose time
-- has come, or a running one whose lease ran out (its function crashed or timed out: it resumes
-- at its cursor). Never two runs of one location or one connection at once: advisory locks
-- serialise concurrent claims, and a run sharing either with a live lease is skipped. Returns
-- the run (pipeline.sync_run_json), or null when nothing is due.
create or replace function pipeline.claim_sync_run(run_id bigint, lease_seconds integer)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  r record;
  v_token uuid;
begin
  for r in
    select x.id, x.location_id, x.toast_connection_id, x.sevenshifts_connection_id, x.started_at
    from public.sync_runs as x
    where (claim_sync_run.run_id is null or x.id = claim_sync_run.run_id)
      and ((x.state = 'pending' and x.not_before <= pg_catalog.now())
        or (x.state = 'running' and x.lease_expires_at <= pg_catalog.now()))
    order by x.not_before, x.id
    limit 50
    for update skip locked
  loop
    if not pg_catalog.pg_try_advisory_xact_lock(
        pg_catalog.hashtextextended('pipeline.sync.location:' || r.location_id, 0))
      or (r.toast_connection_id is not null and not pg_catalog.pg_try_advisory_xact_lock(
        pg_catalog.hashtextextended('pipeline.sync.connection:' || r.toast_connection_id, 0)))
      or (r.sevenshifts_connection_id is not null and not pg_catalog.pg_try_advisory_xact_lock(
        pg_catalog.hashtextextended('pipeline.sync.connection:' || r.sevenshifts_connection_id,
          0))) then
      continue;
    end if;
    if exists (
      select 1 from public.sync_runs as o
      where o.id <> r.id and o.state = 'running' and o.lease_expires_at > pg_catalog.now()
        and (o.location_id = r.location_id
          or o.toast_connection_id in (r.toast_connection_id, r.sevenshifts_connection_id)
          or o.sevenshifts_connection_id in (r.toast_connection_id, r.sevenshifts_connection_id))
    ) then
      continue;
    end if;
    v_token := pg_catalog.gen_random_uuid();
    update public.sync_runs as x
    set state = 'running',
      lease_token = v_token,
      lease_expires_at = pg_catalog.now()
        + pg_catalog.make_interval(secs => greatest(claim_sync_run.lease_seconds, 1)),
      invocations = x.invocations + 1,
      started_at = coalesce(x.started_at, pg_catalog.now())
    where x.id = r.id;
    if r.started_at is null then
      perform pipeline.start_sync_run(r.id);
    end if;
    return pipeline.sync_run_json(r.id);
  end loop;
  return null;
end
$$;
comment on function pipeline.claim_sync_run(bigint, integer) is
  'vendor-sync: claims a due sync run under a lease (one per location and per connection at a '
  'time); null when none is due.';

-- The run row, locked, when `lease_token` still holds it; otherwise the error the function
-- stops on (SQLSTATE 55006: another invocation owns the run now).
create or replace function pipeline.sync_run_leased(run_id bigint, lease_token uuid)
returns public.sync_runs
language plpgsql
security definer
set search_path = ''
as $$
declare
  r public.sync_runs;
begin
  select * into r from public.sync_runs as x where x.id = sync_run_leased.run_id for update;
  if not found or r.state <> 'running' or r.lease_token is distinct from sync_run_leased.lease_token
    or r.lease_expires_at <= pg_catalog.clock_timestamp() then
    raise exception 'sync run % is no longer leased to this invocation', sync_run_leased.run_id
      using errcode = '55006';
  end if;
  return r;
end
$$;
comment on function pipeline.sync_run_leased(bigint, uuid) is
  'The sync run, locked, if the lease token still holds it; else error 55006.';

-- A vendor token for a leased run's connection (`vendor`: toast or 7shifts), the one thing a
-- request needs:
-- * {token, expiresAt}: the cached session (Vault), valid for five more minutes, or a 7shifts
--   company access token;
-- * {login: {clientId, clientSecret}}: log in now (recorded: Toast allows 2 logins an hour),
--   then pipeline.sync_store_session;
-- * {waitMs}: another instance is logging in, or this hour's logins are spent.
-- `rejected_token`: the token a vendor just refused (401): not handed out again.
create or replace function pipeline.sync_vendor_access(
  run_id bigint,
  lease_token uuid,
  vendor text,
  rejected_token text default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  r public.sync_runs := pipeline.sync_run_leased(sync_vendor_access.run_id,
    sync_vendor_access.lease_token);
  c public.vendor_connections;
  v_token text;
  v_logins integer;
  v_oldest timestamptz;
begin
  select * into c from public.vendor_connections as x
  where x.id = case sync_vendor_access.vendor
      when 'toast' then r.toast_connection_id else r.sevenshifts_connection_id end
    and x.vendor = sync_vendor_access.vendor
  for update;
  if not found then
    raise exception 'sync run % has no % connection', r.id, sync_vendor_access.vendor
      using errcode = 'P0002';
  end if;
  if c.auth_kind = 'access_token' then
    return pg_catalog.jsonb_build_object('token', pipeline.connection_secret(c.id,
      'access_token'));
  end if;
  v_token := pipeline.connection_secret(c.id, 'session_token');
  if v_token is not null and v_token is distinct from sync_vendor_access.rejected_token
    and c.session_expires_at > pg_catalog.now() + interval '5 minutes' then
    return pg_catalog.jsonb_build_object('token', v_token, 'expiresAt', c.session_expires_at);
  end if;
  if c.login_started_at > pg_catalog.now() - interval '30 seconds' then
    return pg_catalog.jsonb_build_object('waitMs', 2000);
  end if;
  select count(*), min(v.logged_in_at) into v_logins, v_oldest from pipeline.vendor_logins as v
  where v.connection_id = c.id and v.logged_in_at > pg_catalog.now() - interval '1 hour';
  if v_logins >= 2 then
    return pg_catalog.jsonb_build_object('waitMs', pg_catalog.ceil(extract(epoch from
      v_oldest + interval '1 hour' - pg_catalog.now()) * 1000)::bigint + 1000);
  end if;
  insert into pipeline.vendor_logins (connection_id) values (c.id);
  update public.vendor_connections as x set login_started_at = pg_catalog.now()
  where x.id = c.id;
  return pg_catalog.jsonb_build_object('login', pg_catalog.jsonb_build_object(
    'clientId', c.client_id,
    'clientSecret', pipeline.connection_secret(c.id, 'client_secret')));
end
$$;
comment on function pipeline.sync_vendor_access(bigint, uuid, text, text) is
  'vendor-sync: the token for a leased run''s connection, or the client credentials to log in '
  '(at most 2 logins an hour), or how long to wait.';

-- Keeps the token a login returned (Vault) so every instance reuses it until it expires.
create or replace function pipeline.sync_store_session(
  run_id bigint,
  lease_token uuid,
  vendor text,
  token text,
  expires_at timestamptz
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  r public.sync_runs := pipeline.sync_run_leased(sync_store_session.run_id,
    sync_store_session.lease_token);
  v_id bigint := case sync_store_session.vendor
    when 'toast' then r.toast_connection_id else r.sevenshifts_connection_id end;
begin
  perform pipeline.put_connection_secret(v_id, 'session_token', sync_store_session.token);
  update public.vendor_connections as c
  set session_expires_at = sync_store_session.expires_at, login_started_at = null
  where c.id = v_id;
end
$$;
comment on function pipeline.sync_store_session(bigint, uuid, text, text, timestamptz) is
  'vendor-sync: keeps a new vendor session token in Vault for every instance.';

-- How one fetched order compares with what is stored: 'unchanged' (the same version: nothing is
-- written, nothing recomputed), else the result of the same ingest a webhook gets: 'new',
-- 'changed', 'stale' (older than what is stored), 'held' (unmapped, conflict, rejected).
-- `missed`: new or changed and last modified 15 minutes before the run's clock or earlier (a
-- webhook still in flight is not a miss); `missed_day`: the order's business date.
create or replace function pipeline.sync_ingest_order(
  p_run public.sync_runs,
  p_location public.locations,
  p_event jsonb,
  out outcome text,
  out missed boolean,
  out missed_day date
)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_order jsonb := p_event -> 'order';
  v_key text := lower(p_event ->> 'restaurantGuid');
  v_prior public.orders;
  v_result jsonb;
begin
  select * into v_prior from public.orders as o
  where o.toast_order_guid = (v_order ->> 'orderGuid')::uuid;
  if v_prior.toast_order_guid is not null and v_prior.location_id = p_location.id
    and v_prior.vendor_modified_at = (v_order ->> 'modifiedAt')::timestamptz
    and v_prior.version_hash = pipeline.version_hash(v_order, v_key) then
    outcome := 'unchanged';
    missed := false;
    return;
  end if;
  v_result := pipeline.ingest_toast(p_event);
  outcome := case
    when (v_result ->> 'duplicate')::boolean and v_result ->> 'outcome' in ('applied', 'stale')
      then 'stale'
    when v_result ->> 'outcome' = 'applied'
      then case when v_prior.toast_order_guid is null then 'new' else 'changed' end
    when v_result ->> 'outcome' = 'stale' then 'stale'
    else 'held'
  end;
  missed := outcome in ('new', 'changed')
    and (v_order ->> 'modifiedAt')::timestamptz <= p_run.window_end - interval '15 minutes';
  missed_day := case when missed then (v_order ->> 'businessDate')::date end;
end
$$;
comment on function pipeline.sync_ingest_order(public.sync_runs, public.locations, jsonb) is
  'One order a sync fetched: unchanged (nothing written), or through pipeline.ingest_toast.';

-- The same for one punch (or a deletion found by id): `break_edit` when the only change is
-- the unpaid break time (7shifts sends no webhook for break changes); `missed_day`: the
-- business day the punch is on after the change (a deleted one: the day it was on; null for a
-- deletion of a punch never stored).
create or replace function pipeline.sync_ingest_punch(
  p_run public.sync_runs,
  p_event jsonb,
  out outcome text,
  out missed boolean,
  out break_edit boolean,
  out missed_day date
)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_punch jsonb := case when pg_catalog.jsonb_typeof(p_event -> 'punch') = 'object'
    then p_event -> 'punch' end;
  v_deletion jsonb := case when pg_catalog.jsonb_typeof(p_event -> 'deletion') = 'object'
    then p_event -> 'deletion' end;
  v_id bigint := coalesce(v_punch, v_deletion) ->> 'punchId';
  v_key text := (p_event ->> 'companyId') || ':' || (p_event ->> 'locationId');
  v_prior public.punches;
  v_after public.punches;
  v_result jsonb;
  v_modified timestamptz;
begin
  break_edit := false;
  select * into v_prior from public.punches as p where p.sevenshifts_punch_id = v_id;
  if v_punch is not null and v_prior.sevenshifts_punch_id is not null
    and v_prior.vendor_modified_at = (v_punch ->> 'modifiedAt')::timestamptz
    and v_prior.version_hash = pipeline.version_hash(v_punch, v_key) then
    outcome := 'unchanged';
    missed := false;
    return;
  end if;
  -- Already deleted: its row, or its company's tombstone (another company's is not this
  -- punch's: 20261128000200_ingest.sql).
  if v_deletion is not null and (v_prior.deleted or exists (
    select 1 from pipeline.punch_tombstones as t
    where t.sevenshifts_punch_id = v_id
      and t.sevenshifts_company_id = (v_deletion ->> 'companyId')::bigint
  )) then
    outcome := 'unchanged';
    missed := false;
    return;
  end if;
  v_result := pipeline.ingest_sevenshifts(p_event);
  select * into v_after from public.punches as p where p.sevenshifts_punch_id = v_id;
  outcome := case
    when (v_result ->> 'duplicate')::boolean and v_result ->> 'outcome' in ('applied', 'stale')
      then 'stale'
    when v_result ->> 'outcome' = 'applied'
      then case when v_prior.sevenshifts_punch_id is null then 'new' else 'changed' end
    when v_result ->> 'outcome' = 'stale' then 'stale'
    else 'held'
  end;
  break_edit := outcome = 'changed' and not v_after.deleted and not v_prior.deleted
    and v_after.clocked_in_at = v_prior.clocked_in_at
    and v_after.clocked_out_at is not distinct from v_prior.clocked_out_at
    and v_after.unpaid_break_seconds <> v_prior.unpaid_break_seconds;
  v_modified := (coalesce(v_punch, v_deletion) ->> 'modifiedAt')::timestamptz;
  missed := outcome in ('new', 'changed')
    and (v_modified is null or v_modified <= p_run.window_end - interval '15 minutes');
  missed_day := case when missed then coalesce(v_after.business_date, v_prior.business_date) end;
end
$$;
comment on function pipeline.sync_ingest_punch(public.sync_runs, jsonb) is
  'One punch a sync fetched: unchanged (nothing written), or through '
  'pipeline.ingest_sevenshifts; says whether only its breaks changed.';

-- Counts one row a run found missed on its business day (pipeline.sync_day_corrections), in the
-- page's transaction. The day's "before" is its labor % as the first correction finds it: the
-- page's own changes are recomputed only at its commit. Nothing for a backfill, nor for a row
-- on no day (the deletion of a punch never stored).
create or replace function pipeline.count_sync_correction(
  p_run public.sync_runs,
  p_day date,
  p_kind text
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_run.kind = 'backfill' or p_day is null then
    return;
  end if;
  insert into pipeline.sync_day_corrections as c (location_id, business_date, orders_missed,
    punches_missed, break_edits_missed, labor_pct_bp_before, last_run_id)
  values (p_run.location_id, p_day,
    case when p_kind = 'order' then 1 else 0 end,
    case when p_kind = 'punch' then 1 else 0 end,
    case when p_kind = 'break_edit' then 1 else 0 end,
    (select m.labor_pct_bp from public.daily_metrics as m
      where m.location_id = p_run.location_id and m.business_date = p_day),
    p_run.id)
  on conflict (location_id, business_date) do update
  set orders_missed = c.orders_missed + excluded.orders_missed,
    punches_missed = c.punches_missed + excluded.punches_missed,
    break_edits_missed = c.break_edits_missed + excluded.break_edits_missed,
    -- Its "after" is this run's, once it ends.
    labor_pct_bp_after = null,
    last_run_id = p_run.id,
    updated_at = pg_catalog.now();
end
$$;
comment on function pipeline.count_sync_correction(public.sync_runs, date, text) is
  'Counts one row a sync found the webhooks had missed (order, punch or break_edit) on its '
  'business day in pipeline.sync_day_corrections.';

-- One page of a leased run, in one transaction: every fetched row (through
-- pipeline.sync_ingest_order / sync_ingest_punch), the punch ids seen, the counters, the phase
-- and cursor after the page, and the lease renewed. `page`: {runId, leaseToken, leaseSeconds,
-- phase, cursor, requests, counted (a vendor page: false for a phase change alone), orders
-- [Toast ingest events], punches [7shifts ingest events], seenPunchIds, problems; a schedule
-- run's shifts, seenShiftIds, shiftsComplete: pipeline.sync_stage_shifts}. Returns the page's
-- tallies.
create or replace function pipeline.sync_apply_page(page jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  r public.sync_runs := pipeline.sync_run_leased((page ->> 'runId')::bigint,
    (page ->> 'leaseToken')::uuid);
  v_loc public.locations;
  v_event jsonb;
  v_one record;
  v_new integer := 0;
  v_changed integer := 0;
  v_unchanged integer := 0;
  v_held integer := 0;
  v_orders_missed integer := 0;
  v_punches_missed integer := 0;
  v_breaks_missed integer := 0;
  v_fetched integer := 0;
  v_problems jsonb := coalesce(page -> 'problems', '[]'::jsonb);
  v_shifts jsonb;
begin
  select * into strict v_loc from public.locations as l where l.id = r.location_id;
  -- A schedule run's shifts (20261130000100_schedule.sql); null for any other page.
  v_shifts := pipeline.sync_stage_shifts(r, v_loc, page);
  if v_shifts is not null then
    v_fetched := (v_shifts ->> 'fetched')::integer;
    v_new := (v_shifts ->> 'new')::integer;
    v_changed := (v_shifts ->> 'changed')::integer;
    v_unchanged := (v_shifts ->> 'unchanged')::integer;
    v_held := (v_shifts ->> 'held')::integer;
  end if;
  for v_event in
    select e from pg_catalog.jsonb_array_elements(coalesce(page -> 'orders', '[]'::jsonb)) as e
  loop
    select * into v_one from pipeline.sync_ingest_order(r, v_loc, v_event);
    v_fetched := v_fetched + 1;
    case v_one.outcome
      when 'new' then v_new := v_new + 1;
      when 'changed' then v_changed := v_changed + 1;
      when 'held' then v_held := v_held + 1;
      else v_unchanged := v_unchanged + 1;
    end case;
    if v_one.missed then
      v_orders_missed := v_orders_missed + 1;
      perform pipeline.count_sync_correction(r, v_one.missed_day, 'order');
    end if;
  end loop;
  for v_event in
    select e from pg_catalog.jsonb_array_elements(coalesce(page -> 'punches', '[]'::jsonb)) as e
  loop
    select * into v_one from pipeline.sync_ingest_punch(r, v_event);
    v_fetched := v_fetched + 1;
    case v_one.outcome
      when 'new' then v_new := v_new + 1;
      when 'changed' then v_changed := v_changed + 1;
      when 'held' then v_held := v_held + 1;
      else v_unchanged := v_unchanged + 1;
    end case;
    if v_one.missed and v_one.break_edit then
      v_breaks_missed := v_breaks_missed + 1;
      perform pipeline.count_sync_correction(r, v_one.missed_day, 'break_edit');
    elsif v_one.missed then
      v_punches_missed := v_punches_missed + 1;
      perform pipeline.count_sync_correction(r, v_one.missed_day, 'punch');
    end if;
  end loop;
  insert into pipeline.sync_run_punches (run_id, sevenshifts_punch_id)
  select r.id, x::bigint
  from pg_catalog.jsonb_array_elements_text(coalesce(page -> 'seenPunchIds', '[]'::jsonb)) as x
  on conflict do nothing;

  update public.sync_runs as x
  set phase = coalesce(page ->> 'phase', x.phase),
    cursor = coalesce(page -> 'cursor', x.cursor),
    pages = x.pages + case when coalesce((page ->> 'counted')::boolean, true) then 1 else 0 end,
    requests = x.requests + coalesce((page ->> 'requests')::integer, 0),
    rows_fetched = x.rows_fetched + v_fetched
      + pg_catalog.jsonb_array_length(v_problems),
    rows_new = x.rows_new + v_new,
    rows_changed = x.rows_changed + v_changed,
    rows_unchanged = x.rows_unchanged + v_unchanged,
    rows_held = x.rows_held + v_held,
    rows_invalid = x.rows_invalid + pg_catalog.jsonb_array_length(v_problems),
    orders_missed = x.orders_missed + v_orders_missed,
    punches_missed = x.punches_missed + v_punches_missed,
    break_edits_missed = x.break_edits_missed + v_breaks_missed,
    problems = case when pg_catalog.jsonb_array_length(x.problems) >= 20 then x.problems
      else x.problems || v_problems end,
    last_active_at = pg_catalog.clock_timestamp(),
    lease_expires_at = greatest(x.lease_expires_at, pg_catalog.clock_timestamp()
      + pg_catalog.make_interval(secs => greatest(coalesce((page ->> 'leaseSeconds')::integer,
        0), 1)))
  where x.id = r.id;
  return pg_catalog.jsonb_build_object('new', v_new, 'changed', v_changed,
    'unchanged', v_unchanged, 'held', v_held, 'fetched', v_fetched);
end
$$;
comment on function pipeline.sync_apply_page(jsonb) is
  'vendor-sync: applies one fetched page of a leased run and records its cursor, atomically.';

-- vendor-sync calls this: one round trip per page that returns only after the commit, so a
-- failure at commit (the deferred recompute) is the call's own error and the function never
-- moves on from a page that was rolled back. Not security definer (it commits); it only calls
-- pipeline.sync_apply_page.
create or replace procedure pipeline.sync_apply_page_committed(
  page jsonb,
  inout result jsonb default null
)
language plpgsql
as $$
begin
  result := pipeline.sync_apply_page(page);
  commit;
end
$$;
comment on procedure pipeline.sync_apply_page_committed(jsonb, jsonb) is
  'vendor-sync: pipeline.sync_apply_page, committed inside the call.';

-- The stored punches of a leased run's 7shifts location clocked in within its window that its
-- clock-in pass did not return (deleted or moved without a webhook reaching us): looked up
-- one by one. At most 200 ids.
create or replace function pipeline.sync_unseen_punches(run_id bigint, lease_token uuid)
returns bigint[]
language plpgsql
security definer
set search_path = ''
as $$
declare
  r public.sync_runs := pipeline.sync_run_leased(sync_unseen_punches.run_id,
    sync_unseen_punches.lease_token);
  v_loc public.locations;
  v_ids bigint[];
begin
  select * into strict v_loc from public.locations as l where l.id = r.location_id;
  select pg_catalog.array_agg(p.sevenshifts_punch_id order by p.sevenshifts_punch_id)
  into v_ids
  from (
    select p.sevenshifts_punch_id from public.punches as p
    where p.location_id = r.location_id
      and p.sevenshifts_company_id = v_loc.sevenshifts_company_id
      and p.sevenshifts_location_id = v_loc.sevenshifts_location_id
      and not p.deleted
      and p.clocked_in_at >= pipeline.business_day_start(r.from_date, v_loc.time_zone,
        v_loc.business_day_cutoff_hour)
      and p.clocked_in_at < pipeline.business_day_start(r.to_date + 1, v_loc.time_zone,
        v_loc.business_day_cutoff_hour)
      and not exists (
        select 1 from pipeline.sync_run_punches as s
        where s.run_id = r.id and s.sevenshifts_punch_id = p.sevenshifts_punch_id
      )
    order by p.sevenshifts_punch_id
    limit 200
  ) as p;
  return coalesce(v_ids, '{}');
end
$$;
comment on function pipeline.sync_unseen_punches(bigint, uuid) is
  'vendor-sync: stored punches of the run''s window its 7shifts pass did not return.';

-- Of the payments Toast lists as refunded on a day, those whose refund no stored order carries
-- yet (their orders are fetched one by one).
create or replace function pipeline.sync_unknown_refunds(
  run_id bigint,
  lease_token uuid,
  payment_guids text[]
)
returns text[]
language plpgsql
security definer
set search_path = ''
as $$
declare
  r public.sync_runs := pipeline.sync_run_leased(sync_unknown_refunds.run_id,
    sync_unknown_refunds.lease_token);
begin
  return coalesce((
    select pg_catalog.array_agg(g order by g)
    from pg_catalog.unnest(sync_unknown_refunds.payment_guids) as g
    where not exists (
      select 1 from public.order_refunds as f
      where f.location_id = r.location_id and f.payment_guid = g
    )
  ), '{}');
end
$$;
comment on function pipeline.sync_unknown_refunds(bigint, uuid, text[]) is
  'vendor-sync: the refunded payment GUIDs no stored order carries yet.';

-- Gives a leased run back, to resume at its cursor at `retry_after_ms` from now (a chunk that
-- used its budget, a vendor's 429, a transient failure: `error` says which, and `failed`
-- counts it). A run due at once is posted to vendor-sync again; a later one waits for the
-- minute sweep.
create or replace function pipeline.release_sync_run(
  run_id bigint,
  lease_token uuid,
  retry_after_ms integer,
  error text default null,
  failed boolean default false
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  r public.sync_runs := pipeline.sync_run_leased(release_sync_run.run_id,
    release_sync_run.lease_token);
  v_wait integer := greatest(coalesce(release_sync_run.retry_after_ms, 0), 0);
begin
  update public.sync_runs as x
  set state = 'pending',
    lease_token = null,
    lease_expires_at = null,
    not_before = pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => v_wait / 1000.0),
    error = pg_catalog.left(release_sync_run.error, 1000),
    failures = x.failures + case when release_sync_run.failed then 1 else 0 end,
    last_active_at = pg_catalog.clock_timestamp()
  where x.id = r.id;
  if v_wait = 0 then
    perform pipeline.post_sync_request(r.id);
  end if;
end
$$;
comment on function pipeline.release_sync_run(bigint, uuid, integer, text, boolean) is
  'vendor-sync: gives a leased run back to resume at its cursor later (posted again at once '
  'when due now).';

-- The notice rule: a run that is not a backfill, of a location whose alerts are enabled, sends
-- one notice when what the webhooks missed reaches 3 rows (orders, punches and break edits
-- together), or when at least one missed row moved a day of its window by 0.50 percentage
-- points of labor % or more.
create or replace function pipeline.sync_notice_due(
  missed integer,
  largest_labor_change_bp bigint
)
returns boolean
language sql
immutable
parallel safe
as $$
  select missed >= 3 or (missed >= 1 and coalesce(largest_labor_change_bp, 0) >= 50)
$$;
comment on function pipeline.sync_notice_due(integer, bigint) is
  'Whether a sync''s findings deserve a notice: 3 or more missed rows, or any that moved a '
  'day''s labor % by 0.50 points or more.';

-- Ends a leased run: succeeded (then, unless it is a backfill, the notice rule above; the
-- notice is one 'sync' row in public.alerts naming the day that moved most) or failed with
-- `error`. Returns the run's report.
create or replace function pipeline.finish_sync_run(
  run_id bigint,
  lease_token uuid,
  succeeded boolean,
  error text default null
)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  r public.sync_runs := pipeline.sync_run_leased(finish_sync_run.run_id,
    finish_sync_run.lease_token);
  v_loc public.locations;
  v_days jsonb;
  v_largest bigint;
  v_day date;
  m public.daily_metrics;
  v_state text;
  v_alert_id bigint;
  v_missed integer := r.orders_missed + r.punches_missed + r.break_edits_missed;
begin
  update public.sync_runs as x
  set state = case when finish_sync_run.succeeded then 'succeeded' else 'failed' end,
    phase = case when finish_sync_run.succeeded then 'done' else x.phase end,
    error = pg_catalog.left(finish_sync_run.error, 1000),
    finished_at = pg_catalog.now(),
    last_active_at = pg_catalog.clock_timestamp(),
    lease_token = null,
    lease_expires_at = null
  where x.id = r.id;

  -- The days this run corrected: their figures now, the "after" the morning flash reports.
  update pipeline.sync_day_corrections as c
  set labor_pct_bp_after = f.labor_pct_bp, updated_at = pg_catalog.now()
  from public.daily_metrics as f
  where c.last_run_id = r.id
    and f.location_id = c.location_id and f.business_date = c.business_date;

  select * into strict v_loc from public.locations as l where l.id = r.location_id;
  if finish_sync_run.succeeded and r.kind <> 'backfill' and v_missed > 0 and v_loc.alerts_enabled
  then
    -- Each day of the window whose figures moved: before (at the run's start) and after.
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'businessDate', pg_catalog.to_char(d.business_date, 'YYYY-MM-DD'),
        'before', pg_catalog.jsonb_build_object('laborPctBp', d.labor_pct_bp,
          'netSalesCents', d.net_sales_cents, 'laborCostCents', d.labor_cost_cents),
        'after', pg_catalog.jsonb_build_object('laborPctBp', a.labor_pct_bp,
          'netSalesCents', a.net_sales_cents, 'laborCostCents', a.labor_cost_cents))
        order by d.business_date),
      max(pg_catalog.abs(coalesce(a.labor_pct_bp, 0) - coalesce(d.labor_pct_bp, 0)))
    into v_days, v_largest
    from pipeline.sync_run_days as d
    join public.daily_metrics as a
      on a.location_id = r.location_id and a.business_date = d.business_date
    where d.run_id = r.id
      and (a.net_sales_cents, a.labor_cost_cents, a.labor_pct_bp)
        is distinct from (d.net_sales_cents, d.labor_cost_cents, d.labor_pct_bp);
    if v_days is not null and pipeline.sync_notice_due(v_missed, v_largest) then
      -- The day the notice is about: the one whose labor % moved most (latest on a tie).
      select d.business_date into v_day
      from pipeline.sync_run_days as d
      join public.daily_metrics as a
        on a.location_id = r.location_id and a.business_date = d.business_date
      where d.run_id = r.id
        and (a.net_sales_cents, a.labor_cost_cents, a.labor_pct_bp)
          is distinct from (d.net_sales_cents, d.labor_cost_cents, d.labor_pct_bp)
      order by pg_catalog.abs(coalesce(a.labor_pct_bp, 0) - coalesce(d.labor_pct_bp, 0)) desc,
        d.business_date desc
      limit 1;
      select * into strict m from public.daily_metrics as x
      where x.location_id = r.location_id and x.business_date = v_day;
      select coalesce(s.state, 'ok') into v_state from (select 1) as one
      left join public.alert_states as s
        on s.location_id = r.location_id and s.business_date = v_day;
      insert into public.alerts (location_id, business_date, kind, from_state, location_name,
        time_zone, labor_pct_bp, labor_target_bp, critical_threshold_bp, recovery_threshold_bp,
        net_sales_cents, labor_cost_cents, paid_labor_seconds, cplh_cents, splh_cents,
        order_count, punch_count, open_punch_count, metrics_as_of, details)
      values (r.location_id, v_day, 'sync', v_state, v_loc.name, v_loc.time_zone,
        m.labor_pct_bp, v_loc.labor_target_bp, v_loc.labor_target_bp + v_loc.critical_margin_bp,
        v_loc.labor_target_bp - v_loc.recovery_hysteresis_bp, m.net_sales_cents,
        m.labor_cost_cents, m.paid_labor_seconds, m.cplh_cents, m.splh_cents, m.order_count,
        m.punch_count, m.open_punch_count, m.as_of,
        pg_catalog.jsonb_build_object(
          'runId', r.id,
          'runKind', r.kind,
          'ordersMissed', r.orders_missed,
          'punchesMissed', r.punches_missed,
          'breakEditsMissed', r.break_edits_missed,
          'todayBusinessDate', pg_catalog.to_char(pipeline.business_date_of(r.window_end,
            v_loc.time_zone, v_loc.business_day_cutoff_hour), 'YYYY-MM-DD'),
          'days', v_days))
      returning id into v_alert_id;
      update public.sync_runs as x set notice_alert_id = v_alert_id where x.id = r.id;
    end if;
  end if;
  return (
    select pg_catalog.to_jsonb(x) - 'lease_token' - 'cursor' - 'problems'
    from public.sync_runs as x where x.id = r.id
  );
end
$$;
comment on function pipeline.finish_sync_run(bigint, uuid, boolean, text) is
  'vendor-sync: ends a leased run (succeeded or failed) and sends its notice when '
  'pipeline.sync_notice_due says so.';

-- ---------------------------------------------------------------------------------------
-- Schedules (pg_cron on Supabase; the local stack's scheduler runs the same SQL)
-- ---------------------------------------------------------------------------------------

-- What the syncs corrected is kept as long as the intraday history (70 days by the clock,
-- 20261130000200_projection.sql): the flash reads only yesterday's. Returns rows deleted.
create or replace function pipeline.prune_sync_day_corrections()
returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_rows bigint;
begin
  delete from pipeline.sync_day_corrections as c
  where c.business_date < (pipeline.current_clock() at time zone 'UTC')::date - 70;
  get diagnostics v_rows = row_count;
  return v_rows;
end
$$;
comment on function pipeline.prune_sync_day_corrections() is
  'Deletes what the syncs corrected of business days older than 70 days.';

do $$
begin
  if pg_catalog.to_regnamespace('cron') is not null then
    perform cron.schedule('vendor-sync-hourly', '10 * * * *', 'select pipeline.schedule_syncs()');
    perform cron.schedule('vendor-sync-sweep', '* * * * *',
      'select pipeline.request_sync_sweep()');
    perform cron.schedule('pipeline-prune-sync-corrections', '27 4 * * *',
      'select pipeline.prune_sync_day_corrections()');
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------------------

revoke all on function
  pipeline.connection_secret_name(bigint, text),
  pipeline.put_connection_secret(bigint, text, text),
  pipeline.connection_secret(bigint, text),
  pipeline.connection_of(bigint, text),
  pipeline.add_toast_connection(text, text, text, text),
  pipeline.add_sevenshifts_connection(text, bigint, text, text, text, text, uuid, text),
  pipeline.rotate_connection_secret(bigint, text, text, text),
  pipeline.remove_connection(bigint),
  pipeline.sevenshifts_webhook_grant(bigint),
  pipeline.business_day_start(date, text, smallint),
  pipeline.location_sync_connections(bigint),
  pipeline.post_sync_request(bigint),
  pipeline.enqueue_sync(bigint, text, date, date, timestamptz, timestamptz, date),
  pipeline.request_sync(bigint, date, date),
  pipeline.request_backfill(bigint, integer),
  pipeline.backfill_on_mapping(),
  pipeline.schedule_syncs(),
  pipeline.request_sync_sweep(),
  pipeline.connection_last_active(bigint),
  pipeline.sync_run_json(bigint),
  pipeline.start_sync_run(bigint),
  pipeline.claim_sync_run(bigint, integer),
  pipeline.sync_run_leased(bigint, uuid),
  pipeline.sync_vendor_access(bigint, uuid, text, text),
  pipeline.sync_store_session(bigint, uuid, text, text, timestamptz),
  pipeline.sync_ingest_order(public.sync_runs, public.locations, jsonb),
  pipeline.sync_ingest_punch(public.sync_runs, jsonb),
  pipeline.count_sync_correction(public.sync_runs, date, text),
  pipeline.sync_apply_page(jsonb),
  pipeline.sync_unseen_punches(bigint, uuid),
  pipeline.sync_unknown_refunds(bigint, uuid, text[]),
  pipeline.release_sync_run(bigint, uuid, integer, text, boolean),
  pipeline.sync_notice_due(integer, bigint),
  pipeline.finish_sync_run(bigint, uuid, boolean, text),
  pipeline.prune_sync_day_corrections()
from public, anon, authenticated;
revoke all on procedure pipeline.sync_apply_page_committed(jsonb, jsonb)
  from public, anon, authenticated;

-- Operators (service_role, besides postgres) manage connections and ask for syncs.
grant execute on function
  pipeline.add_toast_connection(text, text, text, text),
  pipeline.add_sevenshifts_connection(text, bigint, text, text, text, text, uuid, text),
  pipeline.rotate_connection_secret(bigint, text, text, text),
  pipeline.remove_connection(bigint),
  pipeline.request_sync(bigint, date, date),
  pipeline.request_backfill(bigint, integer)
to service_role;

-- The functions' role (20261128000500_security.sql): sevenshifts-webhook reads one company's
-- grant; vendor-sync claims, reads one run's credentials, applies pages and ends runs.
grant execute on function
  pipeline.sevenshifts_webhook_grant(bigint),
  pipeline.claim_sync_run(bigint, integer),
  pipeline.sync_vendor_access(bigint, uuid, text, text),
  pipeline.sync_store_session(bigint, uuid, text, text, timestamptz),
  pipeline.sync_apply_page(jsonb),
  pipeline.sync_unseen_punches(bigint, uuid),
  pipeline.sync_unknown_refunds(bigint, uuid, text[]),
  pipeline.release_sync_run(bigint, uuid, integer, text, boolean),
  pipeline.finish_sync_run(bigint, uuid, boolean, text)
to pipeline_functions;
grant execute on procedure pipeline.sync_apply_page_committed(jsonb, jsonb) to pipeline_functions;
