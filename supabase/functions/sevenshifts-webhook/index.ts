/**
 * Edge function entry point: the 7shifts time punch webhook (see handler.ts). Wires the
 * handler to the functions' database login (`PIPELINE_DB_URL`, see _shared/db.ts), the HMAC
 * grant GUID, the URL token and the wage unit. A wrong `SEVENSHIFTS_WAGE_UNIT` stops the function at start-up
 * rather than storing wages off by a factor of 100.
 *
 * @module
 */
import { connectFunctionsDatabase } from "../_shared/db.ts";
import { withServerTiming } from "../_shared/http.ts";
import { parseWageUnit } from "../../../shared/sevenshifts.ts";
import { createSevenShiftsWebhookHandler } from "./handler.ts";

const { sql } = connectFunctionsDatabase("sevenshifts-webhook");
const grantGuid = Deno.env.get("SEVENSHIFTS_GRANT_GUID") ?? "";
const webhookToken = Deno.env.get("SEVENSHIFTS_WEBHOOK_TOKEN") ?? "";
if (!grantGuid && !webhookToken) {
  console.error(
    "sevenshifts-webhook: neither SEVENSHIFTS_GRANT_GUID nor SEVENSHIFTS_WEBHOOK_TOKEN is set; every delivery gets 401",
  );
}

Deno.serve(withServerTiming(createSevenShiftsWebhookHandler({
  // deno-lint-ignore no-explicit-any
  db: { query: (text, params) => sql.unsafe(text, params as any[]) },
  grantGuid,
  webhookToken,
  wageUnit: parseWageUnit(Deno.env.get("SEVENSHIFTS_WAGE_UNIT")),
})));
