/**
 * The benchmark's stack, in a process of its own: a fresh embedded Postgres 17 (fsync off,
 * `track_commit_timestamp` on so alert latency can be measured from the exact commit of the
 * crossing event), migrations, the functions behind their gateway, and the pg_net dispatcher;
 * no cron scheduler. Running it apart from the runner means the gateway's memory figure is
 * the gateway's (plus the dispatcher it shares a process with), not the runner's.
 *
 * Protocol: argument 1 is a JSON {@link HostOptions}. Once up, one JSON line on stdout:
 * `{"ready": true, databaseUrl, adminDatabaseUrl, apiUrl, env, pids, hostPid, postgresLog}` (or
 * `{"ready": false, error}`).
 * Then each stdin line `pids` answers `{"pids": {...}}`; `stop`, end of stdin (the runner is
 * gone) or SIGTERM/SIGINT stops everything and removes the data folder.
 *
 * @module
 */
import { repoPath } from "../local/paths.ts";
import { startPostgres } from "../local/postgres.ts";
import { startStack } from "../local/stack.ts";

/** What the runner asks for. */
export interface HostOptions {
  apiPort: number;
  dbPort: number;
  dataDir: string;
  functionEnv: Record<string, string>;
  /**
   * Where each function's garbage collections go (`--trace-gc`), one line each prefixed with
   * the epoch ms it was read and the function's name; none when absent.
   */
  gcLog?: string;
}

const encoder = new TextEncoder();
const say = (value: unknown) => Deno.stdout.writeSync(encoder.encode(JSON.stringify(value) + "\n"));
const log = (line: string) => Deno.stderr.writeSync(encoder.encode(`[stack] ${line}\n`));

/** A line of V8's `--trace-gc`: `[pid:isolate]  1234 ms: Scavenge 7.1 (8.6) -> 7.0 (9.6) MB, …`. */
const GC_TRACE = /^\[\d+:0x[0-9a-f]+\]\s+\d+ ms: /;

async function main() {
  const opts = JSON.parse(Deno.args[0] ?? "{}") as HostOptions;
  const gcLog = opts.gcLog
    ? Deno.openSync(opts.gcLog, { create: true, write: true, truncate: true })
    : null;
  const pg = await startPostgres({
    port: opts.dbPort,
    dataDir: opts.dataDir,
    reset: true,
    fast: true,
    settings: {
      // Commit times of the crossing events (alert latency); no effect on the pipeline.
      track_commit_timestamp: "on",
      // What the database did while requests were slow (bench/tail.ts reads the log): every
      // checkpoint, autovacuum and analyze, every lock wait over 10 ms, with millisecond UTC
      // timestamps. Logging only; deadlock_timeout is when a waiting backend checks for a
      // deadlock and logs its wait. Statement durations are set by the runner with ALTER
      // SYSTEM (a setting given here would override it).
      log_line_prefix: "%m [%p] ",
      log_timezone: "UTC",
      log_checkpoints: "on",
      log_autovacuum_min_duration: 0,
      log_lock_waits: "on",
      deadlock_timeout: "10ms",
    },
  });
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    stack = await startStack({
      apiPort: opts.apiPort,
      databaseUrl: pg.url,
      adminDatabaseUrl: pg.adminUrl,
      scheduler: false,
      functionEnv: opts.functionEnv,
      functionV8Flags: opts.gcLog ? ["--trace-gc"] : [],
      log,
      functionLog: (name, line) => {
        if (gcLog && GC_TRACE.test(line)) {
          gcLog.writeSync(encoder.encode(`${Date.now()} ${name} ${line}\n`));
        } else log(`${name}: ${line}`);
      },
    });
  } catch (err) {
    await pg.stop();
    throw err;
  }
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await stack.stop().catch((e) => log(`stop: ${e}`));
      await pg.stop().catch((e) => log(`postgres stop: ${e}`));
      await Deno.remove(pg.dataDir, { recursive: true }).catch(() => {});
      await Deno.remove(`${pg.dataDir}.log`).catch(() => {});
    })();
    return stopping;
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    Deno.addSignalListener(signal, async () => {
      await stop();
      Deno.exit(0);
    });
  }
  say({
    ready: true,
    databaseUrl: stack.databaseUrl,
    adminDatabaseUrl: stack.adminDatabaseUrl,
    apiUrl: stack.apiUrl,
    env: stack.env,
    pids: stack.functions.pids(),
    hostPid: Deno.pid,
    postgresLog: `${pg.dataDir}.log`,
  });
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  let buffered = "";
  for await (const chunk of lines) {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const line of parts) {
      if (line.trim() === "pids") say({ pids: stack.functions.pids() });
      if (line.trim() === "stop") {
        await stop();
        Deno.exit(0);
      }
    }
  }
  await stop();
  Deno.exit(0);
}

/** A stack host started by {@link spawnStackHost}. */
export interface SpawnedStackHost {
  /** Its ready line: databaseUrl, adminDatabaseUrl, apiUrl, env, pids, hostPid, postgresLog. */
  ready: Record<string, unknown>;
  child: Deno.ChildProcess;
  /** Asks it to stop (it removes its data folder), killing it after 30 s. */
  stop(): Promise<void>;
}

/**
 * Starts this file as a process of its own with `options` (its stderr dropped) and waits for
 * its ready line; throws with its error if it could not start, and kills it if it is not ready
 * within `startTimeoutMs`. For the benchmark's smaller scripts (bench/alert_burst.ts,
 * bench/request_cpu.ts); bench/run.ts keeps the host's log.
 */
export async function spawnStackHost(
  options: HostOptions,
  startTimeoutMs = 180_000,
): Promise<SpawnedStackHost> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", repoPath("bench/stack_host.ts"), JSON.stringify(options)],
    cwd: repoPath(),
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const input = child.stdin.getWriter();
  const stop = async () => {
    await input.write(encoder.encode("stop\n")).catch(() => {});
    await input.close().catch(() => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await child.status;
    clearTimeout(timer);
  };
  const startTimer = setTimeout(() => child.kill("SIGKILL"), startTimeoutMs);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let ready: Record<string, unknown> | undefined;
  try {
    while (!ready) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the stack exited before it was ready");
      buffered += value;
      for (const line of buffered.split("\n").slice(0, -1)) {
        const msg = JSON.parse(line);
        if (msg.ready === false) throw new Error(`the stack did not start: ${msg.error}`);
        if (msg.ready) ready = msg;
      }
      buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
    }
  } finally {
    clearTimeout(startTimer);
  }
  reader.releaseLock();
  return { ready, child, stop };
}

if (import.meta.main) {
  try {
    await main();
  } catch (err) {
    say({ ready: false, error: err instanceof Error ? err.message : String(err) });
    Deno.exit(1);
  }
}
