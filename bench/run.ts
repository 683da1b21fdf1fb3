/**
 * `npm run bench [-- --quick]`: the benchmarks of issue #7, in one run, on loopback.
 *
 * Starts its own stack in a separate process (bench/stack_host.ts: a fresh fsync-off
 * Postgres 17 on free ports, migrations, the functions behind their gateway, the pg_net
 * dispatcher; no cron scheduler), a fake Slack (local/channel_receiver.ts) and the load
 * generator in a third process (bench/loadgen.ts), then measures:
 *
 * 1. ingest throughput and latency over HTTP through the real functions, Toast orders and
 *    7shifts punches, at several concurrencies, and a fixed-rate run at 200 events/s;
 * 2. the database ceiling: the same SQL calls with the same payloads and concurrency, direct;
 * 3. recompute scaling: per-event latency into days holding 10 vs 5,000 orders, and with no
 *    history vs ~1,000,000 historical order rows;
 * 4. alert latency (commit of the crossing event → fake Slack) and alert throughput across
 *    many locations;
 * 5. peak RSS of the function server processes under the ingest load.
 *
 * Prints a table and writes bench/results/<time>-<mode>.json (and latest-<mode>.json).
 * Every loop is bounded in count and time; a watchdog ends a run that overstays.
 *
 * @module
 */
import postgres from "postgres";
import { startChannelReceiver } from "../local/channel_receiver.ts";
import { repoPath } from "../local/paths.ts";
import { freePort } from "../local/postgres.ts";
import { removeStaleThrowaways, throwawayDataDir } from "../local/throwaway.ts";
import { normalizeToastOrder, parseToastOrderDetails } from "../shared/toast.ts";
import type { LoadEnv, LoadResult, LoadSpec } from "./loadgen.ts";
import {
  childrenOf,
  type CpuGroup,
  CpuMeter,
  type CpuUsage,
  machineBusyPercent,
  parentOf,
} from "./cpu.ts";
import { readProcessMemory, resetPeakRss, RssSampler } from "./memory.ts";
import { measureBackfill } from "./backfill.ts";
import { measureOvertimeEdits } from "./overtime.ts";
import {
  type ProjectionBenchFigures,
  summarizeAccuracy,
  SWEEP_SETTINGS,
  sweepAlertSettings,
} from "./projection.ts";
import { DEFAULT_PROJECTION_RULES } from "../sim/projection_model.ts";
import { pipelineAccuracy } from "./projection_pipeline.ts";
import type { WageUnit } from "../sim/render.ts";
import { addDays } from "../sim/time.ts";
import { benchUuid, toastOrderEnvelope } from "./payloads.ts";
import {
  type AlertFigures,
  type BenchReport,
  type IngestComparison,
  judgeRun,
  type MachineInfo,
  type Measured,
  type MemoryRow,
  renderMarkdown,
  renderText,
  replaceFigures,
  type RunFigures,
  type ScalingScenario,
  summarizeTargets,
} from "./report.ts";
import {
  FAST_STATEMENT_SAMPLE_RATE,
  parseGcLog,
  parsePostgresLog,
  SLOW_STATEMENT_MS,
  tailBreakdown,
} from "./tail.ts";
import { describeHostStalls, stallEvents, startHostStallProbe } from "./host_stalls.ts";
import type { HostOptions } from "./stack_host.ts";
import {
  benchDay,
  type BenchLocation,
  createLocations,
  fillDay,
  fillLabor,
  generateHistory,
  type HistoryStats,
  punchTargets,
  tableRows,
  toastTargets,
} from "./setup.ts";
import { ratio, round, summarize } from "./stats.ts";

/** Sizes of one run. */
interface Profile {
  name: "quick" | "full";
  /** Runs of every measured target (`--runs N` overrides). */
  runs: number;
  /** Watchdog: the set-up's seconds, plus `runBudgetSeconds` per run. */
  budgetSeconds: number;
  runBudgetSeconds: number;
  ingestConcurrencies: number[];
  ingestCount: number;
  ingestSeconds: number;
  ingestWarmup: number;
  /** Fresh locations per ingest run, so every run sees days of a typical size. */
  ingestLocations: number;
  fixedRate: number;
  fixedRateSeconds: number;
  scalingEvents: number;
  /** The events of a scaling measurement are sent in this many rounds, fleets taking turns. */
  scalingRounds: number;
  scalingDays: number;
  history: { locations: number; days: number; ordersPerDay: number; punchesPerDay: number };
  alertCrossings: number;
  alertRate: number;
  alertBurst: number;
  /** Days of one restaurant pulled by the backfill measurement (one Toast window: ≤ 29). */
  backfillDays: number;
  /** Edits of each kind in the overtime measurement (bench/overtime.ts). */
  overtimeEdits: number;
  /**
   * The projection's accuracy (bench/projection.ts): location-days through the pipeline, and
   * through the simulator's model; its watchdog seconds.
   */
  projection: {
    pipelineDays: number;
    modelDays: number;
    historyWeeks: number;
    budgetSeconds: number;
  };
}

const PROFILES: Record<"quick" | "full", Profile> = {
  quick: {
    name: "quick",
    runs: 1,
    budgetSeconds: 120,
    runBudgetSeconds: 200,
    ingestConcurrencies: [1, 16],
    ingestCount: 1500,
    ingestSeconds: 3,
    ingestWarmup: 50,
    ingestLocations: 200,
    fixedRate: 200,
    fixedRateSeconds: 8,
    scalingEvents: 100,
    scalingRounds: 2,
    scalingDays: 20,
    history: { locations: 40, days: 250, ordersPerDay: 20, punchesPerDay: 4 },
    alertCrossings: 40,
    alertRate: 20,
    alertBurst: 200,
    backfillDays: 5,
    overtimeEdits: 40,
    projection: { pipelineDays: 1, modelDays: 7, historyWeeks: 4, budgetSeconds: 150 },
  },
  full: {
    name: "full",
    runs: 3,
    budgetSeconds: 300,
    runBudgetSeconds: 480,
    ingestConcurrencies: [1, 4, 16, 64],
    ingestCount: 4000,
    ingestSeconds: 6,
    ingestWarmup: 200,
    ingestLocations: 200,
    fixedRate: 200,
    fixedRateSeconds: 30,
    scalingEvents: 400,
    scalingRounds: 4,
    scalingDays: 50,
    history: { locations: 200, days: 250, ordersPerDay: 20, punchesPerDay: 4 },
    alertCrossings: 200,
    alertRate: 20,
    alertBurst: 1000,
    backfillDays: 20,
    overtimeEdits: 100,
    projection: { pipelineDays: 7, modelDays: 56, historyWeeks: 4, budgetSeconds: 900 },
  },
};

/** pg_net's documented delivery ceiling the issue compares against (requests/s). */
const PG_NET_REFERENCE_PER_SECOND = 200;

const encoder = new TextEncoder();
const out = (text = "") => Deno.stdout.writeSync(encoder.encode(text + "\n"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const runStarted = performance.now();
const elapsed = () => `${((performance.now() - runStarted) / 1000).toFixed(0).padStart(4)} s`;
const step = (text: string) => out(`[${elapsed()}] ${text}`);

/** Reads JSON lines from a child's stdout; other lines go to `onOther`. */
function jsonLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (value: unknown) => void,
  onOther: (line: string) => void = () => {},
) {
  return (async () => {
    let buffered = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          onOther(line); // not a message: a log line (the gateway's --trace-gc)
          continue;
        }
        onLine(value);
      }
    }
  })();
}

/** The stack process. */
interface Host {
  child: Deno.ChildProcess;
  databaseUrl: string;
  /** The superuser's (the history is bulk-loaded with triggers off). */
  adminDatabaseUrl: string;
  apiUrl: string;
  env: Record<string, string>;
  pids: Record<string, number>;
  hostPid: number;
  /** The database's log (bench/tail.ts reads what it did while requests were slow). */
  postgresLog: string;
  /** The functions' and the gateway's garbage collections (`--trace-gc`, stamped). */
  gcLog: string;
  stop(): Promise<void>;
}

async function startHost(
  functionEnv: Record<string, string>,
  logPath: string,
  gcLogPath: string,
): Promise<Host> {
  const options: HostOptions = {
    apiPort: freePort(),
    dbPort: freePort(),
    dataDir: throwawayDataDir("bench-db"),
    functionEnv,
    gcLog: gcLogPath,
  };
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-prompt",
      // The gateway's garbage collection, as the functions' (stack_host writes theirs).
      "--v8-flags=--trace-gc",
      repoPath("bench/stack_host.ts"),
      JSON.stringify(options),
    ],
    cwd: repoPath(),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const log = await Deno.open(logPath, { create: true, write: true, truncate: true });
  child.stderr.pipeTo(log.writable).catch(() => {});
  const stdin = child.stdin.getWriter();
  let resolveReady: (v: Record<string, unknown>) => void;
  const ready = new Promise<Record<string, unknown>>((r) => (resolveReady = r));
  const gcLog = await Deno.open(gcLogPath, { create: true, append: true });
  void jsonLines(child.stdout, (v) => {
    const msg = v as Record<string, unknown>;
    if ("ready" in msg) resolveReady(msg);
  }, (line) => {
    if (/ ms: /.test(line)) gcLog.writeSync(encoder.encode(`${Date.now()} gateway ${line}\n`));
  });
  const exited = child.status.then((s) => ({ ready: false, error: `stack exited (${s.code})` }));
  const msg = await Promise.race([ready, exited]) as Record<string, unknown>;
  if (!msg.ready) {
    throw new Error(`the benchmark stack did not start: ${msg.error} (log: ${logPath})`);
  }
  return {
    child,
    databaseUrl: String(msg.databaseUrl),
    adminDatabaseUrl: String(msg.adminDatabaseUrl),
    apiUrl: String(msg.apiUrl),
    env: msg.env as Record<string, string>,
    pids: msg.pids as Record<string, number>,
    hostPid: Number(msg.hostPid),
    postgresLog: String(msg.postgresLog),
    gcLog: gcLogPath,
    async stop() {
      await stdin.write(encoder.encode("stop\n")).catch(() => {});
      await stdin.close().catch(() => {});
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // gone
        }
      }, 30_000);
      await child.status;
      clearTimeout(timer);
    },
  };
}

/** The load generator process. */
interface Loadgen {
  pid: number;
  /** Runs one spec; `onMeasuring` is called when its measured part starts. */
  run(spec: LoadSpec, onMeasuring?: () => void): Promise<LoadResult>;
  stop(): Promise<void>;
}

async function startLoadgen(env: LoadEnv): Promise<Loadgen> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", repoPath("bench/loadgen.ts")],
    cwd: repoPath(),
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const pending = new Map<
    number,
    { resolve: (r: LoadResult) => void; reject: (e: Error) => void; measuring?: () => void }
  >();
  let resolveReady: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  void jsonLines(child.stdout, (v) => {
    const msg = v as {
      ready?: boolean;
      id?: number;
      measuring?: boolean;
      result?: LoadResult;
      error?: string;
    };
    if (msg.ready) return resolveReady();
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiter) return;
    if (msg.measuring) return waiter.measuring?.();
    pending.delete(msg.id!);
    if (msg.error) waiter.reject(new Error(`loadgen: ${msg.error}`));
    else waiter.resolve(msg.result!);
  });
  child.status.then((s) => {
    for (const w of pending.values()) w.reject(new Error(`loadgen exited (${s.code})`));
  });
  await ready;
  await stdin.write(encoder.encode(JSON.stringify(env) + "\n"));
  let nextId = 1;
  return {
    pid: child.pid,
    run(spec, measuring) {
      const id = nextId++;
      const result = new Promise<LoadResult>((resolve, reject) =>
        pending.set(id, { resolve, reject, measuring })
      );
      void stdin.write(encoder.encode(JSON.stringify({ id, spec }) + "\n"));
      return result;
    },
    async stop() {
      await stdin.close().catch(() => {});
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await child.status;
      clearTimeout(timer);
    },
  };
}

async function machineInfo(sql: postgres.Sql, loadAvgStart: number[]): Promise<MachineInfo> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const [{ version }] = await sql`select version()`;
  return {
    cores: navigator.hardwareConcurrency,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown",
    memoryTotalMiB: Math.round(Deno.systemMemoryInfo().total / 1024 / 1024),
    os: `${Deno.build.os} ${Deno.build.arch}`,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    postgres: String(version).split(" on ")[0],
    loadAvgStart,
    loadAvgEnd: Deno.loadavg().map((x) => round(x, 2)),
  };
}

async function gitInfo() {
  const git = async (...args: string[]) => {
    const o = await new Deno.Command("git", { args, cwd: repoPath(), stderr: "null" }).output();
    return new TextDecoder().decode(o.stdout).replace(/\n$/, "");
  };
  const status = await git("status", "--porcelain");
  return {
    commit: await git("rev-parse", "HEAD"),
    subject: await git("log", "-1", "--format=%s"),
    // Uncommitted changes to the code under test make the figures not reproducible from the
    // commit alone: listed so a reader knows.
    uncommittedFiles: status.split("\n").map((l) => l.slice(3)).filter((f) =>
      f && !f.startsWith("bench/")
    ),
  };
}

/** Per-day recompute counts, split into the target locations and everything else. */
async function recomputeCounts(sql: postgres.Sql, ids: number[]) {
  const [r] = await sql`
    select coalesce(sum(recompute_count) filter (where location_id = any(${ids}::bigint[])), 0)
        as target,
      coalesce(sum(recompute_count) filter (where not location_id = any(${ids}::bigint[])), 0)
        as other
    from public.daily_metrics
  `;
  return { target: Number(r.target), other: Number(r.other) };
}

/** Calls and self time (ms) of every function Postgres has timed (`track_functions`). */
async function functionTimes(admin: postgres.Sql) {
  // A fresh snapshot, not the transaction's cached one.
  const rows = await admin`
    select schemaname || '.' || funcname as name, calls, self_time
    from pg_catalog.pg_stat_user_functions
  `;
  return Object.fromEntries(
    rows.map((r) => [String(r.name), { calls: Number(r.calls), selfMs: Number(r.self_time) }]),
  ) as Record<string, { calls: number; selfMs: number }>;
}

/** How busy the machine was during a measurement, and how much of that was not ours (%). */
function machineShare(u: CpuUsage): { busyPct: number; restOfMachinePct: number } {
  const capacity = u.elapsedMs * u.cores;
  return {
    busyPct: Math.round((u.machineBusyMs / capacity) * 100),
    restOfMachinePct: Math.round((u.otherMs / capacity) * 100),
  };
}

/** Locations whose days were pre-filled for a recompute-scaling measurement. */
interface Fleet {
  label: string;
  perDay: number;
  locations: BenchLocation[];
}

/** Several runs of one measurement as one: counts and CPU added, latencies pooled. */
function mergeRuns(runs: Measured[]): Measured {
  const first = runs[0];
  const latencies = runs.flatMap((r) => r.latenciesMs ?? []);
  const statuses: Record<string, number> = {};
  for (const r of runs) {
    for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  }
  const elapsedSeconds = runs.reduce((n, r) => n + r.elapsedSeconds, 0);
  const ok = runs.reduce((n, r) => n + r.ok, 0);
  const cpus = runs.map((r) => r.cpu).filter((c) => c !== null);
  const groupMs: Record<string, number> = {};
  for (const c of cpus) {
    for (const [k, v] of Object.entries(c.groupMs)) groupMs[k] = (groupMs[k] ?? 0) + v;
  }
  return {
    ...first,
    sent: runs.reduce((n, r) => n + r.sent, 0),
    ok,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    statuses,
    errorSamples: runs.flatMap((r) => r.errorSamples).slice(0, 5),
    elapsedSeconds: round(elapsedSeconds, 3),
    eventsPerSecond: round(ok / elapsedSeconds, 1),
    latency: summarize(latencies),
    byKind: {},
    startedAtMs: first.startedAtMs,
    endedAtMs: runs[runs.length - 1].endedAtMs,
    latenciesMs: undefined,
    cpu: cpus.length === 0 ? null : {
      elapsedMs: cpus.reduce((n, c) => n + c.elapsedMs, 0),
      groupMs,
      machineBusyMs: cpus.reduce((n, c) => n + c.machineBusyMs, 0),
      otherMs: cpus.reduce((n, c) => n + c.otherMs, 0),
      cores: cpus[0].cores,
    },
    rssAfterMiB: runs[runs.length - 1].rssAfterMiB,
  };
}

/**
 * Times `pipeline.write_daily_metrics`, what the commit-time recompute runs for each touched
 * day, on one day, `n` times (rolled back, so nothing changes).
 */
async function timeDayWrite(sql: postgres.Sql, locationId: number, date: string, n: number) {
  const ms: number[] = [];
  const rollback = new Error("rollback");
  await sql.begin(async (tx) => {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await tx`select pipeline.write_daily_metrics(${locationId}, ${date}::date)`;
      ms.push(performance.now() - t0);
    }
    throw rollback;
  }).catch((err) => {
    if (err !== rollback) throw err;
  });
  return summarize(ms);
}

/**
 * The plan of the day's sales read exactly as `pipeline.write_daily_metrics` runs it (one row
 * of `pipeline.day_order_totals`): what the recompute reads of a day's orders, and what that
 * costs (the profile behind the day-size ratio).
 */
async function explainSalesRead(sql: postgres.Sql, locationId: number, date: string) {
  const [row] = await sql`
    explain (analyze, buffers, format json)
    select coalesce(max(o.counted_sales_cents), 0), coalesce(max(o.counted_orders), 0)
    from pipeline.day_order_totals as o
    where o.location_id = ${locationId} and o.business_date = ${date}::date
  `;
  const doc = (row["QUERY PLAN"] as Array<Record<string, unknown>>)[0];
  type Node = Record<string, unknown> & { Plans?: Node[] };
  const nodes: string[] = [];
  let heapFetches = 0;
  const walk = (n: Node) => {
    nodes.push(`${n["Node Type"]}${n["Index Name"] ? ` (${n["Index Name"]})` : ""}`);
    heapFetches += Number(n["Heap Fetches"] ?? 0);
    for (const c of n.Plans ?? []) walk(c);
  };
  const plan = doc.Plan as Node;
  walk(plan);
  return {
    plan: nodes.join(" > "),
    rows: Number((plan.Plans?.[0] ?? plan)["Actual Rows"] ?? 0),
    executionMs: Number(doc["Execution Time"]),
    sharedBuffers: Number(plan["Shared Hit Blocks"] ?? 0) + Number(plan["Shared Read Blocks"] ?? 0),
    heapFetches,
  };
}

/**
 * Postgres's processes by what they do (`--only-tail`): the functions' backends, the
 * postmaster with its exited children (autovacuum workers end there), and every other one.
 */
function postgresByKind(postmaster: number): Record<string, CpuGroup> {
  const groups: Record<string, number[]> = {};
  for (const pid of childrenOf(postmaster)) {
    let title = "";
    try {
      title = Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
    } catch {
      continue;
    }
    const kind = /pipeline_functions/.test(title)
      ? "pg functions' backends"
      : /autovacuum worker/.test(title)
      ? "pg autovacuum"
      : `pg ${title.replace(/^postgres: /, "").split(" ")[0]}`;
    (groups[kind] ??= []).push(pid);
  }
  return {
    "pg postmaster+exited": { pids: [postmaster], withReapedChildren: true },
    ...Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, { pids }])),
  };
}

async function main(): Promise<number> {
  const args = new Set(Deno.args);
  if (args.has("--help") || args.has("-h")) {
    out(
      "Usage: npm run bench [-- --quick] [--runs N] [--no-readme] [--wait-quiet[=seconds]]\n" +
        "  --quick      the short run: every target once (about 5 minutes)\n" +
        "  --runs N     run every measured target N times (full: 3, quick: 1); a target is met\n" +
        "               only when its worst run meets it\n" +
        "  --wait-quiet first wait (up to 600 s) until the machine is under 15 % busy\n" +
        "  --no-readme  do not write a full run's figures into bench/README.md\n" +
        "  --only-tail  only the 200 events/s run, N times, with CPU per event (for work on the\n" +
        "               tail; no targets, no results file)\n" +
        "  --only-backfill  only the backfill, N times, with where the sync's time went (for\n" +
        "               work on the sync; no targets, no results file)",
    );
    return 0;
  }
  const base = PROFILES[args.has("--quick") ? "quick" : "full"];
  const onlyTail = args.has("--only-tail");
  const onlyBackfill = args.has("--only-backfill");
  const runsArg = Deno.args.findIndex((a) => a === "--runs" || a.startsWith("--runs="));
  const runsText = runsArg < 0
    ? undefined
    : Deno.args[runsArg].includes("=")
    ? Deno.args[runsArg].split("=")[1]
    : Deno.args[runsArg + 1];
  const runs = runsText === undefined ? base.runs : Number(runsText);
  if (!Number.isInteger(runs) || runs < 1 || runs > 9) {
    out(`--runs must be a whole number from 1 to 9, got ${runsText}`);
    return 2;
  }
  const profile: Profile = { ...base, runs };
  const budgetSeconds = profile.budgetSeconds + profile.runs * profile.runBudgetSeconds +
    profile.projection.budgetSeconds;
  const quietArg = Deno.args.find((a) => a.startsWith("--wait-quiet"));
  if (quietArg) {
    // A shared machine: wait (bounded) for other work to pause, so it does not skew the run.
    const limit = Number(quietArg.split("=")[1] ?? 600) * 1000;
    const until = Date.now() + limit;
    let busy = await machineBusyPercent(3000);
    while (busy > 15 && Date.now() < until) {
      out(`waiting for a quiet machine (${busy} % busy over the last 3 s)...`);
      busy = await machineBusyPercent(3000);
    }
    out(`machine ${busy} % busy; starting.`);
  }
  const startedAt = new Date();
  const loadAvgStart = Deno.loadavg().map((x) => round(x, 2));
  out(
    `labor-pulse benchmarks (${profile.name}, ${profile.runs} run${
      profile.runs === 1 ? "" : "s"
    } of every target) — ${startedAt.toISOString()}`,
  );
  if (loadAvgStart[0] > navigator.hardwareConcurrency * 0.5) {
    out(
      `note: load average ${loadAvgStart[0]} on ${navigator.hardwareConcurrency} cores ` +
        "before starting: other work on this machine will show in the figures",
    );
  }

  const secrets = {
    TOAST_WEBHOOK_SECRET: `bench-toast-${crypto.randomUUID()}`,
    SEVENSHIFTS_GRANT_GUID: crypto.randomUUID(),
    SEVENSHIFTS_WEBHOOK_TOKEN: `bench-7s-${crypto.randomUUID()}`,
    ALERT_WEBHOOK_SECRET: `bench-alert-${crypto.randomUUID()}`,
    SEVENSHIFTS_WAGE_UNIT: "dollars",
    // Every benchmark location that should hear alerts has its own webhook; no defaults.
    SLACK_WEBHOOK_URL: "",
    DISCORD_WEBHOOK_URL: "",
  };
  await Deno.mkdir(repoPath(".local"), { recursive: true });
  await removeStaleThrowaways(step);
  const stackLog = repoPath(".local/bench-stack.log");
  step("starting the stack (fresh Postgres 17, migrations, functions, pg_net dispatcher)...");
  const gcLogPath = repoPath(".local/bench-gc.log");
  await Deno.remove(gcLogPath).catch(() => {});
  const host = await startHost(secrets, stackLog, gcLogPath);
  let loadgen: Loadgen | undefined;
  const receiver = await startChannelReceiver();
  const sql = postgres(host.databaseUrl, { max: 4, onnotice: () => {} });
  // The superuser's: the history is bulk-loaded with triggers off (session_replication_role),
  // and the log settings of the fixed-rate run are changed with ALTER SYSTEM.
  const admin = postgres(host.adminDatabaseUrl, { max: 2, onnotice: () => {} });
  const watchdog = setTimeout(async () => {
    out(`\nThe run passed its ${budgetSeconds} s budget: stopping.`);
    await loadgen?.stop().catch(() => {});
    await host.stop().catch(() => {});
    Deno.exit(2);
  }, budgetSeconds * 1000);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    Deno.addSignalListener(signal, async () => {
      await loadgen?.stop().catch(() => {});
      await host.stop().catch(() => {});
      Deno.exit(130);
    });
  }

  try {
    step(
      `stack up: functions at ${host.apiUrl}, database ${
        host.databaseUrl.replace(/:[^:@]*@/, ":***@")
      }`,
    );
    // Statements over 10 ms in the log (every statement during the fixed-rate run).
    await admin.unsafe("alter system set log_min_duration_statement = 10");
    await admin.unsafe("alter system set log_parameter_max_length = 0");
    await admin.unsafe("select pg_catalog.pg_reload_conf()");
    loadgen = await startLoadgen({
      apiUrl: host.apiUrl,
      databaseUrl: host.databaseUrl,
      toastWebhookSecret: secrets.TOAST_WEBHOOK_SECRET,
      sevenShiftsGrantGuid: secrets.SEVENSHIFTS_GRANT_GUID,
    });
    const lg = loadgen;
    let space = 0;
    const nextSpace = () => ++space;
    let group = 0;
    const nextGroup = () => ++group;
    const day = await benchDay(sql);
    const pids = (): Record<string, number> => ({ gateway: host.hostPid, ...host.pids });
    const [{ pid: backendPid }] = await sql`select pg_backend_pid() as pid`;
    const postmaster = parentOf(Number(backendPid)) ?? 0;
    const cpuGroups = (): Record<string, CpuGroup> => ({
      loadgen: { pids: [lg.pid] },
      gateway: { pids: [host.hostPid] },
      ...Object.fromEntries(Object.entries(host.pids).map(([n, p]) => [n, { pids: [p] }])),
      ...(onlyTail ? postgresByKind(postmaster) : {
        postgres: { pids: [postmaster, ...childrenOf(postmaster)], withReapedChildren: true },
      }),
      runner: { pids: [Deno.pid] },
    });
    /** One load run with the CPU each process spent during its measured part. */
    const measure = async (spec: LoadSpec): Promise<Measured> => {
      let meter: CpuMeter | null = null;
      const r = await lg.run(spec, () => {
        meter = new CpuMeter(cpuGroups).start();
      });
      const cpu = (meter as CpuMeter | null)?.stop() ?? null;
      const rssAfterMiB = Object.fromEntries(
        Object.entries(pids()).map(([n, p]) => [n, readProcessMemory(p).rssMiB]),
      );
      return { ...r, cpu, rssAfterMiB };
    };

    // A first pass through every path (JIT, pools, plan caches), not measured.
    const warmLocations = await createLocations(sql, nextGroup(), 100);
    const warmCount = 500;
    for (const mode of ["sql", "http"] as const) {
      for (const workload of ["toast", "7shifts"] as const) {
        const r = await lg.run({
          name: "warm-up",
          mode,
          workload,
          concurrency: 4,
          count: warmCount,
          maxSeconds: 15,
          space: nextSpace(),
          toastTargets: toastTargets(warmLocations, day),
          punchTargets: punchTargets(warmLocations, day),
        });
        if (r.errors > 0) {
          throw new Error(`warm-up ${mode} ${workload} failed: ${r.errorSamples.join(" | ")}`);
        }
      }
    }
    step(`warmed up (${4 * warmCount} events through both paths)`);

    // ---- Recompute scenarios: days of `perDay` orders on fresh locations.
    const scenarios: ScalingScenario[] = [];
    /** Days of `perDay` orders on fresh locations, vacuumed as autovacuum would have. */
    const prepareFleet = async (label: string, perDay: number): Promise<Fleet> => {
      const locations = await createLocations(sql, nextGroup(), profile.scalingDays);
      await fillDay(sql, locations.map((l) => l.id), day.date, perDay);
      await sql`vacuum analyze public.orders, public.daily_metrics`;
      return { label, perDay, locations };
    };
    /**
     * One ingest at a time into each fleet's days, the fleets taking turns in rounds (SQL then
     * HTTP each round), so drift on the machine falls on every fleet alike.
     */
    const measureFleets = async (fleets: Fleet[]): Promise<ScalingScenario[]> => {
      const allIds = fleets.flatMap((f) => f.locations.map((l) => l.id));
      const before = await Promise.all(
        fleets.map((f) => recomputeCounts(sql, f.locations.map((l) => l.id))),
      );
      const totalBefore = await recomputeCounts(sql, allIds);
      const runs = fleets.map(() => ({ sql: [] as Measured[], http: [] as Measured[] }));
      const rounds = profile.scalingRounds;
      for (let round = 0; round < rounds; round++) {
        for (const mode of ["sql", "http"] as const) {
          for (const [k, fleet] of fleets.entries()) {
            runs[k][mode].push(
              await measure({
                name: `${fleet.label} ${mode}`,
                mode,
                workload: "toast",
                concurrency: 1,
                count: Math.ceil(profile.scalingEvents / rounds),
                maxSeconds: 30,
                warmup: round === 0 ? 10 : 2,
                space: nextSpace(),
                toastTargets: toastTargets(fleet.locations, day),
                punchTargets: [],
                keepLatencies: true,
              }),
            );
          }
        }
      }
      const totalAfter = await recomputeCounts(sql, allIds);
      const rows = await tableRows(sql);
      const out: ScalingScenario[] = [];
      for (const [k, fleet] of fleets.entries()) {
        const ids = fleet.locations.map((l) => l.id);
        const after = await recomputeCounts(sql, ids);
        const sqlRun = mergeRuns(runs[k].sql);
        const httpRun = mergeRuns(runs[k].http);
        const dayWriteMs = await timeDayWrite(sql, ids[0], day.date, 30);
        const s: ScalingScenario = {
          label: fleet.label,
          ordersPerDayBefore: fleet.perDay,
          days: fleet.locations.length,
          ordersInDatabase: rows.orders ?? 0,
          sql: sqlRun,
          http: httpRun,
          dayWriteMs,
          salesRead: await explainSalesRead(sql, ids[0], day.date),
          recomputesOfTargetDays: after.target - before[k].target,
          // Every day outside the fleets measured together.
          recomputesElsewhere: totalAfter.other - totalBefore.other,
        };
        scenarios.push(s);
        out.push(s);
        step(
          `recompute: ${fleet.label}: SQL p50 ${sqlRun.latency.p50} ms, HTTP p50 ` +
            `${httpRun.latency.p50} ms, day write p50 ${dayWriteMs.p50} ms`,
        );
      }
      return out;
    };
    const runCount = profile.runs;
    const runLabel = (r: number) => (runCount > 1 ? ` (run ${r})` : "");

    // ---- 3a. Recompute baseline on an empty database (before anything else is stored): one
    // fleet per run, measured together in rounds.
    const emptyFleets: Fleet[] = [];
    for (let r = 1; r <= runCount && !onlyTail && !onlyBackfill; r++) {
      emptyFleets.push(await prepareFleet(`10-order days, no history${runLabel(r)}`, 10));
    }
    const emptySmall = onlyTail || onlyBackfill ? [] : await measureFleets(emptyFleets);

    // ---- 3c. About a million rows of history, then 10-order days again, one fleet per run:
    // right after the empty database's fleets, so that the two sides of the ratio are measured
    // a minute or two apart, not the whole run apart (the machine's speed drifts over minutes:
    // measured 15 minutes apart, the ratio once read 1.47 while the day write inside Postgres
    // was no slower). Every later measurement runs with the history in the database, as a
    // restaurant's would.
    let history: HistoryStats = {
      locations: 0,
      days: 0,
      orders: 0,
      punches: 0,
      dailyMetricsRows: 0,
      seconds: 0,
    };
    let historySmall: ScalingScenario[] = [];
    if (!onlyTail && !onlyBackfill) {
      step(
        `generating history: ${profile.history.locations} locations × ${profile.history.days} ` +
          `days × ${profile.history.ordersPerDay} orders...`,
      );
      history = await generateHistory(admin, nextGroup(), profile.history, day.date);
      step(
        `history: ${history.orders} orders, ${history.punches} punches, ` +
          `${history.dailyMetricsRows} days of figures in ${history.seconds} s`,
      );
      const historyFleets: Fleet[] = [];
      for (let r = 1; r <= runCount; r++) {
        historyFleets.push(await prepareFleet(`10-order days, with history${runLabel(r)}`, 10));
      }
      historySmall = await measureFleets(historyFleets);
    }

    // ---- 1 + 2. Ingest throughput: HTTP through the functions vs the same SQL, direct, each
    // HTTP run next to its SQL run.
    const ingestComparisons = async (r: number) => {
      const ingestRuns: Measured[] = [];
      const comparisons: IngestComparison[] = [];
      for (const kind of ["toast", "7shifts"] as const) {
        const rows: IngestComparison["rows"] = [];
        for (const concurrency of profile.ingestConcurrencies) {
          const results: Partial<Record<"sql" | "http", Measured>> = {};
          for (const mode of ["sql", "http"] as const) {
            const fleet = await createLocations(sql, nextGroup(), profile.ingestLocations);
            const m = await measure({
              name: `${kind} ${mode} c=${concurrency}`,
              mode,
              workload: kind,
              concurrency,
              count: profile.ingestCount,
              maxSeconds: profile.ingestSeconds,
              warmup: profile.ingestWarmup,
              space: nextSpace(),
              toastTargets: toastTargets(fleet, day),
              punchTargets: punchTargets(fleet, day),
            });
            results[mode] = m;
            ingestRuns.push(m);
            await sleep(300);
          }
          const h = results.http!;
          const s = results.sql!;
          rows.push({
            concurrency,
            httpEventsPerSecond: h.eventsPerSecond,
            sqlEventsPerSecond: s.eventsPerSecond,
            ratio: ratio(h.eventsPerSecond, s.eventsPerSecond),
            httpLatency: h.latency,
            sqlLatency: s.latency,
          });
          step(
            `run ${r}: ingest ${kind} c=${concurrency}: HTTP ${h.eventsPerSecond} ev/s (p99 ` +
              `${h.latency.p99} ms, ${h.errors} errors), SQL ${s.eventsPerSecond} ev/s (p99 ` +
              `${s.latency.p99} ms, ${s.errors} errors)`,
          );
        }
        const peakHttp = Math.max(...rows.map((x) => x.httpEventsPerSecond));
        const peakSql = Math.max(...rows.map((x) => x.sqlEventsPerSecond));
        comparisons.push({
          kind,
          rows,
          peakHttpEventsPerSecond: peakHttp,
          peakSqlEventsPerSecond: peakSql,
          peakRatio: ratio(peakHttp, peakSql),
        });
      }
      return { comparisons, ingestRuns };
    };

    /**
     * The p99 target: an open-loop run at a fixed rate, Toast and 7shifts alternating, with
     * each request's Server-Timing and what Postgres logged meanwhile.
     */
    const fixedRateRun = async (r: number) => {
      const fleet = await createLocations(sql, nextGroup(), profile.ingestLocations);
      // Statements' durations in the log during this run, so the ingest calls' server-side time
      // can be set against the functions' wait for them: every one of SLOW_STATEMENT_MS or more,
      // and a sample of the faster ones (each ingest statement carries its event, ~1.5-5 KB a
      // line, and this process copies Postgres's log: logging all of them would load it).
      const logStatements = async (sampled: boolean) => {
        await admin.unsafe(`alter system set log_min_duration_statement = ${SLOW_STATEMENT_MS}`);
        await admin.unsafe(`alter system set log_min_duration_sample = ${sampled ? 0 : -1}`);
        await admin.unsafe(
          `alter system set log_statement_sample_rate = ${FAST_STATEMENT_SAMPLE_RATE}`,
        );
        await admin.unsafe("select pg_catalog.pg_reload_conf()");
      };
      await logStatements(true);
      // The machine's own stalls meanwhile (bench/host_stalls.ts): the host taking the virtual
      // CPUs away slows every process at once, whatever the code does.
      const probe = await startHostStallProbe();
      const m = await measure({
        name: `fixed ${profile.fixedRate}/s http mixed`,
        mode: "http",
        workload: "mixed",
        concurrency: 1,
        ratePerSecond: profile.fixedRate,
        count: profile.fixedRate * profile.fixedRateSeconds,
        maxSeconds: profile.fixedRateSeconds + 5,
        warmup: 100,
        space: nextSpace(),
        toastTargets: toastTargets(fleet, day),
        punchTargets: punchTargets(fleet, day),
        keepTimings: true,
      }).finally(() => logStatements(false)).catch(async (err) => {
        await probe.stop(); // not left running when the measurement fails
        throw err;
      });
      const stalls = await probe.stop();
      await sleep(200); // the log lines of the last statements
      const log = await Deno.readTextFile(host.postgresLog).catch(() => "");
      const gcLog = await Deno.readTextFile(host.gcLog).catch(() => "");
      const events = [...parsePostgresLog(log), ...parseGcLog(gcLog), ...stallEvents(stalls)]
        .filter((
          e,
        ) => e.endMs >= m.startedAtMs - 1000 && e.startMs <= m.endedAtMs + 1000);
      const tail = m.timed ? tailBreakdown(m.timed, events) : null;
      const stored: Measured = { ...m, timed: undefined };
      const { episodes: _, ...hostStalls } = stalls;
      step(
        `run ${r}: fixed rate ${profile.fixedRate}/s for ${m.elapsedSeconds} s: p50 ` +
          `${m.latency.p50} ms, p99 ${m.latency.p99} ms, max ${m.latency.max} ms, ${m.errors} ` +
          "errors" + (tail
            ? `; ≥ p99: ${JSON.stringify(tail.bands[3].parts)}; ingest calls in Postgres p50 ` +
              `${tail.serverIngestMs?.p50} p99 ${tail.serverIngestMs?.p99} ms, as the functions ` +
              `waited p50 ${tail.functionDatabaseMs.p50} p99 ${tail.functionDatabaseMs.p99} ms; ` +
              `GC ${JSON.stringify(tail.gc)}; ${describeHostStalls(hostStalls, tail)}`
            : ""),
      );
      return { fixedRate: stored, tail, hostStalls };
    };

    // ---- 4. Alerts: latency of single crossings, then a burst across many locations.
    const slackOf = (g: number) =>
    (i: number) => receiver.slackWebhookUrl(`bench-${g}-${i}`);
    const alertIdsIn = (body: unknown) =>
      [...JSON.stringify(body).matchAll(/Alert #(\d+)/g)].map((m) => Number(m[1]));
    // Every alert id the fake Slack has heard, with when: read incrementally, so that polling
    // while a burst drains costs the runner (and the CPU it shares) next to nothing.
    const delivered = new Map<number, number[]>();
    let deliveredUpTo = 0;
    const deliveredAt = () => {
      const all = receiver.messages("slack");
      for (; deliveredUpTo < all.length; deliveredUpTo++) {
        const m = all[deliveredUpTo];
        for (const id of new Set(alertIdsIn(m.body))) {
          delivered.set(id, [...(delivered.get(id) ?? []), m.receivedAt.getTime()]);
        }
      }
      return delivered;
    };
    /** Commit time (epoch ms) of each location's crossing order, with its alert id. */
    const crossings = async (locations: BenchLocation[]) => {
      const rows = await sql`
        select a.id as alert_id,
          extract(epoch from pg_catalog.pg_xact_commit_timestamp(o.xmin)) * 1000 as committed_ms
        from public.orders as o
        join public.alerts as a on a.location_id = o.location_id and a.business_date = o.business_date
        where o.location_id = any(${locations.map((l) => l.id)}::bigint[])
      `;
      return rows.map((r) => ({
        alertId: Number(r.alert_id),
        committedMs: Number(r.committed_ms),
      }));
    };
    /** Waits until the fake Slack has heard of every alert in `ids` (no database query). */
    const waitForAlerts = async (ids: number[], ms: number) => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline && !ids.every((id) => deliveredAt().has(id))) await sleep(50);
    };

    /** Locations with their own Slack webhook and $300 of labor today: one order crosses. */
    const alertLocations = async (count: number, punchIdBase: number) => {
      const group = nextGroup();
      const locations = await createLocations(sql, group, count, slackOf(group));
      await fillLabor(sql, locations, day, 30_000, punchIdBase);
      return locations;
    };

    const alertRuns = async (r: number) => {
      const latencyLocations = await alertLocations(
        profile.alertCrossings,
        700_000_000_000 + r * 1_000_000_000,
      );
      const latencyCpu = new CpuMeter(cpuGroups).start();
      const crossingRun = await lg.run({
        name: "alert crossings",
        mode: "http",
        workload: "toast",
        concurrency: 1,
        ratePerSecond: profile.alertRate,
        count: latencyLocations.length,
        maxSeconds: latencyLocations.length / profile.alertRate + 10,
        space: nextSpace(),
        amountCents: 100_000,
        toastTargets: toastTargets(latencyLocations, day),
        punchTargets: [],
      });
      // Every crossing has committed once its delivery was answered: the alerts exist.
      await waitForAlerts((await crossings(latencyLocations)).map((c) => c.alertId), 30_000);
      const latencyUsage = latencyCpu.stop();
      await sleep(500);
      const latencyCrossings = await crossings(latencyLocations);
      let seen = deliveredAt();
      const latencies = latencyCrossings.filter((c) => seen.has(c.alertId)).map((c) =>
        Math.min(...seen.get(c.alertId)!) - c.committedMs
      );
      const alertLatency = summarize(latencies);
      step(
        `run ${r}: alert latency over ${latencies.length} crossings (${crossingRun.errors} send ` +
          `errors): p50 ${alertLatency.p50} ms, p99 ${alertLatency.p99} ms`,
      );

      // The burst: every location crosses in one transaction; the outbox drains through pg_net.
      const burstLocations = await alertLocations(
        profile.alertBurst,
        710_000_000_000 + r * 1_000_000_000,
      );
      const burstEvents = burstLocations.map((l, i) => {
        const now = Date.now();
        const envelope = toastOrderEnvelope({
          eventGuid: benchUuid(0xbd000000 + r, 2 * i + 1),
          orderGuid: benchUuid(0xbd000000 + r, 2 * i),
          restaurantGuid: l.toastRestaurantGuid,
          businessDate: day.date,
          amountCents: 100_000,
          modifiedAtMs: now,
          sentAtMs: now,
        });
        const details = parseToastOrderDetails(envelope.details);
        if (!details.ok) throw new Error("burst order invalid");
        return {
          eventKey: envelope.guid,
          topic: envelope.eventType,
          restaurantGuid: l.toastRestaurantGuid,
          headers: {},
          rawBody: JSON.stringify(envelope),
          order: normalizeToastOrder(details.value.order),
        };
      });
      // Postgres's time by function during the burst (self time, every call timed meanwhile).
      await admin.unsafe("alter system set track_functions = 'all'");
      await admin.unsafe("select pg_catalog.pg_reload_conf()");
      await sleep(100);
      const functionsBefore = await functionTimes(admin);
      const burstCpu = new CpuMeter(cpuGroups).start();
      await sql.unsafe("select pipeline.ingest_toast(e) from jsonb_array_elements($1::jsonb) e", [
        burstEvents as unknown as postgres.SerializableParameter,
      ]);
      await waitForAlerts((await crossings(burstLocations)).map((c) => c.alertId), 90_000);
      const burstUsage = burstCpu.stop();
      await sleep(600); // statistics are flushed at most once a second
      const functionsAfter = await functionTimes(admin);
      await admin.unsafe("alter system reset track_functions");
      await admin.unsafe("select pg_catalog.pg_reload_conf()");
      const postgresFunctions = Object.entries(functionsAfter).map(([name, after]) => {
        const before = functionsBefore[name] ?? { calls: 0, selfMs: 0 };
        return {
          name,
          calls: after.calls - before.calls,
          selfMs: round(after.selfMs - before.selfMs, 1),
        };
      }).filter((f) => f.calls > 0).sort((a, b) => b.selfMs - a.selfMs).slice(0, 12);
      await sleep(500);
      const burstCrossings = await crossings(burstLocations);
      seen = deliveredAt();
      const firstCommit = Math.min(...burstCrossings.map((c) => c.committedMs));
      const burstDelivered = burstCrossings.filter((c) => seen.has(c.alertId));
      const lastReceived = Math.max(
        ...burstDelivered.map((c) => Math.min(...seen.get(c.alertId)!)),
      );
      const drainSeconds = (lastReceived - firstCommit) / 1000;
      const dupes = (list: Array<{ alertId: number }>) =>
        list.reduce((n, c) => n + Math.max(0, (seen.get(c.alertId)?.length ?? 0) - 1), 0);
      const alerts: AlertFigures = {
        latency: {
          crossings: latencyLocations.length,
          delivered: latencies.length,
          ratePerSecond: profile.alertRate,
          latencyMs: alertLatency,
          duplicates: dupes(latencyCrossings),
          machine: machineShare(latencyUsage),
        },
        throughput: {
          locations: burstLocations.length,
          delivered: burstDelivered.length,
          drainSeconds: round(drainSeconds, 3),
          alertsPerSecond: round(burstDelivered.length / drainSeconds, 1),
          latencyMs: summarize(
            burstDelivered.map((c) => Math.min(...seen.get(c.alertId)!) - c.committedMs),
          ),
          duplicates: dupes(burstCrossings),
          machine: machineShare(burstUsage),
          cpuMsPerAlert: Object.fromEntries(
            [...Object.entries(burstUsage.groupMs), ["rest of machine", burstUsage.otherMs]].map((
              [k, v],
            ) => [k, round(Number(v) / Math.max(1, burstDelivered.length), 3)]),
          ),
          pgNetReferencePerSecond: PG_NET_REFERENCE_PER_SECOND,
          postgresFunctions,
        },
      };
      step(
        `run ${r}: alert burst: ${alerts.throughput.delivered}/${alerts.throughput.locations} ` +
          `alerts in ${alerts.throughput.drainSeconds} s = ${alerts.throughput.alertsPerSecond}/s ` +
          `(p99 ${alerts.throughput.latencyMs.p99} ms; pg_net reference ` +
          `${PG_NET_REFERENCE_PER_SECOND}/s); CPU ms per alert ` +
          JSON.stringify(alerts.throughput.cpuMsPerAlert) + "; Postgres functions " +
          JSON.stringify(postgresFunctions.slice(0, 6)),
      );
      return { alerts, sendErrors: crossingRun.errors };
    };

    // ---- 6. Backfill through the vendor sync vs the same rows through direct SQL (a fresh
    // simulated restaurant each run).
    const backfillRun = async (r: number) => {
      const backfill = await measureBackfill({
        databaseUrl: host.databaseUrl,
        functionsDatabaseUrl: host.env.PIPELINE_DB_URL,
        vendorSyncPid: () => host.pids["vendor-sync"],
        days: profile.backfillDays,
        ordersPerDay: 100,
      });
      step(
        `run ${r}: backfill ${profile.backfillDays} days: sync ${backfill.sync.rowsPerSecond} ` +
          `rows/s vs direct ${backfill.direct.rowsPerSecond} rows/s = ${backfill.ratio}; Toast ` +
          `ordersBulk ${backfill.toast.averagePerSecond}/s (peak ${backfill.toast.peakPerSecond} ` +
          `in a second; all requests peak ${backfill.toast.allPeakPerSecond})`,
      );
      return backfill;
    };

    if (onlyBackfill) {
      // A quick loop for work on the sync: only the backfill, `runs` times, with where its
      // time went; no targets, no results file.
      for (let r = 1; r <= runCount; r++) {
        const b = await backfillRun(r);
        out(`run ${r}: backfill timeline (s after the request): ${JSON.stringify(b.timeline)}`);
      }
      return 0;
    }

    if (onlyTail) {
      // A quick loop for work on the tail: only the 200 events/s run, `runs` times, each with
      // its CPU per event by process and the tail split; no targets, no results file.
      for (let r = 1; r <= runCount; r++) {
        const { fixedRate, tail, hostStalls } = await fixedRateRun(r);
        const cpu = fixedRate.cpu;
        const perEvent = cpu
          ? Object.fromEntries(
            Object.entries(cpu.groupMs).filter(([, ms]) => ms > 0).map((
              [n, ms],
            ) => [n, round(ms / fixedRate.ok, 2)]),
          )
          : {};
        out(
          `run ${r}: p50 ${fixedRate.latency.p50} p99 ${fixedRate.latency.p99} ms; busy ` +
            `${cpu ? JSON.stringify(machineShare(cpu)) : "?"}; CPU ms/event ${
              JSON.stringify(perEvent)
            }; ingest in Postgres p99 ${tail?.serverIngestMs?.p99} ms, as the functions ` +
            `waited p99 ${tail?.functionDatabaseMs.p99} ms; ${
              describeHostStalls(hostStalls, tail)
            }`,
        );
      }
      return 0;
    }

    // ---- The runs: every measured target once per run, run after run, so that a noisy
    // minute falls on one run's figures and the worst run shows it.
    const runs: RunFigures[] = [];
    for (let r = 1; r <= runCount; r++) {
      const runStartedAt = new Date();
      const runCpu = new CpuMeter(cpuGroups).start();
      // Each run's peak RSS is its own: the kernel's high-water mark starts again here.
      for (const pid of Object.values(pids())) resetPeakRss(pid);
      const sampler = new RssSampler(pids, 200);
      const { comparisons, ingestRuns } = await ingestComparisons(r);
      const { fixedRate, tail, hostStalls } = await fixedRateRun(r);
      ingestRuns.push(fixedRate);
      const sampled = sampler.stop();
      const memory: MemoryRow[] = Object.entries(pids()).map(([name, pid]) => ({
        name,
        pid,
        peakMiB: readProcessMemory(pid).peakMiB,
        maxSampledRssMiB: sampled.maxRssMiB[name] ?? null,
      }));
      step(
        `run ${r}: memory: ${
          memory.map((m) => `${m.name} ${m.peakMiB} MiB`).join(", ")
        } (peak RSS, VmHWM)`,
      );

      // ---- 3b. Recompute scaling: 5,000-order days vs 10-order days, same database.
      const [bigDays, smallDays] = await measureFleets([
        await prepareFleet(`5,000-order days${runLabel(r)}`, 5000),
        await prepareFleet(`10-order days${runLabel(r)}`, 10),
      ]);
      const { alerts, sendErrors } = await alertRuns(r);
      const backfill = await backfillRun(r);
      const overtime = await measureOvertimeEdits(admin, { edits: profile.overtimeEdits });
      step(
        `run ${r}: overtime edits: moving the crossing ${overtime.movesOvertime.p50} ms vs ` +
          `none ${overtime.noOvertime.p50} ms (p50) = ${overtime.ratio}`,
      );
      const usage = runCpu.stop();
      const scenariosOfRun = [emptySmall[r - 1], bigDays, smallDays];
      runs.push({
        run: r,
        startedAt: runStartedAt.toISOString(),
        durationSeconds: round((Date.now() - runStartedAt.getTime()) / 1000, 1),
        machine: machineShare(usage),
        ingest: { comparisons, fixedRate, runs: ingestRuns },
        recompute: {
          dayRatio: {
            sql: ratio(bigDays.sql.latency.p50, smallDays.sql.latency.p50),
            http: ratio(bigDays.http.latency.p50, smallDays.http.latency.p50),
          },
          historyRatio: { sql: null, http: null },
          scenarios: scenariosOfRun,
        },
        alerts,
        memory,
        ingestErrors: ingestRuns.reduce((n, m) => n + m.errors, 0) + sendErrors,
        tail,
        hostStalls,
        backfill,
        overtime,
        targets: [],
      });
      step(`run ${r} of ${runCount} done (machine ${JSON.stringify(machineShare(usage))})`);
    }

    for (const [k, run] of runs.entries()) {
      const empty = emptySmall[k];
      const withHistory = historySmall[k];
      run.recompute.historyRatio = {
        sql: ratio(withHistory.sql.latency.p50, empty.sql.latency.p50),
        http: ratio(withHistory.http.latency.p50, empty.http.latency.p50),
      };
      run.recompute.scenarios.push(withHistory);
      run.ingestErrors += run.recompute.scenarios.reduce(
        (n, s) => n + s.sql.errors + s.http.errors,
        0,
      );
      run.targets = judgeRun(run, history.orders);
    }
    const targets = summarizeTargets(runs.map((r) => r.targets));

    // ---- 7. The projected close's accuracy (issue 19): last, because it holds the database's
    // replay clock. The pipeline on a week of simulated days, the model on more.
    const projectionStarted = performance.now();
    // Days in the future, four weeks of history included: pg_cron's open-day job, which the
    // replay runs every 5 replayed minutes, recomputes every day with an open punch clocked in
    // after its clock less 40 hours, and the earlier measurements left many near today.
    const firstDate = addDays(day.date, 60);
    const pipelineAccuracyFigures = profile.projection.pipelineDays > 0
      ? await pipelineAccuracy({
        target: {
          supabaseUrl: host.apiUrl,
          anonKey: host.env.SUPABASE_ANON_KEY,
          toastWebhookSecret: host.env.TOAST_WEBHOOK_SECRET,
          sevenShiftsGrantGuid: host.env.SEVENSHIFTS_GRANT_GUID,
        },
        databaseUrl: host.databaseUrl,
        functionsDatabaseUrl: host.env.PIPELINE_DB_URL,
        wageUnit: (host.env.SEVENSHIFTS_WAGE_UNIT ?? "dollars") as WageUnit,
      }, {
        days: profile.projection.pipelineDays,
        firstDate,
        historyWeeks: profile.projection.historyWeeks,
        seed: 1900,
      })
      : null;
    // The model's days under the issue's alert setting and the others of the sweep, each day
    // generated once.
    const sweep = sweepAlertSettings({
      days: profile.projection.modelDays,
      firstDate,
      historyWeeks: profile.projection.historyWeeks,
      seed: 1900,
    }, SWEEP_SETTINGS);
    const issueSetting = SWEEP_SETTINGS.findIndex((s) =>
      s.minShareBp === DEFAULT_PROJECTION_RULES.projectionMinShareBp &&
      s.marginBp === DEFAULT_PROJECTION_RULES.projectionMarginBp
    );
    const projection: ProjectionBenchFigures = {
      historyWeeks: profile.projection.historyWeeks,
      pipeline: pipelineAccuracyFigures?.figures ?? null,
      model: summarizeAccuracy(sweep.samples[issueSetting]!),
      sweep: sweep.points,
      seconds: round((performance.now() - projectionStarted) / 1000, 1),
    };
    step(
      `projection: pipeline ${JSON.stringify(projection.pipeline)}; model ` +
        `${JSON.stringify(projection.model)} (${projection.seconds} s)`,
    );

    // ---- Report.
    const finishedAt = new Date();
    const report: BenchReport = {
      schema: 2,
      mode: profile.name,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationSeconds: round((finishedAt.getTime() - startedAt.getTime()) / 1000, 1),
      git: await gitInfo(),
      machine: await machineInfo(sql, loadAvgStart),
      profile: { ...profile },
      businessDate: day.date,
      tables: await tableRows(sql),
      targets,
      runs,
      history,
      projection,
    };
    out(renderText(report));

    const stamp = startedAt.toISOString().replace(/[:]/g, "").replace(/\.\d+Z$/, "Z");
    await Deno.mkdir(repoPath("bench/results"), { recursive: true });
    const json = JSON.stringify(report, null, 2) + "\n";
    const file = repoPath(`bench/results/${stamp}-${profile.name}.json`);
    await Deno.writeTextFile(file, json);
    await Deno.writeTextFile(repoPath(`bench/results/latest-${profile.name}.json`), json);
    out(
      `\nWrote ${
        file.replace(repoPath() + "/", "")
      } (and latest-${profile.name}.json) in ${elapsed().trim()}.`,
    );
    if (profile.name === "full" && !args.has("--no-readme")) {
      const readmePath = repoPath("bench/README.md");
      const readme = await Deno.readTextFile(readmePath).catch(() => "");
      const updated = replaceFigures(readme, renderMarkdown(report));
      if (updated) {
        await Deno.writeTextFile(readmePath, updated);
        out("Updated the figures in bench/README.md.");
      }
    }
    out(
      targets.every((t) => t.met)
        ? `Every target met in all ${runCount} run(s).`
        : `Missed (worst run): ${targets.filter((t) => !t.met).map((t) => t.name).join("; ")}.`,
    );
    return targets.every((t) => t.met) ? 0 : 1;
  } finally {
    clearTimeout(watchdog);
    await sql.end({ timeout: 2 }).catch(() => {});
    await admin.end({ timeout: 2 }).catch(() => {});
    await loadgen?.stop().catch(() => {});
    await receiver.stop().catch(() => {});
    await host.stop().catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main());
