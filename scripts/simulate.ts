/**
 * `npm run simulate -- --locations 3 --days 1 --seed 42 [--duplicates 0.1] [--reorder 0.1]
 * [--url http://127.0.0.1:54321]`: generates realistic business days, delivers them as signed
 * Toast and 7shifts webhooks to the project's functions, then prints the ground truth next to
 * what the system computed and exits 1 if any figure differs or any delivery was refused.
 *
 * Defaults target the local stack (`npm start`): functions at http://127.0.0.1:54321, the
 * database at postgresql://postgres:postgres@127.0.0.1:54322/postgres, the secrets from the
 * env, `supabase/functions/.env` or `.local/dev-secrets.env`. Against `supabase start` set
 * SUPABASE_URL, SUPABASE_ANON_KEY, DATABASE_URL (or SUPABASE_DB_URL), TOAST_WEBHOOK_SECRET and
 * SEVENSHIFTS_GRANT_GUID to the values the functions run with. It inserts locations, orders
 * and punches, so a database that is not on this machine is refused unless
 * `--allow-remote-db=<host>` names its host (local/database_guard.ts). It never moves that
 * database's clock (it did not create it): punches sent open accrue to the real clock while a
 * past day is replayed, and the system judges a day that is over only on its final figures.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadLocalSecrets, mintApiKey } from "../local/config.ts";
import { databaseRefusal } from "../local/database_guard.ts";
import { formatComparison } from "../sim/compare.ts";
import { connect, readAlerts } from "../sim/db.ts";
import { generateSimulation } from "../sim/generate.ts";
import { stdoutProgress } from "../sim/progress.ts";
import { runSimulation } from "../sim/run.ts";
import { addDays } from "../sim/time.ts";

const HELP = `Usage: npm run simulate -- [options]

  --locations N      locations to simulate (default 3)
  --days N           business days per location (default 1)
  --seed N           random seed: the same seed gives the same days (default 42)
  --start YYYY-MM-DD first business day (default: days ending three days ago)
  --duplicates R     share of webhooks delivered twice, 0-1 (default 0)
  --reorder R        share of webhooks delivered out of time order, 0-1 (default 0)
  --url URL          SUPABASE_URL (default env, else http://127.0.0.1:54321)
  --db-url URL       database URL (default DATABASE_URL / SUPABASE_DB_URL, else the local stack);
                     it must be on this machine (loopback, localhost, a unix socket)
  --allow-remote-db=HOST
                     use a database on HOST anyway: the simulator writes fake restaurants,
                     orders and punches into it (never into production)
  --run-id TEXT      namespace of the vendor ids (default random: runs never collide)
  --speed X          replay X times faster than real time (default: as fast as possible)
  --wage-unit U      dollars|cents: unit of 7shifts hourly_wage (default SEVENSHIFTS_WAGE_UNIT
                     or dollars; must match the function's setting)
  --help             this text

Against \`supabase start\` + \`supabase functions serve --env-file supabase/functions/.env\`:
  SUPABASE_URL=http://127.0.0.1:54321  SUPABASE_ANON_KEY=<anon key from \`supabase status\`>
  DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:54322/postgres
  TOAST_WEBHOOK_SECRET / SEVENSHIFTS_GRANT_GUID: the values in supabase/functions/.env
  (read from there, or from .local/dev-secrets.env, when not in the environment).

Exit status: 0 when every webhook was accepted and every figure matches the ground truth.`;

function fail(message: string): never {
  console.error(`simulate: ${message}\n\n${HELP}`);
  Deno.exit(2);
}

function numberArg(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) fail(`--${name} must be a number, got '${value}'`);
  return n;
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        locations: { type: "string" },
        days: { type: "string" },
        seed: { type: "string" },
        start: { type: "string" },
        duplicates: { type: "string" },
        reorder: { type: "string" },
        url: { type: "string" },
        "db-url": { type: "string" },
        "run-id": { type: "string" },
        speed: { type: "string" },
        "wage-unit": { type: "string" },
        "allow-remote-db": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const days = numberArg(values.days, "days", 1);
  const wageUnit = values["wage-unit"] ?? Deno.env.get("SEVENSHIFTS_WAGE_UNIT") ?? "dollars";
  if (wageUnit !== "dollars" && wageUnit !== "cents") fail("--wage-unit must be dollars or cents");
  const today = new Date().toISOString().slice(0, 10);
  const options = {
    seed: numberArg(values.seed, "seed", 42),
    locations: numberArg(values.locations, "locations", 3),
    days,
    // Days that ended well before now: punches sent open accrue until the database's clock,
    // capped at 16 h, so a day in the past settles to the same figures on every run.
    startDate: values.start ?? addDays(today, -(Math.max(1, Math.trunc(days)) + 2)),
    runId: values["run-id"] ?? crypto.randomUUID().slice(0, 8),
    duplicateRate: numberArg(values.duplicates, "duplicates", 0),
    reorderRate: numberArg(values.reorder, "reorder", 0),
    wageUnit: wageUnit as "dollars" | "cents",
  };
  let simulation;
  try {
    simulation = generateSimulation(options);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }

  const secrets = await loadLocalSecrets();
  const supabaseUrl = values.url ?? Deno.env.get("SUPABASE_URL") ?? "http://127.0.0.1:54321";
  const databaseUrl = values["db-url"] ?? Deno.env.get("DATABASE_URL") ??
    Deno.env.get("SUPABASE_DB_URL") ?? "postgresql://postgres:postgres@127.0.0.1:54322/postgres";
  const refusal = databaseRefusal(
    databaseUrl,
    values["allow-remote-db"]?.trim().toLowerCase() || undefined,
    "npm run simulate",
  );
  if (refusal) {
    console.error(`simulate: ${refusal}`);
    return 2;
  }
  const target = {
    supabaseUrl,
    anonKey: Deno.env.get("SUPABASE_ANON_KEY") ?? await mintApiKey("anon"),
    toastWebhookSecret: secrets.TOAST_WEBHOOK_SECRET ?? "",
    sevenShiftsGrantGuid: secrets.SEVENSHIFTS_GRANT_GUID ?? "",
    databaseUrl,
  };

  const { truth, deliveries, orders, punches } = simulation;
  console.log(
    `Simulating ${options.locations} location(s) × ${days} day(s) from ${options.startDate}, ` +
      `seed ${options.seed} (run ${options.runId}): ${orders.length} orders, ${punches.length} ` +
      `punches, ${deliveries.length} webhooks (${deliveries.filter((d) => d.duplicate).length} ` +
      `duplicates, ${deliveries.filter((d) => d.displaced).length} out of order) to ${supabaseUrl}`,
  );
  const speed = values.speed === undefined ? Infinity : numberArg(values.speed, "speed", Infinity);
  let report;
  try {
    report = await runSimulation({
      ...options,
      ...target,
      simulation,
      send: { speed },
      progress: stdoutProgress(),
    });
  } catch (err) {
    console.error(`\nsimulate: ${err instanceof Error ? err.message : String(err)}`);
    console.error(
      "Is the stack running (npm start), and are SUPABASE_URL / DATABASE_URL and the secrets right?",
    );
    return 1;
  }
  const t = report.totals;
  console.log(
    `Delivered ${t.accepted}/${t.total} in ${(report.deliveryMs / 1000).toFixed(1)} s ` +
      `(${t.retries} retries, ${t.duplicatesRecognised} recognised as duplicates, ` +
      `${t.rejected} rejected, ${t.failed} given up).`,
  );
  for (const r of report.undelivered.slice(0, 10)) {
    console.log(
      `  not accepted: #${r.delivery.seq} ${r.delivery.vendor} ${r.delivery.topic} ` +
        `${r.delivery.entity}: ${r.status} (HTTP ${r.httpStatus ?? "none"}) ${
          String(typeof r.answer === "string" ? r.answer : JSON.stringify(r.answer)).slice(0, 200)
        }`,
    );
  }
  console.log(`\nGround truth (${truth.length} location-days) next to public.daily_metrics:\n`);
  console.log(formatComparison(report.comparison, simulation.locations));
  const sql = connect(databaseUrl);
  const raised = await readAlerts(sql, report.locationIds).finally(() => sql.end());
  console.log(
    `\nAlerts raised for these locations so far: ${raised.length}${
      raised.length === 0 ? "" : ` (${raised.map((a) => `${a.businessDate} ${a.kind}`).join(", ")})`
    }. A day that is over is judged only on its final figures, once they have been still for ` +
      `10 minutes (pipeline.judge_closed_days, every minute).`,
  );
  const mismatched = report.comparison.filter((c) => c.differences.length > 0).length;
  console.log(
    report.ok
      ? `\nOK: every figure of ${report.comparison.length} location-days matches the ground truth.`
      : `\nMISMATCH: ${mismatched} location-day(s) differ, ${report.undelivered.length} ` +
        `webhook(s) not accepted.`,
  );
  return report.ok ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
