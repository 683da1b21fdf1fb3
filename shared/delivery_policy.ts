/**
 * What to do after posting an alert to Slack or Discord: delivered, try again at a given
 * time, or stop because retrying cannot help. Pure: the response (or the transport error),
 * the attempt number, the clock and the random source are inputs.
 *
 * The rules, from the services' documentation:
 * - **Success**: any 2xx (Slack answers 200 `ok`, Discord 204, or 200 with `?wait=true`).
 * - **Rate limited (429)**: wait what the service says. Slack sends `Retry-After` in
 *   seconds; Discord sends JSON `retry_after` in seconds (and a `Retry-After` header).
 * - **5xx, 408, timeouts, connection errors**: transient; retry with capped exponential
 *   backoff and jitter, so many alerts failing together do not retry in lockstep.
 * - **Other 4xx**: permanent. Slack 400 `invalid_payload`, 403 `action_prohibited`,
 *   404 `channel_not_found`/`no_service`, 410 `channel_is_archived`; Discord 400 (bad body),
 *   401/403 (bad token), 404 `Unknown Webhook`. Retrying would only repeat the error.
 * - After {@link MAX_DELIVERY_ATTEMPTS} attempts a transient failure becomes permanent, so an
 *   alert never retries forever.
 *
 * Pacing: Slack allows about one message per second per incoming webhook; Discord about
 * five per two seconds per webhook ({@link WEBHOOK_MIN_INTERVAL_MS}). The database applies the
 * pace atomically (`pipeline.reserve_webhook_slot`, tested in tests/alerts/pacing_test.ts) so
 * concurrent notifier runs share one pace.
 *
 * @module
 */

/** The two chat services alerts go to. */
export type Channel = "slack" | "discord";

/** What came back from posting a message. */
export type ChannelResult =
  | {
    kind: "response";
    status: number;
    /** Response body as text (may be cut; only its start is ever read). */
    body: string;
    /** The `Retry-After` header, when present. */
    retryAfter: string | null;
  }
  | { kind: "timeout"; afterMs: number }
  | { kind: "network"; message: string };

/** What to do next. */
export type DeliveryDecision =
  | { kind: "delivered" }
  | { kind: "retry"; delayMs: number; reason: string }
  | { kind: "permanent"; reason: string };

/** Backoff settings for transient failures. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter (ms). */
  baseMs: number;
  /** Largest delay, before jitter (ms). */
  capMs: number;
}

/** The default backoff: 2 s, 4 s, 8 s … capped at 15 min (each with jitter). */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 2_000, capMs: 15 * 60_000 };

/**
 * Attempts per alert before a transient failure counts as permanent. With the default
 * backoff that is about three hours of retrying: long enough to ride out an outage, short
 * enough that an operator hears about a broken channel the same shift.
 */
export const MAX_DELIVERY_ATTEMPTS = 20;

/** The longest rate-limit wait honoured as given; longer answers are clamped to this. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** Minimum gap between two messages to the same webhook, per service (ms). */
export const WEBHOOK_MIN_INTERVAL_MS: Readonly<Record<Channel, number>> = {
  slack: 1_000,
  discord: 500,
};

/** How much of a response body is kept with an attempt. */
export const RESPONSE_EXCERPT_CHARS = 500;

/** The start of a response body, for the attempts log. */
export function responseExcerpt(body: string, max = RESPONSE_EXCERPT_CHARS): string {
  return body.length <= max ? body : `${body.slice(0, max)}…`;
}

/**
 * Delay before retry number `attempt` (1 = the first retry): `min(cap, base·2^(attempt−1))`
 * with "equal jitter": half of it fixed, half uniformly random, so the delay never drops
 * below half the exponential step (keeping retries ordered) yet spreads out a thundering
 * herd. `random` returns a number in [0, 1).
 */
export function backoffDelayMs(
  attempt: number,
  random: () => number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const step = Math.min(opts.capMs, opts.baseMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 0.999999);
  return Math.round(step / 2 + r * (step / 2));
}

/**
 * A `Retry-After` header in milliseconds: delay-seconds (`"3"`, `"1.5"`) or an HTTP date
 * (relative to `nowMs`). Null when absent or unreadable.
 */
export function parseRetryAfterHeader(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isFinite(date)) return Math.max(0, date - nowMs);
  return null;
}

/** Discord's JSON `retry_after` (seconds, may be fractional) in milliseconds, or null. */
export function parseDiscordRetryAfter(body: string): number | null {
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown };
    const seconds = parsed?.retry_after;
    if (typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0) {
      return Math.ceil(seconds * 1000);
    }
  } catch {
    // Not JSON: fall back to the header.
  }
  return null;
}

/** A short, human reason naming the service, the status and what it said. */
export function describeResponse(channel: Channel, status: number, body: string): string {
  const name = channel === "slack" ? "Slack" : "Discord";
  let said = body.trim();
  if (channel === "discord") {
    try {
      const parsed = JSON.parse(said) as { message?: unknown; code?: unknown };
      if (typeof parsed?.message === "string") {
        said = typeof parsed.code === "number"
          ? `${parsed.message} (code ${parsed.code})`
          : parsed.message;
      }
    } catch {
      // Plain text body: use it as is.
    }
  }
  said = said.replace(/\s+/g, " ").slice(0, 120);
  return said ? `${name} ${status} ${said}` : `${name} ${status}`;
}

/** True for statuses where retrying the same request can succeed. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500 || status < 200;
}

/**
 * Decides what follows attempt number `attempt` (1 = the first post of this alert to this
 * service) given what the service answered.
 */
export function classifyDelivery(
  channel: Channel,
  result: ChannelResult,
  attempt: number,
  nowMs: number,
  random: () => number,
  backoff: BackoffOptions = DEFAULT_BACKOFF,
): DeliveryDecision {
  const name = channel === "slack" ? "Slack" : "Discord";
  let reason: string;
  let delayMs: number;
  if (result.kind === "response") {
    const { status, body } = result;
    if (status >= 200 && status < 300) return { kind: "delivered" };
    reason = describeResponse(channel, status, body);
    if (!isTransientStatus(status)) return { kind: "permanent", reason };
    if (status === 429) {
      const told = (channel === "discord" ? parseDiscordRetryAfter(body) : null) ??
        parseRetryAfterHeader(result.retryAfter, nowMs);
      delayMs = told === null
        ? backoffDelayMs(attempt, random, backoff)
        : Math.min(Math.max(told, 0), MAX_RETRY_AFTER_MS);
    } else {
      delayMs = backoffDelayMs(attempt, random, backoff);
    }
  } else if (result.kind === "timeout") {
    reason = `${name} did not answer within ${result.afterMs} ms`;
    delayMs = backoffDelayMs(attempt, random, backoff);
  } else {
    reason = `${name} connection failed: ${result.message}`.slice(0, 200);
    delayMs = backoffDelayMs(attempt, random, backoff);
  }
  if (attempt >= MAX_DELIVERY_ATTEMPTS) {
    return { kind: "permanent", reason: `gave up after ${attempt} attempts; last: ${reason}` };
  }
  return { kind: "retry", delayMs, reason };
}
