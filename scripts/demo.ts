/**
 * `npm run demo`: the whole pipeline on a fresh machine, in under a minute.
 *
 * Starts the local stack on a fresh database (own ports, own data folder), a fake Slack and
 * Discord (local/channel_receiver.ts), maps three locations whose channels point at it, and
 * replays one business day in accelerated time: signed Toast and 7shifts webhooks through
 * `supabase.functions.invoke`, a few duplicated or late, staff clocking in when their shift
 * starts (`time_punch.created` with no clock-out) and out when it ends (`time_punch.edited`).
 * The database is the demo's own, so it runs on the replay's clock (sim/replay.ts): open
 * punches accrue to the replayed time and every "figures as of" is the replay's. The story
 * (sim/demo_story.ts) is said on screen when it happens; each alert prints once both channels
 * have it; an hourly line shows each location's figures. The same seed prints the same story.
 * Harbor Kitchen's webhooks stall over lunch and a break is edited in 7shifts after the fact
 * (no webhook): the hourly vendor sync (pg_cron's `vendor-sync-hourly`, run at ten past each
 * replayed hour through pg_net and the real vendor-sync function, against fake Toast and
 * 7shifts APIs that serve the day as it stands at the replay's clock) finds what was missed,
 * corrects the figures, and says so in the channels.
 * At the end a table per location, the ground-truth check and the alert check. A second part
 * on the same stack shows the projected close of day (sim/demo_projection.ts): one restaurant's
 * Friday whose schedule is published and whose three Fridays before are loaded first
 * (sim/projection_run.ts), its projection at 2, 5 and 8 PM and its projection alert as the
 * channels receive it. Then everything stops.
 *
 * Exit status 0 when the figures equal the ground truth, every predicted alert and every sync
 * notice reached both channels exactly once, the fake vendors saw no limit broken, and the
 * Friday's projection at each mark and its projection alerts (each in both channels once) are
 * the simulator's model's.
 *
 * @module
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import {
  type ChannelReceiver,
  describeMessage,
  type ReceivedMessage,
  startChannelReceiver,
} from "../local/channel_receiver.ts";
import { repoPath } from "../local/paths.ts";
import { freePort } from "../local/postgres.ts";
import { onShutdown, sayIfPossible } from "../local/shutdown.ts";
import { removeDataDir } from "../local/throwaway.ts";
import { startVendorFakes, type VendorFakes } from "../local/vendor_fakes.ts";
import { type Stack, startStack } from "../local/stack.ts";
import { formatBusinessDate } from "../shared/alert_messages.ts";
import { formatBp, formatMoney } from "../sim/arith.ts";
import { formatComparison, formatHours } from "../sim/compare.ts";
import {
  DEMO_BEATS,
  DEMO_OVERTIME_EMPLOYEE,
  DEMO_SCENARIOS,
  DEMO_SEED,
  demoOptions,
  demoSyncs,
} from "../sim/demo_story.ts";
import {
  DEMO_PROJECTION_HISTORY_WEEKS,
  DEMO_PROJECTION_LOCATION,
  demoProjectionDate,
  demoProjectionDay,
  demoProjectionMarks,
  projectionAlertDifferences,
  projectionDifferences,
  type RaisedProjectionAlert,
} from "../sim/demo_projection.ts";
import { functionsClient, sendWithRetries } from "../sim/deliver.ts";
import { generateSimulation, type Simulation } from "../sim/generate.ts";
import { databaseReplayClock, type ReplayEvent, type SyncRunRow } from "../sim/replay.ts";
import { readAlerts } from "../sim/db.ts";
import { predictProjections } from "../sim/projection_model.ts";
import { type ProjectionRow, readDayProjection, runProjectionDays } from "../sim/projection_run.ts";
import type { WageUnit } from "../sim/render.ts";
import { compareAlerts, type RunReport, runSimulation } from "../sim/run.ts";
import { businessDateAt, clockText, localInstant, wallTime } from "../sim/time.ts";

const HELP = `Usage: npm run demo [-- --seconds N] [--seed N] [--keep]

  --seconds N   how long the replay of the day takes (default 25)
  --seed N      the day's random seed (default ${DEMO_SEED}): the same seed prints the same story
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

const ALERT_WORDS = { over: "over target", critical: "critical", recovered: "back on target" };

/** What a sync run found the webhooks had missed, in words ("14 orders and 1 break edit"). */
function missedText(run: SyncRunRow): string {
  const parts = [
    [Number(run.orders_missed), "order"],
    [Number(run.punches_missed), "punch"],
    [Number(run.break_edits_missed), "break edit"],
  ].filter(([n]) => Number(n) > 0).map(([n, what]) =>
    `${n} ${what}${Number(n) === 1 ? "" : what === "punch" ? "es" : "s"}`
  );
  return parts.length <= 1
    ? parts.join("")
    : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/** "1 notice", "2 notices". */
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `H:MM AM` of the replay, right-aligned, as every line of the story starts. */
const at = (ms: number, zone: string) => clockText(ms, zone).padStart(8);

/** Each location's figures now (public.daily_metrics), for the hourly line. */
async function statusLine(sql: postgres.Sql, ids: number[], date: string, names: string[]) {
  const rows = await sql`
    select location_id, net_sales_cents, labor_pct_bp, open_punch_count
    from public.daily_metrics
    where location_id = any(${ids}::bigint[]) and business_date = ${date}::date
  `;
  const byId = new Map(rows.map((r) => [Number(r.location_id), r]));
  return ids.map((id, i) => {
    const r = byId.get(id);
    const sales = formatMoney(r ? Number(r.net_sales_cents) : 0).padStart(10);
    const pct = (r && r.labor_pct_bp !== null ? formatBp(Number(r.labor_pct_bp)) : "—")
      .padStart(7);
    const open = String(r ? r.open_punch_count : 0).padStart(2);
    return `${names[i]} ${sales} ${pct} ${open} on the clock`;
  }).join(" │ ");
}

/** The hours of the replay and the story's beats, as marks of the replay's timeline. */
function storyMarks(sim: Simulation, date: string, zone: string) {
  const sends = sim.deliveries.map((d) => d.sendAt);
  const first = Math.min(...sends);
  const last = Math.max(...sends);
  const startHour = wallTime(first, zone).hour;
  const marks: Array<{ at: number; label: string }> = [];
  for (let h = startHour + 1;; h++) {
    const instant = localInstant(date, h, zone);
    if (instant > last) break;
    marks.push({ at: instant, label: "hour" });
  }
  for (const [i, beat] of DEMO_BEATS.entries()) {
    marks.push({ at: localInstant(date, beat.hour, zone), label: `beat ${i}` });
  }
  return { marks, first, last };
}

/** What the second part needs of the first: the stack, the fakes, and how alerts are shown. */
interface ProjectionPartContext {
  stack: Stack;
  db: postgres.Sql;
  receiver: ChannelReceiver;
  vendors: VendorFakes;
  seed: number;
  mainDate: string;
  /** Adds a location to those whose alerts {@link showNewAlerts} prints. */
  follow: (locationId: number, name: string) => void;
  /** Prints each new alert once both channels have it. */
  showNewAlerts: () => Promise<void>;
  /** The messages each channel received, by `service:alertId`. */
  delivered: () => Map<string, ReceivedMessage[]>;
}

/**
 * The second part: one restaurant's Friday with three Fridays of history and a published
 * schedule (sim/demo_projection.ts), its projection at 2, 5 and 8 PM and its projection alert,
 * checked against the simulator's model. True when everything matches.
 */
async function projectionPart(ctx: ProjectionPartContext): Promise<boolean> {
  const { stack, db } = ctx;
  const name = DEMO_PROJECTION_LOCATION.name;
  const zone = DEMO_PROJECTION_LOCATION.timeZone;
  const date = demoProjectionDate(ctx.mainDate);
  const wageUnit = (stack.env.SEVENSHIFTS_WAGE_UNIT ?? "dollars") as WageUnit;
  const day = demoProjectionDay(date, `demo-${ctx.seed}-friday`, ctx.seed, wageUnit);
  const sim = day.simulation;
  const target = sim.locations[0].laborTargetBp;
  const history = sim.dates.filter((d) => d !== date);
  out(
    `\n${bold("Part two: the projected close of day")} — ${name}, ` +
      `${formatBusinessDate(date)}, target ${formatBp(target)} labor`,
  );
  out(dim(
    `  A projection needs ${DEMO_PROJECTION_HISTORY_WEEKS} same weekdays of live history and the ` +
      "day's published 7shifts schedule: 7shifts publishes it\n" +
      "  (a signed schedule.published webhook; the pull stores the shifts), the Fridays before " +
      "are loaded, then the Friday\n" +
      "  replays as fast as it goes. Its projected close is read at 2, 5 and 8 PM; the alert " +
      "reads the best case (the rest\n" +
      "  of the day as busy as the busiest of those Fridays), so a day that ends under target " +
      "is not warned about.",
  ));
  let locationId = 0;
  const read = new Map<string, ProjectionRow | null>();
  const started = Date.now();
  const took = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const run = await runProjectionDays({
    simulation: sim,
    target: {
      supabaseUrl: stack.apiUrl,
      anonKey: stack.anonKey,
      toastWebhookSecret: stack.env.TOAST_WEBHOOK_SECRET,
      sevenShiftsGrantGuid: stack.env.SEVENSHIFTS_GRANT_GUID,
    },
    databaseUrl: stack.databaseUrl,
    functionsDatabaseUrl: stack.functionsDatabaseUrl,
    wageUnit,
    fakes: ctx.vendors,
    // Quiet while the history loads: those Fridays were alerted on when they were live.
    settings: [{
      slackWebhookUrl: ctx.receiver.slackWebhookUrl("demo-friday"),
      discordWebhookUrl: ctx.receiver.discordWebhookUrl("demo-friday"),
      alertsEnabled: false,
    }],
    onMapped: ([id]) => {
      locationId = id;
      ctx.follow(id, name);
      return Promise.resolve();
    },
    onStage: async (stage, sql) => {
      if (stage === "schedules") {
        const [s] = await sql`select count(*)::int as shifts,
            count(*) filter (where business_date = ${date}::date)::int as friday,
            coalesce(sum(extract(epoch from ends_at - starts_at))
              filter (where business_date = ${date}::date), 0)::int as seconds
          from public.scheduled_shifts where location_id = ${locationId}`;
        out(
          `${" ".repeat(8)}  ↻ 7shifts: schedule published; the pull stored ` +
            `${s.shifts} shifts of ${sim.dates.length} Fridays, ${s.friday} of them this ` +
            `Friday (${formatHours(s.seconds)} scheduled) ${dim(`[${took()}]`)}`,
        );
        return;
      }
      const closes = await sql`select to_char(business_date, 'Mon FMDD') as d,
          net_sales_cents, labor_pct_bp from public.daily_metrics
        where location_id = ${locationId} and business_date = any(${history}::date[])
        order by business_date`;
      out(
        `${" ".repeat(8)}  ▸ ${history.length} Fridays of history loaded (their webhooks through ` +
          `the functions' handlers,\n${" ".repeat(12)}intraday rows every 15 minutes): ` +
          closes.map((c) =>
            `${c.d} ${formatMoney(Number(c.net_sales_cents))} at ` +
            `${formatBp(Number(c.labor_pct_bp))}`
          ).join(", ") + ` ${dim(`[${took()}]`)}`,
      );
      await sql`update public.locations set alerts_enabled = true where id = ${locationId}`;
    },
    marks: demoProjectionMarks(day),
    onMark: async (mark, sql) => {
      await ctx.showNewAlerts();
      const row = await readDayProjection(sql, locationId, date);
      read.set(mark.label, row);
      const n = (
        k: string,
      ) => (row?.[k] === null || row?.[k] === undefined ? null : Number(row[k]));
      out(
        row?.status === "ok"
          ? `${bold(at(mark.at, zone))}  ${name}: ${formatMoney(n("net_sales_cents"))} sold ` +
            `(${formatBp(n("typical_share_bp"))} of a typical Friday's sales)\n${" ".repeat(10)}` +
            `projected close ${bold(formatBp(n("projected_labor_pct_bp")))} labor on ` +
            `${formatMoney(n("projected_net_sales_cents"))} of sales (target ${
              formatBp(target)
            }); ` +
            `best case ${formatBp(n("best_case_labor_pct_bp"))}`
          : `${bold(at(mark.at, zone))}  ${name}: no projection (${row?.status ?? "no row"}).`,
      );
    },
  });
  await ctx.showNewAlerts();
  // A duplicate delivery would arrive now.
  await sleep(1000);

  const model = predictProjections(sim, run.steps, day.rules, {
    scheduleStoredAt: () => run.schedulesStoredAt,
  });
  const raised = await db`select id::int, metrics_as_of, details ->> 'level' as level
    from public.alerts where location_id = ${locationId} and kind = 'projected' order by id`;
  const bodies = (service: string, id: number) =>
    (ctx.delivered().get(`${service}:${id}`) ?? []).map((m) => JSON.stringify(m.body));
  const projected: RaisedProjectionAlert[] = raised.map((a) => ({
    id: a.id,
    at: a.metrics_as_of.getTime(),
    level: a.level,
    slack: bodies("slack", a.id),
    discord: bodies("discord", a.id),
  }));
  const expected = model.alerts.filter((a) => a.businessDate === date);
  const labor = await readAlerts(db, [locationId]);
  const problems = [
    ...run.undelivered.map((r) => `${r.delivery.entity}: ${r.httpStatus} ${r.answer}`),
    ...projectionDifferences(day, model, read),
    ...projectionAlertDifferences(expected, projected),
    ...(expected.length === 0 ? ["the model predicts no projection alert"] : []),
    // The labor-% alerts of the Friday (the history was quiet), each in both channels once.
    ...compareAlerts(model.laborAlerts.filter((a) => a.businessDate === date), labor, [
      locationId,
    ]),
    ...labor.filter((a) =>
      bodies("slack", a.id).length !== 1 || bodies("discord", a.id).length !== 1
    )
      .map((a) => `alert #${a.id} (${a.kind}) not in Slack and Discord exactly once`),
  ];
  const [close] = await db`select labor_pct_bp from public.daily_metrics
    where location_id = ${locationId} and business_date = ${date}::date`;
  const first = expected[0];
  out(dim(`  (the Friday's part took ${took()})`));
  out(
    problems.length === 0
      ? `Projection: ${name} closed at ${formatBp(Number(close.labor_pct_bp))} (target ` +
        `${formatBp(target)}); at 2, 5 and 8 PM its projection and every input equal the ` +
        `model's, and the projection alert (at ${at(first.clock, zone).trim()}) ` +
        "reached Slack and Discord exactly once ✓"
      : `Projection: MISMATCH\n${indent(problems.join("\n"))}`,
  );
  return problems.length === 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string" },
      seed: { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    out(HELP);
    return 0;
  }
  const replaySeconds = Math.max(5, Number(values.seconds ?? 25) || 25);
  const seed = values.seed === undefined ? DEMO_SEED : Number(values.seed);
  if (!Number.isSafeInteger(seed)) {
    out(`demo: --seed must be an integer, got '${values.seed}'\n\n${HELP}`);
    return 2;
  }
  const started = Date.now();
  const zone = DEMO_SCENARIOS[0].timeZone ?? "America/Chicago";
  // Today's business day, replayed on the database's own clock.
  const date = businessDateAt(Date.now(), zone, 4);
  const names = DEMO_SCENARIOS.map((s) => s.name ?? "");
  const width = Math.max(...names.map((n) => n.length));

  out(
    bold("labor-pulse demo") +
      ` — one business day (${formatBusinessDate(date)}) of three restaurants, replayed`,
  );
  out(dim("Starting the local stack on a fresh database (Postgres 17, functions, pg_net)..."));

  const dataDir = repoPath(".local/demo-db");
  const functionLines: string[] = [];
  let stack: Stack | undefined;
  let rx: ChannelReceiver | undefined;
  let fakes: VendorFakes | undefined;
  let sql: postgres.Sql | undefined;
  let sweeper: ReturnType<typeof setInterval> | undefined;
  let starting: Promise<unknown> = Promise.resolve();
  const cleanUp = async () => {
    clearInterval(sweeper);
    await sql?.end({ timeout: 2 }).catch(() => {});
    await rx?.stop().catch(() => {});
    await fakes?.stop().catch(() => {});
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
      // pg_cron's jobs run on the replay's clock instead (sim/replay.ts, the sweep below).
      scheduler: false,
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

    rx = await startChannelReceiver();
    const receiver = rx;
    out(dim(`Fake Slack and Discord listening at ${receiver.url}`));
    // The stack's own login, postgres: the owner of the pipeline, who alone may set the
    // replay clock, on a database this process has just created.
    sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
    const db = sql;

    const simulation = generateSimulation(demoOptions(date, `demo-${seed}`, seed));
    const { marks, first: simStart, last: simEnd } = storyMarks(simulation, date, zone);
    const syncs = demoSyncs(simulation, date, zone, simStart, simEnd);
    // The fake Toast and 7shifts APIs serve the day as it stands at the replay's clock.
    let replayNow = simStart;
    const vendors = fakes = startVendorFakes({ visibleAt: () => replayNow });
    vendors.serve(simulation);
    const grants = Object.fromEntries(
      simulation.locations.map((l) => [l.sevenShiftsCompanyId, crypto.randomUUID()]),
    );
    out(dim(`Fake Toast and 7shifts APIs at ${vendors.url}`));
    const speed = (simEnd - simStart) / (replaySeconds * 1000);
    out(
      `\nReplaying ${simulation.deliveries.length} webhooks (${simulation.orders.length} orders, ` +
        `${simulation.punches.length} time punches clocked in and out as they happen; ` +
        `${simulation.deliveries.filter((d) => d.duplicate).length} duplicated, ` +
        `${simulation.deliveries.filter((d) => d.displaced).length} late) from ` +
        `${clockText(simStart, zone)} to ${clockText(simEnd, zone)}, ` +
        `${Math.round(speed)}× real time, seed ${seed}; ${simulation.lost.length} webhooks ` +
        `never arrive, and a break is edited in 7shifts after the fact (no webhook).`,
    );
    for (const [i, s] of DEMO_SCENARIOS.entries()) {
      out(dim(`  ${names[i]}: target ${formatBp(s.laborTargetBp ?? 2500)} labor`));
    }
    out(dim(
      "  The demo's database runs on the replay's clock (pipeline.set_replay_clock): open punches\n" +
        '  accrue to the replayed time, and every time shown, "figures as of" in the messages\n' +
        "  included, is the replay's. Each hour: net sales, labor % and staff on the clock; at ten\n" +
        "  past, the hourly sync checks every location against the Toast and 7shifts APIs.\n",
    ));

    const seen = new Map<string, ReceivedMessage[]>();
    const delivered = () => {
      seen.clear();
      for (const m of receiver.messages()) {
        for (const id of alertIds(m.body)) {
          seen.set(`${m.service}:${id}`, [...(seen.get(`${m.service}:${id}`) ?? []), m]);
        }
      }
      return seen;
    };
    let ids: number[] = [];
    let lastAlertId = 0;
    /** The sync notices raised (alert ids), and every sync run. */
    const notices: number[] = [];
    /** The overtime warnings raised (alert ids). */
    const overtimeNotices: number[] = [];
    const syncRuns: SyncRunRow[] = [];
    /** Prints each new alert once both channels have it, Slack first (same text every run). */
    const showNewAlerts = async () => {
      const fresh = await db`
        select id::int, location_id::int, kind, labor_pct_bp, metrics_as_of from public.alerts
        where location_id = any(${ids}::bigint[]) and id > ${lastAlertId} order by id`;
      for (const { id, location_id: locationId, kind, labor_pct_bp: pct, metrics_as_of } of fresh) {
        lastAlertId = id;
        if (kind === "sync") notices.push(id);
        if (kind === "overtime") overtimeNotices.push(id);
        out(
          `\n${at(metrics_as_of.getTime(), zone)}  ▸ ${names[ids.indexOf(locationId)]}: ` +
            (kind === "sync"
              ? `the sync's notice #${id} (webhooks missed data), as Slack and Discord receive it:`
              : kind === "overtime"
              ? `someone on the clock reaches overtime within the hour: notice #${id}, as Slack ` +
                "and Discord receive it:"
              : kind === "projected"
              ? `the day is projected to close over target: alert #${id}, as Slack and Discord ` +
                "receive it:"
              : `${ALERT_WORDS[kind as keyof typeof ALERT_WORDS]} at ${formatBp(Number(pct))} ` +
                `labor: alert #${id}, as Slack and Discord receive it:`),
        );
        const deadline = Date.now() + 20_000;
        while (
          Date.now() < deadline &&
          !(delivered().has(`slack:${id}`) && delivered().has(`discord:${id}`))
        ) {
          await sleep(25);
        }
        for (const service of ["slack", "discord"] as const) {
          const message = delivered().get(`${service}:${id}`)?.[0];
          if (!message) {
            out(`${bold(`📭 ${service}`)}: alert #${id} has not arrived`);
            continue;
          }
          out(`${bold(`📨 ${service === "slack" ? "Slack" : "Discord"}`)} ${dim(message.path)}`);
          out(indent(describeMessage(message).split("\n").slice(1).join("\n")) + "\n");
        }
      }
    };
    const onEvent = async (
      event: ReplayEvent,
      _result: unknown,
      runs?: SyncRunRow[],
    ) => {
      if (event.kind === "vendorSync") {
        syncRuns.push(...(runs ?? []));
        const found = (runs ?? []).filter((r) => Number(r.rows_new) + Number(r.rows_changed) > 0);
        if (syncRuns.length === (runs ?? []).length) {
          out(dim(
            `${at(event.at, zone)}  ↻ the first hourly sync with Toast's and 7shifts' APIs: ` +
              `${(runs ?? []).reduce((n, r) => n + Number(r.rows_fetched), 0)} rows checked` +
              (found.length === 0 ? ", nothing missed." : "."),
          ));
        }
        for (const r of found) {
          const [day] = await db`
            select labor_pct_bp from public.daily_metrics
            where location_id = ${r.location_id} and business_date = ${date}::date`;
          // Rows changed in the last 15 minutes of the window are not "missed": their webhooks
          // may still be on the way (the simulation delivers some late).
          const missed = Number(r.orders_missed) + Number(r.punches_missed) +
            Number(r.break_edits_missed);
          const recent = Number(r.rows_new) + Number(r.rows_changed) - missed;
          const parts = [
            missed > 0 ? `the webhooks missed ${missedText(r)}` : "",
            recent > 0
              ? `${recent} row${recent === 1 ? "" : "s"} newer than the webhooks so far ` +
                `(changed in the last 15 minutes, a webhook still on its way: not counted as missed)`
              : "",
          ].filter(Boolean);
          out(
            `${at(event.at, zone)}  ↻ hourly sync: ${names[ids.indexOf(r.location_id)]}: ` +
              `${r.rows_fetched} rows checked, ${parts.join("; ")}; applied, labor now ` +
              `${formatBp(day ? Number(day.labor_pct_bp) : null)}.`,
          );
        }
        await showNewAlerts();
        return;
      }
      if (event.kind === "mark") {
        if (event.label === "hour") {
          const line = await statusLine(db, ids, date, names.map((n) => n.padEnd(width)));
          out(`${bold(at(event.at, zone))}  ${line}`);
        } else {
          const beat = DEMO_BEATS[Number(event.label.slice(5))];
          out(`${at(event.at, zone)}  ▸ ${beat.text}`);
        }
        return;
      }
      if (event.kind === "delivery") {
        const d = event.delivery;
        const punch = d.entity.startsWith("punch:")
          ? simulation.punches.find((p) => `punch:${p.id}` === d.entity)
          : undefined;
        if (punch?.versions[d.versionIndex].deleted && !d.duplicate) {
          out(
            `${at(event.at, zone)}  ▸ ${names[d.locationIndex]}: a punch ` +
              `(${punch.versions[0].change}) is deleted in 7shifts.`,
          );
        }
      }
      await showNewAlerts();
    };

    const env = stack.env;
    const report: RunReport = await runSimulation({
      ...demoOptions(date, `demo-${seed}`, seed),
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
      sevenShiftsGrantGuids: grants,
      checkAlerts: true,
      replayClock: {
        async set(at) {
          replayNow = at;
          await databaseReplayClock(db).set(at);
        },
      },
      replayMarks: marks,
      vendorSyncs: syncs,
      onReplayEvent: onEvent,
      onMapped: async (locationIds) => {
        ids = locationIds;
        // Each restaurant's Toast integration and each 7shifts company, connected (credentials
        // to Vault) to the fake APIs: the sync's way in, as an operator sets it up (README).
        for (const [i, loc] of simulation.locations.entries()) {
          const clientId = `demo-toast-${i + 1}`;
          const clientSecret = crypto.randomUUID();
          const token = crypto.randomUUID();
          vendors.addToastClient({
            clientId,
            clientSecret,
            restaurants: [loc.toastRestaurantGuid],
          });
          vendors.addSevenShiftsCompany({
            companyId: loc.sevenShiftsCompanyId,
            accessToken: token,
          });
          const [{ toast }] = await db`select pipeline.add_toast_connection(${loc.name},
            ${clientId}, ${clientSecret}, ${vendors.toastBaseUrl}) as toast`;
          await db`select pipeline.add_sevenshifts_connection(${loc.name},
            ${loc.sevenShiftsCompanyId}, ${grants[loc.sevenShiftsCompanyId]}, ${token},
            api_base_url => ${vendors.sevenShiftsBaseUrl})`;
          await db`insert into public.location_sync (location_id, toast_connection_id)
            values (${locationIds[i]}, ${toast})`;
        }
        // 7shifts' user.created for Harbor Kitchen's day manager, so messages can name them.
        const employee = simulation.punches.find((p) =>
          p.locationIndex === DEMO_OVERTIME_EMPLOYEE.locationIndex &&
          p.versions[0].change === "earlier this week"
        );
        if (employee) {
          const loc = simulation.locations[DEMO_OVERTIME_EMPLOYEE.locationIndex];
          const target = {
            supabaseUrl: stack!.apiUrl,
            anonKey: stack!.anonKey,
            toastWebhookSecret: env.TOAST_WEBHOOK_SECRET,
            sevenShiftsGrantGuid: env.SEVENSHIFTS_GRANT_GUID,
            sevenShiftsGrantGuids: grants,
          };
          const user = await sendWithRetries(functionsClient(target), {
            seq: -1,
            locationIndex: loc.index,
            vendor: "7shifts",
            topic: "user.created",
            at: simStart,
            sendAt: simStart,
            rawBody: JSON.stringify({
              id: employee.userId,
              company_id: loc.sevenShiftsCompanyId,
              first_name: DEMO_OVERTIME_EMPLOYEE.firstName,
              last_name: DEMO_OVERTIME_EMPLOYEE.lastName,
              active: true,
              modified: new Date(simStart).toISOString().slice(0, 19).replace("T", " "),
            }),
            envelopeTimestamp: null,
            restaurantGuid: null,
            companyId: loc.sevenShiftsCompanyId,
            entity: `user:${employee.userId}`,
            versionIndex: 0,
            versionCount: 1,
            change: "created",
            duplicate: false,
            displaced: false,
          }, target);
          if (user.status !== "accepted") throw new Error(`user.created: ${user.answer}`);
        }
        // pg_cron runs the alert sweep once a minute; it is about real time (retries after a
        // channel's outage), so the demo runs it every two seconds of real time.
        sweeper = setInterval(() => {
          db`select pipeline.request_alert_sweep()`.catch(() => {});
        }, 2000);
      },
    });

    // Every alert was printed once both channels had it; a duplicate would show up now.
    const alerts = report.alerts!;
    await showNewAlerts();
    await sleep(1200);
    clearInterval(sweeper);
    const counts = delivered();
    const everyId = [...alerts.actual.map((a) => a.id), ...notices, ...overtimeNotices];
    const exactlyOnce = everyId.every((id) =>
      counts.get(`slack:${id}`)?.length === 1 && counts.get(`discord:${id}`)?.length === 1
    ) && [...counts.values()].reduce((x, y) =>
          x + y.length, 0) === everyId.length * 2;

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
    out(`\n${
      bold(
        `The day at a glance (${formatBusinessDate(date)}, public.daily_metrics as of ` +
          `${clockText(simEnd, zone)})`,
      )
    }\n`);
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
    const corrected = syncRuns.filter((r) => Number(r.rows_new) + Number(r.rows_changed) > 0);
    const failedRuns = syncRuns.filter((r) => r.state !== "succeeded");
    const violations = vendors.violations();
    const syncOk = failedRuns.length === 0 && violations.length === 0 && corrected.length > 0;
    const missed = syncRuns.reduce((total, r) => ({
      orders_missed: total.orders_missed + Number(r.orders_missed),
      punches_missed: total.punches_missed + Number(r.punches_missed),
      break_edits_missed: total.break_edits_missed + Number(r.break_edits_missed),
    }), { orders_missed: 0, punches_missed: 0, break_edits_missed: 0 });
    out(
      syncOk
        ? `Vendor sync: ${syncRuns.length} runs, ` +
          `${vendors.requests().length} API requests within the vendors' limits (at most ` +
          `${vendors.peakRate("toast", "ordersBulk")} ordersBulk and ` +
          `${vendors.peakRate("toast", "client")} in all a second to Toast); they found what the ` +
          `webhooks missed (${missedText(missed as unknown as SyncRunRow)}) and ${
            plural(notices.length, "notice")
          } went out ✓`
        : `Vendor sync: PROBLEM (${failedRuns.length} failed runs` +
          `${failedRuns.map((r) => `: ${r.error}`).join("")}; ${violations.length} limit ` +
          `violations${violations.length ? `: ${violations.slice(0, 3).join("; ")}` : ""})`,
    );
    const alertsOk = alerts.differences.length === 0 && alerts.expected.length > 0;
    out(
      alertsOk && exactlyOnce
        ? `Alerts: the ${alerts.expected.length} predicted alerts were raised and each reached ` +
          `Slack and Discord exactly once, as did the sync's ${plural(notices.length, "notice")} ` +
          `and the overtime warning ✓`
        : `Alerts: MISMATCH (${alerts.differences.join("; ") || "delivery counts differ"})`,
    );
    // Harbor Kitchen's day manager: warned once, ahead of time, and paid half again after.
    const harbor = report.locationIds[DEMO_OVERTIME_EMPLOYEE.locationIndex];
    const [overtime] = await db`
      select coalesce(sum(overtime_minutes), 0)::int as minutes,
        coalesce(sum(overtime_premium_cents), 0)::int as premium
      from public.daily_metrics where location_id = ${harbor} and business_date = ${date}::date`;
    const [warning] = await db`
      select count(*)::int as n, min(metrics_as_of) as raised,
        min((details ->> 'startsAt')::timestamptz) as starts
      from public.alerts where location_id = ${harbor} and kind = 'overtime'`;
    const overtimeOk = warning.n === 1 && overtimeNotices.length === 1 && overtime.minutes > 0 &&
      overtime.premium > 0 && warning.raised < warning.starts;
    out(
      overtimeOk
        ? `Overtime: ${DEMO_OVERTIME_EMPLOYEE.firstName} ${DEMO_OVERTIME_EMPLOYEE.lastName[0]}. ` +
          `was announced at ${at(warning.raised.getTime(), zone).trim()}, ahead of overtime at ` +
          `${at(warning.starts.getTime(), zone).trim()}; ${overtime.minutes} minutes of it ` +
          `added ${formatMoney(overtime.premium)} to ${
            names[DEMO_OVERTIME_EMPLOYEE.locationIndex]
          }'s ` +
          "labor cost, as the ground truth has it ✓"
        : `Overtime: PROBLEM (${warning.n} warnings, ${overtime.minutes} overtime minutes)`,
    );
    out(dim(`The day's part took ${((Date.now() - started) / 1000).toFixed(1)} s.`));

    const projectionOk = await projectionPart({
      stack,
      db,
      receiver,
      vendors,
      seed,
      mainDate: date,
      follow: (locationId, name) => {
        ids = [...ids, locationId];
        names.push(name);
      },
      showNewAlerts,
      delivered,
    });
    out(dim(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`));
    const ok = figuresOk && alertsOk && exactlyOnce && syncOk && overtimeOk && projectionOk;
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
