/**
 * `npm run bench:alert-burst [-- --alerts N --runs R]`: the CPU that delivering one alert
 * costs each process, alone and quickly (a minute or two, where `npm run bench -- --quick` takes
 * five and mixes the burst's ingest and recompute in).
 *
 * Starts the benchmark's stack in a process of its own (bench/stack_host.ts: fresh Postgres,
 * migrations, the functions behind their gateway, the pg_net dispatcher) and a fake Slack in
 * this process; gives N new locations a Slack webhook each, then inserts one alert for each in
 * ONE transaction (the outbox's database webhook queues N pg_net requests), and measures from
 * the commit until every alert is settled (`sent`, its last attempt recorded): CPU per alert
 * by process, alerts per second, and Postgres's function self times (`track_functions`, reset
 * before the burst). A small burst first warms every path; each run uses new locations. The
 * stack is thrown away at the end; a watchdog ends a run that overstays.
 *
 * @module
 */
import postgres from "postgres";
import { startChannelReceiver } from "../local/channel_receiver.ts";
import { freePort } from "../local/postgres.ts";
import { removeStaleThrowaways, throwawayDataDir } from "../local/throwaway.ts";
import { repoPath } from "../local/paths.ts";
import { childrenOf, type CpuGroup, CpuMeter, parentOf } from "./cpu.ts";
import { type HostOptions, spawnStackHost } from "./stack_host.ts";

const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(name);
  const v = i < 0 ? fallback : Number(Deno.args[i + 1]);
  if (!Number.isInteger(v) || v < 1 || v > 5_000) throw new Error(`${name}: 1 to 5000`);
  return v;
};
const ALERTS = arg("--alerts", 1_000);
const RUNS = arg("--runs", 2);
const BUDGET_MS = 60_000 + RUNS * (ALERTS * 60 + 30_000);

const out = (line: string) => console.log(line);
const secrets = {
  TOAST_WEBHOOK_SECRET: `burst-toast-${crypto.randomUUID()}`,
  SEVENSHIFTS_GRANT_GUID: crypto.randomUUID(),
  SEVENSHIFTS_WEBHOOK_TOKEN: `burst-7s-${crypto.randomUUID()}`,
  ALERT_WEBHOOK_SECRET: `burst-alert-${crypto.randomUUID()}`,
  SEVENSHIFTS_WAGE_UNIT: "dollars",
  SLACK_WEBHOOK_URL: "",
  DISCORD_WEBHOOK_URL: "",
};

await Deno.mkdir(repoPath(".local"), { recursive: true });
await removeStaleThrowaways(out);
const options: HostOptions = {
  apiPort: freePort(),
  dbPort: freePort(),
  dataDir: throwawayDataDir("burst-db"),
  functionEnv: secrets,
};
const host = await spawnStackHost(options);
const stopHost = host.stop;
const watchdog = setTimeout(async () => {
  out(`over the ${BUDGET_MS} ms budget: stopping`);
  await stopHost();
  Deno.exit(2);
}, BUDGET_MS);
const ready = host.ready;

const receiver = await startChannelReceiver();
const sql = postgres(String(ready.databaseUrl), { max: 2, onnotice: () => {} });
const admin = postgres(String(ready.adminDatabaseUrl), { max: 1, onnotice: () => {} });
try {
  await admin`alter system set track_functions = 'all'`;
  await admin`select pg_catalog.pg_reload_conf()`;
  const [{ pid }] = await sql`select pg_catalog.pg_backend_pid() as pid`;
  const postmaster = parentOf(Number(pid)) ?? 0;
  const functionPids = ready.pids as Record<string, number>;
  const groups = (): Record<string, CpuGroup> => ({
    gateway: { pids: [Number(ready!.hostPid)] },
    "alert-notifier": { pids: [functionPids["alert-notifier"]] },
    postgres: { pids: [postmaster, ...childrenOf(postmaster)], withReapedChildren: true },
    "runner (fake Slack)": { pids: [Deno.pid] },
  });

  let batch = 0;
  /** One burst of `n` alerts, each of a new location; returns what it cost. */
  const burst = async (n: number) => {
    const tag = `burst-${++batch}`;
    const locations = await sql`
      insert into public.locations (name, time_zone, slack_webhook_url)
      select ${tag} || ' #' || g, 'America/New_York', ${receiver.slackWebhookUrl(tag)} || '-' || g
      from pg_catalog.generate_series(1, ${n}) as g
      returning id`;
    const ids = locations.map((l) => Number(l.id));
    const before = receiver.messages("slack").length;
    await admin`select pg_catalog.pg_stat_reset()`;
    const meter = new CpuMeter(groups).start();
    const started = performance.now();
    // One transaction: the outbox's trigger queues one pg_net request per alert.
    await sql`
      insert into public.alerts (location_id, business_date, kind, from_state, location_name,
        time_zone, labor_pct_bp, labor_target_bp, critical_threshold_bp, recovery_threshold_bp,
        net_sales_cents, labor_cost_cents, paid_labor_seconds, cplh_cents, splh_cents,
        order_count, punch_count, open_punch_count, metrics_as_of)
      select l.id, current_date, 'over', 'ok', l.name, l.time_zone, 3000, 2500, 3500, 2400,
        100000, 30000, 36000, 3000, 10000, 1, 1, 0, now()
      from public.locations as l where l.id = any(${ids})`;
    const until = Date.now() + n * 60 + 30_000;
    let unsettled = n;
    while (Date.now() < until) {
      const [{ left }] = await sql`
        select count(*)::int as left from public.alerts
        where location_id = any(${ids}) and status <> 'sent'`;
      unsettled = left;
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const seconds = (performance.now() - started) / 1000;
    const usage = meter.stop();
    const posted = receiver.messages("slack").length - before;
    // An idle backend reports its function counters within 10 s (PGSTAT_IDLE_INTERVAL).
    await new Promise((r) => setTimeout(r, 11_000));
    const functions = await admin`
      select schemaname || '.' || funcname as name, calls::int, round(self_time::numeric, 1) as self
      from pg_catalog.pg_stat_user_functions order by self_time desc limit 12`;
    return { n, posted, unsettled, seconds, usage, functions };
  };

  await burst(Math.min(50, ALERTS));
  for (let r = 1; r <= RUNS; r++) {
    const b = await burst(ALERTS);
    const perAlert = Object.fromEntries(
      [...Object.entries(b.usage.groupMs), ["rest of machine", b.usage.otherMs]].map((
        [k, v],
      ) => [k, Math.round(Number(v) / b.n * 100) / 100]),
    );
    const ours = Object.values(b.usage.groupMs).reduce((a, v) => a + v, 0) / b.n;
    out(
      `run ${r}: ${b.posted} posts for ${b.n} alerts (${b.unsettled} unsettled) in ` +
        `${b.seconds.toFixed(2)} s = ${(b.n / b.seconds).toFixed(1)} alerts/s; machine ` +
        `${Math.round(b.usage.machineBusyMs / (b.usage.elapsedMs * b.usage.cores) * 100)} % busy`,
    );
    out(`  CPU ms per alert: ours ${ours.toFixed(2)} ${JSON.stringify(perAlert)}`);
    out(
      "  Postgres self ms (calls): " +
        b.functions.map((f) => `${f.name} ${f.self} (${f.calls})`).join(", "),
    );
  }
} finally {
  clearTimeout(watchdog);
  await sql.end();
  await admin.end();
  await receiver.stop();
  await stopHost();
}
