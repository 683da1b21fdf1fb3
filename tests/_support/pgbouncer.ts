/**
 * A real PgBouncer (the Debian package) in transaction mode in front of the test database,
 * on a free port with its own config in a temporary folder, for tests that prove the
 * functions work through a transaction pooler as Supabase's are (Supavisor, PgBouncer).
 * Declare the need with `needsTool("pgbouncer")` (tests/_support/system_tools.ts).
 *
 * @module
 */
import postgres from "postgres";
import { freePort } from "../../local/postgres.ts";
import { findSystemTool } from "./system_tools.ts";

/** A running PgBouncer. */
export interface PgBouncer {
  port: number;
  /** `url` with its host and port replaced by PgBouncer's (user, password, database kept). */
  through(url: string): string;
  /** PgBouncer's own log so far (for failure messages). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** The uid/gid to run as: ourselves, or the OS user `postgres` when root (PgBouncer refuses root). */
async function runAs(): Promise<{ uid: number; gid: number } | undefined> {
  if (Deno.uid() !== 0) return undefined;
  const id = async (flag: string) => {
    const out = await new Deno.Command("id", { args: [flag, "postgres"] }).output();
    if (!out.success) throw new Error("running as root and there is no OS user 'postgres'");
    return Number(new TextDecoder().decode(out.stdout).trim());
  };
  return { uid: await id("-u"), gid: await id("-g") };
}

/**
 * Starts PgBouncer in transaction mode for the database of `databaseUrl`, admitting the
 * logins in `users` (name → password; SCRAM to the client and to the server), and waits until
 * it answers as the first of them.
 */
export async function startPgBouncer(
  databaseUrl: string,
  users: Record<string, string>,
): Promise<PgBouncer> {
  const binary = findSystemTool("pgbouncer");
  if (!binary) throw new Error("PgBouncer is not installed (see tests/_support/system_tools.ts)");
  const db = new URL(databaseUrl);
  const database = db.pathname.slice(1);
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "pgbouncer-" });
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
  await Deno.writeTextFile(
    `${dir}/userlist.txt`,
    Object.entries(users).map(([u, p]) => `${quote(u)} ${quote(p)}`).join("\n") + "\n",
  );
  await Deno.writeTextFile(
    `${dir}/pgbouncer.ini`,
    [
      "[databases]",
      `${database} = host=${db.hostname} port=${db.port} dbname=${database}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = scram-sha-256",
      `auth_file = ${dir}/userlist.txt`,
      "pool_mode = transaction",
      "default_pool_size = 4",
      "max_client_conn = 50",
      `logfile = ${dir}/pgbouncer.log`,
      `pidfile = ${dir}/pgbouncer.pid`,
    ].join("\n") + "\n",
  );
  const user = await runAs();
  if (user) {
    for (const path of [dir, `${dir}/userlist.txt`, `${dir}/pgbouncer.ini`]) {
      await Deno.chown(path, user.uid, user.gid);
    }
  }
  const child = new Deno.Command(binary, {
    args: [`${dir}/pgbouncer.ini`],
    uid: user?.uid,
    gid: user?.gid,
    cwd: dir,
    stdin: "null",
    // Its log goes to the logfile; nothing is left unread in a pipe.
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => (exited = true, s));
  const log = () => Deno.readTextFile(`${dir}/pgbouncer.log`).catch(() => "");
  const stop = async () => {
    if (!exited) child.kill("SIGTERM");
    await status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const through = (url: string) => {
    const u = new URL(url);
    u.hostname = "127.0.0.1";
    u.port = String(port);
    return u.toString();
  };

  const [firstUser, firstPassword] = Object.entries(users)[0];
  const probeUrl = new URL(through(databaseUrl));
  probeUrl.username = firstUser;
  probeUrl.password = encodeURIComponent(firstPassword);
  const deadline = Date.now() + 15_000;
  while (true) {
    const sql = postgres(probeUrl.toString(), {
      max: 1,
      prepare: false,
      connect_timeout: 2,
      onnotice: () => {},
    });
    try {
      await sql`select 1`;
      await sql.end();
      break;
    } catch (err) {
      await sql.end({ timeout: 0 }).catch(() => {});
      if (exited || Date.now() > deadline) {
        const text = await log();
        await stop();
        throw new Error(`PgBouncer did not start (${err}):\n${text.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { port, through, log, stop };
}
