/**
 * Vendor connections: adding, rotating and removing one is one SQL call each; credentials live
 * in Vault and nowhere else (no table of public, pipeline, net or cron holds them, and nothing
 * the API roles can read); the functions' role reads them only through the accessors that
 * return what one call needs (one company's webhook grant; a leased run's token), never Vault
 * or the table; a request for a sync names what is wrong with it.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { testDb } from "../_support/env.ts";
import { FINGERPRINT_SCHEMAS } from "../fault/support.ts";
import { newLocation, vendorIds } from "../fault/vendors.ts";

/** Tables of the checked schemas holding `text` anywhere in a row. */
async function tablesHolding(sql: postgres.Sql, text: string): Promise<string[]> {
  const tables = await sql<{ name: string }[]>`
    select format('%I.%I', n.nspname, c.relname) as name
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = any(${FINGERPRINT_SCHEMAS}) and c.relkind in ('r', 'p')`;
  const found: string[] = [];
  for (const { name } of tables) {
    const [{ n }] = await sql.unsafe(
      `select count(*)::int as n from ${name} t where t::text like '%' || $1 || '%'`,
      [text],
    );
    if (n > 0) found.push(name);
  }
  return found;
}

/** The SQLSTATE `statement` fails with as `role` (rolled back), or null. */
async function codeAs(sql: postgres.Sql, role: string, statement: string): Promise<string | null> {
  class Rollback extends Error {}
  try {
    await sql.begin(async (tx) => {
      await tx.unsafe(`set local role ${role}`);
      await tx.unsafe(statement);
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) return (err as { code?: string }).code ?? String(err);
  }
  return null;
}

Deno.test("connections: credentials live in Vault only; add, rotate and remove are one call each", async () => {
  const sql = testDb();
  try {
    const secret = `TOASTSECRET${crypto.randomUUID().replaceAll("-", "")}`;
    const token = `SEVENTOKEN${crypto.randomUUID().replaceAll("-", "")}`;
    const grant = crypto.randomUUID();
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    const [{ toast }] = await sql`select pipeline.add_toast_connection('Toast group',
      'machine-client-1', ${secret}) as toast`;
    const [{ seven }] = await sql`select pipeline.add_sevenshifts_connection('7shifts co',
      ${ids.companyId}, ${grant}, ${token}) as seven`;
    await sql`insert into public.location_sync (location_id, toast_connection_id)
      values (${locationId}, ${toast})`;

    const vault = await sql`select name, decrypted_secret from vault.decrypted_secrets
      where name like ${`labor_pulse_connection_${toast}_%`}
        or name like ${`labor_pulse_connection_${seven}_%`} order by name`;
    assert.deepEqual(
      vault.map((v) => [v.name, v.decrypted_secret]),
      [
        [`labor_pulse_connection_${toast}_client_secret`, secret],
        [`labor_pulse_connection_${seven}_access_token`, token],
        [`labor_pulse_connection_${seven}_grant_guid`, grant],
      ].sort((a, b) => a[0].localeCompare(b[0])),
    );
    for (const text of [secret, token, grant]) {
      assert.deepEqual(await tablesHolding(sql, text), [], "no table holds a credential");
    }

    // The functions' role: one company's grant, nothing else.
    const [{ got }] = await sql.begin(async (tx) => {
      await tx.unsafe("set local role pipeline_functions");
      return await tx`select pipeline.sevenshifts_webhook_grant(${ids.companyId}) as got`;
    });
    assert.equal(got, grant);
    for (
      const statement of [
        "select * from public.vendor_connections",
        "select * from public.sync_runs",
        "select * from public.location_sync",
        "select * from vault.decrypted_secrets",
        `select pipeline.connection_secret(${toast}, 'client_secret')`,
        `select pipeline.rotate_connection_secret(${toast}, 'client_secret', 'x')`,
        `select pipeline.request_sync(${locationId}, current_date, current_date)`,
      ]
    ) {
      assert.equal(await codeAs(sql, "pipeline_functions", statement), "42501", statement);
    }
    for (const role of ["anon", "authenticated"]) {
      for (const table of ["vendor_connections", "sync_runs", "location_sync"]) {
        assert.equal(await codeAs(sql, role, `select * from public.${table}`), "42501");
      }
    }
    assert.equal(await codeAs(sql, "service_role", "select * from public.sync_runs"), null);

    // Rotation: the new secret replaces the old in Vault; the cached session goes with it.
    await sql`select pipeline.put_connection_secret(${toast}, 'session_token', 'old-session')`;
    const rotated = `${secret}-2`;
    await sql`select pipeline.rotate_connection_secret(${toast}, 'client_secret', ${rotated})`;
    const after = await sql`select name, decrypted_secret from vault.decrypted_secrets
      where name like ${`labor_pulse_connection_${toast}_%`}`;
    assert.deepEqual(after.map((v) => [v.name, v.decrypted_secret]), [
      [`labor_pulse_connection_${toast}_client_secret`, rotated],
    ]);
    await assert.rejects(
      sql`select pipeline.rotate_connection_secret(${toast}, 'grant_guid', 'x')`,
      /has no grant_guid to rotate; it has client_secret/,
    );
    const newGrant = crypto.randomUUID();
    await sql`select pipeline.rotate_connection_secret(${seven}, 'grant_guid', ${newGrant})`;
    const [{ now }] = await sql`select pipeline.sevenshifts_webhook_grant(${ids.companyId}) as now`;
    assert.equal(now, newGrant);

    // Removal: its credentials leave Vault, its waiting runs are cancelled, the location lets go.
    const [{ run }] = await sql`select pipeline.enqueue_sync(${locationId}, 'manual',
      current_date - 1, current_date - 1, now() - interval '2 days', now()) as run`;
    await sql`select pipeline.remove_connection(${toast})`;
    await sql`select pipeline.remove_connection(${seven})`;
    const [{ left }] = await sql`select count(*)::int as left from vault.secrets
      where name like ${`labor_pulse_connection_${toast}_%`}
        or name like ${`labor_pulse_connection_${seven}_%`}`;
    assert.equal(left, 0);
    const [sync] = await sql`select toast_connection_id from public.location_sync
      where location_id = ${locationId}`;
    assert.equal(sync.toast_connection_id, null);
    const [cancelled] = await sql`select state, error from public.sync_runs where id = ${run}`;
    assert.equal(cancelled.state, "cancelled");
    assert.match(cancelled.error, /was removed/);
    assert.equal(
      (await sql`select pipeline.sevenshifts_webhook_grant(${ids.companyId}) as g`)[0].g,
      null,
      "the company falls back to SEVENSHIFTS_GRANT_GUID",
    );
    await assert.rejects(sql`select pipeline.remove_connection(${toast})`, /does not exist/);
  } finally {
    await sql.end();
  }
});

Deno.test("connections: a 7shifts connection has exactly one API credential; OAuth needs the company GUID", async () => {
  const sql = testDb();
  try {
    const company = vendorIds().companyId;
    await assert.rejects(
      sql`select pipeline.add_sevenshifts_connection('x', ${company}, 'g')`,
      /either access_token or oauth_client_id/,
    );
    await assert.rejects(
      sql`select pipeline.add_sevenshifts_connection('x', ${company}, 'g', 'token',
        'client', 'secret', ${crypto.randomUUID()}::uuid)`,
      /either access_token or oauth_client_id/,
    );
    await assert.rejects(
      sql`select pipeline.add_sevenshifts_connection('x', ${company}, 'g', null, 'client',
        'secret')`,
      /needs oauth_client_id, oauth_client_secret and company_guid/,
    );
    const [{ id }] = await sql`select pipeline.add_sevenshifts_connection('x', ${company}, 'g',
      oauth_client_id => 'client', oauth_client_secret => 'secret',
      company_guid => ${crypto.randomUUID()}::uuid) as id`;
    const [row] = await sql`select auth_kind, client_id from public.vendor_connections
      where id = ${id}`;
    assert.deepEqual({ ...row }, { auth_kind: "oauth_client", client_id: "client" });
    await assert.rejects(
      sql`select pipeline.add_sevenshifts_connection('again', ${company}, 'g', 'token')`,
      /duplicate key/,
      "one connection per company",
    );
    await sql`select pipeline.remove_connection(${id})`;
  } finally {
    await sql.end();
  }
});

Deno.test("connections: a sync request names what is wrong with it", async () => {
  const sql = testDb();
  try {
    await assert.rejects(
      sql`select pipeline.request_sync(987654321, current_date, current_date)`,
      /location 987654321 does not exist/,
    );
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    await assert.rejects(
      sql`select pipeline.request_sync(${locationId}, current_date - 1, current_date - 1)`,
      new RegExp(`location ${locationId} has no vendor connection`),
    );
    const [{ id }] = await sql`select pipeline.add_sevenshifts_connection('x', ${ids.companyId},
      'g', 't') as id`;
    await assert.rejects(
      sql`select pipeline.request_sync(${locationId}, current_date + 5, current_date + 5)`,
      /is after location .* current business day/,
    );
    await assert.rejects(
      sql`select pipeline.request_sync(${locationId}, current_date - 100, current_date - 1)`,
      /at most 91 days/,
    );
    await assert.rejects(
      sql`select pipeline.request_backfill(${locationId}, 91)`,
      /1 to 90 days back/,
    );
    await sql`select pipeline.remove_connection(${id})`;
  } finally {
    await sql.end();
  }
});
