/**
 * Edge function entry point: the alert notifier (see handler.ts). Wires the handler to the
 * functions' database login (`PIPELINE_DB_URL`, see _shared/db.ts), the key the database
 * webhook is signed with (`ALERT_WEBHOOK_SECRET`) and the default channels
 * (`SLACK_WEBHOOK_URL`, `DISCORD_WEBHOOK_URL`).
 *
 * @module
 */
import { connectFunctionsDatabase } from "../_shared/db.ts";
import {
  createAlertNotifierHandler,
  notifierSettingsFromEnv,
  postgresNotifierDb,
} from "./handler.ts";

const { sql } = connectFunctionsDatabase("alert-notifier");
const settings = notifierSettingsFromEnv((name) => Deno.env.get(name));
if (!settings.alertWebhookSecret) {
  console.error("alert-notifier: ALERT_WEBHOOK_SECRET is not set; every request gets 401");
}

Deno.serve(createAlertNotifierHandler({ db: postgresNotifierDb(sql), settings }));
