/**
 * The functions' database client on the edge runtime's Deno (2.1.4) outlives its database
 * restarting and its connections being dropped: a worker process using
 * supabase/functions/_shared/db.ts, as the webhooks do (with
 * supabase/functions/_shared/driver_guard.ts), queries a Postgres of its own.
 *
 * - Unguarded, postgres.js 3.4.7 throws from a timer there and the process dies (see
 *   driver_guard.ts); the guard keeps it alive.
 * - A connection that closed while a write was waiting for its timer never sent its start-up
 *   message again: every query on it failed with CONNECT_TIMEOUT until garbage piled up
 *   (13–88 s of 503s after three restarts; for good without traffic). db.ts replaces the pool
 *   when a connection closes, so the next query after a drop succeeds. A TCP proxy that drops
 *   the connection right after the server's k-th ReadyForQuery, as the client is writing its
 *   next query, makes that moment happen on purpose.
 */
import assert from "node:assert/strict";
import { edgeRuntimeDeno, edgeRuntimeDenoEnv } from "../../local/edge_runtime.ts";
import { repoPath } from "../../local/paths.ts";
import { freePort, type PostgresHandle, startPostgres } from "../../local/postgres.ts";
import { isDatabaseUnavailable } from "../../supabase/functions/_shared/db.ts";
import { isDriverWriteCrash } from "../../supabase/functions/_shared/driver_guard.ts";
import { testEnv } from "../_support/env.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker on Deno 2.1.4 with the toast-webhook's import map, fed `body` after the imports. */
function spawnWorker(script: string): Deno.ChildProcess {
  return new Deno.Command(edgeRuntimeDeno(), {
    args: [
      "run",
      "-A",
      "--no-lock",
      "--config",
      repoPath("supabase/functions/toast-webhook/deno.json"),
      script,
    ],
    env: edgeRuntimeDenoEnv(),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Writes a worker script: db.ts imported and the worker readied for the driver as a function's
 * is (the guard, the fast setImmediate), then `body`.
 */
async function workerScript(body: string): Promise<string> {
  const script = await Deno.makeTempFile({ dir: repoPath(".local"), suffix: ".ts" });
  await Deno.writeTextFile(
    script,
    `import { connectDatabase, isDatabaseUnavailable, prepareWorkerForDriver } from "file://${
      repoPath("supabase/functions/_shared/db.ts")
    }";
prepareWorkerForDriver();
${body}`,
  );
  return script;
}

/** Kills the worker if it is still running. */
function killWorker(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // already exited
  }
}

/** Runs a worker script to its end and returns {@link workerResult}; removes the script. */
async function runWorker(script: string) {
  const child = spawnWorker(script);
  try {
    await child.stdin.close();
    return await workerResult(child);
  } finally {
    killWorker(child);
    await Deno.remove(script).catch(() => {});
  }
}

/** The worker's result (its last stdout line as JSON) and its log, once it has exited. */
async function workerResult(child: Deno.ChildProcess) {
  const out = await child.output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `the worker died:\n${stderr.slice(-2000)}`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return {
    result: JSON.parse(lines[lines.length - 1]),
    strayWrites: stderr.split("stray write").length - 1,
  };
}

Deno.test("driver: a function's database client on Deno 2.1.4 outlives three database restarts", async () => {
  const dataDir = repoPath(`.local/driver-restart-${Date.now()}`);
  let pg: PostgresHandle = await startPostgres({
    port: freePort(),
    dataDir,
    reset: true,
    fast: true,
  });
  // Queries from 8 callers until stdin closes; then, once the database is back, queries until
  // one succeeds (the positive signal), within a generous deadline.
  const script = await workerScript(`
const sql = connectDatabase(${JSON.stringify(pg.url)}, { role: "" });
const counts = { ok: 0, unavailable: 0, other: [] };
let running = true;
const caller = async () => {
  while (running) {
    try {
      await sql.unsafe("select 1");
      counts.ok++;
    } catch (err) {
      if (isDatabaseUnavailable(err)) counts.unavailable++;
      else counts.other.push(String(err));
    }
    await new Promise((r) => setTimeout(r, 5));
  }
};
const callers = Array.from({ length: 8 }, caller);
for await (const _ of Deno.stdin.readable) { /* until the test closes stdin */ }
running = false;
await Promise.all(callers);
const back = Date.now();
let last = null;
const failures = [];
while (last === null && Date.now() - back < 20000) {
  try {
    [{ one: last }] = await sql.unsafe("select 1 as one");
  } catch (err) {
    failures.push(err.code ?? String(err));
    if (!isDatabaseUnavailable(err)) counts.other.push(String(err));
    await new Promise((r) => setTimeout(r, 100));
  }
}
console.log(JSON.stringify({ ...counts, last, failures, recoveredInMs: Date.now() - back }));
Deno.exit(0);
`);
  const child = spawnWorker(script);
  try {
    await sleep(1000);
    for (let i = 0; i < 3; i++) {
      await pg.stop();
      await sleep(1000);
      pg = await startPostgres({ port: pg.port, dataDir: pg.dataDir, fast: true });
      await sleep(1000);
    }
    await child.stdin.close();
    const { result: counts, strayWrites } = await workerResult(child);
    const seen = `${JSON.stringify(counts)}, stray writes stopped: ${strayWrites}`;
    assert.deepEqual(counts.other, [], `only 'database unavailable' errors: ${seen}`);
    assert.ok(counts.unavailable > 0, `queries were made while the database was down: ${seen}`);
    assert.ok(counts.ok > 0);
    assert.equal(counts.last, 1, `a query succeeds after the last restart: ${seen}`);
    // A connection begun during the last outage may still be timing out (3 s); a wedged pool
    // would fail for far longer.
    assert.ok(
      counts.failures.filter((f: string) => f === "CONNECT_TIMEOUT").length <= 2,
      `no pool wedged on CONNECT_TIMEOUT: ${seen}`,
    );
  } finally {
    killWorker(child);
    await pg.stop();
    await Deno.remove(script).catch(() => {});
    await Deno.remove(pg.dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(`${pg.dataDir}.log`).catch(() => {});
  }
});

/**
 * A TCP proxy to `target` that drops its first connection right after relaying the server's
 * `dropAfter`-th ReadyForQuery (the client is then sending its next query), and relays every
 * later connection untouched.
 */
function droppingProxy(target: URL, dropAfter: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let first = true;
  const isReadyForQuery = (b: Uint8Array, i: number) =>
    b[i] === 0x5a && b[i + 1] === 0 && b[i + 2] === 0 && b[i + 3] === 0 && b[i + 4] === 5;
  const relay = async (client: Deno.Conn, drop: boolean) => {
    const server = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
    const up = client.readable.pipeTo(server.writable).catch(() => {});
    let ready = 0;
    try {
      const buf = new Uint8Array(65536);
      while (true) {
        const n = await server.read(buf);
        if (n === null) break;
        for (let w = 0; w < n;) w += await client.write(buf.subarray(w, n));
        for (let i = 0; drop && i + 5 <= n; i++) if (isReadyForQuery(buf, i)) ready++;
        if (drop && ready >= dropAfter) break;
      }
    } catch {
      // either side gone
    }
    for (const c of [client, server]) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
    await up;
  };
  const serving = (async () => {
    for await (const client of listener) {
      void relay(client, first);
      first = false;
    }
  })().catch(() => {});
  const url = new URL(target);
  url.port = String((listener.addr as Deno.NetAddr).port);
  return {
    url: url.toString(),
    async close() {
      listener.close();
      await serving;
    },
  };
}

for (const dropAfter of [1, 2, 3]) {
  Deno.test(`driver: a connection dropped as a query is sent (after ReadyForQuery #${dropAfter}) costs that query only; the next one succeeds`, async () => {
    const proxy = droppingProxy(new URL(testEnv().databaseUrl), dropAfter);
    const script = await workerScript(`
const sql = connectDatabase(${JSON.stringify(proxy.url)}, { max: 1 });
const results = [];
for (let i = 0; i < 6; i++) {
  try {
    await sql.unsafe("select 1");
    results.push("ok");
  } catch (err) {
    results.push(isDatabaseUnavailable(err) ? err.code : "other: " + String(err));
  }
}
console.log(JSON.stringify(results));
await sql.end({ timeout: 1 });
Deno.exit(0);
`);
    try {
      const { result, strayWrites } = await runWorker(script);
      const seen = `${JSON.stringify(result)}, stray writes stopped: ${strayWrites}`;
      const failed = result.filter((r: string) => r !== "ok");
      assert.ok(failed.length <= 1, `one query at most is lost with its connection: ${seen}`);
      assert.ok(failed.every((r: string) => r.startsWith("CONNECTION_")), seen);
      assert.equal(result[result.length - 1], "ok", seen);
    } finally {
      await proxy.close();
    }
  });
}

Deno.test("driver: on Deno 2.1.4 a function's query is written at once, not after a timer", async () => {
  // postgres.js hands a write under 1 KB to setImmediate, which Deno 2.1.4 runs as a ~1.2 ms
  // timer; db.ts's fast setImmediate sends it once the current turn's promise jobs have run:
  // before a zero-delay timer set earlier fires.
  const script = await workerScript(`
import net from "node:net";
const order = [];
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (...args) {
  order.push("write");
  return write.apply(this, args);
};
const sql = connectDatabase(${JSON.stringify(testEnv().databaseUrl)}, { max: 1 });
await sql.unsafe("select 1");
order.length = 0;
setTimeout(() => order.push("timer"), 0);
await sql.unsafe("select 1");
await sql\`select \${2}::int as two\`;
await new Promise((r) => setTimeout(r, 5));
console.log(JSON.stringify(order));
await sql.end({ timeout: 1 });
Deno.exit(0);
`);
  const { result: order } = await runWorker(script);
  assert.equal(order[0], "write", `the query went out before the timer: ${order}`);
  // A parameterised query is two writes (Parse/Describe/Flush, then Bind/Execute/Sync).
  assert.deepEqual(order.filter((o: string) => o === "write").length, 3, String(order));
  assert.ok(order.includes("timer"), String(order));
});

Deno.test("driver: a failed system call on the connection's socket means the database is unavailable", () => {
  // What Deno 2.1.4's node:net reports for a write to a socket it has just closed.
  for (const code of ["EBADF", "UNKNOWN"]) {
    const err = Object.assign(new Error(`write ${code}`), { code, errno: -4094, syscall: "write" });
    assert.equal(isDatabaseUnavailable(err), true, code);
  }
  assert.equal(isDatabaseUnavailable(Object.assign(new Error("x"), { code: "42P01" })), false);
  assert.equal(isDatabaseUnavailable(new TypeError("Cannot read properties of null")), false);
});

Deno.test("driver: the guard stops only postgres.js's stray write, nothing else", () => {
  const crash = new TypeError("Cannot read properties of null (reading 'write')");
  crash.stack = `${crash.name}: ${crash.message}
    at nextWrite (file:///x/npm/registry.npmjs.org/postgres/3.4.7/src/connection.js:250:22)
    at ext:deno_web/02_timers.js:35:14`;
  assert.equal(isDriverWriteCrash(crash), true);
  const elsewhere = new TypeError(crash.message);
  elsewhere.stack =
    `${elsewhere.name}: ${elsewhere.message}\n    at handler (file:///fn/index.ts:1:1)`;
  assert.equal(isDriverWriteCrash(elsewhere), false);
  assert.equal(isDriverWriteCrash(new Error(crash.message)), false);
  assert.equal(isDriverWriteCrash("Cannot read properties of null (reading 'write')"), false);
});
