/**
 * 7shifts' REST API for one run (shared/sevenshifts_api.ts has the shapes): a company access
 * token as it is, or a partner OAuth client's 1-hour token (client credentials at the token
 * endpoint, shared by every instance through the database, and `x-company-guid` on every
 * request); `x-api-version` always. A 429 blocks the token for a full minute, so its wait is at
 * least that (vendor_http.ts).
 *
 * @module
 */
import {
  normalizeApiPunch,
  SEVENSHIFTS_API_VERSION,
  sevenShiftsTokenResponseSchema,
  sevenShiftsTokenUrl,
  timePunchesPageSchema,
  timePunchesQuery,
  timePunchResponseSchema,
} from "../../../shared/sevenshifts_api.ts";
import { parseWith } from "../../../shared/toast_api.ts";
import type { Parsed } from "../../../shared/sevenshifts.ts";
import type { NormalizedPunch } from "../../../shared/types.ts";
import type { ClaimedRun, SyncDb } from "./sync_db.ts";
import { jsonBody, RateLimited, refusal, VendorHttp, VendorRefused } from "./vendor_http.ts";

/** One punch of an answer: its raw JSON and its normalisation (or why not). */
export interface FetchedPunch {
  raw: unknown;
  result: Parsed<NormalizedPunch>;
}

/** 7shifts' API as one run uses it. */
export class SevenShiftsClient {
  #token: string | null = null;
  readonly base: string;
  readonly company: NonNullable<ClaimedRun["sevenshifts"]>;

  constructor(
    readonly run: ClaimedRun,
    readonly db: SyncDb,
    readonly http: VendorHttp,
    defaultBaseUrl: string,
  ) {
    if (!run.sevenshifts) throw new Error("the run has no 7shifts connection");
    this.company = run.sevenshifts;
    this.base = (run.sevenshifts.apiBaseUrl ?? defaultBaseUrl).replace(/\/+$/, "");
  }

  async #ensureToken(rejected: string | null = null): Promise<string> {
    if (this.#token && !rejected) return this.#token;
    while (true) {
      const access = await this.db.access(this.run, "7shifts", rejected);
      if ("token" in access) {
        if (rejected !== null && access.token === rejected) {
          throw new VendorRefused("7shifts refused the company access token (401)");
        }
        return (this.#token = access.token);
      }
      if ("waitMs" in access) {
        if (access.waitMs + 2000 >= this.http.remainingMs()) {
          throw new RateLimited(access.waitMs, "7shifts: waiting for a token");
        }
        await this.http.opts.clock.sleep(access.waitMs);
        continue;
      }
      const res = await this.http.sendPatiently(sevenShiftsTokenUrl(this.base), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: access.login.clientId,
          client_secret: access.login.clientSecret,
        }).toString(),
      });
      if (!res.ok) throw await refusal(res, "7shifts token");
      const body = parseWith(sevenShiftsTokenResponseSchema, await jsonBody(res, "7shifts token"));
      if (!body.ok) throw new VendorRefused("7shifts token: the answer has no access_token");
      await this.db.storeSession(
        this.run,
        "7shifts",
        body.value.access_token,
        new Date(this.http.opts.clock.now() + body.value.expires_in * 1000),
      );
      return (this.#token = body.value.access_token);
    }
  }

  async #get(path: string, query?: URLSearchParams): Promise<Response> {
    const url = `${this.base}${path}${query ? `?${query}` : ""}`;
    let token = await this.#ensureToken();
    for (let attempt = 0;; attempt++) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        "x-api-version": SEVENSHIFTS_API_VERSION,
        accept: "application/json",
      };
      if (this.company.authKind === "oauth_client" && this.company.companyGuid) {
        headers["x-company-guid"] = this.company.companyGuid;
      }
      const res = await this.http.sendPatiently(url, { headers });
      if (res.status !== 401 || attempt > 0) return res;
      await res.body?.cancel();
      token = await this.#ensureToken(token);
    }
  }

  /**
   * One page of the location's punches clocked in within `[fromMs, toMs)`, and the next page's
   * cursor (null at the end).
   */
  async punchesPage(
    locationId: number,
    fromMs: number,
    toMs: number,
    cursor: string | null,
  ): Promise<{ punches: FetchedPunch[]; next: string | null }> {
    const res = await this.#get(
      `/v2/company/${this.company.companyId}/time_punches`,
      timePunchesQuery(locationId, fromMs, toMs, cursor),
    );
    if (!res.ok) throw await refusal(res, "7shifts time_punches");
    const page = parseWith(timePunchesPageSchema, await jsonBody(res, "7shifts time_punches"));
    if (!page.ok) throw new VendorRefused("7shifts time_punches: no data list");
    return {
      punches: page.value.data.map((raw) => ({ raw, result: normalizeApiPunch(raw) })),
      next: page.value.meta?.cursor?.next || null,
    };
  }

  /** One punch by id, deleted ones included; null when 7shifts no longer has it (404). */
  async punch(punchId: number): Promise<FetchedPunch | null> {
    const res = await this.#get(`/v2/company/${this.company.companyId}/time_punches/${punchId}`);
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) throw await refusal(res, "7shifts time_punch");
    const body = parseWith(timePunchResponseSchema, await jsonBody(res, "7shifts time_punch"));
    if (!body.ok) throw new VendorRefused("7shifts time_punch: no data");
    return { raw: body.value.data, result: normalizeApiPunch(body.value.data) };
  }
}
