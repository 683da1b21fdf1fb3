/**
 * Stopping on every way a terminal or a supervisor ends a process: SIGINT (Ctrl-C), SIGTERM
 * (`kill`, CI, npm forwarding its own SIGTERM), SIGHUP (the terminal was closed) and, since a
 * SIGKILL of npm reaches nobody, the parent process going away (this process is re-parented).
 * Without a listener Deno dies at once on SIGTERM and SIGHUP, and Postgres treats SIGHUP as
 * "reload the configuration": that is how a closed terminal used to leave Postgres running.
 *
 * @module
 */

/** Signals that end a run, and the exit status a shell reports for each (128 + number). */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** Why the process is stopping: a signal, or its parent went away. */
export type StopReason = keyof typeof STOP_SIGNALS | "parent exited";

/** What {@link onShutdown} returns. */
export interface Shutdown {
  /**
   * True once a stop has begun: the run's own code must then leave the exit to it (a signal
   * that killed a child also ends the child's wait in the main flow).
   */
  stopping(): boolean;
  /** Removes the listeners (for a run that ends normally). */
  dispose(): void;
}

/** How often the parent is checked. */
const PARENT_POLL_MS = 1000;

/**
 * Calls `stop(reason)` once, on the first of {@link STOP_SIGNALS} or when the parent process
 * goes away, then exits with `exitCode(reason)` (default 128 + signal, 1 for a lost parent).
 * Later signals while stopping are ignored (a second Ctrl-C does not cut the clean-up short).
 */
export function onShutdown(
  stop: (reason: StopReason) => Promise<void>,
  exitCode: (reason: StopReason) => number = (r) => r === "parent exited" ? 1 : STOP_SIGNALS[r],
): Shutdown {
  let stopping = false;
  const run = async (reason: StopReason) => {
    if (stopping) return;
    stopping = true;
    try {
      await stop(reason);
    } finally {
      Deno.exit(exitCode(reason));
    }
  };
  const listeners = (Object.keys(STOP_SIGNALS) as Array<keyof typeof STOP_SIGNALS>).map(
    (signal) => [signal, () => void run(signal)] as const,
  );
  for (const [signal, listener] of listeners) Deno.addSignalListener(signal, listener);
  const parent = Deno.ppid;
  const watch = setInterval(() => {
    if (Deno.ppid !== parent) void run("parent exited");
  }, PARENT_POLL_MS);
  Deno.unrefTimer(watch);
  return {
    stopping: () => stopping,
    dispose() {
      clearInterval(watch);
      for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
    },
  };
}

/** Writes a line to stdout, ignoring a terminal or pipe that is already gone. */
export function sayIfPossible(line: string): void {
  try {
    Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
  } catch {
    // The terminal was closed (SIGHUP) or the reader went away: nobody to tell.
  }
}
