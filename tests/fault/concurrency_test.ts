/**
 * Concurrency over real HTTP, each request on a connection of its own: the same delivery from
 * 10 connections at once is stored once (one answer says new, nine say duplicate); two
 * versions of one order (or punch), each delivered 10 times, all 20 at once in a seeded
 * random order, end in the newest version, once, and the day's figures count it once.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { testDb, testEnv } from "../_support/env.ts";
import {
  deliverPunch,
  deliverToast,
  newLocation,
  punchBody,
  type SimpleOrder,
  type SimplePunch,
  toastEnvelope,
  vendorIds,
} from "./vendors.ts";
import { withSeed } from "../_support/property.ts";

const env = testEnv();
const CONNECTIONS = 10;

/** Runs `sends` at once, each on its own HTTP client (its own TCP connection). */
async function atOnce<T>(sends: Array<(client: Deno.HttpClient) => Promise<T>>): Promise<T[]> {
  const clients = sends.map(() => Deno.createHttpClient({}));
  try {
    return await Promise.all(sends.map((send, i) => send(clients[i])));
  } finally {
    for (const c of clients) c.close();
  }
}

function order(businessDate: number, modifiedDate: string, amountCents: number): SimpleOrder {
  return {
    orderGuid: crypto.randomUUID(),
    businessDate,
    modifiedDate,
    amountCents,
    tipCents: 500,
  };
}

Deno.test("concurrency: one Toast delivery from 10 connections at once is stored once", async () => {
  const sql = testDb();
  try {
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    const o = order(20261110, "2026-11-10T19:00:00.000Z", 4_250);
    const body = toastEnvelope(o, ids.toastGuid);
    const answers = await atOnce(
      Array.from(
        { length: CONNECTIONS },
        () => (client: Deno.HttpClient) =>
          deliverToast(env.functionsUrl, env.toastSecret, body, ids.toastGuid, client),
      ),
    );
    assert.deepEqual(answers.map((a) => a.status), Array(CONNECTIONS).fill(200));
    assert.equal(answers.filter((a) => a.json.duplicate === false).length, 1, "one is new");
    assert.equal(answers.filter((a) => a.json.duplicate === true).length, CONNECTIONS - 1);
    const [event] = await sql`select count(*)::int as n, max(delivery_count) as deliveries
      from public.inbound_events where source = 'toast' and event_key = ${JSON.parse(body).guid}`;
    assert.deepEqual({ ...event }, { n: 1, deliveries: CONNECTIONS });
    const rows = await sql`select net_sales_cents::int as net, tip_cents::int as tip
      from public.orders where location_id = ${locationId}`;
    assert.deepEqual(rows.map((r) => ({ ...r })), [{ net: 4_250, tip: 500 }]);
    const [day] = await sql`select net_sales_cents::int as net, order_count
      from public.daily_metrics where location_id = ${locationId} and business_date = '2026-11-10'`;
    assert.deepEqual({ ...day }, { net: 4_250, order_count: 1 });
  } finally {
    await sql.end();
  }
});

Deno.test("concurrency: two Toast versions racing (10 deliveries each, all at once) end in the newest, once", async () => {
  const sql = testDb();
  try {
    // Five rounds, each a fresh order and a different seeded arrival order.
    const rounds = fc.sample(
      fc.record({
        olderCents: fc.integer({ min: 100, max: 50_000 }),
        newerCents: fc.integer({ min: 100, max: 50_000 }),
        refundCents: fc.integer({ min: 1, max: 99 }),
        order: fc.shuffledSubarray([...Array(2 * CONNECTIONS).keys()], {
          minLength: 2 * CONNECTIONS,
        }),
      }),
      withSeed({ seed: 4711, numRuns: 5 }),
    );
    for (const round of rounds) {
      const ids = vendorIds();
      const locationId = await newLocation(sql, ids);
      const older = order(20261111, "2026-11-11T18:00:00.000Z", round.olderCents);
      // The newer version moves the order to the next day and refunds part of it.
      const newer: SimpleOrder = {
        ...older,
        businessDate: 20261112,
        modifiedDate: "2026-11-12T09:30:00.000Z",
        amountCents: round.newerCents,
        refundCents: round.refundCents,
      };
      const bodies = [toastEnvelope(older, ids.toastGuid), toastEnvelope(newer, ids.toastGuid)];
      const sends = round.order.map((i) => (client: Deno.HttpClient) =>
        deliverToast(env.functionsUrl, env.toastSecret, bodies[i % 2], ids.toastGuid, client)
      );
      const answers = await atOnce(sends);
      assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.map((a) => a.json)));
      assert.equal(answers.filter((a) => a.json.duplicate === false).length, 2, "two events");

      const rows = await sql`select business_date::text as day, net_sales_cents::int as net,
          vendor_modified_at = '2026-11-12T09:30:00Z'::timestamptz as newest
        from public.orders where location_id = ${locationId}`;
      assert.deepEqual(rows.map((r) => ({ ...r })), [
        { day: "2026-11-12", net: round.newerCents, newest: true },
      ]);
      const refunds = await sql`select refund_cents::int as cents from public.order_refunds
        where location_id = ${locationId}`;
      assert.deepEqual(refunds.map((r) => r.cents), [round.refundCents]);
      const days = await sql`select business_date::text as day, net_sales_cents::int as net,
          refund_cents::int as refund, order_count
        from public.daily_metrics where location_id = ${locationId} order by 1`;
      // The older version's day is emptied (or never written), the newer one counted once.
      assert.deepEqual(
        days.map((r) => ({ ...r })).filter((r) => r.order_count > 0 || r.net !== 0),
        [{
          day: "2026-11-12",
          net: round.newerCents - round.refundCents,
          refund: round.refundCents,
          order_count: 1,
        }],
      );
    }
  } finally {
    await sql.end();
  }
});

Deno.test("concurrency: two 7shifts punch versions racing (10 deliveries each, all at once) end in the newest, once", async () => {
  const sql = testDb();
  try {
    const rounds = fc.sample(
      fc.record({
        olderMinutes: fc.integer({ min: 30, max: 600 }),
        newerMinutes: fc.integer({ min: 30, max: 600 }),
        order: fc.shuffledSubarray([...Array(2 * CONNECTIONS).keys()], {
          minLength: 2 * CONNECTIONS,
        }),
      }),
      withSeed({ seed: 4712, numRuns: 5 }),
    );
    for (const round of rounds) {
      const ids = vendorIds();
      const locationId = await newLocation(sql, ids);
      const clockOut = (minutes: number) =>
        new Date(Date.parse("2026-11-13T14:00:00Z") + minutes * 60_000).toISOString()
          .slice(0, 19).replace("T", " ");
      const base: SimplePunch = {
        id: 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000),
        companyId: ids.companyId,
        locationId: ids.sevenShiftsLocationId,
        clockedIn: "2026-11-13 14:00:00",
        clockedOut: clockOut(round.olderMinutes),
        modified: "2026-11-13 23:00:00",
        hourlyWage: 18,
      };
      const newer = {
        ...base,
        clockedOut: clockOut(round.newerMinutes),
        modified: "2026-11-14 08:00:00",
        hourlyWage: 20,
      };
      const bodies = [punchBody(base), punchBody(newer)];
      const topics = ["time_punch.created", "time_punch.edited"];
      const answers = await atOnce(
        round.order.map((i) => (client: Deno.HttpClient) =>
          deliverPunch(
            env.functionsUrl,
            env.sevenShiftsGrantGuid,
            bodies[i % 2],
            topics[i % 2],
            client,
          )
        ),
      );
      assert.ok(answers.every((a) => a.status === 200), JSON.stringify(answers.map((a) => a.json)));
      assert.equal(answers.filter((a) => a.json.duplicate === false).length, 2, "two events");
      const rows = await sql`select paid_seconds::int, hourly_wage_cents::text as wage
        from public.punches where location_id = ${locationId}`;
      assert.deepEqual(rows.map((r) => ({ ...r })), [
        { paid_seconds: round.newerMinutes * 60, wage: "2000" },
      ]);
      const [day] = await sql`select paid_labor_seconds::int as seconds,
          labor_cost_cents::int as cost, punch_count
        from public.daily_metrics where location_id = ${locationId} and business_date = '2026-11-13'`;
      // 20.00 $/h × minutes / 60, rounded half away from zero (whole cents).
      assert.deepEqual({ ...day }, {
        seconds: round.newerMinutes * 60,
        cost: Math.round((2000 * round.newerMinutes) / 60),
        punch_count: 1,
      });
    }
  } finally {
    await sql.end();
  }
});
