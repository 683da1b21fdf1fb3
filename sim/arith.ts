/**
 * The simulator's own integer arithmetic, kept apart from `shared/` on purpose: the ground
 * truth must not inherit a bug from the code it checks.
 *
 * @module
 */

/**
 * `numerator / denominator` of integers, rounded to the nearest integer with ties away from
 * zero (2.5 → 3, −2.5 → −3), exactly on BigInt. Throws on a zero denominator.
 */
export function roundDiv(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError("roundDiv: division by zero");
  const negative = (numerator < 0n) !== (denominator < 0n);
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = n / d;
  // Round up when the remainder is at least half the denominator (ties go away from zero).
  const rounded = (n % d) * 2n >= d ? q + 1n : q;
  return negative ? -rounded : rounded;
}

/** {@link roundDiv} on safe integers given as numbers, the result as a number. */
export function roundDivNumber(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator)) {
    throw new RangeError(`roundDivNumber: ${numerator} / ${denominator} are not safe integers`);
  }
  return Number(roundDiv(BigInt(numerator), BigInt(denominator)));
}

/**
 * Integer cents as a JSON number of dollars, the way Toast and 7shifts write amounts
 * (`1620` → `16.2`). `cents / 100` is the double nearest the two-decimal value, and
 * JavaScript prints the shortest text that reads back as that double, which is that
 * two-decimal value: the JSON carries the exact amount.
 */
export function centsToDollars(cents: number): number {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not integer cents: ${cents}`);
  return cents / 100;
}

/** Integer cents as exact decimal text with two places (`-1620` → `-16.20`). */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** Integer cents as a price an operator reads (`123456` → `$1,234.56`). */
export function formatMoney(cents: number | null): string {
  if (cents === null) return "—";
  const [whole, frac] = formatCents(Math.abs(cents)).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${cents < 0 ? "-" : ""}$${grouped}.${frac}`;
}

/** Basis points as a percentage with two places (`2745` → `27.45%`). */
export function formatBp(bp: number | null): string {
  if (bp === null) return "—";
  return `${formatCents(bp)}%`;
}
