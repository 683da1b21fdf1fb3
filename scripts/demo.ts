/**
 * `npm run demo`: the whole pipeline on a fresh machine, in under a minute.
 *
 * Starts the local stack on a fresh database (own ports, own data folder), a fake Slack and
 * Discord (local/channel_receiver.ts), maps three locations whose channels point at it, and
 * replays one business day in accelerated time: signed Toast and 7shifts webhooks through
 * `supabase.functions.invoke`, a few duplicated or late. Downtown Bistro crosses its labor
 * target mid-afternoon, Lakeside Grill goes critical and recovers after a late sales burst,
 * Harbor Kitchen stays healthy. The channel messages print as they arrive; at the end a table
 * per location, the ground-truth check and the alert check; then everything stops.
 *
 * Exit status 0 when the figures equal the ground truth and every predicted alert reached
 * both channels exactly once.
 *
 * @module
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import {
  type ChannelReceiver,
  describeMessage,
  startChannelReceiver,
} from "../local/channel_receiver.ts";
import { repoPath } from "../local/paths.ts";
import { freePort } from "../local/postgres.ts";
import { onShutdown, sayIfPossible } from "../local/shutdown.ts";
import { removeDataDir } from "../local/throwaway.ts";
import { type Stack, startStack } from "../local/stack.ts";
import { formatBp, formatMoney } from "../sim/arith.ts";
import { formatComparison, formatHours } from "../sim/compare.ts";
import { DEMO_SCENARIOS, demoOptions } from "../sim/demo_story.ts";
import { generateSimulation } from "../sim/generate.ts";
import { type RunReport, runSimulation } from "../sim/run.ts";
import { businessDateAt, clockText, wallTime } from "../sim/time.ts";

const HELP = `Usage: npm run demo [-- --seconds N] [--keep]

  --seconds N   how long the replay of the day takes (default 30)
  --keep        keep the demo database folder (.local/demo-db) afterwards`;

const encoder = new TextEncoder();
const out = (text: string) => Deno.stdout.writeSync(encoder.encode(text + "\n"));
/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
const bold = (t: string) => (color ? `\x1b[1m${t}\x1b[0m` : t);
const dim = (t: string) => (color ? `\x1b[2m${t}\x1b[0m` : t);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Alert ids quoted in a channel message (`Alert #<id>`). */
function alertIds(body: unknown): number[] {
  return [...JSON.stringify(body).matchAll(/Alert #(\d+)/g)].map((m) => Number(m[1]));
}

function indent(text: string, prefix = "   "): string {
  return text.split("\n").map((l) => prefix + l).join("\n");
}

async function statusLine(sql: postgres.Sql, ids: number[], date: string, names: string[]) {
  const rows = await sql`
    select location_id, net_sales_cents, labor_pct_bp
    from public.daily_metrics
    where location_id = any(${ids}::bigint[]) and business_date = ${date}::date
  `;
  const byId = new Map(rows.map((r) => [Number(r.location_id), r]));
  return ids.map((id, i) => {
    const r = byId.get(id);
    const sales = r ? formatMoney(Number(r.net_sales_cents)) : "$0.00";
    const pct = r && r.labor_pct_bp !== null ? formatBp(Number(r.labor_pct_bp)) : "—";
    return `${names[i]} ${sales} · labor ${pct}`;
  }).join("  │  ");
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { seconds: { type: "string" }, keep: { type: "boolean" }, help: { type: "boolean" } },
  });
  if (values.help) {
    out(HELP);
    return 0;
  }
  const replaySeconds = Math.max(5, Number(values.seconds ?? 30) || 30);
  const started = Date.now();
  const zone = DEMO_SCENARIOS[0].timeZone ?? "America/Chicago";
  // Today's business day: alerts open only on the current or previous business day.
  const date = businessDateAt(Date.now(), zone, 4);
  const names = DEMO_SCENARIOS.map((s) => s.name ?? "");

  out(bold("labor-pulse demo") + ` — one business day (${date}) of three restaurants, replayed`);
  out(dim("Starting the local stack on a fresh database (Postgres 17, functions, pg_net)..."));

  const dataDir = repoPath(".local/demo-db");
  const functionLines: string[] = [];
  let stack: Stack | undefined;
  let rx: ChannelReceiver | undefined;
  let sql: postgres.Sql | undefined;
  let sweeper: ReturnType<typeof setInterval> | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let starting: Promise<unknown> = Promise.resolve();
  const cleanUp = async () => {
    clearInterval(ticker);
    clearInterval(sweeper);
    await sql?.end({ timeout: 2 }).catch(() => {});
    await rx?.stop().catch(() => {});
    await stack?.stop().catch(() => {});
    if (!values.keep) await removeDataDir(dataDir);
  };
  // Ctrl-C, kill, a closed terminal: stop the stack and remove the demo's database.
  onShutdown(async (reason) => {
    sayIfPossible(`\ndemo: ${reason}: stopping...`);
    await starting.catch(() => {});
    await cleanUp();
  });
  try {
    const startup = startStack({
      apiPort: freePort(),
      dbPort: freePort(),
      dataDir,
      reset: true,
      fast: true,
      functionLog: (name, line) => {
        functionLines.push(`[${name}] ${line}`);
        if (functionLines.length > 200) functionLines.shift();
      },
    });
    starting = startup;
    stack = await startup;
    const startedIn = ((Date.now() - started) / 1000).toFixed(1);
    out(dim(
      `Stack up in ${startedIn} s: functions at ${stack.apiUrl}/functions/v1, ` +
        `database ${stack.databaseUrl}`,
    ));

    rx = await startChannelReceiver({
      onMessage: (m) => {
        const where = m.service === "slack" ? "Slack" : "Discord";
        out(`\n${bold(`📨 ${where}`)} ${dim(m.path)}`);
        out(indent(describeMessage(m).split("\n").slice(1).join("\n")));
      },
    });
    const receiver = rx;
    out(dim(`Fake Slack and Discord listening at ${receiver.url}`));
    sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
    const db = sql;

    const runId = crypto.randomUUID().slice(0, 8);
    const simulation = generateSimulation(demoOptions(date, runId));
    const sends = simulation.deliveries.map((d) => d.sendAt);
    const simStart = Math.min(...sends);
    const simEnd = Math.max(...sends);
    const speed = (simEnd - simStart) / (replaySeconds * 1000);
    out(
      `\nReplaying ${simulation.deliveries.length} webhooks (${simulation.orders.length} orders, ` +
        `${simulation.punches.length} time punches; ` +
        `${simulation.deliveries.filter((d) => d.duplicate).length} duplicated, ` +
        `${simulation.deliveries.filter((d) => d.displaced).length} late) from ` +
        `${clockText(simStart, zone)} to ${clockText(simEnd, zone)}, ` +
        `${Math.round(speed)}× real time.`,
    );
    for (const [i, s] of DEMO_SCENARIOS.entries()) {
      out(dim(`  ${names[i]}: target ${formatBp(s.laborTargetBp ?? 2500)} labor`));
    }
    out(dim('  (hourly lines: the replay\'s clock; "figures as of" in a message: the real one)\n'));

    const env = stack.env;
    const report: RunReport = await runSimulation({
      ...demoOptions(date, runId),
      simulation,
      supabaseUrl: stack.apiUrl,
      anonKey: stack.anonKey,
      toastWebhookSecret: env.TOAST_WEBHOOK_SECRET,
      sevenShiftsGrantGuid: env.SEVENSHIFTS_GRANT_GUID,
      databaseUrl: stack.databaseUrl,
      send: { speed },
      settings: DEMO_SCENARIOS.map((_, i) => ({
        slackWebhookUrl: receiver.slackWebhookUrl(`demo-${i + 1}`),
        discordWebhookUrl: receiver.discordWebhookUrl(`demo-${i + 1}`),
      })),
      checkAlerts: true,
      onMapped: (ids) => {
        const realStart = Date.now();
        let nextHour = Math.floor(wallTime(simStart, zone).hour) + 1;
        // An hourly status line, read from public.daily_metrics as the day goes.
        ticker = setInterval(async () => {
          const now = simStart + (Date.now() - realStart) * speed;
          const w = wallTime(now, zone);
          const hour = w.hour < 4 ? w.hour + 24 : w.hour;
          if (hour < nextHour || now > simEnd) return;
          nextHour = hour + 1;
          const line = await statusLine(db, ids, date, names).catch(() => "");
          out(`${bold(clockText(now, zone).replace(/:\d\d /, ":00 ").padStart(8))}  ${line}`);
        }, 100);
        // pg_cron runs the alert sweep once a minute; the replay compresses a day into
        // seconds, so the demo runs it every two seconds (it posts only when an alert is due).
        sweeper = setInterval(() => {
          db`select pipeline.request_alert_sweep()`.catch(() => {});
        }, 2000);
      },
    });
    clearInterval(ticker);

    // Let the last alerts reach both channels.
    const alerts = report.alerts!;
    const deadline = Date.now() + 20_000;
    const delivered = () => {
      const seen = new Map<string, number>();
      for (const m of receiver.messages()) {
        for (const id of alertIds(m.body)) {
          seen.set(`${m.service}:${id}`, (seen.get(`${m.service}:${id}`) ?? 0) + 1);
        }
      }
      return seen;
    };
    while (Date.now() < deadline) {
      const seen = delivered();
      if (alerts.actual.every((a) => seen.has(`slack:${a.id}`) && seen.has(`discord:${a.id}`))) {
        break;
      }
      await sleep(200);
    }
    await sleep(1200); // a duplicate would show up now
    clearInterval(sweeper);
    const seen = delivered();
    const exactlyOnce = alerts.actual.every((a) =>
      seen.get(`slack:${a.id}`) === 1 && seen.get(`discord:${a.id}`) === 1
    ) && [...seen.values()].reduce((x, y) =>
          x + y, 0) === alerts.actual.length * 2;

    // The final table, from what the system computed.
    const metrics = await db`
      select location_id, net_sales_cents, labor_cost_cents, paid_labor_seconds, labor_pct_bp,
        cplh_cents, splh_cents
      from public.daily_metrics
      where location_id = any(${report.locationIds}::bigint[]) and business_date = ${date}::date
    `;
    const byId = new Map(metrics.map((r) => [Number(r.location_id), r]));
    const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    const head = [
      "location",
      "net sales",
      "labor cost",
      "hours",
      "labor %",
      "CPLH",
      "SPLH",
      "alerts sent",
    ];
    const rows = report.locationIds.map((id, i) => {
      const r = byId.get(id);
      const sent = alerts.actual.filter((a) => a.locationId === id && a.status === "sent");
      return [
        names[i],
        formatMoney(n(r?.net_sales_cents) ?? 0),
        formatMoney(n(r?.labor_cost_cents) ?? 0),
        formatHours(n(r?.paid_labor_seconds) ?? 0),
        formatBp(n(r?.labor_pct_bp)),
        formatMoney(n(r?.cplh_cents)),
        formatMoney(n(r?.splh_cents)),
        sent.length === 0 ? "0" : `${sent.length} (${sent.map((a) => a.kind).join(", ")})`,
      ];
    });
    const widths = head.map((_, c) => Math.max(...[head, ...rows].map((r) => r[c].length)));
    const fmt = (r: string[]) =>
      r.map((v, c) => (c >= 1 && c <= 6 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("  ")
        .trimEnd();
    out(`\n${bold(`The day at a glance (${date}, from public.daily_metrics)`)}\n`);
    out(fmt(head));
    out(widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of rows) out(fmt(r));

    const t = report.totals;
    const figuresOk = report.comparison.every((c) => c.differences.length === 0) &&
      report.undelivered.length === 0;
    out("");
    out(
      `Webhooks: ${t.accepted}/${t.total} accepted, ${t.duplicatesRecognised} recognised as ` +
        `duplicates, ${t.retries} retries.`,
    );
    out(
      figuresOk
        ? `Ground truth: every figure of ${report.comparison.length} location-days matches ✓`
        : `Ground truth: MISMATCH\n${formatComparison(report.comparison, simulation.locations)}`,
    );
    const alertsOk = alerts.differences.length === 0 && alerts.expected.length > 0;
    out(
      alertsOk && exactlyOnce
        ? `Alerts: the ${alerts.expected.length} predicted alerts were raised and each reached ` +
          `Slack and Discord exactly once ✓`
        : `Alerts: MISMATCH (${alerts.differences.join("; ") || "delivery counts differ"})`,
    );
    out(dim(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`));
    const ok = figuresOk && alertsOk && exactlyOnce;
    if (!ok && functionLines.length > 0) {
      out(dim("\nLast function log lines:\n" + functionLines.slice(-20).join("\n")));
    }
    return ok ? 0 : 1;
  } catch (err) {
    out(`\ndemo: ${err instanceof Error ? err.message : String(err)}`);
    if (functionLines.length > 0) out(dim(functionLines.slice(-20).join("\n")));
    return 1;
  } finally {
    await cleanUp();
  }
}

if (import.meta.main) Deno.exit(await main());
