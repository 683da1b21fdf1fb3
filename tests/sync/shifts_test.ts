/**
 * The 7shifts schedule (issue 19): a `schedule.published` webhook, through the real
 * sevenshifts-webhook function, queues a pull of the published dates; the real vendor-sync
 * function (woken through pg_net) pages through the fake List Shifts API and
 * `pipeline.replace_scheduled_shifts` replaces the range in `public.scheduled_shifts`: published
 * shifts land, deleted, unpublished and moved ones leave, an older pull never wins over a newer
 * one, bad input changes nothing, an unmapped location is held until mapped, and the hourly sync
 * refreshes the current and next business day. Fixtures: tests/fixtures/7shifts/.
 */
import assert from "node:assert/strict";
import { type RawShift, type ShiftWorld, shiftWorld, type StoredShift } from "./shifts_support.ts";
import { waitForRuns } from "./support.ts";
import { testDb, testEnv } from "../_support/env.ts";
import { deliverPunch, newLocation, vendorIds } from "../fault/vendors.ts";

/** What the week fixture leaves stored (America/New_York, cut-off 04:00). */
const WEEK_STORED: StoredShift[] = [
  {
    n: 1,
    businessDate: "2026-12-07",
    userId: 501,
    startsAt: "2026-12-07T14:00:00.000Z",
    endsAt: "2026-12-07T22:00:00.000Z",
    wageCents: 1800,
    modifiedAt: "2026-12-01T10:00:00.000Z",
  },
  {
    // Open and unassigned: no one yet, still labor to pay.
    n: 2,
    businessDate: "2026-12-08",
    userId: null,
    startsAt: "2026-12-08T16:00:00.000Z",
    endsAt: "2026-12-09T00:00:00.000Z",
    wageCents: 1500,
    modifiedAt: "2026-12-01T10:00:00.000Z",
  },
  {
    // 02:00 local on the 9th: the 8th's business day.
    n: 3,
    businessDate: "2026-12-08",
    userId: 502,
    startsAt: "2026-12-09T07:00:00.000Z",
    endsAt: "2026-12-09T09:00:00.000Z",
    wageCents: 2000,
    modifiedAt: "2026-12-01T10:00:00.000Z",
  },
  {
    // 00:30 local on the 6th, the first published date: pulled (business day the 5th).
    n: 7,
    businessDate: "2026-12-05",
    userId: 503,
    startsAt: "2026-12-06T05:30:00.000Z",
    endsAt: "2026-12-06T08:00:00.000Z",
    wageCents: 1650,
    modifiedAt: "2026-12-01T10:00:00.000Z",
  },
];

async function withWorld(fn: (w: ShiftWorld) => Promise<void>, opts = {}) {
  const w = await shiftWorld(opts);
  try {
    await fn(w);
    assert.deepEqual(w.fakes.violations(), [], "no 7shifts limit broken");
  } finally {
    await w.close();
  }
}

function shiftRequests(w: ShiftWorld) {
  return w.fakes.requests("7shifts").filter((r) => r.path.endsWith("/shifts"));
}

Deno.test("shifts: schedule.published pulls the published dates' shifts; a redelivery is recorded once and changes nothing", async () => {
  await withWorld(async (w) => {
    w.fakes.setShifts(w.ids.companyId, w.week());
    const body = w.publishedBody();
    const first = await w.publish(body);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(first.json.outcome, "applied");
    const [run] = await w.settle();
    assert.equal(run.state, "succeeded", String(run.error));
    assert.deepEqual(await w.stored(), WEEK_STORED);
    // Published, not deleted, starting from local midnight of the 6th to that of the 13th:
    // the draft (4), the deleted (5), the 13th's (6) and the 5th's late shift (8) are not kept.
    const [q] = shiftRequests(w).map((r) => r.query);
    assert.deepEqual(q, {
      location_id: String(w.ids.sevenShiftsLocationId),
      "start[gte]": "2026-12-06T05:00:00Z",
      "start[lte]": "2026-12-13T04:59:59Z",
      deleted: "true",
      limit: "200",
    });
    assert.deepEqual(
      [run.rows_fetched, run.rows_new, run.rows_unchanged, run.rows_invalid],
      [5, 4, 1, 0],
      "1, 2, 3, 7 new; the deleted 5 had nothing to remove",
    );
    assert.equal((run.schedule as Record<string, unknown>).inserted, 4);

    const again = await w.publish(body);
    assert.equal(again.status, 200);
    assert.equal(again.json.duplicate, true);
    const events = await w.sql`select outcome, delivery_count from public.inbound_events
      where source = '7shifts' and topic = 'schedule.published' and raw_body = ${body}`;
    assert.deepEqual(events.map((e) => [e.outcome, e.delivery_count]), [["applied", 2]]);
    const runs = await w.settle();
    assert.ok(runs.every((r) => r.state === "succeeded"));
    assert.deepEqual(await w.stored(), WEEK_STORED, "the same shifts, once");
  });
});

Deno.test("shifts: a re-publish of the same dates removes deleted, unpublished and moved shifts and keeps edits and new ones", async () => {
  await withWorld(async (w) => {
    w.fakes.setShifts(w.ids.companyId, w.week());
    await w.publish();
    await w.settle();
    assert.equal((await w.stored()).length, 4);

    const later = "2026-12-02T09:00:00Z";
    w.fakes.setShifts(w.ids.companyId, [
      w.shift(1, { end: "2026-12-07T23:00:00Z", modified: later }), // edited
      w.shift(2, { deleted: true, modified: later }), // deleted
      w.shift(3, { draft: true, publish_status: "draft", modified: later }), // unpublished
      w.shift(7, { start: "2026-12-20T15:00:00Z", end: "2026-12-20T20:00:00Z", modified: later }),
      w.shift(9, {
        user_id: 509,
        start: "2026-12-11T15:00:00Z",
        end: "2026-12-11T20:00:00Z",
        modified: later,
      }),
    ]);
    // The same dates published again: 7shifts sends the same body.
    const again = await w.publish();
    assert.equal(again.status, 200);
    const runs = await w.settle();
    const last = runs[runs.length - 1];
    assert.equal(last.state, "succeeded", String(last.error));
    assert.deepEqual((await w.stored()).map((s) => [s.n, s.endsAt, s.modifiedAt]), [
      [1, "2026-12-07T23:00:00.000Z", "2026-12-02T09:00:00.000Z"],
      [9, "2026-12-11T20:00:00.000Z", "2026-12-02T09:00:00.000Z"],
    ]);
    const r = last.schedule as Record<string, number>;
    assert.deepEqual(
      [r.inserted, r.updated, r.removed, r.missingRemoved],
      [1, 1, 1, 2],
      "9 new, 1 edited, 2 deleted, 3 (unpublished) and 7 (moved away) no longer returned",
    );
  });
});

Deno.test("shifts: 450 shifts over three pages are replaced as one range", async () => {
  await withWorld(async (w) => {
    const many: RawShift[] = Array.from({ length: 450 }, (_, i) =>
      w.shift(1000 + i, {
        id: w.idBase + 1000 + i,
        user_id: 600 + (i % 40),
        start: new Date(Date.parse("2026-12-06T12:00:00Z") + (i % 150) * 3_600_000)
          .toISOString(),
        end: new Date(Date.parse("2026-12-06T16:00:00Z") + (i % 150) * 3_600_000).toISOString(),
      }));
    w.fakes.setShifts(w.ids.companyId, many);
    await w.publish();
    const [run] = await w.settle();
    assert.equal(run.state, "succeeded", String(run.error));
    assert.equal((await w.stored()).length, 450);
    const pages = shiftRequests(w);
    assert.equal(pages.length, 3, "200 + 200 + 50");
    assert.deepEqual(pages.map((p) => p.items), [200, 200, 50]);
    assert.ok(!pages[0].query.cursor && pages[1].query.cursor && pages[2].query.cursor);

    // Ten gone from the first page and ten from the last: only they leave, once the whole range
    // was seen (a replace per page would count the other pages' shifts as missing).
    const kept = many.slice(10, 440);
    w.fakes.setShifts(w.ids.companyId, kept);
    await w.publish();
    const runs = await w.settle();
    const last = runs[runs.length - 1];
    assert.equal(last.state, "succeeded", String(last.error));
    const r = last.schedule as Record<string, number>;
    assert.deepEqual([r.inserted, r.unchanged, r.missingRemoved], [0, 430, 20]);
    assert.deepEqual(
      (await w.stored()).map((s) => s.n),
      kept.map((s) => Number(s.id) - w.idBase),
    );
  });
});

Deno.test("shifts: an older pull never overwrites a newer one, nor brings back what a newer one removed", async () => {
  await withWorld(async (w) => {
    const { sql, ids } = w;
    const range = ["2026-12-06T05:00:00Z", "2026-12-13T05:00:00Z"];
    const norm = (n: number, modified: string, changes: RawShift = {}) => ({
      shiftId: w.idBase + n,
      companyId: ids.companyId,
      locationId: ids.sevenShiftsLocationId,
      userId: 500 + n,
      roleId: 1,
      departmentId: 1,
      startsAt: "2026-12-07T14:00:00.000Z",
      endsAt: "2026-12-07T22:00:00.000Z",
      hourlyWageCents: 1800,
      published: true,
      deleted: false,
      modifiedAt: modified,
      ...changes,
    });
    const replace = async (pulledAt: string, shifts: unknown[]) => {
      const [row] = await sql`select pipeline.replace_scheduled_shifts(${ids.companyId},
        ${ids.sevenShiftsLocationId}, ${range[0]}::timestamptz, ${range[1]}::timestamptz,
        (${JSON.stringify(shifts)}::text)::jsonb, '[]'::jsonb, ${pulledAt}::timestamptz) as r`;
      return row.r as Record<string, number>;
    };
    const m0 = "2026-12-01T08:00:00.000Z";
    const m1 = "2026-12-01T09:00:00.000Z";
    const m2 = "2026-12-01T10:00:00.000Z";
    // t0: V stored.
    await replace("2026-12-01T08:05:00Z", [norm(5, m0)]);
    // t2: X and Y at their newest, W deleted, V no longer returned.
    const newer = await replace("2026-12-01T10:05:00Z", [
      norm(1, m2),
      norm(2, m2),
      norm(3, m2, { deleted: true }),
    ]);
    assert.deepEqual([newer.inserted, newer.absent, newer.missingRemoved], [2, 1, 1]);
    // t1 < t2, finishing last: X older, W and V still live as it saw them, Y not returned.
    const older = await replace("2026-12-01T09:05:00Z", [
      norm(1, m1, { endsAt: "2026-12-07T20:00:00.000Z" }),
      norm(3, m1),
      norm(5, m0),
    ]);
    assert.deepEqual([older.stale, older.inserted, older.missingRemoved], [3, 0, 0]);
    const stored = await w.stored();
    assert.deepEqual(stored.map((s) => [s.n, s.endsAt, s.modifiedAt]), [
      [1, "2026-12-07T22:00:00.000Z", m2],
      [2, "2026-12-07T22:00:00.000Z", m2],
    ]);
    // Even a newer pull does not take an older version of a shift.
    const late = await replace("2026-12-01T11:05:00Z", [norm(1, m1), norm(2, m2)]);
    assert.deepEqual([late.stale, late.unchanged], [1, 1]);
    assert.equal((await w.stored())[0].modifiedAt, m2);
  });
});

Deno.test("shifts: a bad schedule.published is refused with 400 naming the field and stores nothing; a bad shift is recorded by the run and removes nothing", async () => {
  await withWorld(async (w) => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ location_id: "4569" }, "location_id"],
      [{ location_id: undefined }, "location_id"],
      [{ start: "next monday" }, "start"],
      [{ end: "2026-12-01T00:00:00+00:00" }, "end"],
      [{ end: "2027-03-01T00:00:00+00:00" }, "end"],
      [{ department_ids: ["kitchen"] }, "department_ids.0"],
    ];
    for (const [changes, field] of cases) {
      const body = w.publishedBody(changes);
      const res = await w.publish(body);
      assert.equal(res.status, 400, body);
      const fields = (res.json.error as { fields: Array<{ path: string }> }).fields;
      assert.ok(fields.some((f) => f.path === field), `${field}: ${JSON.stringify(fields)}`);
      const [{ n }] = await w.sql`select count(*)::int as n from public.inbound_events
        where raw_body = ${body}`;
      assert.equal(n, 0, "nothing recorded");
    }
    const [{ runs }] = await w.sql`select count(*)::int as runs from public.sync_runs
      where location_id = ${w.locationId}`;
    assert.equal(runs, 0, "nothing pulled");

    w.fakes.setShifts(w.ids.companyId, w.week());
    await w.publish();
    await w.settle();
    // Shift 1 comes back broken (ends before it starts), shift 3 without a modified time.
    const week = w.week().map((s) =>
      s.id === w.idBase + 1
        ? { ...s, end: "2026-12-07T13:00:00Z", modified: "2026-12-03T10:00:00Z" }
        : s.id === w.idBase + 3
        ? { ...s, modified: undefined }
        : s
    );
    w.fakes.setShifts(w.ids.companyId, week);
    await w.publish();
    const runs2 = await w.settle();
    const last = runs2[runs2.length - 1];
    assert.equal(last.state, "succeeded");
    assert.equal(last.rows_invalid, 2);
    const problems = last.problems as Array<{ id: string; path: string }>;
    assert.deepEqual(
      problems.map((p) => [Number(p.id) - w.idBase, p.path]),
      [[1, "api.shifts:end"], [3, "api.shifts:modified"]],
    );
    assert.deepEqual(await w.stored(), WEEK_STORED, "the stored versions stay");
  });
});

Deno.test("shifts: a schedule of an unmapped location is held, not stored, and pulled once the location is mapped", async () => {
  await withWorld(async (w) => {
    w.fakes.setShifts(w.ids.companyId, w.week());
    const body = w.publishedBody();
    const res = await w.publish(body);
    assert.equal(res.status, 202, JSON.stringify(res.json));
    assert.equal(res.json.outcome, "unmapped");
    const [r] = await w.sql`select pipeline.replace_scheduled_shifts(${w.ids.companyId},
      ${w.ids.sevenShiftsLocationId}, '2026-12-06T05:00:00Z', '2026-12-13T05:00:00Z',
      (${
      JSON.stringify([{
        shiftId: w.idBase + 1,
        companyId: w.ids.companyId,
        locationId: w.ids.sevenShiftsLocationId,
        startsAt: "2026-12-07T14:00:00Z",
        endsAt: "2026-12-07T22:00:00Z",
        hourlyWageCents: 1800,
        published: true,
        deleted: false,
        modifiedAt: "2026-12-01T10:00:00Z",
      }])
    }::text)::jsonb) as r`;
    assert.deepEqual([r.r.unmapped, r.r.inserted, r.r.ignored], [true, 0, 1]);
    const [{ n }] = await w.sql`select count(*)::int as n from public.scheduled_shifts
      where sevenshifts_location_id = ${w.ids.sevenShiftsLocationId}`;
    assert.equal(n, 0, "nothing stored for an unmapped location");
    assert.equal(shiftRequests(w).length, 0, "nothing pulled");

    await w.map();
    const [run] = await w.settle();
    assert.equal(run.state, "succeeded", String(run.error));
    assert.deepEqual(await w.stored(), WEEK_STORED);
    const [event] = await w.sql`select outcome from public.inbound_events
      where raw_body = ${body}`;
    assert.equal(event.outcome, "applied");
  }, { mapped: false });
});

Deno.test("shifts: the hourly sync refreshes the current and next business day of each location with a 7shifts connection", async () => {
  await withWorld(async (w) => {
    const [day] = await w.sql`select
        pipeline.business_day_start(d, 'America/New_York', 4::smallint) as today,
        pipeline.business_day_start(d + 2, 'America/New_York', 4::smallint) as after
      from (select pipeline.business_date_of(now(), 'America/New_York', 4::smallint) as d) as x`;
    const at = (hours: number) => new Date(day.today.getTime() + hours * 3_600_000).toISOString();
    const shift = (n: number, hours: number) =>
      w.shift(n, { start: at(hours), end: at(hours + 4), modified: "2026-11-01T00:00:00Z" });
    // Yesterday, today, tomorrow, the day after (each 11:00 after the 04:00 start).
    w.fakes.setShifts(w.ids.companyId, [shift(1, -13), shift(2, 11), shift(3, 35), shift(4, 59)]);
    const before = await w.sql`select coalesce(max(id), 0) as id from public.sync_runs`;
    await w.sql`select pipeline.schedule_syncs()`;
    const runs = await w.sql`select id, kind, shifts_from, shifts_to,
        extract(hour from requested_at at time zone 'America/New_York') as hour
      from public.sync_runs
      where location_id = ${w.locationId} and id > ${before[0].id} order by id`;
    // The job's own run is the nightly one during the location's nightly hour (05:00 in New
    // York), hourly otherwise (tests/sync/schedule_test.ts pins which, on a set clock).
    assert.deepEqual(runs.map((r) => r.kind), [
      Number(runs[0]?.hour) === 5 ? "nightly" : "hourly",
      "schedule",
    ]);
    const schedule = runs[1];
    assert.deepEqual(
      [schedule.shifts_from.toISOString(), schedule.shifts_to.toISOString()],
      [day.today.toISOString(), day.after.toISOString()],
    );
    const done = await waitForRuns(w.sql, runs.map((r) => Number(r.id)));
    assert.ok(done.every((r) => r.state === "succeeded"), JSON.stringify(done.map((r) => r.error)));
    assert.deepEqual((await w.stored()).map((s) => s.n), [2, 3], "today and tomorrow");
  });
});

Deno.test("shifts: a schedule of a company without a 7shifts connection is logged and answered 202: nothing to pull with", async () => {
  const env = testEnv();
  const sql = testDb();
  try {
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    const body = JSON.stringify({
      company_id: ids.companyId,
      location_id: ids.sevenShiftsLocationId,
      department_ids: [],
      start: "2026-12-06T00:00:00+00:00",
      end: "2026-12-12T00:00:00+00:00",
    });
    // No connection serves the company: its HMAC is keyed with SEVENSHIFTS_GRANT_GUID.
    const res = await deliverPunch(
      env.functionsUrl,
      env.sevenShiftsGrantGuid,
      body,
      "schedule.published",
    );
    assert.equal(res.status, 202, JSON.stringify(res.json));
    assert.equal(res.json.outcome, "ignored");
    const [{ n }] = await sql`select count(*)::int as n from public.sync_runs
      where location_id = ${locationId}`;
    assert.equal(n, 0);
    const [event] = await sql`select outcome from public.inbound_events where raw_body = ${body}`;
    assert.equal(event.outcome, "ignored");
  } finally {
    await sql.end();
  }
});
