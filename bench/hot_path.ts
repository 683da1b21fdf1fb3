/**
 * Postgres's CPU per ingested event, side by side: this checkout's migrations against another
 * commit's (default `main`), in two databases of one fresh cluster, the same events through the
 * functions' own SQL entry points (`call pipeline.ingest_*_committed($1::jsonb, null)`, the
 * events built exactly as bench/loadgen.ts's `sql` mode builds them), one connection at a time
 * as `pipeline_functions`. No HTTP, no functions: what the database itself costs per event.
 *
 * `npm run bench:hot-path [-- --events 150 --rounds 3 --before main]`
 *
 * The databases have 60 days of history of 40 other locations (bench/setup.ts generateHistory,
 * then `vacuum analyze`), so the planner sees the tables of a database in use.
 *
 * Phases: Toast orders, closed 7shifts punches (what `npm run bench` sends) and punches still
 * on the clock (`time_punch.created` at clock-in), each on locations without a schedule or
 * history ("plain": the projection only records its status) and on locations with today's
 * published schedule and four same weekdays of history ("projected": the projection runs in
 * full). Each round runs every phase on both databases, alternating which goes first, so a
 * noisy minute lands on both. Reported per phase: the backend's CPU per event (utime + stime
 * of `/proc/<pid>/stat`), wall time per event, and the functions with the most self time
 * (`track_functions = all`) per event; then after ÷ before. `--statements` adds each phase's
 * statements with the most execution time per event (pg_stat_statements, nested statements
 * included: the statement inside a function, not the function).
 *
 * @module
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { applyBootstrap } from "../local/bootstrap.ts";
import { applyMigrations, applySeed } from "../local/migrate.ts";
import { repoPath } from "../local/paths.ts";
import { freePort, startPostgres } from "../local/postgres.ts";
import { enableFunctionsLogin } from "../local/stack.ts";
import { clockTicksPerSecond, statFields } from "./cpu.ts";
import { type LoadSpec, prepare, type Prepared } from "./loadgen.ts";
import {
  benchDay,
  type BenchLocation,
  createLocations,
  generateHistory,
  punchTargets,
  toastTargets,
} from "./setup.ts";
import { round } from "./stats.ts";
import { oneRoundTripRunner } from "../supabase/functions/_shared/ingest.ts";

const PASSWORD = "hot-path-bench";
/**
 * Locations per set: enough that a day ends with a restaurant's tens of orders and punches, and
 * about ten people on the clock where punches stay open.
 */
const LOCATIONS_PER_SET = 20;
const LOCATIONS_ON_THE_CLOCK = 60;
/** Events each connection sends before its measured ones. */
const WARM_EVENTS = 8;

/** One database under test: its migrations' origin and its connections. */
interface Variant {
  name: "before" | "after";
  label: string;
  db: string;
  adminUrl: string;
  url: string;
  functionsUrl: string;
  /** Location sets by {@link locationSet}. */
  locations: Map<string, BenchLocation[]>;
}

interface Phase {
  name: string;
  kind: "plain" | "projected";
  workload: "toast" | "7shifts";
  open: boolean;
}

const PHASES: Phase[] = [
  { name: "toast order, plain", kind: "plain", workload: "toast", open: false },
  { name: "toast order, projected", kind: "projected", workload: "toast", open: false },
  { name: "closed punch, plain", kind: "plain", workload: "7shifts", open: false },
  { name: "closed punch, projected", kind: "projected", workload: "7shifts", open: false },
  { name: "open punch, plain", kind: "plain", workload: "7shifts", open: true },
  { name: "open punch, projected", kind: "projected", workload: "7shifts", open: true },
];

/**
 * Which locations a phase writes to: punches still on the clock get locations of their own, so
 * the days of the other phases have nobody on the clock (as in `npm run bench`).
 */
function locationSet(p: Phase): string {
  return p.open ? `${p.kind}, on the clock` : p.kind;
}

interface Tally {
  events: number;
  cpuMs: number;
  wallMs: number;
  /** Function → [calls, self ms]. */
  functions: Map<string, [number, number]>;
  /** With `--statements`: statement text → [calls, ms planning and executing, plans]. */
  statements: Map<string, [number, number, number]>;
}

const emptyTally = (): Tally => ({
  events: 0,
  cpuMs: 0,
  wallMs: 0,
  functions: new Map(),
  statements: new Map(),
});

/** Set by `--statements`: pg_stat_statements is loaded and read. */
let collectStatements = false;

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

function backendTicks(pid: number): number {
  const f = statFields(Deno.readTextFileSync(`/proc/${pid}/stat`));
  return Number(f[11]) + Number(f[12]);
}

/** `git archive <rev> supabase` unpacked into a temporary workdir for the supabase CLI. */
async function checkoutMigrations(rev: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "hot-path-before-" });
  const archive = await new Deno.Command("git", {
    args: ["-C", repoPath(), "archive", "--format=tar", rev, "supabase"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!archive.success) {
    throw new Error(`git archive ${rev}: ${new TextDecoder().decode(archive.stderr)}`);
  }
  const tar = new Deno.Command("tar", { args: ["-x", "-C", dir], stdin: "piped" }).spawn();
  const w = tar.stdin.getWriter();
  await w.write(archive.stdout);
  await w.close();
  if (!(await tar.status).success) throw new Error("tar -x failed");
  return dir;
}

/**
 * Today's schedule and four same weekdays of history for the projected locations: each past
 * day's final figures and its intraday rows (a share of the day's sales by every quarter hour),
 * so the typical share has four candidates and the projection status is `ok`.
 */
async function giveHistoryAndSchedule(
  sql: postgres.Sql,
  locations: BenchLocation[],
  date: string,
): Promise<void> {
  const ids = locations.map((l) => l.id);
  await sql`
    insert into public.daily_metrics (location_id, business_date, net_sales_cents, refund_cents,
      labor_cost_cents, paid_labor_seconds, paid_labor_minutes, labor_pct_bp, cplh_cents,
      splh_cents, order_count, punch_count, open_punch_count, as_of)
    select l.id, ${date}::date - 7 * k, 400000 + 1000 * k, 0, 100000, 180000, 3000, 2500,
      2000, 8000, 120, 20, 0, now()
    from unnest(${ids}::bigint[]) as l (id), generate_series(1, 4) as k`;
  await sql`
    insert into public.intraday_metrics (location_id, business_date, slot, net_sales_cents,
      labor_cost_cents, paid_labor_minutes, open_punch_count, recorded_at)
    select l.id, ${date}::date - 7 * k, s, (400000 + 1000 * k) * s / 95, 100000 * s / 95,
      3000 * s / 95, 3, now()
    from unnest(${ids}::bigint[]) as l (id), generate_series(1, 4) as k,
      generate_series(0, 95) as s`;
  // Twelve shifts a location over the day, assigned to users the punches use.
  await sql`
    insert into public.scheduled_shifts (sevenshifts_shift_id, location_id, business_date,
      sevenshifts_company_id, sevenshifts_location_id, user_id, role_id, department_id,
      starts_at, ends_at, hourly_wage_cents, vendor_modified_at)
    select l.id * 1000 + g, l.id, ${date}::date, l.company, l.loc, 40000 + g, 301, 201,
      ${date}::date + time '05:00' + make_interval(hours => g),
      ${date}::date + time '11:00' + make_interval(hours => g), 1600, now()
    from unnest(${ids}::bigint[], ${locations.map((l) => l.companyId)}::bigint[],
        ${locations.map((l) => l.sevenShiftsLocationId)}::bigint[]) with ordinality
        as l (id, company, loc, n),
      generate_series(0, 11) as g`;
}

async function prepareVariant(
  name: Variant["name"],
  label: string,
  workdir: string,
  cluster: { url: string; adminUrl: string },
): Promise<Variant> {
  const db = `hot_path_${name}`;
  const admin = postgres(cluster.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${db} owner postgres`);
  } finally {
    await admin.end();
  }
  const adminUrl = withDatabase(cluster.adminUrl, db);
  const url = withDatabase(cluster.url, db);
  await applyBootstrap(adminUrl);
  await applyMigrations(url, workdir);
  await applySeed(url);
  if (collectStatements) {
    const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await a`create extension if not exists pg_stat_statements`.finally(() => a.end());
  }
  const functionsUrl = await enableFunctionsLogin(url, PASSWORD);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const day = await benchDay(sql);
    const locations = new Map<string, BenchLocation[]>();
    for (const set of new Set(PHASES.map(locationSet))) {
      const group = locations.size + 1;
      const made = await createLocations(
        sql,
        group,
        set.endsWith("on the clock") ? LOCATIONS_ON_THE_CLOCK : LOCATIONS_PER_SET,
      );
      if (set.startsWith("projected")) await giveHistoryAndSchedule(sql, made, day.date);
      locations.set(set, made);
    }
    // History, as a database in use has (and statistics that say so): 60 past days of 40
    // other locations, 20 orders and 10 punches a day, then `vacuum analyze`.
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await generateHistory(
      admin,
      90,
      { locations: 40, days: 60, ordersPerDay: 20, punchesPerDay: 10 },
      day.date,
    ).finally(() => admin.end());
    return { name, label, db, adminUrl, url, functionsUrl, locations };
  } finally {
    await sql.end();
  }
}

/** Runs `count` events of one phase on one variant; adds what it cost to `tally`. */
async function runPhase(
  v: Variant,
  phase: Phase,
  space: number,
  count: number,
  tally: Tally,
): Promise<void> {
  const sql = postgres(v.functionsUrl, { max: 1, prepare: false, onnotice: () => {} });
  const admin = postgres(v.adminUrl, { max: 1, onnotice: () => {} });
  try {
    const dayOf = await benchDay(sql);
    const locations = v.locations.get(locationSet(phase))!;
    const spec: LoadSpec = {
      name: phase.name,
      mode: "sql",
      workload: phase.workload,
      concurrency: 1,
      count,
      maxSeconds: 600,
      space,
      toastTargets: toastTargets(locations, dayOf),
      punchTargets: punchTargets(locations, dayOf),
      openPunches: phase.open,
    };
    const env = {
      apiUrl: "http://127.0.0.1:1",
      databaseUrl: v.functionsUrl,
      toastWebhookSecret: "hot-path",
      sevenShiftsGrantGuid: "00000000-0000-4000-8000-000000000000",
    };
    const events: Prepared[] = [];
    for (let i = 0; i < count + WARM_EVENTS; i++) events.push(await prepare(env, spec, i));
    const db = oneRoundTripRunner(sql);
    const send = async (e: Prepared) => {
      const rows = await db.query(e.sqlText, [e.sqlEvent]);
      const outcome = (rows[0]?.result as { outcome?: string } | undefined)?.outcome;
      if (outcome !== "applied") {
        throw new Error(`${v.name} ${phase.name}: ${JSON.stringify(rows[0]?.result)}`);
      }
    };
    // A new connection plans each statement of the path on its first calls: not measured.
    for (const e of events.splice(0, WARM_EVENTS)) await send(e);
    const [{ pid }] = await sql`select pg_backend_pid() as pid`;
    await admin`select pg_stat_reset()`;
    if (collectStatements) await admin`select pg_stat_statements_reset()`;
    const t0 = performance.now();
    const c0 = backendTicks(Number(pid));
    for (const e of events) await send(e);
    const c1 = backendTicks(Number(pid));
    tally.wallMs += performance.now() - t0;
    tally.cpuMs += ((c1 - c0) * 1000) / clockTicksPerSecond();
    tally.events += count;
    // A backend flushes its function counters as it exits: end it, then read them.
    await sql.end();
    await new Promise((r) => setTimeout(r, 200));
    const rows = await admin`
      select pg_stat_clear_snapshot(), schemaname || '.' || funcname as fn, calls,
        self_time from pg_stat_user_functions`;
    for (const r of rows) {
      const t = tally.functions.get(r.fn) ?? [0, 0];
      tally.functions.set(r.fn, [t[0] + Number(r.calls), t[1] + Number(r.self_time)]);
    }
    if (collectStatements) {
      const statements = await admin`
        select left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 110) as q, calls,
          total_exec_time + total_plan_time as ms, plans
        from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database())`;
      for (const r of statements) {
        const t = tally.statements.get(r.q) ?? [0, 0, 0];
        tally.statements.set(r.q, [
          t[0] + Number(r.calls),
          t[1] + Number(r.ms),
          t[2] + Number(r.plans),
        ]);
      }
    }
  } finally {
    await sql.end().catch(() => {});
    await admin.end();
  }
}

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      events: { type: "string", default: "150" },
      rounds: { type: "string", default: "3" },
      before: { type: "string", default: "main" },
      json: { type: "string" },
      statements: { type: "boolean", default: false },
    },
  });
  collectStatements = values.statements!;
  const count = Number(values.events);
  const rounds = Number(values.rounds);
  const rev = values.before!;
  const revText = new TextDecoder().decode(
    (await new Deno.Command("git", { args: ["-C", repoPath(), "rev-parse", "--short", rev] })
      .output()).stdout,
  ).trim();
  const port = freePort();
  const dataDir = await Deno.makeTempDir({ prefix: "hot-path-db-" });
  const beforeDir = await checkoutMigrations(rev);
  const pg = await startPostgres({
    port,
    dataDir,
    fast: true,
    settings: {
      track_functions: "all",
      ...(values.statements
        ? {
          shared_preload_libraries: "pg_stat_statements",
          "pg_stat_statements.track": "all",
          "pg_stat_statements.track_planning": "on",
        }
        : {}),
    },
  });
  try {
    const cluster = { url: pg.url, adminUrl: pg.adminUrl };
    console.error(`cluster on ${port}; migrating before (${rev} ${revText}) and after...`);
    const variants = [
      await prepareVariant("before", `${rev} ${revText}`, beforeDir, cluster),
      await prepareVariant("after", "this checkout", repoPath(), cluster),
    ];
    const tallies = new Map<string, Tally>();
    const tallyOf = (v: Variant, p: Phase) => {
      const key = `${v.name}|${p.name}`;
      if (!tallies.has(key)) tallies.set(key, emptyTally());
      return tallies.get(key)!;
    };
    // Warm-up (not counted): every phase once, a few events, on both.
    for (const p of PHASES) {
      for (const v of variants) {
        await runPhase(v, p, 1 + PHASES.indexOf(p), 20, emptyTally());
      }
    }
    for (let r = 0; r < rounds; r++) {
      for (const p of PHASES) {
        const order = r % 2 === 0 ? variants : [...variants].reverse();
        for (const v of order) {
          await runPhase(v, p, 10 + r * PHASES.length + PHASES.indexOf(p), count, tallyOf(v, p));
        }
      }
      console.error(`round ${r + 1} of ${rounds} done`);
    }
    const report = PHASES.map((p) => {
      const [b, a] = variants.map((v) => tallyOf(v, p));
      const top = (m: Map<string, number[]>, t: Tally, n: number) =>
        [...m.entries()].sort((x, y) => y[1][1] - x[1][1]).slice(0, n).map((
          [what, [calls, ms, plans]],
        ) => ({
          what,
          callsPerEvent: round(calls / t.events, 2),
          msPerEvent: round(ms / t.events, 3),
          plansPerEvent: plans === undefined ? undefined : round(plans / t.events, 2),
        }));
      const per = (t: Tally) => ({
        cpuMsPerEvent: round(t.cpuMs / t.events, 3),
        wallMsPerEvent: round(t.wallMs / t.events, 3),
        functions: top(t.functions, t, 14),
        statements: top(t.statements, t, 16),
      });
      return {
        phase: p.name,
        before: per(b),
        after: per(a),
        cpuAfterOverBefore: round(a.cpuMs / a.events / (b.cpuMs / b.events), 3),
      };
    });
    console.log(
      `Postgres backend CPU per event, ${rounds} rounds × ${count} events a phase,` +
        ` before = ${rev} (${revText}), after = this checkout`,
    );
    console.log(
      "| phase | before ms/event | after ms/event | after ÷ before | wall before / after |",
    );
    console.log("| :-- | --: | --: | --: | --: |");
    for (const r of report) {
      console.log(
        `| ${r.phase} | ${r.before.cpuMsPerEvent} | ${r.after.cpuMsPerEvent} | ` +
          `${r.cpuAfterOverBefore} | ${r.before.wallMsPerEvent} / ${r.after.wallMsPerEvent} |`,
      );
    }
    for (const r of report) {
      for (const side of ["before", "after"] as const) {
        console.log(`\n${r.phase}, ${side}: function self time per event (track_functions)`);
        for (const f of r[side].functions) {
          console.log(`  ${f.msPerEvent.toFixed(3)} ms  ${f.callsPerEvent} calls  ${f.what}`);
        }
        if (collectStatements) console.log(`${r.phase}, ${side}: statements (pg_stat_statements)`);
        for (const f of r[side].statements) {
          console.log(
            `  ${
              f.msPerEvent.toFixed(3)
            } ms  ${f.callsPerEvent} calls  ${f.plansPerEvent} plans  ` +
              f.what,
          );
        }
      }
    }
    if (values.json) {
      await Deno.writeTextFile(values.json, JSON.stringify({ rev, revText, report }, null, 2));
    }
  } finally {
    await pg.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(`${dataDir}.log`).catch(() => {});
    await Deno.remove(beforeDir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
