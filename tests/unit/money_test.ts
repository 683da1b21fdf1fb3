import assert from "node:assert/strict";
import fc from "fast-check";
import {
  centsToDecimalText,
  decimalTextToCents,
  dollarsToCents,
  dollarsToCentsOrThrow,
  exactUnits,
  MAX_ABS_DOLLARS,
} from "../../shared/money.ts";
import { withSeed } from "../_support/property.ts";

const cents = (n: number) => {
  const r = dollarsToCents(n);
  assert.ok(r.ok, `expected ${n} to convert`);
  return r.cents;
};

Deno.test("money: two-decimal amounts convert exactly where float multiplication drifts", () => {
  // 19.99 * 100 = 1998.9999999999998 and 1.1 * 3 style sums show the float trap.
  assert.notEqual(19.99 * 100, 1999);
  assert.equal(cents(19.99), 1999);
  assert.equal(cents(0.1 + 0.2), 30);
  assert.equal(cents(4.35), 435);
  assert.equal(cents(1234567.89), 123456789);
  assert.equal(cents(0), 0);
  assert.equal(cents(7), 700);
  assert.equal(cents(0.5), 50);
});

Deno.test("money: sub-cent digits round half away from zero on the decimal text", () => {
  assert.equal(cents(1.005), 101); // 1.005 * 100 = 100.49999999999999 as a float
  assert.equal(cents(-1.005), -101);
  assert.equal(cents(2.675), 268);
  assert.equal(cents(2.674), 267);
  assert.equal(cents(0.004), 0);
  assert.equal(cents(-0.004), 0);
  assert.ok(Object.is(cents(-0.004), 0), "no negative zero");
  assert.equal(cents(0.0049999), 0);
  assert.equal(cents(0.0050001), 1);
  assert.equal(cents(-12.345), -1235);
});

Deno.test("money: a floating-point residue of zero (exponent form, under a millionth of a dollar) is 0 cents", () => {
  for (const tiny of [5.551115123125783e-17, -5.551115123125783e-17, 1e-7, 5e-324, 9.99e-7]) {
    assert.deepEqual(dollarsToCents(tiny), { ok: true, cents: 0 }, String(tiny));
  }
  // Computed the way a POS might: 0.1 + 0.2 - 0.3.
  assert.deepEqual(dollarsToCents(0.1 + 0.2 - 0.3), { ok: true, cents: 0 });
  // The first plain-text magnitude still goes through the decimal text.
  assert.deepEqual(dollarsToCents(0.000001), { ok: true, cents: 0 });
  assert.deepEqual(dollarsToCents(0.005), { ok: true, cents: 1 });
});

Deno.test("money: rejects NaN, infinities and absurd magnitudes", () => {
  for (const bad of [NaN, Infinity, -Infinity, 1e21, -1e21, MAX_ABS_DOLLARS]) {
    const r = dollarsToCents(bad);
    assert.equal(r.ok, false, `expected ${bad} to be rejected`);
  }
  assert.throws(() => dollarsToCentsOrThrow(NaN), RangeError);
  assert.equal(cents(MAX_ABS_DOLLARS - 0.01), MAX_ABS_DOLLARS * 100 - 1);
  // A value just under the cap that rounds up onto it is rejected too.
  assert.equal(decimalTextToCents("999999999999.995").ok, false);
  // deno-lint-ignore no-explicit-any
  assert.equal(dollarsToCents("12.34" as any).ok, false);
});

Deno.test("money: decimal text parser accepts plain decimals only", () => {
  assert.deepEqual(decimalTextToCents("12.34"), { ok: true, cents: 1234 });
  assert.deepEqual(decimalTextToCents("-0.5"), { ok: true, cents: -50 });
  assert.deepEqual(decimalTextToCents("+3"), { ok: true, cents: 300 });
  assert.deepEqual(decimalTextToCents("007.10"), { ok: true, cents: 710 });
  for (const bad of ["", "1e3", "1,000.00", " 1.00", ".5", "5.", "--1", "0x10", "NaN"]) {
    assert.equal(decimalTextToCents(bad).ok, false, `expected '${bad}' to be rejected`);
  }
});

Deno.test("money: centsToDecimalText is the exact inverse for whole cents", () => {
  assert.equal(centsToDecimalText(1234), "12.34");
  assert.equal(centsToDecimalText(-5), "-0.05");
  assert.equal(centsToDecimalText(0), "0.00");
  assert.throws(() => centsToDecimalText(1.5), RangeError);
});

Deno.test("money property: any decimal amount read from JSON converts to its exact cents", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -(10 ** 13), max: 10 ** 13 }),
      (exact) => {
        // The amount as a vendor writes it in JSON text, then read the way a handler reads it.
        const text = centsToDecimalText(exact);
        const parsed = JSON.parse(`{"amount": ${text}}`).amount as number;
        assert.equal(cents(parsed), exact);
        assert.equal(centsToDecimalText(cents(parsed)), text);
      },
    ),
    withSeed({ seed: 20261128, numRuns: 5000 }),
  );
});

Deno.test("money property: three-decimal amounts round half away from zero", () => {
  fc.assert(
    fc.property(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), (mills) => {
      const sign = mills < 0 ? "-" : "";
      const abs = Math.abs(mills);
      const text = `${sign}${Math.trunc(abs / 1000)}.${String(abs % 1000).padStart(3, "0")}`;
      const parsed = JSON.parse(text) as number;
      // Expected with integer arithmetic on the mills: half away from zero.
      const expectedAbs = Math.trunc(abs / 10) + (abs % 10 >= 5 ? 1 : 0);
      const expected = mills < 0 && expectedAbs !== 0 ? -expectedAbs : expectedAbs;
      assert.equal(cents(parsed), expected);
    }),
    withSeed({ seed: 1128, numRuns: 5000 }),
  );
});

Deno.test("money: exactUnits reads a decimal exactly at a scale and refuses finer ones", () => {
  assert.deepEqual(exactUnits(15.125, 4), { ok: true, units: 151_250n });
  assert.deepEqual(exactUnits(1512.5, 2), { ok: true, units: 151_250n });
  assert.deepEqual(exactUnits(7, 2), { ok: true, units: 700n });
  assert.deepEqual(exactUnits(-0.01, 2), { ok: true, units: -1n });
  assert.equal(exactUnits(15.12345, 4).ok, false);
  assert.equal(exactUnits(1e-7, 4).ok, false);
  assert.equal(exactUnits(Number.NaN, 4).ok, false);
  // Any number of hundredths up to 15 significant digits comes back exactly.
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 13n }), (hundredths) => {
      const r = exactUnits(Number(hundredths) / 100, 2);
      assert.deepEqual(r, { ok: true, units: hundredths });
    }),
    withSeed({ seed: 14, numRuns: 2_000 }),
  );
});
