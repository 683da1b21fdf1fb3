-- Local-stack bootstrap: adds what a Supabase database has and plain Postgres lacks, and
-- only where it is absent, so it is a no-op on a real Supabase database and safe to re-run.
-- Nothing in supabase/migrations depends on this file; it only stands in for Supabase.

-- Roles PostgREST and the dashboards use. service_role bypasses RLS, as on Supabase.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator noinherit login password 'postgres';
    grant anon, authenticated, service_role to authenticator;
  end if;
end
$$;

create schema if not exists extensions;
grant usage on schema extensions to anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;

-- Supabase grants the API roles table access in public by default; RLS is what protects
-- rows. Mirror that so local tests see the same defaults a Supabase project has.
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;

-- pg_net-compatible `net` schema, when the real extension is absent. Requests are queued
-- and announced with NOTIFY, which Postgres delivers only after the inserting transaction
-- commits: like pg_net, a rolled-back request is never sent. local/dispatcher.ts delivers
-- them and records the outcome in net._http_response.
do $$
begin
  if to_regnamespace('net') is not null then
    return;
  end if;

  create schema net;
  grant usage on schema net to service_role;

  create table net.http_request_queue (
    id bigserial primary key,
    method text not null check (method in ('GET', 'POST', 'DELETE')),
    url text not null,
    headers jsonb not null default '{}'::jsonb,
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

  -- Queues one request and announces it; the announcement is delivered at commit.
  create function net._enqueue(
    method text,
    url text,
    headers jsonb,
    body bytea,
    timeout_milliseconds integer
  )
  returns bigint
  language plpgsql
  security definer
  set search_path = ''
  as $f$
  declare
    request_id bigint;
  begin
    insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
    values (method, url, coalesce(headers, '{}'::jsonb), body, timeout_milliseconds)
    returning id into request_id;
    perform pg_notify('net_http_request', request_id::text);
    return request_id;
  end
  $f$;
  revoke all on function net._enqueue(text, text, jsonb, bytea, integer) from public;

  create function net.http_post(
    url text,
    body jsonb default '{}'::jsonb,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds integer default 5000
  )
  returns bigint
  language sql
  security definer
  set search_path = ''
  as $f$
    select net._enqueue('POST', net._urlencode_params(url, params), headers,
      convert_to(coalesce(body, 'null'::jsonb)::text, 'UTF8'), timeout_milliseconds)
  $f$;

  create function net.http_get(
    url text,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{}'::jsonb,
    timeout_milliseconds integer default 5000
  )
  returns bigint
  language sql
  security definer
  set search_path = ''
  as $f$
    select net._enqueue('GET', net._urlencode_params(url, params), headers, null,
      timeout_milliseconds)
  $f$;
end
$$;

-- pg_cron-compatible `cron` schema, when the real extension is absent. Migrations register
-- jobs with cron.schedule exactly as on Supabase; local/scheduler.ts runs them.
do $$
begin
  if to_regnamespace('cron') is not null then
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
    jobname text unique
  );

  create table cron.job_run_details (
    runid bigserial primary key,
    jobid bigint,
    command text,
    status text,
    return_message text,
    start_time timestamptz,
    end_time timestamptz
  );

  create function cron.schedule(job_name text, schedule text, command text)
  returns bigint
  language plpgsql
  set search_path = ''
  as $f$
  declare
    id bigint;
  begin
    insert into cron.job (jobname, schedule, command)
    values (job_name, schedule, command)
    on conflict (jobname) do update
      set schedule = excluded.schedule, command = excluded.command, active = true
    returning jobid into id;
    perform pg_notify('cron_job_changed', id::text);
    return id;
  end
  $f$;

  create function cron.unschedule(job_name text)
  returns boolean
  language plpgsql
  set search_path = ''
  as $f$
  begin
    delete from cron.job where jobname = job_name;
    perform pg_notify('cron_job_changed', job_name);
    return found;
  end
  $f$;
end
$$;
