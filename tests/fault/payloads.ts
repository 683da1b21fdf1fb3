/**
 * Generators for the bad-input fuzzing: valid vendor-shaped bases (Toast order envelopes,
 * 7shifts punches, Supabase Database Webhook bodies) and, for each, requests broken in one
 * known way, each with the answer it must get. The oracle is this file's own field table
 * (written from the vendors' documents and the project's contract, not read back from the
 * handlers): which fields are required, which are amounts that cannot be negative, which are
 * dates or flags.
 *
 * Every case is one of the issue's categories, and the bases are checked to be accepted (with
 * a stub database) before their broken copies are sent, so a rejection is caused by the
 * breakage and by nothing else.
 *
 * @module
 */
import fc from "fast-check";
import {
  deepArrayText,
  deepObjectText,
  DuplicateKey,
  type ExpectedError,
  RawJson,
  setAtPath,
  utf8,
  writeJson,
} from "./support.ts";

/** The kinds of bad input the issue lists. */
export const CATEGORIES = [
  "truncated",
  "wrongType",
  "huge",
  "negative",
  "unknownEnum",
  "deepNesting",
  "invalidUtf8",
  "emptyBody",
  "duplicateKeys",
  "missingHeaders",
] as const;

/** One of {@link CATEGORIES}. */
export type Category = typeof CATEGORIES[number];

/** How the request is authenticated. */
export type Auth =
  | "valid"
  | "none"
  | "garbage"
  | "wrongSecret"
  | "tampered"
  | "timestampOnly"
  | "signatureOnly"
  | "stale"
  | "badTimestamp"
  | "wrongToken";

/** A broken request before signing: the body text or bytes, how to sign, what must come back. */
export interface Plan {
  category: Category;
  /** What is broken, for the failure message. */
  description: string;
  method: string;
  /** Body bytes as sent (null: no body). */
  body: Uint8Array | null;
  /** The text signatures are computed over (the body as text, when it is text). */
  signedText: string;
  /** Toast: the envelope `timestamp` the signature covers. */
  toastTimestamp?: string;
  auth: Auth;
  /** Header changes: a value sets it, null removes it. */
  headers: Record<string, string | null>;
  /** 7shifts `x-webhook-topic` (null: left out). */
  topic?: string | null;
  expect: ExpectedError;
}

// ---------------------------------------------------------------------------------------
// Valid bases
// ---------------------------------------------------------------------------------------

/** Whole cents as dollars (`1234` → 12.34): the shortest text of the double is exact. */
const dollars = (maxCents: number) => fc.integer({ min: 0, max: maxCents }).map((c) => c / 100);
const guid = fc.uuid();
const DAY = 86_400_000;
const JAN_1 = Date.UTC(2026, 0, 1);

function yyyymmdd(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

const businessDate = fc.integer({ min: 0, max: 330 }).map((d) => yyyymmdd(JAN_1 + d * DAY));
const instantIso = fc.integer({ min: JAN_1, max: JAN_1 + 330 * DAY }).map((ms) =>
  new Date(ms).toISOString()
);

const discount = fc.record({
  guid,
  entityType: fc.constant("AppliedDiscount"),
  discountAmount: dollars(500),
});

const selection = fc.record({
  guid,
  entityType: fc.constant("MenuItemSelection"),
  displayName: fc.constantFrom("Smash Burger", "Fries", "Lemonade", "Caesar"),
  quantity: fc.integer({ min: 1, max: 4 }),
  price: dollars(5000),
  voided: fc.boolean(),
  deferred: fc.constant(false),
  selectionType: fc.constantFrom("NONE", "OPEN_ITEM"),
  appliedDiscounts: fc.array(discount, { maxLength: 1 }),
  refundDetails: fc.constant(null),
});

const serviceCharge = fc.record({
  guid,
  chargeAmount: dollars(2000),
  gratuity: fc.boolean(),
  serviceChargeCategory: fc.constantFrom("SERVICE_CHARGE", "FUNDRAISING_CAMPAIGN"),
});

const payment = fc.record({
  guid,
  entityType: fc.constant("OrderPayment"),
  tipAmount: dollars(2000),
  paymentStatus: fc.constantFrom("CAPTURED", "AUTHORIZED"),
  refund: fc.option(
    fc.record({
      refundAmount: dollars(3000),
      tipRefundAmount: dollars(300),
      refundBusinessDate: businessDate,
      refundTransaction: fc.record({ guid }),
    }),
    { nil: null },
  ),
});

const check = fc.record({
  guid,
  entityType: fc.constant("Check"),
  amount: dollars(20_000),
  taxAmount: dollars(2000),
  voided: fc.constant(false),
  deleted: fc.constant(false),
  selections: fc.array(selection, { minLength: 1, maxLength: 3 }),
  appliedServiceCharges: fc.array(serviceCharge, { maxLength: 1 }),
  appliedDiscounts: fc.array(discount, { maxLength: 1 }),
  payments: fc.array(payment, { minLength: 1, maxLength: 2 }),
});

/** A Toast Order as the orders webhook carries it. */
export const toastOrderArb = fc.record({
  guid,
  entityType: fc.constant("Order"),
  businessDate,
  modifiedDate: instantIso,
  voided: fc.constant(false),
  deleted: fc.constant(false),
  excessFood: fc.constant(false),
  checks: fc.array(check, { minLength: 1, maxLength: 2 }),
});

/** A valid Toast orders webhook: the envelope, and whether `details` wraps the order. */
export interface ToastBase {
  envelope: Record<string, unknown>;
  /** Path of the Order inside the envelope (`["details"]` or `["details", "order"]`). */
  orderPath: string[];
  restaurantGuid: string;
  wrapped: boolean;
}

/** Valid Toast envelopes (random unmapped restaurants: nothing could be applied anyway). */
export const toastBaseArb: fc.Arbitrary<ToastBase> = fc.record({
  timestamp: instantIso,
  eventType: fc.constantFrom("order_updated", "channel_order_updated"),
  guid,
  wrapped: fc.boolean(),
  restaurantGuid: guid,
  order: toastOrderArb,
}).map((r) => ({
  envelope: {
    timestamp: r.timestamp,
    eventCategory: "orders",
    eventType: r.eventType,
    guid: r.guid,
    details: r.wrapped ? { restaurantGuid: r.restaurantGuid, order: r.order } : r.order,
  },
  orderPath: r.wrapped ? ["details", "order"] : ["details"],
  restaurantGuid: r.restaurantGuid,
  wrapped: r.wrapped,
}));

const utcText = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace("T", " ");
const isoWithOffset = (ms: number) =>
  new Date(ms - 5 * 3600_000).toISOString().slice(0, 19) + "-05:00";

/** A valid 7shifts time punch body (closed, with breaks). */
export const punchArb = fc.record({
  id: fc.integer({ min: 1, max: 2_000_000_000 }),
  company_id: fc.integer({ min: 1, max: 2_000_000_000 }),
  location_id: fc.integer({ min: 1, max: 2_000_000_000 }),
  user_id: fc.option(fc.integer({ min: 1, max: 9_999_999 }), { nil: null }),
  role_id: fc.integer({ min: 0, max: 9_999 }),
  department_id: fc.integer({ min: 0, max: 9_999 }),
  hourly_wage: dollars(6000),
  approved: fc.boolean(),
  start: fc.integer({ min: JAN_1, max: JAN_1 + 330 * DAY }).map((ms) => ms - (ms % 60_000)),
  minutes: fc.integer({ min: 30, max: 12 * 60 }),
  breaks: fc.array(
    fc.record({ paid: fc.boolean(), at: fc.double({ min: 0, max: 0.8, noNaN: true }) }),
    {
      maxLength: 2,
    },
  ),
}).map((p) => {
  const end = p.start + p.minutes * 60_000;
  return {
    id: p.id,
    company_id: p.company_id,
    location_id: p.location_id,
    user_id: p.user_id,
    role_id: p.role_id,
    department_id: p.department_id,
    hourly_wage: p.hourly_wage,
    approved: p.approved,
    clocked_in: utcText(p.start),
    clocked_out: utcText(end),
    clocked_in_iso: isoWithOffset(p.start),
    clocked_out_iso: isoWithOffset(end),
    modified: utcText(end + 60_000),
    deleted: false,
    time_punch_breaks: p.breaks.map((b, i) => {
      const bStart = p.start + Math.floor(b.at * p.minutes) * 60_000;
      const bEnd = Math.min(bStart + 10 * 60_000, end);
      return {
        id: p.id * 10 + i,
        paid: b.paid,
        in: utcText(bStart),
        out: utcText(bEnd),
        in_iso: isoWithOffset(bStart),
        out_iso: isoWithOffset(bEnd),
        deleted: false,
      };
    }),
  } as Record<string, unknown>;
});

/** The Supabase Database Webhook body of an alert insert. */
export const notifierBaseArb = fc.record({
  id: fc.integer({ min: 1, max: 2_000_000_000 }),
  locationId: fc.integer({ min: 1, max: 1_000_000 }),
}).map((r) => ({
  type: "INSERT",
  table: "alerts",
  schema: "public",
  record: { id: r.id, location_id: r.locationId, kind: "over", status: "pending" },
  old_record: null,
} as Record<string, unknown>));

// ---------------------------------------------------------------------------------------
// The field table (the oracle)
// ---------------------------------------------------------------------------------------

/** What a field must be. */
export type FieldKind =
  | {
    t: "string";
    required: boolean;
    min?: number;
    max?: number;
    /** Kept as text in the database (or compared exactly): NUL or a lone surrogate is refused. */
    stored?: boolean;
  }
  | { t: "guid"; required: boolean }
  | { t: "money"; required: boolean; nonNegative: boolean }
  | { t: "businessDate"; required: boolean }
  | { t: "instant"; required: boolean }
  | { t: "flag" }
  | { t: "array"; required: boolean }
  | { t: "object"; required: boolean }
  | { t: "posInt" }
  | { t: "nonNegInt" }
  | { t: "wage" };

const flag: FieldKind = { t: "flag" };
const amount = (required: boolean): FieldKind => ({ t: "money", required, nonNegative: true });

/**
 * The fields of a Toast Order the daily figures read, by path pattern (`*` for an index).
 * Amounts that are sizes of something (a check, a tax, a tip, a refund, a discount, a
 * charge) cannot be negative; a selection's price can (open items are used for credits).
 */
export const TOAST_ORDER_FIELDS: Record<string, FieldKind> = {
  "guid": { t: "guid", required: true },
  "businessDate": { t: "businessDate", required: true },
  "modifiedDate": { t: "instant", required: true },
  "voided": flag,
  "deleted": flag,
  "excessFood": flag,
  "checks": { t: "array", required: true },
  "checks.*": { t: "object", required: true },
  "checks.*.guid": { t: "guid", required: true },
  "checks.*.amount": amount(true),
  "checks.*.taxAmount": amount(false),
  "checks.*.voided": flag,
  "checks.*.deleted": flag,
  "checks.*.selections": { t: "array", required: true },
  "checks.*.selections.*": { t: "object", required: true },
  "checks.*.selections.*.price": { t: "money", required: true, nonNegative: false },
  "checks.*.selections.*.voided": flag,
  "checks.*.selections.*.deferred": flag,
  "checks.*.selections.*.selectionType": { t: "string", required: false },
  "checks.*.selections.*.appliedDiscounts": { t: "array", required: false },
  "checks.*.selections.*.appliedDiscounts.*": { t: "object", required: true },
  "checks.*.selections.*.appliedDiscounts.*.discountAmount": amount(false),
  "checks.*.appliedServiceCharges": { t: "array", required: false },
  "checks.*.appliedServiceCharges.*": { t: "object", required: true },
  "checks.*.appliedServiceCharges.*.chargeAmount": amount(false),
  "checks.*.appliedServiceCharges.*.gratuity": flag,
  "checks.*.appliedServiceCharges.*.serviceChargeCategory": { t: "string", required: false },
  "checks.*.appliedDiscounts": { t: "array", required: false },
  "checks.*.appliedDiscounts.*": { t: "object", required: true },
  "checks.*.appliedDiscounts.*.discountAmount": amount(false),
  "checks.*.payments": { t: "array", required: false },
  "checks.*.payments.*": { t: "object", required: true },
  "checks.*.payments.*.guid": { t: "string", required: true, min: 1, stored: true },
  "checks.*.payments.*.tipAmount": amount(false),
  "checks.*.payments.*.paymentStatus": { t: "string", required: false },
  "checks.*.payments.*.refund": { t: "object", required: false },
  "checks.*.payments.*.refund.refundAmount": amount(false),
  "checks.*.payments.*.refund.tipRefundAmount": amount(false),
  "checks.*.payments.*.refund.refundBusinessDate": { t: "businessDate", required: true },
};

/** The envelope fields every Toast webhook must have. */
export const TOAST_ENVELOPE_FIELDS: Record<string, FieldKind> = {
  "timestamp": { t: "string", required: true, min: 1 },
  "eventType": { t: "string", required: true, min: 1, stored: true },
  "guid": { t: "string", required: true, min: 1, max: 200, stored: true },
  "details": { t: "object", required: true },
};

/** The fields of a 7shifts punch body the labor figures read. */
export const PUNCH_FIELDS: Record<string, FieldKind> = {
  "id": { t: "posInt" },
  "company_id": { t: "posInt" },
  "location_id": { t: "posInt" },
  "user_id": { t: "nonNegInt" },
  "role_id": { t: "nonNegInt" },
  "department_id": { t: "nonNegInt" },
  "hourly_wage": { t: "wage" },
  "approved": flag,
  "deleted": flag,
  // Each clock field may be absent while its twin is there, so only its value is checked.
  "clocked_in": { t: "instant", required: false },
  "clocked_out": { t: "instant", required: false },
  "clocked_in_iso": { t: "instant", required: false },
  "clocked_out_iso": { t: "instant", required: false },
  "modified": { t: "instant", required: true },
  "time_punch_breaks": { t: "array", required: false },
  "time_punch_breaks.*": { t: "object", required: true },
  "time_punch_breaks.*.paid": flag,
  "time_punch_breaks.*.deleted": flag,
  "time_punch_breaks.*.in": { t: "instant", required: false },
  "time_punch_breaks.*.out": { t: "instant", required: false },
  "time_punch_breaks.*.in_iso": { t: "instant", required: false },
  "time_punch_breaks.*.out_iso": { t: "instant", required: false },
};

/** Marks a field to be deleted. */
export const MISSING = Symbol("missing");

/** `checks.0.amount` → `checks.*.amount`. */
export function pattern(path: ReadonlyArray<string | number>): string {
  return path.map((p) => (typeof p === "number" ? "*" : p)).join(".");
}

const anyObject = fc.constantFrom<unknown>({}, { amount: 1 });
const anyArray = fc.constantFrom<unknown>([], [1, 2], ["x"]);
const otherTypes = (...exclude: string[]) =>
  fc.oneof(
    ...[
      ["number", fc.oneof(fc.integer(), fc.constant(12.5))],
      ["string", fc.constantFrom<unknown>("x", "12.50", "true", "null", "2026-11-01")],
      ["boolean", fc.boolean()],
      ["array", anyArray],
      ["object", anyObject],
    ].filter(([t]) => !exclude.includes(t as string)).map(([, a]) => a as fc.Arbitrary<unknown>),
  );

/**
 * Values of the wrong type (or format) for `kind`. `canDelete`: the key may be left out
 * (a required object key, not an array element).
 */
export function wrongTypeValues(kind: FieldKind, canDelete: boolean): fc.Arbitrary<unknown> {
  const requiredExtras = (required: boolean) =>
    required
      ? [fc.constant<unknown>(null), ...(canDelete ? [fc.constant<unknown>(MISSING)] : [])]
      : [];
  switch (kind.t) {
    case "string":
      return fc.oneof(
        otherTypes("string"),
        ...(kind.min ? [fc.constant<unknown>("")] : []),
        ...requiredExtras(kind.required),
      );
    case "guid":
      return fc.oneof(
        otherTypes("string"),
        fc.constantFrom<unknown>(
          "not-a-guid",
          "",
          "0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c01",
          "{0a1b2c3d}",
        ),
        ...requiredExtras(kind.required),
      );
    case "money":
      return fc.oneof(otherTypes("number"), ...requiredExtras(kind.required));
    case "businessDate":
      return fc.oneof(
        otherTypes("number"),
        fc.constantFrom<unknown>(20261101.5, 2026110),
        ...requiredExtras(kind.required),
      );
    case "instant":
      return fc.oneof(
        otherTypes("string"),
        fc.constantFrom<unknown>("yesterday", "", "2026-11-01", "11/01/2026 10:00", "1730419200"),
        ...requiredExtras(kind.required),
      );
    case "flag":
      return otherTypes("boolean");
    case "array":
      return fc.oneof(otherTypes("array"), ...requiredExtras(kind.required));
    case "object":
      return fc.oneof(otherTypes("object"), ...requiredExtras(kind.required));
    case "posInt":
      return fc.oneof(
        otherTypes("number"),
        fc.constantFrom<unknown>(1.5, 0.001),
        fc.constant<unknown>(null),
        ...(canDelete ? [fc.constant<unknown>(MISSING)] : []),
      );
    case "nonNegInt":
      return fc.oneof(otherTypes("number"), fc.constantFrom<unknown>(1.5, 2.25));
    case "wage":
      return otherTypes("number");
  }
}

/** Values too large (or too far out) for `kind`; null when the kind has no size. */
export function hugeValues(kind: FieldKind): fc.Arbitrary<unknown> | null {
  switch (kind.t) {
    case "money":
      return fc.oneof(
        // At or above $1 trillion (shared/money.ts MAX_ABS_DOLLARS), or written with an exponent.
        fc.constantFrom<unknown>(1e12, 1234567890123.45, 999999999999999.9, 1e21, 1e300),
        fc.constantFrom<unknown>(
          new RawJson("1e400"),
          new RawJson("123456789012345678901234567890"),
        ),
      );
    case "businessDate":
      return fc.constantFrom<unknown>(99999999999, 2 ** 53, 1e21, 100000101, new RawJson("1e400"));
    case "instant":
      // A clock reading past year 9999 (or before year 1) once the offset is applied.
      return fc.constantFrom<unknown>(
        "9999-12-31T23:59:59-23:59",
        "9999-12-31 23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "+275760-09-13T00:00:00Z",
      );
    case "posInt":
    case "nonNegInt":
      return fc.constantFrom<unknown>(
        2 ** 53,
        1e21,
        new RawJson("9223372036854775808"),
        new RawJson("1e400"),
      );
    case "wage":
      return fc.constantFrom<unknown>(100000.01, 1e9, 1e21, new RawJson("1e400"));
    case "string":
      return kind.max
        ? fc.integer({ min: kind.max + 1, max: 100_000 }).map((n) => "g".repeat(n))
        : null;
    default:
      return null;
  }
}

/** Negative (or, for ids, non-positive) values where `kind` cannot be; null where it can. */
export function negativeValues(kind: FieldKind): fc.Arbitrary<unknown> | null {
  switch (kind.t) {
    case "money":
      return kind.nonNegative ? fc.integer({ min: 1, max: 999_999 }).map((c) => -c / 100) : null;
    case "businessDate":
      return fc.constantFrom<unknown>(-20261101, -1);
    case "posInt":
      return fc.integer({ min: -2_000_000_000, max: 0 });
    case "nonNegInt":
      return fc.integer({ min: -2_000_000_000, max: -1 });
    case "wage":
      return fc.integer({ min: 1, max: 99_999 }).map((c) => -c / 100);
    default:
      return null;
  }
}

/** Values outside a field's closed set (flags as enum words, impossible calendar days). */
export function unknownEnumValues(kind: FieldKind): fc.Arbitrary<unknown> | null {
  switch (kind.t) {
    case "flag":
      return fc.constantFrom<unknown>("YES", "VOIDED", "TRUE", "false", "1", "N");
    case "businessDate":
      return fc.constantFrom<unknown>(20261131, 20260229, 20261301, 20261100, 20260001, 20261032);
    case "instant":
      return fc.constantFrom<unknown>(
        "2026-02-30T10:00:00Z",
        "2026-13-01 10:00:00",
        "2026-11-01T24:00:00Z",
        "2026-11-01T10:61:00-05:00",
        "2026-11-01T10:00:00+25:00",
      );
    default:
      return null;
  }
}

/** A value nested 300–20,000 levels deep where `kind` expects something flat. */
export function deepValues(kind: FieldKind): fc.Arbitrary<unknown> {
  return fc.record({ depth: fc.integer({ min: 300, max: 20_000 }), arrays: fc.boolean() }).map((
    { depth, arrays },
  ) =>
    // An object kind gets arrays (an array is never an object here); others either.
    new RawJson(arrays || kind.t === "object" ? deepArrayText(depth) : deepObjectText(depth))
  );
}

/**
 * Text JSON can carry (as `\\u` escapes in valid UTF-8) that Postgres cannot store: a NUL
 * character or an unpaired surrogate, inside a value that is otherwise plausible. Null when
 * the field is not kept or checked as text.
 */
export function unstorableValues(kind: FieldKind): fc.Arbitrary<unknown> | null {
  const plausible = kind.t === "guid"
    ? "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c01"
    : kind.t === "instant"
    ? "2026-11-01T10:00:00Z"
    : kind.t === "string" && kind.stored
    ? "order_updated"
    : null;
  if (plausible === null) return null;
  return fc.record({
    bad: fc.constantFrom("\u0000", "\ud800", "\udfff", "\ud83d", "a\u0000"),
    at: fc.nat(plausible.length),
  }).map(({ bad, at }) => plausible.slice(0, at) + bad + plausible.slice(at));
}

/** The broken value for `category`, or null when the category does not apply to `kind`. */
export function valuesFor(
  category: Category,
  kind: FieldKind,
  canDelete: boolean,
): fc.Arbitrary<unknown> | null {
  switch (category) {
    case "wrongType":
      return wrongTypeValues(kind, canDelete);
    case "huge":
      return hugeValues(kind);
    case "negative":
      return negativeValues(kind);
    case "unknownEnum":
      return unknownEnumValues(kind);
    case "deepNesting":
      return deepValues(kind);
    case "duplicateKeys":
      return canDelete ? wrongTypeValues(kind, false) : null;
    case "invalidUtf8":
      return unstorableValues(kind);
    default:
      return null;
  }
}

/** A field of a base that a category can break. */
export interface Target {
  path: Array<string | number>;
  kind: FieldKind;
}

/** The fields of `root` (under `prefix`) that the table `fields` describes. */
export function targets(
  root: unknown,
  fields: Record<string, FieldKind>,
  prefix: ReadonlyArray<string | number> = [],
): Target[] {
  const out: Target[] = [];
  let node = root as Record<string | number, unknown>;
  for (const p of prefix) node = node[p] as Record<string | number, unknown>;
  const walk = (value: unknown, path: Array<string | number>) => {
    const kind = fields[pattern(path)];
    if (kind && path.length > 0) out.push({ path: [...prefix, ...path], kind });
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(node, []);
  return out;
}

/** Applies a broken value at a target: replace, delete, or duplicate the key. */
export function breakAt(
  root: unknown,
  target: Target,
  value: unknown,
  category: Category,
): unknown {
  if (value === MISSING) return setAtPath(root, target.path, undefined);
  if (category === "duplicateKeys") {
    let node = root as Record<string | number, unknown>;
    for (const p of target.path.slice(0, -1)) node = node[p] as Record<string | number, unknown>;
    const original = node[target.path[target.path.length - 1]];
    return setAtPath(root, target.path, new DuplicateKey(original, value));
  }
  return setAtPath(root, target.path, value);
}

/** Describes a broken value briefly. */
export function describeValue(value: unknown): string {
  if (value === MISSING) return "(left out)";
  if (value instanceof RawJson) {
    return value.text.length > 40
      ? `${value.text.slice(0, 20)}…(${value.text.length} chars)`
      : value.text;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 20)}…(${text.length} chars)` : text;
}

/** The dotted path the answer must name. */
export const dotted = (path: ReadonlyArray<string | number>) => path.join(".");

// ---------------------------------------------------------------------------------------
// Text-level breakage
// ---------------------------------------------------------------------------------------

/** Byte sequences that are not UTF-8 (stray continuation, overlong, surrogate, cut short…). */
export const INVALID_UTF8: ReadonlyArray<ReadonlyArray<number>> = [
  [0xff],
  [0xfe, 0xff],
  [0x80],
  [0xc3, 0x28],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
];

/** `text` as bytes with `bad` inserted at `at` (a fraction of the length). */
export function withInvalidUtf8(text: string, bad: ReadonlyArray<number>, at: number): Uint8Array {
  const bytes = utf8(text);
  const i = Math.min(bytes.length, Math.floor(at * (bytes.length + 1)));
  return new Uint8Array([...bytes.subarray(0, i), ...bad, ...bytes.subarray(i)]);
}

/** Broken text of a base: cut short, invalid UTF-8, or empty. */
export function textBreakage(
  category: "truncated" | "invalidUtf8" | "emptyBody",
  text: string,
): fc.Arbitrary<{ description: string; body: Uint8Array; signedText: string }> {
  switch (category) {
    case "truncated":
      return fc.integer({ min: 0, max: text.length - 1 }).map((n) => ({
        description: `cut after ${n} of ${text.length} chars`,
        body: utf8(text.slice(0, n)),
        signedText: text.slice(0, n),
      }));
    case "invalidUtf8":
      return fc.record({
        bad: fc.constantFrom(...INVALID_UTF8),
        at: fc.double({ min: 0, max: 1, noNaN: true }),
      }).map(({ bad, at }) => ({
        description: `bytes ${bad.map((b) => b.toString(16)).join(" ")} at ${at.toFixed(2)}`,
        body: withInvalidUtf8(text, bad, at),
        signedText: text,
      }));
    case "emptyBody":
      return fc.constantFrom("", " ", "\n", "\r\n\t ").map((t) => ({
        description: `body ${JSON.stringify(t)}`,
        body: utf8(t),
        signedText: t,
      }));
  }
}

/** The JSON text of a (possibly broken) value. */
export const jsonText = (value: unknown) => writeJson(value);
