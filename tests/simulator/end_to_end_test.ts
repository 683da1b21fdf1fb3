/**
 * The simulator against the test stack, as a library call: realistic business days for
 * several seeds, delivered as signed webhooks through `supabase.functions.invoke` with
 * duplicates and out-of-order deliveries, must end in exactly the ground truth in
 * `public.daily_metrics`; the alerts the documented state machine predicts for the accepted
 * delivery order must be exactly the rows of `public.alerts`, and each must reach the fake
 * Slack and the fake Discord exactly once, in creation order per location.
 *
 * The database's clock is injected: for the run its replay clock is held at a fixed
 * afternoon, the day after the simulated business day in every zone the run uses, so "today"
 * (which days are closed, which may still alert) cannot move under a run that crosses a
 * cut-off, and the prediction uses the same clock. Exactly-once is asserted once the notifier has answered
 * every alert's database webhook and every sweep the test asked for: nothing can be posted
 * after that.
 */
import assert from "node:assert/strict";
import { eventually, needsOwnDatabase, testDb } from "../_support/env.ts";
import { alertCallsAnswered, answered, captureQueued } from "../_support/pg_net.ts";
import { type ChannelReceiver, startChannelReceiver } from "../../local/channel_receiver.ts";
import { formatComparison } from "../../sim/compare.ts";
import { type RunReport, runSimulation, targetFromEnv } from "../../sim/run.ts";
import { businessDateAt } from "../../sim/time.ts";
import { LOCATION_SEEDS } from "../../sim/catalog.ts";

/** The simulated business day, and the database's clock while it is replayed. */
const BUSINESS_DATE = "2026-11-20";
/** The next afternoon in every US zone: the day is yesterday, closed, and may still alert. */
const CLOCK = "2026-11-21T20:00:00.000Z";

/**
 * Runs `run` with the database's figures at `clock`: the replay clock
 * (`pipeline.set_replay_clock`, which only the owner of the pipeline's objects may set, the
 * test login here) held at that instant, and removed afterwards.
 */
async function atReplayClock<T>(clock: string, run: () => Promise<T>): Promise<T> {
  const sql = testDb();
  try {
    await sql`select pipeline.set_replay_clock(${clock}::timestamptz)`;
    return await run();
  } finally {
    await sql`select pipeline.set_replay_clock(null)`;
    await sql.end();
  }
}

function explain(report: RunReport): string {
  return [
    formatComparison(report.comparison, report.simulation.locations),
    ...report.undelivered.map((r) =>
      `not accepted: ${r.delivery.entity} ${r.status} ${r.httpStatus} ${JSON.stringify(r.answer)}`
    ),
    ...(report.alerts?.differences ?? []),
  ].join("\n");
}

/** Alert ids quoted in a received message (the renderer writes `Alert #<id>`). */
function alertIdsIn(body: unknown): number[] {
  return [...JSON.stringify(body).matchAll(/Alert #(\d+)/g)].map((m) => Number(m[1]));
}

async function cleanUp(locationIds: number[]) {
  const sql = testDb();
  try {
    await eventually(
      async () => {
        const [{ n }] = await sql`select count(*)::int as n from public.alerts
          where location_id = any(${locationIds}) and status in ('pending', 'sending')`;
        return n === 0 ? true : undefined;
      },
      20_000,
      "alert deliveries to settle",
    ).catch(() => {});
    await sql`delete from public.alerts where location_id = any(${locationIds})`;
    await sql`update public.locations set alerts_enabled = false
      where id = any(${locationIds})`;
  } finally {
    await sql.end();
  }
}

for (const seed of [7, 2026]) {
  Deno.test({
    name:
      `simulator end to end: seed ${seed}, 3 locations, duplicates and reordering: figures and alerts exact`,
    // It holds the database's replay clock: only on a database npm test created.
    ...needsOwnDatabase(),
  }, async () => {
    const rx: ChannelReceiver = await startChannelReceiver();
    const locations = 3;
    const zones = LOCATION_SEEDS.slice(0, locations).map((l) => l.timeZone);
    // The clock is the afternoon after the simulated day everywhere the run is.
    for (const zone of zones) {
      assert.equal(businessDateAt(Date.parse(CLOCK), zone, 4), "2026-11-21", zone);
    }
    let report: RunReport | undefined;
    try {
      report = await atReplayClock(CLOCK, () =>
        runSimulation({
          ...targetFromEnv(),
          seed,
          locations,
          days: 1,
          databaseClock: Date.parse(CLOCK),
          startDate: BUSINESS_DATE,
          runId: crypto.randomUUID().slice(0, 8),
          duplicateRate: 0.15,
          reorderRate: 0.15,
          // A day that is over, backfilled with punches sent open at clock-in (they accrue to
          // the held clock meanwhile): no alert on any intermediate state, one notice each on
          // the settled final figures, with targets low enough that every day ends over them.
          scenarios: [{ laborTargetBp: 1500 }, { laborTargetBp: 1400 }, { laborTargetBp: 1400 }],
          settings: Array.from({ length: locations }, (_, i) => ({
            slackWebhookUrl: rx.slackWebhookUrl(`sim-${seed}-${i}`),
            discordWebhookUrl: rx.discordWebhookUrl(`sim-${seed}-${i}`),
          })),
          checkAlerts: true,
        }));
      const sim = report.simulation;
      assert.ok(sim.deliveries.some((d) => d.duplicate) && sim.deliveries.some((d) => d.displaced));
      assert.equal(report.undelivered.length, 0, explain(report));
      assert.ok(report.totals.duplicatesRecognised > 0, "duplicates recognised as such");
      assert.ok(
        report.comparison.every((c) => c.differences.length === 0),
        `figures differ:\n${explain(report)}`,
      );
      assert.ok(
        report.comparison.some((c) => c.truth.punchCount > 10 && c.truth.netSalesCents > 0),
      );
      const alerts = report.alerts!;
      assert.ok(
        alerts.expected.length >= 2,
        `the run should cross a target: ${alerts.expected.length}`,
      );
      assert.deepEqual(alerts.differences, [], explain(report));
      assert.equal(alerts.actual.length, alerts.expected.length);

      // Each alert reaches both channels exactly once, in creation order per location.
      const ids = alerts.actual.map((a) => a.id);
      const counts = () => {
        const c = new Map<string, number>();
        for (const m of rx.messages()) {
          for (const id of alertIdsIn(m.body)) {
            c.set(`${m.service}:${id}`, (c.get(`${m.service}:${id}`) ?? 0) + 1);
          }
        }
        return c;
      };
      const perLocation = Math.max(
        ...report.locationIds.map((id) => alerts.actual.filter((a) => a.locationId === id).length),
      );
      const sql = testDb();
      let lastSweep = 0;
      const sweeps: number[] = [];
      try {
        await eventually(
          async () => {
            const c = counts();
            const all = ids.every((id) => c.has(`slack:${id}`) && c.has(`discord:${id}`));
            if (!all && Date.now() - lastSweep > 1000) {
              // What pg_cron does every minute on Supabase (the scheduler is off in tests):
              // pg_net sends at most once, the sweep re-wakes the notifier for anything due.
              lastSweep = Date.now();
              const queued = await captureQueued(
                sql,
                (tx) => tx`select pipeline.request_alert_sweep()`,
                `"type": "SWEEP"`,
              );
              sweeps.push(...queued.map((r) => r.id));
            }
            return all ? true : undefined;
          },
          15_000 + perLocation * 2_500,
          `${ids.length * 2} alert messages`,
        );
        // The figures (and so the alerts) were computed at the injected clock.
        const clocks = await sql`select distinct metrics_as_of as at from public.alerts
          where location_id = any(${report.locationIds})`;
        assert.deepEqual(clocks.map((r) => r.at.toISOString()), [CLOCK]);
        // Every notifier invocation has answered: any duplicate would be here by now.
        // (An invocation may pace its posts for up to its 40 s budget.)
        await alertCallsAnswered(sql, ids, 60_000);
        await answered(sql, sweeps, 60_000);
      } finally {
        await sql.end();
      }
      const c = counts();
      for (const id of ids) {
        assert.equal(c.get(`slack:${id}`), 1, `Slack copies of alert ${id}`);
        assert.equal(c.get(`discord:${id}`), 1, `Discord copies of alert ${id}`);
      }
      assert.equal([...c.values()].reduce((a, b) => a + b, 0), ids.length * 2, "no stray message");
      for (const [i, locationId] of report.locationIds.entries()) {
        for (const service of ["slack", "discord"] as const) {
          const got = rx.messages(service)
            .filter((m) => m.path.endsWith(`sim-${seed}-${i}`))
            .flatMap((m) => alertIdsIn(m.body));
          const want = alerts.actual.filter((a) => a.locationId === locationId).map((a) => a.id);
          assert.deepEqual(got, want, `${service} order at location ${i}`);
        }
      }
    } finally {
      if (report) await cleanUp(report.locationIds);
      await rx.stop();
    }
  });
}

Deno.test("simulator end to end: open punches over two past days across the end of DST converge on the truth", async () => {
  const report = await runSimulation({
    ...targetFromEnv(),
    seed: 11,
    locations: 2,
    days: 2,
    startDate: "2026-10-31",
    runId: crypto.randomUUID().slice(0, 8),
    duplicateRate: 0.1,
    reorderRate: 0.2,
  });
  try {
    assert.ok(
      report.simulation.punches.some((p) => p.versions.some((v) => v.clockedOutAt === null)),
    );
    assert.equal(report.undelivered.length, 0, explain(report));
    assert.ok(report.ok, explain(report));
    // Both business days, plus the days a refund or a moved punch touched.
    assert.ok(report.comparison.filter((c) => c.truth.punchCount > 0).length === 4);
  } finally {
    await cleanUp(report.locationIds);
  }
});
