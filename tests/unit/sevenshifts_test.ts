import assert from "node:assert/strict";
import {
  DEFAULT_WAGE_UNIT,
  hourlyWageCents,
  normalizePunch,
  parseSevenShiftsPunch,
  parseSevenShiftsPunchEvent,
  parseWageUnit,
  type WageUnit,
} from "../../shared/sevenshifts.ts";
import { businessDateOf } from "../../shared/business_date.ts";

const fixture = (name: string) =>
  JSON.parse(Deno.readTextFileSync(new URL(`../fixtures/7shifts/${name}`, import.meta.url)));

function punchOf(name: string, wageUnit: WageUnit = "dollars") {
  const parsed = parseSevenShiftsPunch(fixture(name), wageUnit);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
  return normalizePunch(parsed.value, { wageUnit });
}

Deno.test("7shifts: paid time excludes unpaid, non-deleted breaks only", () => {
  const p = punchOf("time_punch.created.breaks.json");
  // 10:00-18:30 = 8.5 h; paid 15 min break stays paid; deleted 20 min break ignored; 30 min off.
  assert.equal(p.unpaidBreakSeconds, 30 * 60);
  assert.equal(p.paidSeconds, 8.5 * 3600 - 30 * 60);
  assert.equal(p.hourlyWageCents, 1850);
  assert.equal(p.clockedInAt, "2026-11-05T15:00:00.000Z");
  assert.equal(p.clockedOutAt, "2026-11-05T23:30:00.000Z");
  assert.equal(p.modifiedAt, "2026-11-05T23:31:00.000Z");
  assert.deepEqual([p.punchId, p.companyId, p.locationId], [5550001, 7001, 88001]);
  assert.deepEqual([p.userId, p.roleId, p.departmentId], [40001, 301, 201]);
  assert.deepEqual([p.approved, p.deleted], [false, false]);
  const edited = punchOf("time_punch.edited.breaks.json");
  assert.equal(edited.paidSeconds, 9 * 3600 - 30 * 60);
  assert.equal(edited.approved, true);
  assert.ok(edited.modifiedAt > p.modifiedAt);
});

Deno.test("7shifts: an open punch has no clock-out and no paid seconds yet", () => {
  const p = punchOf("time_punch.created.open.json");
  assert.equal(p.clockedOutAt, null);
  assert.equal(p.paidSeconds, null);
  assert.equal(p.unpaidBreakSeconds, 0, "an open break is not subtracted yet");
  assert.equal(p.hourlyWageCents, 1600);
});

Deno.test("7shifts: punches across midnight and DST count real elapsed time", () => {
  const night = punchOf("time_punch.created.midnight.json");
  assert.equal(night.paidSeconds, 6.5 * 3600);
  assert.equal(businessDateOf(night.clockedInAt, "America/New_York", 4), "2026-11-05");
  const moved = punchOf("time_punch.edited.moved.json");
  assert.equal(businessDateOf(moved.clockedInAt, "America/New_York", 4), "2026-11-06");
  const fall = punchOf("time_punch.created.dst_fall_back.json");
  // Wall clock 22:00 EDT -> 03:00 EST is 6 real hours; the break spans the repeated hour.
  assert.equal(fall.unpaidBreakSeconds, 30 * 60);
  assert.equal(fall.paidSeconds, 6 * 3600 - 30 * 60);
  assert.equal(businessDateOf(fall.clockedInAt, "America/New_York", 4), "2026-10-31");
  const spring = punchOf("time_punch.created.dst_spring_forward.json");
  assert.equal(spring.paidSeconds, 5 * 3600); // 23:00 EST -> 05:00 EDT
  assert.equal(businessDateOf(spring.clockedInAt, "America/New_York", 4), "2026-03-07");
});

Deno.test("7shifts: breaks are clipped to the punch and overlaps count once", () => {
  const body = fixture("time_punch.created.short.json"); // 11:00-15:00 EST
  body.time_punch_breaks = [
    { paid: false, in_iso: "2026-11-05T10:30:00-05:00", out_iso: "2026-11-05T11:30:00-05:00" },
    { paid: false, in: "2026-11-05 16:15:00", out: "2026-11-05 16:45:00" }, // 11:15-11:45 EST
    { paid: false, in_iso: "2026-11-05T14:50:00-05:00", out_iso: "2026-11-05T16:00:00-05:00" },
    { paid: null, in_iso: "2026-11-05T13:00:00-05:00", out_iso: "2026-11-05T13:05:00-05:00" },
  ];
  const parsed = parseSevenShiftsPunch(body, "dollars");
  assert.ok(parsed.ok);
  const p = normalizePunch(parsed.value, { wageUnit: "dollars" });
  // 11:00-11:45 (45 min) + 14:50-15:00 (10 min) + 13:00-13:05 (5 min, paid unknown = unpaid).
  assert.equal(p.unpaidBreakSeconds, 60 * 60);
  assert.equal(p.paidSeconds, 3 * 3600);
  // Breaks longer than the punch never make paid time negative.
  body.time_punch_breaks = [{ paid: false, in: "2026-11-05 10:00:00", out: "2026-11-06 10:00:00" }];
  const all = parseSevenShiftsPunch(body, "dollars");
  assert.ok(all.ok);
  assert.equal(normalizePunch(all.value, { wageUnit: "dollars" }).paidSeconds, 0);
});

Deno.test("7shifts: instants are truncated to whole seconds before subtracting, breaks too", () => {
  // The rule open punches follow (shared/transformations.ts punchPaidSeconds): 14:00:00.999 is
  // second 14:00:00, 16:00:00.001 is 16:00:00, so the punch is 2 h, not 7199 s.
  const body = fixture("time_punch.created.short.json");
  body.clocked_in_iso = "2026-11-05T14:00:00.999Z";
  body.clocked_out_iso = "2026-11-05T16:00:00.001Z";
  body.time_punch_breaks = [];
  const parsed = parseSevenShiftsPunch(body, "dollars");
  assert.ok(parsed.ok);
  assert.equal(normalizePunch(parsed.value, { wageUnit: "dollars" }).paidSeconds, 7200);
  // A break 15:00:00.999-15:10:00.001 is 600 whole seconds, as its instants truncate.
  body.time_punch_breaks = [
    { paid: false, in_iso: "2026-11-05T15:00:00.999Z", out_iso: "2026-11-05T15:10:00.001Z" },
  ];
  const withBreak = parseSevenShiftsPunch(body, "dollars");
  assert.ok(withBreak.ok);
  const p = normalizePunch(withBreak.value, { wageUnit: "dollars" });
  assert.equal(p.unpaidBreakSeconds, 600);
  assert.equal(p.paidSeconds, 7200 - 600);
});

Deno.test("7shifts: wage units", () => {
  assert.equal(DEFAULT_WAGE_UNIT, "dollars");
  assert.equal(parseWageUnit(undefined), "dollars");
  assert.equal(parseWageUnit(" Cents "), "cents");
  assert.throws(() => parseWageUnit("euros"), RangeError);
  assert.deepEqual(hourlyWageCents(18.5, "dollars"), { ok: true, cents: 1850 });
  assert.deepEqual(hourlyWageCents(1850, "cents"), { ok: true, cents: 1850 });
  assert.deepEqual(hourlyWageCents(null, "cents"), { ok: true, cents: 0 });
  assert.equal(hourlyWageCents(18.5, "cents").ok, false, "a cents wage must be an integer");
  assert.equal(hourlyWageCents(-1, "cents").ok, false);
  assert.equal(hourlyWageCents(10_000_001, "cents").ok, false);
  const body = fixture("time_punch.created.breaks.json");
  const r = parseSevenShiftsPunch(body, "cents");
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.problems.map((p) => p.path), ["hourly_wage"]);
  body.hourly_wage = 1850;
  const c = parseSevenShiftsPunch(body, "cents");
  assert.ok(c.ok);
  assert.equal(normalizePunch(c.value, { wageUnit: "cents" }).hourlyWageCents, 1850);
});

Deno.test("7shifts: wages are kept exact to a hundredth of a cent; finer ones are refused", () => {
  // $15.125 an hour is 1512.5 cents: kept, never rounded to 1513 before multiplying.
  assert.deepEqual(hourlyWageCents(15.125, "dollars"), { ok: true, cents: 1512.5 });
  assert.deepEqual(hourlyWageCents(15.1255, "dollars"), { ok: true, cents: 1512.55 });
  assert.deepEqual(hourlyWageCents(0.0001, "dollars"), { ok: true, cents: 0.01 });
  const fine = hourlyWageCents(15.12345, "dollars");
  assert.equal(fine.ok, false);
  assert.match(!fine.ok ? fine.reason : "", /hundredth of a cent/);
  // In cents (7shifts' v2 API unit) a wage is a whole number: a fraction means a wrong unit.
  assert.equal(hourlyWageCents(1512.5, "cents").ok, false);
  const body = fixture("time_punch.created.breaks.json");
  body.hourly_wage = 15.12345;
  const r = parseSevenShiftsPunch(body, "dollars");
  assert.deepEqual(!r.ok && r.problems.map((p) => p.path), ["hourly_wage"]);
  body.hourly_wage = 15.125;
  const ok = parseSevenShiftsPunch(body, "dollars");
  assert.ok(ok.ok);
  assert.equal(normalizePunch(ok.value, { wageUnit: "dollars" }).hourlyWageCents, 1512.5);
});

Deno.test("7shifts: schema problems are listed by path", () => {
  const body = fixture("time_punch.created.breaks.json");
  body.id = "5550001";
  delete body.location_id;
  body.modified = "last tuesday";
  body.time_punch_breaks[1].in = "2026-02-30 10:00:00";
  const r = parseSevenShiftsPunch(body, "dollars");
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.problems.map((p) => p.path).sort(), [
    "id",
    "location_id",
    "modified",
    "time_punch_breaks.1.in",
  ]);
  const out = fixture("time_punch.created.breaks.json");
  out.clocked_out_iso = "2026-11-05T09:00:00-05:00";
  const backwards = parseSevenShiftsPunch(out, "dollars");
  assert.deepEqual(!backwards.ok && backwards.problems.map((p) => p.path), ["clocked_out_iso"]);
  const noIn = fixture("time_punch.created.breaks.json");
  noIn.clocked_in = null;
  noIn.clocked_in_iso = null;
  const missing = parseSevenShiftsPunch(noIn, "dollars");
  assert.deepEqual(!missing.ok && missing.problems.map((p) => p.path), ["clocked_in"]);
});

Deno.test("7shifts: deleted topic accepts a full or a minimal body and is always a deletion", () => {
  const full = parseSevenShiftsPunchEvent(
    "time_punch.deleted",
    fixture("time_punch.created.open.json"), // a full body whose own flag says false
    "dollars",
    null,
  );
  assert.ok(full.ok && full.value.kind === "punch");
  assert.equal(full.ok && full.value.kind === "punch" && full.value.punch.deleted, true);
  const minimal = parseSevenShiftsPunchEvent(
    "time_punch.deleted",
    fixture("time_punch.deleted.minimal.json"),
    "dollars",
    null,
  );
  assert.deepEqual(minimal, {
    ok: true,
    value: {
      kind: "deletion",
      deletion: { punchId: 5550003, companyId: 7001, locationId: null, modifiedAt: null },
    },
  });
  const headerOnly = parseSevenShiftsPunchEvent("time_punch.deleted", { id: 9 }, "dollars", 77);
  assert.ok(headerOnly.ok && headerOnly.value.kind === "deletion");
  assert.equal(
    headerOnly.ok && headerOnly.value.kind === "deletion" && headerOnly.value.deletion.companyId,
    77,
  );
  const nothing = parseSevenShiftsPunchEvent("time_punch.deleted", { id: 9 }, "dollars", null);
  assert.deepEqual(!nothing.ok && nothing.problems.map((p) => p.path), ["company_id"]);
  // Only the deleted topic accepts a minimal body.
  const edited = parseSevenShiftsPunchEvent(
    "time_punch.edited",
    { id: 9, company_id: 1 },
    "dollars",
    1,
  );
  assert.equal(edited.ok, false);
});
