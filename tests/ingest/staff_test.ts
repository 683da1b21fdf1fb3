/**
 * 7shifts `user.*` webhooks keep the staff table, over real HTTP into the real database: the
 * newest version by `modified` wins in any arrival order (two in one second: the later arrival),
 * `user.deactivated` marks them inactive, a bad body (a name Postgres cannot store included) is
 * a 400 naming its fields that changes no table, and the database names staff in messages exactly as TypeScript does.
 */
import assert from "node:assert/strict";
import { testDb, testEnv } from "../_support/env.ts";
import { fingerprint, fingerprintDiff } from "../_support/fingerprint.ts";
import { signSevenShiftsPayload } from "../../shared/signatures.ts";
import { staffDisplayName } from "../../shared/sevenshifts_users.ts";

const env = testEnv();
const url = `${env.functionsUrl}/sevenshifts-webhook`;
const randomId = () => 100_000_000 + Math.floor(Math.random() * 800_000_000);

async function deliver(topic: string, body: Record<string, unknown>) {
  const text = JSON.stringify(body);
  const ts = String(Math.floor(Date.now() / 1000));
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-webhook-topic": topic,
      "x-company-id": String(body.company_id),
      "x-hmac-timestamp": ts,
      "x-hmac-signature": await signSevenShiftsPayload(text, ts, env.sevenShiftsGrantGuid),
    },
    body: text,
  });
  return { status: res.status, json: await res.json() };
}

Deno.test("staff: user.* webhooks keep the newest version of each user; deactivation is kept", async () => {
  const sql = testDb();
  try {
    const company = randomId();
    const user = (name: string, modified: string, extra: Record<string, unknown> = {}) => ({
      id: 40001,
      company_id: company,
      first_name: name,
      last_name: "Quinn",
      active: true,
      modified,
      ...extra,
    });
    const row = async () =>
      (await sql`select first_name, last_name, active from public.staff
        where sevenshifts_company_id = ${company} and user_id = 40001`)[0];

    let r = await deliver("user.created", user("Avery", "2026-11-05 12:00:00"));
    assert.deepEqual([r.status, r.json.outcome], [200, "applied"]);
    // A later edit, then the older version arriving late: the later one stays.
    r = await deliver("user.modified", user("Ava", "2026-11-05 12:05:00"));
    assert.deepEqual([r.status, r.json.outcome], [200, "applied"]);
    r = await deliver("user.modified", user("Avery-old", "2026-11-05 12:01:00"));
    assert.deepEqual([r.status, r.json.outcome], [200, "stale"]);
    assert.deepEqual({ ...(await row()) }, { first_name: "Ava", last_name: "Quinn", active: true });
    // Two versions in the same second: the later arrival wins (as for punches).
    r = await deliver("user.modified", user("Avy", "2026-11-05 12:05:00"));
    assert.deepEqual([r.status, r.json.outcome], [200, "applied"]);
    assert.equal((await row()).first_name, "Avy");
    // A redelivery is a duplicate and changes nothing.
    r = await deliver("user.modified", user("Avy", "2026-11-05 12:05:00"));
    assert.deepEqual([r.json.outcome, r.json.duplicate], ["applied", true]);
    // Deactivated, whatever `active` says.
    r = await deliver("user.deactivated", user("Avy", "2026-11-06 09:00:00"));
    assert.deepEqual([r.status, r.json.outcome], [200, "applied"]);
    assert.equal((await row()).active, false);
  } finally {
    await sql.end();
  }
});

Deno.test("staff: a bad user body is a 400 naming its fields and changes no table", async () => {
  const sql = testDb();
  try {
    const before = await fingerprint(sql);
    const r = await deliver("user.modified", {
      id: -1,
      company_id: randomId(),
      first_name: "x".repeat(101),
      modified: "not a time",
    });
    assert.equal(r.status, 400);
    assert.deepEqual(
      (r.json.error.fields as Array<{ path: string }>).map((p) => p.path).sort(),
      ["first_name", "id", "modified"],
    );
    assert.deepEqual(fingerprintDiff(before, await fingerprint(sql)), []);
  } finally {
    await sql.end();
  }
});

Deno.test("staff: a name Postgres cannot store (NUL, lone surrogate) is a 400 naming it and changes no table", async () => {
  const sql = testDb();
  try {
    const company = randomId();
    const user = (firstName: string, modified: string) => ({
      id: 40001,
      company_id: company,
      first_name: firstName,
      last_name: "Quinn",
      active: true,
      modified,
    });
    const stored = await deliver("user.created", user("Ann", "2026-11-05 12:00:00"));
    assert.equal(stored.status, 200);
    for (const [what, name] of [["NUL", "Ann\u0000"], ["lone surrogate", "Ann\ud83d"]]) {
      const before = await fingerprint(sql);
      // A newer version: it would replace the stored name if it were accepted.
      const r = await deliver("user.modified", user(name, "2026-11-05 13:00:00"));
      assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.code, "invalid_payload");
      assert.deepEqual(
        (r.json.error.fields as Array<{ path: string }>).map((p) => p.path),
        ["first_name"],
        what,
      );
      assert.deepEqual(fingerprintDiff(before, await fingerprint(sql)), [], what);
    }
    const [row] = await sql`select first_name from public.staff
      where sevenshifts_company_id = ${company} and user_id = 40001`;
    assert.equal(row.first_name, "Ann");
  } finally {
    await sql.end();
  }
});

Deno.test("staff: the database names staff in messages as TypeScript does", async () => {
  const sql = testDb();
  try {
    const company = randomId();
    const people: Array<[number, string, string]> = [
      [1, "Avery", "Quinn"],
      [2, "Avery", ""],
      [3, "", "Quinn"],
      [4, "", ""],
      [5, "Zoë", "Ødegaard"],
    ];
    for (const [id, first, last] of people) {
      await sql`insert into public.staff (sevenshifts_company_id, user_id, first_name, last_name,
        vendor_modified_at) values (${company}, ${id}, ${first}, ${last}, now())`;
    }
    for (const showFullNames of [false, true]) {
      await sql`insert into public.company_settings (sevenshifts_company_id, show_full_names)
        values (${company}, ${showFullNames})
        on conflict (sevenshifts_company_id) do update set show_full_names = excluded.show_full_names`;
      for (
        const [id, firstName, lastName] of [...people, [503, "", ""] as [number, string, string]]
      ) {
        const [{ name }] = await sql`select pipeline.staff_display_name(${company}, ${id}) as name`;
        const known = id !== 503 ? { firstName, lastName } : null;
        assert.equal(name, staffDisplayName(id, known, showFullNames), `user ${id}`);
      }
    }
    const [{ name }] = await sql`select pipeline.staff_display_name(${company}, 1) as name`;
    assert.equal(name, "Avery Quinn");
  } finally {
    await sql.end();
  }
});
