/**
 * Overtime (shared/overtime.ts): hand-worked weeks under the federal rule and California's daily
 * tiers, crossings mid-punch and at a second location, workweek boundaries in the company's zone
 * across a DST change, and properties that hold for any week (the weekly rule alone pays exactly
 * the hours past 40; the input order never matters; more hours never mean less overtime).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  federalOvertimePolicy,
  nextOvertimeCrossing,
  type OvertimePolicy,
  type OvertimePunch,
  punchOvertime,
  workdayOf,
} from "../../shared/overtime.ts";
import { withSeed } from "../_support/property.ts";
import type { SimLocation, SimPunch } from "../../sim/model.ts";
import { weeklyOvertime } from "../../sim/truth.ts";

const H = 3600;
const ZONE = "America/Los_Angeles";
const federal = federalOvertimePolicy(ZONE);
const california: OvertimePolicy = {
  ...federal,
  dailyTiers: [{ overSeconds: 8 * H, multiplierPct: 150 }, {
    overSeconds: 12 * H,
    multiplierPct: 200,
  }],
};

let nextId = 1;
/** A punch of employee 503 at $20/h clocking in at local `YYYY-MM-DDTHH:MM` (Pacific, UTC−8 in Nov). */
function punch(
  localStart: string,
  hours: number,
  extra: Partial<OvertimePunch> = {},
): OvertimePunch {
  return {
    punchId: nextId++,
    employeeId: 503,
    clockedInAt: new Date(Date.parse(`${localStart}:00-08:00`)).toISOString(),
    paidSeconds: Math.round(hours * H),
    hourlyWageCents: 2000,
    ...extra,
  };
}

Deno.test("overtime: federal, 38 h then a 4-hour punch: its last 2 h are overtime at $10/h extra", () => {
  const week = [
    punch("2026-11-02T09:00", 10),
    punch("2026-11-03T09:00", 10),
    punch("2026-11-04T09:00", 10),
    punch("2026-11-05T09:00", 8),
  ];
  const crossing = punch("2026-11-06T09:00", 4);
  const ot = punchOvertime(federal, [...week, crossing]);
  for (const p of week) assert.equal(ot.get(p.punchId)!.overtimeSeconds, 0);
  assert.equal(ot.get(crossing.punchId)!.overtimeSeconds, 2 * H);
  assert.equal(ot.get(crossing.punchId)!.premiumCents, 2000); // 2 h × $20 × 0.5
  assert.equal(ot.get(crossing.punchId)!.workweek, "2026-11-02");
});

Deno.test("overtime: California, a 13-hour day is 8 h straight, 4 h at 150 % and 1 h at 200 %", () => {
  const long = punch("2026-11-02T08:00", 13);
  const ot = punchOvertime(california, [long]).get(long.punchId)!;
  assert.equal(ot.overtimeSeconds, 5 * H);
  // $20 × (4 h × 0.5 + 1 h × 1.0) = $60.
  assert.equal(ot.premiumCents, 6000);
  // The federal rule alone: no overtime in a 13-hour week.
  assert.equal(punchOvertime(federal, [long]).get(long.punchId)!.overtimeSeconds, 0);
});

Deno.test("overtime: California, daily overtime does not count toward the weekly 40 (no premium twice)", () => {
  const days = ["02", "03", "04", "05", "06"].map((d) => punch(`2026-11-${d}T08:00`, 10));
  const saturday = punch("2026-11-07T08:00", 8);
  const ot = punchOvertime(california, [...days, saturday]);
  // Each 10-hour day: 2 h daily overtime; straight time 5 × 8 h = 40 h exactly.
  for (const p of days) {
    assert.equal(ot.get(p.punchId)!.overtimeSeconds, 2 * H);
    assert.equal(ot.get(p.punchId)!.premiumCents, 2000);
  }
  // Saturday's 8 h are all past the weekly 40 straight-time hours.
  assert.equal(ot.get(saturday.punchId)!.overtimeSeconds, 8 * H);
  assert.equal(ot.get(saturday.punchId)!.premiumCents, 8000);
});

Deno.test("overtime: two punches of one workday share the daily tiers in clock order, across locations", () => {
  // Morning 6 h at location A, evening 5 h at location B: the day's hours 9-11 are overtime.
  const morning = punch("2026-11-02T06:00", 6, { hourlyWageCents: 1800 });
  const evening = punch("2026-11-02T16:00", 5, { hourlyWageCents: 2400 });
  const ot = punchOvertime(california, [evening, morning]);
  assert.equal(ot.get(morning.punchId)!.overtimeSeconds, 0);
  assert.equal(ot.get(evening.punchId)!.overtimeSeconds, 3 * H);
  assert.equal(ot.get(evening.punchId)!.premiumCents, 3600); // 3 h × $24 × 0.5, the evening's wage
});

Deno.test("overtime: a punch counts in the workweek of its clock-in; weeks start at the company's day and hour", () => {
  const sundayStart: OvertimePolicy = { ...federal, workweekStartIsoDay: 7, workweekStartHour: 5 };
  // Saturday 23:00 local, a 10-hour punch into Sunday: it is Saturday's, last week's.
  assert.deepEqual(workdayOf("2026-11-08T07:00:00Z", sundayStart), {
    workday: "2026-11-07",
    workweek: "2026-11-01",
  });
  // Sunday 04:59 local is still Saturday's workday (the day starts at 05:00).
  assert.equal(workdayOf("2026-11-08T12:59:00Z", sundayStart).workweek, "2026-11-01");
  assert.equal(workdayOf("2026-11-08T13:00:00Z", sundayStart).workweek, "2026-11-08");
  // Across the fall-back change (Nov 1 2026, 02:00 PDT → 01:00 PST) the weeks stay on the wall
  // clock: Sunday 05:00 local starts the week whatever the offset.
  assert.equal(workdayOf("2026-11-01T12:59:00Z", sundayStart).workweek, "2026-10-25"); // 04:59 PST
  assert.equal(workdayOf("2026-11-01T13:00:00Z", sundayStart).workweek, "2026-11-01");
  // 45 h split over two weeks is no overtime.
  const lastWeek = [1, 2, 3].map((i) => punch(`2026-10-${29 + i - 1}T09:00`, 8));
  const thisWeek = [punch("2026-11-02T09:00", 10), punch("2026-11-03T09:00", 11)];
  const ot = punchOvertime(sundayStart, [...lastWeek, ...thisWeek]);
  for (const v of ot.values()) assert.equal(v.overtimeSeconds, 0);
});

Deno.test("overtime: a policy that is off pays no premium; a bad policy names its field", () => {
  const week = ["02", "03", "04", "05", "06"].map((d) => punch(`2026-11-${d}T08:00`, 12));
  const off = punchOvertime({ ...california, enabled: false }, week);
  for (const v of off.values()) assert.deepEqual([v.overtimeSeconds, v.premiumCents], [0, 0]);
  assert.throws(
    () => punchOvertime({ ...federal, workweekStartIsoDay: 0 }, week),
    /workweekStartIsoDay/,
  );
  assert.throws(
    () =>
      punchOvertime({
        ...federal,
        dailyTiers: [{ overSeconds: 12 * H, multiplierPct: 200 }, {
          overSeconds: 8 * H,
          multiplierPct: 150,
        }],
      }, week),
    /dailyTiers\[1\]/,
  );
});

Deno.test("overtime: half-cent wages are exact; the premium is rounded once per punch, half away from zero", () => {
  // 41 h in one punch-week at $15.125: 1 h overtime → 1512.5 ¢ × 0.5 = 756.25 → 756.
  const a = punch("2026-11-02T06:00", 40, { hourlyWageCents: 1512.5 });
  const b = punch("2026-11-04T06:00", 1, { hourlyWageCents: 1512.5 });
  assert.equal(punchOvertime(federal, [a, b]).get(b.punchId)!.premiumCents, 756);
  // 3 minutes at $15.125 × 0.5: 37.8125 ¢... of an hour: 1512.5 × 0.5 × 180 / 3600 = 37.8125 → 38.
  const c = punch("2026-11-09T06:00", 40, { hourlyWageCents: 1512.5 });
  const d = punch("2026-11-11T06:00", 0.05, { hourlyWageCents: 1512.5 });
  assert.equal(punchOvertime(federal, [c, d]).get(d.punchId)!.premiumCents, 38);
});

/** A generated week of one to three employees' punches (closed, any order). */
const weekArb = fc.array(
  fc.record({
    employeeId: fc.integer({ min: 1, max: 3 }),
    day: fc.integer({ min: 0, max: 6 }),
    startHour: fc.integer({ min: 5, max: 20 }),
    paidSeconds: fc.integer({ min: 0, max: 14 * H }),
    wage: fc.integer({ min: 0, max: 500000 }).map((u) => u / 100),
  }),
  { maxLength: 25 },
).map((rows) =>
  rows.map((r, i): OvertimePunch => ({
    punchId: i + 1,
    employeeId: r.employeeId,
    // Monday 2026-11-02 + day, at startHour Pacific (+ i seconds so clock-ins differ).
    clockedInAt: new Date(
      Date.parse("2026-11-02T00:00:00-08:00") + (r.day * 24 + r.startHour) * H * 1000 + i * 1000,
    ).toISOString(),
    paidSeconds: r.paidSeconds,
    hourlyWageCents: r.wage,
  }))
);

Deno.test("overtime (property): the weekly rule alone pays exactly each employee's hours past 40", () => {
  fc.assert(
    fc.property(weekArb, (punches) => {
      const ot = punchOvertime(federal, punches);
      for (const employee of [1, 2, 3]) {
        const mine = punches.filter((p) => p.employeeId === employee);
        const paid = mine.reduce((n, p) => n + p.paidSeconds, 0);
        const over = mine.reduce((n, p) => n + ot.get(p.punchId)!.overtimeSeconds, 0);
        assert.equal(over, Math.max(0, paid - 40 * H));
      }
    }),
    withSeed({ seed: 1801 }),
  );
});

Deno.test("overtime (property): any input order gives the same result; each punch's overtime is within its paid time", () => {
  fc.assert(
    fc.property(
      weekArb,
      fc.integer({ min: 0, max: 1000 }),
      fc.constantFrom(federal, california),
      (punches, shift, policy) => {
        const ot = punchOvertime(policy, punches);
        const rotated = [...punches.slice(shift % (punches.length || 1)), ...punches];
        const again = punchOvertime(policy, rotated.slice(0, punches.length));
        assert.deepEqual(
          [...again.entries()].sort((a, b) => a[0] - b[0]),
          [...ot.entries()].sort((a, b) => a[0] - b[0]),
        );
        for (const p of punches) {
          const o = ot.get(p.punchId)!;
          assert.ok(o.overtimeSeconds >= 0 && o.overtimeSeconds <= p.paidSeconds);
          assert.ok(o.premiumCents >= 0);
        }
      },
    ),
    withSeed({ seed: 1802 }),
  );
});

Deno.test("overtime (property): more hours in an earlier punch never lower the week's overtime", () => {
  fc.assert(
    fc.property(
      weekArb.filter((w) => w.length > 0),
      fc.nat(),
      fc.integer({ min: 1, max: 4 * H }),
      fc.constantFrom(federal, california),
      (punches, pick, more, policy) => {
        const edited = punches[pick % punches.length]!;
        const longer = punches.map((p) =>
          p.punchId === edited.punchId ? { ...p, paidSeconds: p.paidSeconds + more } : p
        );
        const total = (ps: OvertimePunch[]) => {
          const ot = punchOvertime(policy, ps);
          return ps.filter((p) => p.employeeId === edited.employeeId)
            .reduce((n, p) => n + ot.get(p.punchId)!.overtimeSeconds, 0);
        };
        assert.ok(total(longer) >= total(punches));
      },
    ),
    withSeed({ seed: 1803 }),
  );
});

Deno.test("overtime ahead: 7.5 h into a California day, 8 h comes in 30 min at 150 %; at 11.5 h, double time in 30 min", () => {
  const today = punch("2026-11-02T08:00", 7.5);
  const next = nextOvertimeCrossing(california, [today], today.punchId)!;
  assert.deepEqual([next.rule, next.secondsToGo, next.multiplierPct], ["daily", 1800, 150]);
  const long = punch("2026-11-03T06:00", 11.5);
  const later = nextOvertimeCrossing(california, [long], long.punchId)!;
  assert.deepEqual([later.rule, later.thresholdSeconds, later.secondsToGo, later.multiplierPct], [
    "daily",
    12 * H,
    1800,
    200,
  ]);
});

Deno.test("overtime ahead: nothing once the week is past 40 h (federal), nor for a punch that is not the last", () => {
  const week = ["02", "03", "04", "05"].map((d) => punch(`2026-11-${d}T08:00`, 10));
  const friday = punch("2026-11-06T08:00", 2);
  assert.equal(nextOvertimeCrossing(federal, [...week, friday], friday.punchId), null);
  assert.equal(nextOvertimeCrossing(federal, [...week, friday], week[1]!.punchId), null);
  assert.equal(
    nextOvertimeCrossing({ ...federal, enabled: false }, week.slice(0, 3), week[2]!.punchId),
    null,
  );
});

Deno.test("overtime ahead (property): the marginal rate of the open punch becomes the announced one exactly at the crossing", () => {
  fc.assert(
    fc.property(
      weekArb.filter((w) => w.length > 0),
      fc.constantFrom(federal, california),
      (punches, policy) => {
        // The open punch: employee 1's last punch in clock order.
        const mine = punches.filter((p) => p.employeeId === punches[0]!.employeeId)
          .sort((a, b) => Date.parse(String(a.clockedInAt)) - Date.parse(String(b.clockedInAt)));
        const open = mine[mine.length - 1]!;
        const next = nextOvertimeCrossing(policy, mine, open.punchId);
        if (next === null) return;
        const total = (extra: number) => {
          const ot = punchOvertime(
            policy,
            mine.map((p) =>
              p.punchId === open.punchId ? { ...p, paidSeconds: p.paidSeconds + extra } : p
            ),
          );
          return mine.reduce((n, p) => n + ot.get(p.punchId)!.premiumPercentSeconds, 0);
        };
        const to = next.secondsToGo;
        assert.ok(to > 0);
        const before = total(to) - total(to - 1);
        const after = total(to + 1) - total(to);
        assert.equal(after, next.multiplierPct - 100, JSON.stringify(next));
        assert.equal(total(1) - total(0), next.currentMultiplierPct - 100, "the rate now");
        assert.ok(before < after, `marginal ${before} then ${after}`);
      },
    ),
    withSeed({ seed: 1805 }),
  );
});

Deno.test("overtime (property): the simulator's own weekly rule (sim/truth.ts) and shared/overtime.ts agree", () => {
  fc.assert(
    fc.property(weekArb, fc.integer({ min: 1, max: 7 }), (punches, startDay) => {
      const location: SimLocation = {
        index: 0,
        name: "Sim",
        timeZone: ZONE,
        cutoffHour: 4,
        toastRestaurantGuid: "00000000-0000-4000-8000-000000000000",
        sevenShiftsCompanyId: 7001,
        sevenShiftsLocationId: 1,
        laborTargetBp: 2500,
        taxRatePpm: 0,
        workweekStartIsoDay: startDay,
      };
      const sim: SimPunch[] = punches.map((p) => {
        const inMs = Date.parse(String(p.clockedInAt));
        return {
          id: p.punchId,
          locationIndex: 0,
          userId: p.employeeId,
          shiftId: p.punchId,
          createdAt: inMs,
          versions: [{
            topic: "time_punch.created",
            modifiedAt: inMs,
            change: "created",
            clockedInAt: inMs,
            clockedOutAt: inMs + p.paidSeconds * 1000,
            breaks: [],
            hourlyWageCentiCents: Math.round(p.hourlyWageCents * 100),
            roleId: 1,
            departmentId: 1,
            approved: true,
            autoClockedOut: false,
            deleted: false,
          }],
        };
      });
      const truth = weeklyOvertime([location], sim);
      const ours = punchOvertime({ ...federal, workweekStartIsoDay: startDay }, punches);
      for (const p of punches) {
        assert.deepEqual(truth.get(p.punchId), {
          seconds: ours.get(p.punchId)!.overtimeSeconds,
          premiumCents: ours.get(p.punchId)!.premiumCents,
        });
      }
    }),
    withSeed({ seed: 1807 }),
  );
});
