/**
 * The one rounding rule of the project.
 *
 * Every derived figure (labor cost of a punch, paid minutes, labor % in basis points, CPLH,
 * SPLH) is an integer division `numerator / denominator` of integers, rounded to the nearest
 * integer with ties rounded **half away from zero**: 2.5 → 3, −2.5 → −3, 2.4999… → 2.
 *
 * Computed exactly on BigInt, never on floats: `q = ⌊(2·|n| + |d|) / (2·|d|)⌋`, then the sign of
 * `n / d` is applied. The SQL mirror is `pipeline.round_half_away(numerator, denominator)` in
 * supabase/migrations/20261128000300_metrics.sql, which computes the same expression with
 * `div()` on numeric, so TypeScript and Postgres agree on every input.
 *
 * @module
 */

/** An integer as a JS number (must be a safe integer) or a BigInt. */
export type IntegerLike = number | bigint;

/**
 * Converts an integer argument to BigInt, refusing anything that is not an exact integer
 * (a float here would be a bug upstream: money and time are integers end to end).
 */
export function toBigInt(value: IntegerLike, name = "value"): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${name} must be a safe integer, got ${value}`);
  }
  return BigInt(value);
}

/**
 * Converts a BigInt result back to a number, refusing values a number cannot hold exactly
 * (beyond ±2^53 − 1, i.e. ±$90 trillion in cents): a silent precision loss would be worse
 * than an error.
 */
export function toSafeNumber(value: bigint, name = "value"): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${name} ${value} is outside the safe integer range`);
  }
  return Number(value);
}

/**
 * `numerator / denominator` rounded half away from zero, on BigInt (exact at any size).
 *
 * @throws RangeError when the denominator is zero (callers decide what a zero denominator
 *   means; for the daily figures it means null).
 */
export function divideRoundHalfAwayBig(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError("division by zero");
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const magnitude = (2n * n + d) / (2n * d);
  return (numerator < 0n) !== (denominator < 0n) ? -magnitude : magnitude;
}

/**
 * `numerator / denominator` rounded half away from zero; integer arguments as numbers or
 * BigInts, the result as a number.
 *
 * @example divideRoundHalfAway(5, 2) === 3; divideRoundHalfAway(-5, 2) === -3
 * @throws RangeError on a zero denominator, a non-integer argument or an unsafe result.
 */
export function divideRoundHalfAway(numerator: IntegerLike, denominator: IntegerLike): number {
  return toSafeNumber(
    divideRoundHalfAwayBig(toBigInt(numerator, "numerator"), toBigInt(denominator, "denominator")),
    "quotient",
  );
}
