/**
 * The vendors' request limits and the rules the sync keeps them by (pure, no I/O):
 *
 * - Toast: at most 20 requests a second per API client across all its APIs (the global limit;
 *   the sync runs one restaurant of a connection at a time, so its run keeps it), of which at
 *   most 5 a second per restaurant to `ordersBulk` (that endpoint's own limit), and 10,000 per
 *   15 minutes; a 429 says when to come back.
 * - 7shifts: at most 10 requests a second per token; a 429 blocks the token for a full minute.
 *
 * {@link RollingLimiter} spaces requests so that no window of one second ever holds more than
 * the limit *as the vendor counts them*, whatever the network does: a request is sent only once
 * the request `limit` places back was answered more than a second ago. Its answer came after
 * it arrived, and this one arrives after it is sent, so the two arrivals are more than a second
 * apart; no jitter or queueing in between can squeeze `limit + 1` arrivals into one second.
 * Requests may be in flight together: one not yet answered counts as answered at the end of
 * time, so "`limit` places back" is taken among the answers in the order they come (or will).
 *
 * @module
 */

/** Toast: requests per second per API client, all APIs together (the global limit). */
export const TOAST_REQUESTS_PER_SECOND = 20;
/** Toast: `ordersBulk` requests per second per restaurant (the endpoint's own limit). */
export const TOAST_ORDERS_BULK_PER_SECOND = 5;
/** 7shifts: requests per second per token. */
export const SEVENSHIFTS_REQUESTS_PER_SECOND = 10;
/** 7shifts: how long a 429 blocks the token. */
export const SEVENSHIFTS_RATE_LIMIT_BLOCK_MS = 60_000;

/**
 * Keeps at most `limit` requests in any second, measured from answers (see the module doc).
 * Each request is {@link reserve}d when sent and {@link record}ed when answered or failed.
 */
export class RollingLimiter {
  /** The latest `limit` answer times (epoch ms), oldest first. */
  #answered: number[] = [];
  /** Requests sent and not yet answered. */
  #inFlight = 0;
  /** Send time of the last request. */
  #lastSent = -Infinity;
  /** Waiting for the next answer (see {@link nextAnswer}). */
  #waiters: Array<() => void> = [];
  readonly limit: number;
  /** The least time between two sends (1000 / limit), so a burst is spread over the second. */
  readonly minGapMs: number;

  constructor(limit: number, startAt = -Infinity) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be 1 or more");
    this.limit = limit;
    this.minGapMs = Math.ceil(1000 / limit);
    // A limiter that starts at `startAt` behaves as if `limit` requests were answered then:
    // requests of an earlier invocation can never share a second with its first ones.
    if (Number.isFinite(startAt)) this.#answered = new Array(limit).fill(startAt);
  }

  /**
   * The earliest time (epoch ms) the next request may be sent; `Infinity` while `limit`
   * requests are in flight (the next answer sets it: {@link nextAnswer}).
   */
  nextSendAt(): number {
    const spaced = this.#lastSent + this.minGapMs;
    if (this.#inFlight >= this.limit) return Infinity;
    // The limit-th latest answer, the requests in flight being the latest of all.
    const back = this.#answered.length - (this.limit - this.#inFlight);
    const window = back < 0 ? -Infinity : this.#answered[back]! + 1001;
    return Math.max(spaced, window);
  }

  /** Records a request sent at `sentAt` (in flight until {@link record}ed). */
  reserve(sentAt: number): void {
    this.#lastSent = Math.max(this.#lastSent, sentAt);
    this.#inFlight++;
  }

  /** Records that a request {@link reserve}d at `sentAt` was answered (or failed) at `answeredAt`. */
  record(sentAt: number, answeredAt: number): void {
    this.#lastSent = Math.max(this.#lastSent, sentAt);
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    this.#answered.push(answeredAt);
    this.#answered.sort((a, b) => a - b);
    while (this.#answered.length > this.limit) this.#answered.shift();
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves at the next {@link record}. */
  nextAnswer(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/**
 * How long a 429 asks to wait, in ms: `Retry-After` (seconds, or an HTTP date), else
 * `X-Toast-RateLimit-Reset` (epoch seconds, or ms when it is that large), else `fallbackMs`;
 * never less than `minimumMs` (7shifts' one-minute block), never negative.
 */
export function rateLimitWaitMs(
  headers: Headers,
  nowMs: number,
  fallbackMs: number,
  minimumMs = 0,
): number {
  let wait: number | null = null;
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) wait = Math.ceil(Number(retryAfter) * 1000);
    else {
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) wait = at - nowMs;
    }
  }
  const reset = headers.get("x-toast-ratelimit-reset")?.trim();
  if (wait === null && reset && /^\d+(\.\d+)?$/.test(reset)) {
    const n = Number(reset);
    wait = Math.ceil((n > 1e11 ? n : n * 1000) - nowMs);
  }
  return Math.max(0, minimumMs, wait ?? fallbackMs);
}
