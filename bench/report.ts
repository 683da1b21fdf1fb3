/**
 * The benchmark report: its JSON shape, the targets judged against it, and the table printed
 * to the terminal. Pure: the runner measures, this only arranges.
 *
 * @module
 */
import type { CpuUsage } from "./cpu.ts";
import type { LoadResult } from "./loadgen.ts";
import type { LatencySummary } from "./stats.ts";

/** Where and on what the run happened. */
export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryTotalMiB: number;
  os: string;
  kernel: string;
  deno: string;
  postgres: string;
  /** 1/5/15-minute load averages when the run started and ended (other work on the box). */
  loadAvgStart: number[];
  loadAvgEnd: number[];
}

/** Ingest throughput of one vendor: HTTP vs direct SQL per concurrency, and at the peak. */
export interface IngestComparison {
  kind: "toast" | "7shifts";
  rows: Array<{
    concurrency: number;
    httpEventsPerSecond: number;
    sqlEventsPerSecond: number;
    ratio: number | null;
    httpLatency: LatencySummary;
    sqlLatency: LatencySummary;
  }>;
  peakHttpEventsPerSecond: number;
  peakSqlEventsPerSecond: number;
  /** Peak HTTP ÷ peak direct SQL. */
  peakRatio: number | null;
}

/** One recompute-scaling scenario: per-event latency of ingests into days of a given size. */
export interface ScalingScenario {
  label: string;
  ordersPerDayBefore: number;
  days: number;
  /** Order rows in the database when measured. */
  ordersInDatabase: number;
  sql: LoadResult;
  http: LoadResult;
  /** `pipeline.recompute_day` called directly on one of these days (ms). */
  recomputeDayMs: LatencySummary;
  /** EXPLAIN ANALYZE of the day's sales aggregate inside the recompute. */
  salesAggregate: {
    plan: string;
    rows: number;
    executionMs: number;
    sharedBuffers: number;
    heapFetches: number;
  };
  /** Recomputes counted in daily_metrics: the target days, and every other day. */
  recomputesOfTargetDays: number;
  recomputesElsewhere: number;
}

/** A target and whether this run met it. */
export interface TargetVerdict {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

/** A row of the memory table. */
export interface MemoryRow {
  name: string;
  pid: number;
  peakMiB: number | null;
  maxSampledRssMiB: number | null;
}

/** The alert measurements. */
export interface AlertFigures {
  latency: {
    crossings: number;
    delivered: number;
    ratePerSecond: number;
    latencyMs: LatencySummary;
    duplicates: number;
  };
  throughput: {
    locations: number;
    delivered: number;
    /** First commit → last message received (s). */
    drainSeconds: number;
    alertsPerSecond: number;
    latencyMs: LatencySummary;
    duplicates: number;
    pgNetReferencePerSecond: number;
  };
}

/** Judges the targets. */
export function judgeTargets(input: {
  ingest: IngestComparison[];
  fixedRate: LoadResult;
  dayRatio: { sql: number | null; http: number | null };
  historyRatio: { sql: number | null; http: number | null };
  alerts: AlertFigures;
  memory: MemoryRow[];
  ingestErrors: number;
}): TargetVerdict[] {
  const fmt = (n: number | null, unit = "") => (n === null ? "n/a" : `${n}${unit}`);
  const within = (r: { sql: number | null; http: number | null }) =>
    r.sql !== null && r.http !== null && r.sql <= 1.3 && r.http <= 1.3;
  const peak = Math.max(...input.memory.map((m) => m.peakMiB ?? Infinity));
  const verdicts: TargetVerdict[] = input.ingest.map((c) => ({
    name: `HTTP ingest ÷ direct SQL (${c.kind}, peak vs peak)`,
    target: "≥ 0.5",
    value: `${fmt(c.peakRatio)} (${c.peakHttpEventsPerSecond} vs ${c.peakSqlEventsPerSecond} ev/s)`,
    met: c.peakRatio !== null && c.peakRatio >= 0.5,
  }));
  verdicts.push(
    {
      name: `p99 ingest latency at ${input.fixedRate.ratePerSecond} events/s (HTTP, mixed)`,
      target: "≤ 50 ms",
      value: `${input.fixedRate.latency.p99} ms (${input.fixedRate.errors} errors)`,
      met: input.fixedRate.latency.p99 <= 50 && input.fixedRate.errors === 0,
    },
    {
      name: "Recompute: 5,000-order day ÷ 10-order day (p50, SQL / HTTP)",
      target: "≤ 1.3",
      value: `${fmt(input.dayRatio.sql)} / ${fmt(input.dayRatio.http)}`,
      met: within(input.dayRatio),
    },
    {
      name: "Recompute: ~1M history rows ÷ none (p50, SQL / HTTP)",
      target: "≤ 1.3",
      value: `${fmt(input.historyRatio.sql)} / ${fmt(input.historyRatio.http)}`,
      met: within(input.historyRatio),
    },
    {
      name: "Alert latency p99 (commit → fake Slack)",
      target: "≤ 250 ms",
      value: `${input.alerts.latency.latencyMs.p99} ms (p50 ${input.alerts.latency.latencyMs.p50})`,
      met: input.alerts.latency.latencyMs.p99 <= 250 &&
        input.alerts.latency.delivered === input.alerts.latency.crossings,
    },
    {
      name: "Alert throughput across locations",
      target: "≥ 200/s",
      value: `${input.alerts.throughput.alertsPerSecond}/s (${input.alerts.throughput.delivered} ` +
        `alerts)`,
      met: input.alerts.throughput.alertsPerSecond >= 200 &&
        input.alerts.throughput.delivered === input.alerts.throughput.locations,
    },
    {
      name: "Function server peak RSS (largest process)",
      target: "≤ 200 MB",
      value: `${Number.isFinite(peak) ? peak : "n/a"} MiB`,
      met: Number.isFinite(peak) && peak * 1.048576 <= 200,
    },
    {
      name: "Ingest errors across every run",
      target: "0",
      value: String(input.ingestErrors),
      met: input.ingestErrors === 0,
    },
  );
  return verdicts;
}

/** Lays rows out as a text table (first column left-aligned, the rest right-aligned). */
export function table(head: string[], rows: Array<Array<string | number | null>>): string {
  const cells = [head, ...rows.map((r) => r.map((v) => (v === null ? "—" : String(v))))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join("  ");
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)]
    .join("\n");
}

/** The ingest table: one row per vendor and concurrency. */
export function ingestTable(ingest: IngestComparison[]): string {
  const rows = ingest.flatMap((c) =>
    c.rows.map((r) => [
      c.kind,
      r.concurrency,
      r.httpEventsPerSecond,
      r.sqlEventsPerSecond,
      r.ratio,
      r.httpLatency.p50,
      r.httpLatency.p95,
      r.httpLatency.p99,
      r.sqlLatency.p50,
      r.sqlLatency.p99,
    ])
  );
  return table(
    [
      "vendor",
      "conc",
      "HTTP ev/s",
      "SQL ev/s",
      "HTTP÷SQL",
      "HTTP p50",
      "p95",
      "p99 ms",
      "SQL p50",
      "p99 ms",
    ],
    rows,
  );
}

/** The recompute-scaling table. */
export function scalingTable(scenarios: ScalingScenario[]): string {
  return table(
    [
      "day (orders before) / database",
      "orders in db",
      "SQL p50",
      "SQL mean",
      "HTTP p50",
      "HTTP mean",
      "recompute_day p50",
      "sales agg ms",
      "buffers",
    ],
    scenarios.map((s) => [
      s.label,
      s.ordersInDatabase,
      s.sql.latency.p50,
      s.sql.latency.mean,
      s.http.latency.p50,
      s.http.latency.mean,
      s.recomputeDayMs.p50,
      s.salesAggregate.executionMs,
      s.salesAggregate.sharedBuffers,
    ]),
  );
}

/** The targets table. */
export function targetsTable(verdicts: TargetVerdict[]): string {
  return table(
    ["target", "wanted", "this run", "met"],
    verdicts.map((v) => [v.name, v.target, v.value, v.met ? "yes" : "NO"]),
  );
}

/** CPU milliseconds per successful event, per process group, for some runs. */
export function cpuTable(runs: Array<LoadResult & { cpu: CpuUsage | null }>): string {
  const groups = ["loadgen", "gateway", "toast-webhook", "sevenshifts-webhook", "postgres"];
  const per = (r: LoadResult & { cpu: CpuUsage | null }, ms: number | undefined) =>
    r.cpu && r.ok > 0 && ms !== undefined ? Math.round((ms / r.ok) * 1000) / 1000 : null;
  return table(
    ["run", "ev/s", ...groups, "other", "machine busy %"],
    runs.map((r) => [
      r.name,
      r.eventsPerSecond,
      ...groups.map((g) => per(r, r.cpu?.groupMs[g])),
      per(r, r.cpu?.otherMs),
      r.cpu ? Math.round((r.cpu.machineBusyMs / (r.cpu.elapsedMs * r.cpu.cores)) * 100) : null,
    ]),
  );
}
