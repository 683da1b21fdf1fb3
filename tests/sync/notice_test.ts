/**
 * The notice: a sync that finds what the webhooks missed (beyond the threshold: 3 rows, or
 * any missed row that moved a day's labor % by 0.50 points) puts ONE 'sync' row in the alerts
 * outbox, which the notifier delivers to the location's Slack and Discord like any alert; a
 * sync that finds nothing more sends nothing. Over pg_net, the real vendor-sync and notifier.
 */
import assert from "node:assert/strict";
import { eventually } from "../_support/env.ts";
import { type ChannelReceiver, startChannelReceiver } from "../../local/channel_receiver.ts";
import { syncAll, syncWorld } from "./support.ts";

Deno.test("notice: the webhooks missed a third of a day: one notice reaches Slack and Discord, saying what was missed and how the figures moved; the next sync sends none", async () => {
  const rx: ChannelReceiver = await startChannelReceiver();
  const world = await syncWorld({
    seed: 91,
    locations: 1,
    days: 1,
    webhookLossRate: 0.3,
    silentBreakEdits: 1,
    alertsEnabled: true,
  });
  try {
    const id = world.locationIds[0];
    await world.sql`update public.locations set slack_webhook_url = ${rx.slackWebhookUrl("n")},
      discord_webhook_url = ${rx.discordWebhookUrl("n")} where id = ${id}`;
    await world.deliver();
    const [run] = await syncAll(world);
    assert.equal(run.state, "succeeded", String(run.error));
    const missed = Number(run.orders_missed) + Number(run.punches_missed) +
      Number(run.break_edits_missed);
    assert.ok(missed >= 3, `missed ${missed}`);
    assert.ok(run.notice_alert_id, "a notice was raised");
    const [notice] = await world.sql`select * from public.alerts where id = ${
      Number(run.notice_alert_id)
    }`;
    assert.equal(notice.kind, "sync");
    assert.equal(notice.details.runId, run.id);
    assert.equal(notice.details.ordersMissed, Number(run.orders_missed));
    assert.equal(notice.details.breakEditsMissed, Number(run.break_edits_missed));
    assert.ok(notice.details.days.length >= 1);
    const [state] = await world.sql`select count(*)::int as n from public.alerts
      where location_id = ${id} and kind <> 'sync'`;
    assert.equal(state.n, 0, "a closed day's correction raises no labor alert");

    await rx.waitForMessages(2, undefined, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    const messages = rx.messages();
    assert.equal(messages.length, 2, "one message per channel");
    for (const m of messages) {
      const text = JSON.stringify(m.body);
      assert.match(text, /Webhooks missed \d+ order/);
      assert.match(text, /figures corrected: labor/);
      assert.ok(text.includes(`Alert #${notice.id}`));
    }
    await eventually(
      async () => {
        const [a] = await world.sql`select status from public.alerts where id = ${notice.id}`;
        return a.status === "sent" ? true : undefined;
      },
      10_000,
      "the notice recorded as sent",
    );

    // Nothing left to find: no second notice.
    const [again] = await syncAll(world);
    assert.equal(again.state, "succeeded");
    assert.equal(Number(again.orders_missed) + Number(again.punches_missed), 0);
    assert.equal(again.notice_alert_id, null);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(rx.messages().length, 2);
  } finally {
    await world.sql`update public.locations set alerts_enabled = false
      where id = any(${world.locationIds})`;
    await world.close();
    await rx.stop();
  }
});
