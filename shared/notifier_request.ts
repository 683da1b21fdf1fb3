/**
 * What the alert notifier accepts as a request body: the Supabase Database Webhook body of an
 * INSERT on `public.alerts` (`{type: "INSERT", table: "alerts", schema, record, old_record}`,
 * as `pipeline.alerts_database_webhook()` posts it through pg_net), or the sweep request of the
 * pg_cron job (`{type: "SWEEP"}`, `pipeline.request_alert_sweep()`).
 *
 * These zod schemas describe the contract for the API documentation (shared/openapi.ts); the
 * notifier's own `parseNotifierCall` (supabase/functions/alert-notifier/handler.ts) is held to
 * them by tests/docs/openapi_test.ts, which checks both agree on what they accept.
 *
 * @module
 */
import { z } from "zod";

/** The alert row as the database webhook sends it (`to_jsonb(new)`): only `id` is read. */
export const alertRecordSchema = z.looseObject({
  id: z.int().positive(),
});

/** The Database Webhook body of one new alert (Supabase's shape for an INSERT). */
export const alertInsertWebhookSchema = z.looseObject({
  type: z.literal("INSERT"),
  table: z.literal("alerts"),
  schema: z.string().nullish(),
  record: alertRecordSchema,
  old_record: z.null().optional(),
});

/** The sweep request: deliver every alert that is due, oldest first. */
export const alertSweepRequestSchema = z.looseObject({
  type: z.literal("SWEEP"),
});

/** Either request the notifier accepts, told apart by `type`. */
export const notifierRequestSchema = z.discriminatedUnion("type", [
  alertInsertWebhookSchema,
  alertSweepRequestSchema,
]);

/** A parsed notifier request. */
export type NotifierRequest = z.infer<typeof notifierRequestSchema>;
