/**
 * Runs one function on the edge runtime's Deno (2.1.4) the way the edge runtime does: the
 * runtime owns the listener, so whatever address the function's `Deno.serve` asks for, it
 * is served on the port the local gateway chose. Deno 2.1.4 ignores DENO_SERVE_ADDRESS
 * (it listens on :8000), hence this module.
 *
 * Started by local/functions.ts as `deno run ... local/edge_bootstrap.ts <entry point path>`
 * (the path on the command line names the process) with env `EDGE_BOOTSTRAP_PORT`, which is
 * removed before the function's module runs, so the function sees only the env Supabase
 * injects.
 *
 * Imports nothing: it must run with any function's import map, or none.
 *
 * @module
 */

const port = Number(Deno.env.get("EDGE_BOOTSTRAP_PORT"));
const entrypoint = Deno.args[0] ?? "";
Deno.env.delete("EDGE_BOOTSTRAP_PORT");
if (!Number.isInteger(port) || port <= 0 || !entrypoint.startsWith("/")) {
  throw new Error("usage: EDGE_BOOTSTRAP_PORT=<port> edge_bootstrap.ts <absolute entry point>");
}

type Handler = (request: Request, info: unknown) => Response | Promise<Response>;
type ServeOptions = Record<string, unknown> & { handler?: Handler };

const serve = Deno.serve as unknown as (options: ServeOptions) => unknown;

/** `Deno.serve(handler)`, `(options, handler)` or `({ handler, ... })`, on the chosen port. */
function serveOnChosenPort(...args: unknown[]): unknown {
  const options: ServeOptions = typeof args[0] === "object" && args[0] !== null
    ? { ...(args[0] as ServeOptions) }
    : {};
  const handler = [args[0], args[1]].find((a): a is Handler => typeof a === "function") ??
    options.handler;
  if (!handler) throw new TypeError("Deno.serve: no handler");
  return serve({ ...options, handler, hostname: "127.0.0.1", port, onListen: () => {} });
}

(Deno as unknown as { serve: unknown }).serve = serveOnChosenPort;

await import(`file://${entrypoint.split("/").map(encodeURIComponent).join("/")}`);
