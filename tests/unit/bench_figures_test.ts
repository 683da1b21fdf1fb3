/**
 * The benchmark's judging and its tail breakdown (bench/report.ts, bench/tail.ts,
 * bench/loadgen.ts): a target is met only when its worst run meets it, and a slow request's
 * latency splits into the parts the timing headers name.
 */
import assert from "node:assert/strict";
import { summarizeTargets, type TargetValue } from "../../bench/report.ts";
import { median } from "../../bench/stats.ts";
import { latencyParts, parseGcLog, parsePostgresLog, tailBreakdown } from "../../bench/tail.ts";
import { parseServerTiming } from "../../bench/loadgen.ts";

function value(key: string, v: number | null, met: boolean, better: "higher" | "lower") {
  return {
    key,
    name: key,
    wanted: "x",
    better,
    value: v,
    detail: String(v),
    met,
  } satisfies TargetValue;
}

Deno.test("bench: a target is met only when every run, the worst included, meets it", () => {
  const runs = [
    [value("p99", 12, true, "lower"), value("ratio", 0.61, true, "higher")],
    [value("p99", 71, false, "lower"), value("ratio", 0.55, true, "higher")],
    [value("p99", 15, true, "lower"), value("ratio", 0.58, true, "higher")],
  ];
  const [p99, ratio] = summarizeTargets(runs);
  assert.deepEqual(
    { values: p99.values, median: p99.median, worst: p99.worst, met: p99.met },
    { values: [12, 71, 15], median: 15, worst: 71, met: false },
  );
  assert.deepEqual(
    { median: ratio.median, worst: ratio.worst, met: ratio.met },
    { median: 0.58, worst: 0.55, met: true },
  );
});

Deno.test("bench: a run that could not measure a target fails it", () => {
  const [t] = summarizeTargets([[value("p99", 10, true, "lower")], [
    value("p99", null, false, "lower"),
  ]]);
  assert.equal(t.worst, null);
  assert.equal(t.met, false);
});

Deno.test("bench: median of an even count is the mean of the middle two; nulls left out", () => {
  assert.equal(median([3, null, 1, 2, 10]), 2.5);
  assert.equal(median([5]), 5);
  assert.equal(median([null]), null);
});

Deno.test("bench: Server-Timing entries are read by name", () => {
  assert.deepEqual(parseServerTiming("db;dur=1.5, fn;dur=3.25,up;dur=4;desc=x, gw;dur=5"), {
    db: 1.5,
    fn: 3.25,
    up: 4,
    gw: 5,
  });
  assert.deepEqual(parseServerTiming("cache;desc=hit, bad;dur=x"), {});
  assert.deepEqual(parseServerTiming(null), {});
});

Deno.test("bench: a request's latency splits into parts that add up to it", () => {
  const parts = latencyParts({
    dueAtMs: 0,
    totalMs: 40,
    sendLagMs: 2,
    timing: { gw: 30, up: 29, fn: 20, db: 12 },
  })!;
  assert.deepEqual(parts, {
    sendLag: 2,
    toGateway: 8,
    gateway: 1,
    functionServer: 9,
    handler: 8,
    database: 12,
  });
  assert.equal(Object.values(parts).reduce((a, b) => a + b, 0), 40);
  assert.equal(latencyParts({ dueAtMs: 0, totalMs: 1, sendLagMs: 0, timing: { gw: 1 } }), null);
});

Deno.test("bench: the slow requests are matched to what Postgres logged while they ran", () => {
  const log = [
    "2026-11-29 20:00:00.100 UTC [11] LOG:  checkpoint starting: time",
    "2026-11-29 20:00:00.900 UTC [11] LOG:  checkpoint complete: wrote 10 buffers (0.1%)",
    '2026-11-29 20:00:05.500 UTC [12] LOG:  automatic vacuum of table "postgres.public.orders": ' +
    "index scans: 0",
    "\tsystem usage: CPU: user: 0.10 s, system: 0.01 s, elapsed: 0.50 s",
    "2026-11-29 20:00:07.020 UTC [13] LOG:  process 13 still waiting for ShareLock on " +
    "transaction 5 after 20.000 ms",
    "2026-11-29 20:00:09.030 UTC [14] LOG:  duration: 30.000 ms  execute <unnamed>: call x()",
    "2026-11-29 20:00:10.002 UTC [14] LOG:  duration: 2.000 ms  execute <unnamed>: call " +
    "pipeline.ingest_toast_committed($1::jsonb, null)",
    "a line that is not a log entry",
  ].join("\n");
  const events = parsePostgresLog(log);
  const t0 = Date.parse("2026-11-29T20:00:00Z");
  assert.deepEqual(
    events.map((e) => [e.kind, e.startMs - t0, e.endMs - t0]),
    [
      ["checkpoint", 100, 900],
      ["autovacuum", 5000, 5500],
      ["lock wait", 7000, 7020],
      ["statement", 9000, 9030],
      ["statement", 10_000, 10_002],
    ],
  );
  // 100 fast requests, and three slow ones: during the checkpoint, during the vacuum, alone.
  const requests = Array.from({ length: 100 }, (_, i) => ({
    dueAtMs: t0 + 20_000 + i,
    totalMs: 2,
    sendLagMs: 0,
    timing: { gw: 1.5, up: 1.4, fn: 1.2, db: 1 },
  }));
  const slow = (at: number, totalMs: number) => ({
    dueAtMs: t0 + at,
    totalMs,
    sendLagMs: 0,
    timing: { gw: totalMs - 1, up: totalMs - 2, fn: totalMs - 3, db: totalMs - 10 },
  });
  requests.push(slow(500, 60), slow(5_200, 55), slow(30_000, 50));
  const tail = tailBreakdown(requests, events, 3);
  assert.equal(tail.requests, 103);
  assert.equal(tail.timed, 103);
  assert.deepEqual(tail.databaseEvents, {
    checkpoint: 1,
    autovacuum: 1,
    "lock wait": 1,
    statement: 1,
  });
  // The 2 ms ingest call is timed, not counted slow; logged 1 in 10, it stands for 10 calls.
  assert.equal(tail.serverIngestMs?.count, 10);
  assert.equal(tail.serverIngestMs?.p99, 2);
  // Every call of 10 ms or more is logged, so each stands for itself.
  const slowCall = {
    kind: "statement",
    startMs: t0 + 40_000,
    endMs: t0 + 40_012,
    detail: "12 ms execute <unnamed>: call pipeline.ingest_toast_committed($ev$...",
  };
  const weighted = tailBreakdown(requests, [...events, slowCall], 3);
  assert.equal(weighted.serverIngestMs?.count, 11);
  assert.equal(weighted.serverIngestMs?.max, 12);
  assert.equal(tail.functionDatabaseMs.count, 103);
  assert.deepEqual(tail.slowOverlapping, { checkpoint: 1, autovacuum: 1 });
  assert.deepEqual(tail.allOverlappingPct, { checkpoint: 1, autovacuum: 1 }, "1 of 103: 1 %");
  // Without the requests that overlapped each kind: what the tail would be without it.
  assert.deepEqual(tail.p99ClearOf, {
    checkpoint: { requests: 102, p99Ms: 50 },
    autovacuum: { requests: 102, p99Ms: 50 },
    "lock wait": { requests: 103, p99Ms: 55 },
  });
  const top = tail.bands.find((b) => b.band === "≥ p99")!;
  assert.equal(top.requests, 2); // p99 of 103 is the 102nd: 55 ms
  assert.equal(top.parts.database, round((50 + 45) / 2));
  assert.deepEqual(tail.slowest.map((s) => [s.totalMs, s.during.length]), [[60, 1], [55, 1], [
    50,
    0,
  ]]);
});

function round(n: number) {
  return Math.round(n * 1000) / 1000;
}

Deno.test("bench: garbage-collection pauses are read from --trace-gc lines, per process", () => {
  const events = parseGcLog([
    "1000 toast-webhook [7:0x55b0]       42 ms: Scavenge 7.1 (8.6) -> 7.0 (9.6) MB, pooled: 0 MB, " +
    "1.50 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ",
    "2000 gateway [9:0x1]     5000 ms: Mark-Compact (reduce) 90.1 (120.0) -> 60.0 (100.0) MB, " +
    "25.00 / 0.00 ms  (+ 3.0 ms in 10 steps since start of marking) finalize incremental marking",
    "[toast-webhook] not a trace line",
  ].join("\n"));
  assert.deepEqual(events.map((e) => [e.kind, e.startMs, e.endMs, e.detail]), [
    ["gc toast-webhook", 998.5, 1000, "Scavenge 1.5 ms"],
    ["gc gateway", 1975, 2000, "Mark-Compact (reduce) 25 ms"],
  ]);
  const tail = tailBreakdown([{
    dueAtMs: 1990,
    totalMs: 30,
    sendLagMs: 0,
    timing: { gw: 29, up: 2, fn: 1.5, db: 1 },
  }], events);
  assert.deepEqual(tail.gc, {
    "toast-webhook": { pauses: 1, totalMs: 1.5, maxMs: 1.5, over10Ms: 0 },
    gateway: { pauses: 1, totalMs: 25, maxMs: 25, over10Ms: 1 },
  });
  assert.deepEqual(tail.slowOverlapping, { "gc gateway": 1 }, "the 1.5 ms pause is not counted");
});
