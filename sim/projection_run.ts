/**
 * A simulated day with its same-weekday history, through the real pipeline on the database's
 * replay clock (sim/replay.ts), so that the projection (docs/projection.md) can be checked
 * against the simulator's model (sim/projection_model.ts) and measured (bench/projection.ts):
 *
 * 1. the locations are mapped, each to a 7shifts vendor connection whose API is the fake
 *    7shifts (`local/vendor_fakes.ts`), which serves the simulation's published shifts;
 * 2. each location's schedule is published: a signed `schedule.published` webhook through the
 *    served function, whose pull (the vendor sync) stores the shifts;
 * 3. the history days' webhooks go through the functions' own handlers in this process
 *    (sim/in_process.ts), day by day on the replay clock, with the open-day job every 5
 *    replayed minutes: the pipeline writes their intraday rows itself;
 * 4. the simulated day's webhooks go over HTTP to the served functions, with `marks` reported
 *    at their instants (the caller reads the day's projection there).
 *
 * Only on a database this process created (the replay clock is database-wide).
 *
 * @module
 */
import type postgres from "postgres";
import type { SystemStep } from "./alerts_model.ts";
import { connect, type LocationSettings, mapLocations } from "./db.ts";
import { type DeliveryResult, type DeliveryTarget, sendWithRetries } from "./deliver.ts";
import { functionsClient } from "./deliver.ts";
import type { Simulation } from "./generate.ts";
import { inProcessSender } from "./in_process.ts";
import type { Delivery } from "./plan.ts";
import type { ProjectionWrite } from "./projection_model.ts";
import { renderApiShift, type WageUnit } from "./render.ts";
import { databaseReplayClock, replay, type ReplayEvent, replayTimeline } from "./replay.ts";
import { businessDateAt, localInstant } from "./time.ts";
import type { VendorFakes } from "../local/vendor_fakes.ts";

/** What {@link runProjectionDays} needs. */
export interface ProjectionRunOptions {
  simulation: Simulation;
  target: DeliveryTarget;
  /** The database as its owner (mapping, the replay clock, reads). */
  databaseUrl: string;
  /** The functions' own login (`PIPELINE_DB_URL`), for the in-process handlers. */
  functionsDatabaseUrl: string;
  /** The served function's `SEVENSHIFTS_WAGE_UNIT` (the simulation must render the same). */
  wageUnit: WageUnit;
  /** Fake vendor APIs this process runs (their 7shifts serves the schedule). */
  fakes: VendorFakes;
  settings?: ReadonlyArray<LocationSettings | undefined>;
  /** Called once the locations are mapped (their ids by index), before anything is sent. */
  onMapped?: (locationIds: number[], sql: postgres.Sql) => Promise<void>;
  /** Instants of the simulated day reported to {@link onMark}. */
  marks?: ReadonlyArray<{ at: number; label: string }>;
  /** Called at each mark (the replay clock at its instant); the replay waits for it. */
  onMark?: (mark: { at: number; label: string }, sql: postgres.Sql) => Promise<void>;
  /**
   * Called as each stage ends, before the next begins: `schedules` once the pulls have stored
   * every shift, `history` once the same-weekday days are ingested (before the simulated day's
   * first webhook). The run waits for it.
   */
  onStage?: (stage: "schedules" | "history", sql: postgres.Sql) => Promise<void>;
}

/** What a run did. */
export interface ProjectionRunResult {
  locationIds: number[];
  /** The system's steps in order (history and the day), for the models. */
  steps: SystemStep[];
  /** Deliveries not accepted (none in a good run). */
  undelivered: DeliveryResult[];
  /** The instant the schedules were stored by (epoch ms, the replay clock). */
  schedulesStoredAt: number;
  /** Vendor connections made (remove them with `pipeline.remove_connection`). */
  connectionIds: number[];
}

/** Waits until the locations' schedule pulls have ended (up to `timeoutMs`). */
async function waitForSchedulePulls(sql: postgres.Sql, locationIds: number[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let lastSweep = Date.now();
  while (true) {
    const rows = await sql`select id, state, error from public.sync_runs
      where location_id = any(${locationIds}) and kind = 'schedule'`;
    if (
      rows.length >= locationIds.length &&
      rows.every((r) => !["pending", "running"].includes(r.state))
    ) {
      const bad = rows.filter((r) => r.state !== "succeeded");
      if (bad.length > 0) throw new Error(`schedule pulls failed: ${JSON.stringify(bad)}`);
      return;
    }
    if (Date.now() > deadline) throw new Error("the schedule pulls did not finish in time");
    if (Date.now() - lastSweep > 5_000) {
      lastSweep = Date.now();
      await sql`select pipeline.request_sync_sweep()`;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The signed `schedule.published` delivery of a location's whole run. */
function schedulePublished(sim: Simulation, locationIndex: number): Delivery {
  const loc = sim.locations[locationIndex];
  const first = sim.dates[0];
  const last = sim.dates[sim.dates.length - 1];
  const start = localInstant(first, 0, loc.timeZone);
  const end = localInstant(last, 48, loc.timeZone);
  const body = JSON.stringify({
    company_id: loc.sevenShiftsCompanyId,
    location_id: loc.sevenShiftsLocationId,
    department_ids: [1, 2, 3],
    start: new Date(start).toISOString().replace(/\.\d{3}Z$/, "+00:00"),
    end: new Date(end).toISOString().replace(/\.\d{3}Z$/, "+00:00"),
  });
  return {
    seq: -1,
    locationIndex,
    vendor: "7shifts",
    topic: "schedule.published",
    at: start,
    sendAt: start,
    rawBody: body,
    envelopeTimestamp: null,
    restaurantGuid: null,
    companyId: loc.sevenShiftsCompanyId,
    entity: `schedule:${loc.sevenShiftsLocationId}`,
    versionIndex: 0,
    versionCount: 1,
    duplicate: false,
    displaced: false,
    change: "schedule published",
  };
}

/** Runs the history and the simulated day (see the module doc). */
export async function runProjectionDays(opts: ProjectionRunOptions): Promise<ProjectionRunResult> {
  const sim = opts.simulation;
  const sql = connect(opts.databaseUrl);
  const clock = databaseReplayClock(sql);
  const grants: Record<number, string> = { ...opts.target.sevenShiftsGrantGuids };
  const target: DeliveryTarget = { ...opts.target, sevenShiftsGrantGuids: grants };
  // Signs with `grants` as the connections below fill it in.
  const inProcess = inProcessSender(target, opts.functionsDatabaseUrl, opts.wageUnit);
  const connectionIds: number[] = [];
  try {
    const locationIds = await mapLocations(sql, sim.locations, opts.settings);
    await opts.onMapped?.(locationIds, sql);
    // 1. Each location's company reaches the fake 7shifts through a vendor connection.
    for (const loc of sim.locations) {
      const grant = crypto.randomUUID();
      const token = `sim-${crypto.randomUUID()}`;
      grants[loc.sevenShiftsCompanyId] = grant;
      opts.fakes.addSevenShiftsCompany({ companyId: loc.sevenShiftsCompanyId, accessToken: token });
      opts.fakes.setShifts(
        loc.sevenShiftsCompanyId,
        sim.schedule.filter((s) => s.locationIndex === loc.index).map((s) =>
          renderApiShift(s, loc)
        ),
      );
      const [{ id }] = await sql`select pipeline.add_sevenshifts_connection(${loc.name},
        ${loc.sevenShiftsCompanyId}, ${grant}, ${token},
        api_base_url => ${opts.fakes.sevenShiftsBaseUrl}) as id`;
      connectionIds.push(Number(id));
    }
    // 2. Published before the first day starts; the pulls store every shift.
    const firstAt = Math.min(...sim.deliveries.map((d) => d.sendAt));
    const schedulesStoredAt = firstAt - 3_600_000;
    await clock.set(schedulesStoredAt);
    const client = functionsClient(target);
    const undelivered: DeliveryResult[] = [];
    for (const loc of sim.locations) {
      const r = await sendWithRetries(client, schedulePublished(sim, loc.index), target);
      if (r.status !== "accepted") undelivered.push(r);
    }
    await waitForSchedulePulls(sql, locationIds);
    const [{ n }] = await sql`select count(*)::int as n from public.scheduled_shifts
      where location_id = any(${locationIds})`;
    if (n !== sim.schedule.length) {
      throw new Error(`the pulls stored ${n} shifts of ${sim.schedule.length}`);
    }
    await opts.onStage?.("schedules", sql);

    // 3. History, day by day (the open-day job only within each day's own span).
    const first = sim.targetDates[0];
    const loc0 = sim.locations[0];
    const dayStart = localInstant(first, loc0.cutoffHour, loc0.timeZone);
    const history = sim.deliveries.filter((d) => d.sendAt < dayStart);
    const day = sim.deliveries.filter((d) => d.sendAt >= dayStart);
    const chunks = new Map<string, Delivery[]>();
    for (const d of history) {
      const date = businessDateAt(d.sendAt, loc0.timeZone, loc0.cutoffHour);
      chunks.set(date, [...(chunks.get(date) ?? []), d]);
    }
    const steps: SystemStep[] = [];
    for (const chunk of [...chunks.keys()].sort().map((k) => chunks.get(k)!)) {
      const done = await replay(replayTimeline(chunk), target, clock, sql, {
        sender: inProcess.send,
      });
      steps.push(...done.steps);
      undelivered.push(...done.results.filter((r) => r.status !== "accepted"));
    }
    await opts.onStage?.("history", sql);

    // 4. The simulated day, over HTTP, with the marks.
    const marks = opts.marks ?? [];
    const done = await replay(replayTimeline(day, marks), target, clock, sql, {
      onEvent: async (e: ReplayEvent) => {
        if (e.kind === "mark") await opts.onMark?.(e, sql);
      },
    });
    steps.push(...done.steps);
    undelivered.push(...done.results.filter((r) => r.status !== "accepted"));
    return { locationIds, steps, undelivered, schedulesStoredAt, connectionIds };
  } finally {
    await inProcess.close();
    await sql.end();
  }
}

/** A `public.day_projections` row as plain values: instants as ISO text, figures as numbers. */
export type ProjectionRow = Record<string, string | number | null>;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A model's write as {@link readDayProjection} reads the row it should have left: the
 * projection, every input it came from, and the clock and slot of the write.
 */
export function projectionRowOf(w: ProjectionWrite): ProjectionRow {
  const p = w.projection;
  const ok = p.status === "ok";
  return {
    status: p.status,
    as_of: iso(w.clock),
    slot: w.slot,
    candidate_count: p.candidates,
    typical_share_bp: p.typicalShareBp,
    lowest_share_bp: p.lowestShareBp,
    typical_final_sales_cents: p.typicalFinalCents,
    net_sales_cents: p.salesSoFarCents,
    labor_cost_cents: p.laborCostSoFarCents,
    remaining_seconds: ok ? p.remainingSeconds : null,
    remaining_cost_cents: ok ? p.remainingCostCents : null,
    remaining_overtime_premium_cents: ok ? p.remainingOvertimePremiumCents : null,
    projected_net_sales_cents: p.projectedNetSalesCents,
    projected_labor_cost_cents: ok ? p.projectedLaborCostCents : null,
    projected_labor_pct_bp: p.projectedLaborPctBp,
    best_case_net_sales_cents: p.bestCaseNetSalesCents,
    best_case_labor_pct_bp: p.bestCaseLaborPctBp,
  };
}

/** A location-day's `public.day_projections` row now (null when there is none). */
export async function readDayProjection(
  sql: postgres.Sql,
  locationId: number,
  businessDate: string,
): Promise<ProjectionRow | null> {
  const [row] = await sql`select status, as_of, slot, candidate_count, typical_share_bp,
      lowest_share_bp, typical_final_sales_cents, net_sales_cents, labor_cost_cents,
      remaining_seconds, remaining_cost_cents, remaining_overtime_premium_cents,
      projected_net_sales_cents, projected_labor_cost_cents, projected_labor_pct_bp,
      best_case_net_sales_cents, best_case_labor_pct_bp
    from public.day_projections
    where location_id = ${locationId} and business_date = ${businessDate}::date`;
  if (!row) return null;
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      v instanceof Date
        ? v.toISOString()
        : v === null || v === undefined
        ? null
        : k === "status"
        ? String(v)
        : Number(v),
    ]),
  );
}

/** The model's last write of a location-day at or before `at`: what a read at `at` sees. */
export function lastWriteBy(
  writes: readonly ProjectionWrite[],
  locationIndex: number,
  businessDate: string,
  at: number,
): ProjectionWrite | undefined {
  return writes.filter((w) =>
    w.locationIndex === locationIndex && w.businessDate === businessDate && w.clock <= at
  ).at(-1);
}
