/**
 * The database connection the functions use: postgres.js with `prepare: false` (transaction
 * poolers such as Supavisor and PgBouncer cannot keep prepared statements), at most
 * {@link FUNCTION_POOL_MAX} connections per function instance, and a classifier that tells a
 * database outage (answer 503 so the vendor retries) from a bug.
 *
 * The functions log in as their own least-privilege role, `pipeline_functions` (migration
 * 20261128000500_security.sql): its URL is the custom secret `PIPELINE_DB_URL`, which works
 * through any pooler because it needs no startup parameter. Without it they fall back to the
 * `SUPABASE_DB_URL` Supabase injects (the direct connection as `postgres`) with the startup
 * parameter `role=pipeline_functions`, which only a direct connection honours (Supavisor drops
 * it, PgBouncer refuses it), and say so once in their log with the role the database reports.
 * See SECURITY.md.
 *
 * @module
 */
import postgres from "postgres";
import { keepWorkerAliveThroughDriverCrash } from "./driver_guard.ts";
import { installFastImmediate } from "./immediate.ts";

/** A postgres.js client. */
export type Sql = postgres.Sql;

/**
 * Connections per function instance: the pooler multiplexes, an instance needs few. Four is
 * the top of what Supabase's pooler team recommends for serverless clients (one to four); two
 * made requests queue for a connection behind one slow call under load (bench/README.md, "Where
 * the tail goes"). Connections open only when requests overlap and close after 30 s idle.
 */
export const FUNCTION_POOL_MAX = 4;

/** Seconds a function waits for a database connection before answering 503. */
export const FUNCTION_CONNECT_TIMEOUT_SECONDS = 3;

/** Options for {@link connectDatabase}. */
export interface ConnectOptions {
  /** Pool size (default {@link FUNCTION_POOL_MAX}). */
  max?: number;
  /** Seconds to wait for a connection before failing (default {@link FUNCTION_CONNECT_TIMEOUT_SECONDS}). */
  connectTimeoutSeconds?: number;
  /**
   * Role to switch to with the `role` startup parameter (default: none, the URL's user).
   * Only a direct connection honours it.
   */
  role?: string;
  /** `application_name`, which poolers forward: the function's name in pg_stat_activity. */
  applicationName?: string;
}

/** The least-privilege role the functions run as (see migration 20261128000500_security). */
export const FUNCTIONS_DB_ROLE = "pipeline_functions";

/**
 * Opens a lazily-connecting pool to `url` that replaces itself whenever one of its connections
 * closes (see {@link replacingPool}).
 */
export function connectDatabase(url: string, opts: ConnectOptions = {}): Sql {
  const connection: Record<string, string> = {};
  // `role` as a startup parameter: Postgres sets it before the first query, so it costs no
  // extra round trip and survives reconnects.
  if (opts.role) connection.role = opts.role;
  if (opts.applicationName) connection.application_name = opts.applicationName;
  return replacingPool((onclose) =>
    postgres(url, {
      prepare: false,
      connection,
      max: opts.max ?? FUNCTION_POOL_MAX,
      connect_timeout: opts.connectTimeoutSeconds ?? FUNCTION_CONNECT_TIMEOUT_SECONDS,
      // No reconnect backoff: with it, while the database is down, requests queue behind
      // connection attempts spaced up to 20 s apart and the vendor waits far past its timeout.
      // Without it each request's own attempt fails at once and the function answers 503.
      backoff: () => 0,
      idle_timeout: 30,
      // No query for the server's array types on each new connection: the functions send and
      // read no arrays, and a connection dropped during that query left postgres.js 3.4.7
      // with an unhandled rejection that ended the worker.
      fetch_types: false,
      onnotice: () => {},
      onclose,
    })
  );
}

/** How long a replaced pool may finish the queries it is running before it is destroyed. */
const REPLACED_POOL_GRACE_SECONDS = 5;

/**
 * A pool that is replaced by a fresh one (from `open`) as soon as any of its connections
 * closes: a dropped connection is never reconnected.
 *
 * postgres.js 3.4.7 cannot be trusted to reconnect a connection that closed while a write
 * was still waiting for its timer: the connection keeps that stale timer, so it never sends
 * its start-up message again and every query on it fails with CONNECT_TIMEOUT until enough
 * start-up messages have piled up in its buffer to be sent as one garbled packet (on Deno
 * 2.1.4 the stale write sometimes even runs after the close; driver_guard.ts stops that
 * crash). A dropped connection wedged a function's pool for 13 to 88 s of 503s in
 * tests/fault/driver_restart_test.ts, for good without traffic. A fresh pool costs one
 * connect; the old one finishes what it runs (at most {@link REPLACED_POOL_GRACE_SECONDS})
 * and is closed. Closes are rare (an idle connection after 30 s, the database restarting or
 * unreachable), so replacing is cheap.
 *
 * The returned client forwards every call to the current pool; `end()` ends it for good.
 */
export function replacingPool(open: (onclose: () => void) => Sql): Sql {
  let ended = false;
  let current: Sql;
  const fresh = (): Sql => {
    const pool: Sql = open(() => {
      if (ended || pool !== current) return;
      const old = current;
      current = fresh();
      void old.end({ timeout: REPLACED_POOL_GRACE_SECONDS }).catch(() => {});
    });
    return pool;
  };
  current = fresh();
  return new Proxy(current, {
    apply: (_target, thisArg, args) => Reflect.apply(current, thisArg, args),
    get: (_target, property) => {
      if (property === "end") {
        return (options?: { timeout?: number }) => {
          ended = true;
          return current.end(options);
        };
      }
      const value = Reflect.get(current, property, current);
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
}

/** Where and as whom the functions connect. */
export interface FunctionsDatabaseTarget {
  url: string;
  /** The `role` startup parameter (the fallback only). */
  role?: string;
  /** True when `PIPELINE_DB_URL` is not set and `SUPABASE_DB_URL` is used instead. */
  fallback: boolean;
}

/**
 * The functions' database from their env: `PIPELINE_DB_URL` as it is (no startup parameter),
 * else `SUPABASE_DB_URL` with `role` = `PIPELINE_DB_ROLE` (default {@link FUNCTIONS_DB_ROLE};
 * `""` keeps the URL's user).
 */
export function functionsDatabaseTarget(
  get: (name: string) => string | undefined,
): FunctionsDatabaseTarget {
  const own = get("PIPELINE_DB_URL");
  if (own) return { url: own, fallback: false };
  const role = get("PIPELINE_DB_ROLE") ?? FUNCTIONS_DB_ROLE;
  return { url: get("SUPABASE_DB_URL") ?? "", role: role || undefined, fallback: true };
}

/**
 * Readies a function's worker for postgres.js on the edge runtime's Deno (2.1.4), before its
 * first connection: the driver's stray write after a dropped connection must not end the
 * worker (driver_guard.ts), and its writes must not wait for a ~1.2 ms timer (immediate.ts).
 */
export function prepareWorkerForDriver(): void {
  keepWorkerAliveThroughDriverCrash();
  installFastImmediate();
}

/**
 * The pool a function's index.ts uses (see {@link functionsDatabaseTarget}). On the fallback
 * it logs one line naming the role the database says it runs as (`select current_user`, once,
 * at start-up), so a dropped `role` parameter is never silent.
 */
export function connectFunctionsDatabase(
  functionName: string,
  get: (name: string) => string | undefined = (name) => Deno.env.get(name),
  log: (line: string) => void = console.error,
): { sql: Sql; announced: Promise<void> } {
  prepareWorkerForDriver();
  const target = functionsDatabaseTarget(get);
  const sql = connectDatabase(target.url, { role: target.role, applicationName: functionName });
  const announced = target.fallback
    ? announceFallback(sql, functionName, target.role, log)
    : Promise.resolve();
  return { sql, announced };
}

async function announceFallback(
  sql: Sql,
  functionName: string,
  role: string | undefined,
  log: (line: string) => void,
): Promise<void> {
  let runsAs: string;
  try {
    const [row] = await sql`select current_user::text as role`;
    runsAs = `it runs as ${row.role}`;
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    runsAs = `its role is unknown: the database did not answer (${code ?? "error"})`;
  }
  log(
    `${functionName}: PIPELINE_DB_URL is not set; connecting over SUPABASE_DB_URL` +
      (role ? ` with the startup parameter role=${role}` : " as its own user") +
      ` (a pooler drops or refuses it); ${runsAs}.`,
  );
}

const unavailableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  "08000",
  "08003",
  "08006",
  "08001",
  "08004",
  "40001", // serialization_failure: retrying later succeeds
  "40P01", // deadlock_detected: likewise
  "55P03", // lock_not_available: a mapping change held the key past the ingest's lock_timeout
]);

/**
 * True when `err` means the database could not take the write right now (down, restarting,
 * unreachable, overloaded, or a retryable conflict): the caller should answer 503.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && unavailableCodes.has(code)) return true;
  const errno = (err as { errno?: unknown }).errno;
  if (typeof errno === "string" && unavailableCodes.has(errno)) return true;
  // A system call on the connection's socket failed: the connection is gone, whatever the code
  // (Deno 2.1.4 reports a write to a socket it has just closed as `write EBADF` or
  // `write UNKNOWN`).
  if (typeof (err as { syscall?: unknown }).syscall === "string") return true;
  return err instanceof Deno.errors.ConnectionRefused ||
    err instanceof Deno.errors.ConnectionReset ||
    err instanceof Deno.errors.BrokenPipe || err instanceof Deno.errors.TimedOut;
}
