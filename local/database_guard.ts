/**
 * The guard of the tools that write test data (`npm test`, `npm run simulate`): they work on a
 * database on this machine (loopback, `localhost`, a unix socket) and refuse any other unless
 * the command line names its host: `--allow-remote-db=<host>`. A hosted project's URL in
 * `DATABASE_URL` by mistake then costs an error message, not production data.
 *
 * Past this guard, what changes a database's behaviour for everyone is done only to a database
 * the tool created itself: its runtime config, injected faults, and its replay clock
 * (`pipeline.set_replay_clock`, which moves "now" for every figure). `npm test` does so only on
 * the cluster it started (tests/_support/env.ts `needsOwnDatabase`), `npm run demo` on its own
 * fresh cluster (sim/replay.ts), `npm run simulate` never: it did not create the database it
 * is pointed at.
 *
 * @module
 */

/** The flag that lets a tool use a database on another machine, naming its host. */
export const ALLOW_REMOTE_FLAG = "--allow-remote-db";

/** Hosts of a Postgres URL (several for a multi-host URL); "" stands for a unix socket. */
export function databaseHosts(
  url: string,
  env: { PGHOST?: string } = { PGHOST: Deno.env.get("PGHOST") },
): string[] {
  const m = /^postgres(?:ql)?:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/i.exec(url.trim());
  if (!m) throw new Error("the database URL must start with postgresql:// or postgres://");
  const [, authority, , query] = m;
  // libpq's `host` query parameter wins over the authority (a unix socket folder, usually).
  const hostParam = new URLSearchParams(query ?? "").get("host");
  const hostList = hostParam ?? authority.slice(authority.lastIndexOf("@") + 1);
  // No host at all: the client falls back to PGHOST, else a unix socket or localhost.
  const hosts = (hostList === "" ? (env.PGHOST ?? "") : hostList).split(",");
  return hosts.map((h) => {
    const host = decodeURIComponent(h.trim());
    if (host.startsWith("/")) return ""; // a socket folder
    const bracketed = /^\[([^\]]*)\]/.exec(host);
    return (bracketed ? bracketed[1] : host.replace(/:\d*$/, "")).toLowerCase();
  });
}

/** True for a host on this machine: a unix socket, `localhost`, 127.0.0.0/8 or ::1. */
export function isLocalHost(host: string): boolean {
  return host === "" || host === "localhost" || host.endsWith(".localhost") ||
    /^127(?:\.\d{1,3}){3}$/.test(host) || host === "::1" || host === "0:0:0:0:0:0:0:1";
}

/** The host named by `--allow-remote-db=<host>` among `args`, or undefined. */
export function allowedRemoteHost(args: readonly string[]): string | undefined {
  for (const arg of args) {
    if (arg.startsWith(`${ALLOW_REMOTE_FLAG}=`)) {
      return arg.slice(ALLOW_REMOTE_FLAG.length + 1).trim().toLowerCase() || undefined;
    }
  }
  return undefined;
}

/**
 * Null when `tool` may use the database at `url`: every host is on this machine, or is the
 * host `allowedHost` names. Otherwise the message to stop with.
 */
export function databaseRefusal(
  url: string,
  allowedHost: string | undefined,
  tool: string,
  env?: { PGHOST?: string },
): string | null {
  let hosts: string[];
  try {
    hosts = databaseHosts(url, env);
  } catch (err) {
    return `${tool}: ${err instanceof Error ? err.message : err}.`;
  }
  const remote = hosts.filter((h) => !isLocalHost(h) && h !== allowedHost);
  if (remote.length === 0) return null;
  return `${tool} refuses the database at ${remote.join(", ")}: it is not on this machine, and ` +
    `${tool} writes test data (locations, orders, punches). If that is really what you want, ` +
    `name the host: ${ALLOW_REMOTE_FLAG}=${remote[0]}`;
}
