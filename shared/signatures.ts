/**
 * Webhook signatures (WebCrypto HMAC-SHA256), verified in constant time.
 *
 * - **Toast**: `Toast-Signature` = base64(HMAC-SHA256(subscription secret, rawBody + timestamp))
 *   where `timestamp` is the envelope's own `timestamp` field, as text.
 * - **7shifts**: `x-hmac-signature` = HMAC-SHA256 of the raw body keyed with
 *   `"{x-hmac-timestamp}#{oauth grant guid}"`. 7shifts does not document the encoding, so
 *   both hex and base64 are accepted. The timestamp must be within 5 minutes of now, either
 *   way, and may be in seconds or milliseconds since the epoch.
 * - **The database webhook** (pg_net → alert-notifier): `x-alert-signature` = hex
 *   HMAC-SHA256, keyed with `ALERT_WEBHOOK_SECRET`, of `"{x-alert-timestamp}."` followed by the
 *   exact body bytes; the timestamp (Unix seconds) must be within 5 minutes of now, either way.
 *   The database signs (`pipeline.post_to_alert_notifier`, migration 20261128000400_alerts.sql)
 *   so that no secret travels in pg_net's queue, which every database role can read.
 *
 * The `sign*` functions exist for the simulator and the tests; production only verifies.
 * Pure apart from WebCrypto (no I/O).
 *
 * @module
 */

const encoder = new TextEncoder();

/** How far a 7shifts `x-hmac-timestamp` may be from now, either way. */
export const SEVENSHIFTS_MAX_SKEW_MS = 5 * 60 * 1000;

function importHmacKey(key: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
}

async function hmacSha256(
  key: string | CryptoKey,
  message: string | Uint8Array,
): Promise<Uint8Array> {
  const cryptoKey = typeof key === "string" ? await importHmacKey(key) : key;
  const bytes = typeof message === "string" ? encoder.encode(message) : message;
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, bytes as BufferSource));
}

// The Toast key is the same subscription secret on every delivery: importing it once saves
// most of a verification's CPU (~60 of ~90 µs). Only the last secret is kept, so a changed
// secret is imported afresh. (7shifts keys include the request's timestamp: nothing to keep.)
let toastKey: { secret: string; key: Promise<CryptoKey> } | null = null;

function toastHmacKey(secret: string): Promise<CryptoKey> {
  if (toastKey?.secret !== secret) toastKey = { secret, key: importHmacKey(secret) };
  return toastKey.key;
}

/**
 * Compares two byte arrays in time that depends only on their lengths (a length mismatch is
 * answered at once: signature lengths are public).
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Compares a presented secret with the expected one in constant time, leaking neither
 * content nor length: both are hashed (SHA-256) first, then the digests are compared.
 * An empty expected secret never matches.
 */
export async function secretsMatch(presented: string, expected: string): Promise<boolean> {
  if (!expected) return false;
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(presented)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return timingSafeEqual(new Uint8Array(a), new Uint8Array(b));
}

/** Standard base64 of bytes. */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Decodes standard or URL-safe base64 (padding optional); null when it is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  const t = text.trim().replaceAll("-", "+").replaceAll("_", "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length === 0) return null;
  const padded = t.padEnd(t.length + ((4 - (t.length % 4)) % 4), "=");
  try {
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Decodes hex (even length); null when it is not hex. */
export function fromHex(text: string): Uint8Array | null {
  const t = text.trim();
  if (t.length === 0 || t.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(t)) return null;
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Lower-case hex SHA-256 of UTF-8 text (event keys for bodies without a vendor id). */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
}

/** The `Toast-Signature` value for `rawBody` and the envelope `timestamp` text. */
export async function signToastPayload(
  rawBody: string,
  envelopeTimestamp: string,
  secret: string,
): Promise<string> {
  return toBase64(await hmacSha256(secret, rawBody + envelopeTimestamp));
}

/**
 * True when `header` is the base64 HMAC-SHA256 of `rawBody + envelopeTimestamp` with
 * `secret`. A missing header or secret is false.
 */
export async function verifyToastSignature(
  rawBody: string,
  envelopeTimestamp: string,
  header: string | null | undefined,
  secret: string,
): Promise<boolean> {
  if (!header || !secret) return false;
  const presented = fromBase64(header);
  if (!presented) return false;
  const expected = await hmacSha256(await toastHmacKey(secret), rawBody + envelopeTimestamp);
  return timingSafeEqual(presented, expected);
}

/** The `x-hmac-signature` value 7shifts would send (hex unless asked for base64). */
export async function signSevenShiftsPayload(
  rawBody: string,
  timestamp: string,
  grantGuid: string,
  encoding: "hex" | "base64" = "hex",
): Promise<string> {
  const mac = await hmacSha256(`${timestamp}#${grantGuid}`, rawBody);
  return encoding === "hex" ? toHex(mac) : toBase64(mac);
}

/** Why a 7shifts signature was refused, or that it was accepted. */
export type SevenShiftsVerdict =
  | { ok: true }
  | { ok: false; reason: "missing" | "bad_timestamp" | "stale" | "mismatch" };

/**
 * Reads an `x-hmac-timestamp`: integer seconds, or milliseconds when it is too large to be
 * seconds (more than 10^11, i.e. after the year 5138 in seconds). Null when not an integer.
 */
export function sevenShiftsTimestampMs(header: string): number | null {
  const t = header.trim();
  if (!/^\d{1,16}$/.test(t)) return null;
  const n = Number(t);
  return n > 1e11 ? n : n * 1000;
}

/**
 * Checks a 7shifts delivery's signing headers without the grant: both present, the timestamp
 * an integer within {@link SEVENSHIFTS_MAX_SKEW_MS} of `nowMs`. Enough to refuse a stale or
 * malformed delivery before anything is looked up for it (the grant of the company it names
 * costs a database query, and that company is not signed); {@link verifySevenShiftsSignature}
 * applies the same check.
 */
export function checkSevenShiftsTimestamp(
  timestampHeader: string | null | undefined,
  signatureHeader: string | null | undefined,
  nowMs: number,
): SevenShiftsVerdict {
  return checkFreshness(
    timestampHeader,
    signatureHeader,
    nowMs,
    sevenShiftsTimestampMs,
    SEVENSHIFTS_MAX_SKEW_MS,
  );
}

/** The verdict of a timestamp check: fresh, or why not. */
type FreshnessVerdict = { ok: true } | { ok: false; reason: "missing" | "bad_timestamp" | "stale" };

/**
 * The one freshness rule of signed calls: both headers present, the timestamp readable as an
 * instant (`toMs`, null when not), and within `maxSkewMs` of `nowMs` either way.
 */
function checkFreshness(
  timestampHeader: string | null | undefined,
  signatureHeader: string | null | undefined,
  nowMs: number,
  toMs: (header: string) => number | null,
  maxSkewMs: number,
): FreshnessVerdict {
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: "missing" };
  const ts = toMs(timestampHeader);
  if (ts === null) return { ok: false, reason: "bad_timestamp" };
  return Math.abs(nowMs - ts) > maxSkewMs ? { ok: false, reason: "stale" } : { ok: true };
}

/**
 * Verifies a 7shifts HMAC: the timestamp check of {@link checkSevenShiftsTimestamp}, then the
 * signature (hex or base64) against HMAC-SHA256 of `rawBody` keyed with
 * `"{timestampHeader}#{grantGuid}"` (the header text exactly as received). An empty grant
 * refuses everything.
 */
export async function verifySevenShiftsSignature(
  rawBody: string,
  timestampHeader: string | null | undefined,
  signatureHeader: string | null | undefined,
  grantGuid: string,
  nowMs: number,
): Promise<SevenShiftsVerdict> {
  const fresh = checkSevenShiftsTimestamp(timestampHeader, signatureHeader, nowMs);
  if (!fresh.ok) return fresh;
  if (!grantGuid) return { ok: false, reason: "missing" };
  const expected = await hmacSha256(`${timestampHeader}#${grantGuid}`, rawBody);
  const sig = signatureHeader!.trim();
  // 64 hex digits is also valid base64 text, so hex is tried first when it has that shape.
  const candidates = [/^[0-9a-fA-F]{64}$/.test(sig) ? fromHex(sig) : null, fromBase64(sig)];
  let match = false;
  for (const c of candidates) if (c && timingSafeEqual(c, expected)) match = true;
  return match ? { ok: true } : { ok: false, reason: "mismatch" };
}

/** The headers of the database webhook's signature (pipeline.post_to_alert_notifier). */
export const ALERT_TIMESTAMP_HEADER = "x-alert-timestamp";
export const ALERT_SIGNATURE_HEADER = "x-alert-signature";

/** How far a database webhook's `x-alert-timestamp` may be from now, either way. */
export const ALERT_WEBHOOK_MAX_SKEW_MS = 5 * 60 * 1000;

/** The bytes a database webhook signature covers: `"{timestamp}."` then the body bytes. */
function alertSignedBytes(timestamp: string, body: Uint8Array): Uint8Array {
  const prefix = encoder.encode(`${timestamp}.`);
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix);
  out.set(body, prefix.length);
  return out;
}

/**
 * The `x-alert-signature` value for `body` sent at `timestamp` (Unix seconds, as text): what
 * `pipeline.post_to_alert_notifier` computes in SQL. For tests and tools.
 */
export async function signAlertWebhook(
  body: Uint8Array | string,
  timestamp: string,
  secret: string,
): Promise<string> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  return toHex(await hmacSha256(secret, alertSignedBytes(timestamp, bytes)));
}

/**
 * The signature headers of a database webhook call with `body` at `atMs`: what the database
 * sends (`x-alert-timestamp`, `x-alert-signature`). For tests and tools.
 */
export async function alertWebhookHeaders(
  body: Uint8Array | string,
  secret: string,
  atMs: number,
): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(atMs / 1000));
  return {
    [ALERT_TIMESTAMP_HEADER]: timestamp,
    [ALERT_SIGNATURE_HEADER]: await signAlertWebhook(body, timestamp, secret),
  };
}

/** Why a database webhook signature was refused, or that it was accepted. */
export type AlertWebhookVerdict =
  | { ok: true }
  | { ok: false; reason: "missing" | "bad_timestamp" | "stale" | "mismatch" };

/**
 * Checks a database webhook's timestamp alone (Unix seconds, within
 * {@link ALERT_WEBHOOK_MAX_SKEW_MS} of `nowMs`): enough to refuse a stale or malformed call
 * before its body is read.
 */
export function checkAlertWebhookTimestamp(
  timestampHeader: string | null | undefined,
  signatureHeader: string | null | undefined,
  nowMs: number,
): AlertWebhookVerdict {
  return checkFreshness(
    timestampHeader,
    signatureHeader,
    nowMs,
    (header) => /^\d{1,12}$/.test(header) ? Number(header) * 1000 : null,
    ALERT_WEBHOOK_MAX_SKEW_MS,
  );
}

/**
 * Verifies a database webhook: the timestamp check of {@link checkAlertWebhookTimestamp},
 * then `signatureHeader` (hex) against HMAC-SHA256 of `"{timestamp}."` + `body` under
 * `secret`, compared in constant time. An empty secret refuses everything.
 */
export async function verifyAlertWebhook(
  body: Uint8Array,
  timestampHeader: string | null | undefined,
  signatureHeader: string | null | undefined,
  secret: string,
  nowMs: number,
): Promise<AlertWebhookVerdict> {
  const fresh = checkAlertWebhookTimestamp(timestampHeader, signatureHeader, nowMs);
  if (!fresh.ok) return fresh;
  if (!secret) return { ok: false, reason: "mismatch" };
  const presented = /^[0-9a-fA-F]{64}$/.test(signatureHeader!.trim())
    ? fromHex(signatureHeader!.trim())
    : null;
  const expected = await hmacSha256(secret, alertSignedBytes(timestampHeader!, body));
  return presented && timingSafeEqual(presented, expected)
    ? { ok: true }
    : { ok: false, reason: "mismatch" };
}
