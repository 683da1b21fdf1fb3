/**
 * The functions' database role, `pipeline_functions` (migration 20261128000500_security.sql):
 * the running functions log in as it (PIPELINE_DB_URL; the password is set per environment,
 * never by a migration), and it can do exactly what they need (execute their SQL entry points:
 * ingest, alert delivery, one company's webhook grant, the vendor sync's run calls) and nothing
 * else: no table or sequence of ours, no other security-definer function,
 * no CREATE anywhere, no membership, no RLS bypass; what pg_net grants every role (its queue
 * and responses) it has too, as on Supabase. Without PIPELINE_DB_URL the functions fall back
 * to SUPABASE_DB_URL with the `role` startup parameter and say once which role they run as.
 * A failure it causes is answered with a plain 500 that names no SQL, role or secret.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import {
  connectFunctionsDatabase,
  FUNCTION_POOL_MAX,
  FUNCTIONS_DB_ROLE,
} from "../../supabase/functions/_shared/db.ts";
import { repoPath } from "../../local/paths.ts";
import { signedAlertHeaders } from "../_support/alert_webhook.ts";
import { testDb, testEnv } from "../_support/env.ts";
import { assertNoLeak, secretsOf, send, utf8 } from "../fault/support.ts";
import {
  deliverPunch,
  deliverToast,
  newLocation,
  punchBody,
  toastEnvelope,
  vendorIds,
} from "../fault/vendors.ts";

const env = testEnv();
const ROLE = FUNCTIONS_DB_ROLE;
const SECRETS = secretsOf(Deno.env.toObject());

/** What the functions call, and nothing more. */
const NEEDED = [
  "pipeline.ingest_toast(jsonb)",
  "pipeline.ingest_sevenshifts(jsonb)",
  "pipeline.claim_alert(bigint,integer,boolean,boolean,jsonb)",
  "pipeline.claim_due_alerts(integer,integer,boolean,boolean,bigint)",
  "pipeline.record_alert_attempt(bigint,uuid,text,text,integer,text,text,integer,boolean,integer,integer,boolean,boolean,boolean)",
  "pipeline.reserve_webhook_slot(text,integer,integer)",
  // sevenshifts-webhook: one company's grant.
  "pipeline.sevenshifts_webhook_grant(bigint)",
  // vendor-sync: its runs, one connection's token at a time, pages.
  "pipeline.claim_sync_run(bigint,integer)",
  "pipeline.sync_vendor_access(bigint,uuid,text,text)",
  "pipeline.sync_store_session(bigint,uuid,text,text,timestampwithtimezone)",
  "pipeline.sync_apply_page(jsonb)",
  "pipeline.sync_unseen_punches(bigint,uuid)",
  "pipeline.sync_unknown_refunds(bigint,uuid,text[])",
  "pipeline.release_sync_run(bigint,uuid,integer,text,boolean)",
  "pipeline.finish_sync_run(bigint,uuid,boolean,text)",
].sort();

class RollbackSignal extends Error {}

/** Runs `statement` as the functions' role, rolled back: its error code, or null. */
async function tryAsRole(sql: postgres.Sql, statement: string): Promise<string | null> {
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(`set local role ${ROLE}`);
      await tx.unsafe(statement);
      throw new RollbackSignal();
    });
  } catch (err) {
    if (!(err instanceof RollbackSignal)) return (err as { code?: string }).code ?? String(err);
  }
  return null;
}

Deno.test("function role: pipeline_functions holds only what the functions need", async () => {
  const sql = testDb();
  try {
    const [role] = await sql`select rolsuper, rolinherit, rolcreaterole, rolcreatedb,
        rolcanlogin, rolreplication, rolbypassrls
      from pg_catalog.pg_roles where rolname = ${ROLE}`;
    assert.deepEqual({ ...role }, {
      rolsuper: false,
      rolinherit: false,
      rolcreaterole: false,
      rolcreatedb: false,
      // The test stack has let it log in, as the README tells an operator to.
      rolcanlogin: true,
      rolreplication: false,
      rolbypassrls: false,
    });
    const memberOf = await sql`select r.rolname from pg_catalog.pg_auth_members m
      join pg_catalog.pg_roles r on r.oid = m.roleid
      join pg_catalog.pg_roles u on u.oid = m.member where u.rolname = ${ROLE}`;
    assert.deepEqual([...memberOf], [], "member of no role (anon, service_role, …)");

    // Functions: among everything that runs with more rights than the caller (security
    // definer) or could touch data, exactly the entry points above.
    const callable = await sql<{ fn: string }[]>`
      select p.oid::regprocedure::text as fn
      from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where n.nspname not in ('pg_catalog', 'information_schema')
        and p.prosecdef
        and pg_catalog.has_function_privilege(${ROLE}, p.oid, 'EXECUTE')
        and pg_catalog.has_schema_privilege(${ROLE}, n.oid, 'USAGE')`;
    assert.deepEqual(callable.map((c) => c.fn.replaceAll(" ", "")).sort(), NEEDED);

    // Procedures: the two the webhooks call, which commit inside the call and therefore run as
    // the caller (not security definer, no SET clause) and only call the entry points above.
    const procedures = await sql<{ fn: string; secdef: boolean; config: string[] | null }[]>`
      select p.oid::regprocedure::text as fn, p.prosecdef as secdef, p.proconfig as config
      from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where n.nspname not in ('pg_catalog', 'information_schema')
        and p.prokind = 'p'
        and pg_catalog.has_function_privilege(${ROLE}, p.oid, 'EXECUTE')
        and pg_catalog.has_schema_privilege(${ROLE}, n.oid, 'USAGE')
      order by 1`;
    assert.deepEqual(procedures.map((p) => ({ ...p, fn: p.fn.replaceAll(" ", "") })), [
      { fn: "pipeline.ingest_sevenshifts_committed(jsonb,jsonb)", secdef: false, config: null },
      { fn: "pipeline.ingest_toast_committed(jsonb,jsonb)", secdef: false, config: null },
      { fn: "pipeline.sync_apply_page_committed(jsonb,jsonb)", secdef: false, config: null },
    ]);

    // Tables, views and sequences, in every schema: nothing but what pg_net grants to PUBLIC.
    const tables = await sql<{ rel: string; priv: string }[]>`
      select n.nspname || '.' || c.relname as rel, p.priv
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
        'REFERENCES', 'TRIGGER']) as p(priv)
      where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
        and c.relkind in ('r', 'p', 'v', 'm', 'f')
        and pg_catalog.has_table_privilege(${ROLE}, c.oid, p.priv)
      union all
      select n.nspname || '.' || c.relname, 'USAGE/SELECT/UPDATE'
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
        and c.relkind = 'S'
        and (pg_catalog.has_sequence_privilege(${ROLE}, c.oid, 'USAGE')
          or pg_catalog.has_sequence_privilege(${ROLE}, c.oid, 'UPDATE'))`;
    const pgNet = (t: { rel: string }) => t.rel.startsWith("net.");
    assert.deepEqual(tables.filter((t) => !pgNet(t)).map((t) => `${t.priv} on ${t.rel}`), []);
    assert.deepEqual(
      tables.filter(pgNet).map((t) => `${t.priv} on ${t.rel}`).sort(),
      [
        ...["DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"]
          .flatMap((p) => [`${p} on net._http_response`, `${p} on net.http_request_queue`]),
        "USAGE/SELECT/UPDATE on net.http_request_queue_id_seq",
      ].sort(),
      "pg_net's grants to every role, as on Supabase",
    );

    // Schemas: USAGE on pipeline (to name the entry points) and pg_net's `net`, which pg_net
    // opens to every role; CREATE nowhere.
    const schemas = await sql`
      select nspname, pg_catalog.has_schema_privilege(${ROLE}, oid, 'USAGE') as usage,
        pg_catalog.has_schema_privilege(${ROLE}, oid, 'CREATE') as create
      from pg_catalog.pg_namespace
      where nspname not like 'pg\\_%' and nspname <> 'information_schema'`;
    assert.deepEqual(schemas.filter((s) => s.create).map((s) => s.nspname), [], "CREATE");
    assert.deepEqual(
      schemas.filter((s) => s.usage && !["public", "extensions"].includes(s.nspname)).map((s) =>
        s.nspname
      ).sort(),
      ["net", "pipeline"],
      "USAGE beyond the shared schemas",
    );

    // Tried: everything else is refused…
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    for (
      const statement of [
        `select * from public.locations`,
        `select slack_webhook_url from public.locations where id = ${locationId}`,
        `update public.daily_metrics set net_sales_cents = 0`,
        `insert into public.orders (toast_order_guid) values (gen_random_uuid())`,
        `delete from public.inbound_events`,
        `select * from pipeline.runtime_settings`,
        `select pipeline.runtime_config('alert_webhook_secret')`,
        `select pipeline.set_runtime_config('functions_base_url', 'http://evil.example')`,
        `select pipeline.requeue_alerts(${locationId})`,
        `select pipeline.recompute_day(${locationId}, current_date)`,
        `select pipeline.apply_toast_order(${locationId}, '{}'::jsonb, 'x')`,
        `select * from vault.decrypted_secrets`,
        `select vault.create_secret('evil')`,
        `select cron.schedule('evil', '* * * * *', 'select 1')`,
        `select * from cron.job`,
        `create table pipeline.evil (x int)`,
        `create table public.evil (x int)`,
      ]
    ) {
      assert.equal(await tryAsRole(sql, statement), "42501", statement);
    }
    // …and the entry points run (here reaching their own validation).
    assert.equal(await tryAsRole(sql, `select pipeline.ingest_toast('{}'::jsonb)`), "22023");
    assert.equal(
      await tryAsRole(sql, `call pipeline.ingest_toast_committed('{}'::jsonb, null)`),
      "22023",
    );
  } finally {
    await sql.end();
  }
});

Deno.test("function role: no migration lets it log in or sets a password", async () => {
  for await (const e of Deno.readDir(repoPath("supabase/migrations"))) {
    const text = (await Deno.readTextFile(repoPath(`supabase/migrations/${e.name}`)))
      .replace(/--[^\n]*/g, "");
    assert.doesNotMatch(text, /\bpassword\b/i, `${e.name} sets a password`);
    assert.doesNotMatch(text, /\balter\s+(role|user)\b/i, `${e.name} alters a role`);
    for (const m of text.matchAll(/create\s+(role|user)\s+(\w+)([^;]*)/gi)) {
      assert.match(m[3], /\bnologin\b/i, `${e.name}: ${m[2]} is created without login`);
    }
  }
});

Deno.test("function role: with PIPELINE_DB_URL the functions log in as pipeline_functions and say nothing", async () => {
  const logged: string[] = [];
  const fnEnv: Record<string, string> = {
    PIPELINE_DB_URL: env.functionsDatabaseUrl,
    SUPABASE_DB_URL: env.databaseUrl,
  };
  const { sql, announced } = connectFunctionsDatabase(
    "probe",
    (n) => fnEnv[n],
    (l) => logged.push(l),
  );
  try {
    const [who] = await sql`select current_user, session_user`;
    await announced;
    assert.deepEqual({ ...who }, { current_user: ROLE, session_user: ROLE });
    assert.deepEqual(logged, []);
  } finally {
    await sql.end();
  }
});

Deno.test("function role: without PIPELINE_DB_URL they fall back to SUPABASE_DB_URL and say once which role they run as", async () => {
  for (
    const [fnEnv, runsAs, sessionUser] of [
      // A direct connection honours the role startup parameter…
      [{ SUPABASE_DB_URL: env.databaseUrl }, ROLE, "postgres"],
      // …and when the role is not switched (as behind a pooler that drops it), the line says so.
      [{ SUPABASE_DB_URL: env.databaseUrl, PIPELINE_DB_ROLE: "" }, "postgres", "postgres"],
    ] as const
  ) {
    const logged: string[] = [];
    const get = (n: string) => (fnEnv as Record<string, string>)[n];
    const { sql, announced } = connectFunctionsDatabase("probe", get, (l) => logged.push(l));
    try {
      await announced;
      const [who] = await sql`select current_user, session_user`;
      assert.deepEqual({ ...who }, { current_user: runsAs, session_user: sessionUser });
      await sql`select 1`;
      assert.equal(logged.length, 1, logged.join("\n"));
      assert.match(logged[0], /^probe: PIPELINE_DB_URL is not set; .*SUPABASE_DB_URL/);
      assert.match(logged[0], new RegExp(`it runs as ${runsAs}\\.$`));
      assert.ok(!logged[0].includes("postgres:"), "no URL or password in the log");
    } finally {
      await sql.end();
    }
  }
});

Deno.test("function role: a function instance holds at most FUNCTION_POOL_MAX connections", async () => {
  const sql = testDb();
  const name = `pool-probe-${crypto.randomUUID().slice(0, 8)}`;
  const fnEnv: Record<string, string> = { PIPELINE_DB_URL: env.functionsDatabaseUrl };
  const fn = connectFunctionsDatabase(name, (n) => fnEnv[n], () => {});
  try {
    assert.equal(FUNCTION_POOL_MAX, 4);
    let most = 0;
    const busy = Promise.all(Array.from({ length: 8 }, () => fn.sql`select pg_sleep(0.15)`));
    for (let i = 0; i < 8; i++) {
      const [{ n }] = await sql`select count(*)::int as n from pg_stat_activity
        where application_name = ${name}`;
      most = Math.max(most, n);
      await new Promise((r) => setTimeout(r, 60));
    }
    await busy;
    // Eight overlapping queries use every connection of the pool and never more.
    assert.equal(most, FUNCTION_POOL_MAX, `connections seen: ${most}`);
  } finally {
    await fn.sql.end();
    await sql.end();
  }
});

Deno.test("function role: the running functions use it; what it refuses is a plain 500 that leaks nothing", async () => {
  const sql = testDb();
  const ids = vendorIds();
  await newLocation(sql, ids);
  const order = {
    orderGuid: crypto.randomUUID(),
    businessDate: 20261115,
    modifiedDate: "2026-11-15T20:00:00.000Z",
    amountCents: 3_100,
    tipCents: 0,
  };
  const punch = {
    id: 1_500_000_000 + Math.floor(Math.random() * 400_000_000),
    companyId: ids.companyId,
    locationId: ids.sevenShiftsLocationId,
    clockedIn: "2026-11-15 14:00:00",
    clockedOut: "2026-11-15 20:00:00",
    modified: "2026-11-15 20:01:00",
    hourlyWage: 17,
  };
  const revoke = `revoke execute on function pipeline.ingest_toast(jsonb),
    pipeline.ingest_sevenshifts(jsonb),
    pipeline.claim_due_alerts(integer, integer, boolean, boolean, bigint) from ${ROLE}`;
  const grant = revoke.replace("revoke", "grant").replace(" from ", " to ");
  try {
    // Taken away from the role only: were the functions connected as postgres, nothing would
    // change.
    await sql.unsafe(revoke);
    const toast = await deliverToast(
      env.functionsUrl,
      env.toastSecret,
      toastEnvelope(order, ids.toastGuid),
      ids.toastGuid,
    );
    const sevenShifts = await deliverPunch(
      env.functionsUrl,
      env.sevenShiftsGrantGuid,
      punchBody(punch),
      "time_punch.created",
    );
    const sweepBody = JSON.stringify({ type: "SWEEP" });
    const sweep = await send(`${env.functionsUrl}/alert-notifier`, {
      method: "POST",
      headers: await signedAlertHeaders(sweepBody, env.alertSecret),
      body: utf8(sweepBody),
    });
    for (
      const [name, status, body] of [
        ["toast-webhook", toast.status, JSON.stringify(toast.json)],
        ["sevenshifts-webhook", sevenShifts.status, JSON.stringify(sevenShifts.json)],
        ["alert-notifier", sweep.status, sweep.text],
      ] as const
    ) {
      assert.equal(status, 500, `${name}: ${body}`);
      assert.equal(JSON.parse(body).error.code, "internal_error");
      assertNoLeak(body, SECRETS, name);
      assert.doesNotMatch(body, /permission|denied|pipeline\.|ingest_|claim_|select |42501|role/i);
    }
    await sql.unsafe(grant);
    // Given back, the same deliveries are stored (Toast and 7shifts retry a 500).
    const again = await deliverToast(
      env.functionsUrl,
      env.toastSecret,
      toastEnvelope(order, ids.toastGuid),
      ids.toastGuid,
    );
    assert.equal(again.status, 200, JSON.stringify(again.json));
    const punchAgain = await deliverPunch(
      env.functionsUrl,
      env.sevenShiftsGrantGuid,
      punchBody(punch),
      "time_punch.created",
    );
    assert.equal(punchAgain.status, 200, JSON.stringify(punchAgain.json));
    // And the functions' connections are their own login's.
    const logins = await sql`select distinct usename::text from pg_stat_activity
      where application_name in ('toast-webhook', 'sevenshifts-webhook', 'alert-notifier')`;
    assert.deepEqual(logins.map((l) => l.usename), [ROLE]);
  } finally {
    await sql.unsafe(grant);
    await sql.end();
  }
});
