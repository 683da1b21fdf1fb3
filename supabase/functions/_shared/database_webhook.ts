/**
 * Reading a request the database signed (`pipeline.post_signed_to_function`, migration
 * 20261128000400_alerts.sql: the alert notifier's database webhook and sweep, the vendor sync's
 * wake-ups), in the order that leaks nothing: the method, then the timestamp before the body is
 * read, then the body within its size limit, then the signature (shared/signatures.ts
 * `verifyAlertWebhook`, constant time) before the body is parsed, then the JSON.
 *
 * @module
 */
import { errorResponse, parseJson, readRequestBody } from "./http.ts";
import {
  ALERT_SIGNATURE_HEADER,
  ALERT_TIMESTAMP_HEADER,
  checkAlertWebhookTimestamp,
  verifyAlertWebhook,
} from "../../../shared/signatures.ts";

const REFUSALS = {
  missing: `Missing ${ALERT_TIMESTAMP_HEADER} or ${ALERT_SIGNATURE_HEADER}.`,
  bad_timestamp: `${ALERT_TIMESTAMP_HEADER} must be Unix seconds.`,
  stale: `${ALERT_TIMESTAMP_HEADER} is more than 5 minutes from now.`,
  mismatch: `${ALERT_SIGNATURE_HEADER} does not match the request.`,
} as const;

/**
 * The parsed JSON body of a request the database signed with `secret`, or the answer to send
 * instead: 405 not POST, 401 a missing, malformed, stale or non-matching signature, 415/413/400
 * a body that is not JSON within `maxBytes`.
 */
export async function readSignedDatabaseRequest(
  req: Request,
  secret: string,
  nowMs: () => number,
  maxBytes: number,
): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  if (req.method !== "POST") {
    await req.body?.cancel();
    return {
      ok: false,
      response: errorResponse(405, "method_not_allowed", "Use POST.", undefined, {
        allow: "POST",
      }),
    };
  }
  const timestamp = req.headers.get(ALERT_TIMESTAMP_HEADER);
  const signature = req.headers.get(ALERT_SIGNATURE_HEADER);
  const fresh = checkAlertWebhookTimestamp(timestamp, signature, nowMs());
  if (!fresh.ok) {
    await req.body?.cancel();
    return { ok: false, response: errorResponse(401, "unauthorized", REFUSALS[fresh.reason]) };
  }
  const read = await readRequestBody(req, { maxBytes });
  if (!read.ok) return read;
  const verdict = await verifyAlertWebhook(read.bytes, timestamp, signature, secret, nowMs());
  if (!verdict.ok) {
    return { ok: false, response: errorResponse(401, "unauthorized", REFUSALS[verdict.reason]) };
  }
  const parsed = parseJson(read.text);
  return parsed.ok ? { ok: true, value: parsed.value } : parsed;
}
