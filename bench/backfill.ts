/**
 * Backfill throughput through the vendor sync, side by side with the same rows through direct
 * SQL ingest, and the Toast request rate the sync actually used against its 5/s allowance.
 *
 * Two copies of one simulated restaurant (same seed, so the same orders and punches; two runs,
 * so different vendor ids): copy A's rows (each order's and punch's final version, the rows the
 * API serves) go through `call pipeline.ingest_*_committed` one at a time as the functions' role
 * (the webhooks' own call); copy B is served by the fake vendor APIs (local/vendor_fakes.ts, in
 * this process) and pulled by `pipeline.request_backfill` through pg_net and the real vendor-sync
 * function. Rows per second is rows ÷ wall time of each side (the sync's from the request to the
 * run's end, its waits for the vendors' pacing included). The vendor-sync process's CPU per
 * stored page shows how far an invocation's page allowance stays from the edge runtime's 2 s.
 *
 * @module
 */
import postgres from "postgres";
import { type FakeRequest, startVendorFakes } from "../local/vendor_fakes.ts";
import { generateSimulation, type Simulation } from "../sim/generate.ts";
import { mapLocations } from "../sim/db.ts";
import { renderApiPunch, renderToastOrder } from "../sim/render.ts";
import { addDays, businessDateAt } from "../sim/time.ts";
import { normalizeApiPunch } from "../shared/sevenshifts_api.ts";
import { parseApiOrder } from "../shared/toast_api.ts";
import {
  TOAST_ORDERS_BULK_PER_SECOND,
  TOAST_REQUESTS_PER_SECOND,
} from "../shared/vendor_limits.ts";
import { CpuMeter } from "./cpu.ts";
import { round } from "./stats.ts";

/** What the backfill measurement found. */
export interface BackfillFigures {
  days: number;
  orders: number;
  punches: number;
  direct: { rows: number; seconds: number; rowsPerSecond: number };
  sync: {
    rows: number;
    seconds: number;
    rowsPerSecond: number;
    pages: number;
    requests: number;
    state: string;
  };
  /** Sync ÷ direct, rows per second. */
  ratio: number | null;
  toast: {
    requests: number;
    /** Most `ordersBulk` requests the fake counted for the restaurant within any one second. */
    peakPerSecond: number;
    /** `ordersBulk` requests ÷ the span from the first to the last (s). */
    averagePerSecond: number;
    /** Toast's `ordersBulk` allowance per restaurant (5/s). */
    allowancePerSecond: number;
    /** Most requests of any kind the fake counted for the API client within any one second. */
    allPeakPerSecond: number;
    /** Toast's global allowance per API client (20/s). */
    globalAllowancePerSecond: number;
  };
  /** vendor-sync's CPU ÷ the pages it stored (ms), and over the whole backfill (ms). */
  cpuPerPageMs: number | null;
  cpuMs: number | null;
  violations: string[];
  /**
   * Where the sync's wall time went, in seconds from the request: when each kind of vendor
   * request first and last arrived at the fakes, and when the run ended.
   */
  timeline: BackfillTimeline;
}

/** First and last arrival (s after the backfill was requested) of one kind of vendor request. */
export interface RequestSpan {
  requests: number;
  first: number;
  last: number;
}

/** The sync's timeline, seconds after `request_backfill`. */
export interface BackfillTimeline {
  toastLogin: RequestSpan | null;
  ordersBulk: RequestSpan | null;
  refundedPayments: RequestSpan | null;
  sevenShifts: RequestSpan | null;
  end: number;
}

/** The span of the requests `keep` selects, in seconds after `startedAt` (epoch ms). */
function requestSpan(
  requests: FakeRequest[],
  startedAt: number,
  keep: (r: FakeRequest) => boolean,
): RequestSpan | null {
  const at = requests.filter(keep).map((r) => r.at);
  if (at.length === 0) return null;
  return {
    requests: at.length,
    first: round((Math.min(...at) - startedAt) / 1000, 2),
    last: round((Math.max(...at) - startedAt) / 1000, 2),
  };
}

/** The final version of every order and punch, as the ingest events the webhooks would send. */
function finalEvents(sim: Simulation) {
  const orders = sim.orders.map((o) => {
    const loc = sim.locations[o.locationIndex];
    const v = o.versions[o.versions.length - 1];
    const raw = renderToastOrder(o, v, loc, sim.toastConfigs[o.locationIndex]);
    const parsed = parseApiOrder(raw);
    if (!parsed.result.ok) throw new Error(`order ${o.guid} does not parse`);
    return {
      eventKey: `bench:${o.guid}`,
      topic: "order_updated",
      restaurantGuid: loc.toastRestaurantGuid.toLowerCase(),
      headers: {},
      rawBody: JSON.stringify(raw),
      order: parsed.result.value,
    };
  });
  const punches = sim.punches.map((p) => {
    const loc = sim.locations[p.locationIndex];
    const v = p.versions[p.versions.length - 1];
    const raw = renderApiPunch(p, v, loc);
    const punch = normalizeApiPunch(raw);
    if (!punch.ok) throw new Error(`punch ${p.id} does not parse`);
    return {
      eventKey: `bench:${p.id}`,
      topic: v.deleted ? "time_punch.deleted" : "time_punch.edited",
      companyId: loc.sevenShiftsCompanyId,
      locationId: loc.sevenShiftsLocationId,
      headers: {},
      rawBody: JSON.stringify(raw),
      punch: punch.value,
      deletion: null,
    };
  });
  return { orders, punches };
}

/**
 * Runs the measurement on the benchmark's stack (`databaseUrl` as postgres, `functionsUrl` the
 * functions' login), with `vendorSyncPid` the function's process (for its CPU).
 */
export async function measureBackfill(opts: {
  databaseUrl: string;
  functionsDatabaseUrl: string;
  vendorSyncPid: () => number | undefined;
  days: number;
  ordersPerDay: number;
}): Promise<BackfillFigures> {
  const zone = "America/New_York";
  const today = businessDateAt(Date.now(), zone, 4);
  const make = (runId: string) =>
    generateSimulation({
      seed: 4242,
      locations: 1,
      days: opts.days,
      startDate: addDays(today, -opts.days),
      runId,
      halfCentWages: false,
      openPunches: false,
      scenarios: [{ timeZone: zone, ordersPerDay: opts.ordersPerDay }],
    });
  const runId = crypto.randomUUID().slice(0, 6);
  const simA = make(`bench-direct-${runId}`);
  const simB = make(`bench-sync-${runId}`);
  const sql = postgres(opts.databaseUrl, { max: 2, onnotice: () => {} });
  const asFunctions = postgres(opts.functionsDatabaseUrl, {
    max: 1,
    prepare: false,
    onnotice: () => {},
  });
  const fakes = startVendorFakes();
  try {
    await mapLocations(sql, simA.locations, [{ alertsEnabled: false }]);
    const [locationB] = await mapLocations(sql, simB.locations, [{ alertsEnabled: false }]);

    // Direct SQL: the webhooks' own call, one row at a time.
    const events = finalEvents(simA);
    const t0 = performance.now();
    // The driver JSON-encodes a jsonb parameter, as the functions' own calls rely on.
    const call = (text: string, event: unknown) =>
      // deno-lint-ignore no-explicit-any
      asFunctions.unsafe(text, [event] as any[]);
    for (const e of events.orders) {
      await call("call pipeline.ingest_toast_committed($1::jsonb, null)", e);
    }
    for (const e of events.punches) {
      await call("call pipeline.ingest_sevenshifts_committed($1::jsonb, null)", e);
    }
    const directSeconds = (performance.now() - t0) / 1000;
    const directRows = events.orders.length + events.punches.length;

    // Through the sync: the fakes serve copy B; a backfill pulls it.
    fakes.serve(simB);
    const loc = simB.locations[0];
    fakes.addToastClient({
      clientId: "bench",
      clientSecret: "bench",
      restaurants: [loc.toastRestaurantGuid],
    });
    fakes.addSevenShiftsCompany({ companyId: loc.sevenShiftsCompanyId, accessToken: "bench" });
    const [{ toast }] = await sql`select pipeline.add_toast_connection('bench', 'bench', 'bench',
      ${fakes.toastBaseUrl}) as toast`;
    const [{ seven }] = await sql`select pipeline.add_sevenshifts_connection('bench',
      ${loc.sevenShiftsCompanyId}, 'bench-grant', 'bench',
      api_base_url => ${fakes.sevenShiftsBaseUrl}) as seven`;
    await sql`insert into public.location_sync (location_id, toast_connection_id)
      values (${locationB}, ${toast})`;
    const pid = opts.vendorSyncPid();
    const meter = pid ? new CpuMeter(() => ({ "vendor-sync": { pids: [pid] } })).start() : null;
    const t1 = performance.now();
    const requestedAt = Date.now();
    const [{ run }] =
      await sql`select pipeline.request_backfill(${locationB}, ${opts.days}) as run`;
    let row: Record<string, unknown> = {};
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline) {
      [row] = await sql`select state, pages, requests, rows_new, rows_changed, rows_unchanged,
          rows_held from public.sync_runs where id = ${run}`;
      if (!["pending", "running"].includes(String(row.state))) break;
      // What the minute sweep would do for a run waiting on a vendor.
      await new Promise((r) => setTimeout(r, 50));
    }
    const syncSeconds = (performance.now() - t1) / 1000;
    const endedAt = Date.now();
    const cpu = meter?.stop() ?? null;
    const syncRows = ["rows_new", "rows_changed", "rows_unchanged", "rows_held"]
      .reduce((n, k) => n + Number(row[k]), 0);
    const toastRequests = fakes.requests("toast").filter((r) => r.limitKeys.length > 0);
    const bulkRequests = toastRequests.filter((r) => r.path === "/orders/v2/ordersBulk");
    const span = bulkRequests.length > 1
      ? (bulkRequests[bulkRequests.length - 1].at - bulkRequests[0].at) / 1000
      : 0;
    const directRate = directRows / directSeconds;
    const syncRate = syncRows / syncSeconds;
    const cpuMs = cpu ? cpu.groupMs["vendor-sync"] : null;
    await sql`select pipeline.remove_connection(${toast})`;
    await sql`select pipeline.remove_connection(${seven})`;
    return {
      days: opts.days,
      orders: simB.orders.length,
      punches: simB.punches.length,
      direct: {
        rows: directRows,
        seconds: round(directSeconds, 2),
        rowsPerSecond: round(directRate, 1),
      },
      sync: {
        rows: syncRows,
        seconds: round(syncSeconds, 2),
        rowsPerSecond: round(syncRate, 1),
        pages: Number(row.pages),
        requests: Number(row.requests),
        state: String(row.state),
      },
      ratio: directRate > 0 ? round(syncRate / directRate, 3) : null,
      toast: {
        requests: toastRequests.length,
        peakPerSecond: fakes.peakRate("toast", "ordersBulk"),
        averagePerSecond: span > 0 ? round(bulkRequests.length / span, 2) : 0,
        allowancePerSecond: TOAST_ORDERS_BULK_PER_SECOND,
        allPeakPerSecond: fakes.peakRate("toast", "client"),
        globalAllowancePerSecond: TOAST_REQUESTS_PER_SECOND,
      },
      cpuPerPageMs: cpuMs !== null && Number(row.pages) > 0
        ? round(cpuMs / Number(row.pages), 1)
        : null,
      cpuMs,
      violations: fakes.violations(),
      timeline: {
        toastLogin: requestSpan(
          fakes.requests("toast"),
          requestedAt,
          (r) => r.path.startsWith("/authentication/"),
        ),
        ordersBulk: requestSpan(
          fakes.requests("toast"),
          requestedAt,
          (r) => r.path === "/orders/v2/ordersBulk",
        ),
        refundedPayments: requestSpan(
          fakes.requests("toast"),
          requestedAt,
          (r) => r.path === "/orders/v2/payments",
        ),
        sevenShifts: requestSpan(fakes.requests("7shifts"), requestedAt, () => true),
        end: round((endedAt - requestedAt) / 1000, 2),
      },
    };
  } finally {
    await fakes.stop();
    await asFunctions.end({ timeout: 2 });
    await sql.end({ timeout: 2 });
  }
}
