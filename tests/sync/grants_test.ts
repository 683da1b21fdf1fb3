/**
 * One sevenshifts-webhook URL serves any number of 7shifts companies: a delivery is verified
 * with the grant of the company it names (`x-company-id`, else its body's `company_id`) when a
 * vendor connection serves that company, and with no other (not another company's, not the
 * single-tenant SEVENSHIFTS_GRANT_GUID); a company without a connection keeps the default. A
 * grant rotated in the database is used without a redeploy. Over HTTP through the real
 * function.
 */
import assert from "node:assert/strict";
import { testDb, testEnv } from "../_support/env.ts";
import { signSevenShiftsPayload } from "../../shared/signatures.ts";
import { newLocation, punchBody, sixHourPunch, vendorIds } from "../fault/vendors.ts";

const env = testEnv();

async function deliver(
  body: string,
  grant: string,
  companyHeader: number | null,
): Promise<number> {
  const ts = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-webhook-topic": "time_punch.created",
    "x-hmac-timestamp": ts,
    "x-hmac-signature": await signSevenShiftsPayload(body, ts, grant),
  };
  if (companyHeader !== null) headers["x-company-id"] = String(companyHeader);
  const res = await fetch(`${env.functionsUrl}/sevenshifts-webhook`, {
    method: "POST",
    headers,
    body,
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test("grants: a second 7shifts company with its own grant verifies with that grant and no other", async () => {
  const sql = testDb();
  const connections: number[] = [];
  try {
    const a = vendorIds();
    const b = vendorIds();
    const c = vendorIds();
    for (const ids of [a, b, c]) await newLocation(sql, ids);
    const grantA = crypto.randomUUID();
    const grantB = crypto.randomUUID();
    for (const [ids, grant] of [[a, grantA], [b, grantB]] as const) {
      const [{ id }] = await sql`select pipeline.add_sevenshifts_connection('co',
        ${ids.companyId}, ${grant}, ${`token-${grant}`}) as id`;
      connections.push(Number(id));
    }
    const punch = (ids: typeof a) => punchBody(sixHourPunch(ids));
    const defaultGrant = env.sevenShiftsGrantGuid;

    assert.equal(await deliver(punch(a), grantA, a.companyId), 200, "A with A's grant");
    assert.equal(await deliver(punch(b), grantB, b.companyId), 200, "B with B's grant");
    assert.equal(await deliver(punch(a), grantB, a.companyId), 401, "A with B's grant");
    assert.equal(await deliver(punch(b), grantA, b.companyId), 401, "B with A's grant");
    assert.equal(await deliver(punch(a), defaultGrant, a.companyId), 401, "A with the default");
    assert.equal(await deliver(punch(c), defaultGrant, c.companyId), 200, "no connection: default");
    assert.equal(await deliver(punch(c), grantA, c.companyId), 401, "C with A's grant");
    // Without x-company-id, the body names the company.
    assert.equal(await deliver(punch(b), grantB, null), 200, "B named by its body");
    assert.equal(await deliver(punch(b), defaultGrant, null), 401);
    // Signed with A's grant, naming A in the header, but a punch of B: refused, nothing stored.
    const forged = punch(b);
    assert.equal(await deliver(forged, grantA, a.companyId), 400, "B's punch under A's grant");
    const [{ n }] = await sql`select count(*)::int as n from public.punches
      where sevenshifts_punch_id = ${JSON.parse(forged).id}`;
    assert.equal(n, 0);

    // Rotated in the database: the new grant is taken on a mismatch (re-read at most every
    // 10 s per company), the old one stops working; no redeploy.
    const grantA2 = crypto.randomUUID();
    await sql`select pipeline.rotate_connection_secret(${connections[0]}, 'grant_guid',
      ${grantA2})`;
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (
      Date.now() < deadline && (status = await deliver(punch(a), grantA2, a.companyId)) !== 200
    ) {
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.equal(status, 200, "the rotated grant is accepted");
    assert.equal(await deliver(punch(a), grantA, a.companyId), 401, "the old grant is refused");
  } finally {
    for (const id of connections) await sql`select pipeline.remove_connection(${id})`;
    await sql.end();
  }
});
