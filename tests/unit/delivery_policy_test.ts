import assert from "node:assert/strict";
import fc from "fast-check";
import {
  backoffDelayMs,
  type ChannelResult,
  classifyDelivery,
  DEFAULT_BACKOFF,
  describeResponse,
  MAX_DELIVERY_ATTEMPTS,
  MAX_RETRY_AFTER_MS,
  parseDiscordRetryAfter,
  parseRetryAfterHeader,
  responseExcerpt,
} from "../../shared/delivery_policy.ts";
import { withSeed } from "../_support/property.ts";

const NOW = Date.parse("2026-11-28T01:00:00Z");
const half = () => 0.5;
const response = (status: number, body = "", retryAfter: string | null = null): ChannelResult => ({
  kind: "response",
  status,
  body,
  retryAfter,
});

Deno.test("delivery policy: Slack 200 ok and Discord 204/200 are delivered", () => {
  assert.deepEqual(classifyDelivery("slack", response(200, "ok"), 1, NOW, half), {
    kind: "delivered",
  });
  assert.deepEqual(classifyDelivery("discord", response(204), 1, NOW, half), {
    kind: "delivered",
  });
  assert.deepEqual(classifyDelivery("discord", response(200, '{"id":"1"}'), 1, NOW, half), {
    kind: "delivered",
  });
});

Deno.test("delivery policy: Slack 429 honours Retry-After seconds, and an HTTP date", () => {
  const d = classifyDelivery("slack", response(429, "rate_limited", "3"), 1, NOW, half);
  assert.equal(d.kind, "retry");
  assert.equal(d.kind === "retry" && d.delayMs, 3000);
  assert.match(d.kind === "retry" ? d.reason : "", /Slack 429 rate_limited/);
  const date = new Date(NOW + 7000).toUTCString();
  const byDate = classifyDelivery("slack", response(429, "", date), 1, NOW, half);
  assert.equal(byDate.kind === "retry" && byDate.delayMs, 7000);
});

Deno.test("delivery policy: Discord 429 honours JSON retry_after over the header", () => {
  const body = JSON.stringify({ message: "You are being rate limited.", retry_after: 1.5 });
  const d = classifyDelivery("discord", response(429, body, "2"), 1, NOW, half);
  assert.equal(d.kind === "retry" && d.delayMs, 1500);
  // Without a JSON retry_after the header still counts.
  const headerOnly = classifyDelivery("discord", response(429, "slow down", "4"), 1, NOW, half);
  assert.equal(headerOnly.kind === "retry" && headerOnly.delayMs, 4000);
});

Deno.test("delivery policy: a 429 without any hint backs off; an absurd hint is clamped", () => {
  // Third attempt: step 2 s · 2² = 8 s, of which the fixed half (4 s) with a zero draw.
  const d = classifyDelivery("slack", response(429), 3, NOW, () => 0);
  assert.equal(d.kind === "retry" && d.delayMs, 4_000);
  const huge = classifyDelivery("slack", response(429, "", "999999"), 1, NOW, half);
  assert.equal(huge.kind === "retry" && huge.delayMs, MAX_RETRY_AFTER_MS);
});

Deno.test("delivery policy: 5xx, timeouts and connection errors retry with backoff", () => {
  // Expected delays worked out by hand from the documented rule (base 2 s, doubling, equal
  // jitter): attempt 2 → step 4 s → 2 s fixed + half of the other 2 s = 3 s; attempt 1 →
  // step 2 s → 1 s + 0.5 s = 1.5 s.
  for (const status of [500, 502, 503, 504]) {
    const d = classifyDelivery("slack", response(status, "internal_error"), 2, NOW, half);
    assert.equal(d.kind, "retry", `status ${status}`);
    assert.equal(d.kind === "retry" && d.delayMs, 3_000);
  }
  const timeout = classifyDelivery("discord", { kind: "timeout", afterMs: 5000 }, 1, NOW, half);
  assert.deepEqual(timeout, {
    kind: "retry",
    delayMs: 1_500,
    reason: "Discord did not answer within 5000 ms",
  });
  const refused = classifyDelivery(
    "slack",
    { kind: "network", message: "Connection refused (os error 111)" },
    1,
    NOW,
    half,
  );
  assert.equal(refused.kind, "retry");
  assert.match(refused.kind === "retry" ? refused.reason : "", /Slack connection failed/);
});

Deno.test("delivery policy: Slack 400/403/404/410 are permanent, with what Slack said", () => {
  const cases: Array<[number, string]> = [
    [400, "invalid_payload"],
    [403, "action_prohibited"],
    [404, "channel_not_found"],
    [410, "channel_is_archived"],
  ];
  for (const [status, body] of cases) {
    assert.deepEqual(classifyDelivery("slack", response(status, body), 1, NOW, half), {
      kind: "permanent",
      reason: `Slack ${status} ${body}`,
    });
  }
});

Deno.test("delivery policy: Discord 400/401/403/404 are permanent, reason from the JSON", () => {
  const unknown = JSON.stringify({ message: "Unknown Webhook", code: 10015 });
  assert.deepEqual(classifyDelivery("discord", response(404, unknown), 1, NOW, half), {
    kind: "permanent",
    reason: "Discord 404 Unknown Webhook (code 10015)",
  });
  for (const status of [400, 401, 403]) {
    const d = classifyDelivery("discord", response(status, "{}"), 1, NOW, half);
    assert.equal(d.kind, "permanent", `status ${status}`);
  }
});

Deno.test("delivery policy: a transient failure turns permanent at the attempt limit", () => {
  const before = classifyDelivery("slack", response(500), MAX_DELIVERY_ATTEMPTS - 1, NOW, half);
  assert.equal(before.kind, "retry");
  const at = classifyDelivery("slack", response(500, "boom"), MAX_DELIVERY_ATTEMPTS, NOW, half);
  assert.equal(at.kind, "permanent");
  assert.match(
    at.kind === "permanent" ? at.reason : "",
    new RegExp(`gave up after ${MAX_DELIVERY_ATTEMPTS} attempts; last: Slack 500 boom`),
  );
});

Deno.test("delivery policy: backoff is capped, exponential, and jittered by the injected source", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (attempt, r) => {
        const step = Math.min(DEFAULT_BACKOFF.capMs, DEFAULT_BACKOFF.baseMs * 2 ** (attempt - 1));
        const delay = backoffDelayMs(attempt, () => r);
        assert.ok(delay >= Math.floor(step / 2) && delay <= step, `${attempt}: ${delay}`);
        // For a fixed random draw, a later attempt never waits less.
        assert.ok(backoffDelayMs(attempt + 1, () => r) >= delay);
      },
    ),
    withSeed({ seed: 5005, numRuns: 300 }),
  );
  assert.equal(backoffDelayMs(1, () => 0), 1000);
  assert.equal(backoffDelayMs(1, () => 0.999999), 2000);
  assert.equal(backoffDelayMs(4, () => 0), 8000);
  assert.equal(backoffDelayMs(40, () => 0), DEFAULT_BACKOFF.capMs / 2);
  assert.notEqual(backoffDelayMs(5, () => 0.1), backoffDelayMs(5, () => 0.9));
});

Deno.test("delivery policy: Retry-After parsing", () => {
  assert.equal(parseRetryAfterHeader(null, NOW), null);
  assert.equal(parseRetryAfterHeader("0", NOW), 0);
  assert.equal(parseRetryAfterHeader(" 12 ", NOW), 12000);
  assert.equal(parseRetryAfterHeader("1.25", NOW), 1250);
  assert.equal(parseRetryAfterHeader("soon", NOW), null);
  assert.equal(parseRetryAfterHeader(new Date(NOW - 5000).toUTCString(), NOW), 0);
  assert.equal(parseDiscordRetryAfter('{"retry_after":0.25}'), 250);
  assert.equal(parseDiscordRetryAfter('{"retry_after":"3"}'), null);
  assert.equal(parseDiscordRetryAfter("<html>"), null);
});

Deno.test("delivery policy: reasons and excerpts stay short", () => {
  assert.equal(describeResponse("slack", 500, ""), "Slack 500");
  assert.equal(describeResponse("slack", 400, "x".repeat(500)).length, "Slack 400 ".length + 120);
  assert.equal(responseExcerpt("short"), "short");
  assert.equal(responseExcerpt("y".repeat(600)).length, 501);
});
