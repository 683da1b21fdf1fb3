/**
 * How fast the sync may talk to Toast, against the fake API over real HTTP: `ordersBulk` at
 * most 5 requests a second to the restaurant (that endpoint's own limit) while everything else
 * (the refunded payments of each business day) uses the client's global 20 a second, and the
 * next `ordersBulk` page is asked for while the last one is being stored, so the vendor's
 * pacing and the database's work overlap. The database is a stand-in here whose store of a
 * page of orders takes as long as a test says (none, to see the limits bind; 400 ms, longer
 * than the 200 ms between two ordersBulk requests, to see the overlap); the real stores are
 * covered by the reconcile, backfill and fault tests.
 */
import assert from "node:assert/strict";
import { startVendorFakes } from "../../local/vendor_fakes.ts";
import { generateSimulation } from "../../sim/generate.ts";
import { addDays } from "../../sim/time.ts";
import {
  RollingLimiter,
  TOAST_ORDERS_BULK_PER_SECOND,
  TOAST_REQUESTS_PER_SECOND,
} from "../../shared/vendor_limits.ts";
import { advanceRun } from "../../supabase/functions/vendor-sync/sync.ts";
import type { ClaimedRun, SyncDb, SyncPage } from "../../supabase/functions/vendor-sync/sync_db.ts";
import { ToastClient } from "../../supabase/functions/vendor-sync/toast_client.ts";
import { type Clock, VendorHttp } from "../../supabase/functions/vendor-sync/vendor_http.ts";
import { closedDate, virtualClock } from "./support.ts";

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms))),
};

/**
 * One backfill of six days of one restaurant through `advanceRun`, each store of orders taking
 * `storeMs` of real time, on `clock` (the fakes' too).
 */
async function syncSixDays(
  storeMs: number,
  clock: Clock = realClock,
  slow: { emptyStoreMs?: number; refundListMs?: number } = {},
) {
  const emptyStoreMs = slow.emptyStoreMs ?? 0;
  const days = 6;
  const sim = generateSimulation({
    seed: 41,
    locations: 1,
    days,
    startDate: closedDate(days + 1),
    runId: crypto.randomUUID().slice(0, 8),
    halfCentWages: false,
  });
  const loc = sim.locations[0];
  const fakes = startVendorFakes({ now: () => clock.now() });
  fakes.serve(sim);
  fakes.addToastClient({
    clientId: "c1",
    clientSecret: "s1",
    restaurants: [loc.toastRestaurantGuid],
  });
  const stored: Array<{ page: SyncPage; to: number }> = [];
  let token: string | null = null;
  const db: SyncDb = {
    claim: () => Promise.reject(new Error("not used")),
    access: () =>
      Promise.resolve(token ? { token } : { login: { clientId: "c1", clientSecret: "s1" } }),
    storeSession: (_run, _vendor, t) => {
      token = t;
      return Promise.resolve();
    },
    applyPage: async (page) => {
      // Storing orders takes time; a page with none (refund dates with nothing new) less.
      const ms = page.orders.length > 0 ? storeMs : emptyStoreMs;
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      stored.push({ page, to: clock.now() });
      return { fetched: page.orders.length, new: 0, changed: 0, unchanged: 0, held: 0 };
    },
    unseenPunches: () => Promise.resolve([]),
    unknownRefunds: () => Promise.resolve([]),
    release: () => Promise.reject(new Error("not used")),
    finish: () => Promise.reject(new Error("not used")),
  };
  const first = sim.dates[0];
  const run: ClaimedRun = {
    runId: 1,
    kind: "backfill",
    leaseToken: "lease",
    phase: "toast_orders",
    cursor: {},
    fromDate: first,
    toDate: sim.dates[sim.dates.length - 1],
    modifiedSince: new Date(Date.parse(`${first}T00:00:00Z`) - 86_400_000).toISOString(),
    windowEnd: new Date().toISOString(),
    clockedInFrom: `${first}T00:00:00Z`,
    clockedInTo: new Date().toISOString(),
    refundDates: Array.from({ length: 12 }, (_, i) => addDays(first, i)),
    invocations: 0,
    failures: 0,
    requests: 0,
    location: {
      id: 1,
      name: loc.name,
      timeZone: loc.timeZone,
      toastRestaurantGuid: loc.toastRestaurantGuid,
      sevenshiftsCompanyId: null,
      sevenshiftsLocationId: null,
    },
    toast: { connectionId: 1, apiBaseUrl: fakes.toastBaseUrl, lastActiveAt: null },
    sevenshifts: null,
  };
  const deadline = clock.now() + 60_000;
  const http = new VendorHttp({
    vendor: "toast",
    // A refunded-payments list answered `refundListMs` late (a vendor far away).
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      if (slow.refundListMs && String(input).includes("/orders/v2/payments?")) {
        await new Promise((r) => setTimeout(r, slow.refundListMs));
      }
      return res;
    },
    clock,
    limiter: new RollingLimiter(TOAST_REQUESTS_PER_SECOND),
    deadline,
    timeoutMs: 10_000,
  });
  const toast = new ToastClient(
    run,
    db,
    http,
    new RollingLimiter(TOAST_ORDERS_BULK_PER_SECOND),
    fakes.toastBaseUrl,
  );
  try {
    const progress = await advanceRun({
      run,
      db,
      toast,
      sevenshifts: null,
      clock,
      deadline,
      leaseSeconds: 90,
      pagesLeft: { n: 100 },
    });
    assert.deepEqual(progress, { done: true });
    // Every order arrived once.
    const guids = stored.flatMap((s) => s.page.orders.map((o) => JSON.parse(o.rawBody).guid));
    assert.equal(guids.length, sim.orders.length);
    assert.equal(new Set(guids).size, sim.orders.length);
    const requests = fakes.requests("toast");
    return {
      run,
      stored,
      violations: fakes.violations(),
      bulk: requests.filter((r) => r.path === "/orders/v2/ordersBulk"),
      refunds: requests.filter((r) => r.path === "/orders/v2/payments"),
      bulkPeak: fakes.peakRate("toast", "ordersBulk"),
      clientPeak: fakes.peakRate("toast", "client"),
    };
  } finally {
    await fakes.stop();
  }
}

Deno.test("sync pacing: with nothing slowing it, ordersBulk goes at most 5 a second and the other Toast requests up to 20", async () => {
  // On a virtual clock (the network takes no time), so the pacing alone sets every gap.
  const got = await syncSixDays(0, virtualClock());
  assert.deepEqual(got.violations, []);
  assert.ok(got.bulk.length >= 6, `${got.bulk.length} ordersBulk pages`);
  assert.ok(got.bulkPeak <= TOAST_ORDERS_BULK_PER_SECOND, `ordersBulk peak ${got.bulkPeak}`);
  // The pages themselves came as fast as 5 a second allows: five within the first second.
  assert.equal(got.bulkPeak, TOAST_ORDERS_BULK_PER_SECOND);
  assert.equal(got.refunds.length, got.run.refundDates.length);
  // The refund lists ride along the ordersBulk pages (one with each), the rest come at up to 20
  // a second: all of them within a second after the last page.
  const afterOrders = got.refunds[got.refunds.length - 1].at - got.bulk[got.bulk.length - 1].at;
  assert.ok(
    afterOrders < 1000,
    `${got.refunds.length} refund lookups ended ${afterOrders} ms after the last ordersBulk page`,
  );
  assert.ok(got.clientPeak > TOAST_ORDERS_BULK_PER_SECOND, `client peak ${got.clientPeak}`);
  assert.ok(got.clientPeak <= TOAST_REQUESTS_PER_SECOND, `client peak ${got.clientPeak}`);
});

Deno.test("sync pacing: the next ordersBulk page is asked for while the last one is stored", async () => {
  const got = await syncSixDays(400);
  assert.deepEqual(got.violations, []);
  const orderPages = got.stored.filter((s) => s.page.phase === "toast_orders" && s.page.counted);
  assert.equal(orderPages.length, got.bulk.length);
  for (let n = 0; n + 1 < got.bulk.length; n++) {
    assert.ok(
      got.bulk[n + 1].at < orderPages[n].to,
      `page ${n + 2} asked for ${got.bulk[n + 1].at - orderPages[n].to} ms after page ${
        n + 1
      } was stored`,
    );
  }
});

Deno.test("sync pacing: the refund dates' lists are asked for ahead, and dates with nothing to look up are stored as one page", async () => {
  // Each store (a transaction) takes 150 ms, as on a busy database, and each list comes 250 ms
  // after it is asked for, as from a vendor far away: twelve dates done one by one, each list
  // asked for after the last date was stored, would take over 4 s.
  const got = await syncSixDays(0, realClock, { emptyStoreMs: 150, refundListMs: 250 });
  assert.deepEqual(got.violations, []);
  assert.equal(got.refunds.length, got.run.refundDates.length);
  const refundPages = got.stored.filter((s) => s.page.phase === "toast_refunds" && s.page.counted);
  assert.equal(refundPages.length, 1, "twelve dates without an unknown refund: one page");
  assert.deepEqual(refundPages[0]?.page.cursor, { date: got.run.refundDates.length });
  // Asked for ahead (one with each ordersBulk page, the rest together), none waiting for the
  // last one's answer or store: the dates were done soon after the last page of orders.
  const lastOrders = Math.max(
    ...got.stored.filter((s) => s.page.phase === "toast_orders" && s.page.counted).map((s) => s.to),
  );
  const refundsDone = refundPages[0]!.to - lastOrders;
  assert.ok(refundsDone < 1500, `the dates were stored ${refundsDone} ms after the last orders`);
  const duringOrders = got.refunds.filter((r) => r.at < got.bulk[got.bulk.length - 1]!.at);
  assert.ok(duringOrders.length > 0, "lists asked for while the orders were paged through");
});
