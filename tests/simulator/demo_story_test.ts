/**
 * The demo's day tells its three stories (pure: the alerts predicted for the demo's replay,
 * on the replay's clock, by the documented state machine), on ordinary days and on both DST
 * change days, so a change to the generator that breaks `npm run demo` fails here first; and
 * what the demo says on screen is what its data does.
 */
import assert from "node:assert/strict";
import { DEFAULT_ALERT_RULES, predictAlerts } from "../../sim/alerts_model.ts";
import {
  DEMO_BEATS,
  DEMO_SCENARIOS,
  DEMO_SYNC_MINUTE,
  demoOptions,
  demoSyncs,
} from "../../sim/demo_story.ts";
import { generateSimulation } from "../../sim/generate.ts";
import { plannedSteps, replayTimeline } from "../../sim/replay.ts";
import { addDays, localInstant, wallTime } from "../../sim/time.ts";

for (const date of ["2026-11-28", "2026-11-01", "2027-03-14", "2027-07-07"]) {
  Deno.test(`demo story on ${date}: over late in the afternoon, critical then recovered, healthy`, () => {
    const sim = generateSimulation(demoOptions(date, "demo-test"));
    const zone = sim.locations[0].timeZone;
    // As the demo replays it: the hourly vendor sync included (it corrects Harbor Kitchen).
    const sends = sim.deliveries.map((d) => d.sendAt);
    const syncs = demoSyncs(sim, date, zone, Math.min(...sends), Math.max(...sends));
    const alerts = predictAlerts(
      sim,
      plannedSteps(replayTimeline(sim.deliveries, [], syncs)),
      sim.locations.map((l) => ({ ...DEFAULT_ALERT_RULES, laborTargetBp: l.laborTargetBp })),
      { exactClock: true },
    );
    const hourOf = (ms: number) => {
      const w = wallTime(ms, zone);
      return (w.hour < 4 ? w.hour + 24 : w.hour) + w.minute / 60;
    };
    const story = (i: number) =>
      alerts.filter((a) => a.locationIndex === i).map((a) => ({
        kind: a.kind,
        hour: hourOf(a.clock),
      }));
    const [bistro, grill, harbor] = [story(0), story(1), story(2)];
    assert.deepEqual(bistro.map((a) => a.kind), ["over"], "Downtown Bistro crosses once");
    assert.ok(bistro[0].hour >= 15 && bistro[0].hour <= 18, `over at ${bistro[0].hour}h`);
    assert.deepEqual(grill.map((a) => a.kind), ["critical", "recovered"]);
    assert.ok(grill[0].hour >= 11 && grill[0].hour <= 15, `critical at ${grill[0].hour}h`);
    assert.ok(grill[1].hour >= 20.5, `recovered at ${grill[1].hour}h, after the late rush`);
    assert.deepEqual(harbor, [], "Harbor Kitchen stays healthy, its lost webhooks notwithstanding");
    // Every figure of the day is in the truth, and nothing lands on another day.
    // (and Harbor Kitchen's day manager's four earlier days of the week, their overtime's
    // history: nothing else lands on another day).
    const earlier = [4, 3, 2, 1].map((k) => addDays(date, -k));
    assert.deepEqual(
      sim.truth.map((t) => `${t.locationIndex} ${t.businessDate}`),
      [`0 ${date}`, `1 ${date}`, ...earlier.map((d) => `2 ${d}`), `2 ${date}`],
    );
    // The manager crosses 40 hours on the day: overtime only there, and only at Harbor Kitchen.
    const overtime = sim.truth.filter((t) => t.overtimeMinutes > 0);
    assert.deepEqual(overtime.map((t) => `${t.locationIndex} ${t.businessDate}`), [`2 ${date}`]);
    assert.ok(overtime[0].overtimePremiumCents > 0);
    assert.equal(DEMO_SCENARIOS.length, 3);
  });
}

Deno.test("demo story: staff are on the clock as 7shifts sends it, and the beats say what the data does", () => {
  const date = "2026-11-28";
  const sim = generateSimulation(demoOptions(date, "demo-test"));
  const zone = sim.locations[0].timeZone;
  // The day manager's earlier days of the week: closed punches 7shifts sends this morning,
  // on the four days before, at the day's own start time, 38 hours in all.
  const earlier = sim.punches.filter((p) => p.versions[0].change === "earlier this week");
  assert.equal(earlier.length, 4);
  assert.equal(new Set(earlier.map((p) => p.userId)).size, 1);
  assert.equal(
    earlier.reduce((n, p) => n + p.versions[0].clockedOutAt! - p.versions[0].clockedInAt, 0),
    38 * 3_600_000,
  );
  const sentAt = DEMO_BEATS.find((b) => /earlier punches/.test(b.text))!;
  for (const p of earlier) {
    assert.equal(p.versions.length, 1);
    assert.ok(p.versions[0].deliverAt! - localInstant(date, sentAt.hour, zone) < 60_000);
  }
  for (const p of sim.punches.filter((x) => !earlier.includes(x))) {
    const [created, ...later] = p.versions;
    // Created at clock-in, still open (7shifts' time_punch.created), within a minute...
    assert.equal(created.topic, "time_punch.created");
    assert.equal(created.clockedOutAt, null, `punch ${p.id} is created open`);
    assert.ok(created.modifiedAt - created.clockedInAt <= 60_000, `punch ${p.id} at clock-in`);
    assert.deepEqual(created.breaks, [], "a break shows with the next edit, not before");
    // ...then edited at clock-out, or deleted (a punch made by mistake).
    const last = later[later.length - 1];
    assert.ok(last.topic === "time_punch.edited" || last.topic === "time_punch.deleted");
    if (!last.deleted) {
      assert.ok(last.clockedOutAt !== null && last.modifiedAt - last.clockedOutAt <= 60_000);
    }
  }
  // Nobody rings up a sale with no one on the clock: labor is never 0 while sales arrive.
  for (const o of sim.orders) {
    const onTheClock = sim.punches.some((p) => {
      const v = p.versions[p.versions.length - 1];
      return p.locationIndex === o.locationIndex && !v.deleted && v.clockedInAt < o.openedAt &&
        (v.clockedOutAt ?? Infinity) > o.openedAt;
    });
    assert.ok(onTheClock, `order ${o.guid} at ${sim.locations[o.locationIndex].name}`);
  }
  // "Downtown Bistro closes its doors after lunch" at 3 PM: no order opens after it.
  const closing = DEMO_BEATS.find((b) => b.locationIndex === 0 && /closes its doors/.test(b.text))!;
  const doorsClose = localInstant(date, closing.hour, zone);
  assert.ok(sim.orders.filter((o) => o.locationIndex === 0).every((o) => o.openedAt < doorsClose));
  // "The lakeside concert lets out: a late rush": most of Lakeside Grill's orders come after.
  const rush = DEMO_BEATS.find((b) => b.locationIndex === 1 && /late rush/.test(b.text))!;
  const grill = sim.orders.filter((o) => o.locationIndex === 1);
  const late = grill.filter((o) => o.openedAt >= localInstant(date, rush.hour, zone));
  assert.ok(late.length > grill.length / 2, `${late.length} of ${grill.length} after the rush`);
  // The beats are in time order (each is printed when the replay reaches it).
  assert.deepEqual(
    DEMO_BEATS.map((b) => b.hour),
    DEMO_BEATS.map((b) => b.hour).sort((a, b) => a - b),
  );
});

for (const date of ["2026-11-28", "2027-03-14"]) {
  Deno.test(`demo story on ${date}: Harbor Kitchen's webhooks stall over lunch and a break is edited silently; the hourly sync covers both`, () => {
    const sim = generateSimulation(demoOptions(date, "demo-test"));
    const zone = sim.locations[0].timeZone;
    const harbor = sim.locations.findIndex((l) => l.name === "Harbor Kitchen");
    // What never arrives is Harbor Kitchen's, from 12:15 to 1 PM, and it is a share of its day.
    const [from, to] = [localInstant(date, 12.25, zone), localInstant(date, 13, zone)];
    assert.ok(sim.lost.length >= 5, `${sim.lost.length} webhooks lost`);
    for (const d of sim.lost) {
      assert.equal(d.locationIndex, harbor);
      assert.ok(d.at >= from && d.at < to);
    }
    const stall = DEMO_BEATS.find((b) => b.locationIndex === harbor && /stall/.test(b.text))!;
    assert.equal(localInstant(date, stall.hour, zone), from, "the beat says when it starts");
    // One break edited in 7shifts after the fact, at Harbor Kitchen, with no webhook.
    const silent = sim.punches.flatMap((p) =>
      p.versions.filter((v) => v.silent).map((v) => ({ p, v }))
    );
    assert.equal(silent.length, 1);
    assert.equal(silent[0].p.locationIndex, harbor);
    assert.ok(
      !sim.deliveries.some((d) =>
        d.entity === `punch:${silent[0].p.id}` &&
        silent[0].p.versions[d.versionIndex] === silent[0].v
      ),
    );
    // The sync runs at ten past every hour, the last one after everything has happened, so
    // the day ends on the vendors' figures.
    const sends = sim.deliveries.map((d) => d.sendAt);
    const syncs = demoSyncs(sim, date, zone, Math.min(...sends), Math.max(...sends));
    for (const x of syncs) {
      assert.equal(wallTime(x.at, zone).minute, DEMO_SYNC_MINUTE);
      assert.deepEqual(x.locationIndexes, sim.locations.map((l) => l.index));
    }
    const last = syncs[syncs.length - 1].at;
    assert.ok(last > Math.max(...sends), "after the last webhook");
    assert.ok(last > (silent[0].v.editedAt ?? silent[0].v.modifiedAt), "after the break edit");
    assert.ok(syncs.some((x) => x.at > to && x.at - to < 3_600_000), "within the hour after");
  });
}
