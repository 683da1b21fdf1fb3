/**
 * Who can reach what in the database, read from the catalogs and then tried:
 * - every table in the API-exposed schemas (supabase/config.toml `[api] schemas`) has RLS on,
 *   and `anon` and `authenticated` (a leaked anon key, any signed-in user) can neither read
 *   nor write any of them, nor use their sequences, nor call any function there (RPC);
 * - no view, materialized view or foreign table sits in an exposed schema (they would bypass
 *   RLS), and no policy opens a table to the API roles;
 * - the private schemas (pipeline, cron, vault) are closed to the API roles; pg_net's `net`
 *   is open to them as it is on Supabase (pg_net grants its queue and responses to every
 *   role), which is why nothing in a queued request is a reusable secret
 *   (tests/security/alert_webhook_test.ts);
 * - every `security definer` function has a fixed search_path naming no schema an untrusted
 *   role can create objects in, and none is callable by the API roles.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { repoPath } from "../../local/paths.ts";
import { testDb } from "../_support/env.ts";
import { newLocation, vendorIds } from "../fault/vendors.ts";

const API_ROLES = ["anon", "authenticated"] as const;
const UNTRUSTED = ["public", "anon", "authenticated", "pipeline_functions"];

/** The schemas PostgREST exposes, from supabase/config.toml. */
async function exposedSchemas(): Promise<string[]> {
  const toml = await Deno.readTextFile(repoPath("supabase/config.toml"));
  const api = toml.split(/^\[/m).find((s) => s.startsWith("api]")) ?? "";
  const m = /^schemas\s*=\s*\[([^\]]*)\]/m.exec(api);
  assert.ok(m, "config.toml has [api] schemas");
  return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}

/** Thrown to roll a probe transaction back after it succeeded. */
class RollbackSignal extends Error {}

/** Runs `statement` as `role` in a transaction that is rolled back: its error code, or null. */
async function tryAs(
  sql: postgres.Sql,
  role: string,
  statement: string,
): Promise<{ code: string | null; rows: number }> {
  let rows = 0;
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(`set local role ${role}`);
      const r = await tx.unsafe(statement);
      rows = r.count ?? r.length;
      throw new RollbackSignal();
    });
  } catch (err) {
    if (!(err instanceof RollbackSignal)) {
      return { code: (err as { code?: string }).code ?? String(err), rows: 0 };
    }
  }
  return { code: null, rows };
}

Deno.test("security: every table in an exposed schema has RLS on and is closed to anon and authenticated", async () => {
  const sql = testDb();
  try {
    const schemas = await exposedSchemas();
    assert.ok(schemas.includes("public"));
    // Data of our own in the main tables, so an empty answer means "hidden", not "empty".
    const ids = vendorIds();
    await newLocation(sql, ids);

    const rels = await sql<{ schema: string; name: string; kind: string; rls: boolean }[]>`
      select n.nspname as schema, c.relname as name, c.relkind::text as kind,
        c.relrowsecurity as rls
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(${schemas}) and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
      order by 1, 2`;
    const tables = rels.filter((r) => r.kind === "r" || r.kind === "p");
    assert.ok(tables.length >= 9, `tables found: ${tables.map((t) => t.name)}`);
    assert.deepEqual(tables.filter((t) => !t.rls).map((t) => t.name), [], "tables without RLS");
    assert.deepEqual(
      rels.filter((r) => ["v", "m", "f"].includes(r.kind)).map((r) => `${r.name} (${r.kind})`),
      [],
      "views, materialized views and foreign tables bypass RLS",
    );
    const policies = await sql`select schemaname, tablename, policyname, roles::text
      from pg_catalog.pg_policies where schemaname = any(${schemas})`;
    assert.deepEqual([...policies], [], "no policy opens a table (RLS on, no policy: deny)");

    const problems: string[] = [];
    for (const role of API_ROLES) {
      // The catalogs: no privilege of any kind on any table or sequence.
      const granted = await sql`
        select c.relname, p.priv from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
          'REFERENCES', 'TRIGGER']) as p(priv)
        where n.nspname = any(${schemas}) and c.relkind in ('r', 'p')
          and pg_catalog.has_table_privilege(${role}, c.oid, p.priv)
        union all
        select c.relname, p.priv from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        cross join unnest(array['USAGE', 'SELECT', 'UPDATE']) as p(priv)
        where n.nspname = any(${schemas}) and c.relkind = 'S'
          and pg_catalog.has_sequence_privilege(${role}, c.oid, p.priv)`;
      for (const g of granted) problems.push(`${role} has ${g.priv} on ${g.relname}`);

      // And tried: every read and write is refused.
      for (const t of tables) {
        const name = `"${t.schema}"."${t.name}"`;
        for (
          const [what, statement] of [
            ["read", `select * from ${name} limit 5`],
            ["insert", `insert into ${name} default values`],
            [
              "update",
              `update ${name} set ${await firstColumn(sql, t.schema, t.name)} = ` +
              `${await firstColumn(sql, t.schema, t.name)}`,
            ],
            ["delete", `delete from ${name}`],
            ["truncate", `truncate ${name}`],
          ]
        ) {
          const r = await tryAs(sql, role, statement);
          if (r.code !== "42501") {
            problems.push(`${role} ${what} ${t.name}: ${r.code ?? `allowed (${r.rows} rows)`}`);
          }
        }
      }
      for (const s of rels.filter((r) => r.kind === "S")) {
        const r = await tryAs(sql, role, `select pg_catalog.nextval('"${s.schema}"."${s.name}"')`);
        if (r.code !== "42501") problems.push(`${role} nextval ${s.name}: ${r.code ?? "allowed"}`);
      }
    }
    assert.deepEqual(problems, []);
  } finally {
    await sql.end();
  }
});

/** The first column an UPDATE may set (not an identity or generated column). */
async function firstColumn(sql: postgres.Sql, schema: string, table: string): Promise<string> {
  const [c] = await sql`select column_name from information_schema.columns
    where table_schema = ${schema} and table_name = ${table} and is_identity = 'NO'
      and is_generated = 'NEVER'
    order by ordinal_position limit 1`;
  return `"${c.column_name}"`;
}

Deno.test("security: no function in an exposed schema and no private schema is reachable by anon or authenticated", async () => {
  const sql = testDb();
  try {
    const schemas = await exposedSchemas();
    const rpc = await sql`
      select n.nspname || '.' || p.proname as fn, r.role
      from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      cross join unnest(${API_ROLES as unknown as string[]}::text[]) as r(role)
      where n.nspname = any(${schemas})
        and not exists (select 1 from pg_catalog.pg_depend d
          where d.objid = p.oid and d.deptype = 'e')
        and pg_catalog.has_function_privilege(r.role, p.oid, 'EXECUTE')`;
    assert.deepEqual(rpc.map((r) => `${r.role} may call ${r.fn}`), [], "RPC endpoints");

    const privateSchemas = await sql<{ nspname: string }[]>`
      select nspname from pg_catalog.pg_namespace
      where nspname in ('pipeline', 'cron', 'vault', 'supabase_functions')`;
    assert.deepEqual(privateSchemas.map((s) => s.nspname).sort(), ["cron", "pipeline", "vault"]);
    for (const role of API_ROLES) {
      for (const { nspname } of privateSchemas) {
        const [{ usage }] = await sql`
          select pg_catalog.has_schema_privilege(${role}, ${nspname}, 'USAGE') as usage`;
        assert.equal(usage, false, `${role} has USAGE on ${nspname}`);
      }
      // pg_net's schema is not ours to close: on Supabase every role reads and writes its
      // queue and responses. Asserted, so the stand-in never hides it.
      const [net] = await sql`
        select pg_catalog.has_schema_privilege(${role}, 'net', 'USAGE') as usage,
          pg_catalog.has_table_privilege(${role}, 'net.http_request_queue',
            'SELECT,INSERT,UPDATE,DELETE') as queue,
          pg_catalog.has_table_privilege(${role}, 'net._http_response',
            'SELECT,INSERT,UPDATE,DELETE') as responses`;
      assert.deepEqual({ ...net }, { usage: true, queue: true, responses: true }, role);
      // Tried, for the entry points and the secret store.
      for (
        const statement of [
          `select pipeline.ingest_toast('{}'::jsonb)`,
          `call pipeline.ingest_toast_committed('{}'::jsonb, null)`,
          `select pipeline.set_runtime_config('functions_base_url', 'http://evil.example')`,
          `select pipeline.runtime_config('alert_webhook_secret')`,
          `select * from pipeline.runtime_settings`,
          `select pipeline.requeue_alerts(1)`,
        ]
      ) {
        const r = await tryAs(sql, role, statement);
        assert.equal(r.code, "42501", `${role}: ${statement} -> ${r.code}`);
      }
    }
  } finally {
    await sql.end();
  }
});

Deno.test("security: every security definer function has a fixed search_path of schemas no untrusted role can write, and none is callable by the API roles", async () => {
  const sql = testDb();
  try {
    const fns = await sql<{ fn: string; config: string[] | null; oid: number }[]>`
      select p.oid::int as oid, p.oid::regprocedure::text as fn, p.proconfig as config
      from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema')`;
    assert.ok(fns.length >= 20, `security definer functions found: ${fns.length}`);
    const problems: string[] = [];
    for (const f of fns) {
      const setting = (f.config ?? []).find((c) => c.startsWith("search_path="));
      if (!setting) {
        problems.push(`${f.fn}: no search_path`);
        continue;
      }
      const schemas = setting.slice("search_path=".length).split(",").map((s) =>
        s.trim().replace(/^"(.*)"$/, "$1")
      ).filter((s) => s !== "");
      for (const s of schemas) {
        if (s === "$user") {
          problems.push(`${f.fn}: search_path has $user`);
          continue;
        }
        if (s === "pg_catalog" || s === "pg_temp") continue;
        const [{ writable }] = await sql`
          select exists (select 1 from unnest(${UNTRUSTED}::text[]) as r(role)
            where pg_catalog.has_schema_privilege(r.role, ${s}, 'CREATE')) as writable`;
        if (writable) problems.push(`${f.fn}: search_path schema ${s} is writable`);
      }
      for (const role of API_ROLES) {
        // Callable: EXECUTE on the function and USAGE on its schema.
        const [{ can }] = await sql`
          select pg_catalog.has_function_privilege(${role}, p.oid, 'EXECUTE')
            and pg_catalog.has_schema_privilege(${role}, p.pronamespace, 'USAGE') as can
          from pg_catalog.pg_proc p where p.oid = ${f.oid}::oid`;
        if (can) problems.push(`${f.fn}: callable by ${role}`);
      }
    }
    assert.deepEqual(problems, []);
  } finally {
    await sql.end();
  }
});
