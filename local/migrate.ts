/**
 * Applies supabase/migrations with the real supabase CLI (`supabase migration up --db-url`),
 * so local runs record them in supabase_migrations.schema_migrations exactly as Supabase
 * does, then loads supabase/seed.sql.
 *
 * @module
 */
import postgres from "postgres";
import { repoPath } from "./paths.ts";

/**
 * Runs `supabase migration up` against `databaseUrl` with the migrations of `workdir` (default
 * this checkout; the benchmark passes another commit's `supabase/`); throws with the CLI's
 * output on failure.
 */
export async function applyMigrations(databaseUrl: string, workdir = repoPath()): Promise<string> {
  const url = databaseUrl.includes("?")
    ? `${databaseUrl}&sslmode=disable`
    : `${databaseUrl}?sslmode=disable`;
  const out = await new Deno.Command(repoPath("node_modules/.bin/supabase"), {
    args: ["migration", "up", "--db-url", url, "--workdir", workdir, "--yes"],
    env: { SUPABASE_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`supabase migration up failed:\n${text}`);
  return text;
}

/** Loads supabase/seed.sql (idempotent by construction). */
export async function applySeed(databaseUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.file(repoPath("supabase/seed.sql"));
  } finally {
    await sql.end();
  }
}
