/**
 * The vendor sync: reconciles a location's figures with the Toast and 7shifts APIs, for the
 * orders and punches whose webhooks were lost (or never sent: 7shifts fires none for break
 * edits), and pulls a newly mapped location's history.
 *
 * Called only by the database, signed like the alert notifier's webhook
 * (`pipeline.post_signed_to_function`; supabase/functions/_shared/database_webhook.ts):
 * `{type: "SYNC", runId?}` from `pipeline.request_sync`, `request_backfill`, the hourly
 * schedule, the minute sweep, and the run itself when it needs another invocation. It claims
 * the named run (if due), then any other due run, each under a lease, and works on them until
 * its budget (`SYNC_BUDGET_MS`, default 40 s, below pg_net's 60 s timeout) or its page allowance
 * (`SYNC_MAX_PAGES`, default 25 vendor pages: at ~35 ms of CPU a page of 100 orders, measured by
 * `npm run bench`, an invocation stays well under the edge runtime's 2 s of CPU) is spent; a run
 * left unfinished is released to resume at its cursor (at once when nothing holds it back, else
 * when its vendor allows: the minute sweep). See sync.ts for a
 * run's phases, vendor_http.ts for how each failure is handled.
 *
 * Answers: 401/405/413/415/400 for a request that is not a signed `{type: "SYNC"}`; 200 with
 * what happened to each run; 503 when the database is unreachable (the sweep asks again).
 *
 * @module
 */
import { errorResponse, json, positiveSetting } from "../_shared/http.ts";
import { isDatabaseUnavailable } from "../_shared/db.ts";
import { readSignedDatabaseRequest } from "../_shared/database_webhook.ts";
import { SEVENSHIFTS_DEFAULT_API_BASE_URL } from "../../../shared/sevenshifts_api.ts";
import {
  RollingLimiter,
  SEVENSHIFTS_RATE_LIMIT_BLOCK_MS,
  SEVENSHIFTS_REQUESTS_PER_SECOND,
  TOAST_ORDERS_BULK_PER_SECOND,
  TOAST_REQUESTS_PER_SECOND,
} from "../../../shared/vendor_limits.ts";
import { SevenShiftsClient } from "./sevenshifts_client.ts";
import { advanceRun } from "./sync.ts";
import { type ClaimedRun, LEASE_LOST, type SyncDb } from "./sync_db.ts";
import { TOAST_DEFAULT_API_BASE_URL, ToastClient } from "./toast_client.ts";
import {
  type Clock,
  OutOfTime,
  RateLimited,
  VendorHttp,
  VendorRefused,
  VendorUnavailable,
} from "./vendor_http.ts";

/** Settings, from the function's environment. */
export interface SyncSettings {
  /** `ALERT_WEBHOOK_SECRET`: the key the database signs its calls with. */
  databaseWebhookSecret: string;
  /** `TOAST_API_BASE_URL` (default Toast's production API). */
  toastApiBaseUrl?: string;
  /** `SEVENSHIFTS_API_BASE_URL` (default 7shifts' API). */
  sevenShiftsApiBaseUrl?: string;
  /** `SYNC_BUDGET_MS`: how long one invocation works (default 40 s). */
  budgetMs?: number;
  /** `SYNC_MAX_PAGES`: vendor pages one invocation stores at most (default 25). */
  maxPages?: number;
  /** Lease of a claimed run (default 90 s: above the budget and pg_net's timeout). */
  leaseSeconds?: number;
  /** Per-request timeout to a vendor (default 20 s). */
  requestTimeoutMs?: number;
  /** Transient failures (network, 5xx) a run survives before it fails (default 6). */
  maxFailures?: number;
}

/** Reads {@link SyncSettings} from env vars (`get` is `Deno.env.get` in production). */
export function syncSettingsFromEnv(get: (name: string) => string | undefined): SyncSettings {
  const positive = positiveSetting(get);
  return {
    databaseWebhookSecret: get("ALERT_WEBHOOK_SECRET") ?? "",
    toastApiBaseUrl: get("TOAST_API_BASE_URL") || undefined,
    sevenShiftsApiBaseUrl: get("SEVENSHIFTS_API_BASE_URL") || undefined,
    budgetMs: positive("SYNC_BUDGET_MS"),
    maxPages: positive("SYNC_MAX_PAGES"),
  };
}

/** What {@link createVendorSyncHandler} needs from the outside world. */
export interface VendorSyncDeps {
  db: SyncDb;
  settings: SyncSettings;
  /** `fetch` for the vendors' APIs. */
  fetch?: typeof fetch;
  /** The clock and timers (tests give virtual ones). */
  clock?: Clock;
  /** Operational log lines (never a credential or a token). */
  log?: (line: string) => void;
}

/** What happened to one run in this invocation. */
export interface RunOutcome {
  runId: number;
  locationId: number;
  /** succeeded, failed, released (to resume later), or lease_lost. */
  result: "succeeded" | "failed" | "released" | "lease_lost";
  detail?: string;
}

/** Largest accepted request body (a wake-up is a few bytes). */
export const SYNC_MAX_BODY_BYTES = 16 * 1024;

/** The body the database sends. */
export function parseSyncCall(body: unknown): { runId: number | null } | { problem: string } {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return { problem: "body must be a JSON object" };
  }
  const b = body as Record<string, unknown>;
  if (b.type !== "SYNC") return { problem: 'type must be "SYNC"' };
  if (b.runId === undefined || b.runId === null) return { runId: null };
  if (typeof b.runId !== "number" || !Number.isSafeInteger(b.runId) || b.runId <= 0) {
    return { problem: "runId must be a sync run id (a positive integer)" };
  }
  return { runId: b.runId };
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms))),
};

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Creates the request handler. */
export function createVendorSyncHandler(deps: VendorSyncDeps): (req: Request) => Promise<Response> {
  const s = deps.settings;
  const clock = deps.clock ?? realClock;
  const doFetch = deps.fetch ?? fetch;
  const log = deps.log ?? ((line: string) => console.log(line));
  const budgetMs = s.budgetMs ?? 40_000;
  const maxPages = s.maxPages ?? 25;
  const leaseSeconds = s.leaseSeconds ?? 90;
  const maxFailures = s.maxFailures ?? 6;
  const toastBase = s.toastApiBaseUrl ?? TOAST_DEFAULT_API_BASE_URL;
  const sevenBase = s.sevenShiftsApiBaseUrl ?? SEVENSHIFTS_DEFAULT_API_BASE_URL;

  /** One run for as long as this invocation may: finished, or released to resume. */
  async function work(
    run: ClaimedRun,
    deadline: number,
    limiters: Map<string, RollingLimiter>,
    pagesLeft: { n: number },
  ): Promise<RunOutcome> {
    const base = { runId: run.runId, locationId: run.location.id };
    // One limiter per connection (Toast's global limit per API client, 7shifts' per token) and
    // one per restaurant for Toast's ordersBulk, per invocation; each starts as if its
    // allowance was used when a run of the connection last talked to the vendor (another
    // invocation's, the database says), so those requests never share a second with these. Its
    // own clock is the function's: a database clock ahead of it only waits longer.
    const limiter = (key: string, perSecond: number, lastActiveAt: string | null) => {
      let l = limiters.get(key);
      if (!l) {
        const last = lastActiveAt ? Date.parse(lastActiveAt) : Number.NaN;
        const since = Number.isFinite(last) ? Math.min(clock.now(), last) : -Infinity;
        limiters.set(key, l = new RollingLimiter(perSecond, since));
      }
      return l;
    };
    const http = (
      vendor: string,
      key: string,
      perSecond: number,
      lastActiveAt: string | null,
      minimumWaitMs = 0,
    ) =>
      new VendorHttp({
        vendor,
        fetch: doFetch,
        clock,
        limiter: limiter(key, perSecond, lastActiveAt),
        deadline,
        timeoutMs: s.requestTimeoutMs ?? 20_000,
        minimumRateLimitWaitMs: minimumWaitMs,
      });
    const toast = run.toast && run.location.toastRestaurantGuid
      ? new ToastClient(
        run,
        deps.db,
        http(
          "toast",
          `toast:${run.toast.connectionId}`,
          TOAST_REQUESTS_PER_SECOND,
          run.toast.lastActiveAt,
        ),
        limiter(
          `toast-orders-bulk:${run.location.toastRestaurantGuid}`,
          TOAST_ORDERS_BULK_PER_SECOND,
          run.toast.lastActiveAt,
        ),
        toastBase,
      )
      : null;
    const sevenshifts = run.sevenshifts
      ? new SevenShiftsClient(
        run,
        deps.db,
        http(
          "7shifts",
          `7shifts:${run.sevenshifts.connectionId}`,
          SEVENSHIFTS_REQUESTS_PER_SECOND,
          run.sevenshifts.lastActiveAt,
          SEVENSHIFTS_RATE_LIMIT_BLOCK_MS,
        ),
        sevenBase,
      )
      : null;
    try {
      const progress = await advanceRun({
        run,
        db: deps.db,
        toast,
        sevenshifts,
        clock,
        deadline,
        leaseSeconds,
        pagesLeft,
      });
      if (progress.done) {
        const report = await deps.db.finish(run, true, null);
        log(
          `sync run ${run.runId} (${run.kind}, location ${run.location.id}) succeeded: ` +
            `${report.pages} pages, ${report.rows_fetched} rows fetched, ${report.rows_new} new, ` +
            `${report.rows_changed} changed, ${report.rows_unchanged} unchanged, ` +
            `${report.rows_held} held`,
        );
        return { ...base, result: "succeeded" };
      }
      await deps.db.release(run, 0, null, false);
      return { ...base, result: "released", detail: progress.reason };
    } catch (err) {
      if ((err as { code?: unknown })?.code === LEASE_LOST) {
        log(`sync run ${run.runId}: lease lost; another invocation has it`);
        return { ...base, result: "lease_lost" };
      }
      if (isDatabaseUnavailable(err)) throw err;
      if (err instanceof OutOfTime) {
        await deps.db.release(run, 0, null, false);
        return { ...base, result: "released", detail: "budget" };
      }
      if (err instanceof RateLimited) {
        await deps.db.release(run, err.waitMs, err.message, false);
        log(`sync run ${run.runId}: ${err.message}; resumes later`);
        return { ...base, result: "released", detail: err.message };
      }
      if (err instanceof VendorUnavailable && run.failures + 1 < maxFailures) {
        const backoff = Math.min(30 * 60_000, 60_000 * 2 ** run.failures);
        await deps.db.release(run, backoff, err.message, true);
        log(`sync run ${run.runId}: ${err.message}; retry in ${backoff / 1000} s`);
        return { ...base, result: "released", detail: err.message };
      }
      const reason = err instanceof VendorRefused || err instanceof VendorUnavailable
        ? err.message
        : `unexpected: ${message(err)}`;
      log(`sync run ${run.runId} failed: ${reason}`);
      await deps.db.finish(run, false, reason);
      return { ...base, result: "failed", detail: reason };
    }
  }

  return async (req: Request): Promise<Response> => {
    const signed = await readSignedDatabaseRequest(
      req,
      s.databaseWebhookSecret,
      clock.now,
      SYNC_MAX_BODY_BYTES,
    );
    if (!signed.ok) return signed.response;
    const call = parseSyncCall(signed.value);
    if ("problem" in call) {
      return errorResponse(400, "invalid_payload", "Not a sync request.", [
        { path: "(body)", message: call.problem },
      ]);
    }
    const deadline = clock.now() + budgetMs;
    const limiters = new Map<string, RollingLimiter>();
    const pagesLeft = { n: maxPages };
    const runs: RunOutcome[] = [];
    try {
      let first: number | null = call.runId;
      while (clock.now() < deadline && pagesLeft.n > 0) {
        const run = await deps.db.claim(first, leaseSeconds);
        if (!run) {
          if (first === null) break;
          first = null;
          continue;
        }
        first = null;
        runs.push(await work(run, deadline, limiters, pagesLeft));
      }
      return json(200, { runs });
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        return errorResponse(503, "database_unavailable", "The database is unavailable.");
      }
      log(`vendor-sync: unexpected error: ${message(err)}`);
      return errorResponse(500, "internal_error", "Unexpected error syncing.");
    }
  };
}
