/**
 * A `setImmediate` that does not wait for a timer, for the functions' worker.
 *
 * On the edge runtime's Deno (2.1.4) Node's `setImmediate` is a 0 ms timer, which fires after
 * about 1.2 ms (denoland/deno#28016; Deno 2.6 reimplemented it). postgres.js 3.4.7 hands every
 * write shorter than 1 KB to `setImmediate` to batch it, and with `prepare: false` a query with
 * parameters is two writes (Parse/Describe/Flush, then Bind/Execute/Sync once the server has
 * described the parameters). So every query of a function waited 1.2–2.5 ms for timers and
 * spent about 0.35 ms of CPU on them (`npm run bench`: bench/README.md).
 *
 * The replacement runs an immediate as a microtask, once the code that scheduled it and the
 * promise reactions already queued have run, in the order scheduled: writes made in the same
 * turn are still sent as one. An immediate scheduled while immediates are running goes to the
 * runtime's own `setImmediate` (the next turn of the event loop, as Node runs immediates set
 * during its check phase), so a callback that reschedules itself cannot starve I/O. A callback
 * that throws is reported as an uncaught error (`reportError`), as from a timer, and the others
 * still run.
 *
 * @module
 */

import * as nodeTimers from "node:timers";

type Callback = (...args: unknown[]) => void;

/** What `setImmediate` returns (Node's `Immediate`: ref/unref/hasRef). */
export interface FastImmediate {
  ref(): FastImmediate;
  unref(): FastImmediate;
  hasRef(): boolean;
}

interface Pending extends FastImmediate {
  callback: Callback;
  args: unknown[];
  cleared: boolean;
  /** Set when it was deferred to the runtime's own setImmediate. */
  native?: unknown;
}

/** The runtime's own pair, which the fast one falls back on. */
export interface ImmediateFunctions {
  setImmediate: (callback: Callback, ...args: unknown[]) => unknown;
  clearImmediate: (handle: unknown) => void;
}

/**
 * A `setImmediate` / `clearImmediate` pair that runs immediates as microtasks (`queue`,
 * default `queueMicrotask`), deferring those scheduled from a running immediate to `fallback`.
 */
export function fastImmediate(
  fallback: ImmediateFunctions,
  queue: (job: () => void) => void = queueMicrotask,
): ImmediateFunctions {
  let waiting: Pending[] = [];
  let running = false;

  const run = () => {
    const batch = waiting;
    waiting = [];
    running = true;
    try {
      for (const immediate of batch) {
        if (immediate.cleared) continue;
        immediate.cleared = true;
        try {
          immediate.callback(...immediate.args);
        } catch (err) {
          reportError(err);
        }
      }
    } finally {
      running = false;
    }
  };

  const setImmediate = (callback: Callback, ...args: unknown[]): FastImmediate => {
    if (typeof callback !== "function") {
      throw new TypeError("setImmediate: the callback must be a function");
    }
    const immediate: Pending = {
      callback,
      args,
      cleared: false,
      ref: () => immediate,
      unref: () => immediate,
      hasRef: () => !immediate.cleared,
    };
    if (running) {
      immediate.native = fallback.setImmediate(() => {
        if (immediate.cleared) return;
        immediate.cleared = true;
        callback(...args);
      });
      return immediate;
    }
    if (waiting.length === 0) queue(run);
    waiting.push(immediate);
    return immediate;
  };

  const clearImmediate = (handle: unknown) => {
    const immediate = handle as Partial<Pending> | null | undefined;
    if (immediate && typeof immediate === "object" && "cleared" in immediate) {
      immediate.cleared = true;
      if (immediate.native !== undefined) fallback.clearImmediate(immediate.native);
      return;
    }
    fallback.clearImmediate(handle);
  };

  return { setImmediate, clearImmediate };
}

let installed = false;

/**
 * Sets the worker's global `setImmediate` / `clearImmediate` to {@link fastImmediate} over
 * Node's (`node:timers`), once per worker; call it before the database client runs its first
 * query. npm packages see the global: on Deno 2.1.4 user code has no `setImmediate` global, and
 * npm code takes one defined on `globalThis` over Node's.
 */
export function installFastImmediate(): void {
  if (installed) return;
  installed = true;
  const fast = fastImmediate({
    setImmediate: nodeTimers.setImmediate as ImmediateFunctions["setImmediate"],
    clearImmediate: nodeTimers.clearImmediate as ImmediateFunctions["clearImmediate"],
  });
  Object.assign(globalThis, fast);
}
