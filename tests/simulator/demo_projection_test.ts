/**
 * The demo's second part (sim/demo_projection.ts) tells its story for the demo's seed on any
 * day: a Friday whose history comes after the main day, a projection at each mark, and a
 * projection alert with a cut that lands on target; and its checks catch what they are there
 * to catch (a wrong figure, a missing, doubled or reworded alert). Pure: the plan's steps.
 */
import assert from "node:assert/strict";
import { DEMO_SEED } from "../../sim/demo_story.ts";
import {
  demoProjectionDate,
  demoProjectionDay,
  demoProjectionMarks,
  projectionAlertDifferences,
  projectionDifferences,
  type RaisedProjectionAlert,
} from "../../sim/demo_projection.ts";
import { predictProjections } from "../../sim/projection_model.ts";
import { lastWriteBy, type ProjectionRow, projectionRowOf } from "../../sim/projection_run.ts";
import { plannedSteps, replayTimeline } from "../../sim/replay.ts";
import { addDays } from "../../sim/time.ts";

const weekday = (date: string) => new Date(`${date}T12:00:00Z`).getUTCDay();

Deno.test("demo projection: the Friday is four to five weeks after the main day", () => {
  for (let i = 0; i < 7; i++) {
    const main = addDays("2026-11-28", i);
    const friday = demoProjectionDate(main);
    assert.equal(weekday(friday), 5, friday);
    const days = (Date.parse(friday) - Date.parse(main)) / 86_400_000;
    assert.ok(days >= 28 && days < 35, `${main} → ${friday}`);
    // Its earliest history Friday is days after the main day: the open-day job on the
    // history's clock (open punches clocked in up to 40 hours and a day before) never
    // reaches the main day.
    assert.ok(Date.parse(addDays(friday, -21)) - Date.parse(main) >= 7 * 86_400_000);
  }
});

for (const main of ["2026-11-29", "2027-03-14", "2027-07-07"]) {
  Deno.test(`demo projection after ${main}: a projection at each mark, an alert with a cut`, () => {
    const date = demoProjectionDate(main);
    const day = demoProjectionDay(date, "demo-test-friday", DEMO_SEED, "dollars");
    const sim = day.simulation;
    const close = sim.truth.find((t) => t.businessDate === date)!.laborPctBp!;
    const target = sim.locations[0].laborTargetBp;
    assert.equal(target % 50, 0);
    assert.ok(close - target >= 200 && close - target < 550, `${target} under ${close}`);
    assert.deepEqual(day.rules.map((r) => r.laborTargetBp), [target]);
    assert.deepEqual(sim.dates, [-21, -14, -7, 0].map((k) => addDays(date, k)));

    const model = predictProjections(sim, plannedSteps(replayTimeline(sim.deliveries)), day.rules);
    const alerts = model.alerts.filter((a) => a.businessDate === date);
    assert.ok(alerts.some((a) => a.hint.cutPossible), "a cut that lands on target");
    const read = new Map<string, ProjectionRow | null>(
      demoProjectionMarks(day).map((m) => [
        m.label,
        projectionRowOf(lastWriteBy(model.writes, 0, date, m.at)!),
      ]),
    );
    assert.deepEqual([...read.keys()], ["14:00", "17:00", "20:00"]);
    assert.deepEqual(projectionDifferences(day, model, read), []);

    // A figure off by a cent, or no row at a mark, is told.
    const [first] = read.keys();
    const off = new Map(read);
    const row = off.get(first)!;
    off.set(first, {
      ...row,
      projected_labor_cost_cents: Number(row.projected_labor_cost_cents) + 1,
    });
    assert.match(projectionDifferences(day, model, off).join(), /projected_labor_cost_cents/);
    off.set(first, null);
    assert.match(projectionDifferences(day, model, off).join(), /no projection row/);

    // Each alert once in each channel, saying the model's sentence; anything else is told.
    const raised = (slack: string[][], discord: string[][]): RaisedProjectionAlert[] =>
      alerts.map((a, i) => ({
        id: i + 1,
        at: a.clock,
        level: a.level,
        slack: slack[i],
        discord: discord[i],
      }));
    const body = (m: string) => JSON.stringify({ text: `📈 ${m}` });
    const good = alerts.map((a) => [body(a.message)]);
    assert.deepEqual(projectionAlertDifferences(alerts, raised(good, good)), []);
    const doubled = good.map((b) => [...b, ...b]);
    assert.match(projectionAlertDifferences(alerts, raised(doubled, good)).join(), /2 in Slack/);
    const none = good.map(() => []);
    assert.match(projectionAlertDifferences(alerts, raised(good, none)).join(), /0 in Discord/);
    const reworded = alerts.map((a) => [body(a.message.replace("cut", "trim"))]);
    assert.match(
      projectionAlertDifferences(alerts, raised(good, reworded)).join(),
      /did not get/,
    );
    assert.match(projectionAlertDifferences(alerts, []).join(), /raised \[\]/);
  });
}
