/**
 * Resident memory of processes, from Linux `/proc/<pid>/status`: `VmRSS` (now) and `VmHWM`
 * (the peak since the process started, kept by the kernel, so a spike between two samples
 * is not missed). {@link RssSampler} also samples `VmRSS` on a timer during a phase.
 *
 * @module
 */

/** One process's memory, in MiB. */
export interface ProcessMemory {
  pid: number;
  /** Resident set now. */
  rssMiB: number | null;
  /** Peak resident set since start (high-water mark). */
  peakMiB: number | null;
}

/** Reads `kB` fields of a `/proc/<pid>/status` text. */
export function parseStatusKiB(text: string, field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(text);
  return m ? Number(m[1]) : null;
}

const mib = (kib: number | null) => kib === null ? null : Math.round((kib / 1024) * 10) / 10;

/** Memory of `pid`, or nulls when it is gone (or this is not Linux). */
export function readProcessMemory(pid: number): ProcessMemory {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/status`);
    return {
      pid,
      rssMiB: mib(parseStatusKiB(text, "VmRSS")),
      peakMiB: mib(parseStatusKiB(text, "VmHWM")),
    };
  } catch {
    return { pid, rssMiB: null, peakMiB: null };
  }
}

/** Samples VmRSS of named processes every `intervalMs` until stopped; keeps the largest. */
export class RssSampler {
  #timer: ReturnType<typeof setInterval> | undefined;
  #max = new Map<string, number>();
  #samples = 0;

  constructor(private readonly pids: () => Record<string, number>, intervalMs = 200) {
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes one sample now. */
  sample(): void {
    this.#samples++;
    for (const [name, pid] of Object.entries(this.pids())) {
      const rss = readProcessMemory(pid).rssMiB;
      if (rss !== null) this.#max.set(name, Math.max(this.#max.get(name) ?? 0, rss));
    }
  }

  /** Stops sampling; returns the largest VmRSS seen per process (MiB) and the sample count. */
  stop(): { maxRssMiB: Record<string, number>; samples: number } {
    clearInterval(this.#timer);
    this.sample();
    return { maxRssMiB: Object.fromEntries(this.#max), samples: this.#samples };
  }
}

/**
 * Starts `pid`'s peak resident set (VmHWM) again from its current size (`5` to
 * `/proc/<pid>/clear_refs`, Linux 4.0+), so each run reports its own peak. False when the
 * kernel refused (then VmHWM keeps the peak since the process started).
 */
export function resetPeakRss(pid: number): boolean {
  try {
    Deno.writeTextFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}
