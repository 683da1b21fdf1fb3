/**
 * Edge function entry point: the 7shifts time punch webhook (see handler.ts). Wires the
 * handler to the database Supabase injects (`SUPABASE_DB_URL`), the HMAC grant GUID, the URL
 * token and the wage unit. A wrong `SEVENSHIFTS_WAGE_UNIT` stops the function at start-up
 * rather than storing wages off by a factor of 100.
 *
 * @module
 */
import { connectDatabase } from "../_shared/db.ts";
import { keepWorkerAliveThroughDriverCrash } from "../_shared/driver_guard.ts";
import { parseWageUnit } from "../../../shared/sevenshifts.ts";
import { createSevenShiftsWebhookHandler } from "./handler.ts";

keepWorkerAliveThroughDriverCrash();
const sql = connectDatabase(Deno.env.get("SUPABASE_DB_URL") ?? "");
const grantGuid = Deno.env.get("SEVENSHIFTS_GRANT_GUID") ?? "";
const webhookToken = Deno.env.get("SEVENSHIFTS_WEBHOOK_TOKEN") ?? "";
if (!grantGuid && !webhookToken) {
  console.error(
    "sevenshifts-webhook: neither SEVENSHIFTS_GRANT_GUID nor SEVENSHIFTS_WEBHOOK_TOKEN is set; every delivery gets 401",
  );
}

Deno.serve(createSevenShiftsWebhookHandler({
  // deno-lint-ignore no-explicit-any
  db: { query: (text, params) => sql.unsafe(text, params as any[]) },
  grantGuid,
  webhookToken,
  wageUnit: parseWageUnit(Deno.env.get("SEVENSHIFTS_WAGE_UNIT")),
}));
