/**
 * The vendor sync's database calls, one round trip each, to the SQL functions of migration
 * 20261129000100_vendor_sync.sql (run as the functions' role, `pipeline_functions`): claim a
 * run under a lease, get a token (or the credentials to log in) for one of its connections,
 * apply a page (committed inside the call), list what to look up, release or finish the run.
 *
 * @module
 */
import type { FieldProblem } from "../../../shared/errors.ts";
import type { NormalizedOrder, NormalizedPunch } from "../../../shared/types.ts";
import type { PunchDeletion } from "../../../shared/sevenshifts.ts";
import type { NormalizedShift } from "../../../shared/sevenshifts_shifts.ts";

/** Where a run is. */
export type SyncPhase =
  | "toast_orders"
  | "toast_refunds"
  | "sevenshifts_punches"
  | "sevenshifts_missing"
  | "sevenshifts_shifts"
  | "done";

/** A claimed run, as `pipeline.sync_run_json` returns it (no secrets). */
export interface ClaimedRun {
  runId: number;
  kind: "hourly" | "nightly" | "manual" | "backfill" | "schedule";
  leaseToken: string;
  phase: SyncPhase;
  cursor: Record<string, unknown>;
  fromDate: string;
  toDate: string;
  modifiedSince: string;
  windowEnd: string;
  clockedInFrom: string;
  clockedInTo: string;
  /** A schedule run: the shifts' start range it pulls, `[shiftsFrom, shiftsTo)` (ISO). */
  shiftsFrom?: string | null;
  shiftsTo?: string | null;
  refundDates: string[];
  invocations: number;
  failures: number;
  requests: number;
  location: {
    id: number;
    name: string;
    timeZone: string;
    toastRestaurantGuid: string | null;
    sevenshiftsCompanyId: number | null;
    sevenshiftsLocationId: number | null;
  };
  /** `lastActiveAt`: when a run of the connection last talked to the vendor (ISO), or null. */
  toast: { connectionId: number; apiBaseUrl: string | null; lastActiveAt: string | null } | null;
  sevenshifts: {
    connectionId: number;
    apiBaseUrl: string | null;
    lastActiveAt: string | null;
    authKind: "access_token" | "oauth_client";
    companyId: number;
    companyGuid: string | null;
  } | null;
}

/** What `pipeline.sync_vendor_access` answers. */
export type VendorAccess =
  | { token: string; expiresAt?: string }
  | { login: { clientId: string; clientSecret: string } }
  | { waitMs: number };

/** A Toast order as the webhook's ingest takes it (supabase/functions/toast-webhook). */
export interface SyncOrderEvent {
  eventKey: string;
  topic: string;
  restaurantGuid: string;
  headers: Record<string, string>;
  rawBody: string;
  order: NormalizedOrder;
}

/** A 7shifts punch (or a deletion) as the webhook's ingest takes it. */
export interface SyncPunchEvent {
  eventKey: string;
  topic: string;
  companyId: number;
  locationId: number | null;
  headers: Record<string, string>;
  rawBody: string;
  punch: NormalizedPunch | null;
  deletion: PunchDeletion | null;
}

/** One page for `pipeline.sync_apply_page`. */
export interface SyncPage {
  runId: number;
  leaseToken: string;
  leaseSeconds: number;
  /** The phase and cursor once this page is stored. */
  phase: SyncPhase;
  cursor: Record<string, unknown>;
  /** Vendor requests made for it. */
  requests: number;
  /** Whether it is a page of vendor data (false for a phase change alone). */
  counted: boolean;
  orders: SyncOrderEvent[];
  punches: SyncPunchEvent[];
  seenPunchIds: number[];
  problems: Array<FieldProblem & { id?: string }>;
  /** A schedule run's page: its valid shifts, the ids of its invalid ones, and whether it is
   * the last (then the run's range is replaced with every page's shifts). */
  shifts?: NormalizedShift[];
  seenShiftIds?: number[];
  shiftsComplete?: boolean;
}

/** What one page changed. */
export interface PageTally {
  fetched: number;
  new: number;
  changed: number;
  unchanged: number;
  held: number;
}

/** The database calls of the sync. */
export interface SyncDb {
  claim(runId: number | null, leaseSeconds: number): Promise<ClaimedRun | null>;
  access(
    run: ClaimedRun,
    vendor: "toast" | "7shifts",
    rejectedToken?: string | null,
  ): Promise<VendorAccess>;
  storeSession(
    run: ClaimedRun,
    vendor: "toast" | "7shifts",
    token: string,
    expiresAt: Date,
  ): Promise<void>;
  applyPage(page: SyncPage): Promise<PageTally>;
  unseenPunches(run: ClaimedRun): Promise<number[]>;
  unknownRefunds(run: ClaimedRun, paymentGuids: string[]): Promise<string[]>;
  release(
    run: ClaimedRun,
    retryAfterMs: number,
    error: string | null,
    failed: boolean,
  ): Promise<void>;
  finish(
    run: ClaimedRun,
    succeeded: boolean,
    error: string | null,
  ): Promise<Record<string, unknown>>;
}

/** A postgres.js-like client: tagged template queries and `unsafe`. */
export interface SqlClient {
  // deno-lint-ignore no-explicit-any
  (strings: TemplateStringsArray, ...values: any[]): PromiseLike<ReadonlyArray<any>>;
  // deno-lint-ignore no-explicit-any
  unsafe(query: string, params?: any[]): PromiseLike<ReadonlyArray<any>>;
}

/** The page call: one round trip that returns after the commit. */
export const APPLY_PAGE_SQL = "call pipeline.sync_apply_page_committed($1::jsonb, null)";

/** SQLSTATE of a run whose lease another invocation holds now. */
export const LEASE_LOST = "55006";

/** {@link SyncDb} over the SQL functions of the vendor sync migration. */
export function postgresSyncDb(sql: SqlClient): SyncDb {
  return {
    async claim(runId, leaseSeconds) {
      const [row] = await sql`select pipeline.claim_sync_run(${runId}, ${leaseSeconds}) as run`;
      return (row?.run ?? null) as ClaimedRun | null;
    },
    async access(run, vendor, rejectedToken) {
      const [row] = await sql`select pipeline.sync_vendor_access(${run.runId},
        ${run.leaseToken}::uuid, ${vendor}, ${rejectedToken ?? null}) as access`;
      return row.access as VendorAccess;
    },
    async storeSession(run, vendor, token, expiresAt) {
      await sql`select pipeline.sync_store_session(${run.runId}, ${run.leaseToken}::uuid,
        ${vendor}, ${token}, ${expiresAt})`;
    },
    async applyPage(page) {
      const [row] = await sql.unsafe(APPLY_PAGE_SQL, [page]);
      return row.result as PageTally;
    },
    // Arrays travel as JSON: the functions' pool does not fetch the server's array types
    // (_shared/db.ts), so postgres.js can neither send nor read a Postgres array.
    async unseenPunches(run) {
      const [row] = await sql`select pg_catalog.to_jsonb(pipeline.sync_unseen_punches(
        ${run.runId}, ${run.leaseToken}::uuid)::text[]) as ids`;
      return ((row.ids ?? []) as string[]).map(Number);
    },
    async unknownRefunds(run, guids) {
      // (A text parameter: one cast to jsonb would have postgres.js encode the string again.)
      const list = JSON.stringify(guids);
      const [row] = await sql`select pg_catalog.to_jsonb(pipeline.sync_unknown_refunds(
        ${run.runId}, ${run.leaseToken}::uuid, array(
          select pg_catalog.jsonb_array_elements_text((${list}::text)::jsonb)))) as guids`;
      return (row.guids ?? []) as string[];
    },
    async release(run, retryAfterMs, error, failed) {
      await sql`select pipeline.release_sync_run(${run.runId}, ${run.leaseToken}::uuid,
        ${Math.max(0, Math.min(2 ** 31 - 1, Math.round(retryAfterMs)))}, ${error}, ${failed})`;
    },
    async finish(run, succeeded, error) {
      const [row] = await sql`select pipeline.finish_sync_run(${run.runId},
        ${run.leaseToken}::uuid, ${succeeded}, ${error}) as report`;
      return row.report as Record<string, unknown>;
    },
  };
}
