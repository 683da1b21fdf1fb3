/**
 * The projection alert on the test stack (docs/projection.md, "Projection alert"): the
 * hand-worked day (tests/_support/projection_fixture.ts) projects 29.10 % at 5 PM against a
 * 25 % target. The share gate and the margin hold it back exactly at their edges; past them
 * one 'projected' row goes to the outbox and the notifier posts it to the fake Slack and
 * Discord with the hint; later writes send nothing more until the projection crosses the
 * critical line (one escalation), then nothing more at all. A closed day never gets one.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { eventually, testDb } from "../_support/env.ts";
import { settleAndDeleteAlerts } from "../_support/outbox.ts";
import { answered, captureQueued } from "../_support/pg_net.ts";
import {
  createProjectionFixture,
  FIXTURE_CLOCK,
  FIXTURE_DAY,
} from "../_support/projection_fixture.ts";
import { describeMessage, startChannelReceiver } from "../../local/channel_receiver.ts";

const at = (minutes: number) =>
  new Date(Date.parse(FIXTURE_CLOCK) + minutes * 60_000).toISOString();

Deno.test("projection alert: past the share gate and the margin, once a day plus one escalation, heard once in Slack and Discord", async () => {
  const sql = testDb();
  const rx = await startChannelReceiver();
  let locationId = 0;
  const calls: number[] = [];
  try {
    // Held back at 5 PM by the share gate (a typical Friday is 60.00 % done, the gate 60.01 %).
    const f = await createProjectionFixture(sql, "Projection Alert Bistro", {
      projectionMinShareBp: 6001,
      slackWebhookUrl: rx.slackWebhookUrl("projection"),
      discordWebhookUrl: rx.discordWebhookUrl("projection"),
    });
    locationId = f.locationId;
    const projected = async () => (await sql`select id::int, details from public.alerts
        where location_id = ${f.locationId} and kind = 'projected' order by id`);
    const write = async (minutes: number, fn?: (tx: postgres.TransactionSql) => unknown) => {
      const queued = await captureQueued(sql, async (tx) => {
        await tx`select set_config('pipeline.now', ${at(minutes)}, true)`;
        await fn?.(tx);
        await tx`select pipeline.recompute_day(${f.locationId}, ${FIXTURE_DAY})`;
        await tx`set constraints all immediate`;
      }, `"location_id": ${f.locationId},`);
      calls.push(...queued.map((r) => r.id));
    };
    assert.equal((await projected()).length, 0);
    // At the gate, projected 29.10 %, but the best case (the rest of the day like the busiest
    // Friday) 28.30 % is not past target + a 3.30-point margin: the alert reads the best case.
    await sql`update public.locations set projection_min_share_bp = 6000,
      projection_margin_bp = 330 where id = ${f.locationId}`;
    await write(0);
    assert.equal((await projected()).length, 0);
    const [state] = await sql`select state from public.day_projections
      where location_id = ${f.locationId}`;
    assert.equal(state.state, "none");
    // A 3.29-point margin: projected over target.
    await sql`update public.locations set projection_margin_bp = 329 where id = ${f.locationId}`;
    await write(0);
    const [first] = await projected();
    assert.equal(first?.details.level, "projected");
    assert.equal(first?.details.projection.projectedLaborPctBp, 2910);

    // Five minutes on: still over, nothing more.
    await write(5);
    assert.equal((await projected()).length, 1);
    // Ten minutes on, a $40-an-hour 4-hour shift is added from 6:30 PM: $160 more, 39.85 %
    // (best case 38.75 %), past the 30 % critical line: one escalation.
    await write(
      10,
      (tx) => f.shift(tx, 5, null, "2026-11-27T23:30:00Z", "2026-11-28T03:30:00Z", 4000),
    );
    const rows = await projected();
    assert.equal(rows.length, 2);
    assert.equal(rows[1]!.details.level, "critical");
    assert.equal(rows[1]!.details.fromState, "projected");
    // Worse still: nothing more.
    await write(
      15,
      (tx) => f.shift(tx, 6, null, "2026-11-27T23:30:00Z", "2026-11-28T03:30:00Z", 4000),
    );
    assert.equal((await projected()).length, 2);

    // The channels hear each one once, with the fix in it.
    const projectionMessages = (service: "slack" | "discord") =>
      rx.messages(service).map(describeMessage).filter((m) =>
        m.includes("Notification: 📈 Projected") || m.includes("Notification: 🔴 Projected")
      );
    const heard = await eventually(
      () => {
        const s = projectionMessages("slack");
        const d = projectionMessages("discord");
        return Promise.resolve(s.length >= 2 && d.length >= 2 ? { s, d } : undefined);
      },
      30_000,
      "the projection alerts to reach Slack and Discord",
    );
    const slackProjected = heard.s.filter((m) => m.includes("📈 Projected over target"));
    assert.equal(slackProjected.length, 1);
    assert.match(
      slackProjected[0]!,
      /Projected 29\.1 % at close \(target 25 %\)\. To land on target: cut 3\.5 labor hours before 8 PM \(≈ \$61\), or sell \$244 more\./,
    );
    assert.equal(heard.d.filter((m) => m.includes("[amber bar] # 📈 Projected")).length, 1);
    assert.equal(heard.d.filter((m) => m.includes("[red bar] # 🔴 Projected critical")).length, 1);
    assert.equal(heard.s.length, 2);
    assert.equal(heard.d.length, 2);
    // The critical alert of the figures so far (31.35 %) carries the projection line.
    assert.ok(
      rx.messages("slack").map(describeMessage).some((m) =>
        m.includes("Labor critical") && m.includes("Projected 29.1 % at close")
      ),
    );
    await answered(sql, calls);
    assert.equal(projectionMessages("slack").length, 2, "each heard once");
    assert.equal(projectionMessages("discord").length, 2, "each heard once");
  } finally {
    if (locationId) await settleAndDeleteAlerts(sql, locationId);
    await rx.stop();
    await sql.end();
  }
});

Deno.test("projection alert: a closed day never gets one, and its projection stays as it was", async () => {
  const sql = testDb();
  try {
    // Held back by the gate while the day was open.
    const f = await createProjectionFixture(sql, "Closed Projection Bistro", {
      projectionMinShareBp: 10000,
    });
    const before = await sql`select * from public.day_projections
      where location_id = ${f.locationId}`;
    await sql`update public.locations set projection_min_share_bp = 0 where id = ${f.locationId}`;
    // The next morning a late order for Friday arrives and the day is recomputed.
    await f.at(
      "2026-11-28T15:00:00Z",
      (tx) => tx`select pipeline.recompute_day(${f.locationId}, ${FIXTURE_DAY})`,
    );
    assert.equal(
      (await sql`select count(*)::int as n from public.alerts
        where location_id = ${f.locationId} and kind = 'projected'`)[0].n,
      0,
    );
    const after = await sql`select * from public.day_projections
      where location_id = ${f.locationId}`;
    assert.deepEqual(after, before);
    // Nor does a closed day write intraday history.
    assert.equal(
      (await sql`select count(*)::int as n from public.intraday_metrics
        where location_id = ${f.locationId} and business_date = ${FIXTURE_DAY}`)[0].n,
      1,
    );
  } finally {
    await sql.end();
  }
});
