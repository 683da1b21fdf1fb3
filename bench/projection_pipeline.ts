/**
 * The pipeline's side of the projection figures (bench/projection.ts): simulated days with
 * their same-weekday history through real ingest on the replay clock (sim/projection_run.ts),
 * the projection read from `public.day_projections` as the day is replayed.
 *
 * @module
 */
import { startVendorFakes } from "../local/vendor_fakes.ts";
import { connect } from "../sim/db.ts";
import type { DeliveryTarget } from "../sim/deliver.ts";
import { generateSimulation } from "../sim/generate.ts";
import { runProjectionDays } from "../sim/projection_run.ts";
import type { WageUnit } from "../sim/render.ts";
import { addDays, localInstant } from "../sim/time.ts";
import {
  ACCURACY_HOURS,
  type AccuracyFigures,
  type DaySample,
  projectionDayOptions,
  sampleOf,
  summarizeAccuracy,
  typicalTargetBp,
} from "./projection.ts";

/** Where the pipeline part runs: the bench's (or the test's) stack. */
export interface PipelineTarget {
  target: DeliveryTarget;
  databaseUrl: string;
  functionsDatabaseUrl: string;
  wageUnit: WageUnit;
}

/**
 * The pipeline's figures on `days` location-days (consecutive dates from `firstDate`, each
 * its own seed, `historyWeeks` same weekdays of history through real ingest): the projection
 * read from `public.day_projections` at 2 PM, 5 PM and 8 PM local while the day is replayed,
 * the alerts from `public.alerts` afterwards. Holds the database's replay clock meanwhile
 * (removed at the end) and leaves the locations' alerts disabled.
 */
export async function pipelineAccuracy(
  stack: PipelineTarget,
  opts: { days: number; firstDate: string; historyWeeks: number; seed: number },
): Promise<{ figures: AccuracyFigures; samples: DaySample[] }> {
  const samples: DaySample[] = [];
  const fakes = startVendorFakes();
  const sql = connect(stack.databaseUrl);
  try {
    for (let i = 0; i < opts.days; i++) {
      const date = addDays(opts.firstDate, i);
      const sim = generateSimulation({
        ...projectionDayOptions(opts.seed + i, date, opts.historyWeeks),
        runId: `bench-projection-${crypto.randomUUID().slice(0, 8)}`,
        wageUnit: stack.wageUnit,
      });
      const loc = sim.locations[0];
      loc.laborTargetBp = typicalTargetBp(sim, date);
      const projected = new Map<number, number | null>();
      const marks = ACCURACY_HOURS.map((h) => ({
        at: localInstant(date, h, loc.timeZone),
        label: `${h}:00`,
      }));
      let locationId = 0;
      const run = await runProjectionDays({
        simulation: sim,
        ...stack,
        fakes,
        // No channel: the alerts are rows to measure, not messages to send.
        settings: [{ alertsEnabled: true }],
        marks,
        onMark: async (mark, db) => {
          const [row] = await db`select projected_labor_pct_bp from public.day_projections
            where location_id = (select id from public.locations
              where toast_restaurant_guid = ${loc.toastRestaurantGuid})
              and business_date = ${date}::date`;
          projected.set(
            mark.at,
            row?.projected_labor_pct_bp == null ? null : Number(row.projected_labor_pct_bp),
          );
        },
      });
      locationId = run.locationIds[0];
      if (run.undelivered.length > 0) {
        throw new Error(`${run.undelivered.length} deliveries not accepted on ${date}`);
      }
      const alerts = await sql`select kind, metrics_as_of from public.alerts
        where location_id = ${locationId} and business_date = ${date}::date order by id`;
      const at = (r: { metrics_as_of: Date }) => r.metrics_as_of.getTime();
      samples.push(sampleOf(
        sim,
        date,
        loc.laborTargetBp,
        (instant) => projected.get(instant) ?? null,
        alerts.filter((a) => a.kind === "projected").map((a) => ({ at: at(a as never) })),
        alerts.filter((a) => ["over", "critical", "recovered"].includes(a.kind)).map((a) => ({
          kind: a.kind,
          at: at(a as never),
        })),
      ));
      await sql`update public.locations set alerts_enabled = false where id = ${locationId}`;
      for (const id of run.connectionIds) await sql`select pipeline.remove_connection(${id})`;
    }
  } finally {
    await sql`select pipeline.set_replay_clock(null)`.catch(() => {});
    await sql.end();
    await fakes.stop();
  }
  return { figures: summarizeAccuracy(samples), samples };
}
