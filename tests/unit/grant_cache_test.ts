/**
 * sevenshifts-webhook's grant cache (supabase/functions/sevenshifts-webhook/grants.ts): a
 * company's grant is read once a minute at most; after a signature mismatch it is read again
 * (a rotation is seen on its first delivery) but at most once every 10 s per company, so
 * forged deliveries cannot turn into a query each; a company without a connection, or a
 * delivery naming none, gets the default.
 */
import assert from "node:assert/strict";
import {
  boundedLookup,
  GRANT_RECHECK_MS,
  GRANT_TTL_MS,
  GrantCache,
} from "../../supabase/functions/sevenshifts-webhook/grants.ts";
import { createSevenShiftsWebhookHandler } from "../../supabase/functions/sevenshifts-webhook/handler.ts";
import { signSevenShiftsPayload } from "../../shared/signatures.ts";

Deno.test("grant cache: per company, the default otherwise, bounded re-reads", async () => {
  let now = 1_000_000;
  const stored = new Map<number, string>([[1, "grant-1"]]);
  const reads: number[] = [];
  const cache = new GrantCache(
    (id) => {
      reads.push(id);
      return Promise.resolve(stored.get(id) ?? null);
    },
    "default",
    () => now,
  );

  assert.deepEqual(await cache.grantFor(null), { grant: "default", fromConnection: false });
  assert.deepEqual(await cache.grantFor(1), { grant: "grant-1", fromConnection: true });
  assert.deepEqual(await cache.grantFor(2), { grant: "default", fromConnection: false });
  await cache.grantFor(1);
  await cache.grantFor(2);
  assert.deepEqual(reads, [1, 2], "cached within the minute");

  // Rotated: a mismatch right away is not re-read (10 s bound), later it is, once.
  stored.set(1, "grant-1b");
  assert.equal(await cache.changedGrantFor(1), null);
  now += GRANT_RECHECK_MS;
  assert.deepEqual(await cache.changedGrantFor(1), { grant: "grant-1b", fromConnection: true });
  assert.equal(await cache.changedGrantFor(1), null, "no second read at once");
  now += GRANT_RECHECK_MS;
  assert.equal(await cache.changedGrantFor(1), null, "read again, unchanged: nothing new");
  assert.equal(await cache.changedGrantFor(null), null);
  assert.deepEqual(reads, [1, 2, 1, 1]);

  // The minute: read again.
  now += GRANT_TTL_MS;
  stored.delete(1);
  assert.deepEqual(await cache.grantFor(1), { grant: "default", fromConnection: false });
  assert.equal(reads.length, 5);
});

Deno.test("grant cache: a database that fails or does not answer makes the delivery a 503 in time", async () => {
  const body = JSON.stringify({ id: 1, company_id: 7 });
  const request = async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    return new Request("http://x/sevenshifts-webhook", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-webhook-topic": "time_punch.created",
        "x-company-id": "7",
        "x-hmac-timestamp": ts,
        "x-hmac-signature": await signSevenShiftsPayload(body, ts, "default"),
      },
      body,
    });
  };
  const handler = (lookup: (id: number) => Promise<string | null>) =>
    createSevenShiftsWebhookHandler({
      db: { query: () => Promise.reject(new Error("never reached")) },
      grantGuid: "default",
      grants: new GrantCache(boundedLookup(lookup, 200), "default"),
      webhookToken: "",
      wageUnit: "dollars",
      logError: () => {},
    });
  const refused = await handler(() =>
    Promise.reject(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))
  )(await request());
  assert.equal(refused.status, 503);
  const started = Date.now();
  const hung = await handler(() => new Promise(() => {}))(await request());
  assert.equal(hung.status, 503);
  assert.ok(Date.now() - started < 2000, "answered within the deadline");
});
