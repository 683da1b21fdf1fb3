/**
 * A vendor-sync world for the tests: a simulation on days already over, its restaurants and
 * companies served by the fake vendor APIs (local/vendor_fakes.ts), each location mapped with a
 * Toast connection and a 7shifts company connection of its own (credentials in Vault, base URLs
 * at the fakes), the webhooks the simulation did not lose delivered through the real functions,
 * and ways to run the sync: over pg_net through the real vendor-sync function
 * (`pipeline.request_sync`), or in-process with a virtual clock.
 *
 * @module
 */
import type postgres from "postgres";
import { testDb, testEnv } from "../_support/env.ts";
import { connectDatabase } from "../../supabase/functions/_shared/db.ts";
import { startVendorFakes, type VendorFakes } from "../../local/vendor_fakes.ts";
import { compareFigures, type DayComparison } from "../../sim/compare.ts";
import { mapLocations, readDailyMetrics } from "../../sim/db.ts";
import { deliverAll, type DeliveryResult } from "../../sim/deliver.ts";
import { generateSimulation, type Simulation, type SimulationOptions } from "../../sim/generate.ts";
import { addDays, businessDateAt } from "../../sim/time.ts";
import { alertWebhookHeaders } from "../../shared/signatures.ts";
import {
  createVendorSyncHandler,
  type SyncSettings,
} from "../../supabase/functions/vendor-sync/handler.ts";
import { postgresSyncDb, type SyncDb } from "../../supabase/functions/vendor-sync/sync_db.ts";
import type { Clock } from "../../supabase/functions/vendor-sync/vendor_http.ts";

/** The latest business date that is over in every zone of the catalog, less `back` days. */
export function closedDate(back = 1): string {
  const zones = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"];
  const todays = zones.map((z) => businessDateAt(Date.now(), z, 4)).sort();
  return addDays(todays[0], -back);
}

/** One location's vendor credentials (what the fakes accept and the connections hold). */
export interface LocationCredentials {
  toastConnectionId: number;
  sevenShiftsConnectionId: number;
  toastClientId: string;
  grantGuid: string;
  accessToken: string;
}

/** A simulation served by the fakes and mapped, before or after its webhooks. */
export interface SyncWorld {
  sql: postgres.Sql;
  fakes: VendorFakes;
  sim: Simulation;
  locationIds: number[];
  credentials: LocationCredentials[];
  /** Delivers the simulation's webhooks (the ones not lost) through the real functions. */
  deliver(): Promise<DeliveryResult[]>;
  /** Truth vs `public.daily_metrics` for every location-day the simulation touched. */
  compare(): Promise<DayComparison[]>;
  /** First and last business date a sync should cover to reach every touched day. */
  span(): { from: string; to: string };
  close(): Promise<void>;
}

/** Options of {@link syncWorld}. */
export interface SyncWorldOptions extends Partial<SimulationOptions> {
  /** The fakes' clock (default the real one). */
  now?: () => number;
  /** Use 7shifts OAuth client credentials instead of a company access token. */
  oauth?: boolean;
  /** Location settings (alerts and channels), by index. */
  alertsEnabled?: boolean;
}

/** Builds a {@link SyncWorld}: fakes up, simulation served, locations and connections made. */
export async function syncWorld(opts: SyncWorldOptions = {}): Promise<SyncWorld> {
  const env = testEnv();
  const sql = testDb(env.databaseUrl, 4);
  const fakes = startVendorFakes({ now: opts.now });
  const sim = generateSimulation({
    seed: opts.seed ?? 11,
    locations: opts.locations ?? 2,
    days: opts.days ?? 1,
    // Every day, and the day after the last (late refunds, next-morning edits), already over.
    startDate: opts.startDate ?? closedDate((opts.days ?? 1) + 1),
    runId: opts.runId ?? crypto.randomUUID().slice(0, 8),
    duplicateRate: opts.duplicateRate ?? 0.05,
    reorderRate: opts.reorderRate ?? 0.05,
    webhookLossRate: opts.webhookLossRate ?? 0,
    silentBreakEdits: opts.silentBreakEdits ?? 0,
    halfCentWages: false,
    openPunches: opts.openPunches,
    scenarios: opts.scenarios,
  });
  fakes.serve(sim);
  const locationIds = await mapLocations(
    sql,
    sim.locations,
    sim.locations.map(() => ({ alertsEnabled: opts.alertsEnabled ?? false })),
  );
  const credentials: LocationCredentials[] = [];
  for (const [i, loc] of sim.locations.entries()) {
    const toastClientId = `client-${crypto.randomUUID()}`;
    const toastSecret = `secret-${crypto.randomUUID()}`;
    fakes.addToastClient({
      clientId: toastClientId,
      clientSecret: toastSecret,
      restaurants: [loc.toastRestaurantGuid],
    });
    const grantGuid = crypto.randomUUID();
    const accessToken = `token-${crypto.randomUUID()}`;
    const oauth = opts.oauth
      ? { clientId: `oauth-${crypto.randomUUID()}`, clientSecret: `oauth-${crypto.randomUUID()}` }
      : undefined;
    const companyGuid = crypto.randomUUID();
    fakes.addSevenShiftsCompany({
      companyId: loc.sevenShiftsCompanyId,
      companyGuid,
      accessToken: oauth ? undefined : accessToken,
      oauth,
    });
    const [toast] = await sql`select pipeline.add_toast_connection(${`Toast ${loc.name}`},
      ${toastClientId}, ${toastSecret}, ${fakes.toastBaseUrl}) as id`;
    const [seven] = oauth
      ? await sql`select pipeline.add_sevenshifts_connection(${`7shifts ${loc.name}`},
        ${loc.sevenShiftsCompanyId}, ${grantGuid}, null, ${oauth.clientId}, ${oauth.clientSecret},
        ${companyGuid}::uuid, ${fakes.sevenShiftsBaseUrl}) as id`
      : await sql`select pipeline.add_sevenshifts_connection(${`7shifts ${loc.name}`},
        ${loc.sevenShiftsCompanyId}, ${grantGuid}, ${accessToken},
        api_base_url => ${fakes.sevenShiftsBaseUrl}) as id`;
    await sql`insert into public.location_sync (location_id, toast_connection_id)
      values (${locationIds[i]}, ${toast.id})`;
    credentials.push({
      toastConnectionId: Number(toast.id),
      sevenShiftsConnectionId: Number(seven.id),
      toastClientId,
      grantGuid,
      accessToken,
    });
  }
  return {
    sql,
    fakes,
    sim,
    locationIds,
    credentials,
    async deliver() {
      const { results } = await deliverAll(sim.deliveries, {
        supabaseUrl: env.apiUrl,
        anonKey: env.anonKey,
        toastWebhookSecret: env.toastSecret,
        sevenShiftsGrantGuid: env.sevenShiftsGrantGuid,
        sevenShiftsGrantGuids: Object.fromEntries(
          sim.locations.map((l, i) => [l.sevenShiftsCompanyId, credentials[i].grantGuid]),
        ),
      });
      const refused = results.filter((r) => r.status !== "accepted");
      if (refused.length > 0) {
        throw new Error(
          `deliveries refused: ${
            refused.slice(0, 3).map((r) => `${r.httpStatus} ${JSON.stringify(r.answer)}`)
          }`,
        );
      }
      return results;
    },
    async compare() {
      const system = await readDailyMetrics(sql, locationIds);
      const index = new Map(locationIds.map((id, i) => [id, i]));
      return compareFigures(
        sim.truth,
        system.map((r) => ({ ...r, locationIndex: index.get(r.locationId) ?? -1 })),
      );
    },
    span() {
      const dates = sim.truth.map((t) => t.businessDate).sort();
      return { from: dates[0], to: dates[dates.length - 1] };
    },
    async close() {
      const connections = credentials.flatMap((c) => [
        c.toastConnectionId,
        c.sevenShiftsConnectionId,
      ]);
      // Nothing of this world may be scheduled later, against fakes that are gone: its
      // locations' runs and any other run on its connections (a run the stack's own schedule
      // queued meanwhile) are cancelled. A run an invocation is still taking up may be claimed
      // again between the cancel and the removal, which remove_connection refuses (55006): the
      // cancel is repeated until the removal goes through.
      const cancel = () =>
        sql`update public.sync_runs set state = 'cancelled', lease_token = null,
          lease_expires_at = null
        where (location_id = any(${locationIds})
            or toast_connection_id = any(${connections})
            or sevenshifts_connection_id = any(${connections}))
          and state in ('pending', 'running')`;
      for (const id of connections) {
        for (let attempt = 1;; attempt++) {
          await cancel();
          try {
            await sql`select pipeline.remove_connection(${id})`;
            break;
          } catch (err) {
            if ((err as { code?: string }).code !== "55006" || attempt === 20) throw err;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      }
      await fakes.stop();
      await sql.end();
    },
  };
}

/** A finished run's row. */
export type RunRow = Record<string, unknown> & { id: number; state: string };

/** Waits until every run of `ids` has ended (succeeded, failed, cancelled). */
export async function waitForRuns(
  sql: postgres.Sql,
  ids: number[],
  timeoutMs = 60_000,
): Promise<RunRow[]> {
  const deadline = Date.now() + timeoutMs;
  let lastSweep = Date.now();
  while (true) {
    const rows = await sql<RunRow[]>`select * from public.sync_runs where id = any(${ids})
      order by id`;
    if (
      rows.length === ids.length && rows.every((r) => !["pending", "running"].includes(r.state))
    ) {
      return rows.map((r) => ({ ...r, id: Number(r.id) }));
    }
    if (Date.now() > deadline) {
      throw new Error(
        `sync runs ${ids} not finished: ${
          JSON.stringify(
            rows.map((r) => ({ id: r.id, state: r.state, phase: r.phase, error: r.error })),
          )
        }`,
      );
    }
    // What pg_cron's minute sweep does on Supabase (the scheduler is off in tests).
    if (Date.now() - lastSweep > 5000) {
      lastSweep = Date.now();
      await sql`select pipeline.request_sync_sweep()`;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Asks for a sync of every location over `from..to` and waits for the runs. */
export async function syncAll(world: SyncWorld, from?: string, to?: string): Promise<RunRow[]> {
  const span = world.span();
  const ids: number[] = [];
  for (const id of world.locationIds) {
    const [row] = await world.sql`select pipeline.request_sync(${id}, ${from ?? span.from}::date,
      ${to ?? span.to}::date) as id`;
    ids.push(Number(row.id));
  }
  return waitForRuns(world.sql, ids);
}

/** A clock that only moves when slept on (plus `skewMs` to start). */
export function virtualClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: (ms) => {
      t += Math.max(0, ms);
      return Promise.resolve();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

/**
 * Runs the vendor-sync handler in this process (as the functions' role), with `clock` and
 * `settings`, for one signed `{type: "SYNC", runId}`; returns its JSON answer. `wrapDb` wraps
 * its database calls (to repeat or break some).
 */
export async function invokeSyncInProcess(
  runId: number | null,
  opts: {
    clock?: Clock;
    settings?: Partial<SyncSettings>;
    fetch?: typeof fetch;
    wrapDb?: (db: SyncDb) => SyncDb;
  } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const env = testEnv();
  // The pool the function itself opens (no array types fetched, replaced when it drops).
  const sql = connectDatabase(env.functionsDatabaseUrl, { applicationName: "vendor-sync-test" });
  try {
    const clock = opts.clock ??
      { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
    const handler = createVendorSyncHandler({
      db: (opts.wrapDb ?? ((db) => db))(postgresSyncDb(sql)),
      settings: { databaseWebhookSecret: env.alertSecret, ...opts.settings },
      clock,
      fetch: opts.fetch,
      log: () => {},
    });
    const body = JSON.stringify(runId === null ? { type: "SYNC" } : { type: "SYNC", runId });
    const res = await handler(
      new Request("http://vendor-sync.local/", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...await alertWebhookHeaders(body, env.alertSecret, clock.now()),
        },
        body,
      }),
    );
    return { status: res.status, body: await res.json() };
  } finally {
    await sql.end();
  }
}

/** Differences of a comparison, printable. */
export function differences(comparison: DayComparison[]): string {
  return comparison.filter((c) => c.differences.length > 0).map((c) =>
    `location ${c.locationIndex} ${c.businessDate}: ${
      c.differences.map((f) => `${f} truth ${c.truth[f]} system ${c.system?.[f]}`).join(", ")
    }`
  ).join("\n");
}

/**
 * Queues a manual run of location `index` over the world's span without waking the function
 * (`pipeline.enqueue_sync`, what `request_sync` does before its post): for tests that run the
 * handler themselves.
 */
export async function enqueueRun(world: SyncWorld, index: number): Promise<number> {
  const span = world.span();
  const [row] = await world.sql`
    select pipeline.enqueue_sync(l.id, 'manual', ${span.from}::date, ${span.to}::date,
      pipeline.business_day_start(${span.from}::date, l.time_zone, l.business_day_cutoff_hour),
      now()) as id
    from public.locations as l where l.id = ${world.locationIds[index]}`;
  return Number(row.id);
}

/** The report columns two runs over the same data must agree on. */
export function counters(run: RunRow) {
  const keys = [
    "pages",
    "rows_fetched",
    "rows_new",
    "rows_changed",
    "rows_unchanged",
    "rows_held",
    "rows_invalid",
    "orders_missed",
    "punches_missed",
    "break_edits_missed",
  ];
  return Object.fromEntries(keys.map((k) => [k, Number(run[k])]));
}

/** A run's row. */
export async function runRow(sql: postgres.Sql, id: number): Promise<RunRow> {
  const [row] = await sql<RunRow[]>`select * from public.sync_runs where id = ${id}`;
  return { ...row, id: Number(row.id) };
}
