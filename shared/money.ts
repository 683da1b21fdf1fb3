/**
 * Exact decimal dollars to integer cents.
 *
 * Vendors send money as JSON numbers of decimal dollars (`12.34`). A JSON number read by
 * `JSON.parse` is a binary double, so `12.34 * 100` can land on `1233.9999999999998`. Instead
 * the number is turned back into its shortest decimal text (`String(n)`, which round-trips the
 * value the vendor wrote for any amount with at most 15 significant digits) and that text is
 * converted with integer arithmetic only.
 *
 * Rounding rule (the one place it is decided): digits below a cent are rounded **half away
 * from zero** on the decimal text, so `1.005` → 101 and `-1.005` → -101. Toast and 7shifts
 * amounts have at most two decimals, so the rule only matters for computed or odd inputs.
 *
 * A number too small for plain decimal text (under a millionth of a dollar, `5.551115123125783e-17`:
 * the residue of a total computed in floating point, which some systems send for zero) is a
 * sub-cent amount like any other and rounds to 0 cents by the same rule; refusing it would refuse
 * the whole order, and a vendor does not resend what we refuse.
 *
 * Rejected: `NaN`, `±Infinity`, and magnitudes of {@link MAX_ABS_DOLLARS} or more (`1e21`, the
 * only other exponent form a double prints).
 *
 * @module
 */

/** Largest accepted magnitude in whole dollars (exclusive): $1 trillion. Cents stay exact. */
export const MAX_ABS_DOLLARS = 1_000_000_000_000;

/** Outcome of a conversion: the cents, or why the input is not an amount. */
export type CentsResult = { ok: true; cents: number } | { ok: false; reason: string };

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

/**
 * Converts decimal dollar text (`"12.34"`, `"-0.5"`, `"7"`) to integer cents, rounding
 * sub-cent digits half away from zero. No exponents, no thousands separators, no spaces.
 */
export function decimalTextToCents(text: string): CentsResult {
  const m = DECIMAL.exec(text);
  if (!m) return { ok: false, reason: `not a plain decimal number: '${text.slice(0, 40)}'` };
  const negative = m[1] === "-";
  const whole = m[2].replace(/^0+(?=\d)/, "");
  const fraction = m[3] ?? "";
  if (whole.length > String(MAX_ABS_DOLLARS).length - 1) {
    return { ok: false, reason: "amount is too large" };
  }
  let cents = Number(whole) * 100 + Number((fraction + "00").slice(0, 2));
  // Half away from zero: the third decimal digit decides; later digits only matter through it
  // being >= 5 (5000... and 5999... both round up in magnitude).
  if (fraction.length > 2 && fraction.charCodeAt(2) >= 53 /* '5' */) cents += 1;
  if (cents >= MAX_ABS_DOLLARS * 100) return { ok: false, reason: "amount is too large" };
  // `0 - 0` is -0 in JS; normalise so "-0.00" is plain 0.
  return { ok: true, cents: negative && cents !== 0 ? -cents : cents };
}

/**
 * Converts a JSON number of dollars to integer cents via its shortest decimal text
 * (`String(n)`), so `0.1 + 0.2` gives 30 and `1.005` gives 101 (see the module rule).
 */
export function dollarsToCents(dollars: number): CentsResult {
  if (typeof dollars !== "number" || !Number.isFinite(dollars)) {
    return { ok: false, reason: "not a finite number" };
  }
  // Below 1e-6 a double prints in exponent form; every such value is under half a cent.
  if (Math.abs(dollars) < 1e-6) return { ok: true, cents: 0 };
  return decimalTextToCents(String(dollars));
}

/** Like {@link dollarsToCents} but throws a `RangeError` for a value that is not an amount. */
export function dollarsToCentsOrThrow(dollars: number): number {
  const r = dollarsToCents(dollars);
  if (!r.ok) throw new RangeError(r.reason);
  return r.cents;
}

/** An exact decimal as a whole number of `10^-scale` units, or why it is not one. */
export type UnitsResult = { ok: true; units: bigint } | { ok: false; reason: string };

/**
 * A JSON number read exactly as a whole number of `10^-scale` units, never rounded: through its
 * shortest decimal text (`String(n)`, exact for up to 15 significant digits), so
 * `exactUnits(15.125, 4)` is 151250n. A value with more decimals than `scale` is refused
 * (`"more than {scale} decimal places"`), as are `NaN`, infinities and exponent forms.
 */
export function exactUnits(value: number, scale: number): UnitsResult {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return { ok: false, reason: "not a finite number" };
  }
  const text = String(value);
  const m = DECIMAL.exec(text);
  if (!m) return { ok: false, reason: `not a plain decimal number: '${text.slice(0, 40)}'` };
  const fraction = m[3] ?? "";
  if (fraction.length > scale) {
    return { ok: false, reason: `more than ${scale} decimal places` };
  }
  const units = BigInt(m[2]) * 10n ** BigInt(scale) +
    BigInt((fraction + "0".repeat(scale)).slice(0, scale) || "0");
  return { ok: true, units: m[1] === "-" ? -units : units };
}

/**
 * Formats integer cents as dollar text with two decimals (`1234` → `"12.34"`), exactly: a
 * number must be a safe integer; a BigInt may be any size.
 */
export function centsToDecimalText(cents: number | bigint): string {
  if (typeof cents === "number" && !Number.isSafeInteger(cents)) {
    throw new RangeError("cents must be a safe integer");
  }
  const big = BigInt(cents);
  const abs = big < 0n ? -big : big;
  return `${big < 0n ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}
