/**
 * Requests to alert-notifier signed the way the database signs them
 * (`pipeline.post_to_alert_notifier`): for tests that call the notifier themselves.
 *
 * @module
 */
import { alertWebhookHeaders } from "../../shared/signatures.ts";

/** The headers of a JSON call with `body` signed with `secret` at `atMs` (default now). */
export async function signedAlertHeaders(
  body: string | Uint8Array,
  secret: string,
  atMs = Date.now(),
): Promise<Record<string, string>> {
  return { "content-type": "application/json", ...await alertWebhookHeaders(body, secret, atMs) };
}
