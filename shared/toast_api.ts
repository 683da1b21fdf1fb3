/**
 * Toast's orders API as the vendor sync reads it (pure: shapes, parameters, paging rules):
 *
 * - **Login**: `POST /authentication/v1/authentication/login` with
 *   `{clientId, clientSecret, userAccessType: "TOAST_MACHINE_CLIENT"}`; the answer's
 *   `token.accessToken` is a bearer token for `token.expiresIn` seconds (about a day). Toast asks
 *   integrations to reuse it (at least 30 minutes) and to log in at most twice an hour.
 * - **Orders by modified time**: `GET /orders/v2/ordersBulk?startDate&endDate&pageSize&page`,
 *   with the header `Toast-Restaurant-External-ID`. The window is the orders' *modified* time
 *   (`businessDate` mode would miss later edits to earlier orders), ISO-8601 with milliseconds,
 *   the end exclusive; pages of at most 100 from page 1, ending on an empty page or a `Link`
 *   header without `rel="next"`. History is asked for in windows of at most a month, 5-10 s
 *   apart.
 * - **Refunds of older orders**: `GET /orders/v2/payments?refundBusinessDate=yyyyMMdd` lists the
 *   GUIDs of payments refunded that day; `GET /orders/v2/payments/{guid}` names the payment's
 *   order, `GET /orders/v2/orders/{guid}` returns it.
 * - **Limits**: 5 requests a second per restaurant on ordersBulk (20 a second per client); a
 *   429 says when to come back (`Retry-After` seconds, or `X-Toast-RateLimit-Reset`, epoch
 *   seconds).
 *
 * An order from the API is the same `Order` a webhook's `details` carries, so it goes through
 * the same schema and normalisation (shared/toast.ts): a version the webhook delivered
 * normalises to exactly the stored row, and the sync finds it unchanged.
 *
 * @module
 */
import { z } from "zod";
import { fieldProblems } from "./errors.ts";
import { normalizeToastOrder, type Parsed, parseToastOrderDetails } from "./toast.ts";
import type { NormalizedOrder } from "./types.ts";

/** The login path. */
export const TOAST_LOGIN_PATH = "/authentication/v1/authentication/login";
/** Orders by modified time. */
export const TOAST_ORDERS_BULK_PATH = "/orders/v2/ordersBulk";
/** Payments (refunded on a business date; one by GUID). */
export const TOAST_PAYMENTS_PATH = "/orders/v2/payments";
/** One order by GUID. */
export const TOAST_ORDER_PATH = "/orders/v2/orders";

/** The largest `pageSize` ordersBulk accepts. */
export const TOAST_PAGE_SIZE = 100;
/** The longest modified-time window asked for at once (history in windows of a month). */
export const TOAST_MAX_WINDOW_MS = 30 * 24 * 3600 * 1000;
/** The pause between two history windows (Toast asks for 5-10 s). */
export const TOAST_WINDOW_SPACING_MS = 6_000;

/** The login request body. */
export function toastLoginBody(clientId: string, clientSecret: string) {
  return { clientId, clientSecret, userAccessType: "TOAST_MACHINE_CLIENT" };
}

/** The login answer (only what is used). */
export const toastLoginResponseSchema = z.looseObject({
  token: z.looseObject({
    accessToken: z.string().min(1),
    expiresIn: z.number().int().positive(),
  }),
});

/** An ISO-8601 instant with milliseconds and a `+0000` offset, as Toast's examples write. */
export function toastInstant(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+0000");
}

/** `YYYY-MM-DD` as Toast's `yyyyMMdd`. */
export function toastDateParam(date: string): string {
  return date.replaceAll("-", "");
}

/** The query of one ordersBulk page. */
export function ordersBulkQuery(startMs: number, endMs: number, page: number): URLSearchParams {
  return new URLSearchParams({
    startDate: toastInstant(startMs),
    endDate: toastInstant(endMs),
    pageSize: String(TOAST_PAGE_SIZE),
    page: String(page),
  });
}

/**
 * Splits `[sinceMs, endMs)` into consecutive windows of at most {@link TOAST_MAX_WINDOW_MS},
 * oldest first.
 */
export function toastWindows(sinceMs: number, endMs: number): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  for (let start = sinceMs; start < endMs; start += TOAST_MAX_WINDOW_MS) {
    windows.push([start, Math.min(endMs, start + TOAST_MAX_WINDOW_MS)]);
  }
  return windows;
}

/** True when a `Link` header names a `rel="next"` page (RFC 8288, any parameter order). */
export function hasNextLink(link: string | null): boolean {
  if (!link) return false;
  return link.split(",").some((part) =>
    part.split(";").slice(1).some((p) =>
      /^\s*rel\s*=\s*"?([^"]*)"?\s*$/i.exec(p)?.[1]
        .split(/\s+/).includes("next")
    )
  );
}

/** One order of a page: its raw JSON (kept with the row) and its normalisation, or why not. */
export interface FetchedOrder {
  raw: unknown;
  result: Parsed<NormalizedOrder>;
}

/** An ordersBulk page: a JSON array of Orders, each checked on its own. */
export function parseOrdersPage(body: unknown): Parsed<FetchedOrder[]> {
  if (!Array.isArray(body)) {
    return { ok: false, problems: [{ path: "(body)", message: "expected an array of orders" }] };
  }
  return { ok: true, value: body.map(parseApiOrder) };
}

/** One Order from the API, through the webhook's schema and normalisation. */
export function parseApiOrder(raw: unknown): FetchedOrder {
  const parsed = parseToastOrderDetails(raw);
  if (!parsed.ok) {
    return {
      raw,
      result: {
        ok: false,
        problems: parsed.problems.map((p) => ({ ...p, path: p.path.replace(/^details\.?/, "") })),
      },
    };
  }
  return { raw, result: { ok: true, value: normalizeToastOrder(parsed.value.order) } };
}

/** The refunded payments of a day: a JSON array of payment GUIDs. */
export const paymentGuidListSchema = z.array(z.string().min(1).max(100));

/** A payment by GUID: only its order is read. */
export const paymentOrderSchema = z.looseObject({
  orderGuid: z.string().min(1).max(100),
});

/** Parses with a schema into {@link Parsed}. */
export function parseWith<T>(schema: z.ZodType<T>, body: unknown): Parsed<T> {
  const r = schema.safeParse(body);
  return r.success
    ? { ok: true, value: r.data }
    : { ok: false, problems: fieldProblems(r.error.issues) };
}
