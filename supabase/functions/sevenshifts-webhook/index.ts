/**
 * Edge function entry point: the 7shifts time punch webhook (see handler.ts). Wires the
 * handler to the functions' database login (`PIPELINE_DB_URL`, see _shared/db.ts), the grants
 * (per company from the database, else the default `SEVENSHIFTS_GRANT_GUID`), the URL token
 * and the wage unit. A wrong `SEVENSHIFTS_WAGE_UNIT` stops the function at start-up
 * rather than storing wages off by a factor of 100.
 *
 * @module
 */
import { connectFunctionsDatabase } from "../_shared/db.ts";
import { withServerTiming } from "../_shared/http.ts";
import { oneRoundTripRunner } from "../_shared/ingest.ts";
import { parseWageUnit } from "../../../shared/sevenshifts.ts";
import { createSevenShiftsWebhookHandler } from "./handler.ts";
import { boundedLookup, GrantCache } from "./grants.ts";

const { sql } = connectFunctionsDatabase("sevenshifts-webhook");
const grantGuid = Deno.env.get("SEVENSHIFTS_GRANT_GUID") ?? "";
const webhookToken = Deno.env.get("SEVENSHIFTS_WEBHOOK_TOKEN") ?? "";
if (!grantGuid && !webhookToken) {
  console.error(
    "sevenshifts-webhook: neither SEVENSHIFTS_GRANT_GUID nor SEVENSHIFTS_WEBHOOK_TOKEN is set; every delivery of a company without a vendor connection gets 401",
  );
}

// A company served by a vendor connection is verified with its own grant (Vault, through the
// database); every other company with SEVENSHIFTS_GRANT_GUID.
const grants = new GrantCache(
  boundedLookup(async (companyId) => {
    const [row] = await sql`select pipeline.sevenshifts_webhook_grant(${companyId}) as grant`;
    return (row?.grant as string | null) ?? null;
  }),
  grantGuid,
);

Deno.serve(withServerTiming(createSevenShiftsWebhookHandler({
  db: oneRoundTripRunner(sql),
  grantGuid,
  grants,
  webhookToken,
  wageUnit: parseWageUnit(Deno.env.get("SEVENSHIFTS_WAGE_UNIT")),
})));
