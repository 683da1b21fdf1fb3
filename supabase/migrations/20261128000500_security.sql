-- Security: the least-privilege database role the edge functions run as.
--
-- Supabase injects SUPABASE_DB_URL with the `postgres` role, which can read every table
-- (channel webhook URLs included) and change the schema. The functions need none of that:
-- each call is one SQL function that is `security definer` with a fixed search_path. So they
-- run as `pipeline_functions`, which can execute exactly the entry points below and nothing
-- else: no table of ours, no sequence, no other function that is security definer, no CREATE
-- anywhere. A stolen connection or an injected statement in a function process gets only what
-- a webhook could do anyway.
--
-- The functions log in as it: the operator gives it a password once per environment
-- (`alter role pipeline_functions with login password '...'`, README) and sets its URL as the
-- function secret PIPELINE_DB_URL, which works through any pooler. No password is ever in a
-- migration: the role is created without login. Without PIPELINE_DB_URL the functions fall
-- back to SUPABASE_DB_URL and switch with the `role` startup parameter (postgres is granted the
-- role below), which only a direct connection honours (supabase/functions/_shared/db.ts).
--
-- Tested by tests/security/function_role_test.ts; see SECURITY.md.

-- Fail fast rather than queue behind a webhook transaction (and hold up every one after it).
set lock_timeout = '5s';
set statement_timeout = '120s';

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'pipeline_functions') then
    create role pipeline_functions nologin noinherit nosuperuser nocreatedb nocreaterole
      noreplication nobypassrls;
  end if;
end
$$;

-- The session user of SUPABASE_DB_URL may switch to it (the fallback: SET ROLE needs
-- membership).
grant pipeline_functions to postgres;

grant usage on schema pipeline to pipeline_functions;

-- toast-webhook and sevenshifts-webhook: one call per delivery, through the procedures that
-- commit inside the call (20261128000200_ingest.sql).
grant execute on function pipeline.ingest_toast(jsonb) to pipeline_functions;
grant execute on function pipeline.ingest_sevenshifts(jsonb) to pipeline_functions;
grant execute on procedure
  pipeline.ingest_toast_committed(jsonb, jsonb),
  pipeline.ingest_sevenshifts_committed(jsonb, jsonb)
to pipeline_functions;

-- alert-notifier: claim, record, pace.
grant execute on function pipeline.claim_alert(bigint, integer, boolean, boolean, jsonb)
  to pipeline_functions;
grant execute on function pipeline.claim_due_alerts(integer, integer, boolean, boolean, bigint)
  to pipeline_functions;
grant execute on function pipeline.record_alert_attempt(bigint, uuid, text, text, integer, text,
  text, integer, boolean, integer, integer, boolean, boolean, boolean) to pipeline_functions;
grant execute on function pipeline.reserve_webhook_slot(text, integer, integer)
  to pipeline_functions;

-- The API roles (anon, authenticated: what a leaked anon key or a signed-in user holds) get
-- nothing in public. Each table is revoked where it is created and RLS denies the rest, but
-- Supabase's default privileges also hand them USAGE, SELECT and UPDATE on every sequence
-- (nextval/setval on the id sequences) and EXECUTE on any function later created in public
-- (an RPC endpoint). Take those back, now and for what later migrations create.
revoke all on all sequences in schema public from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on functions from anon, authenticated;
