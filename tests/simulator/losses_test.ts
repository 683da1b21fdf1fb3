/**
 * The simulator's lost webhooks and silent break edits (what the vendor sync exists for) change
 * nothing else about a run: the deliveries that are not lost are exactly those of the same run
 * without losses, a paused subscription loses exactly the events fired while it was paused, and
 * a break edit 7shifts sends no webhook for is a version of its own (the previous `modified`,
 * made later) that the truth counts and no delivery carries.
 */
import assert from "node:assert/strict";
import { generateSimulation, type SimulationOptions } from "../../sim/generate.ts";
import { localInstant } from "../../sim/time.ts";

const base: SimulationOptions = {
  seed: 8,
  locations: 2,
  days: 2,
  startDate: "2026-11-10",
  runId: "losses",
  duplicateRate: 0.1,
  reorderRate: 0.1,
  halfCentWages: false,
};
// What is sent (a send time follows the events before it, which may now be lost).
const key = (d: { entity: string; versionIndex: number; duplicate: boolean; rawBody: string }) =>
  `${d.entity}#${d.versionIndex}#${d.duplicate}#${d.rawBody.length}`;

Deno.test("simulator: lost webhooks leave every other delivery as it was", () => {
  const whole = generateSimulation(base);
  const lossy = generateSimulation({ ...base, webhookLossRate: 0.2 });
  assert.deepEqual(whole.lost, []);
  assert.ok(lossy.lost.length > 20);
  const lost = new Set(lossy.lost.map((d) => `${d.entity}#${d.versionIndex}`));
  // Each location's stream in order (the streams interleave by send time, which follows the
  // events before it, some now lost).
  for (const loc of [0, 1]) {
    assert.deepEqual(
      lossy.deliveries.filter((d) => d.locationIndex === loc).map(key),
      whole.deliveries.filter((d) =>
        d.locationIndex === loc && !lost.has(`${d.entity}#${d.versionIndex}`)
      ).map(key),
    );
  }
  assert.deepEqual(lossy.truth, whole.truth, "the truth is the vendors', whatever arrived");
});

Deno.test("simulator: a paused subscription loses exactly what was fired while it was paused", () => {
  const paused = generateSimulation({
    ...base,
    scenarios: [undefined, { webhookOutage: [12, 14] }],
  });
  const loc = paused.locations[1];
  const spans = paused.dates.map((d) => [
    localInstant(d, 12, loc.timeZone),
    localInstant(d, 14, loc.timeZone),
  ]);
  const inside = (at: number) => spans.some(([a, b]) => at >= a && at < b);
  assert.ok(paused.lost.length > 10);
  assert.ok(paused.lost.every((d) => d.locationIndex === 1 && inside(d.at)));
  assert.ok(!paused.deliveries.some((d) => d.locationIndex === 1 && inside(d.at)));
});

Deno.test("simulator: a silent break edit is a version no webhook carries, with the previous `modified`", () => {
  const plain = generateSimulation(base);
  const edited = generateSimulation({ ...base, silentBreakEdits: 2 });
  assert.deepEqual(edited.deliveries.map(key), plain.deliveries.map(key), "no delivery for it");
  const silent = edited.punches.filter((p) => p.versions.some((v) => v.silent));
  assert.equal(silent.length, 2 * 2 * 2, "two a day at each location");
  for (const p of silent) {
    const v = p.versions[p.versions.length - 1];
    const before = p.versions[p.versions.length - 2];
    assert.ok(v.silent);
    assert.equal(v.modifiedAt, before.modifiedAt, "modified does not move");
    assert.ok(v.editedAt! > before.modifiedAt, "made after the last change");
    assert.equal(v.breaks.length, before.breaks.length + 1, "one unpaid break added");
    assert.equal(v.breaks[v.breaks.length - 1].paid, false);
  }
  const labor = (t: typeof plain.truth) => t.reduce((n, r) => n + r.paidLaborSeconds, 0);
  assert.ok(labor(edited.truth) < labor(plain.truth), "the truth counts the added breaks");
});
