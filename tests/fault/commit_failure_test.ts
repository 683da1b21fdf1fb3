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
import { needsOwnDatabase, testDb, testEnv } from "../_support/env.ts";
import { deliverMarked, newLocation, vendorIds } from "./vendors.ts";
import { failAtCommitFor } from "./support.ts";

const env = testEnv();
const MARKER = "fail-at-commit-";

Deno.test({
  name: "commit failure: a delivery whose transaction fails at commit gets a 5xx (retried), " +
    "and nothing is stored",
  ...needsOwnDatabase(),
}, async () => {
  const sql = testDb();
  const removeFailure = await failAtCommitFor(sql, "fault_fail_at_commit", MARKER);
  try {
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids);
    const marker = `${MARKER}${crypto.randomUUID()}`;
    const answers = await deliverMarked(env.functionsUrl, env, ids, marker);
    for (const [name, res] of Object.entries(answers)) {
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
    await removeFailure();
    await sql.end();
  }
});
