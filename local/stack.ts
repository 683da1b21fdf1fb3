/**
 * The Docker-free local Supabase stack: embedded Postgres 17 on 54322, the bootstrap,
 * migrations through the real supabase CLI, the functions on 54321, the pg_net dispatcher
 * and the pg_cron scheduler. `npm start` runs it in the foreground until Ctrl-C; tests, the
 * demo and the benchmarks start it programmatically with {@link startStack}.
 *
 * @module
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { applyBootstrap } from "./bootstrap.ts";
import { DEFAULT_PORTS, loadLocalSecrets, mintApiKey, PIPELINE_DB_PASSWORD } from "./config.ts";
import { type DispatcherHandle, startDispatcher } from "./dispatcher.ts";
import { type FunctionServerHandle, startFunctionServer } from "./functions.ts";
import { applyMigrations, applySeed } from "./migrate.ts";
import { repoPath } from "./paths.ts";
import { assertPortFree, type PostgresHandle, startPostgres } from "./postgres.ts";
import { isOrphaned, listProcesses, waitForExit } from "./processes.ts";
import { type SchedulerHandle, startScheduler } from "./scheduler.ts";
import { onShutdown, sayIfPossible } from "./shutdown.ts";

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
  /**
   * Run the pg_net stand-in (default true). Off for a database this process did not create:
   * it would take (and send) requests queued there.
   */
  dispatcher?: boolean;
  /**
   * Point the database webhook at these functions with `pipeline.set_runtime_config`
   * (default true). Off for a database this process did not create: it would redirect that
   * database's alerts.
   */
  runtimeConfig?: boolean;
  /** Extra env for the functions (overrides the secrets). */
  functionEnv?: Record<string, string>;
  /** V8 flags for every function's process (the benchmark traces their garbage collection). */
  functionV8Flags?: string[];
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
  dispatcher?: DispatcherHandle;
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
 * Stops function processes of this checkout that an earlier stack left behind (it was killed
 * with SIGKILL or crashed, so nobody stopped them): a process serving
 * `supabase/functions/<name>/index.ts` of this repository whose parent is no Deno process.
 * Those of a stack that still runs (tests, another `npm start`) are its children: untouched.
 */
export async function stopOrphanedFunctions(log: (line: string) => void): Promise<number[]> {
  const functionsDir = `${repoPath("supabase/functions")}/`;
  const stopped: number[] = [];
  for (const p of await listProcesses()) {
    const servesOurs = p.args.some((a) => a.startsWith(functionsDir) && a.endsWith("/index.ts"));
    if (!servesOurs || !(await isOrphaned(p))) continue;
    try {
      Deno.kill(p.pid, "SIGTERM");
      stopped.push(p.pid);
    } catch {
      // Ended meanwhile, or not ours to signal.
    }
  }
  for (const pid of stopped) await waitForExit(pid, 5_000);
  if (stopped.length > 0) {
    log(`Stopped ${stopped.length} function process(es) left running by an earlier run.`);
  }
  return stopped;
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
    await stopOrphanedFunctions(log);
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
        log,
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
    if (opts.runtimeConfig ?? true) {
      await configureDatabase(databaseUrl, {
        functions_base_url: `${apiUrl}/functions/v1`,
        alert_webhook_secret: env.ALERT_WEBHOOK_SECRET,
      });
    }

    log(`Starting functions on ${apiUrl}/functions/v1/...`);
    const functions = await startFunctionServer({
      port: apiPort,
      env,
      log: opts.functionLog,
      v8Flags: opts.functionV8Flags,
    });
    cleanups.push(() => functions.stop());
    // pg_net's worker and pg_cron's scheduler are the platform's own processes: superuser
    // connections, as on Supabase (a cron job still runs as the user who scheduled it).
    let dispatcher: DispatcherHandle | undefined;
    if (opts.dispatcher ?? true) {
      dispatcher = await startDispatcher(adminDatabaseUrl, {
        onError: (m) => log(`[pg_net] ${m}`),
      });
      cleanups.push(() => dispatcher!.stop());
    }
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

const HELP = `Usage: npm start [-- --reset] [--api-port N] [--db-port N] [--data-dir DIR]
  Runs Postgres and the functions in the foreground until Ctrl-C (or SIGTERM, or the
  terminal closing), then stops every part of it.
  --reset         start from an empty database (the data folder is wiped)
  --api-port N    functions gateway port (default ${DEFAULT_PORTS.api}, as supabase start)
  --db-port N     Postgres port (default ${DEFAULT_PORTS.db}, as supabase start)
  --data-dir DIR  Postgres data folder (default .local/db)`;

/** The lines `npm start` prints once the stack is up: what it serves, and what it does not. */
export function readyMessage(stack: Stack, seconds: number): string {
  const fn = `${stack.apiUrl}/functions/v1`;
  return [
    "",
    `Local stack is up (${seconds.toFixed(1)} s).`,
    `         DB URL: ${stack.databaseUrl}`,
    `  Functions URL: ${fn}/{${stack.functions.names.join(",")}}`,
    `       API docs: ${fn}/api-docs`,
    `        Secrets: .local/dev-secrets.env (override in supabase/functions/.env)`,
    "",
    "It serves Postgres, the Edge Functions (no JWT check: every function has verify_jwt =",
    "false), pg_net and pg_cron stand-ins. It does not serve PostgREST (/rest/v1), Auth",
    "(/auth/v1), Storage, Realtime or Studio: use `supabase start` (Docker) for those. The",
    "keys below are what `supabase start` prints, for supabase-js clients calling",
    "functions.invoke; nothing here checks them.",
    `       anon key: ${stack.anonKey}`,
    `service_role key: ${stack.serviceRoleKey}`,
    "",
    "Press Ctrl-C to stop.",
  ].join("\n");
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        reset: { type: "boolean" },
        "api-port": { type: "string" },
        "db-port": { type: "string" },
        "data-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`npm start: ${err instanceof Error ? err.message : err}\n\n${HELP}`);
    Deno.exit(2);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  const port = (value: string | undefined, fallback: number) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      console.error(`npm start: '${value}' is not a port number\n\n${HELP}`);
      Deno.exit(2);
    }
    return n;
  };
  const apiPort = port(values["api-port"], DEFAULT_PORTS.api);
  const dbPort = port(values["db-port"], DEFAULT_PORTS.db);
  if (apiPort === dbPort) {
    console.error(
      `npm start: --api-port and --db-port are both ${apiPort}; give them two ports\n\n${HELP}`,
    );
    Deno.exit(2);
  }
  const started = Date.now();
  // Stop whatever has started when told to, also while still starting up.
  let stack: Stack | undefined;
  let starting: Promise<unknown> = Promise.resolve();
  onShutdown(async () => {
    sayIfPossible("\nStopping...");
    await starting.catch(() => {});
    await stack?.stop();
    sayIfPossible("Stopped.");
  }, () => 0);
  try {
    const startup = startStack({
      apiPort,
      dbPort,
      dataDir: values["data-dir"],
      reset: values.reset,
      log: (l) => console.log(l),
    });
    starting = startup;
    stack = await startup;
  } catch (err) {
    console.error(`\nThe local stack could not start: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
  console.log(readyMessage(stack, (Date.now() - started) / 1000));
}

if (import.meta.main) await main();
