import assert from "node:assert/strict";
import fc from "fast-check";
import {
  divideRoundHalfAway,
  divideRoundHalfAwayBig,
  toBigInt,
  toSafeNumber,
} from "../../shared/rounding.ts";
import { withSeed } from "../_support/property.ts";

Deno.test("rounding: halves go away from zero, everything else to the nearest integer", () => {
  const cases: Array<[number, number, number]> = [
    [5, 2, 3],
    [-5, 2, -3],
    [5, -2, -3],
    [-5, -2, 3],
    [1, 2, 1],
    [-1, 2, -1],
    [3, 2, 2],
    [7, 2, 4],
    [1, 3, 0],
    [2, 3, 1],
    [-2, 3, -1],
    [0, 7, 0],
    [1800, 3600, 1],
    [1799, 3600, 0],
    [5399, 3600, 1],
    [5400, 3600, 2],
    [149, 100, 1],
    [150, 100, 2],
    [-150, 100, -2],
    [-149, 100, -1],
    [10, 5, 2],
  ];
  for (const [n, d, want] of cases) {
    assert.equal(divideRoundHalfAway(n, d), want, `${n} / ${d}`);
  }
});

Deno.test("rounding: exact beyond 2^53 in the intermediate product", () => {
  // 12,000,000,000 cents × 3,600 s overflows float precision; BigInt keeps it exact.
  const big = 2n ** 60n + 1n; // odd, so big / 2 lands exactly on a half
  assert.equal(divideRoundHalfAwayBig(big, 2n), 2n ** 59n + 1n);
  assert.equal(divideRoundHalfAwayBig(-big, 2n), -(2n ** 59n + 1n));
  assert.equal(divideRoundHalfAway(9_007_199_254_740_993n, 1_000_000n), 9_007_199_255);
});

Deno.test("rounding: rejects zero denominators, non-integers and unsafe results", () => {
  assert.throws(() => divideRoundHalfAway(1, 0), RangeError);
  assert.throws(() => divideRoundHalfAway(1.5, 2), RangeError);
  assert.throws(() => divideRoundHalfAway(1, Number.NaN), RangeError);
  assert.throws(() => divideRoundHalfAway(2n ** 80n, 1n), RangeError);
  assert.throws(() => toBigInt(Number.MAX_SAFE_INTEGER + 1), RangeError);
  assert.throws(() => toSafeNumber(2n ** 53n), RangeError);
  assert.equal(toSafeNumber(2n ** 53n - 1n), Number.MAX_SAFE_INTEGER);
});

Deno.test("rounding: agrees with Math.round on small values (an independent oracle)", () => {
  // For |n|, |d| < 2^20 the float quotient is exact at every half and at least 2^-21 away
  // from one otherwise, so Math.round of the magnitude is a trustworthy reference.
  fc.assert(
    fc.property(
      fc.integer({ min: -(2 ** 20), max: 2 ** 20 }),
      fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).filter((d) => d !== 0),
      (n, d) => {
        const magnitude = Math.round(Math.abs(n) / Math.abs(d));
        const want = magnitude === 0 ? 0 : (n < 0) !== (d < 0) ? -magnitude : magnitude;
        assert.equal(divideRoundHalfAway(n, d), want);
      },
    ),
    withSeed({ seed: 20261128, numRuns: 20_000 }),
  );
});

Deno.test("rounding: nearest integer, ties away from zero, at any size", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: -(2n ** 90n), max: 2n ** 90n }),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).filter((d) => d !== 0n),
      (n, d) => {
        const q = divideRoundHalfAwayBig(n, d);
        const abs = (x: bigint) => (x < 0n ? -x : x);
        const twiceError = abs(2n * (n - q * d));
        // Within half a unit of the exact quotient...
        assert.ok(twiceError <= abs(d));
        // ...and on an exact half, the candidate farther from zero.
        if (twiceError === abs(d)) assert.ok(abs(q * d) > abs(n));
        // Symmetric in sign.
        assert.equal(divideRoundHalfAwayBig(-n, d), -q);
      },
    ),
    withSeed({ seed: 4, numRuns: 10_000 }),
  );
});
