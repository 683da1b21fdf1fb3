/**
 * Edge function entry point: the alert notifier (see handler.ts). Wires the handler to the
 * database Supabase injects (`SUPABASE_DB_URL`), the shared secret of the database webhook
 * (`ALERT_WEBHOOK_SECRET`) and the default channels (`SLACK_WEBHOOK_URL`,
 * `DISCORD_WEBHOOK_URL`).
 *
 * @module
 */
import { connectDatabase } from "../_shared/db.ts";
import { keepWorkerAliveThroughDriverCrash } from "../_shared/driver_guard.ts";
import {
  createAlertNotifierHandler,
  notifierSettingsFromEnv,
  postgresNotifierDb,
} from "./handler.ts";

keepWorkerAliveThroughDriverCrash();
const sql = connectDatabase(Deno.env.get("SUPABASE_DB_URL") ?? "");
const settings = notifierSettingsFromEnv((name) => Deno.env.get(name));
if (!settings.alertWebhookSecret) {
  console.error("alert-notifier: ALERT_WEBHOOK_SECRET is not set; every request gets 401");
}

Deno.serve(createAlertNotifierHandler({ db: postgresNotifierDb(sql), settings }));
