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
  listPageSchema,
  normalizeApiPunch,
  SEVENSHIFTS_API_VERSION,
  sevenShiftsTokenResponseSchema,
  sevenShiftsTokenUrl,
  timePunchesQuery,
  timePunchResponseSchema,
} from "../../../shared/sevenshifts_api.ts";
import { parseWith } from "../../../shared/toast_api.ts";
import {
  normalizeApiShift,
  type NormalizedShift,
  shiftsQuery,
} from "../../../shared/sevenshifts_shifts.ts";
import type { Parsed } from "../../../shared/sevenshifts.ts";
import type { NormalizedPunch } from "../../../shared/types.ts";
import type { ClaimedRun, SyncDb } from "./sync_db.ts";
import {
  jsonBody,
  refusal,
  type Session,
  VendorClient,
  VendorHttp,
  VendorRefused,
} from "./vendor_http.ts";

/** One punch of an answer: its raw JSON and its normalisation (or why not). */
export interface FetchedPunch {
  raw: unknown;
  result: Parsed<NormalizedPunch>;
}

/** One shift of an answer: its raw JSON and its normalisation (or why not). */
export interface FetchedShift {
  raw: unknown;
  result: Parsed<NormalizedShift>;
}

/** 7shifts' API as one run uses it. */
export class SevenShiftsClient extends VendorClient {
  readonly company: NonNullable<ClaimedRun["sevenshifts"]>;

  constructor(run: ClaimedRun, db: SyncDb, http: VendorHttp, defaultBaseUrl: string) {
    if (!run.sevenshifts) throw new Error("the run has no 7shifts connection");
    super(run, db, http, "7shifts", run.sevenshifts.apiBaseUrl ?? defaultBaseUrl);
    this.company = run.sevenshifts;
  }

  /** A partner OAuth token (client credentials); company access tokens need no login. */
  protected async login(clientId: string, clientSecret: string): Promise<Session> {
    const res = await this.http.sendPatiently(sevenShiftsTokenUrl(this.base), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: clientSecret,
      }).toString(),
    });
    if (!res.ok) throw await refusal(res, "7shifts token");
    const body = parseWith(sevenShiftsTokenResponseSchema, await jsonBody(res, "7shifts token"));
    if (!body.ok) throw new VendorRefused("7shifts token: the answer has no access_token");
    return { token: body.value.access_token, expiresInSeconds: body.value.expires_in };
  }

  protected headers(token: string): Record<string, string> {
    return {
      authorization: `Bearer ${token}`,
      "x-api-version": SEVENSHIFTS_API_VERSION,
      accept: "application/json",
      ...(this.company.authKind === "oauth_client" && this.company.companyGuid
        ? { "x-company-guid": this.company.companyGuid }
        : {}),
    };
  }

  /**
   * One page of the location's punches clocked in within `[fromMs, toMs)`, and the next page's
   * cursor (null at the end).
   */
  punchesPage(
    locationId: number,
    fromMs: number,
    toMs: number,
    cursor: string | null,
  ): Promise<{ rows: FetchedPunch[]; next: string | null }> {
    return this.listPage(
      "time_punches",
      timePunchesQuery(locationId, fromMs, toMs, cursor),
      normalizeApiPunch,
    );
  }

  /**
   * One page of the location's published shifts starting within `[fromMs, toMs)`, deleted ones
   * included, and the next page's cursor (null at the end).
   */
  shiftsPage(
    locationId: number,
    fromMs: number,
    toMs: number,
    cursor: string | null,
  ): Promise<{ rows: FetchedShift[]; next: string | null }> {
    return this.listPage(
      "shifts",
      shiftsQuery(locationId, fromMs, toMs, cursor),
      normalizeApiShift,
    );
  }

  /** One page of a company list (`data`, `meta.cursor.next`), each row normalised on its own. */
  private async listPage<T>(
    list: string,
    query: URLSearchParams,
    normalize: (raw: unknown) => Parsed<T>,
  ): Promise<{ rows: Array<{ raw: unknown; result: Parsed<T> }>; next: string | null }> {
    const what = `7shifts ${list}`;
    const res = await this.get(`/v2/company/${this.company.companyId}/${list}`, query);
    if (!res.ok) throw await refusal(res, what);
    const page = parseWith(listPageSchema, await jsonBody(res, what));
    if (!page.ok) throw new VendorRefused(`${what}: no data list`);
    return {
      rows: page.value.data.map((raw) => ({ raw, result: normalize(raw) })),
      next: page.value.meta?.cursor?.next || null,
    };
  }

  /** One punch by id, deleted ones included; null when 7shifts no longer has it (404). */
  async punch(punchId: number): Promise<FetchedPunch | null> {
    const res = await this.get(`/v2/company/${this.company.companyId}/time_punches/${punchId}`);
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
