/**
 * A 7shifts punch id belongs to the company of its stored punch: a delivery naming another
 * company for it (by the shared URL token, by a company's own grant, or through the sync's
 * ingest) is refused with 409 naming `company_id` and changes nothing, while the genuine
 * company's edits and deletions still apply, and a deletion recorded for one company neither
 * deletes nor blocks another company's punch with that id. Over HTTP through the real function
 * on the real database, and in SQL for the ingest the sync calls.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { testDb, testEnv } from "../_support/env.ts";
import { signSevenShiftsPayload } from "../../shared/signatures.ts";
import { newLocation, punchBody, sixHourPunch, vendorIds } from "../fault/vendors.ts";

const env = testEnv();
const url = `${env.functionsUrl}/sevenshifts-webhook`;

type Answer = { status: number; json: Record<string, unknown> };

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

/** A company webhook made in the 7shifts app: no HMAC, the shared token in the URL. */
async function byToken(topic: string, body: string): Promise<Answer> {
  return await answer(
    await fetch(`${url}?token=${encodeURIComponent(env.sevenShiftsToken)}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-webhook-topic": topic },
      body,
    }),
  );
}

/** Signed with `grant` for `companyId` (the default grant unless a connection's is given). */
async function byGrant(
  topic: string,
  body: string,
  companyId: number,
  grant = env.sevenShiftsGrantGuid,
): Promise<Answer> {
  const ts = String(Math.floor(Date.now() / 1000));
  return await answer(
    await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-webhook-topic": topic,
        "x-company-id": String(companyId),
        "x-hmac-timestamp": ts,
        "x-hmac-signature": await signSevenShiftsPayload(body, ts, grant),
      },
      body,
    }),
  );
}

/** The 409 naming `company_id`, in the project's one error shape. */
function assertRefused(r: Answer, what: string): void {
  assert.equal(r.status, 409, `${what}: ${JSON.stringify(r.json)}`);
  const error = r.json.error as { code: string; fields: { path: string; message: string }[] };
  assert.equal(error.code, "conflict", what);
  assert.deepEqual(error.fields.map((f) => f.path), ["company_id"], what);
}

/** Everything stored about one punch id: its row, its tombstones, its location's figures. */
async function punchState(sql: postgres.Sql, punchId: number, locationId: number) {
  const rows = await sql`
    select sevenshifts_company_id::text, location_id::text, sevenshifts_location_id::text,
      clocked_in_at::text, clocked_out_at::text, paid_seconds::text, hourly_wage_cents::text,
      deleted, vendor_modified_at::text, version_hash, inbound_event_id::text, updated_at::text
    from public.punches where sevenshifts_punch_id = ${punchId}`;
  const tombstones = await sql`
    select to_jsonb(t) - 'recorded_at' as t from pipeline.punch_tombstones as t
    where sevenshifts_punch_id = ${punchId} order by 1`;
  const figures = await sql`
    select business_date::text, labor_cost_cents::text, paid_labor_seconds::text, punch_count,
      recompute_count::text
    from public.daily_metrics where location_id = ${locationId} order by business_date`;
  return { rows: [...rows], tombstones: [...tombstones], figures: [...figures] };
}

/** Companies A and B, each with a mapped location, and A's punch stored (by the token). */
async function aPunchStored(sql: postgres.Sql) {
  const a = vendorIds();
  const b = vendorIds();
  const locA = await newLocation(sql, a);
  await newLocation(sql, b);
  const p = sixHourPunch(a);
  assert.equal((await byToken("time_punch.created", punchBody(p))).status, 200);
  return { a, b, locA, p, before: await punchState(sql, p.id, locA) };
}

/**
 * Company A's punch whose id company B deleted first (a tombstone of B's; punch ids are
 * sequential, so guessable), then A's punch stored.
 */
async function deletedByBThenStoredByA(sql: postgres.Sql) {
  const a = vendorIds();
  const b = vendorIds();
  const locA = await newLocation(sql, a);
  const p = sixHourPunch(a);
  const early = await byToken(
    "time_punch.deleted",
    JSON.stringify({ id: p.id, company_id: b.companyId }),
  );
  assert.deepEqual([early.status, early.json.outcome], [200, "applied"]);
  assert.equal((await byToken("time_punch.created", punchBody(p))).status, 200);
  return { a, b, locA, p };
}

/** The event the sync hands the ingest for a punch its API no longer lists (a deletion). */
function syncDeletion(punchId: number, companyId: number) {
  const deletion = { punchId, companyId, locationId: null, modifiedAt: null };
  return JSON.stringify({
    eventKey: crypto.randomUUID(),
    topic: "time_punch.deleted",
    companyId,
    locationId: null,
    headers: {},
    rawBody: JSON.stringify(deletion),
    punch: null,
    deletion,
  });
}

Deno.test("punch company: a token delivery naming another company cannot delete, move or outdate a punch", async () => {
  const sql = testDb();
  try {
    const { a, b, locA, p, before } = await aPunchStored(sql);
    assert.equal(before.rows.length, 1);
    assert.equal(before.figures.length, 1);
    assert.equal(before.figures[0].labor_cost_cents, String(6 * 18 * 100));

    // Company B names A's punch id: a minimal deletion, a full deletion, a move to B's mapped
    // location dated far ahead, and an edit at a location no mapping knows (held otherwise).
    const attempts: [string, string, string][] = [
      [
        "minimal deletion",
        "time_punch.deleted",
        JSON.stringify({ id: p.id, company_id: b.companyId }),
      ],
      [
        "full deletion",
        "time_punch.deleted",
        punchBody({ ...p, companyId: b.companyId, locationId: b.sevenShiftsLocationId }),
      ],
      [
        "move to B, dated 2099",
        "time_punch.edited",
        punchBody({
          ...p,
          companyId: b.companyId,
          locationId: b.sevenShiftsLocationId,
          modified: "2099-01-01 00:00:00",
        }),
      ],
      [
        "edit at an unmapped location",
        "time_punch.edited",
        punchBody({ ...p, companyId: b.companyId, locationId: 1, modified: "2099-01-01 00:00:00" }),
      ],
    ];
    for (const [what, topic, body] of attempts) {
      assertRefused(await byToken(topic, body), what);
      assert.deepEqual(await punchState(sql, p.id, locA), before, `${what} changed nothing`);
      // Redelivered: the same answer (the conflict is kept, never applied).
      assertRefused(await byToken(topic, body), `${what}, again`);
    }
    const kept = await sql`
      select outcome, reason from public.inbound_events
      where source = '7shifts' and outcome = 'conflict' and normalized ->> 'punchId' = ${
      String(p.id)
    }`;
    assert.equal(kept.length, attempts.length, "each refused delivery is kept as a conflict");
    for (const k of kept) assert.match(k.reason, /belongs to another 7shifts company/);

    // The genuine company still edits and deletes its punch.
    const edited = { ...p, clockedOut: "2026-11-21 22:00:00", modified: "2026-11-21 22:01:00" };
    assert.equal((await byToken("time_punch.edited", punchBody(edited))).status, 200);
    const afterEdit = await punchState(sql, p.id, locA);
    assert.equal(afterEdit.figures[0].labor_cost_cents, String(8 * 18 * 100));
    const del = await byToken(
      "time_punch.deleted",
      JSON.stringify({ id: p.id, company_id: a.companyId }),
    );
    assert.deepEqual([del.status, del.json.outcome], [200, "applied"]);
    const afterDelete = await punchState(sql, p.id, locA);
    assert.equal(afterDelete.rows[0].deleted, true);
    assert.deepEqual(afterDelete.tombstones.map((r) => r.t), [
      { sevenshifts_punch_id: p.id, sevenshifts_company_id: a.companyId },
    ]);
    assert.equal(afterDelete.figures[0].labor_cost_cents, "0");
  } finally {
    await sql.end();
  }
});

Deno.test("punch company: a company verified with its own grant cannot take another company's punch", async () => {
  const sql = testDb();
  let connection: number | null = null;
  try {
    const a = vendorIds();
    const b = vendorIds();
    await newLocation(sql, a);
    const locB = await newLocation(sql, b);
    const grantA = crypto.randomUUID();
    const [{ id }] = await sql`select pipeline.add_sevenshifts_connection('co A',
      ${a.companyId}, ${grantA}, ${`token-${grantA}`}) as id`;
    connection = Number(id);
    const pb = sixHourPunch(b);
    assert.equal((await byGrant("time_punch.created", punchBody(pb), b.companyId)).status, 200);
    const before = await punchState(sql, pb.id, locB);

    const stolen = punchBody({
      ...pb,
      companyId: a.companyId,
      locationId: a.sevenShiftsLocationId,
      modified: "2099-01-01 00:00:00",
    });
    assertRefused(await byGrant("time_punch.edited", stolen, a.companyId, grantA), "A's grant");
    const gone = JSON.stringify({ id: pb.id, company_id: a.companyId });
    assertRefused(await byGrant("time_punch.deleted", gone, a.companyId, grantA), "A deletes");
    assert.deepEqual(await punchState(sql, pb.id, locB), before, "B's punch unchanged");

    // B's own later version still wins.
    const later = { ...pb, clockedOut: "2026-11-21 21:00:00", modified: "2026-11-21 21:01:00" };
    assert.equal((await byGrant("time_punch.edited", punchBody(later), b.companyId)).status, 200);
    assert.equal((await punchState(sql, pb.id, locB)).figures[0].paid_labor_seconds, "25200");
  } finally {
    if (connection !== null) await sql`select pipeline.remove_connection(${connection})`;
    await sql.end();
  }
});

Deno.test("punch company: a deletion recorded for one company neither deletes nor blocks another's punch", async () => {
  const sql = testDb();
  try {
    const { a, locA, p } = await deletedByBThenStoredByA(sql);
    const state = await punchState(sql, p.id, locA);
    assert.equal(state.rows[0].deleted, false, "B's tombstone does not delete A's punch");
    assert.equal(state.figures[0].labor_cost_cents, String(6 * 18 * 100));
    // A's own deletion, and a late older version of A's punch cannot bring it back.
    const gone = JSON.stringify({
      id: p.id,
      company_id: a.companyId,
      modified: "2026-11-21 23:00:00",
    });
    assert.equal((await byToken("time_punch.deleted", gone)).status, 200);
    const older = { ...p, modified: "2026-11-21 20:00:30" };
    assert.equal((await byToken("time_punch.edited", punchBody(older))).status, 200);
    assert.equal((await punchState(sql, p.id, locA)).rows[0].deleted, true);
  } finally {
    await sql.end();
  }
});

Deno.test("punch company: the ingest the sync applies through refuses another company's punch id", async () => {
  const sql = testDb();
  try {
    const { b, locA, p, before } = await aPunchStored(sql);
    const [{ result }] = await sql`
      select pipeline.ingest_sevenshifts(${syncDeletion(p.id, b.companyId)}::text::jsonb)
        as result`;
    assert.equal(result.outcome, "conflict");
    assert.match(result.reason, new RegExp(`company ${b.companyId}`));
    assert.deepEqual(await punchState(sql, p.id, locA), before);
  } finally {
    await sql.end();
  }
});

Deno.test("punch company: the sync applies a company's deletion although another company recorded one for the same id", async () => {
  const sql = testDb();
  try {
    const { a, locA, p } = await deletedByBThenStoredByA(sql);
    // A's sync finds the punch gone from 7shifts' list.
    const [r] = await sql`select (pipeline.sync_ingest_punch(null::public.sync_runs,
      ${syncDeletion(p.id, a.companyId)}::text::jsonb)).*`;
    assert.equal(r.outcome, "changed");
    assert.equal((await punchState(sql, p.id, locA)).rows[0].deleted, true);
  } finally {
    await sql.end();
  }
});
