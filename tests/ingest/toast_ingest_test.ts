/**
 * The Toast webhook against the real database and over real HTTP (the function server at
 * $SUPABASE_URL/functions/v1/toast-webhook): idempotence and order independence, the error
 * statuses leaving every table unchanged, and unmapped restaurants applied on mapping.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { testDb, testEnv } from "../_support/env.ts";
import { signToastPayload } from "../../shared/signatures.ts";
import { fingerprint, fingerprintDiff } from "../_support/fingerprint.ts";

const FIXTURES = new URL("../fixtures/toast/", import.meta.url);
const FIXTURE_RESTAURANT = "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b";
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** Every fixture, in the order Toast would have sent them. */
const DELIVERIES = [
  "order_updated_full_v1.json",
  "order_updated_full_v2_refund.json",
  "order_updated_moved_v1.json",
  "order_updated_moved_v2.json",
  "order_updated_voided_v1.json",
  "order_updated_voided_v2.json",
  "order_updated_excess_food.json",
  "menus_updated.json",
];

const env = testEnv();
const url = `${env.functionsUrl}/toast-webhook`;

/** Seeded PRNG (mulberry32) so a failing shuffle can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  const random = prng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * One isolated copy of the fixtures: every GUID in them (orders, checks, payments, events) is
 * replaced by a fresh one, and the fixture restaurant by `restaurantGuid`.
 */
class Scenario {
  readonly map = new Map<string, string>();
  constructor(readonly restaurantGuid: string) {
    this.map.set(FIXTURE_RESTAURANT, restaurantGuid);
  }
  body(name: string): string {
    const text = Deno.readTextFileSync(new URL(name, FIXTURES));
    return text.replace(GUID, (g) => {
      const key = g.toLowerCase();
      if (!this.map.has(key)) this.map.set(key, crypto.randomUUID());
      return this.map.get(key)!;
    });
  }
  /** Maps a scenario GUID back to the fixture's, so two scenarios can be compared. */
  canonical(guid: string): string {
    for (const [k, v] of this.map) if (v === guid.toLowerCase()) return k;
    return guid;
  }
}

async function post(
  body: string,
  headers: Record<string, string>,
  method = "POST",
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(url, { method, headers, body: method === "GET" ? undefined : body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

async function deliver(body: string, restaurantGuid: string, secret = env.toastSecret) {
  const timestamp = JSON.parse(body).timestamp as string;
  return await post(body, {
    "content-type": "application/json",
    "toast-signature": await signToastPayload(body, timestamp, secret),
    "toast-restaurant-external-id": restaurantGuid,
    "toast-event-type": JSON.parse(body).eventType,
  });
}

async function newLocation(sql: postgres.Sql, guid: string | null = crypto.randomUUID()) {
  const [row] = await sql`
    insert into public.locations (name, time_zone, toast_restaurant_guid)
    values (${"Toast test " + crypto.randomUUID().slice(0, 8)}, 'America/New_York', ${guid})
    returning id`;
  return { id: Number(row.id), guid };
}

/** Orders and refunds of a location, GUIDs mapped back to the fixtures', sorted. */
async function snapshot(sql: postgres.Sql, locationId: number, scenario: Scenario) {
  const orders = await sql`
    select toast_order_guid::text as guid, business_date::text as business_date,
      net_sales_cents::text as net, gross_sales_cents::text as gross,
      discount_cents::text as discount, tax_cents::text as tax, tip_cents::text as tip,
      gratuity_cents::text as gratuity, deferred_cents::text as deferred, check_count,
      voided, deleted, excess_food, vendor_modified_at::text as modified
    from public.orders where location_id = ${locationId}`;
  const refunds = await sql`
    select toast_order_guid::text as guid, payment_guid, refund_business_date::text as day,
      refund_cents::text as refund, tip_refund_cents::text as tip_refund
    from public.order_refunds where location_id = ${locationId}`;
  // deno-lint-ignore no-explicit-any
  const canon = (rows: postgres.RowList<postgres.Row[]>): Array<Record<string, any>> =>
    rows.map((r) => ({
      ...r,
      guid: scenario.canonical(r.guid),
      ...(r.payment_guid ? { payment_guid: scenario.canonical(r.payment_guid) } : {}),
    })).sort((a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
  return { orders: canon(orders), refunds: canon(refunds) };
}

Deno.test("toast ingest: in-order delivery stores the figures the fixtures describe", async () => {
  const sql = testDb();
  try {
    const loc = await newLocation(sql);
    const scenario = new Scenario(loc.guid!);
    const outcomes: string[] = [];
    for (const name of DELIVERIES) {
      const r = await deliver(scenario.body(name), loc.guid!);
      outcomes.push(`${r.status}:${r.json.outcome}`);
    }
    assert.deepEqual(outcomes, [
      "200:applied",
      "200:applied",
      "200:applied",
      "200:applied",
      "200:applied",
      "200:applied",
      "200:applied",
      "202:ignored",
    ]);
    const snap = await snapshot(sql, loc.id, scenario);
    const byGuid = Object.fromEntries(snap.orders.map((o) => [o.guid, o]));
    const full = byGuid["d3b07384-d113-4ec6-a7a1-5c3f2b1e9a01"];
    assert.equal(full.business_date, "2026-11-01");
    assert.deepEqual(
      [full.net, full.gross, full.discount, full.tax, full.tip, full.gratuity, full.deferred],
      ["6388", "7268", "880", "506", "800", "409", "2500"],
    );
    assert.equal(full.check_count, 3);
    assert.deepEqual(snap.refunds, [{
      guid: "d3b07384-d113-4ec6-a7a1-5c3f2b1e9a01",
      payment_guid: "55555555-eeee-4eee-8eee-000000000002",
      day: "2026-11-03",
      refund: "1700",
      tip_refund: "100",
    }]);
    // The order moved to the 2nd: one row, nothing left on the 1st.
    assert.equal(byGuid["d3b07384-d113-4ec6-a7a1-5c3f2b1e9a02"].business_date, "2026-11-02");
    const voided = byGuid["d3b07384-d113-4ec6-a7a1-5c3f2b1e9a03"];
    assert.deepEqual([voided.voided, voided.net, voided.check_count], [true, "0", 0]);
    const waste = byGuid["d3b07384-d113-4ec6-a7a1-5c3f2b1e9a04"];
    assert.deepEqual([waste.excess_food, waste.net], [true, "0"]);
    assert.equal(snap.orders.length, 4);
    const events = await sql`
      select topic, outcome, delivery_count, external_location_key, raw_body is not null as raw
      from public.inbound_events
      where source = 'toast' and event_key = any(${
      DELIVERIES.map((n) => JSON.parse(scenario.body(n)).guid)
    })`;
    assert.equal(events.length, DELIVERIES.length);
    assert.ok(events.every((e) => e.delivery_count === 1 && e.raw));
  } finally {
    await sql.end();
  }
});

/** The refund shapes Toast documents (tests/unit/toast_refunds_test.ts works each one out). */
const REFUND_FIXTURES = [
  "order_updated_refund_item.json",
  "order_updated_refund_whole_check.json",
  "order_updated_refund_service_charge.json",
  "order_updated_refund_gift_card.json",
  "order_updated_refund_partial_amount.json",
  "order_updated_refund_unlinked.json",
  "order_updated_refund_split_payments.json",
  "order_updated_refund_two_transactions.json",
];

Deno.test("toast ingest: every refund shape takes back only sales, on its refund day", async () => {
  const sql = testDb();
  try {
    const loc = await newLocation(sql);
    const scenario = new Scenario(loc.guid!);
    for (const name of REFUND_FIXTURES) {
      const r = await deliver(scenario.body(name), loc.guid!);
      assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.json)}`);
    }
    const days = await sql`select business_date::text as day, net_sales_cents::int as net,
        refund_cents::int as refund, order_count
      from public.daily_metrics where location_id = ${loc.id} order by 1`;
    // Sales on the 1st: 30.00 + 100.00 + 25.00 + 50.00 + 54.00 + 17.00 + 30.00 + 21.00.
    // Refunds on the 1st: whole check 100.00 + delivery fee 5.00 + split check 30.00; on the
    // 2nd: the burger 18.00 (the gift card and house account give back no sales); on the 3rd:
    // 15.00 of steak + wings and fries 18.00.
    assert.deepEqual(days.map((d) => ({ ...d })), [
      { day: "2026-11-01", net: 32_700 - 13_500, refund: 13_500, order_count: 8 },
      { day: "2026-11-02", net: -1_800, refund: 1_800, order_count: 0 },
      { day: "2026-11-03", net: -3_300, refund: 3_300, order_count: 0 },
    ]);
  } finally {
    await sql.end();
  }
});

Deno.test("toast ingest: every fixture 3 times, shuffled, converges on the in-order rows", async () => {
  const sql = testDb();
  try {
    const reference = await newLocation(sql);
    const refScenario = new Scenario(reference.guid!);
    for (const name of DELIVERIES) await deliver(refScenario.body(name), reference.guid!);
    const expected = await snapshot(sql, reference.id, refScenario);
    assert.equal(expected.orders.length, 4);

    for (const seed of [1, 2, 3]) {
      const loc = await newLocation(sql);
      const scenario = new Scenario(loc.guid!);
      const bodies = DELIVERIES.map((n) => scenario.body(n));
      const plan = shuffle([...bodies, ...bodies, ...bodies], seed);
      for (const body of plan) {
        const r = await deliver(body, loc.guid!);
        assert.ok(r.status === 200 || r.status === 202, `seed ${seed}: ${r.status}`);
      }
      assert.deepEqual(await snapshot(sql, loc.id, scenario), expected, `seed ${seed}`);
      const events = await sql`
        select delivery_count from public.inbound_events
        where source = 'toast' and event_key = any(${bodies.map((b) => JSON.parse(b).guid)})`;
      assert.deepEqual(events.map((e) => e.delivery_count), bodies.map(() => 3));
    }
  } finally {
    await sql.end();
  }
});

Deno.test("toast ingest: refused requests answer a JSON error and change no table", async () => {
  const sql = testDb();
  try {
    const loc = await newLocation(sql);
    const scenario = new Scenario(loc.guid!);
    const good = scenario.body("order_updated_full_v1.json");
    const timestamp = JSON.parse(good).timestamp as string;
    const signed = async (body: string) => ({
      "content-type": "application/json",
      "toast-signature": await signToastPayload(body, timestamp, env.toastSecret),
      "toast-restaurant-external-id": loc.guid!,
    });
    assert.ok(good.includes('"amount": 23.38'));
    // deno-lint-ignore no-explicit-any
    const mutate = (fn: (o: Record<string, any>) => void) => {
      const o = JSON.parse(good);
      fn(o);
      return JSON.stringify(o);
    };
    const wrongType = mutate((o) => (o.details.order.checks[0].amount = "23.38"));
    const missing = mutate((o) => delete o.details.order.modifiedDate);
    // deno-lint-ignore no-explicit-any
    const cases: Array<[string, () => Promise<{ status: number; json: any }>, number, string]> = [
      [
        "missing signature",
        () =>
          post(good, {
            "content-type": "application/json",
            "toast-restaurant-external-id": loc.guid!,
          }),
        401,
        "unauthorized",
      ],
      ["wrong secret", () => deliver(good, loc.guid!, "not-the-secret"), 401, "unauthorized"],
      [
        "tampered body",
        async () => post(good.replace('"amount": 23.38', '"amount": 2.38'), await signed(good)),
        401,
        "unauthorized",
      ],
      ["bad JSON", async () => post("{not json", await signed("{not json")), 400, "invalid_json"],
      ["wrong type", async () => post(wrongType, await signed(wrongType)), 400, "invalid_payload"],
      ["missing field", async () => post(missing, await signed(missing)), 400, "invalid_payload"],
      [
        "invalid and unsigned",
        async () => post(wrongType, { ...(await signed(good)) }),
        401,
        "unauthorized",
      ],
      [
        "oversized",
        async () => {
          const big = mutate((o) => (o.padding = "x".repeat(6 * 1024 * 1024)));
          return post(big, await signed(big));
        },
        413,
        "payload_too_large",
      ],
      ["wrong method", async () => post("", await signed(good), "GET"), 405, "method_not_allowed"],
      [
        "not JSON",
        async () => post(good, { ...(await signed(good)), "content-type": "text/plain" }),
        415,
        "unsupported_media_type",
      ],
    ];
    for (const [name, send, status, code] of cases) {
      const before = await fingerprint(sql);
      const r = await send();
      assert.equal(r.status, status, name);
      assert.equal(r.json.error?.code, code, name);
      assert.equal(typeof r.json.error?.message, "string", name);
      assert.ok(!JSON.stringify(r.json).includes(env.toastSecret), name);
      assert.deepEqual(
        fingerprintDiff(before, await fingerprint(sql)),
        [],
        `${name} changed a table`,
      );
    }
    // The schema errors name the fields.
    const wt = await post(wrongType, await signed(wrongType));
    assert.deepEqual(wt.json.error.fields.map((f: { path: string }) => f.path), [
      "details.order.checks.0.amount",
    ]);
    const mf = await post(missing, await signed(missing));
    assert.deepEqual(mf.json.error.fields.map((f: { path: string }) => f.path), [
      "details.order.modifiedDate",
    ]);
  } finally {
    await sql.end();
  }
});

Deno.test("toast ingest: an unmapped restaurant is kept and applied when it is mapped", async () => {
  const sql = testDb();
  try {
    const restaurantGuid = crypto.randomUUID();
    const scenario = new Scenario(restaurantGuid);
    const names = ["order_updated_full_v2_refund.json", "order_updated_full_v1.json"];
    for (const name of names) {
      const r = await deliver(scenario.body(name), restaurantGuid);
      assert.equal(r.status, 202);
      assert.equal(r.json.outcome, "unmapped");
    }
    const orderGuid = scenario.map.get("d3b07384-d113-4ec6-a7a1-5c3f2b1e9a01")!;
    assert.equal(
      (await sql`select 1 from public.orders where toast_order_guid = ${orderGuid}`).length,
      0,
    );
    // Redelivery while still unmapped: counted, still unmapped.
    const again = await deliver(scenario.body(names[0]), restaurantGuid);
    assert.deepEqual([again.status, again.json.outcome, again.json.duplicate], [
      202,
      "unmapped",
      true,
    ]);

    const loc = await newLocation(sql, restaurantGuid);
    const snap = await snapshot(sql, loc.id, scenario);
    assert.equal(snap.orders.length, 1);
    assert.equal(snap.orders[0].net, "6388");
    assert.equal(snap.refunds.length, 1, "the newer version (with the refund) won");
    const events = await sql`
      select outcome, applied_at is not null as applied from public.inbound_events
      where source = 'toast' and external_location_key = ${restaurantGuid} order by id`;
    assert.deepEqual(events.map((e) => e.outcome), ["applied", "stale"]);
    // A later redelivery is a duplicate of an applied event.
    const late = await deliver(scenario.body(names[0]), restaurantGuid);
    assert.deepEqual([late.status, late.json.outcome, late.json.duplicate], [200, "applied", true]);
  } finally {
    await sql.end();
  }
});
