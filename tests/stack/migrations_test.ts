import assert from "node:assert/strict";
import { applyBootstrap } from "../../local/bootstrap.ts";
import { applyMigrations } from "../../local/migrate.ts";
import { repoPath } from "../../local/paths.ts";
import { adminUrl, needsOwnDatabase, scratchDatabase, testDb } from "../_support/env.ts";

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
    await applyBootstrap(adminUrl(db.name));
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
    await applyBootstrap(adminUrl(db.name));
    const first = await catalogFingerprint(db.url);
    await applyBootstrap(adminUrl(db.name));
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
    await applyBootstrap(adminUrl(db.name));
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

/** Runs `statement` as the scratch database's session (postgres), rolled back: its error code. */
async function codeOf(sql: ReturnType<typeof testDb>, statement: string): Promise<string | null> {
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(statement);
      throw new Error("rollback");
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code ?? null;
  }
  return null;
}

Deno.test("bootstrap: Supabase's role model — postgres is no superuser; pg_net, pg_cron and Vault belong to supabase_admin with their real grants", async () => {
  const db = await scratchDatabase("boot_roles");
  const sql = testDb(db.url);
  try {
    await applyBootstrap(adminUrl(db.name));
    const roles = await sql`select rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication,
        rolbypassrls, rolcanlogin
      from pg_roles where rolname in ('postgres', 'supabase_admin') order by rolname`;
    assert.deepEqual(roles.map((r) => ({ ...r })), [
      {
        rolname: "postgres",
        rolsuper: false,
        rolcreaterole: true,
        rolcreatedb: true,
        rolreplication: true,
        rolbypassrls: true,
        rolcanlogin: true,
      },
      {
        rolname: "supabase_admin",
        rolsuper: true,
        rolcreaterole: true,
        rolcreatedb: true,
        rolreplication: true,
        rolbypassrls: true,
        rolcanlogin: true,
      },
    ]);
    const owners = await sql`select nspname, pg_get_userbyid(nspowner) as owner
      from pg_namespace where nspname in ('net', 'cron', 'vault') order by 1`;
    assert.deepEqual(owners.map((o) => `${o.nspname}:${o.owner}`), [
      "cron:supabase_admin",
      "net:supabase_admin",
      "vault:supabase_admin",
    ]);
    const [pgcrypto] = await sql`select n.nspname, pg_get_userbyid(e.extowner) as owner
      from pg_extension e join pg_namespace n on n.oid = e.extnamespace
      where e.extname = 'pgcrypto'`;
    assert.deepEqual({ ...pgcrypto }, { nspname: "extensions", owner: "supabase_admin" });

    // pg_net: every role may read and write the queue and the responses (pg_net grants them to
    // PUBLIC, Supabase adds USAGE for the API roles) and postgres cannot take that back.
    await sql`create role boot_roles_probe nologin`.catch(() => {});
    const netRoles = ["anon", "authenticated", "service_role", "boot_roles_probe"];
    // Not the owner and holding no grant option, postgres revokes nothing (a warning only).
    await sql.unsafe(
      `revoke all on net.http_request_queue, net._http_response from public, anon, authenticated`,
    );
    await sql.unsafe(`revoke usage on schema net from public, anon, authenticated`);
    for (const role of netRoles) {
      const [p] = await sql`select has_schema_privilege(${role}, 'net', 'USAGE') as usage,
          has_table_privilege(${role}, 'net.http_request_queue', 'SELECT,INSERT,UPDATE,DELETE')
            as queue,
          has_table_privilege(${role}, 'net._http_response', 'SELECT,INSERT,UPDATE,DELETE')
            as responses`;
      assert.deepEqual({ ...p }, { usage: true, queue: true, responses: true }, role);
    }
    await sql`drop role if exists boot_roles_probe`;

    // Vault: postgres stores and reads secrets through Vault's functions and view only; what
    // is stored is not the plaintext; the key is out of its reach.
    const [{ id }] = await sql`select vault.create_secret('boot-plain-text', 'boot_probe') as id`;
    const [stored] = await sql`select s.secret, d.decrypted_secret from vault.secrets s
      join vault.decrypted_secrets d using (id) where s.id = ${id}`;
    assert.equal(stored.decrypted_secret, "boot-plain-text");
    assert.ok(!stored.secret.includes("boot-plain-text"), "stored encrypted");
    await sql`select vault.update_secret(${id}, 'boot-plain-text-2')`;
    const [updated] = await sql`select decrypted_secret from vault.decrypted_secrets
      where id = ${id}`;
    assert.equal(updated.decrypted_secret, "boot-plain-text-2");
    for (
      const statement of [
        `insert into vault.secrets (secret) values ('x')`,
        `update vault.secrets set name = 'x'`,
        `select * from vault._stand_in_root_key`,
        `select vault._crypto_aead_det_encrypt('x', 'y', 0)`,
        `set role anon; select * from vault.decrypted_secrets`,
        `set role authenticated; select vault.create_secret('x')`,
      ]
    ) {
      assert.equal(await codeOf(sql, statement), "42501", statement);
    }

    // pg_cron: postgres schedules through cron.schedule (its jobs run as postgres) and may
    // not write cron.job itself.
    await sql`select cron.schedule('boot_probe', '* * * * *', 'select 1')`;
    const [job] = await sql`select username from cron.job where jobname = 'boot_probe'`;
    assert.equal(job.username, "postgres");
    for (
      const statement of [
        `insert into cron.job (schedule, command) values ('* * * * *', 'select 1')`,
        `update cron.job set command = 'select 2'`,
        `set role anon; select cron.schedule('x', '* * * * *', 'select 1')`,
      ]
    ) {
      assert.equal(await codeOf(sql, statement), "42501", statement);
    }
  } finally {
    await sql.end();
    await db.drop();
  }
});
