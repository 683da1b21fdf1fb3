/**
 * Edge function entry point: the Toast orders webhook (see handler.ts). Wires the handler to
 * the functions' database login (`PIPELINE_DB_URL`, see _shared/db.ts) and the signing secret.
 *
 * @module
 */
import { connectFunctionsDatabase } from "../_shared/db.ts";
import { withServerTiming } from "../_shared/http.ts";
import { oneRoundTripRunner } from "../_shared/ingest.ts";
import { createToastWebhookHandler } from "./handler.ts";

const { sql } = connectFunctionsDatabase("toast-webhook");
const secret = Deno.env.get("TOAST_WEBHOOK_SECRET") ?? "";
if (!secret) {
  console.error("toast-webhook: TOAST_WEBHOOK_SECRET is not set; every delivery gets 401");
}

Deno.serve(withServerTiming(createToastWebhookHandler({
  db: oneRoundTripRunner(sql),
  secret,
})));
