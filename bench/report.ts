/**
 * The benchmark report: its JSON shape, the targets judged against it, and its tables, laid
 * out for the terminal or as Markdown for bench/README.md. Pure: the runner measures, this
 * only arranges.
 *
 * @module
 */
import type { BackfillFigures } from "./backfill.ts";
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

/** A target and whether this run met it. */
export interface TargetVerdict {
  name: string;
  target: string;
  value: string;
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
  };
}

/** Judges the issue's targets. */
export function judgeTargets(input: {
  ingest: IngestComparison[];
  fixedRate: Measured;
  dayRatio: { sql: number | null; http: number | null };
  historyRatio: { sql: number | null; http: number | null };
  alerts: AlertFigures;
  memory: MemoryRow[];
  ingestErrors: number;
  /** Order rows of generated history. */
  historyOrders: number;
  backfill: BackfillFigures;
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
      name: `Recompute: ${input.historyOrders.toLocaleString("en-US")} history rows ÷ none ` +
        "(p50, SQL / HTTP)",
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
    {
      name: `Backfill through the vendor sync ÷ direct SQL ingest (${input.backfill.days} days, ` +
        "rows/s)",
      target: "≥ 0.5",
      value: `${fmt(input.backfill.ratio)} (${input.backfill.sync.rowsPerSecond} vs ` +
        `${input.backfill.direct.rowsPerSecond} rows/s)`,
      met: input.backfill.ratio !== null && input.backfill.ratio >= 0.5 &&
        input.backfill.sync.state === "succeeded",
    },
    {
      name: "Toast ordersBulk requests per second used (peak in any second; average), " +
        "allowance 5/s per restaurant; all requests (peak), allowance 20/s",
      target: "≤ 5; ≤ 20",
      value: `${input.backfill.toast.peakPerSecond}; ${input.backfill.toast.averagePerSecond}; ` +
        `${input.backfill.toast.allPeakPerSecond} (${input.backfill.violations.length} limit ` +
        "violations)",
      met: input.backfill.toast.peakPerSecond <= input.backfill.toast.allowancePerSecond &&
        input.backfill.toast.allPeakPerSecond <= input.backfill.toast.globalAllowancePerSecond &&
        input.backfill.violations.length === 0,
    },
  );
  return verdicts;
}

/** Everything one run measured: what bench/results/*.json holds. */
export interface BenchReport {
  schema: 1;
  mode: "quick" | "full";
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  git: { commit: string; subject: string; uncommittedFiles: string[] };
  machine: MachineInfo;
  profile: Record<string, unknown> & { ingestConcurrencies: number[]; fixedRate: number };
  businessDate: string;
  tables: Record<string, number>;
  targets: TargetVerdict[];
  ingest: { comparisons: IngestComparison[]; fixedRate: Measured; runs: Measured[] };
  recompute: {
    dayRatio: { sql: number | null; http: number | null };
    historyRatio: { sql: number | null; http: number | null };
    history: {
      locations: number;
      days: number;
      orders: number;
      punches: number;
      dailyMetricsRows: number;
      seconds: number;
    };
    scenarios: ScalingScenario[];
  };
  alerts: AlertFigures;
  memory: { processes: MemoryRow[]; totalPeakMiB: number; samples: number };
  /** Absent from runs made before the vendor sync existed. */
  backfill?: BackfillFigures;
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

/** The report's tables, in reading order. */
export function sections(report: BenchReport): Section[] {
  const { comparisons, fixedRate, runs } = report.ingest;
  const { scenarios, dayRatio, historyRatio, history } = report.recompute;
  const { latency, throughput } = report.alerts;
  const top = Math.max(...report.profile.ingestConcurrencies);
  const cpuRuns = [
    ...runs.filter((r) => r.concurrency === 1 && r !== fixedRate),
    fixedRate,
    ...runs.filter((r) => r.concurrency === top && r !== fixedRate),
  ];
  const groups = ["loadgen", "gateway", "toast-webhook", "sevenshifts-webhook", "postgres"];
  return [
    {
      title: "Targets",
      head: ["target", "wanted", "this run", "met"],
      rows: report.targets.map((v) => [v.name, v.target, v.value, v.met ? "yes" : "**NO**"]),
    },
    {
      title: "Ingest: HTTP through the functions vs the same SQL call direct (events/s, ms)",
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
        `alternating, latency from when each event was due (ms)`,
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
      title: "CPU per event by process (ms): where an ingest's work goes",
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
      title: "Recompute scaling: one ingest at a time into days of a given size (ms per event)",
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
      title: "Alerts: commit of the crossing event → the fake Slack received the message (ms)",
      head: [
        "run",
        "alerts",
        "delivered",
        "duplicates",
        "p50",
        "p99",
        "max",
        "alerts/s",
        "machine busy % (not ours)",
      ],
      rows: [
        [
          `one crossing at a time, ${latency.ratePerSecond}/s`,
          latency.crossings,
          latency.delivered,
          latency.duplicates,
          latency.latencyMs.p50,
          latency.latencyMs.p99,
          latency.latencyMs.max,
          null,
          `${latency.machine.busyPct} (${latency.machine.restOfMachinePct})`,
        ],
        [
          `${throughput.locations} locations cross in one transaction`,
          throughput.locations,
          throughput.delivered,
          throughput.duplicates,
          throughput.latencyMs.p50,
          throughput.latencyMs.p99,
          throughput.latencyMs.max,
          throughput.alertsPerSecond,
          `${throughput.machine.busyPct} (${throughput.machine.restOfMachinePct})`,
        ],
      ],
      note: `pg_net's documented ceiling: about ${throughput.pgNetReferencePerSecond} requests/s.`,
    },
    ...(report.backfill ? [backfillSection(report.backfill)] : []),
    {
      title: "Memory of the function server under the ingest load (MiB)",
      head: ["process", "peak RSS (VmHWM)", "largest sampled RSS"],
      rows: [
        ...report.memory.processes.map((m) => [m.name, m.peakMiB, m.maxSampledRssMiB]),
        ["all together", report.memory.totalPeakMiB, null],
      ],
    },
  ];
}

/** The backfill table: the same rows through the sync and through direct SQL. */
function backfillSection(b: BackfillFigures): Section {
  return {
    title:
      `Backfill: ${b.days} days of one restaurant (${b.orders} orders, ${b.punches} punches) ` +
      "through the vendor sync vs the same rows through direct SQL ingest",
    head: ["path", "rows", "seconds", "rows/s", "pages", "vendor requests", "CPU ms / page"],
    rows: [
      [
        "direct SQL (ingest_*_committed, one at a time)",
        b.direct.rows,
        b.direct.seconds,
        b.direct.rowsPerSecond,
        null,
        null,
        null,
      ],
      [
        "vendor sync (request_backfill → pg_net → vendor-sync → fake APIs)",
        b.sync.rows,
        b.sync.seconds,
        b.sync.rowsPerSecond,
        b.sync.pages,
        b.sync.requests,
        b.cpuPerPageMs,
      ],
    ],
    note: `Sync ÷ direct: ${b.ratio}. Toast requests: ${b.toast.requests}; ordersBulk at most ` +
      `${b.toast.peakPerSecond} in any second, ${b.toast.averagePerSecond}/s on average ` +
      `(allowance ${b.toast.allowancePerSecond}/s per restaurant); all requests at most ` +
      `${b.toast.allPeakPerSecond} in any second (allowance ` +
      `${b.toast.globalAllowancePerSecond}/s per client); limit violations the fakes counted: ` +
      `${b.violations.length}.`,
  };
}

/** "busy % (not ours %)" over some runs' measured parts. */
function busyShare(runs: Measured[]): string | null {
  const cpus = runs.map((r) => r.cpu).filter((c) => c !== null);
  if (cpus.length === 0) return null;
  const capacity = cpus.reduce((n, c) => n + c.elapsedMs * c.cores, 0);
  const busy = cpus.reduce((n, c) => n + c.machineBusyMs, 0);
  const other = cpus.reduce((n, c) => n + c.otherMs, 0);
  return `${Math.round((busy / capacity) * 100)} (${Math.round((other / capacity) * 100)})`;
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
    `Full run of ${report.startedAt.slice(0, 16).replace("T", " ")} UTC, ` +
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
