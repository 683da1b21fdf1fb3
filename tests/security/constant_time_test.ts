/**
 * Secrets are compared in constant time. The helpers every check goes through
 * (shared/signatures.ts: `timingSafeEqual` for HMACs, the notifier's signature included, and
 * `secretsMatch` for the 7shifts URL token) are called and timed, not looked for in the
 * source: their answers are right (properties), and how long they take does not depend on
 * where the first differing byte is. The timing check first proves it can tell: an ordinary
 * early-exit comparison, timed the same way, is caught.
 *
 * Over HTTP, the token and the notifier's signature match exactly or not at all (no prefix,
 * no extension, no case folding of the token).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { secretsMatch, timingSafeEqual } from "../../shared/signatures.ts";
import { signedAlertHeaders } from "../_support/alert_webhook.ts";
import { testEnv } from "../_support/env.ts";
import { send, utf8 } from "../fault/support.ts";
import { withSeed } from "../_support/property.ts";

const env = testEnv();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Median time of `compare(a, b)` for each `b`, interleaved so drift affects all alike.
 * Synchronous and asynchronous comparisons alike.
 */
async function timings<T>(
  compare: (a: T, b: T) => unknown,
  a: T,
  bs: Record<string, T>,
  rounds = 21,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(
    Object.keys(bs).map((k) => [k, []]),
  );
  for (let r = 0; r < rounds + 3; r++) {
    for (const [k, b] of Object.entries(bs)) {
      const t0 = performance.now();
      await compare(a, b);
      const dt = performance.now() - t0;
      if (r >= 3) samples[k].push(dt); // the first rounds warm the JIT up
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

/** The ordinary comparison constant-time code avoids: stops at the first difference. */
function earlyExitEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function variants(size: number) {
  const a = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(a.subarray(i, i + 65536));
  const first = a.slice();
  first[0] ^= 1;
  const last = a.slice();
  last[size - 1] ^= 1;
  return { a, bs: { same: a.slice(), first, last } };
}

Deno.test("constant time: timingSafeEqual answers exactly equality", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 }), (a, b) => {
      assert.equal(timingSafeEqual(a, b), earlyExitEqual(a, b));
    }),
    withSeed({ seed: 31, numRuns: 3000 }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.nat(), (a, i) => {
      const b = a.slice();
      assert.equal(timingSafeEqual(a, b), true);
      b[i % b.length] ^= 0x80;
      assert.equal(timingSafeEqual(a, b), false);
    }),
    withSeed({ seed: 32, numRuns: 3000 }),
  );
});

Deno.test("constant time: timingSafeEqual takes as long whether the first or the last byte differs", async () => {
  const { a, bs } = variants(4 * 1024 * 1024);
  // The measurement can tell: an early exit at byte 0 is orders of magnitude faster.
  const naive = await timings(earlyExitEqual, a, bs);
  assert.ok(
    naive.first < naive.last / 20,
    `the timing check cannot see an early exit: ${JSON.stringify(naive)}`,
  );
  const t = await timings(timingSafeEqual, a, bs);
  for (const k of ["first", "same"] as const) {
    const ratio = t[k] / t.last;
    assert.ok(ratio > 0.5 && ratio < 2, `${k} vs last: ${ratio.toFixed(2)} ${JSON.stringify(t)}`);
  }
});

Deno.test("constant time: secretsMatch matches exactly, never an empty secret, in time blind to where they differ", async () => {
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), async (p, e) => {
      assert.equal(await secretsMatch(p, e), p === e && e !== "");
    }),
    withSeed({ seed: 33, numRuns: 1000 }),
  );
  assert.equal(await secretsMatch("", ""), false);
  assert.equal(await secretsMatch("s3cret", "s3cret"), true);
  for (const near of ["s3cre", "s3cret ", "S3cret", "s3cret\u0000", " s3cret"]) {
    assert.equal(await secretsMatch(near, "s3cret"), false, JSON.stringify(near));
  }

  const size = 2 * 1024 * 1024;
  const expected = "k".repeat(size);
  const bs = {
    same: "k".repeat(size),
    first: "x" + "k".repeat(size - 1),
    last: "k".repeat(size - 1) + "x",
  };
  // (The previous test shows this way of timing catches an early exit.)
  const t = await timings((x: string, y: string) => secretsMatch(y, x), expected, bs);
  for (const k of ["first", "same"] as const) {
    const ratio = t[k] / t.last;
    assert.ok(ratio > 0.5 && ratio < 2, `${k} vs last: ${ratio.toFixed(2)} ${JSON.stringify(t)}`);
  }
});

Deno.test("constant time: over HTTP the 7shifts URL token and the notifier signature match only exactly", async () => {
  const punch = JSON.stringify({ id: 1, company_id: 1, location_id: 1, modified: "x" });
  const token = env.sevenShiftsToken;
  for (const wrong of [token.slice(0, -1), `${token}x`, token.toUpperCase(), ` ${token}`, ""]) {
    const res = await send(
      `${env.functionsUrl}/sevenshifts-webhook?token=${encodeURIComponent(wrong)}`,
      {
        method: "POST",
        headers: { "content-type": "application/json", "x-webhook-topic": "time_punch.created" },
        body: utf8(punch),
      },
    );
    assert.equal(res.status, 401, `token ${JSON.stringify(wrong.slice(0, 8))}…`);
  }
  // The right token gets past authentication (to validation of this deliberately bad punch).
  const right = await send(
    `${env.functionsUrl}/sevenshifts-webhook?token=${encodeURIComponent(token)}`,
    {
      method: "POST",
      headers: { "content-type": "application/json", "x-webhook-topic": "time_punch.created" },
      body: utf8(punch),
    },
  );
  assert.equal(right.status, 400, right.text);

  const secret = env.alertSecret;
  const signed = await signedAlertHeaders("{}", secret);
  const sig = signed["x-alert-signature"];
  const flip = (i: number) => sig.slice(0, i) + (sig[i] === "0" ? "1" : "0") + sig.slice(i + 1);
  for (
    const wrong of [
      flip(0),
      flip(sig.length - 1),
      sig.slice(0, -2),
      `${sig}00`,
      (await signedAlertHeaders("{}", secret.slice(0, -1)))["x-alert-signature"],
      (await signedAlertHeaders("{}", `${secret}x`))["x-alert-signature"],
    ]
  ) {
    const res = await send(`${env.functionsUrl}/alert-notifier`, {
      method: "POST",
      headers: { ...signed, "x-alert-signature": wrong },
      body: utf8("{}"),
    });
    assert.equal(res.status, 401, wrong);
  }
  const ok = await send(`${env.functionsUrl}/alert-notifier`, {
    method: "POST",
    headers: { ...signed, "x-alert-signature": sig.toUpperCase() },
    body: utf8("{}"),
  });
  assert.equal(ok.status, 400, "the right signature (hex, any case) gets past to validation");
});
