/**
 * Edge function entry point: the Toast orders webhook (see handler.ts). Wires the handler to
 * the database Supabase injects (`SUPABASE_DB_URL`) and the signing secret.
 *
 * @module
 */
import { connectDatabase } from "../_shared/db.ts";
import { keepWorkerAliveThroughDriverCrash } from "../_shared/driver_guard.ts";
import { createToastWebhookHandler } from "./handler.ts";

keepWorkerAliveThroughDriverCrash();
const sql = connectDatabase(Deno.env.get("SUPABASE_DB_URL") ?? "");
const secret = Deno.env.get("TOAST_WEBHOOK_SECRET") ?? "";
if (!secret) {
  console.error("toast-webhook: TOAST_WEBHOOK_SECRET is not set; every delivery gets 401");
}

Deno.serve(createToastWebhookHandler({
  // deno-lint-ignore no-explicit-any
  db: { query: (text, params) => sql.unsafe(text, params as any[]) },
  secret,
}));
