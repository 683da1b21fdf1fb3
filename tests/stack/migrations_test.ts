import assert from "node:assert/strict";
import { applyBootstrap } from "../../local/bootstrap.ts";
import { applyMigrations } from "../../local/migrate.ts";
import { repoPath } from "../../local/paths.ts";
import { needsOwnDatabase, scratchDatabase, testDb } from "../_support/env.ts";

/** A fingerprint of everything the migrations and the bootstrap define. */
async function catalogFingerprint(url: string): Promise<string> {
  const sql = testDb(url);
  try {
    const rows = await sql`
      select 'rel' as kind, n.nspname || '.' || c.relname || ':' || c.relkind::text ||
        ':' || c.relrowsecurity || ':' || coalesce(array_to_string(c.relacl, ','), '') as item
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('public', 'pipeline', 'net', 'cron', 'extensions')
      union all
      select 'col', c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) ||
        ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where n.nspname in ('public', 'pipeline', 'net', 'cron') and a.attnum > 0
        and not a.attisdropped
      union all
      select 'fn', n.nspname || '.' || p.proname || '(' ||
        pg_get_function_identity_arguments(p.oid) || '):' || md5(p.prosrc) || ':' ||
        coalesce(array_to_string(p.proconfig, ','), '') || ':' ||
        coalesce(array_to_string(p.proacl, ','), '')
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('public', 'pipeline', 'net', 'cron')
      union all
      select 'trg', c.relname || '.' || t.tgname || ':' || pg_get_triggerdef(t.oid)
      from pg_trigger t join pg_class c on c.oid = t.tgrelid where not t.tgisinternal
      union all
      select 'pol', schemaname || '.' || tablename || '.' || policyname from pg_policies
      union all
      select 'role', rolname || ':' || rolbypassrls || ':' || rolcanlogin from pg_roles
      where rolname in ('anon', 'authenticated', 'service_role', 'authenticator')
      union all
      select 'cron', jobname || ':' || schedule || ':' || command from cron.job
      order by 1, 2
    `;
    return rows.map((r) => `${r.kind} ${r.item}`).join("\n");
  } finally {
    await sql.end();
  }
}

async function migrationFiles(): Promise<string[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(repoPath("supabase/migrations"))) {
    if (e.isFile && e.name.endsWith(".sql")) files.push(e.name);
  }
  return files.sort();
}

Deno.test({
  name: "migrations: applied by the supabase CLI, recorded, and a second run is a no-op",
  ...needsOwnDatabase(),
}, async () => {
  const db = await scratchDatabase("mig_twice");
  try {
    await applyBootstrap(db.url);
    await applyMigrations(db.url);
    const sql = testDb(db.url);
    const recorded = await sql<{ version: string }[]>`
      select version from supabase_migrations.schema_migrations order by version
    `;
    const files = await migrationFiles();
    assert.deepEqual(recorded.map((r) => r.version), files.map((f) => f.split("_")[0]));
    const before = await catalogFingerprint(db.url);

    const output = await applyMigrations(db.url);
    assert.match(output, /up to date/i);
    const again = await sql`select count(*)::int as n from supabase_migrations.schema_migrations`;
    assert.equal(again[0].n, files.length);

    // Re-executing every migration's SQL by hand changes nothing either: each is idempotent.
    for (const file of files) {
      await sql.file(repoPath(`supabase/migrations/${file}`));
    }
    await sql.end();
    assert.equal(await catalogFingerprint(db.url), before);
  } finally {
    await db.drop();
  }
});

Deno.test({
  name: "bootstrap: idempotent, adds the Supabase roles and schemas only where absent",
  ...needsOwnDatabase(),
}, async () => {
  const db = await scratchDatabase("boot_twice");
  try {
    await applyBootstrap(db.url);
    const first = await catalogFingerprint(db.url);
    await applyBootstrap(db.url);
    assert.equal(await catalogFingerprint(db.url), first);
    const sql = testDb(db.url);
    const [row] = await sql`
      select
        (select rolbypassrls from pg_roles where rolname = 'service_role') as service_bypasses,
        (select rolbypassrls from pg_roles where rolname = 'anon') as anon_bypasses,
        to_regnamespace('extensions') is not null as has_extensions,
        to_regprocedure('net.http_post(text,jsonb,jsonb,jsonb,integer)') is not null as has_http_post,
        to_regprocedure('cron.schedule(text,text,text)') is not null as has_cron
    `;
    await sql.end();
    assert.deepEqual({ ...row }, {
      service_bypasses: true,
      anon_bypasses: false,
      has_extensions: true,
      has_http_post: true,
      has_cron: true,
    });
  } finally {
    await db.drop();
  }
});

Deno.test({
  name: "bootstrap: leaves an existing net schema alone",
  ...needsOwnDatabase(),
}, async () => {
  const db = await scratchDatabase("boot_real_net");
  try {
    const sql = testDb(db.url);
    // Stand-in for the real pg_net: a net schema that is already there.
    await sql.unsafe(`create schema net; create function net.http_post(url text) returns bigint
      language sql as 'select 42::bigint'`);
    await applyBootstrap(db.url);
    const [row] = await sql`
      select count(*)::int as n from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'net'
    `;
    const [{ id }] = await sql`select net.http_post('http://x') as id`;
    await sql.end();
    assert.equal(row.n, 1);
    assert.equal(Number(id), 42);
  } finally {
    await db.drop();
  }
});
