/**
 * The Docker-free local Supabase stack: embedded Postgres 17 on 54322, the bootstrap,
 * migrations through the real supabase CLI, the functions on 54321, the pg_net dispatcher
 * and the pg_cron scheduler. `npm start` runs it in the foreground until Ctrl-C; tests, the
 * demo and the benchmarks start it programmatically with {@link startStack}.
 *
 * @module
 */
import postgres from "postgres";
import { applyBootstrap } from "./bootstrap.ts";
import { DEFAULT_PORTS, loadLocalSecrets, mintApiKey, PIPELINE_DB_PASSWORD } from "./config.ts";
import { type DispatcherHandle, startDispatcher } from "./dispatcher.ts";
import { type FunctionServerHandle, startFunctionServer } from "./functions.ts";
import { applyMigrations, applySeed } from "./migrate.ts";
import { repoPath } from "./paths.ts";
import { assertPortFree, type PostgresHandle, startPostgres } from "./postgres.ts";
import { type SchedulerHandle, startScheduler } from "./scheduler.ts";

/** Options for {@link startStack}. */
export interface StackOptions {
  apiPort?: number;
  dbPort?: number;
  /** Data folder of the embedded cluster (default .local/db). */
  dataDir?: string;
  /** Start from an empty database. */
  reset?: boolean;
  /** Use this database instead of starting one (e.g. the one `supabase start` runs). */
  databaseUrl?: string;
  /**
   * With `databaseUrl`: its superuser's URL (`supabase_admin`), for the bootstrap and the
   * platform stand-ins (default `databaseUrl`).
   */
  adminDatabaseUrl?: string;
  /** fsync off: for throwaway clusters (tests, benchmarks). */
  fast?: boolean;
  /** Run the pg_cron stand-in (default true). Tests run job SQL themselves. */
  scheduler?: boolean;
  /** Extra env for the functions (overrides the secrets). */
  functionEnv?: Record<string, string>;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Function log lines (default: stderr with a [name] prefix). */
  functionLog?: (name: string, line: string) => void;
}

/** A running stack. */
export interface Stack {
  /** Postgres URL as `postgres` (not a superuser): what functions get as SUPABASE_DB_URL. */
  databaseUrl: string;
  /** The superuser's URL (`supabase_admin`): the platform stand-ins' and nobody else's. */
  adminDatabaseUrl: string;
  /** The functions' own login (`pipeline_functions`): what they get as PIPELINE_DB_URL. */
  functionsDatabaseUrl: string;
  /** `http://127.0.0.1:<apiPort>`: SUPABASE_URL; functions at `/functions/v1/<name>`. */
  apiUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  /** Everything a client, test or function needs, as env vars. */
  env: Record<string, string>;
  postgres?: PostgresHandle;
  functions: FunctionServerHandle;
  dispatcher: DispatcherHandle;
  scheduler?: SchedulerHandle;
  stop(): Promise<void>;
}

/** Points the database webhook and the sweep at this stack's functions (see alerts migration). */
export async function configureDatabase(
  databaseUrl: string,
  settings: Record<string, string>,
): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ exists }] = await sql`
      select to_regprocedure('pipeline.set_runtime_config(text,text)') is not null as exists
    `;
    if (!exists) return;
    for (const [key, value] of Object.entries(settings)) {
      await sql`select pipeline.set_runtime_config(${key}, ${value})`;
    }
  } finally {
    await sql.end();
  }
}

/**
 * Lets the functions' role log in with `password` (what an operator does once per
 * environment; README) and returns its URL on the database of `databaseUrl`. Run as postgres,
 * which created the role and so may change it.
 */
export async function enableFunctionsLogin(
  databaseUrl: string,
  password: string,
): Promise<string> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    // ALTER ROLE takes no bind parameters: the password goes in as a quoted literal.
    const literal = `'${password.replaceAll("'", "''")}'`;
    await sql.unsafe(`alter role pipeline_functions with login password ${literal}`);
  } finally {
    await sql.end();
  }
  const url = new URL(databaseUrl);
  url.username = "pipeline_functions";
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** Starts every part of the stack; on failure stops what had started and rethrows. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const log = opts.log ?? (() => {});
  const apiPort = opts.apiPort ?? DEFAULT_PORTS.api;
  const dbPort = opts.dbPort ?? DEFAULT_PORTS.db;
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    cleanups.length = 0;
  };
  try {
    assertPortFree(apiPort, "functions");
    let pg: PostgresHandle | undefined;
    let databaseUrl = opts.databaseUrl;
    let adminDatabaseUrl = opts.adminDatabaseUrl ?? opts.databaseUrl;
    if (!databaseUrl || !adminDatabaseUrl) {
      log(`Starting Postgres 17 on 127.0.0.1:${dbPort}...`);
      pg = await startPostgres({
        port: dbPort,
        dataDir: opts.dataDir ?? repoPath(".local/db"),
        reset: opts.reset,
        fast: opts.fast,
      });
      cleanups.push(() => pg!.stop());
      databaseUrl = pg.url;
      adminDatabaseUrl = pg.adminUrl;
    }
    log("Bootstrapping Supabase roles, extensions, net, cron and vault...");
    await applyBootstrap(adminDatabaseUrl);
    log("Applying migrations with `supabase migration up`...");
    await applyMigrations(databaseUrl);
    await applySeed(databaseUrl);

    const { [PIPELINE_DB_PASSWORD]: functionsPassword, ...secrets } = await loadLocalSecrets();
    const functionsDatabaseUrl = await enableFunctionsLogin(databaseUrl, functionsPassword);
    const anonKey = await mintApiKey("anon");
    const serviceRoleKey = await mintApiKey("service_role");
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const env: Record<string, string> = {
      ...secrets,
      PIPELINE_DB_URL: functionsDatabaseUrl,
      ...opts.functionEnv,
      SUPABASE_URL: apiUrl,
      SUPABASE_DB_URL: databaseUrl,
      DATABASE_URL: databaseUrl,
      SUPABASE_ANON_KEY: anonKey,
      SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
    };
    await configureDatabase(databaseUrl, {
      functions_base_url: `${apiUrl}/functions/v1`,
      alert_webhook_secret: env.ALERT_WEBHOOK_SECRET,
    });

    log(`Starting functions on ${apiUrl}/functions/v1/...`);
    const functions = await startFunctionServer({
      port: apiPort,
      env,
      log: opts.functionLog,
    });
    cleanups.push(() => functions.stop());
    // pg_net's worker and pg_cron's scheduler are the platform's own processes: superuser
    // connections, as on Supabase (a cron job still runs as the user who scheduled it).
    const dispatcher = await startDispatcher(adminDatabaseUrl, {
      onError: (m) => log(`[pg_net] ${m}`),
    });
    cleanups.push(() => dispatcher.stop());
    let scheduler: SchedulerHandle | undefined;
    if (opts.scheduler ?? true) {
      scheduler = await startScheduler(adminDatabaseUrl, { onError: (m) => log(`[cron] ${m}`) });
      cleanups.push(() => scheduler!.stop());
    }
    return {
      databaseUrl,
      adminDatabaseUrl,
      functionsDatabaseUrl,
      apiUrl,
      anonKey,
      serviceRoleKey,
      env,
      postgres: pg,
      functions,
      dispatcher,
      scheduler,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function main() {
  const args = new Set(Deno.args);
  if (args.has("--help") || args.has("-h")) {
    console.log(
      "Usage: npm start [-- --reset]\n" +
        "  Runs Postgres on 54322 and the functions on 54321 until Ctrl-C.\n" +
        "  --reset  start from an empty database (.local/db is wiped)",
    );
    return;
  }
  const started = Date.now();
  let stack: Stack;
  try {
    stack = await startStack({ reset: args.has("--reset"), log: (l) => console.log(l) });
  } catch (err) {
    console.error(`\nThe local stack could not start: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
  const fn = `${stack.apiUrl}/functions/v1`;
  console.log(
    [
      "",
      `Local stack is up (${((Date.now() - started) / 1000).toFixed(1)} s).`,
      `         DB URL: ${stack.databaseUrl}`,
      `  Functions URL: ${fn}/{${stack.functions.names.join(",")}}`,
      `       anon key: ${stack.anonKey}`,
      `service_role key: ${stack.serviceRoleKey}`,
      `        Secrets: .local/dev-secrets.env (override in supabase/functions/.env)`,
      "",
      "Press Ctrl-C to stop.",
    ].join("\n"),
  );
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log("\nStopping...");
    await stack.stop();
    console.log("Stopped.");
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
}

if (import.meta.main) await main();
