/**
 * The local stand-in for Supabase's edge runtime: every folder under supabase/functions/
 * (except `_`-prefixed ones) runs as its own Deno process, as each function gets its own
 * isolate on Supabase, behind one gateway at `<base>/functions/v1/<name>`.
 *
 * Each function's `index.ts` is started unchanged (`Deno.serve(handler)`), told where to
 * listen through `DENO_SERVE_ADDRESS`, with the env vars Supabase injects. A function that
 * crashes is restarted, as the edge runtime starts a fresh worker.
 *
 * @module
 */
import { repoPath } from "./paths.ts";
import { assertPortFree, freePort } from "./postgres.ts";

/** A running gateway with its function processes. */
export interface FunctionServerHandle {
  /** `http://127.0.0.1:<port>` (what SUPABASE_URL is set to). */
  url: string;
  /** The function names served. */
  names: string[];
  /** Process id of each function's Deno process (for memory figures and fault tests). */
  pids(): Record<string, number>;
  /** Kills one function's process (SIGKILL) and waits until its replacement answers. */
  restart(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Options for {@link startFunctionServer}. */
export interface FunctionServerOptions {
  port: number;
  /** Env for every function (SUPABASE_URL is filled in from the port when absent). */
  env: Record<string, string>;
  /** Where function logs go (default: inherited stderr with a `[name]` prefix). */
  log?: (name: string, line: string) => void;
  /** Folder holding the functions (default supabase/functions). */
  functionsDir?: string;
}

/** Lists the servable function folders of `dir` (default supabase/functions). */
export async function listFunctions(dir = repoPath("supabase/functions")): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isDirectory || entry.name.startsWith("_") || entry.name.startsWith(".")) continue;
    try {
      await Deno.stat(`${dir}/${entry.name}/index.ts`);
      names.push(entry.name);
    } catch {
      // A folder without index.ts is not a function.
    }
  }
  return names.sort();
}

/** Reads a dotenv file (KEY=VALUE lines, # comments, optional quotes); {} when missing. */
export async function readEnvFile(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return {};
  }
  const env: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 1) continue;
    const key = line.slice(0, eq).replace(/^export\s+/, "").trim();
    let value = line.slice(eq + 1).trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    env[key] = value;
  }
  return env;
}

/**
 * Largest request body the gateway forwards, like the size limit of Supabase's own gateway;
 * each function enforces its own, smaller limit.
 */
export const GATEWAY_MAX_BODY_BYTES = 20 * 1024 * 1024;

function tooLarge(): Response {
  return Response.json(
    {
      error: {
        code: "payload_too_large",
        message: `Body is larger than ${GATEWAY_MAX_BODY_BYTES} bytes.`,
      },
    },
    { status: 413 },
  );
}

interface Worker {
  name: string;
  port: number;
  child: Deno.ChildProcess;
  ready: Promise<void>;
}

async function waitForPort(port: number, child: Deno.ChildProcess, name: string): Promise<void> {
  let exited = false;
  child.status.then(() => (exited = true));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`function ${name} exited during start-up (see its log above)`);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`function ${name} did not listen within 30 s`);
}

/** Starts the gateway on `opts.port` and one process per function. */
export async function startFunctionServer(
  opts: FunctionServerOptions,
): Promise<FunctionServerHandle> {
  assertPortFree(opts.port, "functions");
  const url = `http://127.0.0.1:${opts.port}`;
  const dir = opts.functionsDir ?? repoPath("supabase/functions");
  const names = await listFunctions(dir);
  const fileEnv = await readEnvFile(`${dir}/.env`);
  const baseEnv = { SUPABASE_URL: url, ...fileEnv, ...opts.env };
  const deno = Deno.execPath();
  const workers = new Map<string, Worker>();
  let stopping = false;

  const log = opts.log ??
    ((name: string, line: string) => console.error(`[${name}] ${line}`));

  async function pump(name: string, stream: ReadableStream<Uint8Array>) {
    let buffered = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line && !line.startsWith("Listening on")) log(name, line);
    }
  }

  function spawn(name: string): Worker {
    const port = freePort();
    const child = new Deno.Command(deno, {
      args: ["run", "-A", "--no-prompt", `${dir}/${name}/index.ts`],
      cwd: repoPath(),
      env: { ...baseEnv, DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    void pump(name, child.stdout);
    void pump(name, child.stderr);
    const worker: Worker = { name, port, child, ready: waitForPort(port, child, name) };
    child.status.then((status) => {
      if (stopping || workers.get(name) !== worker) return;
      // Ctrl-C or a closed terminal signals the whole process group: a stop, not a crash.
      if (["SIGINT", "SIGTERM", "SIGHUP"].includes(status.signal ?? "")) return;
      log(name, "process exited; starting a new one");
      const next = spawn(name);
      workers.set(name, next);
      next.ready.catch((err) => log(name, String(err)));
    });
    return worker;
  }

  for (const name of names) workers.set(name, spawn(name));
  try {
    await Promise.all([...workers.values()].map((w) => w.ready));
  } catch (err) {
    stopping = true;
    for (const w of workers.values()) w.child.kill("SIGKILL");
    throw err;
  }

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: opts.port, onListen: () => {} },
    async (req) => {
      const incoming = new URL(req.url);
      const m = /^\/functions\/v1\/([^/]+)(\/.*)?$/.exec(incoming.pathname);
      const worker = m ? workers.get(m[1]) : undefined;
      if (!m || !worker) {
        return Response.json(
          { error: { code: "not_found", message: `No function at ${incoming.pathname}.` } },
          { status: 404 },
        );
      }
      const declared = Number(req.headers.get("content-length") ?? "NaN");
      if (Number.isFinite(declared) && declared > GATEWAY_MAX_BODY_BYTES) return tooLarge();
      // A declared length is enforced by HTTP framing; a chunked upload with no length is
      // counted as it streams through and cut off past the limit.
      let forwarded = 0;
      let overLimit = false;
      const body = Number.isFinite(declared) ? req.body : req.body?.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            forwarded += chunk.byteLength;
            if (forwarded > GATEWAY_MAX_BODY_BYTES) {
              overLimit = true;
              controller.error(new Error("request body over the gateway limit"));
              return;
            }
            controller.enqueue(chunk);
          },
        }),
      );
      try {
        await worker.ready;
        const target = `http://127.0.0.1:${worker.port}${incoming.pathname}${incoming.search}`;
        const headers = new Headers(req.headers);
        headers.set("x-forwarded-host", incoming.host);
        const res = await fetch(target, {
          method: req.method,
          headers,
          body,
          redirect: "manual",
        });
        return new Response(res.body, { status: res.status, headers: res.headers });
      } catch {
        if (overLimit) return tooLarge();
        // The function process died mid-request: what the edge runtime answers then.
        return Response.json(
          { error: { code: "internal_error", message: "The function is not reachable." } },
          { status: 502 },
        );
      }
    },
  );

  return {
    url,
    names,
    pids: () => Object.fromEntries([...workers].map(([n, w]) => [n, w.child.pid])),
    async restart(name: string) {
      const old = workers.get(name);
      if (!old) throw new Error(`no function '${name}'`);
      const next = spawn(name);
      workers.set(name, next);
      old.child.kill("SIGKILL");
      await old.child.status;
      await next.ready;
    },
    async stop() {
      stopping = true;
      await server.shutdown();
      for (const w of workers.values()) {
        try {
          w.child.kill("SIGTERM");
        } catch {
          // already gone
        }
      }
      await Promise.all([...workers.values()].map((w) => w.child.status));
    },
  };
}
