/**
 * History: mapping a location with `backfill_days` pulls its last days from the vendors'
 * APIs (no webhook ever came for them) to the exact truth, without alerting on any day that
 * is already over: those days are marked quiet (alert_states.quiet) before anything is
 * ingested, so the closed-day verdict (pipeline.judge_closed_days) never alerts on them,
 * neither after the backfill nor after a later webhook, however far over target they are; the
 * same day without the mark gets its one notice (the check can fail). The
 * backfill sends no "webhooks missed" notice either: it is history, not a miss.
 */
import assert from "node:assert/strict";
import { testEnv } from "../_support/env.ts";
import { signSevenShiftsPayload } from "../../shared/signatures.ts";
import { addDays, businessDateAt, localInstant } from "../../sim/time.ts";
import { differences, syncWorld, waitForRuns } from "./support.ts";

const ZONE = "America/Chicago";

Deno.test("backfill: a newly mapped location's history arrives exact, and no closed day alerts, then or later", async () => {
  const env = testEnv();
  const today = businessDateAt(Date.now(), ZONE, 4);
  // Three plain days, every event of which is over (they end before today's business day).
  const world = await syncWorld({
    seed: 13,
    locations: 1,
    days: 3,
    startDate: addDays(today, -3),
    alertsEnabled: true,
    openPunches: false,
    scenarios: [{
      timeZone: ZONE,
      laborTargetBp: 1000,
      ordersPerDay: 40,
      orderFeatures: [],
      punchFeatures: ["createdClosed"],
      featureRateScale: 0,
      approvalRate: 0,
    }],
  });
  try {
    const id = world.locationIds[0];
    assert.deepEqual((await world.compare()).filter((c) => c.system !== null), [], "no data yet");
    await world.sql`update public.location_sync set backfill_days = 4 where location_id = ${id}`;
    const [{ run }] = await world.sql`select id as run from public.sync_runs
      where location_id = ${id} and kind = 'backfill'`;
    const [done] = await waitForRuns(world.sql, [Number(run)]);
    assert.equal(done.state, "succeeded", String(done.error));
    assert.equal((done.from_date as Date).toISOString().slice(0, 10), addDays(today, -4));
    assert.deepEqual(differences(await world.compare()), "", "history exact");
    assert.ok(Number(done.rows_new) > 100);
    assert.equal(done.notice_alert_id, null, "no notice for history");
    const levels = await world.sql`select d.business_date, d.labor_pct_bp, s.quiet
      from public.daily_metrics d
      left join public.alert_states s using (location_id, business_date)
      where d.location_id = ${id} order by 1`;
    assert.ok(levels.length >= 3);
    for (const l of levels) {
      assert.ok(
        Number(l.labor_pct_bp) > 1500,
        `every day far over its 10 % target: ${l.labor_pct_bp}`,
      );
      assert.equal(l.quiet, true, `${l.business_date} is quiet`);
    }
    const alerts = async () =>
      (await world.sql`select kind, business_date from public.alerts where location_id = ${id}`)
        .length;
    assert.equal(await alerts(), 0, "nothing alerted during the backfill");

    // Later: a webhook for yesterday moves its figures again. Still quiet.
    const loc = world.sim.locations[0];
    const yesterday = addDays(today, -1);
    const punch = (n: number) =>
      JSON.stringify({
        id: 1_990_000_000 + Math.floor(Math.random() * 9_000_000) + n,
        company_id: loc.sevenShiftsCompanyId,
        location_id: loc.sevenShiftsLocationId,
        user_id: 1,
        hourly_wage: 20,
        approved: false,
        clocked_in_iso: new Date(localInstant(yesterday, 9, ZONE)).toISOString(),
        clocked_out_iso: new Date(localInstant(yesterday, 15, ZONE)).toISOString(),
        modified: new Date(localInstant(yesterday, 16, ZONE)).toISOString(),
        deleted: false,
        time_punch_breaks: [],
      });
    const send = async (body: string) => {
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await fetch(`${env.functionsUrl}/sevenshifts-webhook`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-webhook-topic": "time_punch.created",
          "x-company-id": String(loc.sevenShiftsCompanyId),
          "x-hmac-timestamp": ts,
          "x-hmac-signature": await signSevenShiftsPayload(
            body,
            ts,
            world.credentials[0].grantGuid,
          ),
        },
        body,
      });
      await res.body?.cancel();
      assert.equal(res.status, 200);
    };
    await send(punch(1));
    // The closed-day verdict (pg_cron every minute, once figures settle), asked for at once.
    const judge = () => world.sql`select pipeline.judge_closed_days(0, ${id}) as raised`;
    assert.equal((await judge())[0].raised, 0);
    assert.equal(await alerts(), 0, "neither the backfill nor a later webhook alerts");

    // The same day without the mark gets its one closed-day notice (the check can fail).
    await world.sql`update public.alert_states set quiet = false
      where location_id = ${id} and business_date = ${yesterday}::date`;
    await send(punch(2));
    assert.equal((await judge())[0].raised, 1, "without the mark, yesterday would have alerted");
    assert.equal(await alerts(), 1);
  } finally {
    await world.sql`delete from public.alerts where location_id = any(${world.locationIds})`;
    await world.sql`update public.locations set alerts_enabled = false
      where id = any(${world.locationIds})`;
    await world.close();
  }
});
