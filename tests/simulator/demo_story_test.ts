/**
 * The demo's day tells its three stories (pure: the alerts predicted for the demo's delivery
 * plan by the documented state machine), on ordinary days and on both DST change days, so a
 * change to the generator that breaks `npm run demo` fails here first.
 */
import assert from "node:assert/strict";
import { DEFAULT_ALERT_RULES, predictAlerts } from "../../sim/alerts_model.ts";
import { DEMO_SCENARIOS, demoOptions } from "../../sim/demo_story.ts";
import { generateSimulation } from "../../sim/generate.ts";
import { localInstant, wallTime } from "../../sim/time.ts";

for (const date of ["2026-11-28", "2026-11-01", "2027-03-14", "2027-07-07"]) {
  Deno.test(`demo story on ${date}: over mid-afternoon, critical then recovered, healthy`, () => {
    const sim = generateSimulation(demoOptions(date, "demo-test"));
    const zone = sim.locations[0].timeZone;
    // The run happens during the business day itself (an open day, hysteresis applies).
    const acceptedAt = localInstant(date, 12, zone);
    const alerts = predictAlerts(
      sim,
      sim.deliveries.map((delivery) => ({ kind: "delivery", delivery, clock: acceptedAt })),
      sim.locations.map((l) => ({ ...DEFAULT_ALERT_RULES, laborTargetBp: l.laborTargetBp })),
    );
    const story = (i: number) =>
      alerts.filter((a) => a.locationIndex === i).map((a) => {
        const hour = wallTime(sim.deliveries[a.deliverySeq].at, zone).hour;
        return { kind: a.kind, hour: hour < 4 ? hour + 24 : hour };
      });
    const [bistro, grill, harbor] = [story(0), story(1), story(2)];
    assert.deepEqual(bistro.map((a) => a.kind), ["over"], "Downtown Bistro crosses once");
    assert.ok(bistro[0].hour >= 13 && bistro[0].hour <= 16, `over at ${bistro[0].hour}h`);
    assert.deepEqual(grill.map((a) => a.kind), ["critical", "recovered"]);
    assert.ok(grill[0].hour >= 14 && grill[0].hour <= 18, `critical at ${grill[0].hour}h`);
    assert.ok(grill[1].hour >= 20, `recovered at ${grill[1].hour}h, after the late burst`);
    assert.deepEqual(harbor, [], "Harbor Kitchen stays healthy");
    // Every figure of the day is in the truth, and nothing lands on another day.
    assert.deepEqual(sim.truth.map((t) => t.businessDate), [date, date, date]);
    assert.equal(DEMO_SCENARIOS.length, 3);
  });
}
