import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import fc from "fast-check";
import {
  checkSevenShiftsTimestamp,
  fromBase64,
  fromHex,
  secretsMatch,
  sevenShiftsTimestampMs,
  sha256Hex,
  signSevenShiftsPayload,
  signToastPayload,
  timingSafeEqual,
  toBase64,
  toHex,
  verifySevenShiftsSignature,
  verifyToastSignature,
} from "../../shared/signatures.ts";
import { withSeed } from "../_support/property.ts";

const body = '{"timestamp":"2026-11-01T12:00:00.000Z","eventType":"order_updated","guid":"x"}';
const ts = "2026-11-01T12:00:00.000Z";

Deno.test("HMAC-SHA256 matches the RFC 4231 test vector", async () => {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  const expectedHex = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  // Toast signs body + timestamp: split the data so the concatenation is the RFC message.
  const sig = await signToastPayload("what do ya want ", "for nothing?", "Jefe");
  assert.equal(toHex(fromBase64(sig)!), expectedHex);
  // 7shifts keys the MAC with "{timestamp}#{grant guid}"; node:crypto is the independent oracle.
  const oracle = createHmac("sha256", "1793534400#grant").update("body").digest();
  assert.equal(await signSevenShiftsPayload("body", "1793534400", "grant"), oracle.toString("hex"));
  assert.equal(
    await signSevenShiftsPayload("body", "1793534400", "grant", "base64"),
    oracle.toString("base64"),
  );
});

Deno.test("Toast: a signature over body + envelope timestamp verifies; anything else fails", async () => {
  const secret = "toast-secret";
  const sig = await signToastPayload(body, ts, secret);
  assert.equal(await verifyToastSignature(body, ts, sig, secret), true);
  assert.equal(await verifyToastSignature(body, ts, ` ${sig} `, secret), true);
  assert.equal(await verifyToastSignature(body + " ", ts, sig, secret), false);
  assert.equal(await verifyToastSignature(body, "2026-11-01T12:00:01.000Z", sig, secret), false);
  assert.equal(await verifyToastSignature(body, ts, sig, "other-secret"), false);
  assert.equal(await verifyToastSignature(body, ts, null, secret), false);
  assert.equal(await verifyToastSignature(body, ts, "", secret), false);
  assert.equal(await verifyToastSignature(body, ts, "not base64 !!", secret), false);
  assert.equal(await verifyToastSignature(body, ts, sig, ""), false);
  // The hex form of the right MAC is not what Toast sends.
  assert.equal(await verifyToastSignature(body, ts, toHex(fromBase64(sig)!), secret), false);
});

Deno.test("Toast: the imported key follows a changed secret (no stale key is reused)", async () => {
  const sigA = await signToastPayload(body, ts, "secret-a");
  const sigB = await signToastPayload(body, ts, "secret-b");
  assert.equal(await verifyToastSignature(body, ts, sigA, "secret-a"), true);
  assert.equal(await verifyToastSignature(body, ts, sigA, "secret-a"), true);
  // Rotated: B's signature verifies, A's no longer does, and back again.
  assert.equal(await verifyToastSignature(body, ts, sigB, "secret-b"), true);
  assert.equal(await verifyToastSignature(body, ts, sigA, "secret-b"), false);
  assert.equal(await verifyToastSignature(body, ts, sigB, "secret-a"), false);
  assert.equal(await verifyToastSignature(body, ts, sigA, "secret-a"), true);
  // Checked against node:crypto, so a key cached for the wrong secret could not pass.
  const oracle = createHmac("sha256", "secret-b").update(body + ts).digest("base64");
  assert.equal(await verifyToastSignature(body, ts, oracle, "secret-b"), true);
});

Deno.test("7shifts: hex and base64 signatures verify within 5 minutes, seconds or ms", async () => {
  const guid = "0b7e7dd4-4f6b-4f59-9f0e-3f1d1c1a2b3c";
  const now = Date.UTC(2026, 10, 1, 12, 0, 0);
  const seconds = String(Math.floor(now / 1000));
  for (const encoding of ["hex", "base64"] as const) {
    const sig = await signSevenShiftsPayload(body, seconds, guid, encoding);
    assert.deepEqual(await verifySevenShiftsSignature(body, seconds, sig, guid, now), { ok: true });
  }
  const msStamp = String(now - 299_000);
  const sigMs = await signSevenShiftsPayload(body, msStamp, guid);
  assert.deepEqual(await verifySevenShiftsSignature(body, msStamp, sigMs, guid, now), { ok: true });
  // Clock skew the other way (timestamp in the future) is tolerated up to 5 minutes too.
  const ahead = String(Math.floor((now + 290_000) / 1000));
  const sigAhead = await signSevenShiftsPayload(body, ahead, guid);
  assert.deepEqual(await verifySevenShiftsSignature(body, ahead, sigAhead, guid, now), {
    ok: true,
  });
});

Deno.test("7shifts: stale, missing, malformed and mismatched signatures are refused", async () => {
  const guid = "grant-guid";
  const now = Date.UTC(2026, 10, 1, 12, 0, 0);
  const stale = String(Math.floor((now - 301_000) / 1000));
  const sigStale = await signSevenShiftsPayload(body, stale, guid);
  assert.deepEqual(await verifySevenShiftsSignature(body, stale, sigStale, guid, now), {
    ok: false,
    reason: "stale",
  });
  const future = String(Math.floor((now + 301_000) / 1000));
  const sigFuture = await signSevenShiftsPayload(body, future, guid);
  assert.equal((await verifySevenShiftsSignature(body, future, sigFuture, guid, now)).ok, false);
  const fresh = String(Math.floor(now / 1000));
  const sig = await signSevenShiftsPayload(body, fresh, guid);
  assert.deepEqual(await verifySevenShiftsSignature(body, fresh, sig, "other-guid", now), {
    ok: false,
    reason: "mismatch",
  });
  assert.deepEqual(await verifySevenShiftsSignature(body, null, sig, guid, now), {
    ok: false,
    reason: "missing",
  });
  assert.deepEqual(await verifySevenShiftsSignature(body, fresh, sig, "", now), {
    ok: false,
    reason: "missing",
  });
  assert.deepEqual(await verifySevenShiftsSignature(body, "12:00", sig, guid, now), {
    ok: false,
    reason: "bad_timestamp",
  });
  // The key uses the header text as sent: the same instant written differently is a new key.
  assert.equal(
    (await verifySevenShiftsSignature(body, `0${fresh}`, sig, guid, now)).ok,
    false,
  );
  assert.equal((await verifySevenShiftsSignature(body + "x", fresh, sig, guid, now)).ok, false);
});

Deno.test("7shifts: the timestamp alone is judged as the full verification judges it", async () => {
  const guid = "grant-guid";
  const now = Date.UTC(2026, 10, 1, 12, 0, 0);
  const s = (ms: number) => String(Math.floor(ms / 1000));
  const cases = [s(now), s(now - 300_000), s(now + 300_000), s(now - 301_000), s(now + 301_000)]
    .concat([String(now), "0", "garbage", "", "12:00", "1".repeat(17)]);
  for (const ts of cases) {
    const sig = await signSevenShiftsPayload(body, ts, guid);
    const early = checkSevenShiftsTimestamp(ts, sig, now);
    const full = await verifySevenShiftsSignature(body, ts, sig, guid, now);
    assert.deepEqual(early, full, `timestamp ${JSON.stringify(ts)}`);
  }
  assert.deepEqual(checkSevenShiftsTimestamp(s(now), null, now), { ok: false, reason: "missing" });
});

Deno.test("timestamps: seconds vs milliseconds", () => {
  assert.equal(sevenShiftsTimestampMs("1793534400"), 1793534400000);
  assert.equal(sevenShiftsTimestampMs("1793534400123"), 1793534400123);
  assert.equal(sevenShiftsTimestampMs("-5"), null);
  assert.equal(sevenShiftsTimestampMs("1.5"), null);
});

Deno.test("constant-time helpers", async () => {
  assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
  assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
  assert.equal(timingSafeEqual(new Uint8Array([1]), new Uint8Array([1, 0])), false);
  assert.equal(await secretsMatch("token-1", "token-1"), true);
  assert.equal(await secretsMatch("token-1", "token-2"), false);
  assert.equal(await secretsMatch("", ""), false);
  assert.equal(await secretsMatch("token", ""), false);
  assert.equal(
    await sha256Hex("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("encodings round-trip", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      if (bytes.length === 0) return;
      assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
      assert.deepEqual(fromHex(toHex(bytes)), bytes);
    }),
    withSeed({ seed: 7, numRuns: 500 }),
  );
  assert.equal(fromHex("abc"), null);
  assert.equal(fromBase64("***"), null);
});
