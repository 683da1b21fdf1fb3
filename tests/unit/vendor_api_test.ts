/**
 * The vendor APIs' pure rules (shared/toast_api.ts, shared/sevenshifts_api.ts,
 * shared/vendor_limits.ts): an order or punch from the API normalises to exactly what its
 * webhook did (else every sync would "change" every row), the ordersBulk windows, `Link`
 * paging, the pacing that keeps any second under the limit whatever the network does, and how
 * long a 429 asks to wait.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { listPageSchema, normalizeApiPunch } from "../../shared/sevenshifts_api.ts";
import { parseSevenShiftsPunchEvent } from "../../shared/sevenshifts.ts";
import { normalizeToastOrder, parseToastOrderDetails } from "../../shared/toast.ts";
import {
  hasNextLink,
  parseApiOrder,
  TOAST_MAX_WINDOW_MS,
  toastInstant,
  toastWindows,
} from "../../shared/toast_api.ts";
import { rateLimitWaitMs, RollingLimiter } from "../../shared/vendor_limits.ts";
import { generateSimulation } from "../../sim/generate.ts";
import { renderApiPunch, renderPunch, renderToastOrder } from "../../sim/render.ts";

const sim = generateSimulation({
  seed: 3,
  locations: 2,
  days: 2,
  startDate: "2026-03-07", // a DST change in the US falls in these days
  halfCentWages: false,
  silentBreakEdits: 2,
});

Deno.test("vendor APIs: every punch version from 7shifts' API normalises exactly as its webhook did (dollars or cents)", () => {
  let checked = 0;
  for (const p of sim.punches) {
    const loc = sim.locations[p.locationIndex];
    for (const v of p.versions) {
      const api = normalizeApiPunch(renderApiPunch(p, v, loc));
      assert.ok(api.ok, JSON.stringify(!api.ok && api.problems));
      for (const unit of ["dollars", "cents"] as const) {
        const hook = parseSevenShiftsPunchEvent(
          v.topic,
          renderPunch(p, v, loc, unit),
          unit,
          null,
        );
        assert.ok(hook.ok && hook.value.kind === "punch");
        assert.deepEqual(api.value, hook.value.punch, `punch ${p.id} ${v.change} (${unit})`);
      }
      checked++;
    }
  }
  assert.ok(checked > 100);
});

Deno.test("vendor APIs: every order version from Toast's API normalises exactly as its webhook did", () => {
  for (const o of sim.orders) {
    const loc = sim.locations[o.locationIndex];
    for (const v of o.versions) {
      const raw = renderToastOrder(o, v, loc, sim.toastConfigs[o.locationIndex]);
      const api = parseApiOrder(JSON.parse(JSON.stringify(raw)));
      const hook = parseToastOrderDetails({ restaurantGuid: loc.toastRestaurantGuid, order: raw });
      assert.ok(api.result.ok && hook.ok);
      assert.deepEqual(api.result.value, normalizeToastOrder(hook.value.order));
    }
  }
});

Deno.test("vendor APIs: a bad row is its own problem, named by field", () => {
  const bad = parseApiOrder({ guid: "x", checks: [] });
  assert.ok(!bad.result.ok);
  assert.ok(bad.result.problems.some((p) => p.path === "guid"), JSON.stringify(bad.result));
  const p = sim.punches[0];
  const v = p.versions[0];
  const shown = renderApiPunch(p, v, sim.locations[p.locationIndex]);
  const punch = normalizeApiPunch({ ...shown, hourly_wage: 1550.5 });
  assert.ok(!punch.ok);
  assert.ok(punch.problems.some((x) => x.path === "hourly_wage"), "the API's cents are whole");
  // A deleted punch from the API is a deletion, as a time_punch.deleted webhook makes it.
  const deleted = normalizeApiPunch({ ...shown, deleted: true });
  assert.ok(deleted.ok && deleted.value.deleted);
});

Deno.test("vendor APIs: ordersBulk windows cover the range once, none longer than a month", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
    fc.integer({ min: 1, max: 95 * 86_400_000 }),
    (since, length) => {
      const windows = toastWindows(since, since + length);
      assert.equal(windows[0][0], since);
      assert.equal(windows[windows.length - 1][1], since + length);
      for (let i = 0; i < windows.length; i++) {
        assert.ok(windows[i][1] - windows[i][0] <= TOAST_MAX_WINDOW_MS);
        assert.ok(windows[i][1] > windows[i][0]);
        if (i > 0) assert.equal(windows[i][0], windows[i - 1][1]);
      }
    },
  ));
  assert.equal(toastInstant(Date.UTC(2026, 10, 28, 10, 5, 3, 7)), "2026-11-28T10:05:03.007+0000");
});

Deno.test("vendor APIs: a Link header names a next page only with rel=next", () => {
  assert.equal(hasNextLink('<https://x/a?page=2>; rel="next"'), true);
  assert.equal(
    hasNextLink('<https://x/a?page=1>; rel="prev", <https://x/a?page=3>; rel=next'),
    true,
  );
  assert.equal(hasNextLink('<https://x/a?page=1>; rel="prev"'), false);
  assert.equal(hasNextLink('<https://x/a?rel=next>; title="next"'), false);
  assert.equal(hasNextLink(null), false);
});

Deno.test("vendor APIs: the limiter never lets limit+1 arrivals share a second, whatever the network delays", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 12 }),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 })), {
      minLength: 1,
      maxLength: 80,
    }),
    (limit, delays) => {
      const limiter = new RollingLimiter(limit);
      let now = 0;
      const arrivals: number[] = [];
      for (const [toServer, back] of delays) {
        now = Math.max(now, limiter.nextSendAt());
        const sent = now;
        limiter.reserve(sent);
        const arrived = sent + toServer;
        arrivals.push(arrived);
        now = arrived + back; // the answer
        limiter.record(sent, now);
      }
      arrivals.sort((a, b) => a - b);
      for (let i = limit; i < arrivals.length; i++) {
        assert.ok(arrivals[i] - arrivals[i - limit] >= 1000, `${limit}: ${arrivals}`);
      }
    },
  ));
  // Started "just used": nothing for a second.
  assert.ok(new RollingLimiter(5, 10_000).nextSendAt() > 11_000);
});

Deno.test("vendor APIs: the limiter never lets limit+1 arrivals share a second with requests in flight together", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 30 }),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 })), {
      minLength: 1,
      maxLength: 80,
    }),
    (limit, senders, delays) => {
      // `senders` callers, each sending its next request as soon as the limiter allows and
      // waiting for its answer; time jumps from event to event.
      const limiter = new RollingLimiter(limit);
      const answers: Array<{ at: number; sent: number }> = [];
      const arrivals: number[] = [];
      let now = 0;
      let idle = senders;
      let next = 0;
      let mostInFlight = 0;
      while (next < delays.length || answers.length > 0) {
        while (idle > 0 && next < delays.length && limiter.nextSendAt() <= now) {
          const [toServer, back] = delays[next++]!;
          limiter.reserve(now);
          arrivals.push(now + toServer);
          answers.push({ at: now + toServer + back, sent: now });
          idle--;
        }
        mostInFlight = Math.max(mostInFlight, answers.length);
        const due = answers.map((a) => a.at);
        const sendAt = limiter.nextSendAt();
        if (idle > 0 && next < delays.length && Number.isFinite(sendAt)) due.push(sendAt);
        now = Math.max(now, Math.min(...due));
        answers.sort((a, b) => a.at - b.at);
        while (answers.length > 0 && answers[0]!.at <= now) {
          const a = answers.shift()!;
          limiter.record(a.sent, a.at);
          idle++;
        }
      }
      arrivals.sort((a, b) => a - b);
      for (let i = limit; i < arrivals.length; i++) {
        assert.ok(arrivals[i]! - arrivals[i - limit]! >= 1000, `${limit}: ${arrivals}`);
      }
      assert.ok(mostInFlight <= limit);
    },
  ));
  // Five in flight of five a second: the next waits for an answer, then for its second.
  const limiter = new RollingLimiter(5);
  for (let i = 0; i < 5; i++) limiter.reserve(i * 200);
  assert.equal(limiter.nextSendAt(), Infinity);
  limiter.record(0, 900);
  assert.equal(limiter.nextSendAt(), 1901);
});

Deno.test("vendor APIs: how long a 429 asks to wait", () => {
  const h = (o: Record<string, string>) => new Headers(o);
  assert.equal(rateLimitWaitMs(h({ "retry-after": "3" }), 0, 1000), 3000);
  assert.equal(rateLimitWaitMs(h({ "retry-after": "1.5" }), 0, 1000), 1500);
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  assert.equal(
    rateLimitWaitMs(h({ "retry-after": new Date(now + 7000).toUTCString() }), now, 1000),
    7000,
  );
  assert.equal(
    rateLimitWaitMs(h({ "x-toast-ratelimit-reset": String(now / 1000 + 2) }), now, 0),
    2000,
  );
  assert.equal(rateLimitWaitMs(h({ "x-toast-ratelimit-reset": String(now + 2500) }), now, 0), 2500);
  assert.equal(rateLimitWaitMs(h({}), now, 1000), 1000);
  assert.equal(rateLimitWaitMs(h({ "retry-after": "1" }), now, 1000, 60_000), 60_000, "7shifts");
  assert.equal(rateLimitWaitMs(h({ "retry-after": "garbage" }), now, 1000), 1000);
});

Deno.test("7shifts API: a page cursor Postgres cannot store (NUL, lone surrogate) is refused", () => {
  const page = (next: string) => ({ data: [], meta: { cursor: { next } } });
  assert.ok(listPageSchema.safeParse(page("eyJpZCI6MX0=")).success);
  for (const bad of ["abc\u0000", "abc\ud83d"]) {
    const r = listPageSchema.safeParse(page(bad));
    assert.ok(!r.success);
    assert.deepEqual(r.error.issues.map((i) => i.path.join(".")), ["meta.cursor.next"]);
  }
});
