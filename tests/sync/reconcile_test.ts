/**
 * The vendor sync brings a location's figures back to the ground truth whatever the webhooks
 * lost: simulated days with 0 %, 10 % and 50 % of their webhooks dropped and breaks edited
 * without a webhook (7shifts sends none) are delivered through the real functions, then one
 * sync per location runs through pg_net and the real vendor-sync function against the fake
 * vendor APIs; afterwards every figure of every location-day equals the simulator's truth, the
 * run's report says what was missed, and the fakes saw no limit broken. With the webhooks
 * intact and nothing edited behind their back, a sync changes nothing and recomputes nothing.
 */
import assert from "node:assert/strict";
import { closedDate, differences, syncAll, syncWorld, waitForRuns } from "./support.ts";

for (const lossRate of [0, 0.1, 0.5]) {
  Deno.test(`sync: ${lossRate * 100} % of webhooks lost and breaks edited without a webhook → after one sync every figure equals the truth`, async () => {
    const world = await syncWorld({
      seed: 31 + Math.round(lossRate * 100),
      locations: 2,
      days: 2,
      webhookLossRate: lossRate,
      silentBreakEdits: 2,
    });
    try {
      const { sim } = world;
      assert.ok(sim.punches.some((p) => p.versions.some((v) => v.silent)), "silent break edits");
      if (lossRate > 0) assert.ok(sim.lost.length > 0, "the simulation lost webhooks");
      await world.deliver();
      const before = await world.compare();
      assert.ok(
        before.some((c) => c.differences.length > 0),
        "the webhooks alone leave some day wrong",
      );

      const runs = await syncAll(world);
      for (const run of runs) {
        assert.equal(run.state, "succeeded", `run ${run.id}: ${run.error}`);
        assert.ok(Number(run.rows_fetched) > 0);
        assert.equal(Number(run.rows_invalid), 0, JSON.stringify(run.problems));
        assert.equal(
          Number(run.rows_fetched),
          Number(run.rows_new) + Number(run.rows_changed) + Number(run.rows_unchanged) +
            Number(run.rows_held),
        );
      }
      const after = await world.compare();
      assert.deepEqual(differences(after), "", "every figure equals the truth after one sync");
      const missed = runs.reduce(
        (n, r) => n + Number(r.orders_missed) + Number(r.punches_missed),
        0,
      );
      const breaks = runs.reduce((n, r) => n + Number(r.break_edits_missed), 0);
      // 2 a day at each of 2 locations over 2 days; a punch whose clock-out webhook was also
      // lost counts as a missed punch instead.
      if (lossRate > 0) {
        assert.ok(missed > 0, "lost webhooks are reported as missed");
        assert.ok(breaks > 0 && breaks <= 8, `break edits: ${breaks}`);
      } else {
        assert.equal(missed, 0, "nothing but break edits is missed when no webhook is lost");
        assert.equal(breaks, 8, "each silent break edit is reported as one");
      }
      assert.deepEqual(world.fakes.violations(), [], "no vendor limit broken");
    } finally {
      await world.close();
    }
  });
}

Deno.test("sync: with the webhooks intact, a sync changes nothing, logs nothing and recomputes nothing", async () => {
  const world = await syncWorld({ seed: 77, locations: 2, days: 1 });
  try {
    await world.deliver();
    assert.deepEqual(differences(await world.compare()), "", "the webhooks alone are exact");
    const ids = world.locationIds;
    const snapshot = async () => {
      const [r] = await world.sql`
        select
          (select coalesce(sum(recompute_count), 0) from public.daily_metrics
            where location_id = any(${ids}))::bigint as recomputes,
          (select count(*) from public.inbound_events
            where external_location_key = any(${
        world.sim.locations.map((l) => l.toastRestaurantGuid)
      }) or external_location_key = any(${
        world.sim.locations.map((l) => `${l.sevenShiftsCompanyId}:${l.sevenShiftsLocationId}`)
      }))::bigint as events,
          (select max(updated_at) from public.orders where location_id = any(${ids})) as orders,
          (select max(updated_at) from public.punches where location_id = any(${ids})) as punches`;
      return { ...r, recomputes: Number(r.recomputes), events: Number(r.events) };
    };
    const before = await snapshot();
    const runs = await syncAll(world);
    for (const run of runs) {
      assert.equal(run.state, "succeeded", `run ${run.id}: ${run.error}`);
      assert.ok(Number(run.rows_fetched) > 50, `rows fetched: ${run.rows_fetched}`);
      assert.equal(Number(run.rows_unchanged), Number(run.rows_fetched));
      assert.equal(Number(run.rows_new) + Number(run.rows_changed) + Number(run.rows_held), 0);
      assert.equal(run.notice_alert_id, null);
    }
    assert.deepEqual(await snapshot(), before, "no recompute, no inbound event, no row written");
    assert.deepEqual(world.fakes.violations(), []);
  } finally {
    await world.close();
  }
});

Deno.test("sync: five weeks back is asked for in month-long windows, 6 s apart, and is exact", async () => {
  const world = await syncWorld({
    seed: 19,
    locations: 1,
    days: 1,
    startDate: closedDate(34),
    webhookLossRate: 1,
  });
  try {
    assert.equal(world.sim.deliveries.length, 0, "every webhook lost: only the API has the day");
    const from = closedDate(36);
    const runs = await syncAll(world, from, closedDate(1));
    assert.equal(runs[0].state, "succeeded", String(runs[0].error));
    assert.deepEqual(differences(await world.compare()), "");
    const bulk = world.fakes.requests("toast").filter((r) => r.path === "/orders/v2/ordersBulk");
    const windows = [...new Set(bulk.map((r) => `${r.query.startDate}|${r.query.endDate}`))];
    assert.equal(windows.length, 2, windows.join("\n"));
    const [first, second] = windows.map((w) => w.split("|").map((t) => Date.parse(t)));
    assert.equal(first[1], second[0], "consecutive");
    assert.ok(first[1] - first[0] <= 30 * 86_400_000);
    const lastOfFirst = Math.max(
      ...bulk.filter((r) => r.query.startDate === bulk[0].query.startDate).map((r) => r.at),
    );
    const firstOfSecond = Math.min(
      ...bulk.filter((r) => r.query.startDate !== bulk[0].query.startDate).map((r) => r.at),
    );
    assert.ok(firstOfSecond - lastOfFirst >= 5000, `${firstOfSecond - lastOfFirst} ms apart`);
    assert.deepEqual(world.fakes.violations(), []);
  } finally {
    await world.close();
  }
});

Deno.test("sync: orders seen only through a refund are looked up by payment; every refund date asked for once", async () => {
  // Every webhook lost, and the run asks ordersBulk for nothing (modified since its own end): the
  // orders it stores are those the refund phase finds through the refunded payments' lists.
  const world = await syncWorld({ seed: 23, locations: 1, days: 4, webhookLossRate: 1 });
  try {
    const span = world.span();
    const refunded = new Map<string, string>(); // order GUID → its payment's refund date
    for (const o of world.sim.orders) {
      const v = o.versions[o.versions.length - 1]!;
      for (const c of v.checks) {
        for (const p of c.payments) {
          const date = p.refund?.refundBusinessDate;
          if (date && date >= span.from && date <= span.to) {
            refunded.set(o.guid.toLowerCase(), date);
          }
        }
      }
    }
    assert.ok(refunded.size >= 2, `${refunded.size} refunded orders in the simulated days`);
    const [{ id }] = await world.sql`select pipeline.enqueue_sync(l.id, 'manual',
        ${span.from}::date, ${span.to}::date, now(), now()) as id
      from public.locations as l where l.id = ${world.locationIds[0]}`;
    await world.sql`select pipeline.post_sync_request(${id})`;
    const [run] = await waitForRuns(world.sql, [Number(id)]);
    assert.equal(run.state, "succeeded", String(run.error));
    const stored = await world.sql`select toast_order_guid::text as guid from public.orders
      where location_id = ${world.locationIds[0]} order by 1`;
    assert.deepEqual(stored.map((r) => r.guid), [...refunded.keys()].sort());
    const toast = world.fakes.requests("toast").filter((r) => r.status === 200);
    const lists = toast.filter((r) => r.path === "/orders/v2/payments");
    const dates = lists.map((r) => r.query.refundBusinessDate);
    assert.equal(new Set(dates).size, dates.length, "each date's list asked for once");
    for (const date of new Set(refunded.values())) {
      assert.ok(dates.includes(date.replaceAll("-", "")), `the list of ${date}`);
    }
    const lookups = toast.filter((r) => r.path.startsWith("/orders/v2/payments/"));
    assert.ok(lookups.length >= refunded.size, `${lookups.length} payments looked up`);
    assert.deepEqual(world.fakes.violations(), []);
  } finally {
    await world.close();
  }
});
