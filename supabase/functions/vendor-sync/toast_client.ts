/**
 * Toast's orders API for one run (shared/toast_api.ts has the shapes): the token comes from the
 * database (`pipeline.sync_vendor_access`: the cached session every instance shares, or the
 * client credentials to log in, at most twice an hour), every request carries
 * `Toast-Restaurant-External-ID`, and a token Toast refuses (401) is replaced once by a new
 * login before the run gives up.
 *
 * @module
 */
import {
  type FetchedOrder,
  hasNextLink,
  ordersBulkQuery,
  parseApiOrder,
  parseOrdersPage,
  parseWith,
  paymentGuidListSchema,
  paymentOrderSchema,
  TOAST_LOGIN_PATH,
  TOAST_ORDER_PATH,
  TOAST_ORDERS_BULK_PATH,
  TOAST_PAYMENTS_PATH,
  toastDateParam,
  toastLoginBody,
  toastLoginResponseSchema,
} from "../../../shared/toast_api.ts";
import type { ClaimedRun, SyncDb } from "./sync_db.ts";
import { jsonBody, RateLimited, refusal, VendorHttp, VendorRefused } from "./vendor_http.ts";

/** The vendor's own API. */
export const TOAST_DEFAULT_API_BASE_URL = "https://ws-api.toasttab.com";

/** Toast's API as one run uses it. */
export class ToastClient {
  #token: string | null = null;
  readonly base: string;
  readonly restaurantGuid: string;

  constructor(
    readonly run: ClaimedRun,
    readonly db: SyncDb,
    readonly http: VendorHttp,
    defaultBaseUrl: string,
  ) {
    this.base = (run.toast?.apiBaseUrl ?? defaultBaseUrl).replace(/\/+$/, "");
    this.restaurantGuid = run.location.toastRestaurantGuid ?? "";
  }

  /** A token: the shared session, or a new login when there is none (or it was refused). */
  async #ensureToken(rejected: string | null = null): Promise<string> {
    if (this.#token && !rejected) return this.#token;
    while (true) {
      const access = await this.db.access(this.run, "toast", rejected);
      if ("token" in access) return (this.#token = access.token);
      if ("waitMs" in access) {
        if (access.waitMs + 2000 >= this.http.remainingMs()) {
          throw new RateLimited(access.waitMs, "toast: waiting for a login slot");
        }
        await this.http.opts.clock.sleep(access.waitMs);
        continue;
      }
      const res = await this.http.sendPatiently(`${this.base}${TOAST_LOGIN_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(toastLoginBody(access.login.clientId, access.login.clientSecret)),
      });
      if (!res.ok) throw await refusal(res, "toast login");
      const body = parseWith(toastLoginResponseSchema, await jsonBody(res, "toast login"));
      if (!body.ok) throw new VendorRefused("toast login: the answer has no token");
      const { accessToken, expiresIn } = body.value.token;
      await this.db.storeSession(
        this.run,
        "toast",
        accessToken,
        new Date(this.http.opts.clock.now() + expiresIn * 1000),
      );
      return (this.#token = accessToken);
    }
  }

  /** GET `path` with the token and restaurant header; a 401 logs in once more. */
  async #get(path: string, query?: URLSearchParams): Promise<Response> {
    const url = `${this.base}${path}${query ? `?${query}` : ""}`;
    let token = await this.#ensureToken();
    for (let attempt = 0;; attempt++) {
      const res = await this.http.sendPatiently(url, {
        headers: {
          authorization: `Bearer ${token}`,
          "toast-restaurant-external-id": this.restaurantGuid,
          accept: "application/json",
        },
      });
      if (res.status !== 401 || attempt > 0) return res;
      await res.body?.cancel();
      token = await this.#ensureToken(token);
    }
  }

  /** One page of orders modified in `[startMs, endMs)`: the orders and whether more follow. */
  async ordersPage(
    startMs: number,
    endMs: number,
    page: number,
  ): Promise<{ orders: FetchedOrder[]; more: boolean }> {
    const res = await this.#get(TOAST_ORDERS_BULK_PATH, ordersBulkQuery(startMs, endMs, page));
    if (!res.ok) throw await refusal(res, "toast ordersBulk");
    const more = hasNextLink(res.headers.get("link"));
    const parsed = parseOrdersPage(await jsonBody(res, "toast ordersBulk"));
    if (!parsed.ok) throw new VendorRefused("toast ordersBulk: the answer is not a list of orders");
    return { orders: parsed.value, more: more && parsed.value.length > 0 };
  }

  /** GUIDs of the payments refunded on business date `date` (`YYYY-MM-DD`). */
  async refundedPayments(date: string): Promise<string[]> {
    const res = await this.#get(
      TOAST_PAYMENTS_PATH,
      new URLSearchParams({ refundBusinessDate: toastDateParam(date) }),
    );
    if (!res.ok) throw await refusal(res, "toast payments");
    const parsed = parseWith(paymentGuidListSchema, await jsonBody(res, "toast payments"));
    if (!parsed.ok) throw new VendorRefused("toast payments: expected a list of GUIDs");
    return parsed.value;
  }

  /** The order a payment belongs to. */
  async orderOfPayment(paymentGuid: string): Promise<string> {
    const res = await this.#get(`${TOAST_PAYMENTS_PATH}/${encodeURIComponent(paymentGuid)}`);
    if (!res.ok) throw await refusal(res, "toast payment");
    const parsed = parseWith(paymentOrderSchema, await jsonBody(res, "toast payment"));
    if (!parsed.ok) throw new VendorRefused("toast payment: no orderGuid");
    return parsed.value.orderGuid;
  }

  /** One order by GUID. */
  async order(orderGuid: string): Promise<FetchedOrder> {
    const res = await this.#get(`${TOAST_ORDER_PATH}/${encodeURIComponent(orderGuid)}`);
    if (!res.ok) throw await refusal(res, "toast order");
    return parseApiOrder(await jsonBody(res, "toast order"));
  }
}
