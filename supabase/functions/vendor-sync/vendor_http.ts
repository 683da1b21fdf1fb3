/**
 * Requests to a vendor API the way the sync must make them: paced (shared/vendor_limits.ts
 * `RollingLimiter`), within the invocation's deadline, and with every failure sorted into what
 * the run does about it:
 *
 * - {@link RateLimited}: a 429 (or a login budget spent): wait `waitMs`, in this invocation if
 *   it fits, else the run is released until then;
 * - {@link VendorUnavailable}: a network error, a timeout or a 5xx: retried a little here, then
 *   the run is released with a backoff;
 * - {@link VendorRefused}: a 4xx that asking again will not fix (bad credentials, no access to
 *   the restaurant, a malformed answer): the run fails with the vendor's reason;
 * - {@link OutOfTime}: the invocation's budget is spent: the run is released and resumed at its
 *   cursor at once.
 *
 * @module
 */
import { rateLimitWaitMs, RollingLimiter } from "../../../shared/vendor_limits.ts";
import type { ClaimedRun, SyncDb } from "./sync_db.ts";

/** Wait `waitMs` before asking again. */
export class RateLimited extends Error {
  constructor(readonly waitMs: number, message: string) {
    super(message);
  }
}

/** The vendor could not answer now (network, timeout, 5xx). */
export class VendorUnavailable extends Error {}

/** The vendor refused for good (4xx other than 401/429, or an answer we cannot read). */
export class VendorRefused extends Error {}

/** The invocation's budget is spent. */
export class OutOfTime extends Error {}

/** The clock and timers a request uses (tests give virtual ones). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Options of one {@link VendorHttp}. */
export interface VendorHttpOptions {
  vendor: string;
  fetch: typeof fetch;
  clock: Clock;
  limiter: RollingLimiter;
  /** Epoch ms after which no request is started. */
  deadline: number;
  /** Per-request timeout (ms). */
  timeoutMs: number;
  /** The least a 429 makes us wait (7shifts: its one-minute block). */
  minimumRateLimitWaitMs?: number;
}

/** A paced HTTP client for one vendor connection within one invocation. */
export class VendorHttp {
  /** Requests sent (the run's `requests` counter). */
  sent = 0;
  /** Senders wait for the limiters one at a time, in the order they came. */
  #turn: Promise<void> = Promise.resolve();
  constructor(readonly opts: VendorHttpOptions) {}

  /**
   * Waits until every limiter allows a request, then reserves it in each; returns the send
   * time. The check and the reservation run with no await between them, so two senders never
   * take the same free place; the turns serve them in the order they came (an ordersBulk page
   * is not passed by the refund lists asked for after it).
   */
  async #acquire(limiters: RollingLimiter[]): Promise<number> {
    const { clock, deadline } = this.opts;
    const previous = this.#turn;
    let done!: () => void;
    this.#turn = new Promise((resolve) => (done = resolve));
    await previous;
    try {
      while (true) {
        const at = Math.max(...limiters.map((l) => l.nextSendAt()));
        if (at === Infinity) {
          // As many in flight as a second allows: the next answer says when.
          await Promise.race(limiters.map((l) => l.nextAnswer()));
          continue;
        }
        if (at <= clock.now()) break;
        if (at >= deadline) throw new OutOfTime("budget spent while pacing");
        await clock.sleep(at - clock.now());
      }
      if (clock.now() >= deadline) throw new OutOfTime("budget spent");
      const sentAt = clock.now();
      for (const l of limiters) l.reserve(sentAt);
      return sentAt;
    } finally {
      done();
    }
  }

  /** Time left before the deadline. */
  remainingMs(): number {
    return this.opts.deadline - this.opts.clock.now();
  }

  /**
   * Sends one request when the limiter allows (waiting for it), and returns the response of any
   * status but 429 and 5xx, which become {@link RateLimited} and {@link VendorUnavailable}.
   * `endpointLimiter` is the endpoint's own limit (Toast's `ordersBulk`), kept as well.
   */
  async send(url: string, init: RequestInit, endpointLimiter?: RollingLimiter): Promise<Response> {
    const { clock } = this.opts;
    const limiters = endpointLimiter ? [this.opts.limiter, endpointLimiter] : [this.opts.limiter];
    const sentAt = await this.#acquire(limiters);
    this.sent++;
    let res: Response;
    try {
      res = await this.opts.fetch(url, {
        ...init,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      for (const l of limiters) l.record(sentAt, clock.now());
      const what = err instanceof DOMException && err.name === "TimeoutError"
        ? `no answer within ${this.opts.timeoutMs} ms`
        : (err instanceof Error ? err.message : String(err));
      throw new VendorUnavailable(`${this.opts.vendor}: ${withoutQuery(what)}`);
    }
    for (const l of limiters) l.record(sentAt, clock.now());
    if (res.status === 429) {
      await res.body?.cancel();
      const waitMs = rateLimitWaitMs(
        res.headers,
        clock.now(),
        1000,
        this.opts.minimumRateLimitWaitMs ?? 0,
      );
      throw new RateLimited(waitMs, `${this.opts.vendor} answered 429 (wait ${waitMs} ms)`);
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new VendorUnavailable(`${this.opts.vendor} answered ${res.status}`);
    }
    return res;
  }

  /**
   * {@link send}, waiting out a 429 in this invocation when the wait fits in the time left, and
   * retrying a transient failure twice (after 1 and 2 s) when that fits too.
   */
  async sendPatiently(
    url: string,
    init: RequestInit,
    endpointLimiter?: RollingLimiter,
  ): Promise<Response> {
    let transient = 0;
    while (true) {
      try {
        return await this.send(url, init, endpointLimiter);
      } catch (err) {
        if (err instanceof RateLimited && err.waitMs + 2000 < this.remainingMs()) {
          await this.opts.clock.sleep(err.waitMs);
          continue;
        }
        const backoff = 1000 * 2 ** transient;
        if (
          err instanceof VendorUnavailable && transient < 2 && backoff + 5000 < this.remainingMs()
        ) {
          transient++;
          await this.opts.clock.sleep(backoff);
          continue;
        }
        throw err;
      }
    }
  }
}

/** Reads a JSON answer, or a {@link VendorRefused} naming what came instead. */
export async function jsonBody(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new VendorRefused(`${what}: the answer (${res.status}) is not JSON`);
  }
}

/** A 4xx answer as a {@link VendorRefused} with the vendor's words (cut short, no query). */
export async function refusal(res: Response, what: string): Promise<VendorRefused> {
  const text = (await res.text().catch(() => "")).replace(/\s+/g, " ").slice(0, 200);
  return new VendorRefused(`${what}: ${res.status}${text ? ` ${text}` : ""}`);
}

/** Transport errors quote the URL; its query may name restaurants or dates, never secrets. */
function withoutQuery(text: string): string {
  return text.replace(/\?[^\s)'"]*/g, "?…");
}

/** A token a login returned: the bearer token and how long it lasts. */
export interface Session {
  token: string;
  expiresInSeconds: number;
}

/**
 * A vendor's API for one run: a token for the run's connection, and GETs that carry it.
 *
 * The token is the one the database hands out (the session every instance shares, or a
 * company's access token), or, when there is none valid (or the vendor just refused it), a new
 * login with the credentials the database allows for it ({@link login}), kept for everyone. A
 * login in progress elsewhere is waited out in this invocation when it can be; a login
 * allowance that is spent is a {@link RateLimited} (the run waits for it). A GET answered 401
 * replaces the token once and asks again.
 */
export abstract class VendorClient {
  #token: string | null = null;
  /** The API's base URL: the connection's own, or the function's default. */
  readonly base: string;

  constructor(
    readonly run: ClaimedRun,
    readonly db: SyncDb,
    readonly http: VendorHttp,
    readonly vendor: "toast" | "7shifts",
    baseUrl: string,
  ) {
    this.base = baseUrl.replace(/\/+$/, "");
  }

  /** Logs in with the connection's client credentials. */
  protected abstract login(clientId: string, clientSecret: string): Promise<Session>;

  /** The headers of a GET made with `token`. */
  protected abstract headers(token: string): Record<string, string>;

  async #ensureToken(rejected: string | null = null): Promise<string> {
    if (this.#token && !rejected) return this.#token;
    while (true) {
      const access = await this.db.access(this.run, this.vendor, rejected);
      if ("token" in access) {
        if (rejected !== null && access.token === rejected) {
          throw new VendorRefused(`${this.vendor} refused the connection's access token (401)`);
        }
        return (this.#token = access.token);
      }
      if ("waitMs" in access) {
        if (access.waitMs + 2000 >= this.http.remainingMs()) {
          throw new RateLimited(access.waitMs, `${this.vendor}: waiting for a login slot`);
        }
        await this.http.opts.clock.sleep(access.waitMs);
        continue;
      }
      const session = await this.login(access.login.clientId, access.login.clientSecret);
      await this.db.storeSession(
        this.run,
        this.vendor,
        session.token,
        new Date(this.http.opts.clock.now() + session.expiresInSeconds * 1000),
      );
      return (this.#token = session.token);
    }
  }

  /**
   * GET `path` (under the base URL) with the token, paced by the connection's limiter and
   * `endpointLimiter` if the endpoint has its own; a 401 replaces the token once.
   */
  protected async get(
    path: string,
    query?: URLSearchParams,
    endpointLimiter?: RollingLimiter,
  ): Promise<Response> {
    const url = `${this.base}${path}${query ? `?${query}` : ""}`;
    let token = await this.#ensureToken();
    for (let attempt = 0;; attempt++) {
      const res = await this.http.sendPatiently(
        url,
        { headers: this.headers(token) },
        endpointLimiter,
      );
      if (res.status !== 401 || attempt > 0) return res;
      await res.body?.cancel();
      token = await this.#ensureToken(token);
    }
  }
}
