/**
 * The approaching-overtime warning end to end on the test stack: an employee with 38 hours this
 * week clocks in again; at the injected clock they will reach 40 hours in 45 minutes, so the
 * recompute puts one 'overtime' row in the outbox, and the notifier posts it to the fake Slack
 * and Discord, naming them as the staff table allows. Recomputing again sends nothing more
 * (once per employee and crossing); once they are past 40 hours the day's labor cost carries
 * the premium.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { eventually, testDb } from "../_support/env.ts";
import { settleAndDeleteAlerts } from "../_support/outbox.ts";
import { answered, captureQueued } from "../_support/pg_net.ts";
import { describeMessage, startChannelReceiver } from "../../local/channel_receiver.ts";

/** Friday 2:00 PM in Denver (MST): the week began Monday Nov 16. */
const CLOCK = "2026-11-20T21:00:00.000Z";
const at = (minutes: number) => new Date(Date.parse(CLOCK) + minutes * 60_000).toISOString();

Deno.test("overtime notice: 45 minutes before someone on the clock reaches 40 hours, the channels hear it once; past it, the premium is in the labor cost", async () => {
  const sql = testDb();
  const rx = await startChannelReceiver();
  const company = 3_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
  let locationId = 0;
  const calls: number[] = [];
  try {
    const [loc] = await sql`
      insert into public.locations (name, time_zone, sevenshifts_company_id,
        sevenshifts_location_id, slack_webhook_url, discord_webhook_url)
      values (${"Overtime Grill " + company}, 'America/Denver', ${company}, 1,
        ${rx.slackWebhookUrl("ot")}, ${rx.discordWebhookUrl("ot")})
      returning id::int`;
    locationId = loc.id;
    await sql`insert into public.staff (sevenshifts_company_id, user_id, first_name, last_name,
      vendor_modified_at) values (${company}, 40001, 'Avery', 'Quinn', now())`;
    const punch = (
      tx: postgres.TransactionSql,
      id: number,
      inAt: string,
      outAt: string | null,
      date: string,
    ) =>
      tx`insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
          sevenshifts_location_id, user_id, clocked_in_at, clocked_out_at, business_date,
          unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
          vendor_modified_at, version_hash)
        values (${company * 10 + id}, ${loc.id}, ${company}, 1, 40001, ${inAt}, ${outAt}, ${date},
          0, ${outAt === null ? null : (Date.parse(outAt) - Date.parse(inAt)) / 1000}, 2000, true,
          false, now(), 'overtime notice')`;
    /** Writes at the clock `minutes` after CLOCK; keeps the notifier calls it queued. */
    const write = async (minutes: number, fn: (tx: postgres.TransactionSql) => unknown) => {
      const queued = await captureQueued(sql, async (tx) => {
        await tx`select set_config('pipeline.now', ${at(minutes)}, true)`;
        await fn(tx);
        await tx`set constraints all immediate`;
      }, `"location_id": ${loc.id},`);
      calls.push(...queued.map((r) => r.id));
    };
    // Monday to Thursday, 9.5 hours each from 8 AM: 38 hours.
    await write(0, async (tx) => {
      for (const [i, day] of ["16", "17", "18", "19"].entries()) {
        const inAt = `2026-11-${day}T15:00:00.000Z`;
        const outAt = new Date(Date.parse(inAt) + 9.5 * 3_600_000).toISOString();
        await punch(tx, i + 1, inAt, outAt, `2026-11-${day}`);
      }
    });
    assert.equal(
      (await sql`select count(*)::int as n from public.alerts where location_id = ${loc.id}`)[0].n,
      0,
    );
    // Friday: on the clock since 12:45 PM: 39.25 hours, 40 in 45 minutes.
    await write(0, (tx) => punch(tx, 5, at(-75), null, "2026-11-20"));
    const [notice] = await eventually(
      async () => {
        const rows = await sql`select id::int, kind, status, delivered_channels, details
        from public.alerts where location_id = ${loc.id}`;
        return rows.length === 1 && rows[0].status === "sent" ? rows : undefined;
      },
      15_000,
      "the overtime notice to be delivered",
    );
    assert.equal(notice.kind, "overtime");
    assert.deepEqual(notice.delivered_channels, ["slack", "discord"]);
    const slack = describeMessage(rx.messages("slack")[0]!);
    assert.match(
      slack,
      /Avery Q\. reaches overtime at 2:45 PM MST \(in 45 min\) at Overtime Grill \d+: 39\.3 h this week; from then on each hour costs \$30\.00 \(150%, \$10\.00 more\)/,
    );
    assert.match(describeMessage(rx.messages("discord")[0]!), /\[purple bar\] # ⏱️ Overtime ahead/);
    assert.ok(!slack.includes("Quinn"), "the full name stays in the database");

    // Ten minutes on, recomputed: still 35 minutes to go, and no second notice.
    await write(10, (tx) => tx`select pipeline.recompute_day(${loc.id}, '2026-11-20')`);
    // Fifty minutes on: 40 h 05 min, five minutes of overtime at $10 extra an hour (83 ¢).
    await write(50, (tx) => tx`select pipeline.recompute_day(${loc.id}, '2026-11-20')`);
    await answered(sql, calls);
    assert.equal(
      (await sql`select count(*)::int as n from public.alerts where location_id = ${loc.id}`)[0].n,
      1,
    );
    assert.equal(rx.messages("slack").length, 1);
    const [day] = await sql`select overtime_minutes::int, overtime_premium_cents::int,
        labor_cost_cents::int
      from public.daily_metrics where location_id = ${loc.id} and business_date = '2026-11-20'`;
    // 2 h 05 min at $20 = $41.67, plus the 83 ¢ premium.
    assert.deepEqual({ ...day }, {
      overtime_minutes: 5,
      overtime_premium_cents: 83,
      labor_cost_cents: 4167 + 83,
    });
  } finally {
    if (locationId) await settleAndDeleteAlerts(sql, locationId);
    await rx.stop();
    await sql.end();
  }
});
