/**
 * A delivery whose transaction fails at commit is never answered 2xx. Commit is where the
 * deferred work runs (the daily-metrics recompute is a deferred constraint trigger), and where
 * a shutting-down server ends a transaction: if the function answered before the commit was
 * known, the vendor would never retry and the event would be lost (the database-outage test
 * caught exactly that once per few runs).
 *
 * The failure is injected with a deferred constraint trigger that raises at commit for
 * deliveries carrying a marker; the trigger is removed afterwards.
 */
import assert from "node:assert/strict";
import { testDb, testEnv } from "../_support/env.ts";
import {
  deliverPunch,
  deliverToast,
  newLocation,
  punchBody,
  toastEnvelope,
  vendorIds,
} from "./vendors.ts";

const env = testEnv();
const MARKER = "fail-at-commit-";

Deno.test("commit failure: a delivery whose transaction fails at commit gets a 5xx (retried), and nothing is stored", async () => {
  const sql = testDb();
  await sql.unsafe(`
    create or replace function pipeline.fault_fail_at_commit() returns trigger
    language plpgsql set search_path = '' as $$
    begin
      raise exception 'injected failure at commit';
    end
    $$`);
  await sql.unsafe(`
    create constraint trigger fault_fail_at_commit after insert on public.inbound_events
    deferrable initially deferred for each row
    when (new.raw_body like '%${MARKER}%')
    execute function pipeline.fault_fail_at_commit()`);
  try {
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    const marker = `${MARKER}${crypto.randomUUID()}`;
    const envelope = JSON.parse(toastEnvelope({
      orderGuid: crypto.randomUUID(),
      businessDate: 20261121,
      modifiedDate: "2026-11-21T19:00:00.000Z",
      amountCents: 5_000,
      tipCents: 0,
    }, ids.toastGuid));
    envelope.guid = marker;
    const toast = await deliverToast(
      env.functionsUrl,
      env.toastSecret,
      JSON.stringify(envelope),
      ids.toastGuid,
    );
    const punch = JSON.parse(punchBody({
      id: 1_950_000_000 + Math.floor(Math.random() * 40_000_000),
      companyId: ids.companyId,
      locationId: ids.sevenShiftsLocationId,
      clockedIn: "2026-11-21 14:00:00",
      clockedOut: "2026-11-21 20:00:00",
      modified: "2026-11-21 20:01:00",
      hourlyWage: 18,
    }));
    punch.notes = marker;
    const sevenShifts = await deliverPunch(
      env.functionsUrl,
      env.sevenShiftsGrantGuid,
      JSON.stringify(punch),
      "time_punch.created",
    );
    for (const [name, res] of [["toast", toast], ["7shifts", sevenShifts]] as const) {
      assert.ok(
        res.status >= 500,
        `${name}: answered ${res.status} ${JSON.stringify(res.json)} for an uncommitted event`,
      );
    }
    const [stored] = await sql`select
        (select count(*)::int from public.inbound_events where raw_body like ${"%" + marker + "%"})
          as events,
        (select count(*)::int from public.orders where location_id = ${locationId}) as orders,
        (select count(*)::int from public.punches where location_id = ${locationId}) as punches`;
    assert.deepEqual({ ...stored }, { events: 0, orders: 0, punches: 0 });
  } finally {
    await sql.unsafe(`drop trigger if exists fault_fail_at_commit on public.inbound_events`);
    await sql.unsafe(`drop function if exists pipeline.fault_fail_at_commit()`);
    await sql.end();
  }
});
