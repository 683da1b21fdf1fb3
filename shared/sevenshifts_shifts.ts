/**
 * 7shifts' schedule (issue 19): the shift object of `GET /v2/company/{id}/shifts` and the
 * `schedule.published` webhook that triggers a pull of it, as zod schemas and their
 * normalisation (pure; shared/sevenshifts_api.ts has the punch side of the API).
 *
 * - **Shift** (v2 "List Shifts"): `id, user_id, department_id, location_id, company_id, role_id,
 *   start, end` (ISO UTC), `hourly_wage` (integer cents), `open, unassigned, draft,
 *   publish_status, modified, deleted, breaks[]`. Normalised to a {@link NormalizedShift}: UTC
 *   instants, the wage in cents, `userId` null for an open or unassigned shift (labor the
 *   schedule still expects to pay), and `published` (what the pipeline keeps: published and not
 *   deleted; a draft never published is `publish_status: "draft"`).
 * - **List query**: `location_id`, `start[gte]` / `start[lte]` (ISO-8601, inclusive),
 *   `deleted=true` (published shifts that were deleted are listed too, with `deleted: true`),
 *   `limit` (1-500), `cursor`; pages follow `meta.cursor.next` until it is null. Drafts are
 *   listed only with `draft=true`, which the pipeline never asks for.
 * - **`schedule.published`** `{company_id, location_id, department_ids, start, end}`: the
 *   documented sample is a week, `"start": "2022-03-27T00:00:00+00:00"` (a Sunday) to
 *   `"end": "2022-04-02T00:00:00+00:00"` (the Saturday): the dates of the published days, first
 *   and last, as midnights. The pull covers those local dates in full: from the start date's
 *   local midnight to the local midnight after the end date (the location's zone; SQL
 *   `pipeline.schedule_published`).
 *
 * Sources: 7shifts developer docs, "List Shifts", "Synchronizing Shifts for Data Warehousing",
 * and the `schedule.published` webhook page.
 *
 * @module
 */
import { z } from "zod";
import { type FieldProblem, fieldProblems } from "./errors.ts";
import { isInstantInRange, parseInstant } from "./business_date.ts";
import { hourlyWageCents, type Parsed } from "./sevenshifts.ts";
import { rangeQuery } from "./sevenshifts_api.ts";

/** The topic whose deliveries trigger a schedule pull. */
export const SCHEDULE_PUBLISHED_TOPIC = "schedule.published";

/** The longest shift kept: 24 hours (`public.scheduled_shifts` checks the same). */
export const MAX_SHIFT_SECONDS = 24 * 3600;

/** The most days one `schedule.published` may cover (a sync run covers at most 91). */
export const MAX_PUBLISHED_DAYS = 62;

const id = z.int().positive();
const optionalId = z.int().nonnegative().nullish();

const instantText = z.string().refine((s) => {
  const instant = parseInstant(s);
  return instant !== null && isInstantInRange(instant);
}, { message: "expected an ISO-8601 date-time (years 2000-2099)" });

/** One shift of the List Shifts answer (only the fields used are checked). */
export const sevenShiftsShiftSchema = z.looseObject({
  id,
  company_id: id,
  location_id: id,
  user_id: optionalId,
  department_id: optionalId,
  role_id: optionalId,
  start: instantText,
  end: instantText,
  // Integer cents in the v2 API; null means no wage on file (the hours cost nothing).
  hourly_wage: z.number().nonnegative().nullish(),
  open: z.boolean().nullish(),
  unassigned: z.boolean().nullish(),
  draft: z.boolean().nullish(),
  publish_status: z.string().max(40).nullish(),
  deleted: z.boolean().nullish(),
  modified: instantText,
  breaks: z.array(z.unknown()).nullish(),
}).superRefine((s, ctx) => {
  const start = parseInstant(s.start);
  const end = parseInstant(s.end);
  if (start === null || end === null) return;
  const seconds = (Date.parse(end) - Date.parse(start)) / 1000;
  if (seconds <= 0) {
    ctx.addIssue({ code: "custom", path: ["end"], message: "a shift must end after it starts" });
  } else if (seconds > MAX_SHIFT_SECONDS) {
    ctx.addIssue({
      code: "custom",
      path: ["end"],
      message: `a shift may last at most ${MAX_SHIFT_SECONDS / 3600} hours`,
    });
  }
});

/** A shift as the pipeline stores it (`public.scheduled_shifts`). */
export interface NormalizedShift {
  shiftId: number;
  companyId: number;
  /** The 7shifts location id. */
  locationId: number;
  /** Null for an open or unassigned shift. */
  userId: number | null;
  roleId: number | null;
  departmentId: number | null;
  /** UTC instants. */
  startsAt: string;
  endsAt: string;
  /** Cents an hour (integer; 0 when 7shifts has no wage). */
  hourlyWageCents: number;
  /** Published (a draft never published is not) — what the schedule shows staff. */
  published: boolean;
  deleted: boolean;
  /** `modified` as a UTC instant: a version never replaces a newer one. */
  modifiedAt: string;
}

/** Validates and normalises one API shift, or says which fields are wrong. */
export function normalizeApiShift(raw: unknown): Parsed<NormalizedShift> {
  const r = sevenShiftsShiftSchema.safeParse(raw);
  if (!r.success) return { ok: false, problems: fieldProblems(r.error.issues) };
  const s = r.data;
  const wage = hourlyWageCents(s.hourly_wage, "cents");
  if (!wage.ok) return { ok: false, problems: [{ path: "hourly_wage", message: wage.reason }] };
  const unassigned = s.open === true || s.unassigned === true || !s.user_id;
  return {
    ok: true,
    value: {
      shiftId: s.id,
      companyId: s.company_id,
      locationId: s.location_id,
      userId: unassigned ? null : s.user_id ?? null,
      roleId: s.role_id || null,
      departmentId: s.department_id || null,
      startsAt: parseInstant(s.start)!,
      endsAt: parseInstant(s.end)!,
      hourlyWageCents: wage.cents,
      published: s.publish_status ? s.publish_status === "published" : s.draft !== true,
      deleted: s.deleted === true,
      modifiedAt: parseInstant(s.modified)!,
    },
  };
}

/** An instant as the List Shifts filters take it: ISO-8601 UTC, whole seconds. */
export function shiftFilterTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19) + "Z";
}

/**
 * The query of one page of a location's shifts starting within `[fromMs, toMs)`, deleted ones
 * included (the pull removes them), published only (no `draft`).
 */
export function shiftsQuery(
  locationId: number,
  fromMs: number,
  toMs: number,
  cursor: string | null,
): URLSearchParams {
  return rangeQuery(locationId, "start", [fromMs, toMs], cursor, shiftFilterTime, {
    deleted: "true",
  });
}

/** The body of a `schedule.published` delivery. */
export const schedulePublishedSchema = z.looseObject({
  company_id: id,
  location_id: id,
  department_ids: z.array(id).max(1000).nullish(),
  start: instantText,
  end: instantText,
});

/** A published schedule: which location, and which local dates (first and last, inclusive). */
export interface SchedulePublished {
  /** Marks the normalised payload of a held (unmapped) delivery for its replay. */
  kind: "schedule.published";
  companyId: number;
  locationId: number;
  departmentIds: number[];
  /** `YYYY-MM-DD`, the date as written in `start` / `end` (the location's calendar). */
  startDate: string;
  endDate: string;
}

/** Whole days from `a` to `b` (`YYYY-MM-DD`). */
function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** Validates a `schedule.published` body: every bad field by path. */
export function parseSchedulePublished(body: unknown): Parsed<SchedulePublished> {
  const r = schedulePublishedSchema.safeParse(body);
  if (!r.success) return { ok: false, problems: fieldProblems(r.error.issues) };
  // The written date (before any offset is applied): the calendar day 7shifts published.
  const startDate = r.data.start.trim().slice(0, 10);
  const endDate = r.data.end.trim().slice(0, 10);
  const problems: FieldProblem[] = [];
  const days = daysBetween(startDate, endDate);
  if (days < 0) problems.push({ path: "end", message: "end is before start" });
  else if (days >= MAX_PUBLISHED_DAYS) {
    problems.push({
      path: "end",
      message: `a schedule may cover at most ${MAX_PUBLISHED_DAYS} days`,
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      kind: "schedule.published",
      companyId: r.data.company_id,
      locationId: r.data.location_id,
      departmentIds: r.data.department_ids ?? [],
      startDate,
      endDate,
    },
  };
}
