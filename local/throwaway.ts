/**
 * Throwaway clusters' data folders under `.local/` (the test harness, the fault tests, the
 * benchmarks): ~40 MB each, never reused. Each is named `<prefix>-<pid>-<ms>` after the
 * process that owns it, which removes it when it ends (also on Ctrl-C, SIGTERM and SIGHUP);
 * a run that could not (SIGKILL, a crash) is cleaned up by the next one, which removes every
 * folder whose process is gone, stopping a Postgres still running on it first.
 *
 * @module
 */
import { repoPath } from "./paths.ts";
import { runningPostgres, stopStalePostgres } from "./postgres.ts";
import { processInfo } from "./processes.ts";

/** `<prefix>-<pid>-<ms>`; older runs wrote `test-db-<ms>` with no pid. */
const THROWAWAY_NAME = /^(?<prefix>[a-z]+(?:-[a-z]+)*)-(?:(?<pid>\d+)-)?\d{13}$/;

/** A new data folder path for a throwaway cluster owned by this process. */
export function throwawayDataDir(prefix: string): string {
  return repoPath(`.local/${prefix}-${Deno.pid}-${Date.now()}`);
}

/** Removes a data folder and the server log kept next to it. */
export async function removeDataDir(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.remove(`${dir}.log`).catch(() => {});
}

/**
 * Removes the throwaway folders in `.local/` whose owning process has ended (a stale Postgres
 * on one is stopped first). A folder of a live process, or of an older run whose Postgres a
 * live process still holds, is kept. Returns the folders removed.
 */
export async function removeStaleThrowaways(
  log: (line: string) => void = () => {},
  folder = repoPath(".local"),
): Promise<string[]> {
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(folder));
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const m = THROWAWAY_NAME.exec(entry.name);
    if (!entry.isDirectory || !m?.groups) continue;
    const dir = `${folder}/${entry.name}`;
    const owner = m.groups.pid ? Number(m.groups.pid) : null;
    if (owner !== null && (await processInfo(owner)) !== null) continue;
    const postgres = await runningPostgres(dir);
    if (postgres && !postgres.orphaned) continue;
    try {
      await stopStalePostgres(dir, log);
    } catch (err) {
      log(String(err instanceof Error ? err.message : err));
      continue;
    }
    await removeDataDir(dir);
    removed.push(dir);
  }
  if (removed.length > 0) {
    log(`Removed ${removed.length} data folder(s) left by interrupted runs in ${folder}.`);
  }
  return removed;
}
