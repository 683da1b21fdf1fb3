/**
 * The demo's second part (scripts/demo.ts): the projected close of day (docs/projection.md) of
 * one restaurant's Friday. Bayou Supper Club, in the same city as the three of the main day,
 * publishes its 7shifts schedule and has three same-weekday Fridays of live history
 * (sim/generate.ts `schedules`, `historyWeeks`); its target sits a couple of points under where
 * the Friday closes, so that the projection alert fires with a cut that lands on target. The
 * run itself is sim/projection_run.ts; the expected figures and alerts are the simulator's
 * independent model (sim/projection_model.ts). Plain data and pure checks: the demo prints.
 *
 * @module
 */
import { generateSimulation, type Simulation } from "./generate.ts";
import {
  DEFAULT_PROJECTION_RULES,
  type ExpectedProjectionAlert,
  predictProjections,
  type ProjectionPrediction,
  type ProjectionRules,
} from "./projection_model.ts";
import { lastWriteBy, type ProjectionRow, projectionRowOf } from "./projection_run.ts";
import type { WageUnit } from "./render.ts";
import { plannedSteps, replayTimeline } from "./replay.ts";
import { addDays, localInstant } from "./time.ts";

/** The restaurant of the second part. */
export const DEMO_PROJECTION_LOCATION = {
  name: "Bayou Supper Club",
  timeZone: "America/Chicago",
} as const;

/** Same-weekday Fridays of history before the Friday (the projection needs three). */
export const DEMO_PROJECTION_HISTORY_WEEKS = 3;

/** The local hours at which the demo reads and prints the projection. */
export const DEMO_PROJECTION_HOURS: readonly number[] = [14, 17, 20];

/**
 * The Friday of the second part: the first one at least four weeks after the main day, so
 * that its history Fridays all come after the main day and the open-day job never recomputes
 * the main day's figures on the Fridays' clock.
 */
export function demoProjectionDate(mainDate: string): string {
  const from = addDays(mainDate, 28);
  const weekday = new Date(`${from}T12:00:00Z`).getUTCDay();
  return addDays(from, (5 - weekday + 7) % 7);
}

/** The second part's day, its target and the model's rules. */
export interface DemoProjectionDay {
  date: string;
  simulation: Simulation;
  /** How far under the Friday's close the target sits (basis points). */
  targetUnderCloseBp: number;
  rules: ProjectionRules[];
}

/**
 * The Friday of `date` with its history, and a target 2 points under its close (rounded down
 * to half a point), or 2.5, 3, … up to 5 points under: the first for which the plan's
 * projection alert carries a cut that lands on target (the run's own alert is the model's over
 * what the run did; this only picks the target). Throws when none does.
 */
export function demoProjectionDay(
  date: string,
  runId: string,
  seed: number,
  wageUnit: WageUnit,
): DemoProjectionDay {
  for (let under = 200; under <= 500; under += 50) {
    const simulation = generateSimulation({
      seed,
      locations: 1,
      days: 1,
      startDate: date,
      runId,
      schedules: true,
      historyWeeks: DEMO_PROJECTION_HISTORY_WEEKS,
      // 7shifts' API shows wages in whole cents: the schedule pull reads them.
      halfCentWages: false,
      wageUnit,
      scenarios: [{ ...DEMO_PROJECTION_LOCATION }],
    });
    const close = simulation.truth.find((t) => t.businessDate === date)!;
    // A round target (a multiple of half a point) that many points under the close.
    simulation.locations[0].laborTargetBp = Math.floor((close.laborPctBp! - under) / 50) * 50;
    const rules = [{
      ...DEFAULT_PROJECTION_RULES,
      laborTargetBp: simulation.locations[0].laborTargetBp,
    }];
    const planned = predictProjections(
      simulation,
      plannedSteps(replayTimeline(simulation.deliveries)),
      rules,
    );
    if (planned.alerts.some((a) => a.businessDate === date && a.hint.cutPossible)) {
      return { date, simulation, targetUnderCloseBp: under, rules };
    }
  }
  throw new Error(`no target up to 5 points under ${date}'s close gives a cut hint`);
}

/** The marks of the replay: the projection read at each of {@link DEMO_PROJECTION_HOURS}. */
export function demoProjectionMarks(day: DemoProjectionDay): Array<{ at: number; label: string }> {
  const zone = day.simulation.locations[0].timeZone;
  return DEMO_PROJECTION_HOURS.map((h) => ({
    at: localInstant(day.date, h, zone),
    label: `${h}:00`,
  }));
}

/**
 * What differs between the projection read at each mark (`read`, by label) and the model's
 * last write before it; empty when they agree.
 */
export function projectionDifferences(
  day: DemoProjectionDay,
  model: ProjectionPrediction,
  read: ReadonlyMap<string, ProjectionRow | null>,
): string[] {
  const out: string[] = [];
  for (const mark of demoProjectionMarks(day)) {
    const last = lastWriteBy(model.writes, 0, day.date, mark.at);
    const expected = last ? projectionRowOf(last) : null;
    const actual = read.get(mark.label) ?? null;
    if (expected === null || expected.status !== "ok") {
      out.push(`${mark.label}: the model has no projection (${expected?.status ?? "no write"})`);
      continue;
    }
    const wrong = Object.keys(expected).filter((k) => actual?.[k] !== expected[k]);
    if (actual === null || wrong.length > 0) {
      out.push(
        `${mark.label}: ` +
          (actual === null
            ? "no projection row"
            : wrong.map((k) => `${k} ${actual[k]} (model ${expected[k]})`).join(", ")),
      );
    }
  }
  return out;
}

/** A raised projection alert as the demo reads it (`public.alerts`, kind `projected`). */
export interface RaisedProjectionAlert {
  id: number;
  at: number;
  level: string;
  /** The bodies (JSON text) of the messages each channel received quoting this alert. */
  slack: string[];
  discord: string[];
}

/**
 * What differs between the model's projection alerts of the Friday and those raised and
 * delivered: the same clocks and levels, each in Slack and Discord exactly once, saying the
 * model's sentence. Empty when they agree.
 */
export function projectionAlertDifferences(
  expected: readonly ExpectedProjectionAlert[],
  raised: readonly RaisedProjectionAlert[],
): string[] {
  const out: string[] = [];
  const e = expected.map((a) => `${a.level} at ${new Date(a.clock).toISOString()}`);
  const r = raised.map((a) => `${a.level} at ${new Date(a.at).toISOString()}`);
  if (JSON.stringify(e) !== JSON.stringify(r)) {
    out.push(`expected [${e.join("; ")}], raised [${r.join("; ")}]`);
  }
  for (const [i, a] of raised.entries()) {
    if (a.slack.length !== 1 || a.discord.length !== 1) {
      out.push(`alert #${a.id}: ${a.slack.length} in Slack, ${a.discord.length} in Discord`);
    }
    // The sentence as it stands in a JSON body.
    const sentence = expected[i] && JSON.stringify(expected[i].message).slice(1, -1);
    if (sentence && ![...a.slack, ...a.discord].every((body) => body.includes(sentence))) {
      out.push(`alert #${a.id}: a channel did not get "${expected[i].message}"`);
    }
  }
  return out;
}
