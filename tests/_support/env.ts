/**
 * What the test harness (scripts/test.ts) hands every test: the stack's URLs, keys and the
 * function secrets, read from the env, with a clear error when a test runs outside it.
 *
 * @module
 */
import postgres from "postgres";
import { OWN_DATABASE_REASON, recordSkip } from "./skips.ts";

/** Env var `name`, or a clear error telling how to run the tests. */
export function requireEnv(name: string): string {
  const value = Deno.env.get(name);
  if (!value) {
    throw new Error(`${name} is not set: run the tests with 'npm test' (scripts/test.ts).`);
  }
  return value;
}

/**
 * True when the harness started the test cluster itself (`TEST_DATABASE_OWNED=1`), not when
 * it was pointed at an existing database with `DATABASE_URL`.
 */
export function ownsDatabase(): boolean {
  return Deno.env.get("TEST_DATABASE_OWNED") === "1";
}

/**
 * `Deno.test` options for a test that changes the database's runtime config
 * (`pipeline.set_runtime_config`), injects faults (triggers that fail on purpose) or creates
 * databases: not run (and named by the harness) on a database the harness did not create.
 */
export function needsOwnDatabase(): { ignore: boolean } {
  const ignore = !ownsDatabase();
  if (ignore) recordSkip(OWN_DATABASE_REASON);
  return { ignore };
}

/** Throws unless the harness created the test database: the last guard of `what`. */
export function assertOwnDatabase(what: string): void {
  if (!ownsDatabase()) {
    throw new Error(
      `refusing to ${what}: the test database was not created by npm test (DATABASE_URL is ` +
        "set), and only a cluster npm test started itself may be changed this way.",
    );
  }
}

/** The running test stack's addresses and secrets. */
export function testEnv() {
  return {
    databaseUrl: requireEnv("DATABASE_URL"),
    /** The functions' own login (`pipeline_functions`), as the stack hands it to them. */
    functionsDatabaseUrl: requireEnv("PIPELINE_DB_URL"),
    apiUrl: requireEnv("SUPABASE_URL"),
    functionsUrl: `${requireEnv("SUPABASE_URL")}/functions/v1`,
    anonKey: requireEnv("SUPABASE_ANON_KEY"),
    serviceRoleKey: requireEnv("SUPABASE_SERVICE_ROLE_KEY"),
    toastSecret: requireEnv("TOAST_WEBHOOK_SECRET"),
    sevenShiftsGrantGuid: requireEnv("SEVENSHIFTS_GRANT_GUID"),
    sevenShiftsToken: requireEnv("SEVENSHIFTS_WEBHOOK_TOKEN"),
    alertSecret: requireEnv("ALERT_WEBHOOK_SECRET"),
  };
}

/** A postgres.js pool of `max` connections on the test database; close it with `sql.end()`. */
export function testDb(url = requireEnv("DATABASE_URL"), max = 4): postgres.Sql {
  return postgres(url, { max, onnotice: () => {} });
}

/**
 * The superuser's URL (`supabase_admin`, ADMIN_DATABASE_URL) on `database` (default: the test
 * database). The test database's own login, `postgres`, is not a superuser, as on Supabase;
 * a test that needs one (the platform stand-ins, fault injection in schemas postgres does not
 * own, settings only a superuser may change) uses this and says why.
 */
export function adminUrl(database?: string): string {
  const url = requireEnv("ADMIN_DATABASE_URL");
  return database ? withDatabase(url, database) : url;
}

/** A pool as the superuser (see {@link adminUrl}); close it with `await sql.end()`. */
export function adminDb(database?: string): postgres.Sql {
  return postgres(adminUrl(database), { max: 2, onnotice: () => {} });
}

/** A database URL with the database name replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates an empty scratch database, owned by the test login `postgres` (CREATEDB, as on
 * Supabase); dropped by the returned function.
 */
export async function scratchDatabase(
  prefix: string,
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  assertOwnDatabase("create a scratch database");
  const admin = testDb();
  const name = `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return {
    url: withDatabase(requireEnv("DATABASE_URL"), name),
    name,
    async drop() {
      const sql = testDb();
      await sql.unsafe(`drop database if exists ${name} with (force)`);
      await sql.end();
    },
  };
}

/** Polls `check` every 20 ms until it returns a value other than undefined, or times out. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
