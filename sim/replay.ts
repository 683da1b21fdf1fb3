/**
 * Replays a simulation on the database's own clock: before each event the replay clock
 * (`pipeline.set_replay_clock`, 20261128000300_metrics.sql) is moved to the event's instant,
 * so open punches accrue to the replayed time, the replayed day is live, and every figure and
 * alert is computed at exactly the instant the plan says ("figures as of" in a message is the
 * replay's time). Events run one at a time, in time order: the deliveries at their send time,
 * and every 5 replayed minutes the open-day job pg_cron runs every 5 minutes
 * (`pipeline.recompute_open_days()`). So a replay is deterministic: the same plan gives the
 * same figures at every instant, whatever the machine's load.
 *
 * Only for a database this process created (the demo's, a test cluster's): the clock is
 * database-wide, and only its owner may set it. `npm run simulate` never replays this way.
 *
 * @module
 */
import type postgres from "postgres";
import type { SystemStep } from "./alerts_model.ts";
import {
  countDelivery,
  type DeliveryResult,
  type DeliveryTarget,
  type DeliveryTotals,
  emptyDeliveryTotals,
  functionsClient,
  type SendOptions,
  sendWithRetries,
} from "./deliver.ts";
import type { Delivery } from "./plan.ts";

/** How often pg_cron runs `pipeline.recompute_open_days()` (the metrics migration). */
export const OPEN_DAYS_JOB_EVERY_MS = 5 * 60_000;

/** Sets the figures' clock of the database under replay. */
export interface ReplayClock {
  set(at: number): Promise<void>;
}

/**
 * The replay clock of a database this process created (`sql` connects as its owner, who
 * alone may set it).
 */
export function databaseReplayClock(sql: postgres.Sql): ReplayClock {
  return {
    async set(at) {
      await sql`select pipeline.set_replay_clock(${new Date(at).toISOString()}::timestamptz)`;
    },
  };
}

/** One event of a replay, at its replayed instant (epoch ms). */
export type ReplayEvent =
  | { kind: "delivery"; at: number; delivery: Delivery }
  | { kind: "openDaysJob"; at: number }
  /**
   * The hourly vendor sync pg_cron runs (`pipeline.schedule_syncs()`), of the locations
   * (by index) that have vendor connections; the replay waits for its runs.
   */
  | { kind: "vendorSync"; at: number; locationIndexes: readonly number[] }
  /** The caller's own mark (an hourly line, a story beat): nothing runs, it is reported. */
  | { kind: "mark"; at: number; label: string };

const ORDER: Record<ReplayEvent["kind"], number> = {
  openDaysJob: 0,
  vendorSync: 1,
  mark: 2,
  delivery: 3,
};

/**
 * The timeline of a plan: its deliveries at their send time, the open-day job at every whole
 * 5 minutes from the first delivery to the last, and `marks`. At one instant the job runs
 * first, then the marks (which thus see its figures), then the deliveries, in plan order.
 */
export function replayTimeline(
  deliveries: readonly Delivery[],
  marks: ReadonlyArray<{ at: number; label: string }> = [],
  syncs: ReadonlyArray<{ at: number; locationIndexes: readonly number[] }> = [],
): ReplayEvent[] {
  const sends = deliveries.map((d) => d.sendAt);
  const first = Math.min(...sends);
  const last = Math.max(...sends);
  const events: ReplayEvent[] = deliveries.map((d) => ({
    kind: "delivery",
    at: d.sendAt,
    delivery: d,
  }));
  const firstJob = Math.ceil(first / OPEN_DAYS_JOB_EVERY_MS) * OPEN_DAYS_JOB_EVERY_MS;
  for (let at = firstJob; at <= last; at += OPEN_DAYS_JOB_EVERY_MS) {
    events.push({ kind: "openDaysJob", at });
  }
  events.push(...marks.map((m) => ({ kind: "mark" as const, ...m })));
  events.push(...syncs.map((x) => ({ kind: "vendorSync" as const, ...x })));
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at - b.e.at || ORDER[a.e.kind] - ORDER[b.e.kind] || a.i - b.i)
    .map(({ e }) => e);
}

/** What the system does for a timeline when it accepts every delivery (a prediction). */
export function plannedSteps(events: readonly ReplayEvent[]): SystemStep[] {
  return events.flatMap((e): SystemStep[] =>
    e.kind === "delivery"
      ? [{ kind: "delivery", delivery: e.delivery, clock: e.at }]
      : e.kind === "openDaysJob"
      ? [{ kind: "recomputeOpenDays", clock: e.at }]
      : e.kind === "vendorSync"
      ? [{ kind: "vendorSync", clock: e.at, locationIndexes: e.locationIndexes }]
      : []
  );
}

/** How a replay is paced and watched. */
export interface ReplayOptions extends Omit<SendOptions, "speed"> {
  /** Replayed milliseconds per real millisecond; Infinity (default) runs as fast as it can. */
  speed?: number;
  /**
   * Called after each event, in order; the replay waits for it. A vendor sync's runs (rows
   * of `public.sync_runs`) come with it.
   */
  onEvent?: (
    event: ReplayEvent,
    result: DeliveryResult | null,
    syncRuns?: SyncRunRow[],
  ) => void | Promise<void>;
  /**
   * Sends one delivery instead of `supabase.functions.invoke` (default): the functions'
   * handlers in this process (sim/in_process.ts), for history days ingested cheaply.
   */
  sender?: (d: Delivery) => Promise<DeliveryResult>;
}

/** A finished vendor sync run, as the replay reports it. */
export type SyncRunRow = Record<string, unknown> & { id: number; location_id: number };

/**
 * What pg_cron's hourly job does (`pipeline.schedule_syncs()`, on the replay clock), and then
 * waits (up to `timeoutMs`) for the runs it queued to end: vendor-sync takes them through
 * pg_net.
 */
export async function runScheduledSyncs(
  sql: postgres.Sql,
  timeoutMs = 120_000,
): Promise<SyncRunRow[]> {
  const [{ before }] = await sql`select coalesce(max(id), 0)::bigint as before
    from public.sync_runs`;
  await sql`select pipeline.schedule_syncs()`;
  const deadline = Date.now() + timeoutMs;
  let lastSweep = Date.now();
  while (true) {
    const rows = await sql<SyncRunRow[]>`select * from public.sync_runs where id > ${before}
      order by id`;
    if (rows.every((r) => !["pending", "running"].includes(String(r.state)))) {
      return rows.map((r) => ({ ...r, id: Number(r.id), location_id: Number(r.location_id) }));
    }
    if (Date.now() > deadline) throw new Error("the vendor sync did not finish in time");
    // The minute sweep (pg_cron), for a run that waits on a vendor.
    if (Date.now() - lastSweep > 5_000) {
      lastSweep = Date.now();
      await sql`select pipeline.request_sync_sweep()`;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What a replay did: each delivery's result (plan order), the totals, the system's steps. */
export interface ReplayResult {
  results: DeliveryResult[];
  totals: DeliveryTotals;
  steps: SystemStep[];
  /** The replay clock when it ended. */
  clock: number;
}

/**
 * Runs `events` against the project at `target` and its database `sql`, moving `clock` to
 * each event's instant first. A delivery is sent with the vendors' retries
 * (sim/deliver.ts); only an accepted one becomes a step.
 */
export async function replay(
  events: readonly ReplayEvent[],
  target: DeliveryTarget,
  clock: ReplayClock,
  sql: postgres.Sql,
  opts: ReplayOptions = {},
): Promise<ReplayResult> {
  const client = functionsClient(target);
  const deliveries = events.flatMap((e) => (e.kind === "delivery" ? [e.delivery] : []));
  const position = new Map(deliveries.map((d, i) => [d, i]));
  const results: DeliveryResult[] = new Array(deliveries.length);
  const totals = emptyDeliveryTotals(deliveries.length);
  const steps: SystemStep[] = [];
  const speed = opts.speed ?? Infinity;
  const simStart = events.length > 0 ? events[0].at : 0;
  const realStart = Date.now();
  let now = Number.NaN;
  const onRetry = (d: Delivery, attempt: number, reason: string) => {
    totals.retries += 1;
    opts.onRetry?.(d, attempt, reason);
  };
  for (const event of events) {
    if (Number.isFinite(speed)) {
      const due = realStart + (event.at - simStart) / speed;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    if (event.at !== now) {
      now = event.at;
      await clock.set(now);
    }
    let result: DeliveryResult | null = null;
    if (event.kind === "delivery") {
      result = opts.sender
        ? await opts.sender(event.delivery)
        : await sendWithRetries(client, event.delivery, target, { ...opts, onRetry });
      results[position.get(event.delivery) ?? 0] = result;
      countDelivery(totals, result);
      opts.onDelivered?.(result, totals);
      if (result.status === "accepted") {
        steps.push({ kind: "delivery", delivery: event.delivery, clock: now });
      }
    } else if (event.kind === "openDaysJob") {
      await sql`select pipeline.recompute_open_days()`;
      steps.push({ kind: "recomputeOpenDays", clock: now });
    }
    let syncRuns: SyncRunRow[] | undefined;
    if (event.kind === "vendorSync") {
      syncRuns = await runScheduledSyncs(sql);
      steps.push({ kind: "vendorSync", clock: now, locationIndexes: event.locationIndexes });
    }
    await opts.onEvent?.(event, result, syncRuns);
  }
  return { results, totals, steps, clock: now };
}
