/**
 * 7shifts `user.*` webhooks (`user.created`, `user.modified`, `user.deactivated`): the zod
 * schema of the bare user body and its normalisation to a {@link StaffMember}, the row the
 * staff table keeps per company (issue 18: messages name employees; overtime is per employee).
 *
 * The body (tests/fixtures/7shifts/user.modified.json) carries `id`, `company_id`,
 * `first_name`, `last_name`, `active` and `modified` (UTC, `YYYY-MM-DD HH:MM:SS`, one-second
 * resolution like punches); only those are read. `user.deactivated` means inactive whatever
 * `active` says. A user's names stay in the database: messages show a display name (first name
 * and last initial by default, pipeline.staff_display_name).
 *
 * @module
 */
import { z } from "zod";
import { fieldProblems } from "./errors.ts";
import { FIRST_YEAR, isInstantInRange, LAST_YEAR, parseInstant } from "./business_date.ts";
import type { Parsed } from "./sevenshifts.ts";
import { isStorableText, NOT_STORABLE } from "./storable_text.ts";

/** Topics that change a staff member; every other non-punch topic is logged and ignored. */
export const SEVENSHIFTS_USER_TOPICS: readonly string[] = [
  "user.created",
  "user.modified",
  "user.deactivated",
];

/** The longest first or last name kept (7shifts' own fields are shorter). */
export const MAX_NAME_LENGTH = 100;

const id = z.int().positive();
// Stored in public.staff: Postgres cannot hold a NUL or an unpaired surrogate.
const name = z.string().max(MAX_NAME_LENGTH).refine(isStorableText, NOT_STORABLE).nullish();

/** The bare user body of a `user.*` webhook (only the fields used are checked). */
export const sevenShiftsUserSchema = z.looseObject({
  id,
  company_id: id,
  first_name: name,
  last_name: name,
  active: z.boolean().nullish(),
  modified: z.string().refine((s) => {
    const instant = parseInstant(s);
    return instant !== null && isInstantInRange(instant);
  }, {
    message: `expected a date-time from ${FIRST_YEAR} to ${LAST_YEAR} (ISO-8601, or ` +
      "'YYYY-MM-DD HH:MM:SS' UTC)",
  }),
});

/** One employee of a 7shifts company, as the staff table keeps them. */
export interface StaffMember {
  userId: number;
  companyId: number;
  firstName: string;
  lastName: string;
  active: boolean;
  /** `modified` as an ISO UTC instant: a newer version replaces an older one. */
  modifiedAt: string;
}

/**
 * Parses one `user.*` webhook for `topic` (one of {@link SEVENSHIFTS_USER_TOPICS}): names
 * trimmed (missing is empty), `user.deactivated` inactive, `active` absent means active.
 */
export function parseSevenShiftsUserEvent(topic: string, body: unknown): Parsed<StaffMember> {
  const r = sevenShiftsUserSchema.safeParse(body);
  if (!r.success) return { ok: false, problems: fieldProblems(r.error.issues) };
  const modifiedAt = parseInstant(r.data.modified);
  if (modifiedAt === null) {
    return { ok: false, problems: [{ path: "modified", message: "invalid" }] };
  }
  return {
    ok: true,
    value: {
      userId: r.data.id,
      companyId: r.data.company_id,
      firstName: (r.data.first_name ?? "").trim(),
      lastName: (r.data.last_name ?? "").trim(),
      active: topic !== "user.deactivated" && r.data.active !== false,
      modifiedAt,
    },
  };
}

/**
 * The name a message shows for a staff member: first name and last initial ("Avery Q."), the
 * full name when the company allows it, "user 503" when the pipeline does not know them or
 * they have no name. Mirrored by `pipeline.staff_display_name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { staffDisplayName } from "./sevenshifts_users.ts";
 *
 * const avery = { firstName: "Avery", lastName: "Quinn" };
 * assert.equal(staffDisplayName(503, avery, false), "Avery Q.");
 * assert.equal(staffDisplayName(503, avery, true), "Avery Quinn");
 * assert.equal(staffDisplayName(503, null, false), "user 503");
 * ```
 */
export function staffDisplayName(
  userId: number,
  member: Pick<StaffMember, "firstName" | "lastName"> | null,
  showFullNames: boolean,
): string {
  const first = member?.firstName.trim() ?? "";
  const last = member?.lastName.trim() ?? "";
  if (!first && !last) return `user ${userId}`;
  if (showFullNames || !last) return [first, last].filter(Boolean).join(" ");
  // As written (no case mapping: Postgres's upper() depends on the collation, JavaScript's not).
  const initial = Array.from(last)[0]!;
  return first ? `${first} ${initial}.` : `${initial}.`;
}
