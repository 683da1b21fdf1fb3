/**
 * CPU time per process group over a measurement, from Linux `/proc`: where each event's CPU
 * goes (load generator, gateway, each function, Postgres), and how busy the machine was with
 * work that is not ours (other jobs on a shared box show up there, not silently in our
 * figures).
 *
 * @module
 */

/** CPU used during a measurement. */
export interface CpuUsage {
  elapsedMs: number;
  /** CPU milliseconds per group. */
  groupMs: Record<string, number>;
  /** CPU milliseconds the whole machine was busy (all cores). */
  machineBusyMs: number;
  /** Busy time not accounted to any group: other processes on the machine. */
  otherMs: number;
  cores: number;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (`getconf CLK_TCK`, 100 nearly everywhere). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const o = new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync();
      ticksPerSecond = Number(new TextDecoder().decode(o.stdout).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** The fields of `/proc/<pid>/stat` after the command name (field 3 onwards). */
export function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(")") + 2).trim().split(/\s+/);
}

interface ProcStat {
  ppid: number;
  /** utime + stime. */
  ticks: number;
  /** cutime + cstime: reaped children. */
  childTicks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const f = statFields(Deno.readTextFileSync(`/proc/${pid}/stat`));
    return {
      ppid: Number(f[1]),
      ticks: Number(f[11]) + Number(f[12]),
      childTicks: Number(f[13]) + Number(f[14]),
    };
  } catch {
    return null;
  }
}

/** Parent pid of `pid`, or null. */
export function parentOf(pid: number): number | null {
  return readStat(pid)?.ppid ?? null;
}

/** Live children of `ppid`. */
export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const s = readStat(Number(entry.name));
    if (s?.ppid === ppid) out.push(Number(entry.name));
  }
  return out;
}

/** A process group: its pids, and whether its root's reaped children count (Postgres). */
export interface CpuGroup {
  pids: number[];
  /** Count the reaped children of `pids[0]` (backends that exited during the run). */
  withReapedChildren?: boolean;
}

function groupTicks(g: CpuGroup): number {
  let sum = 0;
  g.pids.forEach((pid, i) => {
    const s = readStat(pid);
    if (!s) return;
    sum += s.ticks + (i === 0 && g.withReapedChildren ? s.childTicks : 0);
  });
  return sum;
}

function machineTicks(): { busy: number; total: number } {
  const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = v;
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  return { busy, total: busy + idle + iowait };
}

/** Measures CPU from `start()` to `stop()`; groups are listed again at stop (pids change). */
export class CpuMeter {
  #startGroups = new Map<string, number>();
  #startMachine = { busy: 0, total: 0 };
  #t0 = 0;

  constructor(private readonly groups: () => Record<string, CpuGroup>) {}

  /** Takes the starting snapshot. */
  start(): this {
    this.#t0 = performance.now();
    this.#startMachine = machineTicks();
    for (const [name, g] of Object.entries(this.groups())) {
      this.#startGroups.set(name, groupTicks(g));
    }
    return this;
  }

  /** Takes the closing snapshot and returns the usage between the two. */
  stop(): CpuUsage {
    const msPerTick = 1000 / clockTicksPerSecond();
    const machine = machineTicks();
    const groupMs: Record<string, number> = {};
    let ours = 0;
    for (const [name, g] of Object.entries(this.groups())) {
      const ms = Math.max(0, groupTicks(g) - (this.#startGroups.get(name) ?? 0)) * msPerTick;
      groupMs[name] = Math.round(ms);
      ours += ms;
    }
    const machineBusyMs = (machine.busy - this.#startMachine.busy) * msPerTick;
    return {
      elapsedMs: Math.round(performance.now() - this.#t0),
      groupMs,
      machineBusyMs: Math.round(machineBusyMs),
      otherMs: Math.round(Math.max(0, machineBusyMs - ours)),
      cores: navigator.hardwareConcurrency,
    };
  }
}

/** How busy the whole machine is over the next `ms` milliseconds (0–100 %). */
export async function machineBusyPercent(ms: number): Promise<number> {
  const a = machineTicks();
  await new Promise((r) => setTimeout(r, ms));
  const b = machineTicks();
  const total = b.total - a.total;
  return total > 0 ? Math.round(((b.busy - a.busy) / total) * 100) : 0;
}
