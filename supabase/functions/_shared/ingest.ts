/**
 * The one ingest round trip both webhook functions make: their `INGEST_*_SQL`
 * (`call pipeline.ingest_*_committed($1::jsonb, null)`) with the normalised event, and its
 * outcome, or the database's failure, turned into the response. The procedure commits inside
 * the call, so the statement resolves only after the commit and a failure at commit (a
 * deferred trigger, a shutdown) is its own error: never a 2xx for data that was rolled back.
 *
 * @module
 */
import { isDatabaseUnavailable, type Sql } from "./db.ts";
import { errorResponse, json, serverTiming } from "./http.ts";

/** Runs one SQL statement with positional parameters and returns its rows. */
export interface SqlRunner {
  query(text: string, params: unknown[]): Promise<ReadonlyArray<Record<string, unknown>>>;
}

/**
 * `text` with its one parameter, `$1::jsonb`, written into it as a dollar-quoted literal of
 * `value` as JSON. Dollar quoting has no escapes, and the tag is lengthened until the JSON does
 * not contain it, so nothing in the value can end the literal early.
 *
 * @example
 * ```ts
 * import { assertEquals } from "node:assert/strict";
 * assertEquals(
 *   inlineJsonbParameter("call p($1::jsonb, null)", { a: "$ev$" }),
 *   'call p($ev_${"a":"$ev$"}$ev_$::jsonb, null)',
 * );
 * ```
 */
export function inlineJsonbParameter(text: string, value: unknown): string {
  const at = text.indexOf("$1::jsonb");
  if (at < 0 || text.indexOf("$1", at + 2) >= 0 || /\$[2-9]/.test(text)) {
    throw new Error(`expected one $1::jsonb parameter in: ${text}`);
  }
  const json = JSON.stringify(value);
  let tag = "$ev$";
  while (json.includes(tag)) tag = `${tag.slice(0, -1)}_$`;
  return `${text.slice(0, at)}${tag}${json}${tag}${text.slice(at + 2)}`;
}

/**
 * The webhooks' database runner: each statement, whose one parameter is `$1::jsonb`, goes with
 * its event written into it ({@link inlineJsonbParameter}), as ONE round trip. With a
 * parameter, postgres.js (`prepare: false`, as poolers need) first asks Postgres to describe
 * the statement and only binds it once that answer is back: two round trips, each a wake-up of
 * the function and of its database backend, which on a busy machine is where requests wait.
 * Still the extended protocol (postgres.js's `simple: false`; without parameters it would use
 * the simple one): Parse, Bind and Execute go in one write, and Postgres refuses a statement
 * that holds more than one command, whatever the text.
 */
export function oneRoundTripRunner(sql: Sql): SqlRunner {
  return {
    query: (text, params) =>
      sql.unsafe(inlineJsonbParameter(text, params[0]), [], EXTENDED_PROTOCOL),
  };
}

/** postgres.js 3.4.7's query option for the extended protocol (absent from its types). */
const EXTENDED_PROTOCOL = { simple: false } as { prepare?: boolean };

/** What `pipeline.ingest_*` returns. */
export interface IngestResult {
  outcome: "applied" | "stale" | "ignored" | "unmapped" | "conflict" | "rejected";
  /** Why a delivery is held (a conflict) or was not applied (rejected). */
  reason?: string | null;
  duplicate: boolean;
  eventId?: number;
  deliveryCount?: number;
  locationId?: number | null;
}

/** The vendor headers worth keeping with the raw body (enough to re-verify and replay). */
export function pickHeaders(headers: Headers, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) out[name] = value.slice(0, 500);
  }
  return out;
}

/**
 * The longest a webhook waits for its database call before answering 503: Toast counts an
 * answer after 2 s as a timeout. On the edge runtime's Deno (2.1.4) postgres.js can sit on a
 * connection for its whole connect timeout (3 s) while the database restarts, where the
 * tooling Deno fails at once (tests/fault/db_outage_test.ts shows both).
 */
export const INGEST_DEADLINE_MS = 1500;

/** The database call outlived its deadline (logged with this code). */
class DeadlineExceeded extends Error {
  readonly code = "INGEST_DEADLINE";
}

/**
 * `call`, or a rejection with the code `INGEST_DEADLINE` once `deadlineMs` passes (the database
 * treated as unavailable: {@link isDeadlineOrUnavailable}). For every database call a webhook
 * waits on before it answers.
 */
export async function withDeadline<T>(
  call: Promise<T>,
  deadlineMs = INGEST_DEADLINE_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      call,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineExceeded()), deadlineMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** True for a database call that outlived its deadline, or a database that is unavailable. */
export function isDeadlineOrUnavailable(err: unknown): boolean {
  return err instanceof DeadlineExceeded || isDatabaseUnavailable(err);
}

/**
 * Runs one ingest call and turns its result, or its failure, into the response. Shared shape
 * for both vendors: 200 for stored (applied/stale/duplicate of those), 202 for kept without
 * effect (ignored, unmapped, or rejected when its location was mapped), 409 for a conflict
 * (kept, never applied: `conflictPath` names the field, the reason says why), 503 when the
 * database cannot take the write or has not answered within `deadlineMs`. A call still running
 * then may yet commit: the vendor's retry is then a duplicate, which ingest recognises (never
 * a 2xx for what was not committed).
 */
export async function callIngest(
  db: SqlRunner,
  sqlText: string,
  event: unknown,
  logError: (message: string, detail?: Record<string, unknown>) => void,
  opts: { conflictPath?: string; deadlineMs?: number } = {},
): Promise<Response> {
  const conflictPath = opts.conflictPath ?? "(body)";
  const deadlineMs = opts.deadlineMs ?? INGEST_DEADLINE_MS;
  let result: IngestResult;
  const started = performance.now();
  // How long the database call took as the function waited for it (pool, round trip, commit).
  const timing = () => ({ "server-timing": serverTiming("db", performance.now() - started) });
  try {
    // The driver serialises the object for the jsonb parameter (postgres.js JSON-encodes
    // values of json/jsonb parameters; a pre-encoded string would arrive as a JSON string).
    const rows = await withDeadline(Promise.resolve(db.query(sqlText, [event])), deadlineMs);
    result = rows[0]?.result as IngestResult;
  } catch (err) {
    if (isDeadlineOrUnavailable(err)) {
      logError("database unavailable", { code: (err as { code?: unknown }).code });
      return errorResponse(503, "database_unavailable", "Database unavailable; retry later.", [], {
        "retry-after": "30",
        ...timing(),
      });
    }
    logError("ingest failed", {
      code: (err as { code?: unknown })?.code,
      message: err instanceof Error ? err.message : String(err),
    });
    return errorResponse(500, "internal_error", "The event could not be stored.", [], timing());
  }
  const headers = timing();
  if (!result || typeof result.outcome !== "string") {
    logError("ingest returned no result");
    return errorResponse(500, "internal_error", "The event could not be stored.", [], headers);
  }
  if (result.outcome === "conflict") {
    return errorResponse(
      409,
      "conflict",
      `Kept as inbound event ${result.eventId} and not applied.`,
      [{ path: conflictPath, message: result.reason ?? "conflicts with a stored event" }],
      headers,
    );
  }
  const status = result.outcome === "applied" || result.outcome === "stale" ? 200 : 202;
  return json(status, {
    outcome: result.outcome,
    duplicate: result.duplicate === true,
    eventId: result.eventId,
  }, headers);
}
