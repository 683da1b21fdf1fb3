/**
 * The simulator's generator, ground truth and helpers, without a database: determinism for a
 * seed, the payloads' vendor shapes and exact amounts, the ground truth recomputed from the
 * rendered payloads by a second route, the delivery plan's perturbations, and the alert
 * state machine's documented rules.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { nextAlertState } from "../../sim/alerts_model.ts";
import { centsToDollars, formatBp, formatCents, formatMoney, roundDiv } from "../../sim/arith.ts";
import { generateSimulation, type SimulationOptions } from "../../sim/generate.ts";
import type { SimBreak } from "../../sim/model.ts";
import { Rng } from "../../sim/prng.ts";
import { ORDER_FEATURES } from "../../sim/toast_gen.ts";
import { PUNCH_FEATURES } from "../../sim/sevenshifts_gen.ts";
import { sevenShiftsSignature, toastSignature } from "../../sim/sign.ts";
import { addDays, businessDateAt, localInstant, wallTime, zonedInstant } from "../../sim/time.ts";
import { normalizeToastOrder, parseToastOrderDetails } from "../../shared/toast.ts";
import { parseSevenShiftsPunchEvent } from "../../shared/sevenshifts.ts";
import { verifySevenShiftsSignature, verifyToastSignature } from "../../shared/signatures.ts";
import { withSeed } from "../_support/property.ts";

/** A vendor payload read back from JSON (its shape is what the test checks). */
// deno-lint-ignore no-explicit-any
type Payload = any;

const BASE: SimulationOptions = {
  seed: 42,
  locations: 2,
  days: 2,
  // Crosses the end of US daylight saving time (Sunday 2026-11-01).
  startDate: "2026-10-31",
  runId: "generator-test",
  duplicateRate: 0.15,
  reorderRate: 0.15,
};

// Generated once: a simulation is pure, so the tests can share it.
const SIM = generateSimulation(BASE);

/** Decimal dollars as JSON wrote them → integer cents, from the text (no float × 100). */
function jsonDollarsToCents(value: unknown): number {
  assert.equal(typeof value, "number", `expected an amount, got ${JSON.stringify(value)}`);
  const text = String(value);
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  assert.ok(m, `amount '${text}' is not a plain decimal with at most two places`);
  const cents = Number(m[2]) * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  return m[1] === "-" ? -cents : cents;
}

/** A JSON wage in dollars (up to four decimals: a hundredth of a cent) in hundredths of a cent. */
function jsonWageToCentiCents(value: unknown): number {
  assert.equal(typeof value, "number", `expected a wage, got ${JSON.stringify(value)}`);
  const m = /^(\d+)(?:\.(\d{1,4}))?$/.exec(String(value));
  assert.ok(m, `wage '${value}' is not a plain decimal with at most four places`);
  return Number(m[1]) * 10_000 + Number((m[2] ?? "").padEnd(4, "0"));
}

Deno.test("simulator: the same options give byte-identical simulations", () => {
  const again = generateSimulation(BASE);
  assert.deepEqual(again.truth, SIM.truth);
  assert.equal(again.deliveries.length, SIM.deliveries.length);
  for (let i = 0; i < SIM.deliveries.length; i++) {
    assert.equal(again.deliveries[i].rawBody, SIM.deliveries[i].rawBody, `delivery ${i}`);
    assert.equal(again.deliveries[i].sendAt, SIM.deliveries[i].sendAt);
  }
  const other = generateSimulation({ ...BASE, seed: 43 });
  assert.notDeepEqual(other.truth, SIM.truth, "another seed gives other days");
});

Deno.test("simulator: the run id changes every vendor id but none of the figures", () => {
  const renamed = generateSimulation({ ...BASE, runId: "another-run" });
  assert.deepEqual(renamed.truth, SIM.truth);
  const guids = (s: typeof SIM) => new Set(s.orders.map((o) => o.guid));
  const shared = [...guids(renamed)].filter((g) => guids(SIM).has(g));
  assert.equal(shared.length, 0);
  const punchIds = new Set(SIM.punches.map((p) => p.id));
  assert.ok(renamed.punches.every((p) => !punchIds.has(p.id)));
  assert.notEqual(
    renamed.locations[0].toastRestaurantGuid,
    SIM.locations[0].toastRestaurantGuid,
  );
});

Deno.test("simulator: every listed case happens at least once per location and day", () => {
  for (const loc of SIM.locations) {
    for (const date of SIM.dates) {
      const orders = SIM.orders.filter((o) =>
        o.locationIndex === loc.index && o.businessDate === date
      );
      const changes = new Set(orders.flatMap((o) => o.versions.map((v) => v.change)));
      for (
        const c of [
          "opened",
          "closed",
          "order voided",
          "order deleted",
          "excess food logged",
          "refund",
          "refund on a later day",
          "tip adjusted",
          "fulfilled",
        ]
      ) {
        assert.ok(changes.has(c), `${loc.name} ${date}: no '${c}' version`);
      }
      const finals = orders.map((o) => o.versions[o.versions.length - 1]);
      const checks = finals.flatMap((v) => v.checks);
      const selections = checks.flatMap((c) => c.selections);
      assert.ok(checks.some((c) => c.voided), "a voided check");
      assert.ok(checks.some((c) => c.deleted), "a deleted check");
      assert.ok(selections.some((s) => s.voided), "a voided selection");
      assert.ok(selections.some((s) => s.deferred), "a gift card");
      assert.ok(selections.some((s) => s.selectionType === "HOUSE_ACCOUNT_PAY_BALANCE"));
      assert.ok(selections.some((s) => s.discountCents > 0), "an item discount");
      assert.ok(checks.some((c) => c.checkDiscountCents > 0), "a check discount");
      const charges = checks.flatMap((c) => c.serviceCharges);
      assert.ok(charges.some((c) => c.gratuity), "a gratuity");
      assert.ok(charges.some((c) => !c.gratuity && c.category === "SERVICE_CHARGE"));
      assert.ok(charges.some((c) => c.category === "FUNDRAISING_CAMPAIGN"));
      const payments = checks.flatMap((c) => c.payments);
      assert.ok(payments.some((p) => p.tipCents > 0), "a tip");
      assert.ok(payments.some((p) => p.status === "VOIDED"), "a voided payment");
      assert.ok(payments.some((p) => p.refund && p.refund.refundBusinessDate > date));
      assert.ok(finals.some((v) => v.closedAt === null && !v.voided && !v.deleted), "an open tab");

      const punches = SIM.punches.filter((p) =>
        p.locationIndex === loc.index &&
        businessDateAt(p.versions[0].clockedInAt + 3_600_000, loc.timeZone, 4) === date
      );
      const pchanges = new Set(punches.flatMap((p) => p.versions.map((v) => v.change)));
      for (
        const c of [
          "clocked in",
          "clocked out",
          "created closed",
          "duplicate deleted",
          "deleted",
          "auto clocked out",
          "clock-out corrected",
          "role changed to host",
          "clock-in moved to 04:10",
        ]
      ) {
        assert.ok(pchanges.has(c), `${loc.name} ${date}: no punch '${c}'`);
      }
      const last = punches.map((p) => p.versions[p.versions.length - 1]);
      assert.ok(last.some((v) => v.breaks.some((b) => !b.paid && !b.deleted)), "unpaid break");
      assert.ok(last.some((v) => v.breaks.some((b) => b.paid)), "paid break");
      assert.ok(last.some((v) => v.breaks.some((b) => b.deleted)), "deleted break");
      const overlap = (a: SimBreak, b: SimBreak) => a.inAt < b.outAt && b.inAt < a.outAt;
      const live = last.filter((v) => !v.deleted).flatMap((
        v,
      ) => [v.breaks.filter((b) => !b.deleted)]);
      assert.ok(
        live.some((bs) =>
          bs.some((a, i) => !a.paid && bs.some((b, j) => j > i && !b.paid && overlap(a, b)))
        ),
        "unpaid breaks that overlap",
      );
      assert.ok(
        live.some((bs) => bs.some((a) => a.paid && bs.some((b) => !b.paid && overlap(a, b)))),
        "a paid break overlapping an unpaid one",
      );
      assert.ok(
        last.some((v) =>
          !v.deleted && v.clockedOutAt !== null &&
          wallTime(v.clockedOutAt, loc.timeZone).day !== wallTime(v.clockedInAt, loc.timeZone).day
        ),
        "a close that crosses midnight",
      );
    }
  }
  assert.equal(ORDER_FEATURES.length > 10 && PUNCH_FEATURES.length > 5, true);
});

Deno.test("simulator: payloads parse with the project's schemas and carry exact decimal amounts", () => {
  let halfCentWages = 0;
  for (const d of SIM.deliveries) {
    const body = JSON.parse(d.rawBody);
    if (d.vendor === "toast") {
      assert.equal(body.eventCategory, "orders");
      assert.equal(body.eventType, "order_updated");
      assert.equal(body.timestamp, d.envelopeTimestamp);
      const parsed = parseToastOrderDetails(body.details);
      assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
      for (const c of body.details.checks) {
        jsonDollarsToCents(c.amount);
        jsonDollarsToCents(c.taxAmount);
        for (const s of c.selections) jsonDollarsToCents(s.price);
      }
    } else {
      assert.ok(SIM.locations.some((l) => l.sevenShiftsCompanyId === body.company_id));
      const parsed = parseSevenShiftsPunchEvent(d.topic, body, "dollars", d.companyId);
      assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
      if (jsonWageToCentiCents(body.hourly_wage) % 100 !== 0) halfCentWages++;
      assert.match(body.clocked_in, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.match(body.clocked_in_iso, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    }
  }
  assert.ok(halfCentWages > 0, "some wages have fractional cents ($x.xx5)");
});

Deno.test("simulator: the ground truth equals a second computation from the rendered payloads", () => {
  // Route 2: the newest payload of each order and punch, read back from its JSON text with
  // the documented recipe, nothing from the simulator's records.
  const newest = new Map<string, { d: (typeof SIM.deliveries)[number]; body: Payload }>();
  for (const d of SIM.deliveries) {
    if (d.versionIndex !== d.versionCount - 1) continue;
    newest.set(d.entity, { d, body: JSON.parse(d.rawBody) });
  }
  const days = new Map<
    string,
    { sales: number; refunds: number; labor: number; seconds: number }
  >();
  const day = (k: string) => {
    if (!days.has(k)) days.set(k, { sales: 0, refunds: 0, labor: 0, seconds: 0 });
    return days.get(k)!;
  };
  const dateOf = (n: number) =>
    `${String(n).slice(0, 4)}-${String(n).slice(4, 6)}-${String(n).slice(6)}`;
  for (const { d, body } of newest.values()) {
    const loc = SIM.locations[d.locationIndex];
    if (d.vendor === "toast") {
      const o = body.details;
      if (o.voided || o.deleted || o.excessFood) continue;
      for (const c of o.checks) {
        if (c.voided || c.deleted) continue;
        let net = jsonDollarsToCents(c.amount);
        for (const s of c.selections) {
          if (!s.voided && (s.deferred || s.selectionType === "HOUSE_ACCOUNT_PAY_BALANCE")) {
            net -= jsonDollarsToCents(s.price);
          }
        }
        for (const sc of c.appliedServiceCharges) {
          if (!sc.gratuity && sc.serviceChargeCategory === "FUNDRAISING_CAMPAIGN") {
            net -= jsonDollarsToCents(sc.chargeAmount);
          }
        }
        day(`${d.locationIndex}|${dateOf(o.businessDate)}`).sales += net;
        for (const p of c.payments) {
          if (!p.refund || p.paymentStatus !== "CAPTURED") continue;
          // Toast's recipe: only refunded sales (items that are not gift cards or house-account
          // payments, charges that are neither gratuity nor fundraising), pre-tax.
          const tx = p.refund.refundTransaction.guid;
          const inTx = (x: Payload) => x.refundDetails?.refundTransaction?.guid === tx;
          const items = c.selections.filter((s: Payload) =>
            inTx(s) && !s.voided && !s.deferred && s.selectionType === "NONE"
          );
          const charges = c.appliedServiceCharges.filter((sc: Payload) =>
            inTx(sc) && !sc.gratuity && sc.serviceChargeCategory !== "FUNDRAISING_CAMPAIGN"
          );
          day(`${d.locationIndex}|${dateOf(p.refund.refundBusinessDate)}`).refunds += [
            ...items,
            ...charges,
          ].reduce(
            (t: number, x: Payload) => t + jsonDollarsToCents(x.refundDetails.refundAmount),
            0,
          );
        }
      }
    } else {
      if (body.deleted) continue;
      const inMs = Date.parse(body.clocked_in_iso);
      const outMs = Date.parse(body.clocked_out_iso);
      // Every second of the punch some unpaid break covers, counted once however many do.
      const unpaid = new Set<number>();
      for (const b of body.time_punch_breaks) {
        if (b.paid || b.deleted) continue;
        const from = Math.max(Date.parse(b.in_iso), inMs) / 1000;
        for (let s = from; s < Math.min(Date.parse(b.out_iso), outMs) / 1000; s++) unpaid.add(s);
      }
      const seconds = (outMs - inMs) / 1000 - unpaid.size;
      const wage = jsonWageToCentiCents(body.hourly_wage);
      const t = day(`${d.locationIndex}|${businessDateAt(inMs, loc.timeZone, 4)}`);
      t.seconds += seconds;
      t.labor += Number(roundDiv(BigInt(seconds * wage), 360_000n));
    }
  }
  for (const t of SIM.truth) {
    const r = days.get(`${t.locationIndex}|${t.businessDate}`) ??
      { sales: 0, refunds: 0, labor: 0, seconds: 0 };
    const where = `location ${t.locationIndex} ${t.businessDate}`;
    assert.equal(t.netSalesCents, r.sales - r.refunds, `${where} net sales`);
    assert.equal(t.refundCents, r.refunds, `${where} refunds`);
    assert.equal(t.laborCostCents, r.labor, `${where} labor`);
    assert.equal(t.paidLaborSeconds, r.seconds, `${where} seconds`);
  }
  // A plausible restaurant: thousands in sales, labor a fifth to a third of it.
  const busy = SIM.truth.filter((t) => t.punchCount > 5);
  assert.equal(busy.length, BASE.locations * BASE.days);
  for (const t of busy) {
    assert.ok(t.netSalesCents > 300_000 && t.laborPctBp! > 1000 && t.laborPctBp! < 4500);
  }
});

Deno.test("simulator: the project's normalisation of each order agrees with the truth's order sales", () => {
  const sales = new Map<string, number>();
  for (const o of SIM.orders) {
    const v = o.versions[o.versions.length - 1];
    const counted = !v.voided && !v.deleted && !v.excessFood;
    sales.set(o.guid, counted ? v.checks.filter((c) => !c.voided && !c.deleted).length : -1);
  }
  for (const d of SIM.deliveries) {
    if (d.vendor !== "toast") continue;
    const parsed = parseToastOrderDetails(JSON.parse(d.rawBody).details);
    assert.ok(parsed.ok);
    const n = normalizeToastOrder(parsed.value.order);
    if (d.versionIndex === d.versionCount - 1) {
      const checks = sales.get(n.orderGuid)!;
      assert.equal(n.checkCount, Math.max(0, checks), d.entity);
    }
  }
});

Deno.test("simulator: the delivery plan repeats and reorders only as asked", () => {
  const calm = generateSimulation({ ...BASE, duplicateRate: 0, reorderRate: 0 });
  assert.ok(calm.deliveries.every((d) => !d.duplicate && !d.displaced));
  for (const loc of calm.locations) {
    const stream = calm.deliveries.filter((d) => d.locationIndex === loc.index);
    for (let i = 1; i < stream.length; i++) assert.ok(stream[i - 1].at <= stream[i].at);
  }
  const events = calm.deliveries.length;
  const dup = SIM.deliveries.filter((d) => d.duplicate);
  const late = SIM.deliveries.filter((d) => d.displaced);
  assert.equal(SIM.deliveries.length - dup.length, events, "every event once, plus copies");
  assert.ok(dup.length > events * 0.1 && dup.length < events * 0.2, `${dup.length} copies`);
  assert.ok(late.length > events * 0.1 && late.length < events * 0.2, `${late.length} late`);
  const originals = new Set(SIM.deliveries.filter((d) => !d.duplicate).map((d) => d.rawBody));
  assert.ok(dup.every((d) => originals.has(d.rawBody)), "a copy is byte-identical");
  // Late ones really are behind a newer event of their location.
  const seenAt = new Map<number, number>();
  let behind = 0;
  for (const d of SIM.deliveries) {
    if (d.displaced && (seenAt.get(d.locationIndex) ?? -Infinity) > d.at) behind++;
    seenAt.set(d.locationIndex, Math.max(seenAt.get(d.locationIndex) ?? -Infinity, d.at));
  }
  assert.ok(behind > late.length / 2);
});

Deno.test("simulator: signatures verify with the project's verifiers", async () => {
  const d = SIM.deliveries.find((x) => x.vendor === "toast")!;
  const sig = await toastSignature(d.rawBody, d.envelopeTimestamp!, "toast-secret");
  assert.ok(await verifyToastSignature(d.rawBody, d.envelopeTimestamp!, sig, "toast-secret"));
  assert.ok(
    !(await verifyToastSignature(d.rawBody + " ", d.envelopeTimestamp!, sig, "toast-secret")),
  );
  const p = SIM.deliveries.find((x) => x.vendor === "7shifts")!;
  const ts = String(Math.floor(Date.now() / 1000));
  const s7 = await sevenShiftsSignature(p.rawBody, ts, "grant-guid");
  assert.match(s7, /^[0-9a-f]{64}$/);
  assert.deepEqual(
    await verifySevenShiftsSignature(p.rawBody, ts, s7, "grant-guid", Date.now()),
    { ok: true },
  );
});

Deno.test("simulator: roundDiv is the nearest integer, ties away from zero", () => {
  assert.equal(roundDiv(5n, 2n), 3n);
  assert.equal(roundDiv(-5n, 2n), -3n);
  assert.equal(roundDiv(5n, -2n), -3n);
  assert.equal(roundDiv(7n, 3n), 2n);
  assert.equal(roundDiv(-7n, 3n), -2n);
  fc.assert(
    fc.property(
      fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
      fc.bigInt({ min: 1n, max: 10n ** 9n }),
      fc.boolean(),
      (n, d0, neg) => {
        const d = neg ? -d0 : d0;
        const q = roundDiv(n, d);
        const err = n - q * d; // remainder after rounding
        const twice = (err < 0n ? -err : err) * 2n;
        const ad = d < 0n ? -d : d;
        assert.ok(twice <= ad, "nearest");
        // A tie goes away from zero: |q·d| >= |n|.
        if (twice === ad) assert.ok((q * d < 0n ? -(q * d) : q * d) >= (n < 0n ? -n : n));
      },
    ),
    withSeed({ seed: 606, numRuns: 3000 }),
  );
});

Deno.test("simulator: cents render as the exact two-decimal dollar text", () => {
  fc.assert(
    fc.property(fc.integer({ min: -100_000_000_000, max: 100_000_000_000 }), (c) => {
      assert.equal(jsonDollarsToCents(JSON.parse(JSON.stringify(centsToDollars(c)))), c);
      assert.equal(
        formatCents(c),
        `${c < 0 ? "-" : ""}${Math.trunc(Math.abs(c) / 100)}.${
          String(Math.abs(c) % 100).padStart(2, "0")
        }`,
      );
    }),
    withSeed({ seed: 1128, numRuns: 5000 }),
  );
  assert.equal(formatMoney(123456), "$1,234.56");
  assert.equal(formatMoney(-5), "-$0.05");
  assert.equal(formatBp(2745), "27.45%");
  assert.equal(formatBp(null), "—");
});

Deno.test("simulator: local times and business dates across DST", () => {
  const ny = "America/New_York";
  // 01:30 on the fall-back night happens twice; the first (EDT) is chosen.
  assert.equal(
    new Date(zonedInstant({ year: 2026, month: 11, day: 1, hour: 1, minute: 30, second: 0 }, ny))
      .toISOString(),
    "2026-11-01T05:30:00.000Z",
  );
  // 02:30 on the spring-forward night does not exist: it resolves to 03:30 EDT.
  assert.equal(
    new Date(zonedInstant({ year: 2026, month: 3, day: 8, hour: 2, minute: 30, second: 0 }, ny))
      .toISOString(),
    "2026-03-08T07:30:00.000Z",
  );
  // A 01:15 clock-in belongs to the day before (cut-off 04:00), 04:10 to the day itself.
  assert.equal(businessDateAt(localInstant("2026-11-02", 1.25, ny), ny, 4), "2026-11-01");
  assert.equal(businessDateAt(localInstant("2026-11-02", 4 + 1 / 6, ny), ny, 4), "2026-11-02");
  // The 25-hour day: 03:59 local on Nov 1 is still Oct 31's business day.
  assert.equal(businessDateAt(Date.parse("2026-11-01T08:59:00Z"), ny, 4), "2026-10-31");
  assert.equal(businessDateAt(Date.parse("2026-11-01T09:00:00Z"), ny, 4), "2026-11-01");
  assert.equal(addDays("2026-12-31", 1), "2027-01-01");
  fc.assert(
    fc.property(
      fc.integer({
        min: Date.parse("2026-01-01T00:00:00Z"),
        max: Date.parse("2027-12-31T00:00:00Z"),
      }),
      fc.constantFrom(ny, "America/Chicago", "America/Los_Angeles", "America/Phoenix"),
      (ms, tz) => {
        const whole = Math.floor(ms / 1000) * 1000;
        const w = wallTime(whole, tz);
        const back = zonedInstant(w, tz);
        // Same wall time; the earlier instant when the wall time happened twice.
        assert.deepEqual(wallTime(back, tz), w);
        assert.ok(back <= whole && whole - back <= 3_600_000);
      },
    ),
    withSeed({ seed: 31, numRuns: 2000 }),
  );
});

Deno.test("simulator: the PRNG is deterministic per label and spreads evenly", () => {
  const a = new Rng("x");
  const b = new Rng("x");
  for (let i = 0; i < 100; i++) assert.equal(a.nextUint32(), b.nextUint32());
  assert.notEqual(new Rng("x").nextUint32(), new Rng("y").nextUint32());
  const r = new Rng("spread");
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 20_000; i++) buckets[r.int(0, 9)]++;
  for (const n of buckets) assert.ok(n > 1800 && n < 2200, `bucket ${n}`);
  assert.match(
    new Rng("u").uuid(),
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
});

Deno.test("simulator: the alert state machine follows the documented rules", () => {
  const rules = {
    laborTargetBp: 2500,
    criticalMarginBp: 500,
    recoveryHysteresisBp: 100,
    alertMinNetSalesCents: 50_000,
  };
  const open = { closed: false, mayOpenEpisode: true };
  const closed = { closed: true, mayOpenEpisode: true };
  assert.equal(nextAlertState("ok", 2500, 100_000, rules, open), null, "at target is not over");
  assert.equal(nextAlertState("ok", 2501, 100_000, rules, open), "over");
  assert.equal(nextAlertState("ok", 3001, 100_000, rules, open), "critical", "skip to critical");
  assert.equal(nextAlertState("ok", 9000, 49_999, rules, open), null, "under the sales floor");
  assert.equal(
    nextAlertState("ok", 9000, 100_000, rules, { closed: true, mayOpenEpisode: false }),
    null,
    "no new episode on an old day",
  );
  assert.equal(nextAlertState("over", 3001, 100_000, rules, open), "critical");
  assert.equal(nextAlertState("over", 2450, 100_000, rules, open), null, "inside the hysteresis");
  assert.equal(nextAlertState("over", 2400, 100_000, rules, open), "recovered");
  assert.equal(nextAlertState("over", 2500, 100_000, rules, closed), "recovered", "closed day");
  assert.equal(nextAlertState("critical", 2800, 100_000, rules, open), null, "stays critical");
  assert.equal(nextAlertState("critical", 2400, 100_000, rules, open), "recovered");
  assert.equal(nextAlertState("recovered", 2600, 100_000, rules, open), null, "within re-arm band");
  assert.equal(nextAlertState("recovered", 2601, 100_000, rules, open), "over", "new episode");
});
