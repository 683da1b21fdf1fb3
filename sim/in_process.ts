/**
 * The webhook functions' own handlers run in this process against the database, for days a
 * run only needs ingested (same-weekday history): the same verification, normalisation and
 * single `pipeline.ingest_*_committed` call per delivery as the served functions, without the
 * HTTP hop and the edge runtime. The database work (the recompute, intraday rows, alerts) is
 * exactly what a served delivery does.
 *
 * @module
 */
import postgres from "postgres";
import { createSevenShiftsWebhookHandler } from "../supabase/functions/sevenshifts-webhook/handler.ts";
import { boundedLookup, GrantCache } from "../supabase/functions/sevenshifts-webhook/grants.ts";
import { createToastWebhookHandler } from "../supabase/functions/toast-webhook/handler.ts";
import { oneRoundTripRunner } from "../supabase/functions/_shared/ingest.ts";
import type { WageUnit } from "./render.ts";
import { type DeliveryResult, type DeliveryTarget, headersFor } from "./deliver.ts";
import type { Delivery } from "./plan.ts";

/** A sender for {@link replay}'s `sender` option, and how to close its connection. */
export interface InProcessSender {
  send(d: Delivery): Promise<DeliveryResult>;
  close(): Promise<void>;
}

/**
 * Handlers for `target`'s secrets over `functionsDatabaseUrl` (the functions' own login,
 * `PIPELINE_DB_URL`); `wageUnit` is the served function's `SEVENSHIFTS_WAGE_UNIT`.
 */
export function inProcessSender(
  target: DeliveryTarget,
  functionsDatabaseUrl: string,
  wageUnit: WageUnit,
): InProcessSender {
  const sql = postgres(functionsDatabaseUrl, { max: 1, prepare: false, onnotice: () => {} });
  const db = oneRoundTripRunner(sql);
  const toast = createToastWebhookHandler({ db, secret: target.toastWebhookSecret });
  // As the served function: a company with a vendor connection is verified with its grant.
  const grants = new GrantCache(
    boundedLookup(async (companyId) => {
      const [row] = await sql`select pipeline.sevenshifts_webhook_grant(${companyId}) as grant`;
      return (row?.grant as string | null) ?? null;
    }),
    target.sevenShiftsGrantGuid,
  );
  const sevenShifts = createSevenShiftsWebhookHandler({
    db,
    grants,
    grantGuid: target.sevenShiftsGrantGuid,
    webhookToken: "",
    wageUnit,
  });
  return {
    async send(d) {
      const handler = d.vendor === "toast" ? toast : sevenShifts;
      const res = await handler(
        new Request(`http://in-process/${d.vendor}`, {
          method: "POST",
          headers: await headersFor(d, target, 1),
          body: d.rawBody,
        }),
      );
      const answer = await res.json().catch(() => null);
      return {
        delivery: d,
        status: res.ok ? "accepted" : "rejected",
        httpStatus: res.status,
        attempts: 1,
        answer,
        settledAt: Date.now(),
      };
    },
    close: () => sql.end(),
  };
}
