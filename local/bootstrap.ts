/**
 * Applies local/bootstrap.sql: the roles, schemas, pgcrypto and the pg_net, pg_cron and Vault
 * stand-ins a Supabase database has and plain Postgres lacks, with Supabase's owners and
 * grants. Idempotent.
 *
 * @module
 */
import postgres from "postgres";
import { repoPath } from "./paths.ts";

/**
 * Runs the bootstrap against `adminDatabaseUrl`: a superuser's connection (`supabase_admin`),
 * as Supabase's own setup runs, since it creates roles and extension-owned schemas.
 */
export async function applyBootstrap(adminDatabaseUrl: string): Promise<void> {
  const sql = postgres(adminDatabaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.file(repoPath("local/bootstrap.sql"));
  } finally {
    await sql.end();
  }
}
