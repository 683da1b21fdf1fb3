/**
 * The fake vendor APIs (local/vendor_fakes.ts) behave like the documented services and catch a
 * client that does not: pagination and its ends, the query rules, auth, what exists at the
 * vendors' clock (a break edit that fired no webhook is there, an order whose webhook was lost
 * is there, a deleted punch is listed no more but found by id), and every limit a client can
 * break is answered as the vendor answers it and recorded as a violation.
 */
import assert from "node:assert/strict";
import { startVendorFakes } from "../../local/vendor_fakes.ts";
import { generateSimulation } from "../../sim/generate.ts";
import { closedDate, virtualClock } from "./support.ts";

type Sim = ReturnType<typeof generateSimulation>;

/** The silent break edit of `sim` (it has two; the first). */
const silentOf = (sim: Sim) => sim.punches.flatMap((p) => p.versions).find((v) => v.silent)!;

/**
 * One location's day served by the fakes on a virtual clock starting at `startAt(sim)` (default
 * now); `visibleAt`: the fakes' separate clock of what exists.
 */
function world(startAt?: (sim: Sim) => number, visibleAt?: () => number) {
  const sim = generateSimulation({
    seed: 5,
    locations: 1,
    days: 1,
    startDate: closedDate(2),
    runId: crypto.randomUUID().slice(0, 8),
    webhookLossRate: 0.2,
    silentBreakEdits: 2,
    halfCentWages: false,
  });
  const clock = virtualClock(startAt ? startAt(sim) : Date.now());
  const fakes = startVendorFakes({ now: clock.now, visibleAt });
  fakes.serve(sim);
  const loc = sim.locations[0];
  fakes.addToastClient({
    clientId: "c1",
    clientSecret: "s1",
    restaurants: [loc.toastRestaurantGuid],
  });
  fakes.addSevenShiftsCompany({ companyId: loc.sevenShiftsCompanyId, accessToken: "t1" });
  return { clock, fakes, sim, loc };
}

async function toastLogin(base: string, secret = "s1") {
  const res = await fetch(`${base}/authentication/v1/authentication/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      clientId: "c1",
      clientSecret: secret,
      userAccessType: "TOAST_MACHINE_CLIENT",
    }),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("fakes: Toast serves the orders API's shapes and paging, refuses what Toast refuses, and records every limit broken", async () => {
  const { clock, fakes, sim, loc } = world();
  try {
    const base = fakes.toastBaseUrl;
    assert.equal((await toastLogin(base, "wrong")).status, 401);
    const login = await toastLogin(base);
    assert.equal(login.status, 200);
    const token = login.body.token.accessToken as string;
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, {
        headers: {
          authorization: `Bearer ${token}`,
          "toast-restaurant-external-id": loc.toastRestaurantGuid,
          ...headers,
        },
      });
    const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+0000");
    const start = Date.parse(`${sim.dates[0]}T00:00:00Z`) - 86_400_000;
    const end = start + 4 * 86_400_000;
    const window = `startDate=${encodeURIComponent(iso(start))}&endDate=${
      encodeURIComponent(iso(end))
    }`;
    // Every order, including those whose webhooks were lost, page by page.
    const seen = new Set<string>();
    for (let page = 1;; page++) {
      clock.advance(1000);
      const res = await get(`/orders/v2/ordersBulk?${window}&pageSize=30&page=${page}`);
      assert.equal(res.status, 200);
      const orders = await res.json() as Array<{ guid: string }>;
      for (const o of orders) seen.add(o.guid);
      const link = res.headers.get("link");
      if (!link) {
        assert.ok(orders.length < 30 || orders.length === 0);
        break;
      }
      assert.match(link, /rel="next"/);
    }
    assert.equal(seen.size, sim.orders.length);
    const lostOrder = sim.lost.find((d) => d.vendor === "toast");
    assert.ok(lostOrder && seen.has(lostOrder.entity.slice("order:".length)));

    clock.advance(1000);
    assert.equal((await get(`/orders/v2/ordersBulk?${window}&pageSize=101&page=1`)).status, 400);
    clock.advance(1000);
    assert.equal(
      (await get(`/orders/v2/ordersBulk?${window}`, { "toast-restaurant-external-id": "" }))
        .status,
      400,
    );
    clock.advance(1000);
    const other = crypto.randomUUID();
    assert.equal(
      (await get(`/orders/v2/ordersBulk?${window}`, { "toast-restaurant-external-id": other }))
        .status,
      403,
    );
    assert.deepEqual(fakes.violations(), [], "nothing broken yet");

    // Six ordersBulk requests within a second: the sixth is a 429 with Toast's headers, and a
    // violation of the endpoint's own limit (5 a second per restaurant).
    clock.advance(2000);
    const statuses = async (n: number, path: string) => {
      const got: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < n; i++) {
        const res = await get(path);
        got.push(res.status);
        if (res.status === 429) limited = res;
        await res.body?.cancel();
      }
      return { got, limited };
    };
    const bulk = await statuses(6, `/orders/v2/ordersBulk?${window}&page=1`);
    assert.deepEqual(bulk.got, [200, 200, 200, 200, 200, 429]);
    assert.ok(bulk.limited!.headers.get("retry-after"));
    assert.ok(bulk.limited!.headers.get("x-toast-ratelimit-reset"));
    assert.equal(bulk.limited!.headers.get("x-toast-ratelimit-limit"), "5");
    assert.match(fakes.violations().join("\n"), /6 requests for ordersBulk .* within one second/);
    // Too soon after the 429.
    await (await get(`/orders/v2/ordersBulk?${window}&page=1`)).body?.cancel();
    assert.match(fakes.violations().join("\n"), /before its 429 allowed another/);
    assert.equal(fakes.peakRate("toast", "ordersBulk"), 7);
    // Other endpoints count only against the client's global limit: 20 a second, the 21st is
    // a 429.
    clock.advance(2000);
    const before = fakes.violations().length;
    const payments = await statuses(21, `/orders/v2/payments?refundBusinessDate=20261101`);
    assert.deepEqual(payments.got, [...new Array(20).fill(200), 429]);
    assert.equal(payments.limited!.headers.get("x-toast-ratelimit-limit"), "20");
    assert.deepEqual(
      fakes.violations().slice(before).map((v) => v.replace(/client \S+/, "client")),
      [
        "toast: 21 requests for client within one second",
      ],
    );
    // And 10,000 in any 15 minutes: at 19 a second the 10,001st (in 526 s) is refused.
    clock.advance(900_000);
    const spaced = [];
    for (let i = 0; i < 10_001; i++) {
      clock.advance(i === 0 ? 0 : 53);
      spaced.push((await get(`/orders/v2/payments?refundBusinessDate=20261101`)).status);
    }
    assert.deepEqual(spaced.filter((st) => st !== 200), [429], "only the 10,001st");
    assert.equal(spaced[10_000], 429);
    assert.match(fakes.violations().join("\n"), /10001 requests for client .* within 15 minutes/);
    clock.advance(900_000); // the quarter hour passes

    // Windows: over a month is refused; the next window of a range asked for too soon.
    clock.advance(5000);
    const long = `startDate=${encodeURIComponent(iso(end - 40 * 86_400_000))}&endDate=${
      encodeURIComponent(iso(end))
    }`;
    assert.equal((await get(`/orders/v2/ordersBulk?${long}`)).status, 400);
    clock.advance(1000);
    const next = `startDate=${encodeURIComponent(iso(end))}&endDate=${
      encodeURIComponent(iso(end + 86_400_000))
    }`;
    await (await get(`/orders/v2/ordersBulk?${window}&page=1`)).body?.cancel();
    clock.advance(1000);
    await (await get(`/orders/v2/ordersBulk?${next}&page=1`)).body?.cancel();
    assert.match(fakes.violations().join("\n"), /window of 40 days/);
    assert.match(fakes.violations().join("\n"), /next history window .* \(5-10 s apart\)/);

    // Logins: again within 30 minutes with a good token, and a third within the hour.
    await toastLogin(base);
    await toastLogin(base);
    assert.match(fakes.violations().join("\n"), /logged in again \d+ s after its last login/);
    assert.match(fakes.violations().join("\n"), /logged in 3 times in an hour/);

    // A revoked token is refused.
    fakes.expireTokens("toast");
    assert.equal((await get(`/orders/v2/ordersBulk?${window}`)).status, 401);
  } finally {
    await fakes.stop();
  }
});

Deno.test("fakes: 7shifts lists punches by clock-in with cursors, shows break edits that fired no webhook, finds deleted punches by id, and blocks a token for a minute after a 429", async () => {
  const { clock, fakes, sim, loc } = world();
  try {
    const company = loc.sevenShiftsCompanyId;
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${fakes.sevenShiftsBaseUrl}/v2/company/${company}${path}`, {
        headers: { authorization: "Bearer t1", "x-api-version": "2025-03-01", ...headers },
      });
    assert.equal((await get("/time_punches", { "x-api-version": "" })).status, 400);
    assert.equal((await get("/time_punches", { authorization: "Bearer nope" })).status, 401);
    const listed = new Map<number, Record<string, unknown>>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      clock.advance(1000);
      const q = new URLSearchParams({ location_id: String(loc.sevenShiftsLocationId), limit: "7" });
      if (cursor) q.set("cursor", cursor);
      const res = await get(`/time_punches?${q}`);
      assert.equal(res.status, 200);
      const body = await res.json();
      for (const p of body.data) listed.set(p.id, p);
      cursor = body.meta.cursor.next;
      pages++;
    } while (cursor);
    assert.ok(pages > 2);
    const deleted = sim.punches.filter((p) => p.versions[p.versions.length - 1].deleted);
    assert.ok(deleted.length > 0);
    assert.equal(listed.size, sim.punches.length - deleted.length, "deleted punches not listed");
    const one = await (await get(`/time_punches/${deleted[0].id}`)).json();
    assert.equal(one.data.deleted, true, "found by id, deleted");
    assert.equal((await get(`/time_punches/1`)).status, 404);
    // The break edit that fired no webhook is what the API shows, in cents, breaks embedded.
    const edited = sim.punches.find((p) => p.versions.some((v) => v.silent))!;
    const shown = listed.get(edited.id)! as { breaks: unknown[]; hourly_wage: number };
    const last = edited.versions[edited.versions.length - 1];
    assert.equal(shown.breaks.length, last.breaks.length);
    assert.equal(shown.hourly_wage, last.hourlyWageCentiCents / 100);

    // Eleven in a second: a 429 and a minute's block; inside it every request is a violation.
    clock.advance(2000);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await get(`/time_punches/${edited.id}`);
      statuses.push(res.status);
      await res.body?.cancel();
    }
    assert.deepEqual(statuses.slice(-2), [200, 429]);
    clock.advance(30_000);
    assert.equal((await get(`/time_punches/${edited.id}`)).status, 429);
    const v = fakes.violations().join("\n");
    assert.match(v, /11 requests for token .* within one second/);
    assert.match(v, /before its 429 allowed another/);
    clock.advance(31_000);
    assert.equal((await get(`/time_punches/${edited.id}`)).status, 200, "the minute is over");
  } finally {
    await fakes.stop();
  }
});

Deno.test("fakes: what exists follows the vendors' clock: a break edit appears when it is made", async () => {
  const { clock, fakes, sim, loc } = world((sim) => silentOf(sim).editedAt! - 5000);
  try {
    const edited = sim.punches.find((p) => p.versions.some((v) => v.silent))!;
    const silent = edited.versions.find((v) => v.silent)!;
    const before = edited.versions[edited.versions.indexOf(silent) - 1];
    const breaks = async () => {
      const res = await fetch(
        `${fakes.sevenShiftsBaseUrl}/v2/company/${loc.sevenShiftsCompanyId}/time_punches/${edited.id}`,
        { headers: { authorization: "Bearer t1", "x-api-version": "2025-03-01" } },
      );
      return ((await res.json()).data.breaks as unknown[]).length;
    };
    assert.equal(await breaks(), before.breaks.length, "not made yet");
    clock.advance(10_000);
    assert.equal(await breaks(), silent.breaks.length, "made, with no webhook");
    assert.equal(silent.modifiedAt, before.modifiedAt, "and no new `modified`");
  } finally {
    await fakes.stop();
  }
});

Deno.test("fakes: a replay shows data by its own clock (visibleAt) while limits and tokens keep the vendors' (now)", async () => {
  let replayed = 0;
  const { clock, fakes, sim, loc } = world(
    (sim) => silentOf(sim).editedAt! - 60_000,
    () => replayed,
  );
  const edited = sim.punches.find((p) => p.versions.some((v) => v.silent))!;
  const silent = edited.versions.find((v) => v.silent)!;
  const before = edited.versions[edited.versions.indexOf(silent) - 1];
  replayed = clock.now();
  clock.advance(3_600_000); // the vendors' clock runs on; what they show stays put
  try {
    const get = () =>
      fetch(
        `${fakes.sevenShiftsBaseUrl}/v2/company/${loc.sevenShiftsCompanyId}/time_punches/${edited.id}`,
        { headers: { authorization: "Bearer t1", "x-api-version": "2025-03-01" } },
      );
    const breaks = async () => {
      const res = await get();
      assert.equal(res.status, 200);
      return ((await res.json()).data.breaks as unknown[]).length;
    };
    // Eleven requests in one second of the vendors' clock: the 11th is a 429 and a blocked
    // minute, whatever the replay's clock says.
    for (let i = 0; i < 10; i++) assert.equal(await breaks(), before.breaks.length);
    const limited = await get();
    await limited.body?.cancel();
    assert.equal(limited.status, 429);
    clock.advance(61_000);
    assert.equal(await breaks(), before.breaks.length, "the block passed; the edit is not made");
    replayed = silent.editedAt!;
    assert.equal(await breaks(), silent.breaks.length, "made by the replay's clock");
    assert.equal(fakes.violations().length, 1, "the request past the allowance");
  } finally {
    await fakes.stop();
  }
});
