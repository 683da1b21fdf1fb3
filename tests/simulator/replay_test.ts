/**
 * The simulator replaying days on the database's own clock (sim/replay.ts), as the demo does:
 * staff clock in when their shift starts and accrue while open, and every alert of the live
 * day — open punches included — is exactly the one the independent model predicts at the
 * replayed instant, with "figures as of" the replay's time. The replay clock is database-wide:
 * only on a cluster npm test created, removed afterwards.
 */
import assert from "node:assert/strict";
import { needsOwnDatabase, testDb } from "../_support/env.ts";
import { formatComparison } from "../../sim/compare.ts";
import { databaseReplayClock } from "../../sim/replay.ts";
import { runSimulation, targetFromEnv } from "../../sim/run.ts";
import { localInstant } from "../../sim/time.ts";

Deno.test({
  name: "simulator replay: open punches accrue to the replayed clock; figures and alerts exact",
  ...needsOwnDatabase(),
  async fn() {
    const sql = testDb();
    let locationIds: number[] = [];
    try {
      const date = "2031-03-12"; // any date: the replay's clock makes it the live day
      const report = await runSimulation({
        ...targetFromEnv(),
        seed: 31,
        locations: 2,
        days: 1,
        startDate: date,
        runId: crypto.randomUUID().slice(0, 8),
        duplicateRate: 0.1,
        reorderRate: 0.1,
        // Every punch sent at clock-in and closed later, as 7shifts sends it.
        scenarios: [{ openAtClockInRate: 1, laborTargetBp: 1800 }, {
          openAtClockInRate: 1,
          laborTargetBp: 2200,
        }],
        checkAlerts: true,
        replayClock: databaseReplayClock(sql),
      });
      locationIds = report.locationIds;
      const sim = report.simulation;
      assert.ok(sim.punches.some((p) => p.versions[0].clockedOutAt === null));
      assert.equal(report.undelivered.length, 0);
      assert.ok(
        report.comparison.every((c) => c.differences.length === 0),
        formatComparison(report.comparison, sim.locations),
      );
      const alerts = report.alerts!;
      assert.deepEqual(alerts.differences, []);
      assert.ok(alerts.expected.length >= 2, `alerts: ${alerts.expected.length}`);
      // Raised with open punches on the clock, at the replayed instants.
      const rows = await sql`
        select open_punch_count, metrics_as_of from public.alerts
        where location_id = any(${locationIds}) order by id`;
      assert.ok(rows.some((r) => r.open_punch_count > 0), "an alert with staff on the clock");
      assert.deepEqual(
        rows.map((r) => r.metrics_as_of.getTime()),
        alerts.expected.map((a) => a.clock),
      );
      const zone = sim.locations[0].timeZone;
      assert.ok(rows.every((r) =>
        r.metrics_as_of.getTime() >= localInstant(date, 4, zone) &&
        r.metrics_as_of.getTime() < localInstant(date, 28 + 24, zone)
      ));
    } finally {
      await sql`select pipeline.set_replay_clock(null)`;
      if (locationIds.length > 0) {
        await sql`update public.locations set alerts_enabled = false
          where id = any(${locationIds})`;
      }
      await sql.end();
    }
  },
});
