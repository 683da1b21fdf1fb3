/**
 * The morning flash and quiet hours on the test stack, with the injected clock
 * (`pipeline.now`): figures written through the real recompute, `pipeline.create_due_flashes`
 * run at chosen instants, and the flashes delivered by the real notifier (through pg_net) to the
 * fake Slack and Discord, which refuse what the real services would (size limits included).
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { eventually, testDb } from "../_support/env.ts";
import {
  type ChannelReceiver,
  describeMessage,
  type ReceivedMessage,
  startChannelReceiver,
} from "../../local/channel_receiver.ts";
import { cronMatches } from "../../local/scheduler.ts";

type Tx = postgres.TransactionSql;

interface Ctx {
  sql: postgres.Sql;
  rx: ChannelReceiver;
  company: number;
  locations: number[];
  unmappedKeys: string[];
}

let nextPunchId = BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000));

function flashTest(name: string, fn: (c: Ctx) => Promise<void>) {
  Deno.test(`morning flash: ${name}`, async () => {
    const c: Ctx = {
      sql: testDb(),
      rx: await startChannelReceiver(),
      company: 5_000_000_000 + Math.floor(Math.random() * 1_000_000_000),
      locations: [],
      unmappedKeys: [],
    };
    try {
      await fn(c);
    } finally {
      await eventually(
        async () => {
          const [{ n }] = await c.sql`select count(*)::int as n from public.alerts
          where location_id = any(${c.locations}) and status in ('pending', 'sending')`;
          return n === 0 ? true : undefined;
        },
        20_000,
        "deliveries to finish",
      ).catch(() => {});
      await c.sql`delete from public.alerts where location_id = any(${c.locations})`;
      await c.sql`delete from public.inbound_events where event_key = any(${c.unmappedKeys})`;
      await c.rx.stop();
      await c.sql.end();
    }
  });
}

async function addLocation(
  c: Ctx,
  name: string,
  timeZone: string,
  channels: { slack?: string; discord?: string },
  settings: Record<string, unknown> = {},
): Promise<number> {
  const [row] = await c.sql`insert into public.locations ${
    c.sql({
      name: `${name} ${c.company}`,
      time_zone: timeZone,
      toast_restaurant_guid: crypto.randomUUID(),
      sevenshifts_company_id: c.company,
      sevenshifts_location_id: c.locations.length + 1,
      slack_webhook_url: channels.slack ?? null,
      discord_webhook_url: channels.discord ?? null,
      ...settings,
    })
  } returning id::int`;
  c.locations.push(row.id);
  return row.id;
}

/** Runs `fn` in one transaction at the injected clock, its recompute (and alerts) included. */
async function atClock(c: Ctx, iso: string, fn: (tx: Tx) => Promise<unknown>): Promise<void> {
  await c.sql.begin(async (tx) => {
    await tx`select set_config('pipeline.now', ${iso}, true)`;
    await fn(tx);
    await tx`set constraints all immediate`;
  });
}

function addOrder(tx: Tx, locationId: number, day: string, cents: number) {
  return tx`insert into public.orders (toast_order_guid, location_id, business_date,
      net_sales_cents, gross_sales_cents, discount_cents, tax_cents, tip_cents, gratuity_cents,
      deferred_cents, check_count, voided, deleted, excess_food, vendor_modified_at,
      version_hash)
    values (${crypto.randomUUID()}, ${locationId}, ${day}, ${cents}, ${cents}, 0, 0, 0, 0, 0, 1,
      false, false, false, now(), 'flash test')`;
}

/** A punch: user, clocked in, clocked out (ISO instants), wage in cents an hour. */
type Punch = [userId: number, inAt: string, outAt: string, wageCents: number];

/** Closed punches of one location and business day. */
async function addPunches(c: Ctx, tx: Tx, locationId: number, day: string, punches: Punch[]) {
  for (const [userId, inAt, outAt, wageCents] of punches) {
    await tx`insert into public.punches (sevenshifts_punch_id, location_id,
        sevenshifts_company_id, sevenshifts_location_id, user_id, clocked_in_at, clocked_out_at,
        business_date, unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
        vendor_modified_at, version_hash)
      values (${(nextPunchId++).toString()}, ${locationId}, ${c.company}, 1, ${userId}, ${inAt},
        ${outAt}, ${day}, 0, ${(Date.parse(outAt) - Date.parse(inAt)) / 1000}, ${wageCents},
        true, false, now(), 'flash test')`;
  }
}

/** Runs the job at `iso` for this test's channels; returns how many flashes it created. */
async function runFlashes(c: Ctx, iso: string): Promise<number> {
  return await c.sql.begin(async (tx) => {
    await tx`select set_config('pipeline.now', ${iso}, true)`;
    const [{ n }] = await tx`select pipeline.create_due_flashes(${c.locations}::bigint[]) as n`;
    return n as number;
  });
}

interface FlashRow {
  id: number;
  location_id: number;
  business_date: string;
  status: string;
  target_channels: string[];
  delivered_channels: string[];
  details: Record<string, unknown>;
}

async function flashRows(c: Ctx): Promise<FlashRow[]> {
  return (await c.sql`select id::int, location_id::int, business_date::text, status,
      target_channels, delivered_channels, details
    from public.alerts where kind = 'flash' and location_id = any(${c.locations})
    order by id`) as unknown as FlashRow[];
}

/** The flash messages a fake channel received, as a person reads them. */
function flashMessages(rx: ChannelReceiver, service: "slack" | "discord"): string[] {
  return rx.messages(service).map((m: ReceivedMessage) => describeMessage(m)).filter((t) =>
    t.includes("Morning flash")
  );
}

/**
 * A sync notice (a non-critical alert) of `locationId` for business day `day`, inserted at the
 * injected clock `iso`; `details` adds to its facts. Its id and the status it got.
 */
async function addNotice(
  c: Ctx,
  locationId: number,
  iso: string,
  day: string,
  details: Record<string, unknown> = {},
): Promise<{ id: number; status: string }> {
  return await c.sql.begin(async (tx) => {
    await tx`select set_config('pipeline.now', ${iso}, true)`;
    const [r] = await tx`insert into public.alerts (location_id, business_date, kind,
        from_state, location_name, time_zone, labor_pct_bp, labor_target_bp,
        critical_threshold_bp, recovery_threshold_bp, net_sales_cents, labor_cost_cents,
        paid_labor_seconds, order_count, punch_count, open_punch_count, metrics_as_of, details)
      select l.id, ${day}, 'sync', 'ok', l.name, l.time_zone, null, 2500, 3000, 2400, 0, 0, 0,
        0, 0, 0, now(), ${
      c.sql.json({
        runId: 1,
        runKind: "hourly",
        ordersMissed: 1,
        punchesMissed: 0,
        breakEditsMissed: 0,
        todayBusinessDate: day,
        days: [],
        ...details,
      })
    }
      from public.locations as l where l.id = ${locationId}
      returning id::int, status`;
    return r as { id: number; status: string };
  });
}

/** A notice's moved day, so that it renders on Discord (an embed needs a description). */
const movedDay = (day: string) => ({
  days: [{
    businessDate: day,
    before: { laborPctBp: 2400, netSalesCents: 100000, laborCostCents: 24000 },
    after: { laborPctBp: 2600, netSalesCents: 100000, laborCostCents: 26000 },
  }],
});

const alertStatus = async (c: Ctx, id: number) =>
  (await c.sql`select status from public.alerts where id = ${id}`)[0].status as string;

/**
 * Waits until an alert (by id, or a location's latest of a kind) has `status`: deliveries go
 * through pg_net and the notifier on their own.
 */
const untilAlertStatus = (
  c: Ctx,
  alert: { id: number } | { locationId: number; kind: string },
  status: string,
  what: string,
) =>
  eventually(
    async () => {
      const [a] = "id" in alert
        ? await c.sql`select status from public.alerts where id = ${alert.id}`
        : await c.sql`select status from public.alerts
          where location_id = ${alert.locationId} and kind = ${alert.kind}
          order by id desc limit 1`;
      return a?.status === status ? true : undefined;
    },
    20_000,
    what,
  );

const delivered = (c: Ctx, count: number) =>
  eventually(
    async () => {
      const rows = await flashRows(c);
      return rows.length === count && rows.every((r) => r.status === "sent") ? rows : undefined;
    },
    20_000,
    `${count} flashes to be delivered`,
  );

flashTest(
  "New York, Los Angeles and Sydney on one Slack channel hear about the same business day at 7 AM Los Angeles, a Discord channel sharing two of them at 7 AM New York; the figures are the hand-worked ones; once per channel",
  async (c) => {
    const slack = c.rx.slackWebhookUrl("ops");
    const discord = c.rx.discordWebhookUrl("owners");
    const ny = await addLocation(c, "Harbor NY", "America/New_York", { slack, discord });
    const la = await addLocation(c, "Sunset LA", "America/Los_Angeles", { slack });
    const syd = await addLocation(c, "Bondi", "Australia/Sydney", { slack, discord });
    const nySales = await addLocation(c, "Midtown", "America/New_York", { discord });
    await c.sql`insert into public.staff (sevenshifts_company_id, user_id, first_name, last_name,
    vendor_modified_at) values (${c.company}, 101, 'A', 'A', now()),
      (${c.company}, 102, 'B', 'B', now()), (${c.company}, 301, 'C', 'C', now())`;

    // New York's week (Monday Mar 2, no company settings): user 101 works 9.5 h Monday to
    // Thursday (38 h at $20: $760), user 102 4 h on Friday at $25 ($100) with $800 of sales.
    await atClock(c, "2026-03-07T12:00:00Z", async (tx) => {
      for (const day of ["02", "03", "04", "05"]) {
        const d = `2026-03-${day}`;
        await addPunches(c, tx, ny, d, [[101, `${d}T14:00:00Z`, `${d}T23:30:00Z`, 2000]]);
      }
      await addPunches(c, tx, ny, "2026-03-06", [
        [102, "2026-03-06T15:00:00Z", "2026-03-06T19:00:00Z", 2500],
      ]);
      await addOrder(tx, ny, "2026-03-06", 80000);
    });
    // Sunday Mar 8 (New York springs forward at 2 AM), written while the day is open at 7 PM:
    // 101 works 8 h (the last 6 past 40 h: $160 + $60 premium), 102 6 h at $25 ($150); $1,000 of
    // sales. Labor $370.00 = 37.00 % (critical: one live alert). SPLH $1,000 / 14 h = $71.43.
    await atClock(c, "2026-03-08T23:00:00Z", async (tx) => {
      await addPunches(c, tx, ny, "2026-03-08", [
        [101, "2026-03-08T14:00:00Z", "2026-03-08T22:00:00Z", 2000],
        [102, "2026-03-08T16:00:00Z", "2026-03-08T22:00:00Z", 2500],
      ]);
      await addOrder(tx, ny, "2026-03-08", 100000);
      await addOrder(tx, nySales, "2026-03-08", 50000);
    });
    // Los Angeles: $2,000 of sales, 10 h at $20 and 2 h with no wage, staff unknown: 10.00 %.
    await atClock(c, "2026-03-09T02:00:00Z", async (tx) => {
      await addPunches(c, tx, la, "2026-03-08", [
        [201, "2026-03-08T15:00:00Z", "2026-03-09T01:00:00Z", 2000],
        [202, "2026-03-08T17:00:00Z", "2026-03-08T19:00:00Z", 0],
      ]);
      await addOrder(tx, la, "2026-03-08", 200000);
    });
    // Sydney: 5 h at $20 and no sales.
    await atClock(c, "2026-03-08T05:00:00Z", (tx) =>
      addPunches(c, tx, syd, "2026-03-08", [
        [301, "2026-03-07T23:00:00Z", "2026-03-08T04:00:00Z", 2000],
      ]));
    // A sync notice that listed New York's Sunday, and a 7shifts delivery held unmapped.
    await c.sql`insert into public.alerts (location_id, business_date, kind, from_state,
      location_name, time_zone, labor_pct_bp, labor_target_bp, critical_threshold_bp,
      recovery_threshold_bp, net_sales_cents, labor_cost_cents, paid_labor_seconds, order_count,
      punch_count, open_punch_count, metrics_as_of, details)
    select l.id, '2026-03-08', 'sync', 'critical', l.name, l.time_zone, 3700, 2500, 3000, 2400,
      100000, 37000, 50400, 1, 2, 0, now(), ${
      c.sql.json({
        runId: 1,
        runKind: "hourly",
        ordersMissed: 2,
        punchesMissed: 0,
        breakEditsMissed: 0,
        todayBusinessDate: "2026-03-08",
        days: [{
          businessDate: "2026-03-08",
          before: { laborPctBp: 3500, netSalesCents: 90000, laborCostCents: 31500 },
          after: { laborPctBp: 3700, netSalesCents: 100000, laborCostCents: 37000 },
        }],
      })
    }
    from public.locations l where l.id = ${ny}`;
    // What the syncs corrected of New York's Sunday (what the flash reports; the notice above
    // only counts as one that listed the day).
    await c.sql`insert into pipeline.sync_day_corrections (location_id, business_date,
      orders_missed, labor_pct_bp_before, labor_pct_bp_after)
    values (${ny}, '2026-03-08', 2, 3500, 3700)`;
    const key = `flash-test-${crypto.randomUUID()}`;
    c.unmappedKeys.push(key);
    await c.sql`insert into public.inbound_events (source, event_key, topic,
      external_location_key, outcome, raw_body)
    values ('7shifts', ${key}, 'time_punch.created', ${`${c.company}:999`}, 'unmapped', '{}')`;

    // Discord serves New York (twice) and Sydney: due at 7 AM New York, 11:00 UTC (EDT).
    assert.equal(await runFlashes(c, "2026-03-09T10:59:00Z"), 0);
    assert.equal(await runFlashes(c, "2026-03-09T11:00:00Z"), 1);
    assert.equal(await runFlashes(c, "2026-03-09T11:00:30Z"), 0, "once per channel and day");
    // Slack serves Los Angeles too: due at 7 AM Pacific, 14:00 UTC.
    assert.equal(await runFlashes(c, "2026-03-09T13:59:00Z"), 0);
    assert.equal(await runFlashes(c, "2026-03-09T14:00:00Z"), 1);
    assert.equal(await runFlashes(c, "2026-03-09T14:30:00Z"), 0);
    assert.equal(await runFlashes(c, "2026-03-10T09:00:00Z"), 0, "no second flash the next day");

    const [toDiscord, toSlack] = await delivered(c, 2);
    assert.deepEqual(
      [toDiscord.target_channels, toDiscord.delivered_channels, toDiscord.business_date],
      [["discord"], ["discord"], "2026-03-08"],
    );
    assert.deepEqual(
      [toSlack.target_channels, toSlack.delivered_channels, toSlack.location_id],
      [["slack"], ["slack"], ny],
    );
    const d = toSlack.details as {
      locations: Array<Record<string, unknown>>;
      totals: unknown;
      unmappedEvents: { sevenshifts: number };
    };
    assert.deepEqual(d.locations.map((l) => l.locationId), [ny, la, syd]);
    assert.deepEqual(d.totals, {
      netSalesCents: 300000,
      laborCostCents: 67000,
      laborPctBp: 2233,
      splhCents: 9677, // $3,000 over 14 + 12 + 5 = 31 paid hours
    });
    const [nyFacts, laFacts, sydFacts] = d.locations;
    assert.deepEqual(nyFacts.day, {
      netSalesCents: 100000,
      laborCostCents: 37000,
      overtimePremiumCents: 6000,
      overtimeMinutes: 360,
      paidLaborSeconds: 50400,
      laborPctBp: 3700,
      splhCents: 7143,
      orderCount: 1,
      punchCount: 2,
    });
    assert.deepEqual(nyFacts.alerts, { critical: 1 });
    assert.equal(nyFacts.alertsNotDelivered, 0);
    assert.deepEqual(nyFacts.week, {
      startDate: "2026-03-02",
      days: 6,
      netSalesCents: 180000,
      laborCostCents: 123000,
      laborPctBp: 6833,
    });
    assert.deepEqual(nyFacts.syncCorrections, {
      notices: 1,
      ordersMissed: 2,
      punchesMissed: 0,
      breakEditsMissed: 0,
      laborPctBpBefore: 3500,
      laborPctBpAfter: 3700,
    });
    assert.deepEqual(nyFacts.dataQuality, {
      punchesWithoutWage: 0,
      unknownStaff: 0,
      punchesNoSales: false,
      salesNoPunches: false,
    });
    assert.deepEqual(laFacts.dataQuality, {
      punchesWithoutWage: 1,
      unknownStaff: 2,
      punchesNoSales: false,
      salesNoPunches: false,
    });
    assert.equal((sydFacts.dataQuality as { punchesNoSales: boolean }).punchesNoSales, true);
    assert.ok(d.unmappedEvents.sevenshifts >= 1);

    const [slackText] = flashMessages(c.rx, "slack");
    assert.ok(slackText, "the Slack flash arrived");
    for (
      const line of [
        "Morning flash · Sun, Mar 8, 2026 · 3 locations, labor 22.33%",
        "3 locations: net sales $3,000.00 · labor cost $670.00 · labor 22.33%",
        `1. Sunset LA ${c.company} 10.00% (-15.00 pts)`,
        `2. Harbor NY ${c.company} 37.00% (+12.00 pts)`,
        "Labor 37.00% (target 25.00%, +12.00 pts)",
        "Net sales $1,000.00 · labor cost $370.00 (incl. $60.00 overtime) · SPLH $71.43 · " +
        "overtime 6.0 h",
        "Alerts: 1 critical",
        "Sync corrected 2 orders (labor 35.00% → 37.00%)",
        "Week to date (from Mon, Mar 2): net sales $1,800.00 · labor $1,230.00 · 68.33%",
        "⚠️ Data: 1 punch without a wage",
        "⚠️ Data: 2 employees unknown to the pipeline",
        "⚠️ Data: punches but no sales",
      ]
    ) assert.ok(slackText.includes(line), `${line}\n--- in ---\n${slackText}`);
    assert.match(slackText, /⚠️ Data: (\d+ Toast and )?\d+ 7shifts events? held for unmapped/);
    const [discordText] = flashMessages(c.rx, "discord");
    assert.ok(discordText.includes("[slate bar]"), discordText);
    assert.ok(discordText.includes("⚠️ Data: sales but no punches"), discordText);
    assert.ok(!discordText.includes("Sunset LA"), "Los Angeles is not on the Discord channel");
    assert.equal(flashMessages(c.rx, "slack").length, 1);
    assert.equal(flashMessages(c.rx, "discord").length, 1);
  },
);

flashTest(
  "a missed morning is sent late, once; a flash more than a day past due never is",
  async (c) => {
    const late = await addLocation(c, "Late", "America/New_York", {
      slack: c.rx.slackWebhookUrl("late"),
    });
    const tooLate = await addLocation(c, "Too late", "America/New_York", {
      slack: c.rx.slackWebhookUrl("too-late"),
    });
    await atClock(c, "2026-03-08T23:00:00Z", async (tx) => {
      await addOrder(tx, late, "2026-03-08", 120000);
      await addOrder(tx, tooLate, "2026-03-08", 90000);
    });
    const only = async (locationId: number, iso: string) =>
      await c.sql.begin(async (tx) => {
        await tx`select set_config('pipeline.now', ${iso}, true)`;
        const [{ n }] = await tx`select pipeline.create_due_flashes(array[${locationId}]::bigint[])
        as n`;
        return n as number;
      });
    // Due Mon 7 AM EDT (11:00 UTC); the job first runs 23 h 59 min later, twice at the same
    // moment (an overlapping run): sent then, once.
    const both = await Promise.all([
      only(late, "2026-03-10T10:59:00Z"),
      only(late, "2026-03-10T10:59:00Z"),
    ]);
    assert.deepEqual(both.sort(), [0, 1]);
    assert.equal(await only(late, "2026-03-10T10:59:30Z"), 0);
    // The other channel's job first runs a day and a minute after its flash was due: by then
    // Monday's flash is the one due (and Monday has nothing to say), Sunday's is never sent.
    assert.equal(await only(tooLate, "2026-03-10T11:01:00Z"), 0);
    assert.equal(await only(tooLate, "2026-03-11T11:00:00Z"), 0);
    const rows = await delivered(c, 1);
    assert.deepEqual([rows[0].location_id, rows[0].business_date], [late, "2026-03-08"]);
  },
);

const emptyDay = {
  netSalesCents: 0,
  laborCostCents: 0,
  overtimePremiumCents: 0,
  overtimeMinutes: 0,
  paidLaborSeconds: 0,
  laborPctBp: 0,
  splhCents: null,
  orderCount: 1,
  punchCount: 0,
};

flashTest(
  "on the DST days in New York the flash comes at 7 AM local and is about the right yesterday",
  async (c) => {
    const ny = await addLocation(c, "Clockwork", "America/New_York", {
      slack: c.rx.slackWebhookUrl("dst"),
    });
    // Saturday Mar 7 and Sunday Mar 8 (clocks forward at 2 AM), Saturday Oct 31 and Sunday Nov 1
    // (clocks back at 2 AM: a 25-hour day).
    for (
      const [clock, day, cents] of [
        ["2026-03-07T23:00:00Z", "2026-03-07", 70000],
        ["2026-03-08T23:00:00Z", "2026-03-08", 80000],
        ["2026-10-31T23:00:00Z", "2026-10-31", 90000],
        ["2026-11-01T23:00:00Z", "2026-11-01", 110000],
      ] as const
    ) await atClock(c, clock, (tx) => addOrder(tx, ny, day, cents));
    const expectations: Array<[string, number]> = [
      // Sunday Mar 8, 7 AM is already EDT: 11:00 UTC, about Saturday.
      ["2026-03-08T10:59:00Z", 0],
      ["2026-03-08T11:00:00Z", 1],
      // Monday Mar 9, 7 AM EDT, about the short Sunday.
      ["2026-03-09T10:59:00Z", 0],
      ["2026-03-09T11:00:00Z", 1],
      // Sunday Nov 1: 11:00 UTC is 6 AM EST (7 AM EDT would be the wrong hour); 12:00 UTC is 7 AM.
      ["2026-11-01T11:00:00Z", 0],
      ["2026-11-01T11:59:00Z", 0],
      ["2026-11-01T12:00:00Z", 1],
      // Monday Nov 2, 7 AM EST, about the long Sunday.
      ["2026-11-02T11:59:00Z", 0],
      ["2026-11-02T12:00:00Z", 1],
    ];
    for (const [iso, expected] of expectations) {
      assert.equal(await runFlashes(c, iso), expected, `flashes created at ${iso}`);
    }
    const rows = await delivered(c, 4);
    assert.deepEqual(
      rows.map((r) => [r.business_date, (r.details.locations as Array<{ day: unknown }>)[0].day]),
      [
        ["2026-03-07", { netSalesCents: 70000 }],
        ["2026-03-08", { netSalesCents: 80000 }],
        ["2026-10-31", { netSalesCents: 90000 }],
        ["2026-11-01", { netSalesCents: 110000 }],
      ].map(([day, sales]) => [day, { ...emptyDay, ...(sales as object) }]),
    );
  },
);

flashTest(
  "quiet hours 22:00-07:00 hold a non-critical alert into the morning flash while a critical one posts at once",
  async (c) => {
    const q = await addLocation(c, "Night Owl", "America/New_York", {
      slack: c.rx.slackWebhookUrl("quiet"),
      discord: c.rx.discordWebhookUrl("quiet"),
    }, { quiet_hours_start: "22:00", quiet_hours_end: "07:00" });
    // Friday Nov 20, 11:30 PM EST: $1,000 of sales and 10 h at $27: 27.00 %, over target.
    await atClock(c, "2026-11-21T04:30:00Z", async (tx) => {
      await addPunches(c, tx, q, "2026-11-20", [
        [1, "2026-11-20T18:00:00Z", "2026-11-21T04:00:00Z", 2700],
      ]);
      await addOrder(tx, q, "2026-11-20", 100000);
    });
    const [held] = await c.sql`select id::int, kind, status, held_at
    from public.alerts where location_id = ${q}`;
    assert.deepEqual([held.kind, held.status, held.held_at.toISOString()], [
      "over",
      "held",
      "2026-11-21T04:30:00.000Z",
    ]);
    // The notifier never posts it, asked directly.
    const claimed = await c.sql`select pipeline.claim_alert(${held.id}) as a`;
    assert.equal(claimed.length, 0);
    // 12:30 AM: another 2 h at $25: $320.00 = 32.00 %, critical: posted now.
    await atClock(
      c,
      "2026-11-21T05:30:00Z",
      (tx) =>
        addPunches(c, tx, q, "2026-11-20", [
          [2, "2026-11-21T03:30:00Z", "2026-11-21T05:30:00Z", 2500],
        ]),
    );
    await untilAlertStatus(
      c,
      { locationId: q, kind: "critical" },
      "sent",
      "the critical alert to be delivered",
    );
    assert.equal(c.rx.messages("slack").length, 1);
    assert.match(describeMessage(c.rx.messages("slack")[0]), /Labor critical/);
    // 6:59 AM: still quiet; 7 AM: each channel's flash lists the held alert, which is then done.
    assert.equal(await runFlashes(c, "2026-11-21T11:59:00Z"), 0);
    assert.equal(await runFlashes(c, "2026-11-21T12:00:00Z"), 2);
    await delivered(c, 2);
    const [after] = await c.sql`select status, flashed_channels from public.alerts
    where id = ${held.id}`;
    assert.equal(after.status, "flashed");
    assert.deepEqual([...after.flashed_channels].sort(), ["discord", "slack"]);
    for (const service of ["slack", "discord"] as const) {
      const [text] = flashMessages(c.rx, service);
      assert.ok(
        text.includes("While you were closed: 11:30 PM EST ⚠️ Over labor target at 27.00%"),
        text,
      );
      assert.ok(text.includes("Alerts: 1 critical"), text);
    }
    // Nothing else ever went out for the held alert.
    assert.equal(
      c.rx.messages("slack").filter((m) => /Over labor target ·/.test(describeMessage(m))).length,
      0,
    );
  },
);

flashTest(
  "quiet hours 22:00-09:00 with the flash at 7: an alert held after the flash goes out when the quiet hours end, not a day later; one held before it waits for the flash",
  async (c) => {
    const q = await addLocation(c, "Late Riser", "America/New_York", {
      slack: c.rx.slackWebhookUrl("late-riser"),
    }, { quiet_hours_start: "22:00", quiet_hours_end: "09:00" });
    // Saturday Nov 21, 2 AM EST (business day Nov 20, open until 4 AM): a sync notice, held.
    // At 8 AM (the new business day), another: held too, after that morning's 7 AM flash.
    const notice = (iso: string, day: string) => addNotice(c, q, iso, day);
    const night = await notice("2026-11-21T07:00:00Z", "2026-11-20");
    const morning = await notice("2026-11-21T13:00:00Z", "2026-11-21");
    assert.deepEqual([night.status, morning.status], ["held", "held"]);
    const status = (id: number) => alertStatus(c, id);
    // 7 AM: the flash lists the night's alert; the morning's was held after it was due. The
    // flash is delivered on its own (pg_net → the notifier): wait for it, as for any delivery.
    assert.equal(await runFlashes(c, "2026-11-21T12:00:00Z"), 1);
    await delivered(c, 1);
    assert.equal(await status(night.id), "flashed");
    // 8:45 AM: still quiet, still held; 9 AM: the quiet hours are over and the next flash is 22
    // hours away, so it goes out now.
    await runFlashes(c, "2026-11-21T13:45:00Z");
    assert.equal(await status(morning.id), "held");
    await runFlashes(c, "2026-11-21T14:00:00Z");
    await untilAlertStatus(c, morning, "sent", "the released alert to be delivered");
    assert.equal(await status(night.id), "flashed");
    const posted = c.rx.messages("slack").map((m) => describeMessage(m));
    assert.equal(posted.filter((t) => t.includes("Morning flash")).length, 1);
    assert.equal(posted.filter((t) => !t.includes("Morning flash")).length, 1);
  },
);

flashTest(
  "quiet hours: a range inside one day and one wrapping midnight, ends excluded",
  async (c) => {
    const cases: Array<[string, string, string, boolean]> = [
      ["13:00", "13:00", "15:00", true],
      ["14:59", "13:00", "15:00", true],
      ["15:00", "13:00", "15:00", false],
      ["12:59", "13:00", "15:00", false],
      ["23:30", "22:00", "07:00", true],
      ["00:00", "22:00", "07:00", true],
      ["06:59", "22:00", "07:00", true],
      ["07:00", "22:00", "07:00", false],
      ["21:59", "22:00", "07:00", false],
    ];
    for (const [at, start, end, inside] of cases) {
      const [{ q }] = await c.sql`select pipeline.in_quiet_hours(${at}::time, ${start}::time,
      ${end}::time) as q`;
      assert.equal(q, inside, `${at} in ${start}-${end}`);
    }
    // Quiet 13:00-15:00 in Los Angeles: a sync notice at 2 PM local waits, one at 3 PM does not.
    const la = await addLocation(c, "Siesta", "America/Los_Angeles", {
      slack: c.rx.slackWebhookUrl("siesta"),
    }, { quiet_hours_start: "13:00", quiet_hours_end: "15:00" });
    const notice = async (iso: string, level?: string) =>
      (await addNotice(c, la, iso, "2026-11-20", level ? { level } : {})).status;
    // Both ends or neither, and never an empty range.
    await assert.rejects(
      c.sql`update public.locations set quiet_hours_end = null where id = ${la}`,
      /check constraint/,
    );
    await assert.rejects(
      c.sql`update public.locations set quiet_hours_end = '13:00' where id = ${la}`,
      /check constraint/,
    );
    assert.equal(await notice("2026-11-20T22:00:00Z"), "held");
    assert.equal(await notice("2026-11-20T23:00:00Z"), "pending");
    // Any alert whose details say its level is critical (the projection alert's escalation)
    // posts at once, in quiet hours too.
    assert.equal(await notice("2026-11-20T22:00:00Z", "critical"), "pending");
    assert.equal(await notice("2026-11-20T22:00:00Z", "projected"), "held");
  },
);

flashTest(
  "40 locations on one Slack and one Discord channel: within both services' limits, best and worst three ranked",
  async (c) => {
    const slack = c.rx.slackWebhookUrl("chain");
    const discord = c.rx.discordWebhookUrl("chain");
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push(
        await addLocation(
          c,
          `Store ${String(i + 1).padStart(2, "0")} Long Name Kitchen & Bar`,
          "America/Chicago",
          { slack, discord },
        ),
      );
    }
    // Store n: $1,000 of sales, 10 hours at $20 + $1 per store: labor 20 % + 1 point per store.
    // Written after the day closed (6 AM), so the stores over target raise no live alerts (which
    // would queue ahead of the flash at a post a second per webhook).
    await atClock(c, "2026-11-21T12:00:00Z", async (tx) => {
      for (const [i, id] of ids.entries()) {
        await addOrder(tx, id, "2026-11-20", 100000);
        await addPunches(c, tx, id, "2026-11-20", [
          [7000 + i, "2026-11-20T12:00:00Z", "2026-11-20T22:00:00Z", 2000 + 100 * i],
        ]);
      }
    });
    assert.equal(await runFlashes(c, "2026-11-21T13:00:00Z"), 2);
    await delivered(c, 2);
    for (const service of ["slack", "discord"] as const) {
      const [text] = flashMessages(c.rx, service);
      assert.match(text, /40 locations: net sales \$40,000\.00/);
      assert.match(text, /Best against target:\n1\. Store 01 [^\n]* 20\.00% \(-5\.00 pts\)/);
      assert.match(
        text,
        /Worst against target:\n38\. Store 38 [^\n]*\n39\. Store 39 [^\n]*\n40\. Store 40 [^\n]* 59\.00% \(\+34\.00 pts\)/,
      );
    }
    // Every request either service got was accepted (the fakes refuse bodies past the limits).
    assert.ok(c.rx.requests().every((r) => r.status !== null && r.status < 300));
  },
);

flashTest(
  "a held alert goes out when its quiet hours end if its channel's flash comes later (a channel shared with an 11 AM flash, or Sydney's with New York's), and only to the channels that have not listed it",
  async (c) => {
    // Sydney, quiet 22:00-07:00, on a Slack channel it shares with New York: the channel hears
    // about Sydney's Friday at 7 AM New York, 11 PM Saturday in Sydney.
    const shared = c.rx.slackWebhookUrl("bondi-harbor");
    const bondi = await addLocation(c, "Bondi", "Australia/Sydney", { slack: shared }, {
      quiet_hours_start: "22:00",
      quiet_hours_end: "07:00",
    });
    await addLocation(c, "Harbor", "America/New_York", { slack: shared });
    // Saturday Nov 21, 2 AM AEDT (15:00 UTC Friday): held.
    const night = await addNotice(c, bondi, "2026-11-20T15:00:00Z", "2026-11-20");
    assert.equal(night.status, "held");
    // 6:45 AM AEDT: still quiet; 7 AM: quiet hours over, the channel's flash 16 h away: posted.
    await runFlashes(c, "2026-11-20T19:45:00Z");
    assert.equal(await alertStatus(c, night.id), "held");
    await runFlashes(c, "2026-11-20T20:00:00Z");
    await untilAlertStatus(c, night, "sent", "Bondi's released alert to be delivered");

    // New York, quiet 22:00-07:00, flash at 7, its own Slack channel and a Discord channel it
    // shares with a location whose flash is at 11 AM.
    const discord = c.rx.discordWebhookUrl("early-brunch");
    const early = await addLocation(c, "Early", "America/New_York", {
      slack: c.rx.slackWebhookUrl("early"),
      discord,
    }, { quiet_hours_start: "22:00", quiet_hours_end: "07:00" });
    await addLocation(c, "Brunch", "America/New_York", { discord }, { flash_local_hour: 11 });
    // Saturday Nov 21, 2 AM EST: held.
    const held = await addNotice(
      c,
      early,
      "2026-11-21T07:00:00Z",
      "2026-11-20",
      movedDay("2026-11-20"),
    );
    assert.equal(held.status, "held");
    // 7 AM: Early's Slack flash lists it; the Discord channel's flash is at 11, 4 h after the
    // quiet hours: the alert goes to Discord now, and never again to Slack.
    assert.equal(await runFlashes(c, "2026-11-21T12:00:00Z"), 1);
    await eventually(
      async () => {
        const [a] = await c.sql`select status, delivered_channels, flashed_channels
          from public.alerts where id = ${held.id}`;
        return a.status === "sent" ? a : undefined;
      },
      20_000,
      "Early's released alert to be delivered",
    ).then((a) => {
      assert.deepEqual([a.delivered_channels, a.flashed_channels], [["discord"], ["slack"]]);
    });
    await delivered(c, 1);
    const posts = (path: string) =>
      c.rx.messages().filter((m) => m.path.endsWith(path)).map((m) => describeMessage(m));
    assert.deepEqual(posts("/early").map((t) => t.includes("Morning flash")), [true]);
    assert.equal(posts("/early-brunch").length, 1);
    assert.ok(!posts("/early-brunch")[0].includes("Morning flash"));
    assert.equal(posts("/bondi-harbor").length, 1);
    // 11 AM: Early's alert is no longer held, and neither location has figures: the Discord
    // channel gets no flash.
    assert.equal(await runFlashes(c, "2026-11-21T16:00:00Z"), 0);
  },
);

flashTest(
  "a held alert whose location leaves every flash is posted when its quiet hours end; one a flash job missed is posted an hour after that flash",
  async (c) => {
    const gone = await addLocation(c, "Gone", "America/Chicago", {
      slack: c.rx.slackWebhookUrl("gone"),
    }, { quiet_hours_start: "22:00", quiet_hours_end: "07:00" });
    // Saturday Nov 21, 1 AM CST: held; then the location's Slack URL is cleared (it falls back
    // to the notifier's default, which is in no flash).
    const held = await addNotice(c, gone, "2026-11-21T07:00:00Z", "2026-11-20");
    assert.equal(held.status, "held");
    await c.sql`update public.locations set slack_webhook_url = null where id = ${gone}`;
    await runFlashes(c, "2026-11-21T12:45:00Z");
    assert.equal(await alertStatus(c, held.id), "held");
    await runFlashes(c, "2026-11-21T13:00:00Z");
    assert.notEqual(await alertStatus(c, held.id), "held");

    // An alert held before the 7 AM flash was due whose transaction committed after that flash
    // read the held alerts: the flash did not list it, so it goes out at 8 AM.
    const missed = await addLocation(c, "Missed", "America/Chicago", {
      slack: c.rx.slackWebhookUrl("missed"),
    }, { quiet_hours_start: "22:00", quiet_hours_end: "07:00" });
    await atClock(c, "2026-11-21T06:00:00Z", (tx) => addOrder(tx, missed, "2026-11-20", 50000));
    assert.equal(await runFlashes(c, "2026-11-21T13:00:00Z"), 1);
    const late = await addNotice(c, missed, "2026-11-21T12:59:00Z", "2026-11-20");
    assert.equal(late.status, "held");
    await runFlashes(c, "2026-11-21T13:45:00Z");
    assert.equal(await alertStatus(c, late.id), "held");
    await runFlashes(c, "2026-11-21T14:00:00Z");
    assert.notEqual(await alertStatus(c, late.id), "held");
  },
);

flashTest(
  "a channel whose webhook URL is replaced after the morning's flash does not hear about the same day again",
  async (c) => {
    const loc = await addLocation(c, "Renamed", "America/New_York", {
      slack: c.rx.slackWebhookUrl("before"),
    });
    await atClock(c, "2026-11-20T23:00:00Z", (tx) => addOrder(tx, loc, "2026-11-20", 80000));
    assert.equal(await runFlashes(c, "2026-11-21T12:00:00Z"), 1);
    await delivered(c, 1);
    await c.sql`update public.locations set slack_webhook_url = ${c.rx.slackWebhookUrl("after")}
      where id = ${loc}`;
    assert.equal(await runFlashes(c, "2026-11-21T13:00:00Z"), 0);
    // The next day is flashed to the new URL.
    await atClock(c, "2026-11-21T23:00:00Z", (tx) => addOrder(tx, loc, "2026-11-21", 90000));
    assert.equal(await runFlashes(c, "2026-11-22T12:00:00Z"), 1);
    await delivered(c, 2);
    assert.deepEqual(
      c.rx.messages("slack").map((m) => m.path.split("/").at(-1)),
      ["before", "after"],
    );
  },
);

flashTest(
  "a flash does not wait behind its first location's alert retrying on a failing Discord",
  async (c) => {
    const discord = c.rx.discordWebhookUrl("failing");
    c.rx.setDefault(discord, { kind: "server_error", status: 500 });
    const first = await addLocation(c, "First", "America/New_York", {
      slack: c.rx.slackWebhookUrl("first"),
      discord,
    });
    // Friday 6 PM EST, a notice: Slack takes it, Discord answers 500 and it waits to retry.
    const notice = await addNotice(
      c,
      first,
      "2026-11-20T23:00:00Z",
      "2026-11-20",
      movedDay("2026-11-20"),
    );
    await eventually(
      async () => {
        const [a] = await c.sql`select status, delivered_channels, attempt_count::int as n
          from public.alerts where id = ${notice.id}`;
        return a.delivered_channels.includes("slack") && a.status === "pending" ? a : undefined;
      },
      20_000,
      "the notice to be delivered to Slack and wait to retry Discord",
    );
    await atClock(c, "2026-11-20T23:30:00Z", (tx) => addOrder(tx, first, "2026-11-20", 70000));
    // Saturday 7 AM: both channels' flashes; the Slack one is delivered while the notice still
    // waits on Discord.
    assert.equal(await runFlashes(c, "2026-11-21T12:00:00Z"), 2);
    await eventually(
      async () => {
        const rows = await flashRows(c);
        const slack = rows.find((r) => r.target_channels[0] === "slack");
        return slack?.status === "sent" ? true : undefined;
      },
      20_000,
      "the Slack flash to be delivered",
    );
    assert.equal(await alertStatus(c, notice.id), "pending");
    // Discord is back: what waits to retry goes now, not at its backoff's end.
    c.rx.setDefault(discord, { kind: "ok" });
    await c.sql`update public.alerts set next_attempt_at = now()
      where location_id = ${first} and status = 'pending'`;
    await c.sql`select pipeline.request_alert_sweep()`;
  },
);

flashTest(
  "an alert that reached no channel (its Slack webhook gone) is counted in the next morning's flash, once the URL is replaced",
  async (c) => {
    const broken = c.rx.slackWebhookUrl("revoked");
    c.rx.setDefault(broken, { kind: "not_found" });
    const loc = await addLocation(c, "Revoked", "America/New_York", { slack: broken });
    // Friday 6 PM EST: $1,000 of sales and 10 h at $27: over target; Slack answers 404.
    await atClock(c, "2026-11-20T23:00:00Z", async (tx) => {
      await addPunches(c, tx, loc, "2026-11-20", [
        [1, "2026-11-20T13:00:00Z", "2026-11-20T23:00:00Z", 2700],
      ]);
      await addOrder(tx, loc, "2026-11-20", 100000);
    });
    await untilAlertStatus(
      c,
      { locationId: loc, kind: "over" },
      "failed",
      "the over alert to fail for good on the revoked webhook",
    );
    await c.sql`update public.locations set slack_webhook_url = ${c.rx.slackWebhookUrl("new")}
      where id = ${loc}`;
    assert.equal(await runFlashes(c, "2026-11-21T12:00:00Z"), 1);
    const [flash] = await delivered(c, 1);
    const [facts] = flash.details.locations as Array<Record<string, unknown>>;
    assert.deepEqual([facts.alerts, facts.alertsNotDelivered], [{ over: 1 }, 1]);
    const [text] = flashMessages(c.rx, "slack");
    assert.ok(text.includes("Alerts: 1 over (1 not delivered)"), text);
  },
);

Deno.test("morning flash: the job is registered every 15 minutes where cron exists, and the local scheduler runs it on that schedule", async () => {
  const sql = testDb();
  try {
    const jobs = await sql`select schedule, command from cron.job where jobname = 'morning-flash'`;
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].schedule, "*/15 * * * *");
    for (const [minute, fires] of [["00", true], ["15", true], ["45", true], ["07", false]]) {
      assert.equal(
        cronMatches(jobs[0].schedule, new Date(`2026-03-08T11:${minute}:00Z`)),
        fires,
        `at minute ${minute}`,
      );
    }
    // The registered command runs as is (at a clock with nothing due anywhere).
    await sql.begin(async (tx) => {
      await tx`select set_config('pipeline.now', '2000-01-03T12:00:00Z', true)`;
      const [r] = await tx.unsafe(jobs[0].command);
      assert.equal(r.create_due_flashes, 0);
    });
  } finally {
    await sql.end();
  }
});
