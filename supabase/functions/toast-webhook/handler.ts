/**
 * The Toast orders webhook: verify, validate, normalise, then exactly one database round trip
 * (`call pipeline.ingest_toast_committed($1::jsonb, null)`) that logs and applies the event in
 * one transaction and returns once it is committed.
 *
 * Answers (always JSON, never a secret or a stack trace):
 * - 405 not POST; 415 not JSON; 413 body over {@link TOAST_MAX_BODY_BYTES} (6 MiB: Toast
 *   says order payloads can exceed 600 KB, and a large party's order with every modifier is
 *   far below this); 400 invalid UTF-8 or JSON.
 * - 401 `Toast-Signature` missing (checked before anything is parsed) or not the base64
 *   HMAC-SHA256 of the raw body + the envelope's `timestamp`.
 * - 400 envelope or Order fails its schema, every bad field listed by path.
 * - 202 an event type other than `order_updated`/`channel_order_updated` (logged as ignored),
 *   or a restaurant not mapped to a location yet (kept, applied when it is mapped).
 * - 409 an order GUID that already belongs to another restaurant (Toast GUIDs are unique to
 *   a restaurant, so this is a mapping error or a forged event): the first owner keeps its
 *   figures, the delivery is kept as a `conflict` with its reason and never applied, and
 *   Toast, which does not retry a 4xx, is not asked to send it again.
 * - 200 stored: applied, or already known (a redelivery, or an older version).
 * - 503 the database is unreachable (Toast retries); 500 anything unexpected. Never 2xx for
 *   data that was not committed.
 *
 * @module
 */
import { errorResponse, parseJson, readRequestBody } from "../_shared/http.ts";
import { callIngest, type IngestResult, pickHeaders, type SqlRunner } from "../_shared/ingest.ts";
import {
  isToastGuid,
  normalizeToastOrder,
  parseToastEnvelope,
  parseToastOrderDetails,
  TOAST_ORDER_EVENT_TYPES,
} from "../../../shared/toast.ts";
import { verifyToastSignature } from "../../../shared/signatures.ts";
import type { NormalizedOrder } from "../../../shared/types.ts";

/** Largest accepted body: 6 MiB. */
export const TOAST_MAX_BODY_BYTES = 6 * 1024 * 1024;

/**
 * The one SQL statement this function runs per delivery: one round trip that returns only
 * after the commit. The procedure commits inside the call (migration
 * 20261128000200_ingest.sql): postgres.js resolves a plain statement before its
 * implicit commit and would drop an error raised there, so a 2xx could follow a rollback.
 */
export const INGEST_TOAST_SQL = "call pipeline.ingest_toast_committed($1::jsonb, null)";

export type { IngestResult, SqlRunner };

/** What {@link createToastWebhookHandler} needs from the outside world. */
export interface ToastWebhookDeps {
  db: SqlRunner;
  /** `TOAST_WEBHOOK_SECRET`: the subscription's signing secret. Empty refuses everything. */
  secret: string;
  /** Override of {@link TOAST_MAX_BODY_BYTES} (tests). */
  maxBodyBytes?: number;
  /** Where operational problems are logged (default console.error). Never gets secrets. */
  logError?: (message: string, detail?: Record<string, unknown>) => void;
}

/** The JSON handed to `pipeline.ingest_toast`. */
export interface ToastIngestEvent {
  eventKey: string;
  topic: string;
  restaurantGuid: string | null;
  headers: Record<string, string>;
  rawBody: string;
  order: NormalizedOrder | null;
}

const LOGGED_HEADERS = [
  "toast-event-type",
  "toast-event-category",
  "toast-restaurant-external-id",
  "toast-attempt-number",
  "toast-signature",
  "content-type",
  "content-length",
  "user-agent",
];

function defaultLogError(message: string, detail?: Record<string, unknown>) {
  console.error(JSON.stringify({ fn: "toast-webhook", message, ...detail }));
}

/** Builds the request handler (`Deno.serve(createToastWebhookHandler(deps))`). */
export function createToastWebhookHandler(
  deps: ToastWebhookDeps,
): (req: Request) => Promise<Response> {
  const logError = deps.logError ?? defaultLogError;
  const maxBytes = deps.maxBodyBytes ?? TOAST_MAX_BODY_BYTES;

  return async (req: Request): Promise<Response> => {
    try {
      const body = await readRequestBody(req, { maxBytes });
      if (!body.ok) return body.response;
      const signature = req.headers.get("toast-signature");
      if (!signature) {
        return errorResponse(401, "unauthorized", "Missing Toast-Signature.", [
          { path: "header:Toast-Signature", message: "required" },
        ]);
      }
      const parsed = parseJson(body.text);
      if (!parsed.ok) return parsed.response;
      const value = parsed.value as Record<string, unknown> | null;
      // The signed message is rawBody + the envelope timestamp, so it must be read first.
      const timestamp = value && typeof value === "object" && !Array.isArray(value)
        ? value.timestamp
        : undefined;
      if (typeof timestamp !== "string" || timestamp === "") {
        return errorResponse(400, "invalid_payload", "The envelope has no timestamp.", [
          { path: "timestamp", message: "expected a string" },
        ]);
      }
      if (!(await verifyToastSignature(body.text, timestamp, signature, deps.secret))) {
        return errorResponse(401, "unauthorized", "Toast-Signature does not match.");
      }

      const envelope = parseToastEnvelope(value);
      if (!envelope.ok) {
        return errorResponse(
          400,
          "invalid_payload",
          "Invalid webhook envelope.",
          envelope.problems,
        );
      }
      const headers = pickHeaders(req.headers, LOGGED_HEADERS);
      const base = {
        eventKey: envelope.value.guid,
        topic: envelope.value.eventType,
        headers,
        rawBody: body.text,
      };
      if (!TOAST_ORDER_EVENT_TYPES.includes(envelope.value.eventType)) {
        const event: ToastIngestEvent = { ...base, restaurantGuid: null, order: null };
        return await callIngest(deps.db, INGEST_TOAST_SQL, event, logError);
      }

      const details = parseToastOrderDetails(envelope.value.details);
      if (!details.ok) {
        return errorResponse(400, "invalid_payload", "Invalid order.", details.problems);
      }
      // The body is signed and the header is not, so the body's restaurant GUID wins.
      const headerGuid = req.headers.get("toast-restaurant-external-id")?.trim() ?? null;
      const restaurantGuid = details.value.restaurantGuid ?? headerGuid;
      if (!isToastGuid(restaurantGuid)) {
        return errorResponse(400, "invalid_payload", "No restaurant GUID.", [
          { path: "header:Toast-Restaurant-External-ID", message: "expected the restaurant GUID" },
        ]);
      }
      const event: ToastIngestEvent = {
        ...base,
        restaurantGuid: restaurantGuid.toLowerCase(),
        order: normalizeToastOrder(details.value.order),
      };
      const wrapped = details.value.wrapped;
      return await callIngest(
        deps.db,
        INGEST_TOAST_SQL,
        event,
        logError,
        { conflictPath: wrapped ? "details.order.guid" : "details.guid" },
      );
    } catch (err) {
      logError("unexpected error", { message: err instanceof Error ? err.message : String(err) });
      return errorResponse(500, "internal_error", "Unexpected error.");
    }
  };
}
