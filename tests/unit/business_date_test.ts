import assert from "node:assert/strict";
import fc from "fast-check";
import { businessDateOf, isValidTimeZone, parseInstant } from "../../shared/business_date.ts";
import { withSeed } from "../_support/property.ts";

Deno.test("parseInstant: vendor formats become UTC ISO instants", () => {
  assert.equal(parseInstant("2026-11-01T01:30:00.000-0400"), "2026-11-01T05:30:00.000Z"); // Toast
  assert.equal(parseInstant("2022-01-01T06:00:00-06:00"), "2022-01-01T12:00:00.000Z"); // 7shifts _iso
  assert.equal(parseInstant("2022-01-01 12:00:00"), "2022-01-01T12:00:00.000Z"); // 7shifts UTC
  assert.equal(parseInstant("2022-01-01 16:00:0"), "2022-01-01T16:00:00.000Z"); // doc sample
  assert.equal(parseInstant("2026-03-08T07:00:00Z"), "2026-03-08T07:00:00.000Z");
  assert.equal(parseInstant("2026-03-08T07:00:00.123456Z"), "2026-03-08T07:00:00.123Z");
  assert.equal(parseInstant("2026-03-08T02:00+05"), "2026-03-07T21:00:00.000Z");
  assert.equal(parseInstant("0099-01-01T00:00:00Z"), "0099-01-01T00:00:00.000Z");
});

Deno.test("parseInstant: rejects impossible calendar values and junk", () => {
  for (
    const bad of [
      "",
      "2026-02-30T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T23:60:00Z",
      "2026-01-01T00:00:00+25:00",
      "2026-01-01",
      "yesterday",
      "2026-01-01T00:00:00ZZ",
    ]
  ) {
    assert.equal(parseInstant(bad), null, `expected '${bad}' to be rejected`);
  }
});

Deno.test("businessDateOf: the cut-off hour moves early-morning instants to the previous day", () => {
  const tz = "America/New_York";
  // 2026-06-15 03:59 EDT = 07:59Z belongs to the 14th; 04:00 EDT starts the 15th.
  assert.equal(businessDateOf("2026-06-15T07:59:59Z", tz, 4), "2026-06-14");
  assert.equal(businessDateOf("2026-06-15T08:00:00Z", tz, 4), "2026-06-15");
  assert.equal(businessDateOf("2026-06-15T07:59:59Z", tz, 0), "2026-06-15");
  assert.equal(businessDateOf("2026-06-15T03:59:59Z", tz, 0), "2026-06-14");
  // Across midnight in Tokyo (UTC+9, no DST).
  assert.equal(businessDateOf("2026-01-01T15:30:00Z", "Asia/Tokyo", 4), "2026-01-01");
  assert.equal(businessDateOf("2026-01-01T19:30:00Z", "Asia/Tokyo", 4), "2026-01-02");
});

Deno.test("businessDateOf: DST transitions use wall-clock time, not elapsed hours", () => {
  const tz = "America/New_York";
  // Spring forward 2026-03-08 02:00 EST -> 03:00 EDT. 03:30 EDT (07:30Z) is before a 04:00
  // cut-off, so it is still the 7th; 04:00 EDT (08:00Z) is the 8th, although only 3 hours of
  // real time passed since local midnight.
  assert.equal(businessDateOf("2026-03-08T07:30:00Z", tz, 4), "2026-03-07");
  assert.equal(businessDateOf("2026-03-08T08:00:00Z", tz, 4), "2026-03-08");
  // Fall back 2026-11-01 02:00 EDT -> 01:00 EST: both 01:30s belong to Oct 31 with a 4 h cut-off.
  assert.equal(businessDateOf("2026-11-01T05:30:00Z", tz, 4), "2026-10-31"); // 01:30 EDT
  assert.equal(businessDateOf("2026-11-01T06:30:00Z", tz, 4), "2026-10-31"); // 01:30 EST
  assert.equal(businessDateOf("2026-11-01T08:59:59Z", tz, 4), "2026-10-31"); // 03:59:59 EST
  assert.equal(businessDateOf("2026-11-01T09:00:00Z", tz, 4), "2026-11-01"); // 04:00 EST
  // Southern hemisphere: Sydney leaves DST on 2026-04-05 03:00 AEDT -> 02:00 AEST.
  assert.equal(businessDateOf("2026-04-04T16:30:00Z", "Australia/Sydney", 4), "2026-04-04");
  assert.equal(businessDateOf("2026-04-04T18:00:00Z", "Australia/Sydney", 4), "2026-04-05");
});

Deno.test("businessDateOf: rejects bad zones, cut-offs and instants", () => {
  assert.throws(() => businessDateOf("2026-01-01T00:00:00Z", "Mars/Olympus", 4), RangeError);
  assert.throws(() => businessDateOf("2026-01-01T00:00:00Z", "UTC", 24), RangeError);
  assert.throws(() => businessDateOf("2026-01-01T00:00:00Z", "UTC", 1.5), RangeError);
  assert.throws(() => businessDateOf("not a time", "UTC", 4), RangeError);
  assert.equal(isValidTimeZone("Europe/Paris"), true);
  assert.equal(isValidTimeZone("Europe/Atlantis"), false);
});

Deno.test("businessDateOf property: a fixed-offset zone equals shifting the UTC instant", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
      fc.integer({ min: 0, max: 23 }),
      (t, cutoff) => {
        // Etc/GMT-3 is UTC+3 all year (POSIX sign convention).
        const expected = new Date(t + 3 * 3_600_000 - cutoff * 3_600_000).toISOString().slice(
          0,
          10,
        );
        assert.equal(businessDateOf(new Date(t).toISOString(), "Etc/GMT-3", cutoff), expected);
      },
    ),
    withSeed({ seed: 4, numRuns: 2000 }),
  );
});
