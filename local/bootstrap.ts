/**
 * Applies local/bootstrap.sql: the roles, schemas and pg_net/pg_cron stand-ins a Supabase
 * database has and plain Postgres lacks. Idempotent.
 *
 * @module
 */
import postgres from "postgres";
import { repoPath } from "./paths.ts";

/** Runs the bootstrap against `databaseUrl`. */
export async function applyBootstrap(databaseUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.file(repoPath("local/bootstrap.sql"));
  } finally {
    await sql.end();
  }
}
