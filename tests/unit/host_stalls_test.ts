/**
 * The benchmark's probe of the machine's own stalls (bench/host_stalls.ts): a piece of work
 * timed every few milliseconds; the stretches where it runs many times slower than usual are
 * the stalls the slow requests are set against.
 */
import assert from "node:assert/strict";
import {
  coincidentStalls,
  hostStalls,
  parseProbeOutput,
  type ProbeSample,
  STALL_AFTERMATH_MS,
  STALL_AND_AFTERMATH,
  stallEvents,
  startHostStallProbe,
} from "../../bench/host_stalls.ts";
import { tailBreakdown } from "../../bench/tail.ts";

/** A piece every 5 ms for `ms`, 0.2 ms each, except where `slow` says otherwise. */
function samples(ms: number, slow: (atMs: number) => number | undefined): ProbeSample[] {
  const out: ProbeSample[] = [];
  for (let at = 0; at < ms; at += 5) out.push({ atMs: at, workMs: slow(at) ?? 0.2 });
  return out;
}

Deno.test("host stalls: runs of slow pieces are stalls, merged across short gaps", () => {
  const s = hostStalls(
    samples(10_000, (at) => {
      // 1,000-1,080 ms: every other piece ten times slower (one stall of ~82 ms).
      if (at >= 1000 && at <= 1080 && at % 10 === 0) return 2;
      // One piece twice as slow: not a stall (under 3× and under +0.5 ms).
      if (at === 4000) return 0.4;
      // 7,000-7,020 ms: a short stall, 30× slower.
      if (at >= 7000 && at <= 7020) return 6;
      return undefined;
    }),
    -20,
  );
  assert.equal(s.baselineMs, 0.2);
  assert.deepEqual(s.episodes.map((e) => [e.kind, e.startMs, e.endMs]), [
    ["host stall", 1000, 1082],
    ["host stall", 7000, 7026],
  ]);
  assert.equal(s.longestMs, 82);
  assert.equal(s.medianGapMs, 6000);
  assert.equal(s.worstSlowdown, 30);
  // 108 ms of 9,995 probed; only the first stall outlasts 50 ms, by 32 ms.
  assert.equal(s.stalledPct, 1.1);
  assert.equal(s.beyondTargetPct, 0.32);
  assert.equal(s.nice, -20);
});

Deno.test("host stalls: the tail's p99 without the requests a stall or its aftermath held", () => {
  const s = hostStalls(samples(10_000, (at) => (at >= 1000 && at <= 1080 ? 3 : undefined)), 0);
  assert.deepEqual(stallEvents(s).map((e) => [e.kind, e.startMs, e.endMs]), [
    ["host stall", 1000, 1083],
    [STALL_AND_AFTERMATH, 1000, 1083 + STALL_AFTERMATH_MS],
  ]);
  // 200 requests of 5 ms every 50 ms; those due during the stall take 90 ms, those due in the
  // next 250 ms 60 ms (the backlog draining).
  const requests = Array.from({ length: 200 }, (_, i) => {
    const due = i * 50;
    const totalMs = due >= 1000 && due <= 1083 ? 90 : due > 1083 && due <= 1333 ? 60 : 5;
    return { dueAtMs: due, totalMs, sendLagMs: 0, timing: {} };
  });
  const tail = tailBreakdown(requests, stallEvents(s));
  // 2 requests of 90 ms and 5 of 60 in 200: the p99 (the 198th) is one of the 60s.
  assert.equal(tail.p99Ms, 60);
  assert.deepEqual(tail.p99ClearOf, {
    // Without the 2 due during the stall the backlog's 60s remain; without the aftermath too,
    // the 193 left all took 5 ms.
    "host stall": { requests: 198, p99Ms: 60 },
    [STALL_AND_AFTERMATH]: { requests: 193, p99Ms: 5 },
  });
});

Deno.test("host stalls: stalls of two pinned probes are matched when they overlap", () => {
  const cpu0 = hostStalls(
    samples(5000, (at) => (at === 1000 || at === 3000 || at === 4500 ? 3 : undefined)),
    -20,
  );
  const cpu1 = hostStalls(
    samples(5000, (at) => (at === 1000 || at === 3005 ? 3 : undefined)),
    -20,
  );
  // 1,000 and 3,000 (3,000-3,003 against 3,005-3,008: apart, though 5 ms close) on CPU 0.
  assert.equal(cpu0.episodes.length, 3);
  assert.equal(coincidentStalls(cpu0, cpu1), 1);
  assert.equal(coincidentStalls(cpu1, cpu1), 2);
});

Deno.test("host stalls: a machine that never slows has none", () => {
  const s = hostStalls(samples(2000, () => undefined), 0);
  assert.deepEqual(s.episodes, []);
  assert.equal(s.stalledPct, 0);
  assert.equal(s.medianGapMs, null);
  assert.equal(hostStalls([], null).samples, 0);
});

Deno.test("host stalls: the probe's output is read line by line", () => {
  const s = parseProbeOutput("nice -20\n100.5 0.2000\n105.5 0.2100\n# 1234\nnot a line\n");
  assert.equal(s.nice, -20);
  assert.equal(s.samples, 2);
  assert.equal(s.baselineMs, 0.205);
});

Deno.test("host stalls: the probe runs as a process of its own and reports its pieces", async () => {
  const probe = await startHostStallProbe();
  await new Promise((r) => setTimeout(r, 1000));
  const s = await probe.stop();
  // A piece every 4 ms plus its own time: ~200 in the 1.3 s it ran; at least a quarter of that.
  assert.ok(s.samples >= 50, `${s.samples} pieces`);
  assert.ok(s.baselineMs > 0.01 && s.baselineMs < 5, `a piece took ${s.baselineMs} ms`);
  assert.ok(s.nice !== null && Number.isInteger(s.nice) && s.nice <= 0, `nice ${s.nice}`);
});
