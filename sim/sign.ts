/**
 * The vendors' webhook signatures, as the senders compute them (the simulator's own
 * implementation, so a mistake in the system's verifier cannot hide behind a shared one).
 *
 * - Toast `Toast-Signature`: base64 of HMAC-SHA256 keyed with the subscription secret, over
 *   the raw body followed by the envelope's `timestamp` text.
 * - 7shifts `x-hmac-signature`: HMAC-SHA256 of the raw body keyed with
 *   `"{x-hmac-timestamp}#{oauth grant guid}"`, hex encoded.
 *
 * @module
 */

const encoder = new TextEncoder();

async function hmacSha256(key: string, message: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(message)));
}

/** `Toast-Signature` for a body and its envelope timestamp. */
export async function toastSignature(
  rawBody: string,
  envelopeTimestamp: string,
  secret: string,
): Promise<string> {
  const mac = await hmacSha256(secret, rawBody + envelopeTimestamp);
  let binary = "";
  for (const b of mac) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** `x-hmac-signature` for a body signed at `timestamp` (Unix seconds, as sent). */
export async function sevenShiftsSignature(
  rawBody: string,
  timestamp: string,
  grantGuid: string,
): Promise<string> {
  const mac = await hmacSha256(`${timestamp}#${grantGuid}`, rawBody);
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}
