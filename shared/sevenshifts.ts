/**
 * 7shifts time punch webhooks: the zod schema of the bare punch body (`time_punch.created`,
 * `time_punch.edited`, `time_punch.deleted`) and its normalisation to {@link NormalizedPunch}:
 * clock times as UTC instants, paid and unpaid-break seconds, the wage in integer cents.
 *
 * Sources: 7shifts developer docs, "Webhooks introduction" and the `time_punch.*` topic
 * pages (payload samples), the v2 time punch endpoints and the 2022-10-01 changelog.
 *
 * ## Wage unit (`SEVENSHIFTS_WAGE_UNIT`, default `dollars`)
 * The webhook samples (every `time_punch.*` topic page) send `"hourly_wage": 10.00`: decimal
 * dollars, in the legacy punch shape the webhooks still use (`clocked_in_iso`,
 * `time_punch_breaks`, space-separated UTC times). The v2 REST API instead returns integer
 * cents (`"hourly_wage": 1500`; its changelog moved `tips` from dollars to cents in
 * 2022-10-01). The webhook documentation is what this function receives, so the default is
 * `dollars`; an account whose deliveries turn out to carry cents sets `cents`, and then a
 * non-integer wage is rejected (it would mean the unit is wrong, not that the wage is).
 *
 * ## Wage precision
 * A wage is kept exact, in cents with up to two decimals (a hundredth of a cent: $15.125 an
 * hour is 1512.5 cents), and each punch's cost is rounded once, to the cent
 * (shared/transformations.ts). In dollars that allows up to four decimal places; a wage finer
 * than that (`15.12345`) is refused with 400 naming `hourly_wage` rather than rounded.
 *
 * @module
 */
import { z } from "zod";
import { type FieldProblem, fieldProblems } from "./errors.ts";
import { exactUnits } from "./money.ts";
import { FIRST_YEAR, isInstantInRange, LAST_YEAR, parseInstant } from "./business_date.ts";
import type { NormalizedPunch } from "./types.ts";

/** Topics that change a punch; every other topic is logged and ignored. */
export const SEVENSHIFTS_PUNCH_TOPICS: readonly string[] = [
  "time_punch.created",
  "time_punch.edited",
  "time_punch.deleted",
];

/** Unit of `hourly_wage` in the deliveries this account receives. */
export type WageUnit = "dollars" | "cents";

/** The default wage unit: what 7shifts' webhook payload samples show (see module doc). */
export const DEFAULT_WAGE_UNIT: WageUnit = "dollars";

/** Reads `SEVENSHIFTS_WAGE_UNIT` (unset or empty → the default); throws on any other value. */
export function parseWageUnit(value: string | null | undefined): WageUnit {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "") return DEFAULT_WAGE_UNIT;
  if (v === "dollars" || v === "cents") return v;
  throw new RangeError(
    `SEVENSHIFTS_WAGE_UNIT must be 'dollars' or 'cents', got '${v.slice(0, 20)}'`,
  );
}

/** Largest hourly wage accepted, in cents ($100,000/h): anything above is a unit mix-up. */
export const MAX_HOURLY_WAGE_CENTS = 10_000_000;

const id = z.int().positive();
const optionalId = z.int().nonnegative().nullish();
/** The longest a punch may span, clock-in to clock-out: a week. A longer one is a typo. */
export const MAX_PUNCH_SECONDS = 7 * 24 * 3600;

const inRange = (s: string) => {
  const instant = parseInstant(s);
  return instant !== null && isInstantInRange(instant);
};

const instantText = z.string().refine(inRange, {
  message: `expected a date-time from ${FIRST_YEAR} to ${LAST_YEAR} (ISO-8601, or ` +
    "'YYYY-MM-DD HH:MM:SS' UTC)",
});

/** One break of a punch. `in`/`out` are UTC; `in_iso`/`out_iso` carry the local offset. */
export const sevenShiftsBreakSchema = z.looseObject({
  paid: z.boolean().nullish(),
  in: instantText.nullish(),
  out: instantText.nullish(),
  in_iso: instantText.nullish(),
  out_iso: instantText.nullish(),
  deleted: z.boolean().nullish(),
});

/** The bare time punch body of a `time_punch.*` webhook (only the fields used are checked). */
export const sevenShiftsPunchSchema = z.looseObject({
  id,
  company_id: id,
  location_id: id,
  user_id: optionalId,
  department_id: optionalId,
  role_id: optionalId,
  // null means no wage on file: the hours still count, at zero cost.
  hourly_wage: z.number().nonnegative().nullish(),
  approved: z.boolean().nullish(),
  clocked_in: instantText.nullish(),
  clocked_out: instantText.nullish(),
  clocked_in_iso: instantText.nullish(),
  clocked_out_iso: instantText.nullish(),
  time_punch_breaks: z.array(sevenShiftsBreakSchema).nullish(),
  deleted: z.boolean().nullish(),
  modified: instantText,
}).superRefine((p, ctx) => {
  const inText = p.clocked_in_iso ?? p.clocked_in;
  if (!inText) {
    ctx.addIssue({ code: "custom", path: ["clocked_in"], message: "a clock-in time is required" });
    return;
  }
  const outText = p.clocked_out_iso ?? p.clocked_out;
  const clockedIn = parseInstant(inText);
  const clockedOut = outText ? parseInstant(outText) : null;
  if (clockedIn === null || clockedOut === null) return;
  const outPath = [p.clocked_out_iso ? "clocked_out_iso" : "clocked_out"];
  if (clockedOut < clockedIn) {
    ctx.addIssue({ code: "custom", path: outPath, message: "clock-out is before clock-in" });
  } else if (
    isInstantInRange(clockedIn) && isInstantInRange(clockedOut) &&
    Date.parse(clockedOut) - Date.parse(clockedIn) > MAX_PUNCH_SECONDS * 1000
  ) {
    ctx.addIssue({
      code: "custom",
      path: outPath,
      message: `a punch may span at most ${MAX_PUNCH_SECONDS / 3600} hours (a week)`,
    });
  }
});

/**
 * What a `time_punch.deleted` delivery must carry at least: the punch id (and the company,
 * from the body or the `x-company-id` header). A deletion needs nothing else to be applied.
 */
export const sevenShiftsDeletedPunchSchema = z.looseObject({
  id,
  company_id: id.nullish(),
  location_id: id.nullish(),
  modified: instantText.nullish(),
});

/** A parsed punch body. */
export type SevenShiftsPunch = z.infer<typeof sevenShiftsPunchSchema>;

/** A deletion known only by ids (a minimal `time_punch.deleted` body). */
export interface PunchDeletion {
  punchId: number;
  companyId: number;
  /** 7shifts location id when the body carried it. */
  locationId: number | null;
  /** `modified` as a UTC instant when the body carried it. */
  modifiedAt: string | null;
}

/** What one punch webhook means for the database. */
export type PunchChange =
  | { kind: "punch"; punch: NormalizedPunch }
  | { kind: "deletion"; deletion: PunchDeletion };

/** Outcome of a parse: the value, or every bad field by dotted path. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

/** Options for {@link normalizePunch}. */
export interface NormalizeOptions {
  wageUnit: WageUnit;
}

/** Decimal places of a dollar a wage may have: four, a hundredth of a cent. */
export const WAGE_DOLLAR_DECIMALS = 4;

/**
 * The wage in cents, exact to a hundredth of a cent (at most two decimals: $15.125 → 1512.5),
 * or why it is not one, for the configured unit (see the module doc).
 */
export function hourlyWageCents(
  wage: number | null | undefined,
  unit: WageUnit,
): { ok: true; cents: number } | { ok: false; reason: string } {
  if (wage === null || wage === undefined) return { ok: true, cents: 0 };
  // Hundredths of a cent, exactly.
  let hundredths: bigint;
  if (unit === "cents") {
    if (!Number.isSafeInteger(wage)) {
      return { ok: false, reason: "hourly_wage must be an integer number of cents" };
    }
    hundredths = BigInt(wage) * 100n;
  } else {
    const r = exactUnits(wage, WAGE_DOLLAR_DECIMALS);
    if (!r.ok) {
      const precision = `at most ${WAGE_DOLLAR_DECIMALS} decimal places`;
      return {
        ok: false,
        reason: `hourly_wage must be dollars exact to a hundredth of a cent (${precision}): ` +
          r.reason,
      };
    }
    hundredths = r.units;
  }
  if (hundredths < 0n) return { ok: false, reason: "hourly_wage must not be negative" };
  if (hundredths > BigInt(MAX_HOURLY_WAGE_CENTS) * 100n) {
    return { ok: false, reason: `hourly_wage is above ${MAX_HOURLY_WAGE_CENTS} cents an hour` };
  }
  // A two-decimal number: its shortest text (what JSON carries to SQL) is the exact value.
  return { ok: true, cents: Number(hundredths) / 100 };
}

/** Validates a punch body and its wage in the configured unit. */
export function parseSevenShiftsPunch(body: unknown, wageUnit: WageUnit): Parsed<SevenShiftsPunch> {
  const r = sevenShiftsPunchSchema.safeParse(body);
  if (!r.success) return { ok: false, problems: fieldProblems(r.error.issues) };
  const wage = hourlyWageCents(r.data.hourly_wage, wageUnit);
  if (!wage.ok) return { ok: false, problems: [{ path: "hourly_wage", message: wage.reason }] };
  return { ok: true, value: r.data };
}

/**
 * Whole seconds since the epoch of an instant, truncated toward −∞: every instant is cut to
 * its second before anything is subtracted, the rule the daily figures follow for open
 * punches (shared/transformations.ts `epochSeconds`), so 14:00:00.999 → 16:00:00.001 is 7200 s.
 */
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * Total seconds covered by `intervals` (whole seconds since the epoch, `[start, end)`) inside
 * `[from, to)`, counting overlaps once, so two overlapping unpaid breaks are not
 * subtracted twice. `to` may be Infinity (an open punch).
 */
function coveredSeconds(intervals: Array<[number, number]>, from: number, to: number): number {
  const clipped = intervals
    .map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [a, b] of clipped) {
    if (a > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else if (b > curEnd) {
      curEnd = b;
    }
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

/**
 * Reduces a validated punch to what labor cost needs:
 *
 * - Clock times prefer `clocked_in_iso` / `clocked_out_iso` (explicit offset), falling back to
 *   `clocked_in` / `clocked_out` (UTC); the same for breaks. Stored as UTC instants.
 * - **Unpaid break seconds**: breaks not marked `paid: true`, not `deleted`, and closed (an
 *   `out` time), clipped to the punch and with overlaps counted once. An open break is not
 *   subtracted yet: 7shifts sends no event when a break changes, so it is settled when the
 *   punch itself is next edited.
 * - Every instant (clock-in, clock-out, break in and out) is truncated to its whole second
 *   before anything is subtracted, as for open punches in the daily figures.
 * - **Paid seconds** = clocked seconds − unpaid break seconds, never negative; null while
 *   the punch is open (no clock-out): it accrues in the daily figures instead.
 * - **Wage** in cents, exact to a hundredth of a cent, per `wageUnit` (see the module doc);
 *   null → 0.
 *
 * Throws `RangeError` for a body that did not pass {@link parseSevenShiftsPunch}.
 */
export function normalizePunch(body: SevenShiftsPunch, opts: NormalizeOptions): NormalizedPunch {
  const clockedInAt = parseInstant(body.clocked_in_iso ?? body.clocked_in ?? "");
  const outText = body.clocked_out_iso ?? body.clocked_out;
  const clockedOutAt = outText ? parseInstant(outText) : null;
  const modifiedAt = parseInstant(body.modified);
  const wage = hourlyWageCents(body.hourly_wage, opts.wageUnit);
  if (
    clockedInAt === null || modifiedAt === null || (outText && clockedOutAt === null) || !wage.ok
  ) {
    throw new RangeError("punch failed validation");
  }
  const from = seconds(clockedInAt);
  const to = clockedOutAt === null ? Infinity : seconds(clockedOutAt);
  const unpaid: Array<[number, number]> = [];
  for (const b of body.time_punch_breaks ?? []) {
    if (b.paid === true || b.deleted === true) continue;
    const start = parseInstant(b.in_iso ?? b.in ?? "");
    const end = parseInstant(b.out_iso ?? b.out ?? "");
    if (start === null || end === null) continue;
    unpaid.push([seconds(start), seconds(end)]);
  }
  const unpaidBreakSeconds = coveredSeconds(unpaid, from, to);
  const paidSeconds = clockedOutAt === null ? null : Math.max(0, to - from - unpaidBreakSeconds);
  return {
    punchId: body.id,
    companyId: body.company_id,
    locationId: body.location_id,
    userId: body.user_id ?? null,
    roleId: body.role_id ?? null,
    departmentId: body.department_id ?? null,
    clockedInAt,
    clockedOutAt,
    unpaidBreakSeconds,
    paidSeconds,
    hourlyWageCents: wage.cents,
    approved: body.approved === true,
    deleted: body.deleted === true,
    modifiedAt,
  };
}

/**
 * Parses one punch webhook for `topic` (one of {@link SEVENSHIFTS_PUNCH_TOPICS}).
 *
 * `time_punch.deleted` is always a deletion: a full body becomes a punch with `deleted`
 * true (whatever its flag says); a minimal body (`{id, company_id}`) becomes a
 * {@link PunchDeletion}, with the company from `headerCompanyId` when the body lacks it.
 */
export function parseSevenShiftsPunchEvent(
  topic: string,
  body: unknown,
  wageUnit: WageUnit,
  headerCompanyId: number | null,
): Parsed<PunchChange> {
  const full = parseSevenShiftsPunch(body, wageUnit);
  if (full.ok) {
    const punch = normalizePunch(full.value, { wageUnit });
    if (topic === "time_punch.deleted") punch.deleted = true;
    return { ok: true, value: { kind: "punch", punch } };
  }
  if (topic !== "time_punch.deleted") return full;
  const minimal = sevenShiftsDeletedPunchSchema.safeParse(body);
  if (!minimal.success) return { ok: false, problems: fieldProblems(minimal.error.issues) };
  const companyId = minimal.data.company_id ?? headerCompanyId;
  if (!companyId) {
    return {
      ok: false,
      problems: [{ path: "company_id", message: "company id missing from body and x-company-id" }],
    };
  }
  return {
    ok: true,
    value: {
      kind: "deletion",
      deletion: {
        punchId: minimal.data.id,
        companyId,
        locationId: minimal.data.location_id ?? null,
        modifiedAt: minimal.data.modified ? parseInstant(minimal.data.modified) : null,
      },
    },
  };
}
