/**
 * Where the slow requests of the fixed-rate run spend their time: each request's latency split
 * by the timing headers the pieces add on the way back (`Server-Timing`: the function's `db`
 * and `fn`, the local gateway's `up` and `gw`), and what Postgres logged while it ran
 * (checkpoints, autovacuum, lock waits, slow statements), matched to the slow requests by time.
 * Pure: the load generator and the runner collect, this only adds up.
 *
 * @module
 */
import { type LatencySummary, percentile, round, summarize } from "./stats.ts";

/** One timed request of an open-loop run (ms; epoch ms for `dueAtMs`). */
export interface TimedRequest {
  /** When it was due (epoch ms): its latency runs from here. */
  dueAtMs: number;
  /** Due → answer read by the load generator. */
  totalMs: number;
  /** Due → sent (the load generator's own lateness). */
  sendLagMs: number;
  /** `Server-Timing` durations by name (`gw`, `up`, `fn`, `db`), when present. */
  timing: Record<string, number>;
}

/** The parts of a request's latency, from the outside in (ms). */
export interface LatencyParts {
  /** The load generator sent it late. */
  sendLag: number;
  /** Sent → the gateway's handler, and the gateway's answer → read: sockets, both event loops. */
  toGateway: number;
  /** The gateway itself: reading the body, the proxy request, copying the answer. */
  gateway: number;
  /** The function's server: accepting the proxied request, queueing, writing the answer. */
  functionServer: number;
  /** The handler without its database call: body, signature, validation, normalisation. */
  handler: number;
  /** The database call as the function waits for it: pool, round trip, the ingest, commit. */
  database: number;
}

export const PART_NAMES: Record<keyof LatencyParts, string> = {
  sendLag: "load generator late",
  toGateway: "load generator ↔ gateway",
  gateway: "gateway",
  functionServer: "function's HTTP server",
  handler: "handler (no database)",
  database: "database call",
};

/** Splits one request, or null when a timing header is missing. */
export function latencyParts(r: TimedRequest): LatencyParts | null {
  const { gw, up, fn, db } = r.timing;
  if ([gw, up, fn, db].some((v) => v === undefined || !Number.isFinite(v))) return null;
  return {
    sendLag: r.sendLagMs,
    toGateway: r.totalMs - r.sendLagMs - gw,
    gateway: gw - up,
    functionServer: up - fn,
    handler: fn - db,
    database: db,
  };
}

/** Mean parts of the requests in one latency band. */
export interface Band {
  band: string;
  requests: number;
  totalMs: number;
  parts: LatencyParts;
}

/**
 * Something that may hold requests up, with when it ran (epoch ms): what Postgres logged
 * (`checkpoint`, `autovacuum`, `autoanalyze`, `lock wait`, `statement`) or a garbage
 * collection pause of one of the processes (`gc <process>`).
 */
export interface DatabaseEvent {
  kind: string;
  startMs: number;
  endMs: number;
  detail: string;
}

/** Garbage-collection pauses shorter than this are not counted as events (ms). */
export const GC_PAUSE_EVENT_MS = 2;

/** Statements at least this long count as slow events of the database (ms). */
export const SLOW_STATEMENT_MS = 10;

/**
 * The share of statements under {@link SLOW_STATEMENT_MS} that the 200 events/s run logs
 * (`log_statement_sample_rate`; every slower one is logged).
 */
export const FAST_STATEMENT_SAMPLE_RATE = 0.1;

/** The tail of one fixed-rate run, split. */
export interface TailBreakdown {
  requests: number;
  /** Requests that carried every timing header. */
  timed: number;
  p99Ms: number;
  bands: Band[];
  /** Postgres events during the run, by kind (statements: those ≥ {@link SLOW_STATEMENT_MS}). */
  databaseEvents: Record<string, number>;
  /**
   * The ingest calls as Postgres timed them (every one of {@link SLOW_STATEMENT_MS} or more and
   * a {@link FAST_STATEMENT_SAMPLE_RATE} sample of the faster ones, each of those counted
   * 1 / rate times, so `count` is an estimate), next to
   * the database call as the functions waited for it: the difference is the wait for one of
   * a function's pooled connections, the round trip, and the function's own event loop.
   */
  serverIngestMs: LatencySummary | null;
  functionDatabaseMs: LatencySummary;
  /** Garbage collection by process during the run: pauses, their total and longest (ms). */
  gc: Record<string, { pauses: number; totalMs: number; maxMs: number; over10Ms: number }>;
  /** Of the requests at or above p99: how many overlap each kind of event. */
  slowOverlapping: Record<string, number>;
  /**
   * Of all requests: the share (%) that overlap each kind of event, the base rate to set
   * `slowOverlapping` against (a checkpoint spread over minutes overlaps every request).
   */
  allOverlappingPct: Record<string, number>;
  /**
   * For each kind of event but slow statements (which are the slow requests themselves): the
   * requests that overlapped none of that kind, and their p99 (ms). Against `p99Ms`, what the
   * tail would be without that kind of event.
   */
  p99ClearOf: Record<string, { requests: number; p99Ms: number }>;
  /** The slowest requests, each with its parts and the database events it overlaps. */
  slowest: Array<
    { totalMs: number; dueAtMs: number; parts: LatencyParts | null; during: string[] }
  >;
}

function meanParts(list: LatencyParts[]): LatencyParts {
  const sum = (k: keyof LatencyParts) =>
    round(list.reduce((n, p) => n + p[k], 0) / Math.max(1, list.length), 3);
  return {
    sendLag: sum("sendLag"),
    toGateway: sum("toGateway"),
    gateway: sum("gateway"),
    functionServer: sum("functionServer"),
    handler: sum("handler"),
    database: sum("database"),
  };
}

/** Splits the requests of one run into latency bands and matches the slow ones to `events`. */
export function tailBreakdown(
  requests: readonly TimedRequest[],
  allEvents: readonly DatabaseEvent[],
  slowestKept = 10,
  fastSampleRate = FAST_STATEMENT_SAMPLE_RATE,
): TailBreakdown {
  const ingestCalls = allEvents.filter((e) =>
    e.kind === "statement" && /^[\d.]+ ms execute .*ingest_/.test(e.detail)
  );
  const events = allEvents.filter((e) =>
    e.kind === "statement"
      ? e.endMs - e.startMs >= SLOW_STATEMENT_MS
      : !e.kind.startsWith("gc ") || e.endMs - e.startMs >= GC_PAUSE_EVENT_MS
  );
  const gc: TailBreakdown["gc"] = {};
  for (const e of allEvents.filter((x) => x.kind.startsWith("gc "))) {
    const g = gc[e.kind.slice(3)] ??= { pauses: 0, totalMs: 0, maxMs: 0, over10Ms: 0 };
    const ms = e.endMs - e.startMs;
    g.pauses++;
    g.totalMs = round(g.totalMs + ms, 2);
    g.maxMs = Math.max(g.maxMs, round(ms, 2));
    if (ms >= 10) g.over10Ms++;
  }
  const sorted = [...requests].sort((a, b) => a.totalMs - b.totalMs);
  const totals = sorted.map((r) => r.totalMs);
  const p50 = percentile(totals, 50);
  const p90 = percentile(totals, 90);
  const p99 = percentile(totals, 99);
  const split = sorted.map((r) => ({ r, parts: latencyParts(r) }));
  const band = (name: string, keep: (ms: number) => boolean): Band => {
    const inBand = split.filter((s) => keep(s.r.totalMs));
    const timed = inBand.flatMap((s) => (s.parts ? [s.parts] : []));
    return {
      band: name,
      requests: inBand.length,
      totalMs: round(inBand.reduce((n, s) => n + s.r.totalMs, 0) / Math.max(1, inBand.length), 3),
      parts: meanParts(timed),
    };
  };
  const overlapping = (r: TimedRequest) =>
    events.filter((e) => e.startMs <= r.dueAtMs + r.totalMs && e.endMs >= r.dueAtMs);
  const slow = sorted.filter((r) => r.totalMs >= p99);
  const slowOverlapping: Record<string, number> = {};
  for (const r of slow) {
    for (const kind of new Set(overlapping(r).map((e) => e.kind))) {
      slowOverlapping[kind] = (slowOverlapping[kind] ?? 0) + 1;
    }
  }
  const everyOverlap: Record<string, number> = {};
  for (const r of requests) {
    for (const kind of new Set(overlapping(r).map((e) => e.kind))) {
      everyOverlap[kind] = (everyOverlap[kind] ?? 0) + 1;
    }
  }
  const allOverlappingPct = Object.fromEntries(
    Object.entries(everyOverlap).map(([k, n]) => [k, round((n / requests.length) * 100, 1)]),
  );
  const databaseEvents: Record<string, number> = {};
  for (const e of events) databaseEvents[e.kind] = (databaseEvents[e.kind] ?? 0) + 1;
  const p99ClearOf: TailBreakdown["p99ClearOf"] = {};
  for (const kind of Object.keys(databaseEvents).filter((k) => k !== "statement")) {
    const clear = sorted.filter((r) => !overlapping(r).some((e) => e.kind === kind));
    p99ClearOf[kind] = {
      requests: clear.length,
      p99Ms: round(percentile(clear.map((r) => r.totalMs), 99), 3),
    };
  }
  return {
    requests: requests.length,
    timed: split.filter((s) => s.parts).length,
    p99Ms: round(p99, 3),
    bands: [
      band("all requests", () => true),
      band("≤ p50", (ms) => ms <= p50),
      band("p90 – p99", (ms) => ms >= p90 && ms < p99),
      band("≥ p99", (ms) => ms >= p99),
    ],
    databaseEvents,
    serverIngestMs: ingestCalls.length > 0
      ? summarize(ingestCalls.flatMap((e) => {
        const ms = e.endMs - e.startMs;
        const weight = ms >= SLOW_STATEMENT_MS ? 1 : Math.round(1 / fastSampleRate);
        return Array.from({ length: weight }, () => ms);
      }))
      : null,
    functionDatabaseMs: summarize(
      requests.flatMap((r) => (r.timing.db === undefined ? [] : [r.timing.db])),
    ),
    gc,
    slowOverlapping,
    allOverlappingPct,
    p99ClearOf,
    slowest: split.slice(-slowestKept).reverse().map((s) => ({
      totalMs: round(s.r.totalMs, 3),
      dueAtMs: Math.round(s.r.dueAtMs),
      parts: s.parts,
      during: overlapping(s.r).map((e) => `${e.kind}: ${e.detail}`.slice(0, 160)),
    })),
  };
}

/**
 * The events in a Postgres log written with `log_line_prefix = '%m [%p] '` (and
 * `log_timezone = UTC`): checkpoints (start → complete), automatic vacuum and analyze (their
 * `elapsed`), lock waits (`still waiting … after N ms`) and statements logged with their
 * duration (`log_min_duration_statement`).
 */
export function parsePostgresLog(text: string): DatabaseEvent[] {
  const events: DatabaseEvent[] = [];
  let checkpointStart: number | null = null;
  const line = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC \[(\d+)\] (?:\w+):\s+(.*)$/s;
  // A message's continuation lines (autovacuum's figures, a statement) start with a tab.
  const entries: string[] = [];
  for (const raw of text.split("\n")) {
    if (raw.startsWith("\t") && entries.length > 0) entries[entries.length - 1] += `\n${raw}`;
    else entries.push(raw);
  }
  for (const raw of entries) {
    const m = line.exec(raw);
    if (!m) continue;
    const at = Date.parse(`${m[1].replace(" ", "T")}Z`);
    const message = m[3];
    if (message.startsWith("checkpoint starting")) {
      checkpointStart = at;
    } else if (message.startsWith("checkpoint complete")) {
      events.push({
        kind: "checkpoint",
        startMs: checkpointStart ?? at,
        endMs: at,
        detail: message.slice(0, 120),
      });
      checkpointStart = null;
    } else if (/^automatic (vacuum|analyze) of table/.test(message)) {
      const elapsed = /elapsed: ([\d.]+) s/.exec(raw);
      const seconds = elapsed ? Number(elapsed[1]) : 0;
      events.push({
        kind: message.startsWith("automatic vacuum") ? "autovacuum" : "autoanalyze",
        startMs: at - seconds * 1000,
        endMs: at,
        detail: /of table "([^"]+)"/.exec(message)?.[1] ?? message.slice(0, 80),
      });
    } else if (/still waiting for .* after ([\d.]+) ms/.test(message)) {
      const after = Number(/after ([\d.]+) ms/.exec(message)![1]);
      events.push({
        kind: "lock wait",
        startMs: at - after,
        endMs: at,
        detail: message.slice(0, 120),
      });
    } else if (message.startsWith("duration: ")) {
      const ms = Number(/^duration: ([\d.]+) ms/.exec(message)?.[1] ?? 0);
      events.push({
        kind: "statement",
        startMs: at - ms,
        endMs: at,
        detail: `${round(ms, 1)} ms ${message.replace(/^duration: [\d.]+ ms\s+/, "").slice(0, 80)}`,
      });
    }
  }
  return events;
}

/**
 * The pauses in a log of V8's `--trace-gc` lines, each prefixed with the epoch ms it was read
 * and the process's name (`1764450000123 toast-webhook [12:0x…]  530 ms: Scavenge 7.1 (8.6) ->
 * 7.0 (9.6) MB, pooled: 0 MB, 1.00 / 0.00 ms …`): a pause ends about when its line is read.
 */
export function parseGcLog(text: string): DatabaseEvent[] {
  const events: DatabaseEvent[] = [];
  const line =
    /^(\d+) (\S+) \[[^\]]+\]\s+\d+ ms: ([A-Za-z-]+(?: \([a-z ]+\))?).*?MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/;
  for (const raw of text.split("\n")) {
    const m = line.exec(raw);
    if (!m) continue;
    const at = Number(m[1]);
    const pause = Number(m[4]);
    events.push({
      kind: `gc ${m[2]}`,
      startMs: at - pause,
      endMs: at,
      detail: `${m[3]} ${pause} ms`,
    });
  }
  return events;
}
