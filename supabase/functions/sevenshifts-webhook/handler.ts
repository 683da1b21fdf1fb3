/**
 * The 7shifts webhook (time punches, users for the staff table, and `schedule.published`, which
 * queues a pull of the published dates' shifts: shared/sevenshifts_shifts.ts): authenticate, validate,
 * normalise, then exactly one database round trip
 * (`call pipeline.ingest_sevenshifts_committed($1::jsonb, null)`), answered only once the event
 * is committed.
 *
 * Authentication, either of:
 * - **HMAC** (OAuth partner webhooks): `x-hmac-signature` over the raw body keyed with
 *   `"{x-hmac-timestamp}#{grant GUID}"`, hex or base64, timestamp within 5 minutes. The grant
 *   is that of the company the delivery names (`x-company-id`, else the body's `company_id`)
 *   when a vendor connection serves it (grants.ts), and then the punch must be that company's;
 *   otherwise `SEVENSHIFTS_GRANT_GUID`. When either HMAC header is present it must verify: no
 *   fallback.
 * - **URL token** (company webhooks made in the 7shifts app carry no HMAC): `?token=` equal,
 *   in constant time, to `SEVENSHIFTS_WEBHOOK_TOKEN`.
 *
 * Answers: 405 / 415 / 413 (over 6 MiB) / 400 bad JSON, as every function; 401 neither
 * authentication holds (including a stale timestamp); 400 missing `x-webhook-topic` or a
 * punch, user or schedule that fails its schema, every bad field listed by path; 202 a topic
 * other than `time_punch.*`, `user.*` and `schedule.published` (logged as ignored), a schedule
 * of a company without a 7shifts connection (nothing to pull with), or an unmapped location
 * (kept, applied when mapped; a punch moved there leaves its old location's figures at once; a
 * schedule then queues its pull); 200 a schedule whose pull is queued;
 * 200 stored (applied, redelivered or older); 409 naming `company_id` a punch or deletion for
 * a punch id whose stored punch is another company's (kept as a `conflict`, nothing changed:
 * 7shifts punch ids are unique across companies, and the URL token is shared by every company
 * that uses it, so the database refuses it under the punch's lock); 503 database unreachable.
 *
 * Event key: 7shifts sends no stable event id, so a delivery is identified by the SHA-256
 * of its topic and raw body; a redelivery of the same body is the same event.
 *
 * @module
 */
import { errorResponse, parseJson, readRequestBody } from "../_shared/http.ts";
import {
  callIngest,
  isDeadlineOrUnavailable,
  pickHeaders,
  type SqlRunner,
} from "../_shared/ingest.ts";
import {
  parseSevenShiftsPunchEvent,
  SEVENSHIFTS_PUNCH_TOPICS,
  type WageUnit,
} from "../../../shared/sevenshifts.ts";
import {
  parseSevenShiftsUserEvent,
  SEVENSHIFTS_USER_TOPICS,
  type StaffMember,
} from "../../../shared/sevenshifts_users.ts";
import {
  checkSevenShiftsTimestamp,
  secretsMatch,
  type SevenShiftsVerdict,
  sha256Hex,
  verifySevenShiftsSignature,
} from "../../../shared/signatures.ts";
import type { NormalizedPunch } from "../../../shared/types.ts";
import {
  parseSchedulePublished,
  SCHEDULE_PUBLISHED_TOPIC,
  type SchedulePublished,
} from "../../../shared/sevenshifts_shifts.ts";
import type { PunchDeletion } from "../../../shared/sevenshifts.ts";
import { type Grant, GrantCache } from "./grants.ts";

/** Largest accepted body: 6 MiB (a punch is a few KB; same limit as Toast for simplicity). */
export const SEVENSHIFTS_MAX_BODY_BYTES = 6 * 1024 * 1024;

/** The one SQL statement this function runs per delivery (see INGEST_TOAST_SQL). */
export const INGEST_SEVENSHIFTS_SQL = "call pipeline.ingest_sevenshifts_committed($1::jsonb, null)";

/** What {@link createSevenShiftsWebhookHandler} needs from the outside world. */
export interface SevenShiftsWebhookDeps {
  db: SqlRunner;
  /**
   * `SEVENSHIFTS_GRANT_GUID`: keys the HMAC of companies no connection serves. Empty refuses
   * their HMAC deliveries.
   */
  grantGuid: string;
  /** Per-company grants (default: `grantGuid` for every company). */
  grants?: Pick<GrantCache, "grantFor" | "changedGrantFor">;
  /** `SEVENSHIFTS_WEBHOOK_TOKEN`: the `?token=` for company webhooks. Empty refuses them. */
  webhookToken: string;
  /** `SEVENSHIFTS_WAGE_UNIT` (see shared/sevenshifts.ts for the default and why). */
  wageUnit: WageUnit;
  /** Milliseconds since the epoch (default Date.now): checks the HMAC timestamp window. */
  now?: () => number;
  /** Override of {@link SEVENSHIFTS_MAX_BODY_BYTES} (tests). */
  maxBodyBytes?: number;
  /** Where operational problems are logged (default console.error). Never gets secrets. */
  logError?: (message: string, detail?: Record<string, unknown>) => void;
}

/** The JSON handed to `pipeline.ingest_sevenshifts`. */
export interface SevenShiftsIngestEvent {
  eventKey: string;
  topic: string;
  companyId: number | null;
  locationId: number | null;
  headers: Record<string, string>;
  rawBody: string;
  punch: NormalizedPunch | null;
  deletion: PunchDeletion | null;
  /** A `user.*` delivery: the staff member it describes. */
  staff?: StaffMember | null;
  /** A `schedule.published` delivery: the location and dates to pull the shifts of. */
  schedule?: SchedulePublished | null;
}

const LOGGED_HEADERS = [
  "x-webhook-id",
  "x-webhook-topic",
  "x-company-id",
  "x-hmac-timestamp",
  "x-hmac-signature",
  "content-type",
  "content-length",
  "user-agent",
];

/** The 401 of a refused HMAC. */
function hmacRefusal(verdict: SevenShiftsVerdict & { ok: false }): Response {
  const message = verdict.reason === "stale"
    ? "x-hmac-timestamp is more than 5 minutes from now."
    : verdict.reason === "missing"
    ? "x-hmac-timestamp and x-hmac-signature are both required."
    : verdict.reason === "bad_timestamp"
    ? "x-hmac-timestamp is not a Unix time."
    : "x-hmac-signature does not match.";
  return errorResponse(401, "unauthorized", message);
}

function defaultLogError(message: string, detail?: Record<string, unknown>) {
  console.error(JSON.stringify({ fn: "sevenshifts-webhook", message, ...detail }));
}

/** Positive integer header value, or null. */
function intHeader(value: string | null): number | null {
  if (value === null || !/^\d{1,15}$/.test(value.trim())) return null;
  const n = Number(value.trim());
  return n > 0 ? n : null;
}

/**
 * Verified with one company's own grant, a delivery must be about that company: the 400 to
 * send when `companyId` is another's, else null.
 */
function foreignCompany(
  auth: { grant: Grant | null; companyId: number | null },
  companyId: number,
  message: string,
): Response | null {
  if (!auth.grant?.fromConnection || companyId === auth.companyId) return null;
  return errorResponse(400, "invalid_payload", message, [
    {
      path: "company_id",
      message: `company ${companyId} is not the company whose grant signed it`,
    },
  ]);
}

/** Builds the request handler (`Deno.serve(createSevenShiftsWebhookHandler(deps))`). */
export function createSevenShiftsWebhookHandler(
  deps: SevenShiftsWebhookDeps,
): (req: Request) => Promise<Response> {
  const logError = deps.logError ?? defaultLogError;
  const now = deps.now ?? Date.now;
  const maxBytes = deps.maxBodyBytes ?? SEVENSHIFTS_MAX_BODY_BYTES;

  const grants = deps.grants ?? new GrantCache(() => Promise.resolve(null), deps.grantGuid, now);

  /** The company a delivery names: `x-company-id`, else its (parsed) body's `company_id`. */
  function namedCompany(req: Request, parsed: ReturnType<typeof parseJson>): number | null {
    const header = intHeader(req.headers.get("x-company-id"));
    if (header !== null) return header;
    const body = parsed.ok ? parsed.value as Record<string, unknown> | null : null;
    const id = body && typeof body === "object" ? body.company_id : undefined;
    return typeof id === "number" && Number.isSafeInteger(id) && id > 0 ? id : null;
  }

  /** The grant that verified the delivery (null for the URL token), or the 401 to send. */
  async function authenticate(
    req: Request,
    rawBody: string,
    parsed: ReturnType<typeof parseJson>,
  ): Promise<{ denied: Response } | { grant: Grant | null; companyId: number | null }> {
    const ts = req.headers.get("x-hmac-timestamp");
    const sig = req.headers.get("x-hmac-signature");
    if (ts !== null || sig !== null) {
      // Stale or malformed is refused before the grant is looked up: the company a delivery
      // names is not signed, so a forged one would otherwise cost a database query each.
      const fresh = checkSevenShiftsTimestamp(ts, sig, now());
      if (!fresh.ok) return { denied: hmacRefusal(fresh) };
      const companyId = namedCompany(req, parsed);
      let grant = await grants.grantFor(companyId);
      let verdict = await verifySevenShiftsSignature(rawBody, ts, sig, grant.grant, now());
      if (!verdict.ok && verdict.reason === "mismatch") {
        // The grant may have been rotated since it was cached: read it again (bounded).
        const changed = await grants.changedGrantFor(companyId);
        if (changed) {
          grant = changed;
          verdict = await verifySevenShiftsSignature(rawBody, ts, sig, grant.grant, now());
        }
      }
      return verdict.ok ? { grant, companyId } : { denied: hmacRefusal(verdict) };
    }
    const token = new URL(req.url).searchParams.get("token");
    if (token && await secretsMatch(token, deps.webhookToken)) {
      return { grant: null, companyId: null };
    }
    return {
      denied: errorResponse(401, "unauthorized", "Missing or invalid webhook authentication."),
    };
  }

  return async (req: Request): Promise<Response> => {
    try {
      const body = await readRequestBody(req, { maxBytes });
      if (!body.ok) return body.response;
      // Parsed once: the company a signature is checked for may come from the body, and a
      // body that is not JSON is answered only once the delivery is authenticated.
      const parsed = parseJson(body.text);
      const auth = await authenticate(req, body.text, parsed);
      if ("denied" in auth) return auth.denied;
      if (!parsed.ok) return parsed.response;
      const topic = req.headers.get("x-webhook-topic")?.trim() ?? "";
      if (!topic) {
        return errorResponse(400, "invalid_payload", "Missing x-webhook-topic.", [
          { path: "header:x-webhook-topic", message: "required" },
        ]);
      }
      const headerCompanyId = intHeader(req.headers.get("x-company-id"));
      const base = {
        eventKey: await sha256Hex(`${topic}\n${body.text}`),
        topic,
        headers: pickHeaders(req.headers, LOGGED_HEADERS),
        rawBody: body.text,
      };
      if (SEVENSHIFTS_USER_TOPICS.includes(topic)) {
        const user = parseSevenShiftsUserEvent(topic, parsed.value);
        if (!user.ok) return errorResponse(400, "invalid_payload", "Invalid user.", user.problems);
        const foreign = foreignCompany(auth, user.value.companyId, "Invalid user.");
        if (foreign) return foreign;
        const event: SevenShiftsIngestEvent = {
          ...base,
          companyId: user.value.companyId,
          locationId: null,
          punch: null,
          deletion: null,
          staff: user.value,
        };
        return await callIngest(deps.db, INGEST_SEVENSHIFTS_SQL, event, logError);
      }
      if (topic === SCHEDULE_PUBLISHED_TOPIC) {
        const schedule = parseSchedulePublished(parsed.value);
        if (!schedule.ok) {
          return errorResponse(400, "invalid_payload", "Invalid schedule.", schedule.problems);
        }
        const foreign = foreignCompany(auth, schedule.value.companyId, "Invalid schedule.");
        if (foreign) return foreign;
        const event: SevenShiftsIngestEvent = {
          ...base,
          companyId: schedule.value.companyId,
          locationId: schedule.value.locationId,
          punch: null,
          deletion: null,
          schedule: schedule.value,
        };
        return await callIngest(deps.db, INGEST_SEVENSHIFTS_SQL, event, logError);
      }
      if (!SEVENSHIFTS_PUNCH_TOPICS.includes(topic)) {
        const event: SevenShiftsIngestEvent = {
          ...base,
          companyId: headerCompanyId,
          locationId: null,
          punch: null,
          deletion: null,
        };
        return await callIngest(deps.db, INGEST_SEVENSHIFTS_SQL, event, logError);
      }
      const change = parseSevenShiftsPunchEvent(
        topic,
        parsed.value,
        deps.wageUnit,
        headerCompanyId,
      );
      if (!change.ok) {
        return errorResponse(400, "invalid_payload", "Invalid time punch.", change.problems);
      }
      // Verified with one company's own grant: the punch must be that company's.
      const bodyCompany = change.value.kind === "punch"
        ? change.value.punch.companyId
        : change.value.deletion.companyId;
      const foreign = foreignCompany(auth, bodyCompany, "Invalid time punch.");
      if (foreign) return foreign;
      const event: SevenShiftsIngestEvent = change.value.kind === "punch"
        ? {
          ...base,
          companyId: change.value.punch.companyId,
          locationId: change.value.punch.locationId,
          punch: change.value.punch,
          deletion: null,
        }
        : {
          ...base,
          companyId: change.value.deletion.companyId,
          locationId: change.value.deletion.locationId,
          punch: null,
          deletion: change.value.deletion,
        };
      return await callIngest(deps.db, INGEST_SEVENSHIFTS_SQL, event, logError, {
        conflictPath: "company_id",
      });
    } catch (err) {
      if (isDeadlineOrUnavailable(err)) {
        // Reading a company's grant: 7shifts retries a 5xx.
        logError("database unavailable", { code: (err as { code?: unknown }).code });
        return errorResponse(
          503,
          "database_unavailable",
          "Database unavailable; retry later.",
          [],
          {
            "retry-after": "30",
          },
        );
      }
      logError("unexpected error", { message: err instanceof Error ? err.message : String(err) });
      return errorResponse(500, "internal_error", "Unexpected error.");
    }
  };
}
