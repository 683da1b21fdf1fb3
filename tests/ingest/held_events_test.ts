/**
 * Held deliveries (kept while their restaurant or 7shifts location is not mapped) and what
 * moves between places:
 * - a punch moved to an unmapped 7shifts location leaves its old day at once and is applied
 *   at the new place when that mapping arrives, without losing version order (issue 14, 6);
 * - a Toast order GUID arriving for a second restaurant keeps its first owner's figures and is
 *   held as a `conflict`, answered 409, never applied by a later mapping (11);
 * - applying held events at mapping can never make the mapping fail: an event that cannot be
 *   applied is marked `rejected` with its reason, and the mapping commits (3).
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { testDb, testEnv } from "../_support/env.ts";
import { normalizedOrder } from "../_support/toast_order.ts";
import {
  deliverPunch,
  deliverToast,
  newLocation,
  punchBody,
  type SimpleOrder,
  type SimplePunch,
  toastEnvelope,
  vendorIds,
} from "../fault/vendors.ts";

const env = testEnv();

const sendPunch = (p: SimplePunch) =>
  deliverPunch(env.functionsUrl, env.sevenShiftsGrantGuid, punchBody(p), "time_punch.edited");

const sendOrder = (o: SimpleOrder, restaurantGuid: string) =>
  deliverToast(env.functionsUrl, env.toastSecret, toastEnvelope(o, restaurantGuid), restaurantGuid);

/** A day's labor and sales at a location: [paid seconds, labor cents, punches, net, orders]. */
async function dayOf(sql: postgres.Sql, locationId: number, day: string) {
  const rows = await sql`select paid_labor_seconds::int as s, labor_cost_cents::int as c,
      punch_count as p, net_sales_cents::int as n, order_count as o
    from public.daily_metrics where location_id = ${locationId} and business_date = ${day}`;
  return rows.length === 0
    ? [0, 0, 0, 0, 0]
    : [rows[0].s, rows[0].c, rows[0].p, rows[0].n, rows[0].o];
}

/** A mapping of a fresh location to `ids`' 7shifts location only (its Toast GUID stays free). */
async function mapSevenShifts(sql: postgres.Sql, ids: ReturnType<typeof vendorIds>) {
  const [row] = await sql`insert into public.locations (name, time_zone, sevenshifts_company_id,
      sevenshifts_location_id, alerts_enabled)
    values (${`Held test ${ids.sevenShiftsLocationId}`}, 'UTC', ${ids.companyId},
      ${ids.sevenShiftsLocationId}, false) returning id`;
  return Number(row.id);
}

Deno.test("held: a punch moved to an unmapped 7shifts location leaves its old day at once, lands when mapped", async () => {
  const sql = testDb();
  try {
    const from = vendorIds();
    const to = { ...vendorIds(), companyId: from.companyId };
    const fromLocation = await mapSevenShifts(sql, from);
    const punch: SimplePunch = {
      id: 1_910_000_000 + Math.floor(Math.random() * 40_000_000),
      companyId: from.companyId,
      locationId: from.sevenShiftsLocationId,
      clockedIn: "2026-11-26 10:00:00",
      clockedOut: "2026-11-26 16:00:00",
      modified: "2026-11-26 16:01:00",
      hourlyWage: 20,
    };
    assert.equal((await sendPunch(punch)).status, 200);
    assert.deepEqual(await dayOf(sql, fromLocation, "2026-11-26"), [21_600, 12_000, 1, 0, 0]);
    // Moved to a location nobody has mapped yet: held (202), and gone from the old day now.
    const moved = {
      ...punch,
      locationId: to.sevenShiftsLocationId,
      modified: "2026-11-26 18:00:00",
    };
    const held = await sendPunch(moved);
    assert.deepEqual([held.status, held.json.outcome], [202, "unmapped"]);
    assert.deepEqual(await dayOf(sql, fromLocation, "2026-11-26"), [0, 0, 0, 0, 0]);
    // A late retry of the version before the move is older: it changes nothing.
    const late = await sendPunch({ ...punch, clockedOut: "2026-11-26 15:00:00" });
    assert.deepEqual([late.status, late.json.outcome], [200, "stale"]);
    assert.deepEqual(await dayOf(sql, fromLocation, "2026-11-26"), [0, 0, 0, 0, 0]);
    // The new place is mapped: the punch is counted there.
    const toLocation = await mapSevenShifts(sql, to);
    assert.deepEqual(await dayOf(sql, toLocation, "2026-11-26"), [21_600, 12_000, 1, 0, 0]);
    assert.deepEqual(await dayOf(sql, fromLocation, "2026-11-26"), [0, 0, 0, 0, 0]);
    const [event] = await sql`select outcome from public.inbound_events
      where id = ${held.json.eventId as number}`;
    assert.equal(event.outcome, "applied");
  } finally {
    await sql.end();
  }
});

function order(amountCents: number, modifiedDate: string, orderGuid = crypto.randomUUID()) {
  return { orderGuid, businessDate: 20261126, modifiedDate, amountCents, tipCents: 0 };
}

Deno.test("held: an order GUID arriving for a second restaurant keeps its first owner's figures (409, held as conflict)", async () => {
  const sql = testDb();
  try {
    const first = vendorIds();
    const second = vendorIds();
    const firstLocation = await newLocation(sql, first);
    const secondLocation = await newLocation(sql, second);
    const o = order(4_200, "2026-11-26T19:00:00.000Z");
    assert.equal((await sendOrder(o, first.toastGuid)).status, 200);
    // The same order GUID, newer, from another (mapped) restaurant.
    const other = await sendOrder(
      { ...o, amountCents: 9_900, modifiedDate: "2026-11-26T20:00:00.000Z" },
      second.toastGuid,
    );
    assert.equal(other.status, 409, JSON.stringify(other.json));
    const error = other.json.error as { code: string; fields: Array<{ path: string }> };
    assert.equal(error.code, "conflict");
    assert.deepEqual(error.fields.map((f) => f.path), ["details.order.guid"]);
    assert.deepEqual((await dayOf(sql, firstLocation, "2026-11-26")).slice(3), [4_200, 1]);
    assert.deepEqual((await dayOf(sql, secondLocation, "2026-11-26")).slice(3), [0, 0]);
    const [held] = await sql`select outcome, reason from public.inbound_events
      where source = 'toast' and external_location_key = ${second.toastGuid}`;
    assert.equal(held.outcome, "conflict");
    assert.match(held.reason, /belongs to restaurant/);
    // The first owner's own updates still apply.
    const update = await sendOrder(
      { ...o, amountCents: 5_000, modifiedDate: "2026-11-26T21:00:00.000Z" },
      first.toastGuid,
    );
    assert.equal(update.status, 200);
    assert.deepEqual((await dayOf(sql, firstLocation, "2026-11-26")).slice(3), [5_000, 1]);
  } finally {
    await sql.end();
  }
});

Deno.test("held: the first arrival owns the order even while unmapped; a mapping never applies a conflict", async () => {
  const sql = testDb();
  try {
    const first = vendorIds();
    const second = vendorIds();
    const o = order(3_000, "2026-11-26T19:00:00.000Z");
    const kept = await sendOrder(o, first.toastGuid); // not mapped yet: held
    assert.deepEqual([kept.status, kept.json.outcome], [202, "unmapped"]);
    const secondLocation = await newLocation(sql, second);
    const other = await sendOrder(
      { ...o, modifiedDate: "2026-11-26T19:30:00.000Z" },
      second.toastGuid,
    );
    assert.equal(other.status, 409);
    // Mapping the first restaurant applies its order there; the conflict stays held.
    const firstLocation = await newLocation(sql, first);
    assert.deepEqual((await dayOf(sql, firstLocation, "2026-11-26")).slice(3), [3_000, 1]);
    assert.deepEqual((await dayOf(sql, secondLocation, "2026-11-26")).slice(3), [0, 0]);
    // A second restaurant that was unmapped at delivery and is mapped later: still a conflict.
    const third = vendorIds();
    assert.equal((await sendOrder(o, third.toastGuid)).status, 409);
    const thirdLocation = await newLocation(sql, third);
    assert.deepEqual((await dayOf(sql, thirdLocation, "2026-11-26")).slice(3), [0, 0]);
    const outcomes = await sql`select external_location_key as k, outcome from public.inbound_events
      where source = 'toast' and external_location_key = any(${[
      first.toastGuid,
      second.toastGuid,
      third.toastGuid,
    ]}) order by id`;
    assert.deepEqual(outcomes.map((e) => e.outcome), ["applied", "conflict", "conflict"]);
  } finally {
    await sql.end();
  }
});

Deno.test("held: an event that cannot be applied never blocks the mapping; it is marked rejected with its reason", async () => {
  const sql = testDb();
  try {
    const ids = vendorIds();
    // Held deliveries: a good punch and a good order, by HTTP.
    const good: SimplePunch = {
      id: 1_920_000_000 + Math.floor(Math.random() * 40_000_000),
      companyId: ids.companyId,
      locationId: ids.sevenShiftsLocationId,
      clockedIn: "2026-11-26 09:00:00",
      clockedOut: "2026-11-26 13:00:00",
      modified: "2026-11-26 13:01:00",
      hourlyWage: 15,
    };
    assert.equal((await sendPunch(good)).status, 202);
    assert.equal(
      (await sendOrder(order(2_500, "2026-11-26T12:00:00.000Z"), ids.toastGuid)).status,
      202,
    );
    // Two held events as an older release stored them, whose values no longer fit: a punch
    // whose paid seconds overflow a bigint, an order whose amount is not a number.
    const key7 = `${ids.companyId}:${ids.sevenShiftsLocationId}`;
    const poisonPunch = {
      punchId: good.id + 1,
      companyId: ids.companyId,
      locationId: ids.sevenShiftsLocationId,
      userId: 1,
      roleId: null,
      departmentId: null,
      clockedInAt: "1950-01-01T00:00:00.000Z",
      clockedOutAt: "2026-11-26T13:00:00.000Z",
      unpaidBreakSeconds: 0,
      paidSeconds: 99_999_999_999_999_999_999,
      hourlyWageCents: 1500,
      approved: false,
      deleted: false,
      modifiedAt: "2026-11-26T13:01:00.000Z",
    };
    const poisonOrder = {
      ...normalizedOrder({
        orderGuid: crypto.randomUUID(),
        businessDate: "2026-11-26",
        modifiedAt: "2026-11-26T12:00:00.000Z",
      }),
      netSalesCents: "lots",
    };
    // And one that applies but whose cost (9e15 s at $100,000/h) no day's figures can hold.
    const costlyPunch = {
      ...poisonPunch,
      punchId: good.id + 2,
      clockedInAt: "2026-11-26T09:00:00.000Z",
      paidSeconds: 9_000_000_000_000_000,
      hourlyWageCents: 10_000_000,
    };
    const [p] = await sql`insert into public.inbound_events (source, event_key, topic,
        external_location_key, raw_body, normalized, outcome)
      values ('7shifts', ${crypto.randomUUID()}, 'time_punch.created', ${key7}, '{}',
        ${sql.json(poisonPunch)}, 'unmapped') returning id`;
    const [c] = await sql`insert into public.inbound_events (source, event_key, topic,
        external_location_key, raw_body, normalized, outcome)
      values ('7shifts', ${crypto.randomUUID()}, 'time_punch.created', ${key7}, '{}',
        ${sql.json(costlyPunch)}, 'unmapped') returning id`;
    const [o] = await sql`insert into public.inbound_events (source, event_key, topic,
        external_location_key, raw_body, normalized, outcome)
      values ('toast', ${crypto.randomUUID()}, 'order_updated', ${ids.toastGuid}, '{}',
        ${JSON.stringify(poisonOrder)}::text::jsonb, 'unmapped') returning id`;
    // The mapping commits; the good events are applied, the poison ones rejected with why.
    const locationId = await newLocation(sql, ids);
    assert.deepEqual(await dayOf(sql, locationId, "2026-11-26"), [14_400, 6_000, 1, 2_500, 1]);
    const marks = await sql`select id, outcome, reason from public.inbound_events
      where id = any(${[p.id, c.id, o.id]}) order by id`;
    assert.deepEqual(marks.map((m) => m.outcome), ["rejected", "rejected", "rejected"]);
    assert.match(marks[0].reason, /22003.*out of range/);
    assert.match(marks[1].reason, /22003.*bigint out of range/);
    assert.match(marks[2].reason, /22P02.*invalid input syntax/);
  } finally {
    await sql.end();
  }
});
