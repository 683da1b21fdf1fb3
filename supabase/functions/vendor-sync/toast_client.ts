/**
 * Toast's orders API for one run (shared/toast_api.ts has the shapes): the token comes from the
 * database (`pipeline.sync_vendor_access`: the cached session every instance shares, or the
 * client credentials to log in, at most twice an hour; vendor_http.ts `VendorClient`), every
 * request carries `Toast-Restaurant-External-ID`, and a token Toast refuses (401) is replaced
 * once by a new login before the run gives up.
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
import type { RollingLimiter } from "../../../shared/vendor_limits.ts";
import type { ClaimedRun, SyncDb } from "./sync_db.ts";
import {
  jsonBody,
  refusal,
  type Session,
  VendorClient,
  VendorHttp,
  VendorRefused,
} from "./vendor_http.ts";

/** The vendor's own API. */
export const TOAST_DEFAULT_API_BASE_URL = "https://ws-api.toasttab.com";

/** Toast's API as one run uses it. */
export class ToastClient extends VendorClient {
  readonly restaurantGuid: string;

  /**
   * `http` paces every request by the API client's global limit; `ordersBulk` is the
   * restaurant's own `ordersBulk` limit, kept on top of it.
   */
  constructor(
    run: ClaimedRun,
    db: SyncDb,
    http: VendorHttp,
    readonly ordersBulk: RollingLimiter,
    defaultBaseUrl: string,
  ) {
    super(run, db, http, "toast", run.toast?.apiBaseUrl ?? defaultBaseUrl);
    this.restaurantGuid = run.location.toastRestaurantGuid ?? "";
  }

  protected async login(clientId: string, clientSecret: string): Promise<Session> {
    const res = await this.http.sendPatiently(`${this.base}${TOAST_LOGIN_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(toastLoginBody(clientId, clientSecret)),
    });
    if (!res.ok) throw await refusal(res, "toast login");
    const body = parseWith(toastLoginResponseSchema, await jsonBody(res, "toast login"));
    if (!body.ok) throw new VendorRefused("toast login: the answer has no token");
    return { token: body.value.token.accessToken, expiresInSeconds: body.value.token.expiresIn };
  }

  protected headers(token: string): Record<string, string> {
    return {
      authorization: `Bearer ${token}`,
      "toast-restaurant-external-id": this.restaurantGuid,
      accept: "application/json",
    };
  }

  /** One page of orders modified in `[startMs, endMs)`: the orders and whether more follow. */
  async ordersPage(
    startMs: number,
    endMs: number,
    page: number,
  ): Promise<{ orders: FetchedOrder[]; more: boolean }> {
    const res = await this.get(
      TOAST_ORDERS_BULK_PATH,
      ordersBulkQuery(startMs, endMs, page),
      this.ordersBulk,
    );
    if (!res.ok) throw await refusal(res, "toast ordersBulk");
    const more = hasNextLink(res.headers.get("link"));
    const parsed = parseOrdersPage(await jsonBody(res, "toast ordersBulk"));
    if (!parsed.ok) throw new VendorRefused("toast ordersBulk: the answer is not a list of orders");
    return { orders: parsed.value, more: more && parsed.value.length > 0 };
  }

  /** GUIDs of the payments refunded on business date `date` (`YYYY-MM-DD`). */
  async refundedPayments(date: string): Promise<string[]> {
    const res = await this.get(
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
    const res = await this.get(`${TOAST_PAYMENTS_PATH}/${encodeURIComponent(paymentGuid)}`);
    if (!res.ok) throw await refusal(res, "toast payment");
    const parsed = parseWith(paymentOrderSchema, await jsonBody(res, "toast payment"));
    if (!parsed.ok) throw new VendorRefused("toast payment: no orderGuid");
    return parsed.value.orderGuid;
  }

  /** One order by GUID. */
  async order(orderGuid: string): Promise<FetchedOrder> {
    const res = await this.get(`${TOAST_ORDER_PATH}/${encodeURIComponent(orderGuid)}`);
    if (!res.ok) throw await refusal(res, "toast order");
    return parseApiOrder(await jsonBody(res, "toast order"));
  }
}
