/**
 * The test command (`npm test`): format, lint and type checks, squawk on the migrations, then
 * every test in tests/ against a throwaway stack — embedded Postgres on a free port, migrations
 * through the real supabase CLI, the functions and the pg_net dispatcher — and a final
 * `N passed, N failed, N skipped`.
 *
 * Usage: npm test [-- [--no-lint] [--allow-remote-db=<host>] [test paths...]]
 *   DATABASE_URL=...  run against an existing database on this machine (e.g. the one
 *                     `supabase start` runs) instead of starting a cluster. The migrations are
 *                     applied to it; nothing else of it is changed: no runtime config, no
 *                     pg_net stand-in, and the tests that change runtime config, inject faults
 *                     or create databases are not run (they are named). A database on another
 *                     machine is refused unless --allow-remote-db names its host.
 *   ADMIN_DATABASE_URL=...  with DATABASE_URL: its superuser (`supabase_admin`) for the
 *                     bootstrap and the tests that need one on purpose.
 *
 * It installs nothing: a test whose system tool (Chromium, PgBouncer) is missing is not run,
 * and the line before the summary names the tool and the command that installs it.
 *
 * @module
 */
import { ALLOW_REMOTE_FLAG, allowedRemoteHost, databaseRefusal } from "../local/database_guard.ts";
import { freePort } from "../local/postgres.ts";
import { repoPath } from "../local/paths.ts";
import { onShutdown, sayIfPossible } from "../local/shutdown.ts";
import { type Stack, startStack } from "../local/stack.ts";
import { removeDataDir, removeStaleThrowaways, throwawayDataDir } from "../local/throwaway.ts";
import {
  type CheckResult,
  countReasons,
  type DenoTestCounts,
  parseDenoSummary,
  summaryLines,
} from "./test_report.ts";

const deno = Deno.execPath();
const args = Deno.args.filter((a) => a !== "--no-lint" && !a.startsWith(`${ALLOW_REMOTE_FLAG}=`));
const lint = !Deno.args.includes("--no-lint");

/** No colour codes in logs: only a terminal gets them, and never with NO_COLOR set. */
const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
const childEnv: Record<string, string> = color ? {} : { NO_COLOR: "1" };

/** The whole suite must stay under ten minutes; a hung test must not hang CI. */
const TEST_WATCHDOG_MS = Number(Deno.env.get("TEST_WATCHDOG_MS") ?? 15 * 60_000);

// Refuse a database elsewhere before anything runs.
const givenDatabase = Deno.env.get("DATABASE_URL") || undefined;
if (givenDatabase) {
  const refusal = databaseRefusal(givenDatabase, allowedRemoteHost(Deno.args), "npm test");
  if (refusal) {
    console.error(refusal);
    Deno.exit(2);
  }
}
/** The harness starts (and so may change) the cluster only when no database is given. */
const ownsDatabase = givenDatabase === undefined;

let current: Deno.ChildProcess | undefined;

async function run(
  name: string,
  cmdArgs: string[],
  env?: Record<string, string>,
  executable = deno,
) {
  const started = Date.now();
  const child = new Deno.Command(executable, {
    args: cmdArgs,
    cwd: repoPath(),
    env: { ...childEnv, ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  current = child;
  const watchdog = setTimeout(() => {
    console.error(`\n${name} ran past ${TEST_WATCHDOG_MS / 60_000} minutes: stopping it.`);
    child.kill("SIGKILL");
  }, TEST_WATCHDOG_MS);
  let tail = "";
  const forward = async (stream: ReadableStream<Uint8Array>, out: typeof Deno.stdout) => {
    for await (const chunk of stream) {
      await out.write(chunk).catch(() => {});
      tail = (tail + new TextDecoder().decode(chunk)).slice(-4000);
    }
  };
  await Promise.all([forward(child.stdout, Deno.stdout), forward(child.stderr, Deno.stderr)]);
  const status = await child.status;
  clearTimeout(watchdog);
  current = undefined;
  return { ok: status.success, tail, seconds: (Date.now() - started) / 1000, name };
}

async function existing(dirs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs) {
    try {
      await Deno.stat(repoPath(d));
      out.push(d);
    } catch {
      // not there yet
    }
  }
  return out;
}

async function checks(): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const sources = await existing([
    "shared",
    "supabase/functions",
    "local",
    "scripts",
    "tests",
    "sim",
    "bench",
  ]);
  for (
    const [name, cmd] of [
      ["deno fmt --check", ["fmt", "--check"]],
      ["deno lint", ["lint"]],
      ["deno check", ["check", ...sources]],
      ["deno check (edge runtime)", ["run", "-A", "scripts/check-functions.ts"]],
    ] as const
  ) {
    console.log(`\n== ${name}`);
    const r = await run(name, [...cmd]);
    results.push({ name, ok: r.ok });
    console.log(`${r.ok ? "ok" : "FAILED"}: ${name} (${r.seconds.toFixed(1)} s)`);
  }
  // The migrations, linted by squawk (rules and the ones switched off, with why: .squawk.toml).
  console.log("\n== squawk supabase/migrations");
  const migrations: string[] = [];
  for await (const e of Deno.readDir(repoPath("supabase/migrations"))) {
    if (e.isFile && e.name.endsWith(".sql")) migrations.push(`supabase/migrations/${e.name}`);
  }
  const squawk = await run(
    "squawk",
    ["--config", ".squawk.toml", ...migrations.sort()],
    { NO_COLOR: "1" },
    repoPath("node_modules/.bin/squawk"),
  );
  results.push({ name: "squawk", ok: squawk.ok });
  console.log(`${squawk.ok ? "ok" : "FAILED"}: squawk (${squawk.seconds.toFixed(1)} s)`);
  return results;
}

const secrets = {
  TOAST_WEBHOOK_SECRET: `test-toast-${crypto.randomUUID()}`,
  SEVENSHIFTS_GRANT_GUID: crypto.randomUUID(),
  SEVENSHIFTS_WEBHOOK_TOKEN: `test-7s-${crypto.randomUUID()}`,
  ALERT_WEBHOOK_SECRET: `test-alert-${crypto.randomUUID()}`,
};
const dataDir = throwawayDataDir("test-db");
const skipLog = await Deno.makeTempFile({ prefix: "labor-pulse-skips-" });
let stack: Stack | undefined;
let starting: Promise<unknown> = Promise.resolve();

/** Stops the stack and removes what this run made (its cluster's data folder, the skip log). */
async function cleanUp() {
  await stack?.stop().catch(() => {});
  if (ownsDatabase) await removeDataDir(stack?.postgres?.dataDir ?? dataDir);
  await Deno.remove(skipLog).catch(() => {});
}

// Ctrl-C, a CI stop, a closed terminal or a killed npm: stop the tests, the cluster and the
// functions, and leave no data folder behind.
const shutdown = onShutdown(async (reason) => {
  sayIfPossible(`\nnpm test: ${reason}: stopping the test stack...`);
  try {
    current?.kill("SIGTERM");
  } catch {
    // already gone
  }
  await starting.catch(() => {});
  await cleanUp();
});

const checkResults = lint ? await checks() : null;

if (ownsDatabase) {
  // Data folders of earlier runs that were killed before they could remove them.
  await removeStaleThrowaways((line) => console.log(line));
}
console.log(
  ownsDatabase
    ? "\n== starting the test stack"
    : "\n== starting the functions against DATABASE_URL (migrations only; nothing else changed)",
);
try {
  const startup = startStack({
    apiPort: freePort(),
    dbPort: freePort(),
    dataDir,
    reset: true,
    fast: true,
    scheduler: false,
    databaseUrl: givenDatabase,
    adminDatabaseUrl: Deno.env.get("ADMIN_DATABASE_URL") || undefined,
    dispatcher: ownsDatabase,
    runtimeConfig: ownsDatabase,
    functionEnv: secrets,
    log: (l) => console.log(l),
  });
  starting = startup;
  stack = await startup;
} catch (err) {
  console.error(`The test stack could not start: ${err instanceof Error ? err.message : err}`);
  await cleanUp();
  for (const line of summaryLines(checkResults, null, new Map(), ["the test stack"])) {
    console.log(line);
  }
  Deno.exit(1);
}

const paths = args.length > 0 ? args : ["tests/"];
let tests: DenoTestCounts | null = null;
const extraFailures: string[] = [];
try {
  console.log(`\n== deno test ${paths.join(" ")}`);
  const r = await run("deno test", ["test", "-A", "--no-prompt", ...paths], {
    ...stack.env,
    ...secrets,
    TEST_SKIP_LOG: skipLog,
    ...(ownsDatabase ? { TEST_DATABASE_OWNED: "1" } : {}),
    // The superuser, for the few tests that need one and say why (never given to functions).
    ADMIN_DATABASE_URL: stack.adminDatabaseUrl,
  });
  // Interrupted: the shutdown handler reports the stop and exits.
  if (shutdown.stopping()) await new Promise(() => {});
  tests = parseDenoSummary(r.tail);
  if (tests && !r.ok && tests.failed === 0) {
    extraFailures.push("deno test exited with an error after its summary");
  }
} finally {
  const reasons = countReasons(await Deno.readTextFile(skipLog).catch(() => ""));
  await cleanUp();
  console.log("\n== summary");
  for (const line of summaryLines(checkResults, tests, reasons, extraFailures)) console.log(line);
}
Deno.exit(
  tests && tests.failed === 0 && extraFailures.length === 0 &&
    (checkResults ?? []).every((c) => c.ok)
    ? 0
    : 1,
);
