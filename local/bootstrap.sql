-- Local-stack bootstrap: adds what a Supabase database has and plain Postgres lacks, only where
-- it is absent, so it is a no-op on a real Supabase database and safe to re-run. Nothing in
-- supabase/migrations depends on this file; it only stands in for Supabase.
--
-- It runs as the cluster's superuser, `supabase_admin` (local/bootstrap.ts), as Supabase's own
-- setup does, and mirrors Supabase's role model where the project relies on it: `postgres` is
-- not a superuser, the extension stand-ins (pg_net's `net`, pg_cron's `cron`, Vault's `vault`)
-- belong to `supabase_admin` and carry the grants the real extensions and Supabase give them.
-- Sources: supabase/postgres (migrations/db init scripts and migrations: demote-postgres,
-- pg_net and pg_cron access, Vault grants), pg_net's sql/pg_net.sql, supabase/vault's
-- sql/supabase_vault--0.3.0.sql, pg_cron's own SQL.

-- ---------------------------------------------------------------------------------------
-- Roles
-- ---------------------------------------------------------------------------------------

-- The API roles PostgREST switches to. service_role bypasses RLS, as on Supabase.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator noinherit login;
    grant anon, authenticated, service_role to authenticator;
  end if;
end
$$;

-- `postgres`, as Supabase demotes it: not a superuser, but CREATEDB, CREATEROLE, REPLICATION,
-- BYPASSRLS and LOGIN; it runs the migrations (`supabase migration up --db-url` connects as
-- postgres) and owns what they create. local/postgres.ts creates the login itself.
do $$
declare
  r pg_catalog.pg_roles%rowtype;
begin
  select * into r from pg_catalog.pg_roles where rolname = 'postgres';
  if not found then
    create role postgres login;
    select * into r from pg_catalog.pg_roles where rolname = 'postgres';
  end if;
  if r.rolsuper and r.oid = 10 then
    raise exception 'postgres is this cluster''s bootstrap superuser, which cannot be demoted'
      using hint = 'The local stack needs Supabase''s role model: a cluster made by supabase_admin '
        '(npm start -- --reset recreates the local one).';
  end if;
  if r.rolsuper or not (r.rolcreatedb and r.rolcreaterole and r.rolreplication
    and r.rolbypassrls and r.rolcanlogin) then
    alter role postgres nosuperuser createdb createrole replication bypassrls login;
  end if;
  -- Supabase grants the API roles to postgres (WITH ADMIN OPTION from Postgres 16 on).
  if not exists (
    select 1 from pg_catalog.pg_auth_members as m
    join pg_catalog.pg_roles as g on g.oid = m.roleid
    where m.member = r.oid and g.rolname = 'service_role' and m.admin_option
  ) then
    grant anon, authenticated, service_role to postgres with admin option;
  end if;
  execute pg_catalog.format('grant all on database %I to postgres', pg_catalog.current_database());
end
$$;

-- ---------------------------------------------------------------------------------------
-- Schemas public and extensions, pgcrypto
-- ---------------------------------------------------------------------------------------

create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
grant all on schema extensions to postgres;
-- pgcrypto is installed in `extensions` on every Supabase project.
create extension if not exists pgcrypto with schema extensions;
grant all on all routines in schema extensions to postgres;

grant usage on schema public to postgres, anon, authenticated, service_role;

-- Supabase grants the API roles table access in public by default (RLS is what protects rows)
-- for what postgres and supabase_admin create. Mirror that so local tests see the defaults a
-- Supabase project has (migration 20261128000500_security.sql takes them back). Only a
-- superuser may set them for other roles; a Supabase database has them already.
do $$
begin
  if not (select rolsuper from pg_catalog.pg_roles where rolname = current_user) then
    return;
  end if;
  alter default privileges for role postgres in schema public
    grant all on tables to postgres, anon, authenticated, service_role;
  alter default privileges for role postgres in schema public
    grant all on sequences to postgres, anon, authenticated, service_role;
  alter default privileges for role postgres in schema public
    grant all on functions to postgres, anon, authenticated, service_role;
  alter default privileges for role supabase_admin in schema public
    grant all on tables to postgres, anon, authenticated, service_role;
  alter default privileges for role supabase_admin in schema public
    grant all on sequences to postgres, anon, authenticated, service_role;
  alter default privileges for role supabase_admin in schema public
    grant all on functions to postgres, anon, authenticated, service_role;
end
$$;

-- ---------------------------------------------------------------------------------------
-- pg_net stand-in (`net`), when the real extension is absent
-- ---------------------------------------------------------------------------------------

-- pg_net's own definitions (sql/pg_net.sql): an unlogged request queue the background worker
-- reads, an unlogged response table, and http_get/http_post/http_delete as plain (security
-- invoker) functions that insert into the queue. pg_net grants USAGE on `net` and ALL on its
-- tables and sequences to PUBLIC, and Supabase adds USAGE for postgres, anon, authenticated
-- and service_role: every role may read, write and delete queued requests and responses, and
-- `postgres` cannot revoke it (it owns none of it). The worker's wake-up is a NOTIFY here,
-- which Postgres delivers only after the inserting transaction commits: like pg_net, a
-- rolled-back request is never sent. local/dispatcher.ts delivers requests and records the
-- outcome in net._http_response.
do $$
begin
  if pg_catalog.to_regnamespace('net') is not null then
    return;
  end if;

  create schema net;

  create unlogged table net.http_request_queue (
    id bigserial primary key,
    method text not null check (method in ('GET', 'POST', 'DELETE')),
    url text not null,
    headers jsonb,
    body bytea,
    timeout_milliseconds integer not null
  );

  create unlogged table net._http_response (
    id bigint,
    status_code integer,
    content_type text,
    headers jsonb,
    content text,
    timed_out boolean,
    error_msg text,
    created timestamptz not null default now()
  );
  create index on net._http_response (created);

  -- pg_net's net.wake(): tells the worker to look at the queue.
  create function net.wake()
  returns void
  language sql
  as $f$
    select pg_catalog.pg_notify('net_http_request', '')
  $f$;

  create function net._urlencode_params(url text, params jsonb)
  returns text
  language sql
  immutable
  set search_path = ''
  as $f$
    select case
      when params is null or params = '{}'::jsonb then url
      else url || case when position('?' in url) > 0 then '&' else '?' end || (
        select string_agg(key || '=' || value, '&' order by key)
        from jsonb_each_text(params)
      )
    end
  $f$;

  create function net.http_post(
    url text,
    body jsonb default '{}'::jsonb,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds integer default 5000
  )
  returns bigint
  language plpgsql
  as $f$
  declare
    request_id bigint;
    content_type text;
  begin
    select v into content_type
    from pg_catalog.jsonb_each_text(coalesce(headers, '{}'::jsonb)) as h (k, v)
    where pg_catalog.lower(k) = 'content-type'
    limit 1;
    if content_type is null then
      headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
    elsif content_type <> 'application/json' then
      raise exception 'Content-Type header must be "application/json"';
    end if;
    -- The bytes sent are the jsonb's text form in UTF-8, exactly as pg_net stores them.
    insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    values ('POST', net._urlencode_params(url, params), headers,
      pg_catalog.convert_to(body::text, 'UTF8'), timeout_milliseconds)
    returning id into request_id;
    perform net.wake();
    return request_id;
  end
  $f$;

  create function net.http_get(
    url text,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{}'::jsonb,
    timeout_milliseconds integer default 5000
  )
  returns bigint
  language plpgsql
  as $f$
  declare
    request_id bigint;
  begin
    insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
    values ('GET', net._urlencode_params(url, params), headers, timeout_milliseconds)
    returning id into request_id;
    perform net.wake();
    return request_id;
  end
  $f$;

  -- pg_net's grants, then Supabase's.
  grant usage on schema net to public;
  grant all on all sequences in schema net to public;
  grant all on all tables in schema net to public;
  grant usage on schema net to postgres, anon, authenticated, service_role;
end
$$;

-- ---------------------------------------------------------------------------------------
-- pg_cron stand-in (`cron`), when the real extension is absent
-- ---------------------------------------------------------------------------------------

-- Migrations register jobs with cron.schedule exactly as on Supabase; local/scheduler.ts runs
-- each job as the user who scheduled it, as pg_cron does (jobs scheduled by postgres run as
-- postgres). pg_cron keeps its tables under row security (a user sees only its own jobs and
-- runs); Supabase grants postgres USAGE on `cron`, its functions, SELECT only on cron.job
-- (writes go through cron.schedule) and the other tables except TRIGGER.
do $$
begin
  if pg_catalog.to_regnamespace('cron') is not null then
    return;
  end if;

  create schema cron;

  create table cron.job (
    jobid bigserial primary key,
    schedule text not null,
    command text not null,
    nodename text not null default 'localhost',
    nodeport integer not null default 5432,
    database text not null default current_database(),
    username text not null default current_user,
    active boolean not null default true,
    jobname text,
    unique (username, jobname)
  );
  alter table cron.job enable row level security;
  create policy cron_job_policy on cron.job using (username = current_user);

  create table cron.job_run_details (
    runid bigserial primary key,
    jobid bigint,
    job_pid integer,
    database text,
    username text,
    command text,
    status text,
    return_message text,
    start_time timestamptz,
    end_time timestamptz
  );
  alter table cron.job_run_details enable row level security;
  create policy cron_job_run_details_policy on cron.job_run_details
    using (username = current_user);

  -- pg_cron's schedule and unschedule write cron.job on behalf of the calling user, whatever
  -- its table privileges (C code there; security definer here, keyed by session_user: the
  -- login that called it, as current_user is the owner inside).
  create function cron.schedule(job_name text, schedule text, command text)
  returns bigint
  language plpgsql
  security definer
  set search_path = ''
  as $f$
  declare
    id bigint;
  begin
    insert into cron.job (jobname, schedule, command, username)
    values (job_name, schedule, command, session_user)
    on conflict (username, jobname) do update
      set schedule = excluded.schedule, command = excluded.command, active = true
    returning jobid into id;
    perform pg_catalog.pg_notify('cron_job_changed', id::text);
    return id;
  end
  $f$;

  create function cron.unschedule(job_name text)
  returns boolean
  language plpgsql
  security definer
  set search_path = ''
  as $f$
  begin
    delete from cron.job where jobname = job_name and username = session_user;
    perform pg_catalog.pg_notify('cron_job_changed', job_name);
    return found;
  end
  $f$;

  revoke all on schema cron from public;
  grant usage on schema cron to postgres with grant option;
  grant all on all functions in schema cron to postgres with grant option;
  grant all privileges on all tables in schema cron to postgres with grant option;
  grant all privileges on all sequences in schema cron to postgres with grant option;
  revoke all on table cron.job from postgres;
  grant select on table cron.job to postgres with grant option;
  revoke trigger on cron.job_run_details from postgres;
end
$$;

-- ---------------------------------------------------------------------------------------
-- Vault stand-in (`vault`), when the real extension is absent
-- ---------------------------------------------------------------------------------------

-- supabase/vault 0.3's surface: vault.secrets holds each secret encrypted, the view
-- vault.decrypted_secrets decrypts on the fly, vault.create_secret / update_secret (security
-- definer) write it. The real cipher is libsodium's XChaCha20-SIV with a root key kept outside
-- the database; here AES from pgcrypto with a random key in a table only supabase_admin can
-- read, so the same privileges guard the plaintext. Grants as Supabase sets them: postgres
-- (and service_role) may read both relations, delete secrets, and execute create_secret,
-- update_secret and the decryption the view calls; nobody may insert or update vault.secrets
-- directly.
do $$
begin
  if pg_catalog.to_regnamespace('vault') is not null then
    return;
  end if;

  create schema vault;

  create table vault._stand_in_root_key (key bytea not null);
  insert into vault._stand_in_root_key (key) values (extensions.gen_random_bytes(32));
  revoke all on vault._stand_in_root_key from public;

  create function vault._crypto_aead_det_noncegen()
  returns bytea
  language sql
  volatile
  set search_path = ''
  as $f$
    select extensions.gen_random_bytes(16)
  $f$;

  -- The key of one secret: the root key bound to the secret's id (`additional`) and context.
  create function vault._stand_in_key(additional bytea, context bytea)
  returns bytea
  language sql
  security definer
  set search_path = ''
  as $f$
    select extensions.digest(k.key || context || additional, 'sha256')
    from vault._stand_in_root_key as k
  $f$;

  create function vault._crypto_aead_det_encrypt(
    message bytea,
    additional bytea,
    key_id bigint,
    context bytea default 'pgsodium',
    nonce bytea default null
  )
  returns bytea
  language sql
  security definer
  set search_path = ''
  as $f$
    select extensions.encrypt_iv(message, vault._stand_in_key(additional, context), nonce, 'aes')
  $f$;

  create function vault._crypto_aead_det_decrypt(
    message bytea,
    additional bytea,
    key_id bigint,
    context bytea default 'pgsodium',
    nonce bytea default null
  )
  returns bytea
  language sql
  security definer
  set search_path = ''
  as $f$
    select extensions.decrypt_iv(message, vault._stand_in_key(additional, context), nonce, 'aes')
  $f$;

  create table vault.secrets (
    id uuid primary key default gen_random_uuid(),
    name text,
    description text not null default '',
    secret text not null,
    key_id uuid,
    nonce bytea default vault._crypto_aead_det_noncegen(),
    created_at timestamptz not null default current_timestamp,
    updated_at timestamptz not null default current_timestamp
  );
  create unique index on vault.secrets using btree (name) where name is not null;

  create view vault.decrypted_secrets as
  select s.id, s.name, s.description, s.secret,
    pg_catalog.convert_from(vault._crypto_aead_det_decrypt(
      message => pg_catalog.decode(s.secret, 'base64'),
      additional => pg_catalog.convert_to(s.id::text, 'utf8'),
      key_id => 0, context => 'pgsodium'::bytea, nonce => s.nonce), 'utf8') as decrypted_secret,
    s.key_id, s.nonce, s.created_at, s.updated_at
  from vault.secrets as s;

  create function vault.create_secret(
    new_secret text,
    new_name text default null,
    new_description text default '',
    new_key_id uuid default null
  )
  returns uuid
  language plpgsql
  security definer
  set search_path = ''
  as $f$
  declare
    rec record;
  begin
    insert into vault.secrets (secret, name, description)
    values (new_secret, new_name, new_description)
    returning * into rec;
    update vault.secrets as s
    set secret = pg_catalog.encode(vault._crypto_aead_det_encrypt(
      message => pg_catalog.convert_to(rec.secret, 'utf8'),
      additional => pg_catalog.convert_to(s.id::text, 'utf8'),
      key_id => 0, context => 'pgsodium'::bytea, nonce => rec.nonce), 'base64')
    where s.id = rec.id;
    return rec.id;
  end
  $f$;

  create function vault.update_secret(
    secret_id uuid,
    new_secret text default null,
    new_name text default null,
    new_description text default null,
    new_key_id uuid default null
  )
  returns void
  language plpgsql
  security definer
  set search_path = ''
  as $f$
  begin
    update vault.secrets as s
    set secret = case when new_secret is null then s.secret
        else pg_catalog.encode(vault._crypto_aead_det_encrypt(
          message => pg_catalog.convert_to(new_secret, 'utf8'),
          additional => pg_catalog.convert_to(s.id::text, 'utf8'),
          key_id => 0, context => 'pgsodium'::bytea, nonce => s.nonce), 'base64') end,
      name = coalesce(new_name, s.name),
      description = coalesce(new_description, s.description),
      updated_at = now()
    where s.id = secret_id;
  end
  $f$;

  revoke all on function vault._stand_in_key(bytea, bytea),
    vault._crypto_aead_det_encrypt(bytea, bytea, bigint, bytea, bytea),
    vault._crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea),
    vault._crypto_aead_det_noncegen(),
    vault.create_secret(text, text, text, uuid),
    vault.update_secret(uuid, text, text, text, uuid)
  from public;

  grant usage on schema vault to postgres with grant option;
  grant select, delete, truncate, references on vault.secrets, vault.decrypted_secrets
    to postgres with grant option;
  grant execute on function vault.create_secret(text, text, text, uuid),
    vault.update_secret(uuid, text, text, text, uuid),
    vault._crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea)
  to postgres with grant option;
  grant usage on schema vault to service_role;
  grant select, delete on vault.secrets, vault.decrypted_secrets to service_role;
  grant execute on function vault.create_secret(text, text, text, uuid),
    vault.update_secret(uuid, text, text, text, uuid),
    vault._crypto_aead_det_decrypt(bytea, bytea, bigint, bytea, bytea)
  to service_role;
end
$$;
