/**
 * What runs on this machine, read from Linux's /proc: enough to tell a process the local stack
 * started and still holds from one an earlier run left behind (its parent is gone, so it was
 * re-parented to init or a subreaper). Without /proc (macOS) every lookup finds nothing, and
 * callers say what they could not check instead of acting.
 *
 * @module
 */

/** One process. */
export interface ProcessInfo {
  pid: number;
  parentPid: number;
  /** The kernel's short name (`comm`): `deno`, `postgres`, ... */
  name: string;
  /** The command line, one entry per argument. */
  args: string[];
}

async function readText(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return null;
  }
}

/** True when this machine has /proc (Linux). */
export async function hasProcfs(): Promise<boolean> {
  return (await readText("/proc/self/stat")) !== null;
}

/**
 * Process `pid`, or null when it does not exist, has ended (a zombie: only its exit status
 * is left, and in a container whose init never reaps, that can last) or /proc is missing.
 */
export async function processInfo(pid: number): Promise<ProcessInfo | null> {
  const stat = await readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // "pid (comm) state ppid ...": the name may hold spaces and parentheses.
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  const [state, ppid] = stat.slice(close + 2).split(" ");
  if (state === "Z" || state === "X") return null;
  const parentPid = Number(ppid);
  const args = (await readText(`/proc/${pid}/cmdline`) ?? "").split("\0").filter((a) => a);
  return { pid, parentPid, name: stat.slice(open + 1, close), args };
}

/** Every process this user may read (empty without /proc). */
export async function listProcesses(): Promise<ProcessInfo[]> {
  const out: ProcessInfo[] = [];
  try {
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      const info = await processInfo(Number(entry.name));
      if (info) out.push(info);
    }
  } catch {
    // No /proc.
  }
  return out;
}

/**
 * True when `info` lost the Deno process that started it: no process above it is a Deno
 * process (it was re-parented to init or a subreaper). Everything the local stack starts runs
 * below the Deno process that started it, directly or through a wrapper.
 */
export async function isOrphaned(info: ProcessInfo): Promise<boolean> {
  let pid = info.parentPid;
  for (let depth = 0; pid > 1 && depth < 64; depth++) {
    const ancestor = await processInfo(pid);
    if (!ancestor) return true;
    if (ancestor.name === "deno") return false;
    pid = ancestor.parentPid;
  }
  return true;
}

/** Waits up to `ms` for `pid` to end; true when it did. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() <= deadline) {
    if ((await processInfo(pid)) === null) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
