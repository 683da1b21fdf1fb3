/**
 * Local stand-ins for Toast's orders API and 7shifts' REST API (v2), serving a simulation's
 * restaurants as the vendors would, so the vendor sync can be tested (and shown) without the
 * internet, and kept honest: they count every request and record every broken rule as a
 * violation a test fails on.
 *
 * ```ts
 * const fakes = await startVendorFakes();
 * fakes.serve(simulation);
 * fakes.addToastClient({ clientId, clientSecret, restaurants: [guid] });
 * // ... point a connection's api_base_url at fakes.toastBaseUrl / fakes.sevenShiftsBaseUrl ...
 * assert.deepEqual(fakes.violations(), []);
 * ```
 *
 * What they serve is what the vendor has *now* (`visibleAt`, default their clock): each order
 * and punch as its latest version made by then, including the punch versions 7shifts sends no
 * webhook for (break edits) and the orders whose webhooks were lost. Tokens, logins, rate limits
 * and 429 blocks run on their clock (`now`, default the real one), which must be the clock the
 * sync's own limiter and the database keep (a replayed day shows its data by the replay's clock,
 * but a second of rate limit is a real second).
 *
 * **Toast** (`<url>/toast`), from its developer guide:
 * - `POST /authentication/v1/authentication/login` `{clientId, clientSecret, userAccessType:
 *   "TOAST_MACHINE_CLIENT"}` → `{token: {tokenType: "Bearer", accessToken, expiresIn}}` (a day).
 *   Violations: a third login within an hour; a login while the client holds a token issued
 *   less than 30 minutes ago that still works.
 * - Every other request needs `Authorization: Bearer` (a revoked or expired token: 401) and
 *   `Toast-Restaurant-External-ID` naming a restaurant the client may read (400 / 403).
 * - `GET /orders/v2/ordersBulk?startDate&endDate&pageSize&page`: orders *modified* in
 *   `[startDate, endDate)`, ordered by modification, `pageSize` 1-100 (else 400), a window of at
 *   most 31 days (else 400 and a violation); `Link: <...>; rel="next"` while more pages follow,
 *   an empty array past the end. Violation: the next window of a split range asked for less than
 *   5 s after the previous one.
 * - `GET /orders/v2/payments?refundBusinessDate=yyyyMMdd` → payment GUIDs refunded that day;
 *   `GET /orders/v2/payments/{guid}` → the payment (`orderGuid`); `GET /orders/v2/orders/{guid}`.
 * - Limits: 20 requests in any second and 10,000 in any 15 minutes per API client, all APIs
 *   together (the global limit), and 5 `ordersBulk` requests in any second per restaurant (the
 *   endpoint's own); the request over a limit is a violation and a 429 with `Retry-After` and
 *   `X-Toast-RateLimit-Reset`, and a request before a 429's time is up is a violation too.
 *
 * **7shifts** (`<url>/7shifts`), from its API reference:
 * - `POST /oauth2/token` (form: `grant_type=client_credentials`, `client_id`, `client_secret`)
 *   → `{access_token, token_type, expires_in: 3600}`.
 * - `GET /v2/company/{id}/time_punches?location_id&clocked_in[gte]&clocked_in[lte]&limit&cursor`
 *   (deleted punches are not listed), `{data, meta: {cursor: {current, prev, next, count}},
 *   object}`; `GET /v2/company/{id}/time_punches/{punch}` → `{data}` (deleted ones too; 404 when
 *   there is none). `Authorization: Bearer` (the company's access token, or an OAuth token with
 *   `x-company-guid` of a company that granted that client: else 401/403), `x-api-version`
 *   (else 400), `limit` 1-500.
 * - `GET /v2/company/{id}/shifts?location_id&start[gte]&start[lte]&deleted&draft&limit&cursor`
 *   (List Shifts): the shifts a test set with {@link VendorFakes.setShifts}, as 7shifts' API
 *   objects; published ones only (`publish_status` other than `draft`) unless `draft=true`,
 *   deleted ones only with `deleted=true` (which cannot be combined with `draft`: 400), start
 *   filters inclusive, by id, paged like punches (`limit` 1-500, default 100).
 * - Limit: 10 requests in any second per token; the 11th is a violation and a 429, and the
 *   token is blocked for 60 s: every request in that minute is a violation (and a 429).
 *
 * Scripted answers ({@link VendorFakes.script}) replace the answer to the next API requests of
 * a vendor: 429 storms, 5xx, a token expiring early.
 *
 * @module
 */
import type { Simulation } from "../sim/generate.ts";
import type { SimLocation, SimOrder, SimPunch, SimPunchVersion } from "../sim/model.ts";
import { renderApiPunch, renderPayment, renderToastOrder } from "../sim/render.ts";
import type { ToastConfigGuids } from "../sim/render.ts";

/** The two fake vendors. */
export type FakeVendor = "toast" | "7shifts";

/** A scripted answer for the next API request of a vendor. */
export type FakeAnswer =
  | { kind: "pass" }
  | { kind: "rate_limited"; retryAfterSeconds?: number }
  | { kind: "server_error"; status?: number }
  | { kind: "unauthorized" }
  /** Waits for `onHold` (a test kills the caller meanwhile), then answers as usual. */
  | { kind: "hold"; onHold: () => Promise<void> };

/** One request as it arrived. */
export interface FakeRequest {
  vendor: FakeVendor;
  method: string;
  /** Path under the vendor's base (`/orders/v2/ordersBulk`). */
  path: string;
  query: Record<string, string>;
  /** The fake's clock when it arrived. */
  at: number;
  status: number;
  /**
   * The limits it counted against, each `<kind> <id>`: Toast's `client <id>` (every API
   * request) and `ordersBulk <restaurant>`, 7shifts' `token <prefix>`; none for logins and
   * requests refused before the limits.
   */
  limitKeys: string[];
  /** Rows in the answer (orders, payment GUIDs, punches; 1 for one by id), when it is 200. */
  items: number;
}

/** A Toast machine client. */
export interface FakeToastClient {
  clientId: string;
  clientSecret: string;
  /** Restaurant GUIDs it may read. */
  restaurants: string[];
}

/** A 7shifts company and how it lets callers in. */
export interface FakeSevenShiftsCompany {
  companyId: number;
  /** Its GUID (`x-company-guid` of partner OAuth tokens). */
  companyGuid?: string;
  /** A company access token (long-lived). */
  accessToken?: string;
  /** A partner OAuth client the company granted access. */
  oauth?: { clientId: string; clientSecret: string };
}

/** Options of {@link startVendorFakes}. */
export interface VendorFakesOptions {
  port?: number;
  /** The vendors' clock (epoch ms): token lifetimes, logins, rate limits. Default Date.now. */
  now?: () => number;
  /** The time whose data they serve (epoch ms): the versions made by then. Default `now`. */
  visibleAt?: () => number;
}

/** Running fakes. */
export interface VendorFakes {
  url: string;
  /** What TOAST_API_BASE_URL (or a connection's api_base_url) points at. */
  toastBaseUrl: string;
  /** What SEVENSHIFTS_API_BASE_URL (or a connection's api_base_url) points at. */
  sevenShiftsBaseUrl: string;
  /** Serves a simulation's restaurants and companies (adds to what is served). */
  serve(simulation: Simulation): void;
  addToastClient(client: FakeToastClient): void;
  addSevenShiftsCompany(company: FakeSevenShiftsCompany): void;
  /**
   * Sets the shifts a 7shifts company has now (its whole schedule, drafts and deleted ones
   * included, as List Shifts objects: `id, location_id, start, end, publish_status, draft,
   * deleted, modified, ...`), replacing what it had: a re-publish is a new call.
   */
  setShifts(companyId: number, shifts: ReadonlyArray<Record<string, unknown>>): void;
  /** Answers the next API requests of `vendor` (not logins) with these, in order. */
  script(vendor: FakeVendor, ...answers: FakeAnswer[]): void;
  /** Makes every token issued so far stop working (401), as an early expiry or revocation. */
  expireTokens(vendor?: FakeVendor): void;
  /** Requests so far (of `vendor`). */
  requests(vendor?: FakeVendor): FakeRequest[];
  /** Logins (Toast) and token grants (7shifts) so far. */
  logins(vendor: FakeVendor): number[];
  /** Every broken rule so far, in words. */
  violations(): string[];
  /**
   * The most requests any one limit key of `vendor` saw within one second; only keys of `kind`
   * (`client`, `ordersBulk`, `token`) when given.
   */
  peakRate(vendor: FakeVendor, kind?: string): number;
  stop(): Promise<void>;
}

interface Token {
  vendor: FakeVendor;
  owner: string;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
  companyId?: number;
}

interface ToastOrderEntry {
  order: SimOrder;
  location: SimLocation;
  config: ToastConfigGuids;
}

interface PunchEntry {
  punch: SimPunch;
  location: SimLocation;
}

const TOAST_TOKEN_SECONDS = 86_400;
const SEVENSHIFTS_TOKEN_SECONDS = 3_600;
const TOAST_PER_SECOND = 20;
const TOAST_PER_QUARTER_HOUR = 10_000;
const TOAST_ORDERS_BULK_PER_SECOND = 5;
const SEVENSHIFTS_PER_SECOND = 10;
const SEVENSHIFTS_BLOCK_MS = 60_000;
const TOAST_MAX_WINDOW_MS = 31 * 24 * 3600 * 1000;
const TOAST_WINDOW_SPACING_MS = 5_000;

/** The version made by `now` (7shifts' silent edits count from when they were made). */
function visible<T extends { modifiedAt: number; editedAt?: number }>(
  versions: readonly T[],
  now: number,
): T | null {
  let found: T | null = null;
  for (const v of versions) if ((v.editedAt ?? v.modifiedAt) <= now) found = v;
  return found;
}

/** Parses Toast's and 7shifts' query times: ISO with an offset, or `yyyy-MM-dd HH:mm:ss` UTC. */
function parseTime(text: string | null): number | null {
  if (!text) return null;
  const t = text.trim().replace(" ", "T");
  const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(t) ? t : `${t}Z`;
  const iso = withZone.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** Starts the fakes on 127.0.0.1. */
export function startVendorFakes(opts: VendorFakesOptions = {}): VendorFakes {
  const now = opts.now ?? Date.now;
  const visibleAt = opts.visibleAt ?? now;
  const toastClients = new Map<string, FakeToastClient>();
  const companies = new Map<number, FakeSevenShiftsCompany>();
  const orders = new Map<string, ToastOrderEntry[]>();
  const orderByGuid = new Map<string, ToastOrderEntry>();
  const punches = new Map<number, PunchEntry[]>();
  const shifts = new Map<number, ReadonlyArray<Record<string, unknown>>>();
  const tokens = new Map<string, Token>();
  const loginTimes: Record<FakeVendor, number[]> = { toast: [], "7shifts": [] };
  const toastLogins = new Map<string, number[]>();
  const scripts: Record<FakeVendor, FakeAnswer[]> = { toast: [], "7shifts": [] };
  const log: FakeRequest[] = [];
  const violations: string[] = [];
  const recent = new Map<string, number[]>();
  const blockedUntil = new Map<string, number>();
  const lastWindow = new Map<string, { start: number; end: number; lastAt: number }>();

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });

  /**
   * Counts a request against `key`'s limit (`perSecond`, and `perQuarterHour` in any 15
   * minutes when given); a 429 when it breaks it or comes while blocked.
   */
  function limit(
    vendor: FakeVendor,
    key: string,
    at: number,
    perSecond: number,
    perQuarterHour = Infinity,
  ): Response | null {
    const until = blockedUntil.get(key) ?? -Infinity;
    if (at < until) {
      violations.push(
        `${vendor}: request for ${key} ${until - at} ms before its 429 allowed another`,
      );
      return rateLimited(vendor, key, at, until, perSecond);
    }
    const window = Number.isFinite(perQuarterHour) ? 900_000 : 1000;
    const times = (recent.get(key) ?? []).filter((t) => t > at - window);
    times.push(at);
    recent.set(key, times);
    const inSecond = times.filter((t) => t > at - 1000).length;
    if (inSecond > perSecond || times.length > perQuarterHour) {
      violations.push(
        inSecond > perSecond
          ? `${vendor}: ${inSecond} requests for ${key} within one second`
          : `${vendor}: ${times.length} requests for ${key} within 15 minutes`,
      );
      const block = vendor === "7shifts" ? at + SEVENSHIFTS_BLOCK_MS : at + 1000;
      blockedUntil.set(key, block);
      return rateLimited(vendor, key, at, block, perSecond);
    }
    return null;
  }

  function rateLimited(
    vendor: FakeVendor,
    key: string,
    at: number,
    until: number,
    perSecond: number,
  ): Response {
    const seconds = Math.max(1, Math.ceil((until - at) / 1000));
    blockedUntil.set(key, Math.max(blockedUntil.get(key) ?? -Infinity, at + seconds * 1000));
    const headers: Record<string, string> = { "retry-after": String(seconds) };
    if (vendor === "toast") {
      headers["x-toast-ratelimit-reset"] = String(Math.ceil((at + seconds * 1000) / 1000));
      headers["x-toast-ratelimit-limit"] = String(perSecond);
      headers["x-toast-ratelimit-remaining"] = "0";
    }
    return json(429, { status: 429, message: "Too many requests" }, headers);
  }

  /** A scripted answer for the next API request of `vendor`, if any. */
  async function scripted(
    vendor: FakeVendor,
    key: string,
    at: number,
    perSecond: number,
  ): Promise<Response | null> {
    const answer = scripts[vendor].shift();
    if (!answer || answer.kind === "pass") return null;
    if (answer.kind === "hold") {
      await answer.onHold();
      return null;
    }
    if (answer.kind === "rate_limited") {
      const seconds = answer.retryAfterSeconds ?? (vendor === "7shifts" ? 60 : 1);
      return rateLimited(vendor, key, at, at + seconds * 1000, perSecond);
    }
    if (answer.kind === "unauthorized") return json(401, { message: "token expired" });
    return json(answer.status ?? 503, { message: "service unavailable" });
  }

  function bearer(req: Request, vendor: FakeVendor): { token: Token; text: string } | null {
    const m = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "");
    const token = m ? tokens.get(m[1]) : undefined;
    if (!m || !token || token.vendor !== vendor || token.revoked || token.expiresAt <= now()) {
      return null;
    }
    return { token, text: m[1] };
  }

  function issue(vendor: FakeVendor, owner: string, seconds: number, companyId?: number): string {
    const text = `${vendor}-${crypto.randomUUID()}`;
    const at = now();
    tokens.set(text, {
      vendor,
      owner,
      issuedAt: at,
      expiresAt: at + seconds * 1000,
      revoked: false,
      companyId,
    });
    loginTimes[vendor].push(at);
    return text;
  }

  // ------------------------------------------------------------------- Toast

  async function toastLogin(req: Request): Promise<Response> {
    const body = await req.json().catch(() => null) as Record<string, unknown> | null;
    const client = toastClients.get(String(body?.clientId ?? ""));
    if (
      !client || body?.clientSecret !== client.clientSecret ||
      body?.userAccessType !== "TOAST_MACHINE_CLIENT"
    ) {
      return json(401, { status: "ERROR", message: "Access denied" });
    }
    const at = now();
    const held = [...tokens.values()].find((t) =>
      t.vendor === "toast" && t.owner === client.clientId && !t.revoked && t.expiresAt > at &&
      at - t.issuedAt < 30 * 60_000
    );
    if (held) {
      violations.push(
        `toast: client ${client.clientId} logged in again ${
          Math.round((at - held.issuedAt) / 1000)
        } s after its last login, with that token still good (reuse it for 30 minutes)`,
      );
    }
    const times = (toastLogins.get(client.clientId) ?? []).filter((t) => t > at - 3600_000);
    times.push(at);
    toastLogins.set(client.clientId, times);
    if (times.length > 2) {
      violations.push(
        `toast: client ${client.clientId} logged in ${times.length} times in an hour`,
      );
    }
    return json(200, {
      "@class": ".SuccessfulResponse",
      token: {
        tokenType: "Bearer",
        scope: null,
        expiresIn: TOAST_TOKEN_SECONDS,
        accessToken: issue("toast", client.clientId, TOAST_TOKEN_SECONDS),
        idToken: null,
        refreshToken: null,
      },
      status: "SUCCESS",
    });
  }

  function toastVisibleOrders(restaurant: string) {
    const at = visibleAt();
    return (orders.get(restaurant) ?? [])
      .map((e) => ({ e, v: visible(e.order.versions, at) }))
      .filter((x) => x.v !== null) as Array<{ e: ToastOrderEntry; v: SimOrder["versions"][0] }>;
  }

  function toastApi(url: URL, path: string, restaurant: string): Response {
    const at = now();
    const q = url.searchParams;
    if (path === "/orders/v2/ordersBulk") {
      const start = parseTime(q.get("startDate"));
      const end = parseTime(q.get("endDate"));
      const pageSize = Number(q.get("pageSize") ?? "100");
      const page = Number(q.get("page") ?? "1");
      if (start === null || end === null || end <= start) {
        return json(400, { status: 400, message: "startDate and endDate are required" });
      }
      if (end - start > TOAST_MAX_WINDOW_MS) {
        violations.push(`toast: ordersBulk window of ${(end - start) / 86_400_000} days`);
        return json(400, { status: 400, message: "The time range must be at most one month" });
      }
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
        return json(400, { status: 400, message: "pageSize must be 1-100" });
      }
      if (!Number.isInteger(page) || page < 1) {
        return json(400, { status: 400, message: "page must be 1 or more" });
      }
      const previous = lastWindow.get(restaurant);
      if (previous && (previous.start !== start || previous.end !== end)) {
        if (previous.end === start && at - previous.lastAt < TOAST_WINDOW_SPACING_MS) {
          violations.push(
            `toast: next history window for ${restaurant} ${at - previous.lastAt} ms after the ` +
              "previous (5-10 s apart)",
          );
        }
      }
      lastWindow.set(restaurant, { start, end, lastAt: at });
      const all = toastVisibleOrders(restaurant)
        .filter((x) => x.v.modifiedAt >= start && x.v.modifiedAt < end)
        .sort((a, b) =>
          a.v.modifiedAt - b.v.modifiedAt || a.e.order.guid.localeCompare(b.e.order.guid)
        );
      const slice = all.slice((page - 1) * pageSize, page * pageSize);
      const headers: Record<string, string> = {};
      if (page * pageSize < all.length) {
        const next = new URL(url);
        next.searchParams.set("page", String(page + 1));
        headers.link = `<${next}>; rel="next"`;
      }
      return json(
        200,
        slice.map((x) => renderToastOrder(x.e.order, x.v, x.e.location, x.e.config)),
        headers,
      );
    }
    if (path === "/orders/v2/payments") {
      const date = q.get("refundBusinessDate");
      if (!date || !/^\d{8}$/.test(date)) {
        return json(400, { status: 400, message: "a business date (yyyyMMdd) is required" });
      }
      const day = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
      const guids: string[] = [];
      for (const { v } of toastVisibleOrders(restaurant)) {
        for (const c of v.checks) {
          for (const p of c.payments) {
            if (p.refund?.refundBusinessDate === day) guids.push(p.guid);
          }
        }
      }
      return json(200, guids);
    }
    const payment = /^\/orders\/v2\/payments\/([^/]+)$/.exec(path);
    if (payment) {
      for (const { e, v } of toastVisibleOrders(restaurant)) {
        for (const c of v.checks) {
          const p = c.payments.find((x) => x.guid === payment[1]);
          if (p) return json(200, renderPayment(p, e.order.guid, c, e.location.timeZone));
        }
      }
      return json(404, { status: 404, message: "Payment not found" });
    }
    const order = /^\/orders\/v2\/orders\/([^/]+)$/.exec(path);
    if (order) {
      const e = orderByGuid.get(order[1].toLowerCase());
      const v = e && e.location.toastRestaurantGuid === restaurant
        ? visible(e.order.versions, visibleAt())
        : null;
      if (!e || !v) return json(404, { status: 404, message: "Order not found" });
      return json(200, renderToastOrder(e.order, v, e.location, e.config));
    }
    return json(404, { status: 404, message: `No such resource: ${path}` });
  }

  async function toast(req: Request, url: URL, path: string): Promise<FakeOutcome> {
    if (req.method === "POST" && path === "/authentication/v1/authentication/login") {
      return { res: await toastLogin(req), limitKeys: [] };
    }
    if (req.method !== "GET") return { res: json(405, { message: "GET only" }), limitKeys: [] };
    const auth = bearer(req, "toast");
    if (!auth) return { res: json(401, { status: 401, message: "Unauthorized" }), limitKeys: [] };
    const restaurant = req.headers.get("toast-restaurant-external-id")?.toLowerCase() ?? "";
    if (!restaurant) {
      return {
        res: json(400, { message: "Toast-Restaurant-External-ID is required" }),
        limitKeys: [],
      };
    }
    const client = toastClients.get(auth.token.owner);
    if (!client?.restaurants.map((r) => r.toLowerCase()).includes(restaurant)) {
      return { res: json(403, { message: "No access to this restaurant" }), limitKeys: [] };
    }
    const key = `client ${auth.token.owner}`;
    const limitKeys = [key];
    const at = now();
    let limited = limit("toast", key, at, TOAST_PER_SECOND, TOAST_PER_QUARTER_HOUR);
    if (path === "/orders/v2/ordersBulk") {
      const bulk = `ordersBulk ${restaurant}`;
      limitKeys.push(bulk);
      limited ??= limit("toast", bulk, at, TOAST_ORDERS_BULK_PER_SECOND);
    }
    if (limited) return { res: limited, limitKeys };
    const script = await scripted("toast", key, at, TOAST_PER_SECOND);
    if (script) return { res: script, limitKeys };
    return { res: toastApi(url, path, restaurant), limitKeys };
  }

  // ------------------------------------------------------------------- 7shifts

  async function sevenShiftsToken(req: Request): Promise<Response> {
    const form = new URLSearchParams(await req.text());
    const clientId = form.get("client_id") ?? "";
    const company = [...companies.values()].find((c) => c.oauth?.clientId === clientId);
    if (
      form.get("grant_type") !== "client_credentials" || !company ||
      company.oauth?.clientSecret !== form.get("client_secret")
    ) {
      return json(401, { error: "invalid_client" });
    }
    return json(200, {
      access_token: issue("7shifts", `oauth ${clientId}`, SEVENSHIFTS_TOKEN_SECONDS),
      token_type: "bearer",
      expires_in: SEVENSHIFTS_TOKEN_SECONDS,
    });
  }

  function sevenShiftsApi(url: URL, companyId: number, rest: string): Response {
    const at = visibleAt();
    const company = (punches.get(companyId) ?? [])
      .map((e) => ({ e, v: visible(e.punch.versions, at) }))
      .filter((x) => x.v !== null) as Array<{ e: PunchEntry; v: SimPunchVersion }>;
    const one = /^\/(\d+)$/.exec(rest);
    if (one) {
      const found = company.find((x) => x.e.punch.id === Number(one[1]));
      if (!found) return json(404, { message: "Time punch not found" });
      return json(200, {
        data: renderApiPunch(found.e.punch, found.v, found.e.location),
        object: "time_punch",
      });
    }
    if (rest !== "") return json(404, { message: "Not found" });
    const q = url.searchParams;
    const location = q.get("location_id") === null ? null : Number(q.get("location_id"));
    const gte = parseTime(q.get("clocked_in[gte]"));
    const lte = parseTime(q.get("clocked_in[lte]"));
    const matching = company
      .filter((x) =>
        !x.v.deleted &&
        (location === null || x.e.location.sevenShiftsLocationId === location) &&
        (gte === null || x.v.clockedInAt >= gte) &&
        (lte === null || x.v.clockedInAt <= lte + 999)
      )
      .sort((a, b) => a.e.punch.id - b.e.punch.id)
      .map((x) => renderApiPunch(x.e.punch, x.v, x.e.location));
    return listPage(q, matching, 20, "time_punches");
  }

  /** List Shifts of a company (see the module doc). */
  function sevenShiftsShifts(url: URL, companyId: number, rest: string): Response {
    if (rest !== "") return json(404, { message: "Not found" });
    const q = url.searchParams;
    const draft = q.get("draft") === "true";
    const deleted = q.get("deleted") === "true";
    if (draft && deleted) {
      return json(400, { message: "deleted cannot be combined with draft" });
    }
    const location = q.get("location_id") === null ? null : Number(q.get("location_id"));
    const gte = parseTime(q.get("start[gte]"));
    const lte = parseTime(q.get("start[lte]"));
    const matching = (shifts.get(companyId) ?? [])
      .filter((s) => {
        const start = parseTime(typeof s.start === "string" ? s.start : null);
        return (draft || s.publish_status !== "draft") &&
          (deleted || s.deleted !== true) &&
          (location === null || s.location_id === location) &&
          (gte === null || (start !== null && start >= gte)) &&
          (lte === null || (start !== null && start <= lte + 999));
      })
      .sort((a, b) => Number(a.id) - Number(b.id));
    return listPage(q, matching, 100, "shifts");
  }

  /** One page of a v2 list: `limit` (1-500), an opaque `cursor`, `meta.cursor`. */
  function listPage(
    q: URLSearchParams,
    matching: unknown[],
    defaultLimit: number,
    object: string,
  ): Response {
    const limitN = Number(q.get("limit") ?? String(defaultLimit));
    if (!Number.isInteger(limitN) || limitN < 1 || limitN > 500) {
      return json(400, { message: "limit must be 1-500" });
    }
    let offset = 0;
    const cursor = q.get("cursor");
    if (cursor) {
      try {
        offset = Number(JSON.parse(atob(cursor)).offset);
      } catch {
        return json(400, { message: "invalid cursor" });
      }
      if (!Number.isInteger(offset) || offset < 0) {
        return json(400, { message: "invalid cursor" });
      }
    }
    const slice = matching.slice(offset, offset + limitN);
    const next = offset + limitN < matching.length
      ? btoa(JSON.stringify({ offset: offset + limitN }))
      : null;
    return json(200, {
      data: slice,
      meta: {
        cursor: {
          current: cursor ?? null,
          prev: offset > 0 ? btoa(JSON.stringify({ offset: Math.max(0, offset - limitN) })) : null,
          next,
          count: slice.length,
        },
      },
      object,
    });
  }

  async function sevenShifts(req: Request, url: URL, path: string): Promise<FakeOutcome> {
    if (req.method === "POST" && path === "/oauth2/token") {
      return { res: await sevenShiftsToken(req), limitKeys: [] };
    }
    const m = /^\/v2\/company\/(\d+)\/(time_punches|shifts)(\/\d+)?$/.exec(path);
    if (req.method !== "GET" || !m) {
      return { res: json(404, { message: "Not found" }), limitKeys: [] };
    }
    const auth = bearer(req, "7shifts");
    if (!auth) return { res: json(401, { message: "Unauthorized" }), limitKeys: [] };
    if (!req.headers.get("x-api-version")) {
      return { res: json(400, { message: "x-api-version is required" }), limitKeys: [] };
    }
    const companyId = Number(m[1]);
    const company = companies.get(companyId);
    const owner = auth.token.owner;
    const allowed = company && (
      (owner === `company ${companyId}`) ||
      (owner.startsWith("oauth ") && company.oauth?.clientId === owner.slice(6) &&
        req.headers.get("x-company-guid") === company.companyGuid)
    );
    if (!allowed) return { res: json(403, { message: "Forbidden" }), limitKeys: [] };
    const key = `token ${auth.text.slice(0, 20)}`;
    const at = now();
    const limited = limit("7shifts", key, at, SEVENSHIFTS_PER_SECOND);
    if (limited) return { res: limited, limitKeys: [key] };
    const script = await scripted("7shifts", key, at, SEVENSHIFTS_PER_SECOND);
    if (script) return { res: script, limitKeys: [key] };
    const answer = m[2] === "shifts"
      ? sevenShiftsShifts(url, companyId, m[3] ?? "")
      : sevenShiftsApi(url, companyId, m[3] ?? "");
    return { res: answer, limitKeys: [key] };
  }

  interface FakeOutcome {
    res: Response;
    limitKeys: string[];
  }

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: opts.port ?? 0, onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      const m = /^\/(toast|7shifts)(\/.*)$/.exec(url.pathname);
      if (!m) return json(404, { message: "Not found" });
      const vendor = m[1] as FakeVendor;
      const at = now();
      const outcome = vendor === "toast"
        ? await toast(req, url, m[2])
        : await sevenShifts(req, url, m[2]);
      let items = 0;
      if (outcome.res.status === 200 && req.method === "GET") {
        const body = await outcome.res.clone().json();
        items = Array.isArray(body) ? body.length : Array.isArray(body.data) ? body.data.length : 1;
      }
      log.push({
        vendor,
        method: req.method,
        path: m[2],
        query: Object.fromEntries(url.searchParams),
        at,
        status: outcome.res.status,
        limitKeys: outcome.limitKeys,
        items,
      });
      return outcome.res;
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}`;

  return {
    url,
    toastBaseUrl: `${url}/toast`,
    sevenShiftsBaseUrl: `${url}/7shifts`,
    serve(sim) {
      for (const order of sim.orders) {
        const location = sim.locations[order.locationIndex];
        const entry = { order, location, config: sim.toastConfigs[order.locationIndex] };
        const guid = location.toastRestaurantGuid.toLowerCase();
        orders.set(guid, [...(orders.get(guid) ?? []), entry]);
        orderByGuid.set(order.guid.toLowerCase(), entry);
      }
      for (const punch of sim.punches) {
        const location = sim.locations[punch.locationIndex];
        const list = punches.get(location.sevenShiftsCompanyId) ?? [];
        list.push({ punch, location });
        punches.set(location.sevenShiftsCompanyId, list);
      }
    },
    addToastClient(client) {
      toastClients.set(client.clientId, client);
    },
    addSevenShiftsCompany(company) {
      companies.set(company.companyId, company);
      if (company.accessToken) {
        tokens.set(company.accessToken, {
          vendor: "7shifts",
          owner: `company ${company.companyId}`,
          issuedAt: now(),
          expiresAt: Infinity,
          revoked: false,
          companyId: company.companyId,
        });
      }
    },
    setShifts(companyId, list) {
      shifts.set(companyId, list.map((s) => ({ ...s })));
    },
    script(vendor, ...answers) {
      scripts[vendor].push(...answers);
    },
    expireTokens(vendor) {
      for (const t of tokens.values()) {
        if ((vendor === undefined || t.vendor === vendor) && t.expiresAt !== Infinity) {
          t.revoked = true;
        }
      }
    },
    requests: (vendor) => log.filter((r) => vendor === undefined || r.vendor === vendor),
    logins: (vendor) => [...loginTimes[vendor]],
    violations: () => [...violations],
    peakRate(vendor, kind) {
      let peak = 0;
      const byKey = new Map<string, number[]>();
      for (const r of log) {
        if (r.vendor !== vendor) continue;
        for (const k of r.limitKeys) {
          if (kind === undefined || k.startsWith(`${kind} `)) {
            byKey.set(k, [...(byKey.get(k) ?? []), r.at]);
          }
        }
      }
      for (const times of byKey.values()) {
        for (let i = 0, j = 0; j < times.length; j++) {
          while (times[j] - times[i] >= 1000) i++;
          peak = Math.max(peak, j - i + 1);
        }
      }
      return peak;
    },
    async stop() {
      await server.shutdown();
    },
  };
}
