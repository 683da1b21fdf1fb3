/**
 * The projected close of day end to end (issue 19): a simulated Friday of two locations (New
 * York, Chicago) with three same-weekday Fridays of history, their schedules published to the
 * fake 7shifts and pulled by the real vendor sync (a signed `schedule.published` webhook), the
 * history ingested by the functions' own handlers and the day's webhooks sent over HTTP, all on
 * the database's replay clock (sim/projection_run.ts); then, against the simulator's
 * independent model (sim/projection_model.ts): every intraday row of the four days, each day's
 * projection read at 2 PM, 5 PM and 8 PM local, and each projection alert with its hint (the
 * figures in `details`) and the message Slack and Discord received. New York's target is two
 * points under its close (a cut lands on target); Chicago's is three, and it hears only once
 * 90 % of a typical Friday's sales are done (its `projection_min_share_bp`), when too little
 * work is left for a cut to land on target: only the sales figure.
 */
import assert from "node:assert/strict";
import { eventually, needsOwnDatabase, testDb, testEnv } from "../_support/env.ts";
import { startChannelReceiver } from "../../local/channel_receiver.ts";
import { startVendorFakes } from "../../local/vendor_fakes.ts";
import { generateSimulation } from "../../sim/generate.ts";
import { DEFAULT_PROJECTION_RULES, predictProjections } from "../../sim/projection_model.ts";
import {
  lastWriteBy,
  type ProjectionRow,
  projectionRowOf,
  readDayProjection,
  runProjectionDays,
} from "../../sim/projection_run.ts";
import { plannedSteps, replayTimeline } from "../../sim/replay.ts";
import type { WageUnit } from "../../sim/render.ts";
import { localInstant } from "../../sim/time.ts";

/**
 * A Friday in the future, away from every other test's data: pg_cron's open-day job, which the
 * replay runs every 5 replayed minutes, recomputes every day with an open punch clocked in after
 * the clock less 40 hours, and on the shared test database days near today have many.
 */
const DATE = "2027-02-19";
const iso = (ms: number) => new Date(ms).toISOString();

Deno.test({
  name: "projection end to end: intraday rows, the projection at 2/5/8 PM and the projection " +
    "alert with its hint are exactly the model's",
  // It holds the database's replay clock: only on a database npm test created.
  ...needsOwnDatabase(),
}, async () => {
  const env = testEnv();
  const wageUnit = (Deno.env.get("SEVENSHIFTS_WAGE_UNIT") ?? "dollars") as WageUnit;
  const sim = generateSimulation({
    seed: 19,
    locations: 2,
    days: 1,
    startDate: DATE,
    runId: `projection-${crypto.randomUUID().slice(0, 8)}`,
    schedules: true,
    historyWeeks: 3,
    halfCentWages: false,
    wageUnit,
  });
  // Targets the days end two and three points over: the projection has something to say.
  for (const [i, drop] of [200, 300].entries()) {
    const final = sim.truth.find((t) => t.locationIndex === i && t.businessDate === DATE)!;
    sim.locations[i].laborTargetBp = final.laborPctBp! - drop;
  }
  const minShareBp = [DEFAULT_PROJECTION_RULES.projectionMinShareBp, 9000];
  const rules = sim.locations.map((l) => ({
    ...DEFAULT_PROJECTION_RULES,
    laborTargetBp: l.laborTargetBp,
    projectionMinShareBp: minShareBp[l.index],
  }));
  const planned = predictProjections(sim, plannedSteps(replayTimeline(sim.deliveries)), rules);
  // The run shows both kinds of hint.
  assert.ok(planned.alerts.some((a) => a.locationIndex === 0 && a.hint.cutPossible));
  assert.ok(planned.alerts.some((a) => a.locationIndex === 1 && !a.hint.cutPossible));

  const rx = await startChannelReceiver();
  const fakes = startVendorFakes();
  const sql = testDb();
  const marks = sim.locations.flatMap((l) =>
    [14, 17, 20].map((h) => ({
      at: localInstant(DATE, h, l.timeZone),
      label: `${l.index} ${h}:00`,
      locationIndex: l.index,
    }))
  );
  const atMarks = new Map<string, ProjectionRow | null>();
  let locationIds: number[] = [];
  let connectionIds: number[] = [];
  try {
    const run = await runProjectionDays({
      simulation: sim,
      target: {
        supabaseUrl: env.apiUrl,
        anonKey: env.anonKey,
        toastWebhookSecret: env.toastSecret,
        sevenShiftsGrantGuid: env.sevenShiftsGrantGuid,
      },
      databaseUrl: env.databaseUrl,
      functionsDatabaseUrl: env.functionsDatabaseUrl,
      wageUnit,
      fakes,
      settings: sim.locations.map((l) => ({
        slackWebhookUrl: rx.slackWebhookUrl(`projection-${l.index}`),
        discordWebhookUrl: rx.discordWebhookUrl(`projection-${l.index}`),
      })),
      onMapped: async (ids, db) => {
        locationIds = ids;
        for (const [i, id] of ids.entries()) {
          await db`update public.locations set projection_min_share_bp = ${minShareBp[i]}
            where id = ${id}`;
        }
      },
      marks,
      onMark: async (mark, db) => {
        const index = Number(mark.label.split(" ")[0]);
        atMarks.set(mark.label, await readDayProjection(db, locationIds[index], DATE));
      },
    });
    locationIds = run.locationIds;
    connectionIds = run.connectionIds;
    assert.deepEqual(run.undelivered.map((r) => [r.delivery.entity, r.httpStatus, r.answer]), []);
    const model = predictProjections(sim, run.steps, rules, {
      scheduleStoredAt: () => run.schedulesStoredAt,
    });

    // Every intraday row of the four days, as the model writes them.
    const rows = await sql`select location_id, to_char(business_date, 'YYYY-MM-DD') as d, slot,
        net_sales_cents, labor_cost_cents, paid_labor_minutes, open_punch_count, recorded_at
      from public.intraday_metrics where location_id = any(${locationIds})
      order by location_id, business_date, slot`;
    const actualRows = rows.map((r) =>
      `${locationIds.indexOf(Number(r.location_id))} ${r.d}#${r.slot} ${r.net_sales_cents} ` +
      `${r.labor_cost_cents} ${r.paid_labor_minutes} ${r.open_punch_count} ` +
      r.recorded_at.toISOString()
    );
    const expectedRows = [...model.intraday.values()]
      .sort((a, b) =>
        a.locationIndex - b.locationIndex || a.businessDate.localeCompare(b.businessDate) ||
        a.slot - b.slot
      )
      .map((r) =>
        `${r.locationIndex} ${r.businessDate}#${r.slot} ${r.netSalesCents} ${r.laborCostCents} ` +
        `${r.paidLaborMinutes} ${r.openPunchCount} ${iso(r.recordedAt)}`
      );
    assert.ok(expectedRows.length > 2 * 4 * 40, `${expectedRows.length} intraday rows`);
    assert.deepEqual(actualRows, expectedRows);

    // The projection at 2 PM, 5 PM and 8 PM: the day's last write before each.
    for (const mark of marks) {
      const last = lastWriteBy(model.writes, mark.locationIndex, DATE, mark.at)!;
      const row = atMarks.get(mark.label);
      assert.ok(row, `a projection at ${mark.label}`);
      assert.deepEqual(row, projectionRowOf(last), mark.label);
      assert.equal(last.projection.status, "ok", `${mark.label}: three Fridays of history`);
    }

    // Each projection alert: when, its level, the projection and the hint in its details.
    const alerts = await sql`select id, location_id, metrics_as_of, details from public.alerts
      where location_id = any(${locationIds}) and kind = 'projected' order by location_id, id`;
    assert.deepEqual(
      alerts.map((a) => ({
        location: locationIds.indexOf(Number(a.location_id)),
        at: a.metrics_as_of.toISOString(),
        level: a.details.level,
        fromState: a.details.fromState,
        projectedLaborPctBp: a.details.projection.projectedLaborPctBp,
        projectedNetSalesCents: a.details.projection.projectedNetSalesCents,
        projectedLaborCostCents: a.details.projection.projectedLaborCostCents,
        remainingSeconds: a.details.projection.remainingSeconds,
        remainingCostCents: a.details.projection.remainingCostCents,
        // An instant: compared as one (the details carry Postgres' timestamptz text).
        hint: {
          ...a.details.hint,
          ...(a.details.hint.cutBefore
            ? { cutBefore: iso(Date.parse(a.details.hint.cutBefore)) }
            : {}),
        },
      })),
      [...model.alerts].sort((a, b) => a.locationIndex - b.locationIndex).map((a) => ({
        location: a.locationIndex,
        at: iso(a.clock),
        level: a.level,
        fromState: a.fromState,
        projectedLaborPctBp: a.projection.projectedLaborPctBp,
        projectedNetSalesCents: a.projection.projectedNetSalesCents,
        projectedLaborCostCents: a.projection.projectedLaborCostCents,
        remainingSeconds: a.projection.remainingSeconds,
        remainingCostCents: a.projection.remainingCostCents,
        // Absent figures are left out of the details (jsonb_strip_nulls).
        hint: Object.fromEntries(
          Object.entries({
            ...a.hint,
            cutBefore: a.hint.cutBefore === null ? null : iso(a.hint.cutBefore),
          }).filter(([, v]) => v !== null),
        ),
      })),
    );
    // The message each channel of the location received says what the model says.
    for (const a of model.alerts) {
      await eventually(
        async () => {
          await Promise.resolve();
          const got = rx.messages().filter((m) =>
            m.path.endsWith(`projection-${a.locationIndex}`) &&
            JSON.stringify(m.body).includes(JSON.stringify(a.message).slice(1, -1))
          );
          return new Set(got.map((m) => m.service)).size === 2 ? true : undefined;
        },
        30_000,
        `"${a.message}" in Slack and Discord`,
      );
    }
  } finally {
    await sql`select pipeline.set_replay_clock(null)`;
    await sql`update public.locations set alerts_enabled = false where id = any(${locationIds})`;
    for (const id of connectionIds) await sql`select pipeline.remove_connection(${id})`;
    await sql.end();
    await fakes.stop();
    await rx.stop();
  }
});
