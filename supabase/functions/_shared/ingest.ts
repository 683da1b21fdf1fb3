/**
 * The one ingest round trip both webhook functions make: their `INGEST_*_SQL`
 * (`call pipeline.ingest_*_committed($1::jsonb, null)`) with the normalised event, and its
 * outcome, or the database's failure, turned into the response. The procedure commits inside
 * the call, so the statement resolves only after the commit and a failure at commit (a
 * deferred trigger, a shutdown) is its own error: never a 2xx for data that was rolled back.
 *
 * @module
 */
import { isDatabaseUnavailable } from "./db.ts";
import { errorResponse, json } from "./http.ts";

/** Runs one SQL statement with positional parameters and returns its rows. */
export interface SqlRunner {
  query(text: string, params: unknown[]): Promise<ReadonlyArray<Record<string, unknown>>>;
}

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
 * Runs one ingest call and turns its result, or its failure, into the response. Shared shape
 * for both vendors: 200 for stored (applied/stale/duplicate of those), 202 for kept without
 * effect (ignored, unmapped, or rejected when its location was mapped), 409 for a conflict
 * (kept, never applied: `conflictPath` names the field, the reason says why), 503 when the
 * database cannot take the write.
 */
export async function callIngest(
  db: SqlRunner,
  sqlText: string,
  event: unknown,
  logError: (message: string, detail?: Record<string, unknown>) => void,
  conflictPath = "(body)",
): Promise<Response> {
  let result: IngestResult;
  try {
    // The driver serialises the object for the jsonb parameter (postgres.js JSON-encodes
    // values of json/jsonb parameters; a pre-encoded string would arrive as a JSON string).
    const rows = await db.query(sqlText, [event]);
    result = rows[0]?.result as IngestResult;
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      logError("database unavailable", { code: (err as { code?: unknown }).code });
      return errorResponse(503, "database_unavailable", "Database unavailable; retry later.", [], {
        "retry-after": "30",
      });
    }
    logError("ingest failed", {
      code: (err as { code?: unknown })?.code,
      message: err instanceof Error ? err.message : String(err),
    });
    return errorResponse(500, "internal_error", "The event could not be stored.");
  }
  if (!result || typeof result.outcome !== "string") {
    logError("ingest returned no result");
    return errorResponse(500, "internal_error", "The event could not be stored.");
  }
  if (result.outcome === "conflict") {
    return errorResponse(
      409,
      "conflict",
      `Kept as inbound event ${result.eventId} and not applied.`,
      [{ path: conflictPath, message: result.reason ?? "conflicts with a stored event" }],
    );
  }
  const status = result.outcome === "applied" || result.outcome === "stale" ? 200 : 202;
  return json(status, {
    outcome: result.outcome,
    duplicate: result.duplicate === true,
    eventId: result.eventId,
  });
}
