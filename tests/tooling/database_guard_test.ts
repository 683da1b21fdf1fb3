/**
 * The guard of `npm test` and `npm run simulate` (local/database_guard.ts): a database that is
 * not on this machine is refused, before anything touches it, unless the command names its
 * host; and `npm test` pointed at a database it did not create changes nothing there but the
 * migrations: the runtime config stays as it was, and the tests that change it, inject faults
 * or create databases are not run, and named.
 */
import assert from "node:assert/strict";
import { repoPath } from "../../local/paths.ts";
import {
  allowedRemoteHost,
  databaseHosts,
  databaseRefusal,
  isLocalHost,
} from "../../local/database_guard.ts";
import { needsOwnDatabase, testDb, testEnv } from "../_support/env.ts";

const HOSTED = "postgresql://postgres:pw@db.abcdefghijklmnop.supabase.co:5432/postgres";

Deno.test("guard: the hosts of a database URL, unix sockets and PGHOST included", () => {
  const none = {};
  assert.deepEqual(databaseHosts("postgresql://u:p@127.0.0.1:54322/postgres", none), [
    "127.0.0.1",
  ]);
  assert.deepEqual(databaseHosts("postgres://u:p%40x@LOCALHOST/db", none), ["localhost"]);
  assert.deepEqual(databaseHosts("postgresql://u@[::1]:5432/db", none), ["::1"]);
  assert.deepEqual(databaseHosts("postgresql:///db?host=/var/run/postgresql", none), [""]);
  assert.deepEqual(databaseHosts("postgresql://u@%2Ftmp/db", none), [""]);
  assert.deepEqual(databaseHosts("postgresql://u@h1:5432,h2:5433/db", none), ["h1", "h2"]);
  assert.deepEqual(databaseHosts("postgresql://u@localhost/db?host=db.example.com", none), [
    "db.example.com",
  ]);
  // No host in the URL: the client takes PGHOST.
  assert.deepEqual(databaseHosts("postgresql:///db", { PGHOST: "db.example.com" }), [
    "db.example.com",
  ]);
  assert.deepEqual(databaseHosts("postgresql:///db", none), [""]);
  assert.throws(() => databaseHosts("mysql://x/y", none), /postgresql:\/\//);
  for (const h of ["", "localhost", "127.0.0.1", "127.8.9.10", "::1", "a.localhost"]) {
    assert.ok(isLocalHost(h), h);
  }
  for (const h of ["10.0.0.5", "0.0.0.0", "db.example.com", "128.0.0.1", "localhost.example.com"]) {
    assert.ok(!isLocalHost(h), h);
  }
});

Deno.test("guard: a database elsewhere is refused unless the flag names its host", () => {
  assert.equal(databaseRefusal("postgresql://u:p@127.0.0.1:54322/postgres", undefined, "x"), null);
  const refused = databaseRefusal(HOSTED, undefined, "npm test", {});
  assert.match(refused!, /npm test refuses the database at db\.abcdefghijklmnop\.supabase\.co/);
  assert.match(refused!, /--allow-remote-db=db\.abcdefghijklmnop\.supabase\.co/);
  assert.equal(databaseRefusal(HOSTED, "db.abcdefghijklmnop.supabase.co", "npm test", {}), null);
  // Naming another host, or one host of several, is not enough.
  assert.notEqual(databaseRefusal(HOSTED, "db.other.supabase.co", "npm test", {}), null);
  assert.notEqual(
    databaseRefusal("postgresql://u@localhost,db.example.com/x", undefined, "t", {}),
    null,
  );
  assert.equal(
    allowedRemoteHost(["--no-lint", "--allow-remote-db=DB.Example.com"]),
    "db.example.com",
  );
  assert.equal(allowedRemoteHost(["--allow-remote-db="]), undefined);
  assert.equal(allowedRemoteHost(["tests/"]), undefined);
});

/**
 * Runs a repo script with `env` instead of the test stack's (and no NO_COLOR: whether colour
 * codes reach a pipe is the script's own business); its output and exit code.
 */
async function runScript(script: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", repoPath(script), ...args],
    cwd: repoPath(),
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  return { code: out.code, stdout, text: stdout + new TextDecoder().decode(out.stderr) };
}

Deno.test("guard: npm test and npm run simulate stop at once on a hosted database", async () => {
  const started = Date.now();
  const test = await runScript("scripts/test.ts", [], { DATABASE_URL: HOSTED });
  assert.equal(test.code, 2, test.text);
  assert.match(test.text, /npm test refuses the database at db\.abcdefghijklmnop\.supabase\.co/);
  assert.doesNotMatch(test.text, /== deno fmt|starting/, "nothing ran");
  const sim = await runScript("scripts/simulate.ts", ["--db-url", HOSTED], {});
  assert.equal(sim.code, 2, sim.text);
  assert.match(sim.text, /npm run simulate refuses the database at db\.abcdefghijklmnop/);
  assert.doesNotMatch(sim.text, /Simulating/, "nothing was sent");
  const viaEnv = await runScript("scripts/simulate.ts", [], { SUPABASE_DB_URL: HOSTED });
  assert.equal(viaEnv.code, 2, viaEnv.text);
  assert.ok(Date.now() - started < 60_000);
});

Deno.test({
  name: "guard: npm test on a database it did not create leaves its runtime config alone",
  // It needs the runtime config npm test set on its own cluster, to see it unchanged.
  ...needsOwnDatabase(),
}, async () => {
  const env = testEnv();
  const sql = testDb();
  try {
    const config = async () =>
      (await sql`select pipeline.runtime_config('functions_base_url') as url,
        pipeline.runtime_config('alert_webhook_secret') as secret`)[0];
    const before = await config();
    assert.equal(before.url, `${env.functionsUrl}`);
    // This suite's own database, given to a second npm test as DATABASE_URL: one test that
    // needs a database of its own (it injects a failure trigger) and one that does not.
    const run = await runScript(
      "scripts/test.ts",
      ["--no-lint", "tests/fault/commit_failure_test.ts", "tests/unit/rounding_test.ts"],
      { DATABASE_URL: env.databaseUrl },
    );
    assert.equal(run.code, 0, run.text);
    const lines = run.stdout.trimEnd().split("\n");
    assert.match(lines.at(-1)!, /^\d+ passed, 0 failed, 1 skipped$/);
    assert.match(
      lines.at(-2)!,
      /^Not run: 1 test changes runtime config, injects faults or creates databases/,
    );
    assert.deepEqual(await config(), before);
    // Its output went to a pipe: no colour codes (deno's included).
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(run.text, /\x1b\[/);
    const [{ n }] = await sql`select count(*)::int as n from pg_trigger
      where tgname = 'fault_fail_at_commit'`;
    assert.equal(n, 0, "no failure trigger was installed");
  } finally {
    await sql.end();
  }
});
