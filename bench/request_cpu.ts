/**
 * CPU per webhook request, by process: the local gateway and each function, for a closed loop
 * of signed deliveries through the gateway (`deno run -A bench/request_cpu.ts [count]
 * [concurrency]`, default 2,000 Toast orders and 2,000 7shifts punches at concurrency 1).
 * A quicker, narrower look than `npm run bench` at what one request costs the gateway and the
 * function (read from `/proc/<pid>/stat`, so a busy machine moves the latency, not the CPU):
 * run it on two commits back to back to compare them. Bounded in count and time.
 *
 * Starts its own stack (bench/stack_host.ts: fresh Postgres, migrations, functions,
 * gateway); this process is the load generator.
 *
 * @module
 */
import postgres from "postgres";
import { freePort } from "../local/postgres.ts";
import { throwawayDataDir } from "../local/throwaway.ts";
import { CpuMeter } from "./cpu.ts";
import { type EventKind, runLoad } from "./loadgen.ts";
import { benchDay, createLocations, punchTargets, toastTargets } from "./setup.ts";
import { type HostOptions, spawnStackHost } from "./stack_host.ts";

const count = Number(Deno.args[0] ?? 2000);
const concurrency = Number(Deno.args[1] ?? 1);
const encoder = new TextEncoder();
const out = (text: string) => Deno.stdout.writeSync(encoder.encode(text + "\n"));

// What the two webhooks need to accept the load generator's deliveries.
const secrets = {
  TOAST_WEBHOOK_SECRET: `bench-toast-${crypto.randomUUID()}`,
  SEVENSHIFTS_GRANT_GUID: crypto.randomUUID(),
  SEVENSHIFTS_WAGE_UNIT: "dollars",
};
const options: HostOptions = {
  apiPort: freePort(),
  dbPort: freePort(),
  dataDir: throwawayDataDir("bench-db"),
  functionEnv: secrets,
};
const spawned = await spawnStackHost(options);
const ready = spawned.ready;
const host = ready as { databaseUrl: string; apiUrl: string; hostPid: number } & {
  pids: Record<string, number>;
};
const watchdog = setTimeout(() => {
  out("request_cpu: over 10 minutes, stopping");
  spawned.child.kill("SIGTERM");
  Deno.exit(2);
}, 600_000);

try {
  const sql = postgres(host.databaseUrl, { max: 2, onnotice: () => {} });
  const day = await benchDay(sql);
  const locations = await createLocations(sql, 1, 20);
  await sql.end();
  const env = {
    apiUrl: host.apiUrl,
    databaseUrl: host.databaseUrl,
    toastWebhookSecret: secrets.TOAST_WEBHOOK_SECRET,
    sevenShiftsGrantGuid: secrets.SEVENSHIFTS_GRANT_GUID,
  };
  const fn: Record<EventKind, string> = {
    toast: "toast-webhook",
    "7shifts": "sevenshifts-webhook",
  };
  let space = 0;
  for (const kind of ["toast", "7shifts"] as EventKind[]) {
    const meter = new CpuMeter(() => ({
      gateway: { pids: [host.hostPid] },
      function: { pids: [host.pids[fn[kind]]] },
      loadgen: { pids: [Deno.pid] },
    }));
    const result = await runLoad(env, {
      name: `${kind} http c=${concurrency}`,
      mode: "http",
      workload: kind,
      concurrency,
      count,
      maxSeconds: 120,
      warmup: 300,
      space: ++space,
      toastTargets: toastTargets(locations, day),
      punchTargets: punchTargets(locations, day),
    }, () => meter.start());
    const cpu = meter.stop();
    const per = (ms: number) => (ms / Math.max(1, result.ok)).toFixed(3);
    out(
      `${kind.padEnd(7)} c=${concurrency} ok ${result.ok}/${result.sent} ` +
        `${
          result.eventsPerSecond.toFixed(0)
        } ev/s p50 ${result.latency.p50} ms | CPU ms/request: ` +
        `gateway ${per(cpu.groupMs.gateway)} function ${per(cpu.groupMs.function)} ` +
        `loadgen ${per(cpu.groupMs.loadgen)} | machine busy ${
          Math.round(100 * cpu.machineBusyMs / (cpu.elapsedMs * cpu.cores))
        } %`,
    );
    if (result.errors > 0) out(`  errors: ${JSON.stringify(result.statuses)}`);
  }
} finally {
  clearTimeout(watchdog);
  await spawned.stop();
}
