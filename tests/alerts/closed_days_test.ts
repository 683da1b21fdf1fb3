/**
 * Alerts of days that are over (issue 15, item 4): a replay or a backfill of a closed day never
 * alerts on its intermediate states; its final figures are judged once they have settled
 * (pipeline.judge_closed_days), with at most one notice per closed day. Every write and every
 * verdict runs at an injected clock (`pipeline.now`), on a business day of its own, so the
 * real time of the run (a cut-off crossed mid-test) changes nothing.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { testDb } from "../_support/env.ts";

/** The business day under test (America/Chicago, cut-off 04:00) and the clocks around it. */
const DAY = "2031-03-12";
const NEXT_DAY = "2031-03-13";
/** 8 pm on DAY: the day is live. */
const EVENING = "2031-03-12T20:00:00-05:00";
/** 10 am the next morning: DAY is closed, the previous business day. */
const NEXT_MORNING = "2031-03-13T10:00:00-05:00";
/** A week later: DAY is old history. */
const WEEK_LATER = "2031-03-19T10:00:00-05:00";

let sql: postgres.Sql;

function closedDayTest(name: string, fn: () => Promise<void>) {
  Deno.test(name, async () => {
    sql = testDb();
    try {
      await fn();
    } finally {
      await sql.end();
    }
  });
}

async function newLocation(): Promise<number> {
  const [row] = await sql`
    insert into public.locations ${
    sql({
      name: `Closed days ${crypto.randomUUID().slice(0, 8)}`,
      time_zone: "America/Chicago",
      toast_restaurant_guid: crypto.randomUUID(),
    })
  }
    returning id::int`;
  return row.id;
}

/**
 * Sets a day's net sales and labor cost at clock `at`, in one transaction (one recompute, one
 * evaluation): one order of `salesCents`, one closed one-hour punch costing `laborCents`;
 * `key` picks other rows (late data adds rows).
 */
async function writeDay(
  locationId: number,
  at: string,
  figures: { salesCents?: number; laborCents?: number; key?: string; day?: string },
) {
  const day = figures.day ?? DAY;
  const key = `${locationId}/${day}/${figures.key ?? "main"}`;
  const order = await sql`select (md5(${key})::uuid)::text as guid,
    ('x' || substr(md5(${key}), 1, 11))::bit(44)::bigint + 1 as punch`;
  await sql.begin(async (tx) => {
    await tx`select set_config('pipeline.now', ${at}, true)`;
    if (figures.salesCents !== undefined) {
      await tx`
        insert into public.orders (toast_order_guid, location_id, business_date, net_sales_cents,
          gross_sales_cents, discount_cents, tax_cents, tip_cents, gratuity_cents, deferred_cents,
          check_count, voided, deleted, excess_food, vendor_modified_at, version_hash)
        values (${order[0].guid}, ${locationId}, ${day}, ${figures.salesCents},
          ${figures.salesCents}, 0, 0, 0, 0, 0, 1, false, false, false, now(), 'closed-days')
        on conflict (toast_order_guid) do update
          set net_sales_cents = excluded.net_sales_cents, updated_at = now()`;
    }
    if (figures.laborCents !== undefined) {
      await tx`
        insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
          sevenshifts_location_id, clocked_in_at, clocked_out_at, business_date,
          unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
          vendor_modified_at, version_hash)
        values (${order[0].punch}, ${locationId}, 1, 1, ${day}::date + time '09:00',
          ${day}::date + time '10:00', ${day}, 0, 3600, ${figures.laborCents}, true, false,
          now(), 'closed-days')
        on conflict (sevenshifts_punch_id) do update
          set hourly_wage_cents = excluded.hourly_wage_cents, updated_at = now()`;
    }
  });
}

/** pg_cron's job, at clock `at`, for this location only; `quietSeconds` 0: settled now. */
async function judge(locationId: number, at: string, quietSeconds = 0): Promise<number> {
  return await sql.begin(async (tx) => {
    await tx`select set_config('pipeline.now', ${at}, true)`;
    const [{ n }] = await tx`
      select pipeline.judge_closed_days(${quietSeconds}, ${locationId}) as n`;
    return n as number;
  });
}

async function alertsOf(locationId: number) {
  return [
    ...await sql`
      select from_state || '→' || kind as transition, business_date::text as day,
        labor_pct_bp::int as pct, recovery_threshold_bp::int as recovery_line,
        to_char(metrics_as_of at time zone 'America/Chicago', 'YYYY-MM-DD HH24:MI') as as_of
      from public.alerts where location_id = ${locationId} order by id`,
  ];
}

const transitions = (rows: Array<Record<string, unknown>>) => rows.map((r) => r.transition);

closedDayTest(
  "closed days: replaying a day that is over alerts on none of its intermediate states; its settled final figures raise one notice",
  async () => {
    const loc = await newLocation();
    // A replay of DAY the next morning, in the order its data arrives: labor 220 % with the
    // morning's sales in, critical, over, on target, over again... none of it is news.
    for (
      const [salesCents, laborCents] of [
        [60_000, 132_000],
        [100_000, 132_000],
        [400_000, 132_000],
        [400_000, 104_000],
        [500_000, 104_000],
        [500_000, 135_000],
      ]
    ) {
      await writeDay(loc, NEXT_MORNING, { salesCents, laborCents });
    }
    assert.deepEqual(await alertsOf(loc), [], "no alert while the replay runs");
    // The job waits until the figures have been still for its quiet period.
    assert.equal(await judge(loc, NEXT_MORNING, 600), 0);
    assert.deepEqual(await alertsOf(loc), []);
    // Settled at 27.00 %: one notice, with the closed-day line (the target itself).
    assert.equal(await judge(loc, NEXT_MORNING), 1);
    assert.deepEqual(await alertsOf(loc), [{
      transition: "ok→over",
      day: DAY,
      pct: 2700,
      recovery_line: 2500,
      as_of: "2031-03-13 10:00",
    }]);
    // Judged: nothing more, even asked again...
    assert.equal(await judge(loc, NEXT_MORNING), 0);
    // ...and later corrections are judged, but a closed day gets one notice at most.
    await writeDay(loc, NEXT_MORNING, { laborCents: 170_000 }); // 34 %: critical
    await writeDay(loc, NEXT_MORNING, { laborCents: 110_000 }); // 22 %: under target
    assert.equal(await judge(loc, NEXT_MORNING), 0);
    assert.deepEqual(transitions(await alertsOf(loc)), ["ok→over"]);

    // The replay of a day that ends under target (19.51 %) sends nothing at all, however high
    // its morning ran.
    const healthy = await newLocation();
    await writeDay(healthy, NEXT_MORNING, { salesCents: 60_000, laborCents: 132_000 });
    await writeDay(healthy, NEXT_MORNING, { salesCents: 676_578 });
    assert.equal(await judge(healthy, NEXT_MORNING), 0);
    assert.deepEqual(await alertsOf(healthy), []);
  },
);

closedDayTest(
  "closed days: a live episode gets one closing notice: recovered when late data brings the day under target, nothing more after",
  async () => {
    const loc = await newLocation();
    await writeDay(loc, EVENING, { salesCents: 100_000, laborCents: 26_000 }); // live: over
    assert.deepEqual(transitions(await alertsOf(loc)), ["ok→over"]);
    // A late order the next morning: 24.76 %, under target, inside the live hysteresis band.
    // Nothing at ingest; the verdict on the settled day is a recovery (closed-day line).
    await writeDay(loc, NEXT_MORNING, { salesCents: 5_000, key: "late order" });
    assert.deepEqual(transitions(await alertsOf(loc)), ["ok→over"]);
    assert.equal(await judge(loc, NEXT_MORNING), 1);
    const rows = await alertsOf(loc);
    assert.deepEqual(transitions(rows), ["ok→over", "over→recovered"]);
    assert.equal(rows[1].pct, 2476);
    assert.equal(rows[1].recovery_line, 2500);
    assert.equal(rows[1].day, DAY);
    // Late data hovering around the target, even past target + hysteresis: silence.
    for (const laborCents of [26_800, 25_100, 27_500, 24_000]) {
      await writeDay(loc, NEXT_MORNING, { laborCents });
      assert.equal(await judge(loc, NEXT_MORNING), 0);
    }
    assert.deepEqual(transitions(await alertsOf(loc)), ["ok→over", "over→recovered"]);

    // The same figures on a live day stay "over": the band stops flapping while it is open.
    const open = await newLocation();
    await writeDay(open, EVENING, { salesCents: 100_000, laborCents: 26_000 });
    await writeDay(open, EVENING, { salesCents: 5_000, key: "late order" });
    assert.equal(await judge(open, EVENING), 0, "a live day is not judged");
    assert.deepEqual(transitions(await alertsOf(open)), ["ok→over"]);
  },
);

closedDayTest(
  "closed days: an episode that ends as it was sends nothing; one that ends worse escalates once; old history opens nothing",
  async () => {
    // Over when the day closed, still over once settled: the team already knows.
    const same = await newLocation();
    await writeDay(same, EVENING, { salesCents: 100_000, laborCents: 27_000 });
    assert.equal(await judge(same, NEXT_MORNING), 0);
    assert.deepEqual(transitions(await alertsOf(same)), ["ok→over"]);

    // Over when it closed, critical once the late punches are in: one escalation.
    const worse = await newLocation();
    await writeDay(worse, EVENING, { salesCents: 100_000, laborCents: 27_000 });
    await writeDay(worse, NEXT_MORNING, { laborCents: 9_000, key: "late punch" }); // 36 %
    assert.equal(await judge(worse, NEXT_MORNING), 1);
    assert.deepEqual(transitions(await alertsOf(worse)), ["ok→over", "over→critical"]);

    // A backfill of a week-old day opens no episode, however far over it ends.
    const old = await newLocation();
    await writeDay(old, WEEK_LATER, { salesCents: 100_000, laborCents: 40_000 });
    assert.equal(await judge(old, WEEK_LATER), 0);
    assert.deepEqual(await alertsOf(old), []);
    // An episode still open on an old day gets its closing notice when it ends under target.
    const stale = await newLocation();
    await writeDay(stale, EVENING, { salesCents: 100_000, laborCents: 27_000 });
    await writeDay(stale, WEEK_LATER, { salesCents: 50_000, key: "found receipts" });
    assert.equal(await judge(stale, WEEK_LATER), 1);
    assert.deepEqual(transitions(await alertsOf(stale)), ["ok→over", "over→recovered"]);
    // The next day, still live at NEXT_MORNING, is never judged early.
    await writeDay(stale, NEXT_MORNING, { salesCents: 100_000, laborCents: 40_000, day: NEXT_DAY });
    assert.deepEqual(transitions(await alertsOf(stale)), [
      "ok→over",
      "over→recovered",
      "ok→critical",
    ]);
  },
);

closedDayTest("closed days: pg_cron judges them every minute", async () => {
  const [job] = await sql`select schedule, command from cron.job
    where jobname = 'alerts-judge-closed-days'`;
  assert.deepEqual({ ...job }, {
    schedule: "* * * * *",
    command: "select pipeline.judge_closed_days()",
  });
});
