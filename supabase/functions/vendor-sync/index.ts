/**
 * Edge function entry point: the vendor sync (see handler.ts). Wires the handler to the
 * functions' database login (`PIPELINE_DB_URL`, see _shared/db.ts), the key the database signs
 * its calls with (`ALERT_WEBHOOK_SECRET`) and the vendors' base URLs (`TOAST_API_BASE_URL`,
 * `SEVENSHIFTS_API_BASE_URL`; the vendors' own by default). Credentials are never in its env:
 * it reads them per run from Vault through the database.
 *
 * @module
 */
import { connectFunctionsDatabase } from "../_shared/db.ts";
import { createVendorSyncHandler, syncSettingsFromEnv } from "./handler.ts";
import { postgresSyncDb } from "./sync_db.ts";

const { sql } = connectFunctionsDatabase("vendor-sync");
const settings = syncSettingsFromEnv((name) => Deno.env.get(name));
if (!settings.databaseWebhookSecret) {
  console.error("vendor-sync: ALERT_WEBHOOK_SECRET is not set; every request gets 401");
}

Deno.serve(createVendorSyncHandler({ db: postgresSyncDb(sql), settings }));
