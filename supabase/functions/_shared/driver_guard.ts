/**
 * Keeps a function's worker alive through a crash of postgres.js 3.4.7 on the edge runtime's
 * Deno 2.1.4 (Deno 2.9 does not show it): while the database restarts, the driver's batched
 * write (`nextWrite`, run from a timer) can fire after the connection dropped its socket and
 * throw `Cannot read properties of null (reading 'write')`. Uncaught, it ends the worker, and
 * every request in flight there gets a 5xx from the runtime instead of the function's 503.
 * The driver has already failed that connection's queries (503, the vendor retries), and the
 * pool that connection belonged to has already been replaced (db.ts `replacingPool`: such a
 * connection would never send its start-up message again), so only this stray timer error is
 * stopped; any other uncaught error still ends the worker.
 *
 * @module
 */

/** True for the driver's stray-write crash (a TypeError thrown in postgres.js `nextWrite`). */
export function isDriverWriteCrash(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const stack = error.stack ?? "";
  return /reading 'write'/.test(error.message) && /\bnextWrite\b/.test(stack) &&
    /postgres[@/][^\n]*connection\.js/.test(stack);
}

let installed = false;

/** Installs the guard once per worker (call it before connecting). */
export function keepWorkerAliveThroughDriverCrash(): void {
  if (installed) return;
  installed = true;
  globalThis.addEventListener("error", (event) => {
    if (!isDriverWriteCrash(event.error)) return;
    event.preventDefault();
    console.error(JSON.stringify({
      message: "postgres driver: stray write after its connection closed (ignored)",
    }));
  });
}
