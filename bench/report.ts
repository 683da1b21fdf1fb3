/**
 * The benchmark report: its JSON shape, the targets judged against it, and its tables, laid
 * out for the terminal or as Markdown for bench/README.md. Pure: the runner measures, this
 * only arranges.
 *
 * @module
 */
import type { BackfillFigures } from "./backfill.ts";
import type { OvertimeEditFigures } from "./overtime.ts";
import { type ProjectionBenchFigures, projectionSection, sweepSection } from "./projection.ts";
import type { CpuUsage } from "./cpu.ts";
import type { HistoryStats } from "./setup.ts";
import type { LoadResult } from "./loadgen.ts";
import { type LatencySummary, median, round } from "./stats.ts";
import { type LatencyParts, PART_NAMES, type TailBreakdown } from "./tail.ts";
import { describeHostStalls, type HostStalls, P99_TARGET_MS } from "./host_stalls.ts";

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
  sql: Measured;
  http: Measured;
  /** `pipeline.write_daily_metrics` (the commit-time recompute of a day) on one of these days (ms). */
  dayWriteMs: LatencySummary;
  /** EXPLAIN ANALYZE of the day's sales read inside that recompute. */
  salesRead: {
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

/** One run's value for a target, and whether that run met it. */
export interface TargetValue {
  key: string;
  name: string;
  /** What is wanted, as text (`≥ 0.5`, `≤ 50 ms`). */
  wanted: string;
  /** Which way is better: the worst run is the lowest (`higher`) or the highest (`lower`). */
  better: "higher" | "lower";
  /** The figure judged; null when it could not be measured. */
  value: number | null;
  /** The figure with what it comes from, for the tables. */
  detail: string;
  met: boolean;
}

/** A target over every run: each run's value, the median and the worst run. */
export interface TargetSummary {
  key: string;
  name: string;
  wanted: string;
  better: "higher" | "lower";
  /** Each run's value, in run order. */
  values: Array<number | null>;
  details: string[];
  metByRun: boolean[];
  median: number | null;
  /** The worst run's value (lowest for `higher`, highest for `lower`; null if one is missing). */
  worst: number | null;
  /** Met only when every run met it: the worst run decides. */
  met: boolean;
}

/** A load run with the CPU each process spent during its measured part. */
export type Measured = LoadResult & {
  cpu: CpuUsage | null;
  /** VmRSS of each function server process right after the run (MiB). */
  rssAfterMiB?: Record<string, number | null>;
};

/** A row of the memory table. */
export interface MemoryRow {
  name: string;
  pid: number;
  peakMiB: number | null;
  maxSampledRssMiB: number | null;
}

/** How busy the machine was during a measurement, and the part that was not ours (%). */
export interface MachineShare {
  busyPct: number;
  restOfMachinePct: number;
}

/** The alert measurements. */
export interface AlertFigures {
  latency: {
    crossings: number;
    delivered: number;
    ratePerSecond: number;
    latencyMs: LatencySummary;
    duplicates: number;
    machine: MachineShare;
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
    machine: MachineShare;
    /** CPU ms per delivered alert by process group during the burst. */
    cpuMsPerAlert?: Record<string, number>;
    /** Postgres functions by self time during the burst (`track_functions = all` meanwhile). */
    postgresFunctions?: Array<{ name: string; calls: number; selfMs: number }>;
  };
}

/** Day-size or history ratios of one run (p50 ÷ p50). */
export interface Ratios {
  sql: number | null;
  http: number | null;
}

/** Judges one run against the issue's targets. */
export function judgeRun(run: RunFigures, historyOrders: number): TargetValue[] {
  const fmt = (n: number | null, unit = "") => (n === null ? "n/a" : `${n}${unit}`);
  const atMost = (limit: number) => (v: number | null) => v !== null && v <= limit;
  const ratioTargets = (key: string, label: string, r: Ratios): TargetValue[] =>
    (["sql", "http"] as const).map((side) => ({
      key: `${key}-${side}`,
      name: `Recompute: ${label} (p50, ${side === "sql" ? "SQL" : "HTTP"})`,
      wanted: "≤ 1.3",
      better: "lower",
      value: r[side],
      detail: fmt(r[side]),
      met: atMost(1.3)(r[side]),
    }));
  const { fixedRate } = run.ingest;
  const { latency, throughput } = run.alerts;
  const peak = Math.max(...run.memory.map((m) => m.peakMiB ?? -Infinity));
  const peakMiB = Number.isFinite(peak) ? peak : null;
  return [
    ...run.ingest.comparisons.map((c): TargetValue => ({
      key: `ingest-ratio-${c.kind}`,
      name: `HTTP ingest ÷ direct SQL (${c.kind}, peak vs peak)`,
      wanted: "≥ 0.5",
      better: "higher",
      value: c.peakRatio,
      detail: `${
        fmt(c.peakRatio)
      } (${c.peakHttpEventsPerSecond} vs ${c.peakSqlEventsPerSecond} ev/s)`,
      met: c.peakRatio !== null && c.peakRatio >= 0.5,
    })),
    {
      key: "fixed-rate-p99",
      name: `p99 ingest latency at ${fixedRate.ratePerSecond} events/s (HTTP, mixed)`,
      wanted: `≤ ${P99_TARGET_MS} ms`,
      better: "lower",
      value: fixedRate.latency.p99,
      detail:
        `${fixedRate.latency.p99} ms (p50 ${fixedRate.latency.p50}, ${fixedRate.errors} errors)`,
      met: fixedRate.latency.p99 <= P99_TARGET_MS && fixedRate.errors === 0 &&
        fixedRate.sent === fixedRate.ok,
    },
    ...ratioTargets("day-ratio", "5,000-order day ÷ 10-order day", run.recompute.dayRatio),
    ...ratioTargets(
      "history-ratio",
      `${historyOrders.toLocaleString("en-US")} history rows ÷ none`,
      run.recompute.historyRatio,
    ),
    {
      key: "alert-latency-p99",
      name: "Alert latency p99 (commit → fake Slack)",
      wanted: "≤ 250 ms",
      better: "lower",
      value: latency.latencyMs.p99,
      detail: `${latency.latencyMs.p99} ms (p50 ${latency.latencyMs.p50}, ${latency.delivered}/` +
        `${latency.crossings} delivered, ${latency.duplicates} duplicates)`,
      met: latency.latencyMs.p99 <= 250 && latency.delivered === latency.crossings &&
        latency.duplicates === 0,
    },
    {
      key: "alert-throughput",
      name: `Alert throughput, ${throughput.locations} locations in one transaction`,
      wanted: "≥ 200/s",
      better: "higher",
      value: throughput.alertsPerSecond,
      detail: `${throughput.alertsPerSecond}/s (p99 ${throughput.latencyMs.p99} ms, ` +
        `${throughput.delivered}/${throughput.locations} delivered, ${throughput.duplicates} ` +
        "duplicates)",
      met: throughput.alertsPerSecond >= 200 && throughput.delivered === throughput.locations &&
        throughput.duplicates === 0,
    },
    {
      key: "peak-rss",
      name: "Function server peak RSS (largest process)",
      wanted: "≤ 200 MB",
      better: "lower",
      value: peakMiB,
      detail: `${fmt(peakMiB)} MiB`,
      met: peakMiB !== null && peakMiB * 1.048576 <= 200,
    },
    ...(run.backfill ? backfillTargets(run.backfill) : []),
    ...(run.overtime ? [overtimeTarget(run.overtime)] : []),
    {
      key: "ingest-errors",
      name: "Ingest errors across every measurement",
      wanted: "0",
      better: "lower",
      value: run.ingestErrors,
      detail: String(run.ingestErrors),
      met: run.ingestErrors === 0,
    },
  ];
}

/** Issue 18: the recompute follows the days whose overtime moves, not the week's size. */
function overtimeTarget(o: OvertimeEditFigures): TargetValue {
  return {
    key: "overtime-edit",
    name: "Overtime: an edit early in a 60-hour week ÷ an edit that moves no crossing " +
      `(${o.employees} employees, p50)`,
    wanted: "≤ 1.5",
    better: "lower",
    value: o.ratio,
    detail: `${o.ratio ?? "n/a"} (${o.movesOvertime.p50} vs ${o.noOvertime.p50} ms; days ` +
      `recomputed ${o.daysPerEdit.movesOvertime} vs ${o.daysPerEdit.noOvertime})`,
    met: o.ratio !== null && o.ratio <= 1.5,
  };
}

/** The vendor sync's targets (issue 17): backfill speed, and Toast's allowance kept. */
function backfillTargets(b: BackfillFigures): TargetValue[] {
  return [
    {
      key: "backfill-ratio",
      name: `Backfill through the vendor sync ÷ direct SQL ingest (${b.days} days, rows/s)`,
      wanted: "≥ 0.5",
      better: "higher",
      value: b.ratio,
      detail: `${b.ratio ?? "n/a"} (${b.sync.rowsPerSecond} vs ${b.direct.rowsPerSecond} rows/s)`,
      met: b.ratio !== null && b.ratio >= 0.5 && b.sync.state === "succeeded",
    },
    {
      key: "toast-rate",
      name: "Toast ordersBulk requests per second used (peak in any second), allowance 5/s " +
        "per restaurant",
      wanted: "≤ 5",
      better: "lower",
      value: b.toast.peakPerSecond,
      detail: `${b.toast.peakPerSecond}; ${b.toast.averagePerSecond} on average; all requests ` +
        `peak ${b.toast.allPeakPerSecond} of ${b.toast.globalAllowancePerSecond}/s ` +
        `(${b.violations.length} limit violations)`,
      met: b.toast.peakPerSecond <= b.toast.allowancePerSecond &&
        b.toast.allPeakPerSecond <= b.toast.globalAllowancePerSecond &&
        b.violations.length === 0,
    },
  ];
}

/**
 * Each target over every run (`perRun[r]` is run r's {@link judgeRun}): its values, median and
 * worst run. A target is met only when every run met it.
 */
export function summarizeTargets(perRun: TargetValue[][]): TargetSummary[] {
  const keys = [...new Set(perRun.flatMap((r) => r.map((t) => t.key)))];
  return keys.map((key) => {
    const rows = perRun.map((r) => r.find((t) => t.key === key));
    const first = rows.find((t) => t !== undefined)!;
    const values = rows.map((t) => t?.value ?? null);
    const present = values.filter((v): v is number => v !== null);
    const worst = present.length < values.length || present.length === 0
      ? null
      : first.better === "higher"
      ? Math.min(...present)
      : Math.max(...present);
    const metByRun = rows.map((t) => t?.met ?? false);
    return {
      key,
      name: first.name,
      wanted: first.wanted,
      better: first.better,
      values,
      details: rows.map((t) => t?.detail ?? "not measured"),
      metByRun,
      median: median(values) === null ? null : round(median(values)!, 3),
      worst,
      met: metByRun.length > 0 && metByRun.every(Boolean),
    };
  });
}

/** One run of every measured target. */
export interface RunFigures {
  /** 1, 2, … in the order run. */
  run: number;
  startedAt: string;
  durationSeconds: number;
  /** The whole machine over the run (its measurements and their set-up). */
  machine: MachineShare;
  ingest: { comparisons: IngestComparison[]; fixedRate: Measured; runs: Measured[] };
  recompute: { dayRatio: Ratios; historyRatio: Ratios; scenarios: ScalingScenario[] };
  alerts: AlertFigures;
  /** Peak RSS of each function server process during this run's ingest load. */
  memory: MemoryRow[];
  /** Ingest errors in every measurement of this run. */
  ingestErrors: number;
  /** Where the fixed-rate run's slow requests spent their time. */
  tail: TailBreakdown | null;
  /** The machine's own stalls during the fixed-rate run (absent from runs made before). */
  hostStalls?: Omit<HostStalls, "episodes">;
  /** Backfill through the vendor sync vs direct SQL (absent from runs made before it existed). */
  backfill?: BackfillFigures;
  /** An edit that moves the overtime crossing vs one that moves none (issue 18). */
  overtime?: OvertimeEditFigures;
  targets: TargetValue[];
}

/** Everything a benchmark measured: what bench/results/*.json holds. */
export interface BenchReport {
  schema: 2;
  mode: "quick" | "full";
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  git: { commit: string; subject: string; uncommittedFiles: string[] };
  machine: MachineInfo;
  profile: Record<string, unknown> & {
    ingestConcurrencies: number[];
    fixedRate: number;
    runs: number;
  };
  businessDate: string;
  tables: Record<string, number>;
  /** Each target over every run: the worst run decides. */
  targets: TargetSummary[];
  runs: RunFigures[];
  history: HistoryStats;
  /** The projected close's accuracy (issue 19). */
  projection?: ProjectionBenchFigures;
}

/** One table of the report. */
export interface Section {
  title: string;
  head: string[];
  rows: Array<Array<string | number | null>>;
  /** A line under the table. */
  note?: string;
}

const cell = (v: string | number | null) => (v === null ? "—" : String(v));

/** Lays rows out as a text table (first column left-aligned, the rest right-aligned). */
export function table(head: string[], rows: Array<Array<string | number | null>>): string {
  const cells = [head, ...rows.map((r) => r.map(cell))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join("  ");
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)]
    .join("\n");
}

/** The same rows as a Markdown table (first column left-aligned, the rest right-aligned). */
export function markdownTable(head: string[], rows: Array<Array<string | number | null>>): string {
  const esc = (v: string) => v.replaceAll("|", "\\|");
  return [
    `| ${head.map(esc).join(" | ")} |`,
    `| ${head.map((_, c) => (c === 0 ? ":--" : "--:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.map((v) => esc(cell(v))).join(" | ")} |`),
  ].join("\n");
}

/** CPU milliseconds per successful event of a run, for one process group. */
function cpuPerEvent(r: Measured, ms: number | undefined): number | null {
  return r.cpu && r.ok > 0 && ms !== undefined ? Math.round((ms / r.ok) * 1000) / 1000 : null;
}

/**
 * The run whose 200 events/s p99 is the median of the runs (the lower middle one for an even
 * count): the run whose detailed tables the report shows.
 */
export function medianRun(report: BenchReport): RunFigures {
  const byP99 = [...report.runs].sort((a, b) =>
    a.ingest.fixedRate.latency.p99 - b.ingest.fixedRate.latency.p99
  );
  return byP99[Math.floor((byP99.length - 1) / 2)];
}

const share = (m: MachineShare | undefined) => m ? `${m.busyPct} (${m.restOfMachinePct})` : null;

/** The tables over every run: targets, the machine during each run, the tail, the alerts. */
function overviewSections(report: BenchReport): Section[] {
  const runs = report.runs;
  const runHeads = runs.map((r) => `run ${r.run}`);
  const parts = Object.keys(PART_NAMES) as Array<keyof LatencyParts>;
  return [
    {
      title: `Targets over ${runs.length} run${runs.length === 1 ? "" : "s"} (met only when the ` +
        "worst run meets it)",
      head: ["target", "wanted", ...runHeads, "median", "worst", "met"],
      rows: report.targets.map((t) => [
        t.name,
        t.wanted,
        ...t.values.map((v, i) => (t.metByRun[i] ? cell(v) : `**${cell(v)}**`)),
        t.median,
        t.worst,
        t.met ? "yes" : "**NO**",
      ]),
      note: "A bold run value missed the target (for the alert and ingest targets, also when an " +
        "event was lost, duplicated or failed). Each run's figures with their details are in " +
        "the JSON (`runs[].targets`).",
    },
    {
      title: "The machine during each run: busy % of both cores (in brackets: not ours)",
      head: [
        "run",
        "started (UTC)",
        "seconds",
        "whole run",
        "200 events/s run",
        "alert burst",
        "slow requests' parts: see below",
      ],
      rows: runs.map((r) => [
        r.run,
        r.startedAt.slice(11, 19),
        r.durationSeconds,
        share(r.machine),
        r.ingest.fixedRate.cpu ? share(cpuShare([r.ingest.fixedRate.cpu])) : null,
        share(r.alerts.throughput.machine),
        r.tail ? `p99 ${r.tail.p99Ms} ms` : null,
      ]),
    },
    {
      title: `Where the time of the ${report.profile.fixedRate} events/s run goes: mean ms ` +
        "per request by latency band (Server-Timing of the function and the gateway)",
      head: ["run", "band", "requests", "latency", ...parts.map((k) => PART_NAMES[k])],
      rows: runs.flatMap((r) =>
        (r.tail?.bands ?? []).filter((b) => b.band !== "all requests").map((b) => [
          r.run,
          b.band,
          b.requests,
          b.totalMs,
          ...parts.map((k) => b.parts[k]),
        ])
      ),
      note: runs.map((r) =>
        r.tail
          ? `Run ${r.run}: ${describeCounts(r.tail.databaseEvents)} (statements ≥ 10 ms, ` +
            `pauses ≥ 2 ms); the ${r.tail.bands[3]?.requests} requests ≥ p99 overlapped ` +
            `${describeOverlaps(r.tail)}. Postgres ran the ingest call in p50 ` +
            `${r.tail.serverIngestMs?.p50} / p99 ${r.tail.serverIngestMs?.p99} ms; the functions ` +
            `waited for it p50 ${r.tail.functionDatabaseMs.p50} / p99 ` +
            `${r.tail.functionDatabaseMs.p99} ms.` +
            (r.hostStalls ? ` The machine: ${describeHostStalls(r.hostStalls, r.tail)}.` : "")
          : `Run ${r.run}: no timings.`
      ).join(" "),
    },
    {
      title: "Alerts: commit of the crossing event → the fake Slack received the message (ms)",
      head: [
        "run",
        "measurement",
        "alerts",
        "delivered",
        "duplicates",
        "p50",
        "p99",
        "max",
        "alerts/s",
        "machine busy % (not ours)",
      ],
      rows: runs.flatMap((r) => {
        const { latency, throughput } = r.alerts;
        return [
          [
            r.run,
            `one crossing at a time, ${latency.ratePerSecond}/s`,
            latency.crossings,
            latency.delivered,
            latency.duplicates,
            latency.latencyMs.p50,
            latency.latencyMs.p99,
            latency.latencyMs.max,
            null,
            share(latency.machine),
          ],
          [
            r.run,
            `${throughput.locations} locations cross in one transaction`,
            throughput.locations,
            throughput.delivered,
            throughput.duplicates,
            throughput.latencyMs.p50,
            throughput.latencyMs.p99,
            throughput.latencyMs.max,
            throughput.alertsPerSecond,
            share(throughput.machine),
          ],
        ];
      }),
      note: `pg_net's documented ceiling: about ${
        runs[0]?.alerts.throughput.pgNetReferencePerSecond ?? 200
      } requests/s; one alert is one pg_net request.`,
    },
  ];
}

/** "61 a statement (all requests: 40 %), …": slow requests' overlaps against the base rate. */
function describeOverlaps(t: TailBreakdown): string {
  const list = Object.entries(t.slowOverlapping).map(([k, n]) =>
    `${k}: ${n} (all requests: ${t.allOverlappingPct?.[k] ?? 0} %)`
  );
  return list.length === 0 ? "nothing logged" : list.join(", ");
}

/** `{a: 1, b: 2}` → "1 a, 2 b"; "nothing" when empty. */
function describeCounts(counts: Record<string, number>): string {
  const list = Object.entries(counts).map(([k, n]) => `${n} ${k}${n === 1 ? "" : "s"}`);
  return list.length === 0 ? "none" : list.join(", ");
}

/** The report's tables, in reading order: every run's, then one run's in detail. */
export function sections(report: BenchReport): Section[] {
  const run = medianRun(report);
  const { comparisons, fixedRate, runs } = run.ingest;
  const { scenarios, dayRatio, historyRatio } = run.recompute;
  const history = report.history;
  const of = report.runs.length > 1 ? ` — run ${run.run} (median p99 at 200/s)` : "";
  const top = Math.max(...report.profile.ingestConcurrencies);
  const cpuRuns = [
    ...runs.filter((r) => r.concurrency === 1 && r !== fixedRate),
    fixedRate,
    ...runs.filter((r) => r.concurrency === top && r !== fixedRate),
  ];
  const groups = ["loadgen", "gateway", "toast-webhook", "sevenshifts-webhook", "postgres"];
  return [
    ...overviewSections(report),
    ...(report.runs.some((r) => r.backfill) ? [backfillSection(report.runs)] : []),
    ...(report.projection ? [projectionSection(report.projection)] : []),
    ...(report.projection?.sweep ? [sweepSection(report.projection.sweep)] : []),
    {
      title: `Ingest: HTTP through the functions vs the same SQL call direct (events/s, ms)${of}`,
      head: [
        "vendor",
        "concurrency",
        "HTTP ev/s",
        "SQL ev/s",
        "HTTP ÷ SQL",
        "HTTP p50",
        "HTTP p95",
        "HTTP p99",
        "SQL p50",
        "SQL p99",
      ],
      rows: comparisons.flatMap((c) =>
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
      ),
      note:
        comparisons.map((c) =>
          `${c.kind}: peak HTTP ${c.peakHttpEventsPerSecond} ev/s ÷ peak SQL ` +
          `${c.peakSqlEventsPerSecond} ev/s = ${c.peakRatio}`
        ).join("; ") + `. Errors in every run: ${runs.reduce((n, r) => n + r.errors, 0)}.`,
    },
    {
      title: `Fixed rate: ${fixedRate.ratePerSecond} events/s over HTTP, Toast and 7shifts ` +
        `alternating, latency from when each event was due (ms)${of}`,
      head: ["events", "sent", "ev/s", "p50", "p95", "p99", "max", "errors"],
      rows: [
        [
          "all",
          fixedRate.sent,
          fixedRate.eventsPerSecond,
          ...pcts(fixedRate.latency),
          fixedRate
            .errors,
        ],
        ...Object.entries(fixedRate.byKind).map(([k, s]) => [k, s.count, null, ...pcts(s), null]),
      ],
    },
    {
      title: `CPU per event by process (ms): where an ingest's work goes${of}`,
      head: ["run", "ev/s", ...groups, "rest of machine", "machine busy %"],
      rows: cpuRuns.map((r) => [
        r.name,
        r.eventsPerSecond,
        ...groups.map((g) => cpuPerEvent(r, r.cpu?.groupMs[g])),
        cpuPerEvent(r, r.cpu?.otherMs),
        r.cpu ? Math.round((r.cpu.machineBusyMs / (r.cpu.elapsedMs * r.cpu.cores)) * 100) : null,
      ]),
      note: "“rest of machine” is CPU used by processes that are not part of the benchmark.",
    },
    {
      title:
        `Recompute scaling: one ingest at a time into days of a given size (ms per event)${of}`,
      head: [
        "days (orders before) / database",
        "orders in db",
        "SQL p50",
        "SQL mean",
        "HTTP p50",
        "HTTP mean",
        "day write p50",
        "day's sales read ms",
        "buffers",
        "recomputes: target days / elsewhere",
        "machine busy % (not ours)",
      ],
      rows: scenarios.map((s) => [
        s.label,
        s.ordersInDatabase,
        s.sql.latency.p50,
        s.sql.latency.mean,
        s.http.latency.p50,
        s.http.latency.mean,
        s.dayWriteMs.p50,
        s.salesRead.executionMs,
        s.salesRead.sharedBuffers,
        `${s.recomputesOfTargetDays} / ${s.recomputesElsewhere}`,
        busyShare([s.sql, s.http]),
      ]),
      note: `Ratios (p50): 5,000-order ÷ 10-order days: SQL ${dayRatio.sql}, HTTP ` +
        `${dayRatio.http}; ${history.orders.toLocaleString("en-US")} history rows ÷ none: SQL ` +
        `${historyRatio.sql}, HTTP ${historyRatio.http}.`,
    },
    {
      title: "Peak RSS of the function server processes during each run's ingest load (MiB, " +
        "VmHWM reset at the start of each run)",
      head: ["process", ...report.runs.map((r) => `run ${r.run}`), "largest sampled RSS"],
      rows: [
        ...run.memory.map((m) => [
          m.name,
          ...report.runs.map((r) => r.memory.find((x) => x.name === m.name)?.peakMiB ?? null),
          Math.max(
            ...report.runs.map((r) =>
              r.memory.find((x) => x.name === m.name)?.maxSampledRssMiB ?? 0
            ),
          ),
        ]),
      ],
    },
  ];
}

/** The backfill table: the same rows through the sync and through direct SQL, each run. */
function backfillSection(runs: RunFigures[]): Section {
  const b = runs[0].backfill!;
  return {
    title:
      `Backfill: ${b.days} days of one restaurant (${b.orders} orders, ${b.punches} punches) ` +
      "through the vendor sync vs the same rows through direct SQL ingest",
    head: [
      "run",
      "direct SQL rows/s",
      "sync rows/s",
      "sync ÷ direct",
      "sync pages",
      "vendor requests",
      "CPU ms / page",
      "Toast requests (ordersBulk peak in a second; average/s; all requests peak)",
      "limit violations",
    ],
    rows: runs.flatMap((r) => {
      const f = r.backfill;
      return f
        ? [[
          r.run,
          f.direct.rowsPerSecond,
          f.sync.rowsPerSecond,
          f.ratio,
          f.sync.pages,
          f.sync.requests,
          f.cpuPerPageMs,
          `${f.toast.requests} (${f.toast.peakPerSecond}; ${f.toast.averagePerSecond}; ` +
          `${f.toast.allPeakPerSecond})`,
          f.violations.length,
        ]]
        : [];
    }),
    note: "Direct SQL: `ingest_*_committed`, one row at a time, as the functions' role. Sync: " +
      "`request_backfill` → pg_net → vendor-sync → the fake APIs (Toast allowance " +
      `${b.toast.allowancePerSecond} ordersBulk/s per restaurant, ` +
      `${b.toast.globalAllowancePerSecond}/s in all per client).`,
  };
}

/** How busy the machine was over some measurements, and the part that was not ours (%). */
export function cpuShare(cpus: CpuUsage[]): MachineShare {
  const capacity = cpus.reduce((n, c) => n + c.elapsedMs * c.cores, 0);
  const busy = cpus.reduce((n, c) => n + c.machineBusyMs, 0);
  const other = cpus.reduce((n, c) => n + c.otherMs, 0);
  return capacity > 0
    ? {
      busyPct: Math.round((busy / capacity) * 100),
      restOfMachinePct: Math.round((other / capacity) * 100),
    }
    : { busyPct: 0, restOfMachinePct: 0 };
}

/** "busy % (not ours %)" over some runs' measured parts. */
function busyShare(runs: Measured[]): string | null {
  const cpus = runs.map((r) => r.cpu).filter((c) => c !== null);
  return cpus.length === 0 ? null : share(cpuShare(cpus));
}

function pcts(s: LatencySummary): number[] {
  return [s.p50, s.p95, s.p99, s.max];
}

/** The report for the terminal. */
export function renderText(report: BenchReport): string {
  return sections(report).map((s) =>
    `\n== ${s.title}\n${table(s.head, s.rows)}${s.note ? `\n${s.note}` : ""}`
  ).join("\n");
}

/** The report as Markdown: the figures block of bench/README.md. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `Full run of ${report.startedAt.slice(0, 16).replace("T", " ")} UTC ` +
    `(${report.runs.length} runs of every target), ` +
    `${report.durationSeconds} s, commit \`${report.git.commit.slice(0, 10)}\`` +
    (report.git.uncommittedFiles.length > 0
      ? ` plus uncommitted changes to ${report.git.uncommittedFiles.join(", ")}`
      : "") +
    `; ${m.cores} cores (${m.cpuModel}), ${Math.round(m.memoryTotalMiB / 1024)} GiB, ` +
    `${m.postgres}, Deno ${m.deno}; load average ${m.loadAvgStart[0]} before, ` +
    `${m.loadAvgEnd[0]} after. JSON: \`bench/results/latest-full.json\`.`,
  ];
  for (const s of sections(report)) {
    lines.push("", `#### ${s.title}`, "", markdownTable(s.head, s.rows));
    if (s.note) lines.push("", s.note);
  }
  return lines.join("\n");
}

/** Replaces the text between `<!-- figures:start -->` and `<!-- figures:end -->`. */
export function replaceFigures(readme: string, figures: string): string | null {
  const start = "<!-- figures:start -->";
  const end = "<!-- figures:end -->";
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) return null;
  return `${readme.slice(0, i + start.length)}\n\n${figures}\n\n${readme.slice(j)}`;
}
