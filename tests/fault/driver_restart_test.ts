/**
 * The functions' database client on the edge runtime's Deno (2.1.4) outlives its database
 * restarting: a worker process using supabase/functions/_shared/db.ts, as the webhooks do
 * (with supabase/functions/_shared/driver_guard.ts), keeps querying a Postgres cluster of
 * its own while the cluster is stopped and started three times. Unguarded, postgres.js
 * 3.4.7 throws from a timer there and the process dies (see driver_guard.ts); the guard
 * must keep it alive, its queries failing as "database unavailable" while the database is
 * down and succeeding again once it is back.
 */
import assert from "node:assert/strict";
import { edgeRuntimeDeno, edgeRuntimeDenoEnv } from "../../local/edge_runtime.ts";
import { repoPath } from "../../local/paths.ts";
import { freePort, type PostgresHandle, startPostgres } from "../../local/postgres.ts";
import { isDriverWriteCrash } from "../../supabase/functions/_shared/driver_guard.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The worker: queries from 8 callers until its stdin closes, then one last query. */
function workerSource(databaseUrl: string): string {
  const db = repoPath("supabase/functions/_shared/db.ts");
  const guard = repoPath("supabase/functions/_shared/driver_guard.ts");
  return `
import { connectDatabase, isDatabaseUnavailable } from "file://${db}";
import { keepWorkerAliveThroughDriverCrash } from "file://${guard}";
keepWorkerAliveThroughDriverCrash();
const sql = connectDatabase(${JSON.stringify(databaseUrl)}, { role: "" });
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
// Back up: a query succeeds within a few attempts (connections begun during the outage may
// still be timing out).
let last = null;
for (let attempt = 0; attempt < 20 && last === null; attempt++) {
  try {
    [{ one: last }] = await sql.unsafe("select 1 as one");
  } catch (err) {
    if (!isDatabaseUnavailable(err)) counts.other.push(String(err));
    await new Promise((r) => setTimeout(r, 250));
  }
}
console.log(JSON.stringify({ ...counts, last }));
Deno.exit(0);
`;
}

Deno.test("driver: a function's database client on Deno 2.1.4 outlives three database restarts", async () => {
  const dataDir = repoPath(`.local/driver-restart-${Date.now()}`);
  let pg: PostgresHandle = await startPostgres({
    port: freePort(),
    dataDir,
    reset: true,
    fast: true,
  });
  const script = await Deno.makeTempFile({ dir: repoPath(".local"), suffix: ".ts" });
  await Deno.writeTextFile(script, workerSource(pg.url));
  const child = new Deno.Command(edgeRuntimeDeno(), {
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
  try {
    await sleep(1000);
    for (let i = 0; i < 3; i++) {
      await pg.stop();
      await sleep(1000);
      pg = await startPostgres({ port: pg.port, dataDir: pg.dataDir, fast: true });
      await sleep(1000);
    }
    await child.stdin.close();
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, `the worker died:\n${stderr.slice(-2000)}`);
    const counts = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepEqual(counts.other, [], "only 'database unavailable' errors while it was down");
    assert.ok(counts.unavailable > 0, "queries were made while the database was down");
    assert.ok(counts.ok > 0);
    assert.equal(counts.last, 1, "a query succeeds after the last restart");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await pg.stop();
    await Deno.remove(script).catch(() => {});
    await Deno.remove(pg.dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(`${pg.dataDir}.log`).catch(() => {});
  }
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
