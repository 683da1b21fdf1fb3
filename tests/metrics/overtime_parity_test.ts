/**
 * Overtime parity: shared/overtime.ts (with shared/transformations.ts) and the database agree
 * on every day's overtime minutes, premium and labor cost, on the path that writes
 * public.daily_metrics in production. Generated employee-weeks (federal, California's daily
 * tiers, a Sunday 05:00 workweek; companies and locations in different zones, weeks across the
 * DST changes; crossings mid-punch; several locations per employee) are inserted week by week,
 * then edited (an earlier punch lengthened, shortened, deleted, moved to the other location or
 * to another day, which moves the crossing) in further transactions; the triggers recompute
 * every day whose overtime depends on a changed punch. Then every day equals TypeScript over
 * the final punches. 10,000 employee-weeks and more; the seed is replayable.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type postgres from "postgres";
import { businessDateOf } from "../../shared/business_date.ts";
import {
  californiaOvertimePolicy,
  federalOvertimePolicy,
  nextOvertimeCrossing,
  type OvertimePolicy,
  type OvertimePunch,
  punchOvertime,
} from "../../shared/overtime.ts";
import { computeDailyMetrics, type DayPunch } from "../../shared/transformations.ts";
import { testDb } from "../_support/env.ts";
import { withSeed } from "../_support/property.ts";

const H = 3600;
const ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles"] as const;
/** Mondays: an ordinary week, and the weeks of the fall-back and spring-forward changes. */
const WEEKS = ["2026-10-26", "2026-03-02", "2026-06-15", "2026-11-09"] as const;
const EMPLOYEES = 100;
const BATCHES = 50;

type PolicyKind = "federal" | "california" | "sunday5";

function policyOf(kind: PolicyKind, zone: string): OvertimePolicy {
  const federal = federalOvertimePolicy(zone);
  if (kind === "california") return californiaOvertimePolicy(zone);
  if (kind === "sunday5") return { ...federal, workweekStartIsoDay: 7, workweekStartHour: 5 };
  return federal;
}

interface GenShift {
  day: number;
  startMinute: number;
  seconds: number;
  unpaidBreakSeconds: number;
  wageCentiCents: number;
  location: 0 | 1;
}

type Edit =
  | { kind: "longer"; seconds: number }
  | { kind: "shorter"; seconds: number }
  | { kind: "delete" }
  | { kind: "move_location" }
  | { kind: "move_day"; days: number };

const shiftArb: fc.Arbitrary<GenShift> = fc.record({
  day: fc.integer({ min: 0, max: 6 }),
  startMinute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
  seconds: fc.integer({ min: 1800, max: 14 * H }),
  unpaidBreakSeconds: fc.constantFrom(0, 0, 900, 1800, 2700),
  wageCentiCents: fc.integer({ min: 1000, max: 4000 }).chain((c) =>
    fc.constantFrom(c * 100, c * 100 + 50)
  ),
  location: fc.constantFrom(0 as const, 1 as const),
});

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("longer" as const), seconds: fc.integer({ min: 60, max: 4 * H }) }),
  fc.record({
    kind: fc.constant("shorter" as const),
    seconds: fc.integer({ min: 60, max: 4 * H }),
  }),
  fc.record({ kind: fc.constant("delete" as const) }),
  fc.record({ kind: fc.constant("move_location" as const) }),
  fc.record({ kind: fc.constant("move_day" as const), days: fc.constantFrom(-1, 1) }),
);

const batchArb = fc.record({
  policy: fc.constantFrom<PolicyKind>("federal", "california", "sunday5"),
  companyZone: fc.constantFrom(...ZONES),
  locationZones: fc.tuple(fc.constantFrom(...ZONES), fc.constantFrom(...ZONES)),
  week: fc.constantFrom(...WEEKS),
  weeks: fc.array(
    fc.array(
      fc.record({
        shifts: fc.array(shiftArb, { minLength: 2, maxLength: 8 }),
        edit: fc.option(fc.tuple(fc.nat(), editArb), { freq: 3 }),
      }),
      { minLength: EMPLOYEES, maxLength: EMPLOYEES },
    ),
    { minLength: 2, maxLength: 2 },
  ),
});
type Batch = typeof batchArb extends fc.Arbitrary<infer T> ? T : never;

interface Punch {
  id: string;
  user: number;
  location: 0 | 1;
  clockedInMs: number;
  seconds: number;
  unpaidBreakSeconds: number;
  wageCents: number;
  deleted: boolean;
}

const randomBase = () => Number(crypto.getRandomValues(new Uint32Array(1))[0] % 1_000_000_000);

/** Drives one batch through the tables; returns the first day that differs, or null. */
async function driveBatch(sql: postgres.Sql, batch: Batch): Promise<
  { mismatch: string | null; employeeWeeks: number; days: number; overtimeDays: number }
> {
  const company = 2_000_000_000 + randomBase();
  const locations: number[] = [];
  for (const i of [0, 1] as const) {
    const [row] = await sql`insert into public.locations (name, time_zone,
        sevenshifts_company_id, sevenshifts_location_id, alerts_enabled)
      values (${"overtime parity " + company + "/" + i}, ${batch.locationZones[i]}, ${company},
        ${i + 1}, false)
      returning id`;
    locations.push(Number(row.id));
  }
  const policy = policyOf(batch.policy, batch.companyZone);
  await sql`insert into public.company_settings (sevenshifts_company_id, overtime_time_zone,
      workweek_start_iso_day, workweek_start_hour, daily_overtime_minutes,
      daily_overtime_multiplier_pct)
    values (${company}, ${batch.companyZone}, ${policy.workweekStartIsoDay},
      ${policy.workweekStartHour},
      ${policy.dailyTiers.map((t) => t.overSeconds / 60)}::integer[],
      ${policy.dailyTiers.map((t) => t.multiplierPct)}::smallint[])`;

  const weekStart = Date.parse(`${batch.week}T00:00:00Z`);
  const punches: Punch[] = [];
  let serial = 0;
  const idBase = BigInt(randomBase()) * 1_000_000n;
  const weekPunches: Punch[][] = batch.weeks.map((employees, w) =>
    employees.flatMap((e, user) =>
      e.shifts.map((s) => {
        const p: Punch = {
          id: (idBase + BigInt(++serial)).toString(),
          user: user + 1,
          location: s.location,
          // Local-ish: the minute of the UTC day; zones and DST make it any local hour.
          clockedInMs: weekStart + (w * 7 + s.day) * 86_400_000 + s.startMinute * 60_000,
          seconds: s.seconds,
          unpaidBreakSeconds: Math.min(s.unpaidBreakSeconds, s.seconds),
          wageCents: s.wageCentiCents / 100,
          deleted: false,
        };
        punches.push(p);
        return p;
      })
    )
  );
  const row = (p: Punch) => {
    const zone = batch.locationZones[p.location];
    const clockedInAt = new Date(p.clockedInMs).toISOString();
    return {
      id: p.id,
      location: locations[p.location],
      sevenshiftsLocation: p.location + 1,
      user: p.user,
      clockedInAt,
      clockedOutAt: new Date(p.clockedInMs + p.seconds * 1000).toISOString(),
      date: businessDateOf(clockedInAt, zone, 4),
      unpaidBreakSeconds: p.unpaidBreakSeconds,
      paidSeconds: p.seconds - p.unpaidBreakSeconds,
      hourlyWageCents: p.wageCents,
      deleted: p.deleted,
    };
  };
  const COLUMNS = `p(id bigint, location bigint, "sevenshiftsLocation" bigint, "user" bigint,
    "clockedInAt" timestamptz, "clockedOutAt" timestamptz, date date,
    "unpaidBreakSeconds" bigint, "paidSeconds" bigint, "hourlyWageCents" numeric,
    deleted boolean)`;
  // Each week in its own transaction, but in the second week the first ten employees' punches
  // come one a statement (and a transaction), as deliveries arrive: the overtime refresh then
  // works out one new punch's week, which it does without its queries for several
  // (pipeline.refresh_overtime_weeks).
  for (const [w, week] of weekPunches.entries()) {
    const one = (p: Punch) => w === 1 && p.user <= 10;
    const statements = [week.filter((p) => !one(p)), ...week.filter(one).map((p) => [p])];
    for (const punchesOfStatement of statements.filter((s) => s.length > 0)) {
      await sql.unsafe(
        `insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
          sevenshifts_location_id, user_id, clocked_in_at, clocked_out_at, business_date,
          unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
          vendor_modified_at, version_hash)
        select p.id, p.location, ${company}, p."sevenshiftsLocation", p."user", p."clockedInAt",
          p."clockedOutAt", p.date, p."unpaidBreakSeconds", p."paidSeconds",
          p."hourlyWageCents", true, p.deleted, now(), 'overtime parity'
        from jsonb_to_recordset($1::text::jsonb) as ${COLUMNS}`,
        [JSON.stringify(punchesOfStatement.map(row))],
      );
    }
  }
  const everDays = new Set(punches.map((p) => {
    const r = row(p);
    return `${r.location}|${r.date}`;
  }));
  // Edits to earlier punches, one transaction per week of edits.
  for (const [w, employees] of batch.weeks.entries()) {
    const edited: Punch[] = [];
    for (const [user, e] of employees.entries()) {
      if (!e.edit) continue;
      const [pick, edit] = e.edit;
      const mine = weekPunches[w]!.filter((p) => p.user === user + 1)
        .sort((a, b) => a.clockedInMs - b.clockedInMs);
      const p = mine[pick % Math.ceil(mine.length / 2)]!;
      if (edit.kind === "longer") p.seconds += edit.seconds;
      else if (edit.kind === "shorter") {
        p.seconds = Math.max(p.unpaidBreakSeconds, p.seconds - edit.seconds);
      } else if (edit.kind === "delete") p.deleted = true;
      else if (edit.kind === "move_location") p.location = p.location === 0 ? 1 : 0;
      else p.clockedInMs += edit.days * 86_400_000;
      edited.push(p);
    }
    await sql.unsafe(
      `update public.punches as t set location_id = p.location,
        sevenshifts_location_id = p."sevenshiftsLocation", business_date = p.date,
        clocked_in_at = p."clockedInAt", clocked_out_at = p."clockedOutAt",
        paid_seconds = p."paidSeconds", deleted = p.deleted, updated_at = now()
      from jsonb_to_recordset($1::text::jsonb) as ${COLUMNS}
      where t.sevenshifts_punch_id = p.id`,
      [JSON.stringify(edited.map(row))],
    );
  }

  // TypeScript over the final punches.
  const live = punches.filter((p) => !p.deleted);
  const overtime = punchOvertime(
    policy,
    live.map((p) => ({
      punchId: Number(p.id),
      employeeId: p.user,
      clockedInAt: new Date(p.clockedInMs),
      paidSeconds: p.seconds - p.unpaidBreakSeconds,
      hourlyWageCents: p.wageCents,
    })),
  );
  const expected = new Map<string, DayPunch[]>([...everDays].map((k) => [k, []]));
  // Every day any version of a punch was on is a day with a row (zeros when emptied).
  for (const p of punches) {
    const r = row(p);
    const key = `${r.location}|${r.date}`;
    if (!expected.has(key)) expected.set(key, []);
    if (p.deleted) continue;
    const ot = overtime.get(Number(p.id))!;
    expected.get(key)!.push({
      clockedInAt: r.clockedInAt,
      clockedOutAt: r.clockedOutAt,
      unpaidBreakSeconds: r.unpaidBreakSeconds,
      paidSeconds: r.paidSeconds,
      hourlyWageCents: r.hourlyWageCents,
      deleted: false,
      overtimeSeconds: ot.overtimeSeconds,
      overtimePremiumCents: ot.premiumCents,
    });
  }
  const rows = await sql`select location_id::text || '|' || business_date::text as key,
      labor_cost_cents::text as labor, paid_labor_seconds::text as paid,
      overtime_minutes::text as minutes, overtime_premium_cents::text as premium
    from public.daily_metrics where location_id in ${sql(locations)}`;
  const actual = new Map(rows.map((r) => [String(r.key), r]));
  let overtimeDays = 0;
  for (const [key, dayPunches] of expected) {
    const m = computeDailyMetrics({
      orders: [],
      refunds: [],
      punches: dayPunches,
      asOf: new Date(),
    });
    const want = {
      labor: String(m.laborCostCents),
      paid: String(m.paidLaborSeconds),
      minutes: String(m.overtimeMinutes),
      premium: String(m.overtimePremiumCents),
    };
    if (m.overtimeMinutes > 0) overtimeDays++;
    const got = actual.get(key);
    const have = got
      ? { labor: got.labor, paid: got.paid, minutes: got.minutes, premium: got.premium }
      : null;
    if (JSON.stringify(have) !== JSON.stringify(want)) {
      return {
        mismatch: `day ${key} (${batch.policy}, company zone ${batch.companyZone}, week of ` +
          `${batch.week}): database ${JSON.stringify(have)}, TypeScript ${JSON.stringify(want)}`,
        employeeWeeks: 0,
        days: 0,
        overtimeDays,
      };
    }
  }
  return {
    mismatch: null,
    employeeWeeks: batch.weeks.length * EMPLOYEES,
    days: expected.size,
    overtimeDays,
  };
}

Deno.test("overtime parity: 10,000 generated employee-weeks, inserted then edited so crossings move: every day's overtime, premium and labor cost equal TypeScript", async () => {
  const sql = testDb();
  let employeeWeeks = 0;
  let days = 0;
  let overtimeDays = 0;
  try {
    await fc.assert(
      fc.asyncProperty(batchArb, async (batch) => {
        const r = await driveBatch(sql, batch);
        assert.equal(r.mismatch, null, r.mismatch ?? "");
        employeeWeeks += r.employeeWeeks;
        days += r.days;
        overtimeDays += r.overtimeDays;
      }),
      withSeed({ seed: 1804, numRuns: BATCHES, endOnFailure: true }),
    );
    assert.ok(employeeWeeks >= 10_000, `checked ${employeeWeeks} employee-weeks`);
    assert.ok(overtimeDays > days / 10, `${overtimeDays} of ${days} days with overtime`);
  } finally {
    await sql.end();
  }
});

const crossingRunArb = fc.record({
  policy: fc.constantFrom<PolicyKind>("federal", "california", "sunday5"),
  companyZone: fc.constantFrom(...ZONES),
  week: fc.constantFrom(...WEEKS),
  employees: fc.array(
    fc.record({
      closed: fc.array(shiftArb.map((s) => ({ ...s, day: s.day % 5 })), { maxLength: 6 }),
      openStartMinute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
      openFor: fc.integer({ min: 60, max: 14 * H }),
      wageCentiCents: fc.integer({ min: 1000, max: 4000 }).map((c) => c * 100),
    }),
    { minLength: 20, maxLength: 20 },
  ),
});

Deno.test("overtime parity: when someone on the clock reaches their next threshold is the same in SQL as in TypeScript", async () => {
  const sql = testDb();
  let compared = 0;
  let ahead = 0;
  try {
    await fc.assert(
      fc.asyncProperty(crossingRunArb, async (run) => {
        const company = 2_000_000_000 + randomBase();
        const [loc] = await sql`insert into public.locations (name, time_zone,
            sevenshifts_company_id, sevenshifts_location_id, alerts_enabled)
          values (${"crossing parity " + company}, ${run.companyZone}, ${company}, 1, false)
          returning id::int`;
        const policy = policyOf(run.policy, run.companyZone);
        await sql`insert into public.company_settings (sevenshifts_company_id,
            overtime_time_zone, workweek_start_iso_day, workweek_start_hour,
            daily_overtime_minutes, daily_overtime_multiplier_pct)
          values (${company}, ${run.companyZone}, ${policy.workweekStartIsoDay},
            ${policy.workweekStartHour},
            ${policy.dailyTiers.map((t) => t.overSeconds / 60)}::integer[],
            ${policy.dailyTiers.map((t) => t.multiplierPct)}::smallint[])`;
        const weekStart = Date.parse(`${run.week}T00:00:00Z`);
        const idBase = randomBase() * 1000;
        const rows: Array<Record<string, unknown>> = [];
        const cases: Array<{ user: number; openId: number; asOf: string; week: OvertimePunch[] }> =
          [];
        for (const [u, e] of run.employees.entries()) {
          const week: OvertimePunch[] = [];
          for (const [i, s] of e.closed.entries()) {
            const inMs = weekStart + s.day * 86_400_000 + s.startMinute * 60_000;
            const paid = s.seconds - Math.min(s.unpaidBreakSeconds, s.seconds);
            const id = idBase + u * 10 + i;
            rows.push({
              id,
              user: u + 1,
              inAt: new Date(inMs).toISOString(),
              outAt: new Date(inMs + s.seconds * 1000).toISOString(),
              unpaid: s.seconds - paid,
              paid,
              wage: s.wageCentiCents / 100,
            });
            week.push({
              punchId: id,
              employeeId: u + 1,
              clockedInAt: new Date(inMs),
              paidSeconds: paid,
              hourlyWageCents: s.wageCentiCents / 100,
            });
          }
          const openMs = weekStart + 5 * 86_400_000 + e.openStartMinute * 60_000;
          const openId = idBase + u * 10 + 9;
          rows.push({
            id: openId,
            user: u + 1,
            inAt: new Date(openMs).toISOString(),
            outAt: null,
            unpaid: 0,
            paid: null,
            wage: e.wageCentiCents / 100,
          });
          week.push({
            punchId: openId,
            employeeId: u + 1,
            clockedInAt: new Date(openMs),
            paidSeconds: e.openFor,
            hourlyWageCents: e.wageCentiCents / 100,
          });
          cases.push({
            user: u + 1,
            openId,
            asOf: new Date(openMs + e.openFor * 1000).toISOString(),
            week,
          });
        }
        await sql.unsafe(
          `insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
            sevenshifts_location_id, user_id, clocked_in_at, clocked_out_at, business_date,
            unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
            vendor_modified_at, version_hash)
          select r.id, ${loc.id}, ${company}, 1, r."user", r."inAt", r."outAt",
            pipeline.business_date_of(r."inAt", ${"'" + run.companyZone + "'"}, 4::smallint),
            r.unpaid, r.paid, r.wage, true, false, now(), 'crossing parity'
          from jsonb_to_recordset($1::text::jsonb) as r(id bigint, "user" bigint,
            "inAt" timestamptz, "outAt" timestamptz, unpaid bigint, paid bigint, wage numeric)`,
          [JSON.stringify(rows)],
        );
        for (const c of cases) {
          const [got] = await sql`select rule, threshold_seconds::int as "thresholdSeconds",
              multiplier_pct as "multiplierPct", current_multiplier_pct as "currentMultiplierPct",
              seconds_to_go::int as "secondsToGo", week_paid_seconds::int as "weekPaidSeconds",
              workweek::text, workday::text
            from pipeline.overtime_crossing(${company}, ${c.user}, ${c.openId}, ${c.asOf},
              57600)`;
          const want = nextOvertimeCrossing(policy, c.week, c.openId);
          const have = got ? { ...got } : null;
          assert.deepEqual(
            have,
            want,
            `employee ${c.user} (${run.policy}, ${run.companyZone}, week of ${run.week})`,
          );
          compared++;
          if (want) ahead++;
        }
      }),
      withSeed({ seed: 1806, numRuns: 30 }),
    );
    assert.ok(compared >= 600 && ahead > compared / 3, `${ahead} of ${compared} with a crossing`);
  } finally {
    await sql.end();
  }
});
