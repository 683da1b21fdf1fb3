/**
 * 7shifts' schedule, pure part (shared/sevenshifts_shifts.ts): a List Shifts object normalises
 * to instants and cents (open shifts without a user, drafts not published), a bad one names its
 * field, the list query asks for what the docs define, and a `schedule.published` body gives
 * the dates it published or names the bad field.
 */
import assert from "node:assert/strict";
import {
  normalizeApiShift,
  parseSchedulePublished,
  shiftsQuery,
} from "../../shared/sevenshifts_shifts.ts";

const week = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/7shifts/shifts.published_week.json", import.meta.url)),
) as Array<Record<string, unknown>>;
const published = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/7shifts/schedule.published.json", import.meta.url)),
) as Record<string, unknown>;

Deno.test("shifts: a List Shifts object normalises to instants, cents and who works it", () => {
  const [first, open, , draft, deleted] = week.map(normalizeApiShift);
  assert.deepEqual(first, {
    ok: true,
    value: {
      shiftId: 1,
      companyId: 1234,
      locationId: 4569,
      userId: 501,
      roleId: 2583,
      departmentId: 7890,
      startsAt: "2026-12-07T14:00:00.000Z",
      endsAt: "2026-12-07T22:00:00.000Z",
      hourlyWageCents: 1800,
      published: true,
      deleted: false,
      modifiedAt: "2026-12-01T10:00:00.000Z",
    },
  });
  assert.ok(open.ok && open.value.userId === null, "an open shift has no user yet");
  assert.ok(draft.ok && !draft.value.published, "a draft is not published");
  assert.ok(deleted.ok && deleted.value.deleted);
  const noStatus = normalizeApiShift({ ...week[0], publish_status: undefined, draft: true });
  assert.ok(noStatus.ok && !noStatus.value.published, "without publish_status, draft decides");
  const offset = normalizeApiShift({ ...week[0], start: "2026-12-07T09:00:00-05:00" });
  assert.ok(offset.ok && offset.value.startsAt === "2026-12-07T14:00:00.000Z");
});

Deno.test("shifts: a bad shift names its field", () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ id: "1" }, "id"],
    [{ location_id: undefined }, "location_id"],
    [{ start: "tomorrow" }, "start"],
    [{ end: "2026-12-07T13:00:00Z" }, "end"],
    [{ end: "2026-12-08T15:00:00Z" }, "end"], // 25 hours
    [{ hourly_wage: 17.5 }, "hourly_wage"],
    [{ hourly_wage: -1 }, "hourly_wage"],
    [{ modified: null }, "modified"],
    [{ deleted: "no" }, "deleted"],
  ];
  for (const [changes, field] of cases) {
    const r = normalizeApiShift({ ...week[0], ...changes });
    assert.ok(!r.ok, JSON.stringify(changes));
    assert.deepEqual(r.problems.map((p) => p.path), [field], JSON.stringify(changes));
  }
});

Deno.test("shifts: the list query filters by location and start (inclusive), with deleted ones, without drafts", () => {
  const from = Date.parse("2026-12-06T05:00:00Z");
  const to = Date.parse("2026-12-13T05:00:00Z");
  assert.deepEqual(Object.fromEntries(shiftsQuery(4569, from, to, null)), {
    location_id: "4569",
    "start[gte]": "2026-12-06T05:00:00Z",
    "start[lte]": "2026-12-13T04:59:59Z",
    deleted: "true",
    limit: "200",
  });
  assert.equal(shiftsQuery(4569, from, to, "abc").get("cursor"), "abc");
});

Deno.test("shifts: schedule.published gives the first and last date published, or names the bad field", () => {
  assert.deepEqual(parseSchedulePublished(published), {
    ok: true,
    value: {
      kind: "schedule.published",
      companyId: 1234,
      locationId: 4569,
      departmentIds: [7890, 7891],
      startDate: "2026-12-06",
      endDate: "2026-12-12",
    },
  });
  // The written date counts, whatever the offset.
  const local = parseSchedulePublished({ ...published, start: "2026-12-06T00:00:00-05:00" });
  assert.ok(local.ok && local.value.startDate === "2026-12-06");
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ company_id: 0 }, "company_id"],
    [{ location_id: undefined }, "location_id"],
    [{ department_ids: [1, "x"] }, "department_ids.1"],
    [{ start: "2026-13-01T00:00:00+00:00" }, "start"],
    [{ end: "2026-12-05T00:00:00+00:00" }, "end"],
    [{ end: "2027-02-06T00:00:00+00:00" }, "end"],
  ];
  for (const [changes, field] of cases) {
    const r = parseSchedulePublished({ ...published, ...changes });
    assert.ok(!r.ok, JSON.stringify(changes));
    assert.deepEqual(r.problems.map((p) => p.path), [field], JSON.stringify(changes));
  }
});
