/**
 * Wages with more than two decimals of a dollar: kept exact (fractional cents) from the
 * webhook to the figures, each punch's cost rounded once, half away from zero; a wage finer
 * than a hundredth of a cent is refused with 400 naming `hourly_wage`, and changes nothing.
 */
import assert from "node:assert/strict";
import { testDb, testEnv } from "../_support/env.ts";
import { deliverPunch, newLocation, punchBody, vendorIds } from "../fault/vendors.ts";

const env = testEnv();

Deno.test("exact wages: 8 h at $15.125 costs 12100 ¢ (the wage is not rounded to 1513 ¢ first)", async () => {
  const sql = testDb();
  try {
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    const punch = {
      id: 1_700_000_000 + Math.floor(Math.random() * 100_000_000),
      companyId: ids.companyId,
      locationId: ids.sevenShiftsLocationId,
      clockedIn: "2026-11-23 09:00:00",
      clockedOut: "2026-11-23 17:00:00",
      modified: "2026-11-23 17:01:00",
      hourlyWage: 15.125,
    };
    const answer = await deliverPunch(
      env.functionsUrl,
      env.sevenShiftsGrantGuid,
      punchBody(punch),
      "time_punch.created",
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    const [row] = await sql`select hourly_wage_cents::text as wage from public.punches
      where sevenshifts_punch_id = ${punch.id}`;
    assert.equal(row.wage, "1512.5", "the wage is stored exactly, in fractional cents");
    // 28,800 s × 1,512.5 ¢/h ÷ 3,600 = 12,100 ¢ exactly.
    const [day] = await sql`select labor_cost_cents::int as cost from public.daily_metrics
      where location_id = ${locationId} and business_date = '2026-11-23'`;
    assert.equal(day.cost, 12_100);
  } finally {
    await sql.end();
  }
});

Deno.test("exact wages: a wage finer than a hundredth of a cent is refused (400 hourly_wage), nothing stored", async () => {
  const sql = testDb();
  try {
    const ids = vendorIds();
    await newLocation(sql, ids);
    const id = 1_800_000_000 + Math.floor(Math.random() * 100_000_000);
    const body = punchBody({
      id,
      companyId: ids.companyId,
      locationId: ids.sevenShiftsLocationId,
      clockedIn: "2026-11-23 09:00:00",
      clockedOut: "2026-11-23 17:00:00",
      modified: "2026-11-23 17:01:00",
      hourlyWage: 15.12345,
    });
    const answer = await deliverPunch(
      env.functionsUrl,
      env.sevenShiftsGrantGuid,
      body,
      "time_punch.created",
    );
    assert.equal(answer.status, 400);
    const fields = (answer.json.error as { fields: Array<{ path: string }> }).fields;
    assert.deepEqual(fields.map((f) => f.path), ["hourly_wage"]);
    const rows = await sql`select 1 from public.punches where sevenshifts_punch_id = ${id}`;
    assert.equal(rows.length, 0);
  } finally {
    await sql.end();
  }
});
