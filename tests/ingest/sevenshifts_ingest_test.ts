/**
 * The 7shifts webhook against the real database and over real HTTP
 * ($SUPABASE_URL/functions/v1/sevenshifts-webhook): order independence with edits, deletes
 * (full and minimal bodies), open punches, midnight and DST; HMAC and token auth; the error
 * statuses leaving every table unchanged; unmapped locations applied on mapping.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { testDb, testEnv } from "../_support/env.ts";
import { signSevenShiftsPayload } from "../../shared/signatures.ts";
import { fingerprint, fingerprintDiff } from "../_support/fingerprint.ts";

const FIXTURES = new URL("../fixtures/7shifts/", import.meta.url);
const FIXTURE_COMPANY = 7001;
const FIXTURE_LOCATION = 88001;
/** Every fixture, in the order 7shifts would have sent them; the topic is the name's prefix. */
const DELIVERIES = [
  "time_punch.created.breaks.json",
  "time_punch.edited.breaks.json",
  "time_punch.created.open.json",
  "time_punch.deleted.open.json",
  "time_punch.created.short.json",
  "time_punch.deleted.minimal.json",
  "time_punch.created.midnight.json",
  "time_punch.edited.moved.json",
  "time_punch.created.dst_fall_back.json",
  "time_punch.created.dst_spring_forward.json",
  "user.modified.json",
];

const env = testEnv();
const url = `${env.functionsUrl}/sevenshifts-webhook`;

const topicOf = (name: string) => name.split(".").slice(0, 2).join(".");

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

const randomId = () => 100_000_000 + Math.floor(Math.random() * 800_000_000);

/** One isolated copy of the fixtures: fresh company, location and punch ids. */
class Scenario {
  readonly punchIds = new Map<number, number>();
  readonly companyId = randomId();
  readonly locationId = randomId();
  private readonly punchBase = randomId() * 10;
  delivery(name: string): { topic: string; body: string } {
    const o = JSON.parse(Deno.readTextFileSync(new URL(name, FIXTURES)));
    if (o.company_id === FIXTURE_COMPANY) o.company_id = this.companyId;
    if (o.location_id === FIXTURE_LOCATION) o.location_id = this.locationId;
    if (name.startsWith("time_punch.")) {
      if (!this.punchIds.has(o.id)) this.punchIds.set(o.id, this.punchBase + (o.id % 1000));
      o.id = this.punchIds.get(o.id);
    }
    return { topic: topicOf(name), body: JSON.stringify(o) };
  }
  canonical(punchId: number): number {
    for (const [k, v] of this.punchIds) if (v === punchId) return k;
    return punchId;
  }
}

async function post(
  body: string,
  headers: Record<string, string>,
  opts: { method?: string; query?: string } = {},
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; json: Record<string, any> }> {
  const method = opts.method ?? "POST";
  const res = await fetch(url + (opts.query ?? ""), {
    method,
    headers,
    body: method === "GET" ? undefined : body,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

async function hmacHeaders(
  body: string,
  topic: string,
  companyId: number,
  opts: { nowMs?: number; encoding?: "hex" | "base64"; grant?: string } = {},
): Promise<Record<string, string>> {
  const ts = String(Math.floor((opts.nowMs ?? Date.now()) / 1000));
  return {
    "content-type": "application/json",
    "x-webhook-topic": topic,
    "x-company-id": String(companyId),
    "x-hmac-timestamp": ts,
    "x-hmac-signature": await signSevenShiftsPayload(
      body,
      ts,
      opts.grant ?? env.sevenShiftsGrantGuid,
      opts.encoding ?? "hex",
    ),
  };
}

async function deliver(d: { topic: string; body: string }, companyId: number) {
  return await post(d.body, await hmacHeaders(d.body, d.topic, companyId));
}

async function newLocation(
  sql: postgres.Sql,
  scenario: Scenario,
  timeZone = "America/New_York",
  cutoffHour = 4,
): Promise<number> {
  const [row] = await sql`
    insert into public.locations (name, time_zone, business_day_cutoff_hour,
      sevenshifts_company_id, sevenshifts_location_id)
    values (${"7shifts test " + crypto.randomUUID().slice(0, 8)}, ${timeZone}, ${cutoffHour},
      ${scenario.companyId}, ${scenario.locationId})
    returning id`;
  return Number(row.id);
}

// deno-lint-ignore no-explicit-any
type Row = Record<string, any>;

async function snapshot(sql: postgres.Sql, locationId: number, scenario: Scenario): Promise<Row[]> {
  const rows = await sql`
    select sevenshifts_punch_id::text as id, user_id::text as user_id, role_id::text as role_id,
      department_id::text as department_id, clocked_in_at::text as clocked_in,
      clocked_out_at::text as clocked_out, business_date::text as business_date,
      unpaid_break_seconds::int, paid_seconds::int, hourly_wage_cents::text, approved, deleted,
      vendor_modified_at::text as modified
    from public.punches where location_id = ${locationId}`;
  return rows.map((r) => ({ ...r, id: scenario.canonical(Number(r.id)) }))
    .sort((a, b) => a.id - b.id);
}

Deno.test("7shifts ingest: in-order delivery stores paid time, deletions and business dates", async () => {
  const sql = testDb();
  try {
    const scenario = new Scenario();
    const loc = await newLocation(sql, scenario);
    const outcomes: string[] = [];
    for (const name of DELIVERIES) {
      const r = await deliver(scenario.delivery(name), scenario.companyId);
      outcomes.push(`${r.status}:${r.json.outcome}`);
    }
    assert.deepEqual(outcomes, Array(11).fill("200:applied"));
    const rows = Object.fromEntries((await snapshot(sql, loc, scenario)).map((r) => [r.id, r]));
    assert.equal(Object.keys(rows).length, 6);
    const edited = rows[5550001];
    assert.deepEqual(
      [edited.paid_seconds, edited.unpaid_break_seconds, edited.hourly_wage_cents, edited.approved],
      [9 * 3600 - 1800, 1800, "1850", true],
    );
    assert.equal(edited.business_date, "2026-11-05");
    assert.equal(edited.clocked_out, "2026-11-06 00:00:00+00");
    assert.deepEqual([rows[5550002].deleted, rows[5550002].clocked_out], [true, null]);
    assert.equal(rows[5550002].paid_seconds, null, "an open punch has no paid time yet");
    assert.equal(rows[5550003].deleted, true, "deleted by a minimal body");
    assert.equal(rows[5550004].business_date, "2026-11-06", "moved: one row, on the new night");
    assert.deepEqual([rows[5550005].business_date, rows[5550005].paid_seconds], [
      "2026-10-31",
      6 * 3600 - 1800,
    ]);
    assert.deepEqual([rows[5550006].business_date, rows[5550006].paid_seconds], [
      "2026-03-07",
      5 * 3600,
    ]);
    const onOldNight = await sql`
      select 1 from public.punches
      where location_id = ${loc} and business_date = '2026-11-05'
        and sevenshifts_punch_id = ${scenario.punchIds.get(5550004)!}`;
    assert.equal(onOldNight.length, 0);
  } finally {
    await sql.end();
  }
});

Deno.test("7shifts ingest: every fixture 3 times, shuffled, converges on the in-order rows", async () => {
  const sql = testDb();
  try {
    const ref = new Scenario();
    const refLoc = await newLocation(sql, ref);
    for (const name of DELIVERIES) await deliver(ref.delivery(name), ref.companyId);
    const expected = await snapshot(sql, refLoc, ref);
    assert.equal(expected.length, 6);

    for (const seed of [11, 12, 13, 14]) {
      const scenario = new Scenario();
      const loc = await newLocation(sql, scenario);
      const deliveries = DELIVERIES.map((n) => scenario.delivery(n));
      const plan = shuffle([...deliveries, ...deliveries, ...deliveries], seed);
      for (const d of plan) {
        const r = await deliver(d, scenario.companyId);
        assert.ok(r.status === 200 || r.status === 202, `seed ${seed}: ${r.status}`);
      }
      assert.deepEqual(await snapshot(sql, loc, scenario), expected, `seed ${seed}`);
      const counts = await sql`
        select delivery_count from public.inbound_events
        where source = '7shifts' and raw_body = any(${deliveries.map((d) => d.body)})`;
      assert.deepEqual(counts.map((c) => c.delivery_count), deliveries.map(() => 3));
    }
  } finally {
    await sql.end();
  }
});

Deno.test("7shifts ingest: HMAC (hex or base64) or the URL token authenticate", async () => {
  const sql = testDb();
  try {
    const scenario = new Scenario();
    const loc = await newLocation(sql, scenario);
    const a = scenario.delivery("time_punch.created.breaks.json");
    const b64 = await post(
      a.body,
      await hmacHeaders(a.body, a.topic, scenario.companyId, { encoding: "base64" }),
    );
    assert.deepEqual([b64.status, b64.json.outcome], [200, "applied"]);
    // A company webhook made in the 7shifts app: no HMAC headers, the token in the URL.
    const e = scenario.delivery("time_punch.edited.breaks.json");
    const token = await post(e.body, {
      "content-type": "application/json",
      "x-webhook-topic": e.topic,
      "x-company-id": String(scenario.companyId),
    }, { query: `?token=${encodeURIComponent(env.sevenShiftsToken)}` });
    assert.deepEqual([token.status, token.json.outcome], [200, "applied"]);
    // Millisecond timestamps are accepted too.
    const o = scenario.delivery("time_punch.created.open.json");
    const ms = String(Date.now());
    const msRes = await post(o.body, {
      "content-type": "application/json",
      "x-webhook-topic": o.topic,
      "x-hmac-timestamp": ms,
      "x-hmac-signature": await signSevenShiftsPayload(o.body, ms, env.sevenShiftsGrantGuid),
    });
    assert.equal(msRes.status, 200);
    const rows = await snapshot(sql, loc, scenario);
    assert.equal(rows.length, 2);
  } finally {
    await sql.end();
  }
});

Deno.test("7shifts ingest: refused requests answer a JSON error and change no table", async () => {
  const sql = testDb();
  try {
    const scenario = new Scenario();
    await newLocation(sql, scenario);
    const d = scenario.delivery("time_punch.created.breaks.json");
    const signed = (body: string, opts = {}) =>
      hmacHeaders(body, d.topic, scenario.companyId, opts);
    // deno-lint-ignore no-explicit-any
    const mutate = (fn: (o: Record<string, any>) => void) => {
      const o = JSON.parse(d.body);
      fn(o);
      return JSON.stringify(o);
    };
    const wrongType = mutate((o) => (o.id = String(o.id)));
    const missing = mutate((o) => delete o.location_id);
    const plain = { "content-type": "application/json", "x-webhook-topic": d.topic };
    const cases: Array<
      // deno-lint-ignore no-explicit-any
      [string, () => Promise<{ status: number; json: any }>, number, string, string?]
    > = [
      ["no authentication", () => post(d.body, plain), 401, "unauthorized"],
      [
        "wrong grant",
        async () => post(d.body, await signed(d.body, { grant: "wrong" })),
        401,
        "unauthorized",
      ],
      [
        "tampered body",
        async () => post(d.body.replace("18.5", "99.5"), await signed(d.body)),
        401,
        "unauthorized",
      ],
      [
        "stale timestamp",
        async () => post(d.body, await signed(d.body, { nowMs: Date.now() - 6 * 60_000 })),
        401,
        "unauthorized",
      ],
      [
        "future timestamp",
        async () => post(d.body, await signed(d.body, { nowMs: Date.now() + 6 * 60_000 })),
        401,
        "unauthorized",
      ],
      ["wrong token", () => post(d.body, plain, { query: "?token=nope" }), 401, "unauthorized"],
      [
        "token with bad HMAC headers",
        async () =>
          post(d.body, { ...(await signed(d.body, { grant: "wrong" })) }, {
            query: `?token=${encodeURIComponent(env.sevenShiftsToken)}`,
          }),
        401,
        "unauthorized",
      ],
      ["bad JSON", async () => post("{nope", await signed("{nope")), 400, "invalid_json"],
      [
        "wrong type",
        async () => post(wrongType, await signed(wrongType)),
        400,
        "invalid_payload",
        "id",
      ],
      [
        "missing field",
        async () => post(missing, await signed(missing)),
        400,
        "invalid_payload",
        "location_id",
      ],
      [
        "missing topic",
        async () => {
          const h = await signed(d.body);
          delete h["x-webhook-topic"];
          return post(d.body, h);
        },
        400,
        "invalid_payload",
        "header:x-webhook-topic",
      ],
      [
        "oversized",
        async () => {
          const big = mutate((o) => (o.notes = "x".repeat(6 * 1024 * 1024)));
          return post(big, await signed(big));
        },
        413,
        "payload_too_large",
      ],
      [
        "wrong method",
        async () => post("", await signed(d.body), { method: "GET" }),
        405,
        "method_not_allowed",
      ],
      [
        "not JSON",
        async () => post(d.body, { ...(await signed(d.body)), "content-type": "text/plain" }),
        415,
        "unsupported_media_type",
      ],
    ];
    assert.ok(d.body.includes("18.5"));
    for (const [name, send, status, code, field] of cases) {
      const before = await fingerprint(sql);
      const r = await send();
      assert.equal(r.status, status, name);
      assert.equal(r.json.error?.code, code, name);
      assert.equal(typeof r.json.error?.message, "string", name);
      const text = JSON.stringify(r.json);
      assert.ok(!text.includes(env.sevenShiftsGrantGuid) && !text.includes(env.sevenShiftsToken));
      if (field) {
        assert.deepEqual(r.json.error.fields.map((f: { path: string }) => f.path), [field]);
      }
      assert.deepEqual(
        fingerprintDiff(before, await fingerprint(sql)),
        [],
        `${name} changed a table`,
      );
    }
  } finally {
    await sql.end();
  }
});

Deno.test("7shifts ingest: an unmapped location is kept and applied when it is mapped", async () => {
  const sql = testDb();
  try {
    const scenario = new Scenario();
    for (const name of ["time_punch.edited.breaks.json", "time_punch.created.breaks.json"]) {
      const r = await deliver(scenario.delivery(name), scenario.companyId);
      assert.deepEqual([r.status, r.json.outcome], [202, "unmapped"]);
    }
    const id = scenario.punchIds.get(5550001)!;
    // Held: its row keeps the newest version at no location, so it counts on no day.
    assert.deepEqual(
      [
        ...await sql`select location_id, business_date from public.punches
        where sevenshifts_punch_id = ${id}`,
      ],
      [{ location_id: null, business_date: null }],
    );
    // Mapped to a location in Tokyo whose day starts at midnight: the business date is
    // computed in that zone (clock-in 15:00Z is 00:00 on the 6th in Tokyo).
    const loc = await newLocation(sql, scenario, "Asia/Tokyo", 0);
    const [row] = await snapshot(sql, loc, scenario);
    assert.equal(row.paid_seconds, 9 * 3600 - 1800, "the newer edit won");
    assert.equal(row.business_date, "2026-11-06");
    const events = await sql`
      select outcome from public.inbound_events
      where source = '7shifts' and external_location_key = ${`${scenario.companyId}:${scenario.locationId}`} order by id`;
    assert.deepEqual(events.map((e) => e.outcome), ["applied", "stale"]);
    // Moving the location to New York (10:00 on the 5th there) moves the business date too.
    await sql`update public.locations set time_zone = 'America/New_York' where id = ${loc}`;
    const [moved] = await snapshot(sql, loc, scenario);
    assert.equal(moved.business_date, "2026-11-05");
  } finally {
    await sql.end();
  }
});

Deno.test("7shifts ingest: a deletion is terminal even when an older edit arrives later", async () => {
  const sql = testDb();
  try {
    const scenario = new Scenario();
    const loc = await newLocation(sql, scenario);
    const del = await deliver(
      scenario.delivery("time_punch.deleted.minimal.json"),
      scenario.companyId,
    );
    assert.deepEqual([del.status, del.json.outcome], [200, "applied"]);
    const created = await deliver(
      scenario.delivery("time_punch.created.short.json"),
      scenario.companyId,
    );
    assert.deepEqual([created.status, created.json.outcome], [200, "applied"]);
    const [row] = await snapshot(sql, loc, scenario);
    assert.equal(row.deleted, true);
    assert.equal(row.paid_seconds, 4 * 3600);
  } finally {
    await sql.end();
  }
});
