/**
 * One simulator run as a library call: generate, map the locations, deliver every webhook,
 * then read what the system computed and compare it with the ground truth.
 *
 * ```ts
 * const report = await runSimulation({
 *   seed: 42, locations: 3, days: 1, startDate: "2026-11-20",
 *   duplicateRate: 0.1, reorderRate: 0.1, ...targetFromEnv(),
 * });
 * if (!report.ok) console.log(formatComparison(report.comparison, report.simulation.locations));
 * ```
 *
 * @module
 */
import {
  type AlertRules,
  DEFAULT_ALERT_RULES,
  type ExpectedAlert,
  predictAlerts,
  type SystemStep,
} from "./alerts_model.ts";
import { compareFigures, type DayComparison } from "./compare.ts";
import {
  connect,
  type LocationSettings,
  mapLocations,
  readAlerts,
  readDailyMetrics,
  type SystemAlert,
} from "./db.ts";
import {
  deliverAll,
  type DeliveryResult,
  type DeliveryTarget,
  type DeliveryTotals,
  type SendOptions,
} from "./deliver.ts";
import { generateSimulation, type Simulation, type SimulationOptions } from "./generate.ts";
import { type ProgressSink, silentProgress } from "./progress.ts";
import {
  replay,
  type ReplayClock,
  type ReplayEvent,
  replayTimeline,
  type SyncRunRow,
} from "./replay.ts";
import { clockText } from "./time.ts";

/** Everything a run needs: what to generate, where to send it, where to read results. */
export interface RunOptions extends SimulationOptions, DeliveryTarget {
  /** Postgres URL of the project's database (`DATABASE_URL` / `SUPABASE_DB_URL`). */
  databaseUrl: string;
  /** Retry and pacing policy of the deliveries. */
  send?: Omit<SendOptions, "onDelivered">;
  /** Channels and thresholds per location, by index. */
  settings?: ReadonlyArray<LocationSettings | undefined>;
  /** Progress of the deliveries (default: silent). */
  progress?: ProgressSink;
  /** Called with each settled delivery (after the progress sink). */
  onDelivered?: (result: DeliveryResult, totals: DeliveryTotals) => void;
  /** Called once the locations are mapped, before the first delivery. */
  onMapped?: (locationIds: number[], simulation: Simulation) => void | Promise<void>;
  /** A simulation generated beforehand (the options' generation fields are then ignored). */
  simulation?: Simulation;
  /**
   * Also predict the alerts and compare them with `public.alerts`. First the run asks for the
   * verdicts on its closed days at once (`pipeline.judge_closed_days(0, <location>)`, what
   * pg_cron does once they have been still for 10 minutes). Without a replay clock, a run whose
   * open punches count on a live day cannot be predicted (see alerts_model.ts).
   */
  checkAlerts?: boolean;
  /**
   * Replay on the database's own clock (sim/replay.ts): one event at a time at its replayed
   * instant, the open-day job every 5 replayed minutes. Only on a database this process
   * created; without it the locations' streams are sent in parallel on the real clock.
   */
  replayClock?: ReplayClock;
  /** Marks reported to {@link onReplayEvent} at their instants (with a replay clock). */
  replayMarks?: ReadonlyArray<{ at: number; label: string }>;
  /**
   * The hourly vendor sync at these replayed instants (with a replay clock), of the locations
   * (by index) connected to the vendors' APIs; `onMapped` connects them.
   */
  vendorSyncs?: ReadonlyArray<{ at: number; locationIndexes: readonly number[] }>;
  /** Called after each replayed event (with a replay clock); the replay waits for it. */
  onReplayEvent?: (
    event: ReplayEvent,
    result: DeliveryResult | null,
    syncRuns?: SyncRunRow[],
  ) => void | Promise<void>;
  /**
   * Without a replay clock: the database's figures' clock (epoch ms) when the caller holds it
   * still for the whole run (the replay clock set once, to that instant): the clock of every
   * predicted step and verdict, exact. Default: the real time each delivery was accepted at.
   */
  databaseClock?: number;
}

/** Expected alerts next to the ones the system raised. */
export interface AlertCheck {
  expected: ExpectedAlert[];
  actual: SystemAlert[];
  /** One line per difference; empty when they agree. */
  differences: string[];
}

/** What a run found. */
export interface RunReport {
  simulation: Simulation;
  /** `public.locations.id` per location index. */
  locationIds: number[];
  totals: DeliveryTotals;
  /** Deliveries that were not accepted (rejected or given up). */
  undelivered: DeliveryResult[];
  comparison: DayComparison[];
  /** Present when {@link RunOptions.checkAlerts} was set. */
  alerts?: AlertCheck;
  /** True when every delivery was accepted, every figure matches (and the alerts, if checked). */
  ok: boolean;
  /** Milliseconds spent delivering. */
  deliveryMs: number;
}

/** The delivery target and database from the environment (what the harness and CLI set). */
export function targetFromEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): DeliveryTarget & {
  databaseUrl: string;
} {
  const need = (name: string, value: string | undefined) => {
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  return {
    supabaseUrl: need("SUPABASE_URL", env.SUPABASE_URL),
    anonKey: need("SUPABASE_ANON_KEY", env.SUPABASE_ANON_KEY),
    toastWebhookSecret: need("TOAST_WEBHOOK_SECRET", env.TOAST_WEBHOOK_SECRET),
    sevenShiftsGrantGuid: need("SEVENSHIFTS_GRANT_GUID", env.SEVENSHIFTS_GRANT_GUID),
    databaseUrl: need("DATABASE_URL or SUPABASE_DB_URL", env.DATABASE_URL ?? env.SUPABASE_DB_URL),
  };
}

/** Generates (unless given), maps, delivers and compares. */
export async function runSimulation(opts: RunOptions): Promise<RunReport> {
  const simulation = opts.simulation ?? generateSimulation(opts);
  const sql = connect(opts.databaseUrl);
  try {
    const locationIds = await mapLocations(sql, simulation.locations, opts.settings);
    await opts.onMapped?.(locationIds, simulation);
    const progress = opts.progress ?? silentProgress;
    const started = Date.now();
    const send = {
      ...opts.send,
      onDelivered: (r: DeliveryResult, t: DeliveryTotals) => {
        const loc = simulation.locations[r.delivery.locationIndex];
        progress.update(t, `${loc.name} ${clockText(r.delivery.at, loc.timeZone)}`);
        opts.onDelivered?.(r, t);
      },
    };
    let results: DeliveryResult[];
    let totals: DeliveryTotals;
    let steps: SystemStep[];
    let clock: () => number = Date.now;
    if (opts.replayClock) {
      const replayed = await replay(
        replayTimeline(simulation.deliveries, opts.replayMarks, opts.vendorSyncs),
        opts,
        opts.replayClock,
        sql,
        { ...send, onEvent: opts.onReplayEvent },
      );
      ({ results, totals, steps } = replayed);
      clock = () => replayed.clock;
    } else {
      ({ results, totals } = await deliverAll(simulation.deliveries, opts, send));
      // The database's clock held still, or the real time each was accepted: near enough to
      // tell which business day was live.
      const held = opts.databaseClock;
      if (held !== undefined) clock = () => held;
      steps = results.filter((r) => r.status === "accepted")
        .map((r) => ({ kind: "delivery", delivery: r.delivery, clock: held ?? r.settledAt }));
    }
    progress.done(totals);
    const deliveryMs = Date.now() - started;
    const system = await readDailyMetrics(sql, locationIds);
    const indexById = new Map(locationIds.map((id, i) => [id, i]));
    const comparison = compareFigures(
      simulation.truth,
      system.map((r) => ({ ...r, locationIndex: indexById.get(r.locationId) ?? -1 })),
    );
    const undelivered = results.filter((r) => r.status !== "accepted");
    let alerts: AlertCheck | undefined;
    if (opts.checkAlerts) {
      const rules: AlertRules[] = simulation.locations.map((l) => ({
        ...DEFAULT_ALERT_RULES,
        laborTargetBp: l.laborTargetBp,
        alertMinNetSalesCents: opts.settings?.[l.index]?.alertMinNetSalesCents ??
          DEFAULT_ALERT_RULES.alertMinNetSalesCents,
      }));
      const judgedAt = clock();
      for (const id of locationIds) await sql`select pipeline.judge_closed_days(0, ${id})`;
      steps.push({ kind: "judgeClosedDays", clock: judgedAt });
      const expected = predictAlerts(simulation, steps, rules, {
        exactClock: opts.replayClock !== undefined || opts.databaseClock !== undefined,
      });
      const actual = await readAlerts(sql, locationIds);
      alerts = { expected, actual, differences: compareAlerts(expected, actual, locationIds) };
    }
    return {
      simulation,
      locationIds,
      totals,
      undelivered,
      comparison,
      alerts,
      ok: undelivered.length === 0 && comparison.every((c) => c.differences.length === 0) &&
        (alerts === undefined || alerts.differences.length === 0),
      deliveryMs,
    };
  } finally {
    await sql.end();
  }
}

/**
 * Compares expected and raised alerts per location and business day, in order: kind, the
 * state it left, and the labor % and net sales at that moment.
 */
export function compareAlerts(
  expected: readonly ExpectedAlert[],
  actual: readonly SystemAlert[],
  locationIds: readonly number[],
): string[] {
  const group = <T>(items: readonly T[], key: (t: T) => string) => {
    const m = new Map<string, T[]>();
    for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
    return m;
  };
  const exp = group(expected, (a) => `${locationIds[a.locationIndex]}|${a.businessDate}`);
  const act = group(actual, (a) => `${a.locationId}|${a.businessDate}`);
  const describe = (
    a: { kind: string; fromState: string; laborPctBp: number; netSalesCents: number },
  ) => `${a.fromState}→${a.kind} at ${a.laborPctBp} bp, ${a.netSalesCents} ¢`;
  const out: string[] = [];
  for (const key of [...new Set([...exp.keys(), ...act.keys()])].sort()) {
    const e = (exp.get(key) ?? []).map(describe);
    const a = (act.get(key) ?? []).map(describe);
    if (JSON.stringify(e) !== JSON.stringify(a)) {
      out.push(
        `location ${key.replace("|", ", day ")}: expected [${e.join("; ")}], raised [${
          a.join("; ")
        }]`,
      );
    }
  }
  return out;
}
