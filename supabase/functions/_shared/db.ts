/**
 * The database connection the functions use: postgres.js over `SUPABASE_DB_URL`, with
 * `prepare: false` so Supabase's transaction pooler works, and a classifier that tells a
 * database outage (answer 503 so the vendor retries) from a bug.
 *
 * The connection runs as the least-privilege role `pipeline_functions` (migration
 * 20261128000500_security.sql), not as the URL's user: it may only call the functions' SQL
 * entry points. See SECURITY.md.
 *
 * @module
 */
import postgres from "postgres";

/** A postgres.js client. */
export type Sql = postgres.Sql;

/** Options for {@link connectDatabase}. */
export interface ConnectOptions {
  /** Pool size (default 5: edge functions are short-lived and the pooler multiplexes). */
  max?: number;
  /** Seconds to wait for a connection before failing (default 3). */
  connectTimeoutSeconds?: number;
  /**
   * Role to run as (default: env `PIPELINE_DB_ROLE`, else {@link FUNCTIONS_DB_ROLE}); `""`
   * keeps the URL's user.
   */
  role?: string;
}

/** The least-privilege role the functions run as (see migration 20261128000500_security). */
export const FUNCTIONS_DB_ROLE = "pipeline_functions";

/** Opens a lazily-connecting pool to `url`. */
export function connectDatabase(url: string, opts: ConnectOptions = {}): Sql {
  const role = opts.role ?? Deno.env.get("PIPELINE_DB_ROLE") ?? FUNCTIONS_DB_ROLE;
  return postgres(url, {
    prepare: false,
    // `role` as a startup parameter: Postgres sets it before the first query, so the least
    // privilege costs no extra round trip and survives reconnects.
    connection: role ? { role } : {},
    max: opts.max ?? 5,
    connect_timeout: opts.connectTimeoutSeconds ?? 3,
    // No reconnect backoff: with it, while the database is down, requests queue behind
    // connection attempts spaced up to 20 s apart and the vendor waits far past its timeout.
    // Without it each request's own attempt fails at once and the function answers 503.
    backoff: () => 0,
    idle_timeout: 30,
    onnotice: () => {},
  });
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
  return err instanceof Deno.errors.ConnectionRefused ||
    err instanceof Deno.errors.ConnectionReset ||
    err instanceof Deno.errors.BrokenPipe || err instanceof Deno.errors.TimedOut;
}
