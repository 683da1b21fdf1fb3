/**
 * 7shifts' REST API (v2) as the vendor sync reads it (pure: shapes, parameters, paging):
 *
 * - `GET /v2/company/{company_id}/time_punches?location_id&clocked_in[gte]&clocked_in[lte]&limit
 *   &cursor`: punches by clock-in time (UTC, `yyyy-MM-dd HH:mm:ss`), breaks embedded
 *   (`breaks`), wages in integer cents; pages follow `meta.cursor.next` until it is null. The
 *   sync re-pulls whole days by clock-in because a break edit fires no webhook and may not move
 *   `modified`. `GET .../time_punches/{id}` returns one punch (`data`), deleted ones included.
 * - Headers: `Authorization: Bearer <token>`, `x-api-version`; a partner OAuth token (1 hour,
 *   client credentials at the token endpoint) also needs `x-company-guid`.
 * - Limits: 10 requests a second per token; a 429 blocks the token for a full minute.
 *
 * An API punch is turned into the webhook's body shape (`breaks` → `time_punch_breaks`) and goes
 * through the webhook's schema and normalisation (shared/sevenshifts.ts) with wages in cents, so
 * a version a webhook delivered normalises to exactly the stored row.
 *
 * @module
 */
import { z } from "zod";
import {
  normalizePunch,
  type Parsed,
  parseSevenShiftsPunch,
  type PunchDeletion,
} from "./sevenshifts.ts";
import type { NormalizedPunch } from "./types.ts";
import { isStorableText, NOT_STORABLE } from "./storable_text.ts";

/** The API version the sync is written against (`x-api-version`). */
export const SEVENSHIFTS_API_VERSION = "2025-03-01";
/** Punches per page asked for. */
export const SEVENSHIFTS_PAGE_SIZE = 200;
/** The vendor's own API and OAuth token endpoint. */
export const SEVENSHIFTS_DEFAULT_API_BASE_URL = "https://api.7shifts.com";
export const SEVENSHIFTS_DEFAULT_TOKEN_URL = "https://app.7shifts.com/oauth2/token";

/** Where OAuth tokens come from: the vendor's endpoint, or `/oauth2/token` of another base. */
export function sevenShiftsTokenUrl(apiBaseUrl: string): string {
  const base = apiBaseUrl.replace(/\/+$/, "");
  return base === SEVENSHIFTS_DEFAULT_API_BASE_URL
    ? SEVENSHIFTS_DEFAULT_TOKEN_URL
    : `${base}/oauth2/token`;
}

/** An instant as the clock-in filters take it: UTC `yyyy-MM-dd HH:mm:ss`. */
export function sevenShiftsFilterTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * The query of one page of a location's rows whose `field` is within `[fromMs, toMs)`, times
 * written by `format`, with `extra` parameters: the punches' and the shifts' lists.
 */
export function rangeQuery(
  locationId: number,
  field: string,
  [fromMs, toMs]: [number, number],
  cursor: string | null,
  format: (ms: number) => string,
  extra: Record<string, string> = {},
): URLSearchParams {
  const q = new URLSearchParams({
    location_id: String(locationId),
    [`${field}[gte]`]: format(fromMs),
    // lte is inclusive: the last whole second before the window's end.
    [`${field}[lte]`]: format(toMs - 1000),
    ...extra,
    limit: String(SEVENSHIFTS_PAGE_SIZE),
  });
  if (cursor) q.set("cursor", cursor);
  return q;
}

/** The query of one page of a location's punches clocked in within `[fromMs, toMs)`. */
export function timePunchesQuery(
  locationId: number,
  fromMs: number,
  toMs: number,
  cursor: string | null,
): URLSearchParams {
  return rangeQuery(locationId, "clocked_in", [fromMs, toMs], cursor, sevenShiftsFilterTime);
}

/** A list page (punches, shifts): `data` and the next page's cursor (null at the end). */
export const listPageSchema = z.looseObject({
  data: z.array(z.unknown()),
  meta: z.looseObject({
    // Stored with the page (the run's cursor): storable text only.
    cursor: z.looseObject({
      next: z.string().max(2000).refine(isStorableText, NOT_STORABLE).nullish(),
    }).nullish(),
  }).nullish(),
});

/** One punch by id. */
export const timePunchResponseSchema = z.looseObject({ data: z.unknown() });

/** The OAuth token answer (only what is used). */
export const sevenShiftsTokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
});

/** An API punch in the webhook body's shape (breaks under `time_punch_breaks`). */
export function apiPunchAsWebhookBody(punch: unknown): unknown {
  if (!punch || typeof punch !== "object" || Array.isArray(punch)) return punch;
  const { breaks, ...rest } = punch as Record<string, unknown>;
  return { ...rest, time_punch_breaks: breaks ?? [] };
}

/** One API punch, normalised as its webhook would be (wages in cents), or why not. */
export function normalizeApiPunch(punch: unknown): Parsed<NormalizedPunch> {
  const parsed = parseSevenShiftsPunch(apiPunchAsWebhookBody(punch), "cents");
  if (!parsed.ok) return parsed;
  const normalized = normalizePunch(parsed.value, { wageUnit: "cents" });
  // A deleted punch is what a time_punch.deleted webhook makes of it.
  if (parsed.value.deleted === true) normalized.deleted = true;
  return { ok: true, value: normalized };
}

/** A punch the API no longer has (404 by id): known only by its id, like a minimal deletion. */
export function deletionOf(punchId: number, companyId: number): PunchDeletion {
  return { punchId, companyId, locationId: null, modifiedAt: null };
}
