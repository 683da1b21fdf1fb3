/**
 * The test command (`npm test`): format, lint and type checks, then every test in tests/
 * against a throwaway stack — embedded Postgres on a free port, migrations through the real
 * supabase CLI, the functions and the pg_net dispatcher — and a final `N passed, N failed`.
 *
 * Usage: npm test [-- [--no-lint] [test paths...]]
 *   DATABASE_URL=...  run against an existing database (e.g. the one `supabase start` runs)
 *                     instead of starting a cluster; migrations are applied to it first.
 *   ADMIN_DATABASE_URL=...  with DATABASE_URL: its superuser (`supabase_admin`) for the
 *                     bootstrap and the tests that need one on purpose.
 *
 * @module
 */
import { freePort } from "../local/postgres.ts";
import { repoPath } from "../local/paths.ts";
import { startStack } from "../local/stack.ts";

const deno = Deno.execPath();
const args = Deno.args.filter((a) => a !== "--no-lint");
const lint = !Deno.args.includes("--no-lint");
let passed = 0;
let failed = 0;

/** The whole suite must stay under ten minutes; a hung test must not hang CI. */
const TEST_WATCHDOG_MS = Number(Deno.env.get("TEST_WATCHDOG_MS") ?? 15 * 60_000);

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
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const watchdog = setTimeout(() => {
    console.error(`\n${name} ran past ${TEST_WATCHDOG_MS / 60_000} minutes: stopping it.`);
    child.kill("SIGKILL");
  }, TEST_WATCHDOG_MS);
  let tail = "";
  const forward = async (stream: ReadableStream<Uint8Array>, out: typeof Deno.stdout) => {
    for await (const chunk of stream) {
      await out.write(chunk);
      tail = (tail + new TextDecoder().decode(chunk)).slice(-4000);
    }
  };
  await Promise.all([forward(child.stdout, Deno.stdout), forward(child.stderr, Deno.stderr)]);
  const status = await child.status;
  clearTimeout(watchdog);
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

if (lint) {
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
    ] as const
  ) {
    console.log(`\n== ${name}`);
    const r = await run(name, [...cmd]);
    if (r.ok) passed++;
    else failed++;
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
  if (squawk.ok) passed++;
  else failed++;
  console.log(`${squawk.ok ? "ok" : "FAILED"}: squawk (${squawk.seconds.toFixed(1)} s)`);
}

// The API docs page is tested in Debian's Chromium; install it on a fresh machine.
const paths = args.length > 0 ? args : ["tests/"];
if (paths.some((p) => /^(\.\/)?tests\/?$|tests\/docs/.test(p))) {
  console.log("\n== bash scripts/ensure-chromium.sh");
  const out = await new Deno.Command("bash", {
    args: [repoPath("scripts/ensure-chromium.sh")],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) failed++;
}

const secrets = {
  TOAST_WEBHOOK_SECRET: `test-toast-${crypto.randomUUID()}`,
  SEVENSHIFTS_GRANT_GUID: crypto.randomUUID(),
  SEVENSHIFTS_WEBHOOK_TOKEN: `test-7s-${crypto.randomUUID()}`,
  ALERT_WEBHOOK_SECRET: `test-alert-${crypto.randomUUID()}`,
};
const dataDir = repoPath(`.local/test-db-${Date.now()}`);
console.log("\n== starting the test stack");
let stack;
try {
  stack = await startStack({
    apiPort: freePort(),
    dbPort: freePort(),
    dataDir,
    reset: true,
    fast: true,
    scheduler: false,
    databaseUrl: Deno.env.get("DATABASE_URL") || undefined,
    adminDatabaseUrl: Deno.env.get("ADMIN_DATABASE_URL") || undefined,
    functionEnv: secrets,
    log: (l) => console.log(l),
  });
} catch (err) {
  console.error(`The test stack could not start: ${err instanceof Error ? err.message : err}`);
  failed++;
  console.log(`\n${passed} passed, ${failed} failed`);
  Deno.exit(1);
}

// Ctrl-C or a CI stop: take the throwaway cluster and the functions down with us.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await stack.stop().catch(() => {});
    Deno.exit(130);
  });
}

try {
  console.log(`\n== deno test ${paths.join(" ")}`);
  const r = await run("deno test", ["test", "-A", "--no-prompt", ...paths], {
    ...stack.env,
    ...secrets,
    // The superuser, for the few tests that need one and say why (never given to functions).
    ADMIN_DATABASE_URL: stack.adminDatabaseUrl,
    TEST_DATA_DIR: repoPath(".local"),
  });
  // deno colours its summary even when piped; strip the escape codes before reading it.
  // deno-lint-ignore no-control-regex
  const plain = r.tail.replace(/\x1b\[[0-9;]*m/g, "");
  const m = /(ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(plain);
  if (m) {
    passed += Number(m[2]);
    failed += Number(m[3]);
  }
  // A run that failed without a summary (compile error, crash) counts as one failure.
  if (!m || (!r.ok && Number(m[3]) === 0)) failed++;
} finally {
  await stack.stop();
  const used = stack.postgres?.dataDir ?? dataDir;
  await Deno.remove(used, { recursive: true }).catch(() => {});
  await Deno.remove(`${used}.log`).catch(() => {});
}

console.log(`\n${passed} passed, ${failed} failed`);
Deno.exit(failed === 0 ? 0 : 1);
