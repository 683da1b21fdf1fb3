/**
 * What the vendor-sync function accepts: the signed wake-up the database sends
 * (`pipeline.post_sync_request`: from `pipeline.request_sync`, `request_backfill`, the hourly
 * schedule, the minute sweep, or a run that needs another invocation), `{type: "SYNC"}` with
 * the id of the run to take first, if any.
 *
 * These zod schemas describe the contract for the API documentation (shared/openapi.ts); the
 * function's own `parseSyncCall` (supabase/functions/vendor-sync/handler.ts) is held to them
 * by tests/docs/openapi_test.ts.
 *
 * @module
 */
import { z } from "zod";

/** The wake-up: take run `runId` first (when due), then any other due run. */
export const syncRequestSchema = z.looseObject({
  type: z.literal("SYNC"),
  runId: z.int().positive().nullish(),
});

/** What one invocation did with one run. */
export const syncRunOutcomeSchema = z.strictObject({
  runId: z.int().positive(),
  locationId: z.int().positive(),
  result: z.enum(["succeeded", "failed", "released", "lease_lost"]),
  detail: z.string().optional(),
});

/** The function's 200 answer. */
export const syncAnswerSchema = z.strictObject({
  runs: z.array(syncRunOutcomeSchema),
});
