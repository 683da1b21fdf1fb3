/**
 * The local stand-in for Supabase's edge runtime: every folder under supabase/functions/
 * (except `_`-prefixed ones) runs as its own Deno process, as each function gets its own
 * isolate on Supabase, behind one gateway at `<base>/functions/v1/<name>`.
 *
 * Each function runs on the edge runtime's Deno (2.1.4, local/edge_runtime.ts) with the import
 * map the supabase CLI would give it (local/import_maps.ts) and nothing else: never the
 * repo-root deno.json, so a function that would not resolve its imports on Supabase fails
 * here first. Its `index.ts` is started unchanged (`Deno.serve(handler)`) through
 * local/edge_bootstrap.ts, which serves it on the port the gateway chose (as the edge runtime
 * owns the listener), with the env vars Supabase injects and the edge runtime's permissions:
 * network and env, reading its own files, writing only the temp folder. A function that
 * crashes is restarted, as the edge runtime starts a fresh worker.
 *
 * @module
 */
import { edgeRuntimeDeno, edgeRuntimeDenoEnv, importMapFlags } from "./edge_runtime.ts";
import { findImportMap, readConfiguredImportMaps } from "./import_maps.ts";
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

/** One function to serve: its name (the URL's), entry point and import map. */
export interface FunctionSpec {
  name: string;
  /** Absolute path of its entry point (index.ts). */
  entrypoint: string;
  /** Absolute path of its import map or deno.json; null for none. */
  importMap: string | null;
  /** The project folder its files live in: the one folder it may read. */
  root: string;
}

/** Options for {@link startFunctionServer}. */
export interface FunctionServerOptions {
  port: number;
  /** Env for every function (SUPABASE_URL is filled in from the port when absent). */
  env: Record<string, string>;
  /** Where function logs go (default: inherited stderr with a `[name]` prefix). */
  log?: (name: string, line: string) => void;
  /** Folder holding the functions (default supabase/functions); its `.env` is read. */
  functionsDir?: string;
  /** One import map for every function, like `supabase functions serve --import-map`. */
  importMap?: string;
  /** Serve exactly these (e.g. what a deploy uploaded) instead of those in functionsDir. */
  functions?: FunctionSpec[];
  /** V8 flags for every function's process (e.g. `--trace-gc` for the benchmark). */
  v8Flags?: string[];
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

/**
 * Every servable function of `functionsDir` with the import map the supabase CLI would give
 * it: `--import-map`, then `[functions.<name>] import_map` in the config.toml beside the
 * folder, then the function's deno.json / deno.jsonc / import_map.json, then the folder's
 * import_map.json (see local/import_maps.ts).
 */
export async function discoverFunctions(
  functionsDir = repoPath("supabase/functions"),
  importMap?: string,
): Promise<FunctionSpec[]> {
  const configured = await readConfiguredImportMaps(functionsDir.replace(/\/[^/]+\/?$/, ""));
  // A function imports from its project (shared/, docs/), not only from its own folder.
  const root = functionsDir.endsWith("/supabase/functions")
    ? functionsDir.slice(0, -"/supabase/functions".length)
    : functionsDir;
  const specs: FunctionSpec[] = [];
  for (const name of await listFunctions(functionsDir)) {
    specs.push({
      name,
      entrypoint: `${functionsDir}/${name}/index.ts`,
      importMap: await findImportMap(name, { functionsDir, importMap, configured }),
      root,
    });
  }
  return specs;
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

/** The whole of `body`, or null (and the rest left unread) once it passes `limit` bytes. */
async function readUpTo(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  let size = 0;
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        // Erroring here cancels the rest of the upload.
        if (size > limit) controller.error(new RangeError("request body over the limit"));
        else controller.enqueue(chunk);
      },
    }),
  );
  try {
    return new Uint8Array(await new Response(counted).arrayBuffer());
  } catch (err) {
    if (size > limit) return null;
    throw err;
  }
}

/**
 * The headers a proxied request goes on with, as plain pairs: each `Headers` copy, and each
 * conversion of one into another, is a walk through WebIDL checks, most of the gateway's own
 * JavaScript time per request. A buffered body travels with its real length, not its
 * sender's framing. `x-forwarded-host` is the host the caller used; the function answers
 * uncompressed (this server compresses for the caller if asked): no gzip in the function,
 * gunzip in fetch and gzip again here per request.
 */
export function forwardedHeaders(
  incoming: Headers,
  host: string,
  body: Uint8Array | null,
): [string, string][] {
  const replaced = body ? REPLACED_WITH_BODY : REPLACED;
  const out: [string, string][] = [];
  for (const pair of incoming) if (!replaced.has(pair[0])) out.push(pair);
  if (body) out.push(["content-length", String(body.byteLength)]);
  out.push(["x-forwarded-host", host], ["accept-encoding", "identity"]);
  return out;
}

const REPLACED = new Set(["x-forwarded-host", "accept-encoding"]);
const REPLACED_WITH_BODY = new Set([...REPLACED, "transfer-encoding", "content-length"]);

/**
 * A function's answer headers as the caller gets them, `timing` appended to its
 * `Server-Timing`. A function that compresses anyway: fetch has decoded the body, so it is
 * passed on decoded (no content-encoding, no stale length).
 */
export function answerHeaders(answer: Headers, timing: string): [string, string][] {
  const out: [string, string][] = [];
  let encoded = false;
  for (const pair of answer) {
    if (pair[0] === "content-encoding") encoded = true;
    out.push(pair);
  }
  out.push(["server-timing", timing]);
  return encoded
    ? out.filter(([name]) => name !== "content-encoding" && name !== "content-length")
    : out;
}

interface Worker {
  name: string;
  port: number;
  child: Deno.ChildProcess;
  ready: Promise<void>;
}

async function waitForPort(
  port: number,
  child: Deno.ChildProcess,
  name: string,
  output: { recent: string[]; drained: Promise<unknown> },
): Promise<void> {
  let exited = false;
  child.status.then(() => (exited = true));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited) {
      await output.drained; // the last lines it wrote
      const said = output.recent.join("\n") || "(no output)";
      throw new Error(`function ${name} exited during start-up:\n${said}`);
    }
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
  const specs = opts.functions ?? await discoverFunctions(dir, opts.importMap);
  const names = specs.map((s) => s.name);
  // Functions given as they are (e.g. a deploy's upload) get only `opts.env`.
  const fileEnv = opts.functions ? {} : await readEnvFile(`${dir}/.env`);
  const baseEnv = { SUPABASE_URL: url, ...fileEnv, ...opts.env };
  const deno = edgeRuntimeDeno();
  const bootstrap = repoPath("local/edge_bootstrap.ts");
  // The edge runtime lets a function write only its temp folder.
  const tempDir = Deno.env.get("TMPDIR") ?? "/tmp";
  const workers = new Map<string, Worker>();
  let stopping = false;

  const log = opts.log ??
    ((name: string, line: string) => console.error(`[${name}] ${line}`));

  async function pump(name: string, stream: ReadableStream<Uint8Array>, recent: string[]) {
    let buffered = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (!line || line.startsWith("Listening on")) continue;
        log(name, line);
        recent.push(line);
        if (recent.length > 20) recent.shift();
      }
    }
  }

  function spawn(spec: FunctionSpec): Worker {
    const { name } = spec;
    const port = freePort();
    const child = new Deno.Command(deno, {
      args: [
        "run",
        "--no-prompt",
        ...importMapFlags(spec.importMap),
        "--allow-net",
        "--allow-env",
        `--allow-read=${spec.root}`,
        `--allow-write=${tempDir}`,
        ...(opts.v8Flags?.length ? [`--v8-flags=${opts.v8Flags.join(",")}`] : []),
        bootstrap,
        spec.entrypoint,
      ],
      // The edge runtime runs a function from its own folder.
      cwd: spec.entrypoint.replace(/\/[^/]+$/, ""),
      env: {
        ...baseEnv,
        ...edgeRuntimeDenoEnv(),
        EDGE_BOOTSTRAP_PORT: String(port),
        EDGE_BOOTSTRAP_ENTRYPOINT: `file://${
          spec.entrypoint.split("/").map(encodeURIComponent).join("/")
        }`,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const recent: string[] = [];
    const drained = Promise.all([
      pump(name, child.stdout, recent),
      pump(name, child.stderr, recent),
    ]);
    const worker: Worker = {
      name,
      port,
      child,
      ready: waitForPort(port, child, name, { recent, drained }),
    };
    child.status.then((status) => {
      if (stopping || workers.get(name) !== worker) return;
      // Ctrl-C or a closed terminal signals the whole process group: a stop, not a crash.
      if (["SIGINT", "SIGTERM", "SIGHUP"].includes(status.signal ?? "")) return;
      log(name, "process exited; starting a new one");
      const next = spawn(spec);
      workers.set(name, next);
      next.ready.catch((err) => log(name, String(err)));
    });
    return worker;
  }

  for (const spec of specs) workers.set(spec.name, spawn(spec));
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
      const entered = performance.now();
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
      // The body is read here whole, counted and cut off past the limit, before the function
      // sees it, as Kong buffers request bodies by default (route `request_buffering`). A
      // relayed stream would also break: Deno 2.1.4 closes the connection once it has
      // answered early (a 413 before the body is read), and fetch then drops the answer.
      let body: Uint8Array<ArrayBuffer> | null = null;
      if (req.body) {
        try {
          // A declared length is bounded by HTTP framing (checked above); only a chunked
          // upload needs counting.
          body = Number.isFinite(declared)
            ? new Uint8Array(await req.arrayBuffer())
            : await readUpTo(req.body, GATEWAY_MAX_BODY_BYTES);
        } catch {
          // The sender broke off its upload: nobody is left to read an answer.
          return Response.json(
            { error: { code: "bad_request", message: "The request body was cut off." } },
            { status: 400 },
          );
        }
        if (!body) return tooLarge();
      }
      try {
        await worker.ready;
        const target = `http://127.0.0.1:${worker.port}${incoming.pathname}${incoming.search}`;
        const sent = performance.now();
        const res = await fetch(target, {
          method: req.method,
          headers: forwardedHeaders(req.headers, incoming.host, body),
          body,
          redirect: "manual",
        });
        const answered = performance.now();
        // Where a request's time went (bench/README.md): `up` the function's answer as the
        // gateway waited for it, `gw` everything from receiving the request to answering.
        const timing = `up;dur=${(answered - sent).toFixed(3)}, gw;dur=${
          (answered - entered).toFixed(3)
        }`;
        return new Response(res.body, {
          status: res.status,
          headers: answerHeaders(res.headers, timing),
        });
      } catch (err) {
        // The function process died mid-request: what the edge runtime answers then.
        log(worker.name, `gateway: no answer (${err instanceof Error ? err.message : err})`);
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
      const spec = specs.find((s) => s.name === name);
      if (!old || !spec) throw new Error(`no function '${name}'`);
      const next = spawn(spec);
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
