/**
 * Whether the machine itself stalls: a probe process, at the highest priority the system lets
 * it take (`nice -n -20`), does the same small piece of arithmetic every few milliseconds and
 * times it. On a machine that runs it at full speed every piece takes about as long as the
 * fastest one; when the host takes the virtual CPUs away (another tenant, the hypervisor), the
 * pieces take many times longer, whatever the processes inside the machine do. Those stretches
 * are the "host stalls" the benchmark sets the slow requests against.
 *
 * The probe uses ~2 % of one core. Run on its own (`npm run bench:host-stalls [-- --seconds 20]`)
 * it reports the stalls of an idle machine.
 *
 * @module
 */
import { type DatabaseEvent, type TailBreakdown } from "./tail.ts";
import { median, round } from "./stats.ts";

/** One timed piece of work of the probe. */
export interface ProbeSample {
  /** When the piece started (epoch ms). */
  atMs: number;
  /** How long it took (ms). */
  workMs: number;
}

/** A piece is stalled when it takes this many times the machine's usual time… */
export const STALL_FACTOR = 3;
/** …and at least this much longer (ms): one interrupt is not a stall. */
export const STALL_MIN_EXTRA_MS = 0.5;
/** Stalled pieces this close together (ms) are one stall. */
export const STALL_MERGE_GAP_MS = 60;
/**
 * After a stall, the work that queued during it still has to drain: at 200 events/s and
 * ~6.5 ms of CPU each, the two cores have ~0.7 of a core to spare, so a 90 ms stall's backlog
 * takes ~170 ms more. Requests due this long after a stall count as its aftermath (ms).
 */
export const STALL_AFTERMATH_MS = 250;
/** The kind of the events that span a stall and its aftermath. */
export const STALL_AND_AFTERMATH = `host stall + ${STALL_AFTERMATH_MS} ms after`;

/** The ingest latency target the stalls are set against (p99, ms). */
export const P99_TARGET_MS = 50;
/** The probe's pause between pieces (ms). */
export const PROBE_INTERVAL_MS = 4;

/** The stalls found in a probe's samples, and what they add up to. */
export interface HostStalls {
  /** The probe's priority as it ran (its nice value): -20 unless the system refused. */
  nice: number | null;
  samples: number;
  /** The usual time of one piece (the median, ms). */
  baselineMs: number;
  /** Each stall, as an event the tail breakdown matches requests against. */
  episodes: DatabaseEvent[];
  /** Stalls per minute of probing. */
  perMinute: number;
  /** Share of the probed time spent inside a stall (%). */
  stalledPct: number;
  longestMs: number;
  /** Median time from one stall's start to the next's (ms), when there were two or more. */
  medianGapMs: number | null;
  /**
   * Share of the probed time (%) from which a stall still had {@link P99_TARGET_MS} or more to
   * run: a machine left a third of its CPU or less falls behind any stream that needs more
   * (200 events/s here needs ~1.3 of 2 cores), so a request due then waits at least that long
   * whatever the code does. Above 1 %, a p99 ≤ {@link P99_TARGET_MS} ms cannot hold.
   */
  beyondTargetPct: number;
  /** The slowest piece ÷ the usual time. */
  worstSlowdown: number;
}

/** Finds the stalls in a probe's samples (in time order). Pure. */
export function hostStalls(samples: readonly ProbeSample[], nice: number | null): HostStalls {
  const baselineMs = median(samples.map((s) => s.workMs)) ?? 0;
  const threshold = Math.max(baselineMs * STALL_FACTOR, baselineMs + STALL_MIN_EXTRA_MS);
  const spans: Array<{ startMs: number; endMs: number; pieces: number; worstMs: number }> = [];
  for (const s of samples) {
    if (s.workMs < threshold) continue;
    const last = spans.at(-1);
    if (last && s.atMs - last.endMs <= STALL_MERGE_GAP_MS) {
      last.endMs = Math.max(last.endMs, s.atMs + s.workMs);
      last.pieces++;
      last.worstMs = Math.max(last.worstMs, s.workMs);
    } else {
      spans.push({ startMs: s.atMs, endMs: s.atMs + s.workMs, pieces: 1, worstMs: s.workMs });
    }
  }
  const first = samples[0];
  const last = samples.at(-1);
  const probedMs = first && last ? last.atMs + last.workMs - first.atMs : 0;
  const stalledMs = spans.reduce((n, e) => n + (e.endMs - e.startMs), 0);
  const gaps = spans.slice(1).map((e, i) => e.startMs - spans[i]!.startMs);
  const worstMs = Math.max(0, ...samples.map((s) => s.workMs));
  return {
    nice,
    samples: samples.length,
    baselineMs: round(baselineMs, 4),
    episodes: spans.map((e) => ({
      kind: "host stall",
      startMs: e.startMs,
      endMs: e.endMs,
      detail: `${round(e.endMs - e.startMs, 1)} ms, ${e.pieces} pieces, up to ${
        round(e.worstMs / Math.max(baselineMs, 1e-6), 1)
      }× slower`,
    })),
    perMinute: probedMs > 0 ? round(spans.length / (probedMs / 60_000), 1) : 0,
    stalledPct: probedMs > 0 ? round((stalledMs / probedMs) * 100, 1) : 0,
    longestMs: round(Math.max(0, ...spans.map((e) => e.endMs - e.startMs)), 1),
    medianGapMs: gaps.length > 0 ? round(median(gaps) ?? 0, 0) : null,
    beyondTargetPct: probedMs > 0
      ? round(
        (spans.reduce((n, e) => n + Math.max(0, e.endMs - e.startMs - P99_TARGET_MS), 0) /
          probedMs) * 100,
        2,
      )
      : 0,
    worstSlowdown: baselineMs > 0 ? round(worstMs / baselineMs, 1) : 0,
  };
}

/**
 * The stalls as events for the tail breakdown: each stall, and each stall with its
 * {@link STALL_AFTERMATH_MS} aftermath (its own kind).
 */
export function stallEvents(s: HostStalls): DatabaseEvent[] {
  return [
    ...s.episodes,
    ...s.episodes.map((e) => ({
      ...e,
      kind: STALL_AND_AFTERMATH,
      endMs: e.endMs + STALL_AFTERMATH_MS,
    })),
  ];
}

/** "host stalls: 18 (5.5 % of the time, longest 88 ms); p99 of the requests that overlapped none: 21 ms". */
export function describeHostStalls(
  s: Omit<HostStalls, "episodes">,
  tail: TailBreakdown | null,
): string {
  const clear = tail?.p99ClearOf["host stall"];
  const settled = tail?.p99ClearOf[STALL_AND_AFTERMATH];
  return `host stalls (probe at nice ${s.nice}): ${s.perMinute}/min, ${s.stalledPct} % of the ` +
    `time, longest ${s.longestMs} ms, up to ${s.worstSlowdown}× slower, ${s.beyondTargetPct} % ` +
    `of the time ≥ ${P99_TARGET_MS} ms before a stall's end` +
    (clear
      ? `; p99 of the ${clear.requests} requests that overlapped no stall ${clear.p99Ms} ms`
      : "") +
    (settled
      ? `, of the ${settled.requests} that were not due within ${STALL_AFTERMATH_MS} ms after ` +
        `one either ${settled.p99Ms} ms`
      : "");
}

/**
 * How many of `a`'s stalls overlap one of `b`'s: probes pinned to two CPUs that stall together
 * point at the host (both virtual CPUs taken away at once), not at a process inside. Pure.
 */
export function coincidentStalls(a: HostStalls, b: HostStalls): number {
  return a.episodes.filter((x) =>
    b.episodes.some((y) => y.startMs <= x.endMs && y.endMs >= x.startMs)
  )
    .length;
}

/** A running probe. */
export interface HostStallProbe {
  /** Stops it and returns what it measured. */
  stop(): Promise<HostStalls>;
}

/**
 * Starts the probe as a process of its own at `nice -n -20` (at its usual priority where the
 * system refuses; the result says which). Its samples come back when it stops.
 */
export async function startHostStallProbe(cpu?: number): Promise<HostStallProbe> {
  const self = new URL(import.meta.url).pathname;
  const probe = ["nice", "-n", "-20", Deno.execPath(), "run", "-A", "--no-prompt", self, "--probe"];
  // Pinned to one CPU with `taskset` when asked (util-linux, on every Debian).
  const command = cpu === undefined ? probe : ["taskset", "-c", String(cpu), ...probe];
  const child = new Deno.Command(command[0]!, {
    args: command.slice(1),
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  // Its whole output, kept as it arrives; its first line (`nice N`) comes after calibration.
  let text = "";
  let ready: () => void = () => {};
  const started = new Promise<void>((r) => (ready = r));
  const reading = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      if (text.includes("\n")) ready();
    }
    ready();
  })();
  const giveUp = setTimeout(ready, 10_000);
  await started;
  clearTimeout(giveUp);
  return {
    async stop() {
      await child.stdin.close().catch(() => {});
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await Promise.all([reading, child.status]).finally(() => clearTimeout(timer));
      return parseProbeOutput(text);
    },
  };
}

/** Reads the probe's output: `nice N`, then one `atMs workMs` line per piece. Pure. */
export function parseProbeOutput(text: string): HostStalls {
  let nice: number | null = null;
  const samples: ProbeSample[] = [];
  for (const line of text.split("\n")) {
    const [a, b] = line.trim().split(" ");
    if (a === "nice") nice = Number(b);
    else if (a && b && Number.isFinite(Number(a)) && Number.isFinite(Number(b))) {
      samples.push({ atMs: Number(a), workMs: Number(b) });
    }
  }
  return hostStalls(samples, nice);
}

/** One piece of arithmetic the JIT cannot drop (its result is returned). */
function piece(rounds: number, seed: number): number {
  let x = seed | 0;
  for (let i = 0; i < rounds; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x;
}

/** The probe's loop: until its stdin closes, a piece every {@link PROBE_INTERVAL_MS}. */
async function probe(): Promise<void> {
  // Calibrate to ~0.15 ms a piece at full speed (the fastest of several tries).
  let rounds = 20_000;
  let sink = 0;
  for (let i = 0; i < 5; i++) sink ^= piece(rounds, i); // warm the JIT
  let fastest = Infinity;
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    sink ^= piece(rounds, i);
    fastest = Math.min(fastest, performance.now() - t);
  }
  rounds = Math.max(1000, Math.round(rounds * (0.15 / Math.max(fastest, 0.001))));
  const stat = await Deno.readTextFile("/proc/self/stat").catch(() => "");
  // Field 19 of /proc/<pid>/stat is the nice value; fields counted after the ")" of the name.
  const nice = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  const out = Deno.stdout.writable.getWriter();
  const encoder = new TextEncoder();
  await out.write(encoder.encode(`nice ${Number.isFinite(nice) ? nice : "?"}\n`));
  let stopped = false;
  (async () => {
    for await (const _ of Deno.stdin.readable) { /* until closed */ }
    stopped = true;
  })();
  let lines: string[] = [];
  let lastFlush = performance.now();
  while (!stopped) {
    const t = performance.now();
    sink ^= piece(rounds, sink);
    const workMs = performance.now() - t;
    lines.push(`${(performance.timeOrigin + t).toFixed(3)} ${workMs.toFixed(4)}`);
    if (t - lastFlush > 1000) {
      await out.write(encoder.encode(lines.join("\n") + "\n"));
      lines = [];
      lastFlush = t;
    }
    await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
  }
  await out.write(encoder.encode(lines.join("\n") + (lines.length ? "\n" : "") + `# ${sink}\n`));
  await out.close();
}

async function main(): Promise<void> {
  const i = Deno.args.indexOf("--seconds");
  const seconds = i >= 0 ? Number(Deno.args[i + 1]) : 20;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) {
    console.log("--seconds must be a number of seconds from 1 to 600");
    Deno.exit(2);
  }
  // --per-cpu: one probe pinned to each CPU, to see whether they stall together.
  const cpus = Deno.args.includes("--per-cpu")
    ? Array.from({ length: navigator.hardwareConcurrency }, (_, n) => n)
    : [undefined];
  const probes = await Promise.all(cpus.map((cpu) => startHostStallProbe(cpu)));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const results = await Promise.all(probes.map((p) => p.stop()));
  results.forEach((s, n) => {
    const where = cpus[n] === undefined ? "" : ` on CPU ${cpus[n]}`;
    console.log(
      `host stalls over ${seconds} s${where} (probe at nice ${s.nice}, ${s.samples} pieces of ` +
        `${s.baselineMs} ms): ${s.episodes.length} stalls (${s.perMinute}/min), ${s.stalledPct} % ` +
        `of the time, longest ${s.longestMs} ms, median gap ${s.medianGapMs ?? "n/a"} ms, worst ` +
        `piece ${s.worstSlowdown}× the usual; ${s.beyondTargetPct} % of the time ≥ ` +
        `${P99_TARGET_MS} ms before a stall's end`,
    );
    for (const e of s.episodes.slice(0, 10)) {
      console.log(`  ${new Date(e.startMs).toISOString().slice(11, 23)}  ${e.detail}`);
    }
  });
  for (let n = 1; n < results.length; n++) {
    console.log(
      `stalls on CPU 0 that overlap one on CPU ${n}: ${
        coincidentStalls(results[0]!, results[n]!)
      } ` +
        `of ${results[0]!.episodes.length}`,
    );
  }
}

if (import.meta.main) {
  if (Deno.args.includes("--probe")) await probe();
  else await main();
}
