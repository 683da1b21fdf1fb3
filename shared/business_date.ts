/**
 * Instants and business dates.
 *
 * A punch belongs to the business day of its clock-in: the local wall-clock date in the
 * location's time zone after shifting back by the location's cut-off hour (a 01:30 clock-in
 * with a 04:00 cut-off belongs to the previous day). This mirrors the SQL function
 * `pipeline.business_date_of` in the core schema migration exactly: local wall-clock time
 * first, then the shift as wall-clock arithmetic, so a DST change (a 23- or 25-hour day)
 * never moves a punch to the wrong day.
 *
 * @module
 */

const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter giving local wall-clock parts in `timeZone` (throws for an unknown zone). */
export function wallClockFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      era: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone name this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    wallClockFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The years a vendor time or business date may fall in: 2000 to 2099. Anything else is a typo
 * or a default (`1950-01-01`, `0001-01-01`) that would put years of labor on one punch; it is
 * refused at the edge (400 naming the field), so held and mapped deliveries meet the same
 * bound.
 */
export const FIRST_YEAR = 2000;
/** The last year accepted (see {@link FIRST_YEAR}). */
export const LAST_YEAR = 2099;

/** True when the UTC instant (as {@link parseInstant} returns it) is in 2000-2099. */
export function isInstantInRange(instantIso: string): boolean {
  const year = Number(instantIso.slice(0, 4));
  return year >= FIRST_YEAR && year <= LAST_YEAR;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True when `y-m-d` is a real calendar date (proleptic Gregorian, years 1..9999). */
export function isRealDate(year: number, month: number, day: number): boolean {
  return Number.isInteger(year) && Number.isInteger(month) && Number.isInteger(day) &&
    year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
    day <= daysInMonth(year, month);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * Parses an instant and returns it as a UTC ISO string with milliseconds
 * (`2026-11-01T05:30:00.000Z`), or null when it is not one.
 *
 * Accepts ISO-8601 with `T` or a space, `Z`, `±HH:MM`, `±HHMM` or `±HH` offsets (Toast writes
 * `2026-11-01T01:30:00.000-0400`), and text without an offset, read as **UTC** (7shifts'
 * `clocked_in` / `modified` fields are UTC `YYYY-MM-DD HH:MM:SS`; one documented sample has a
 * one-digit second, `16:00:0`, which is accepted). Fractions beyond milliseconds are truncated.
 * Every calendar field is range-checked: `2026-02-30` is rejected, not rolled over, and so is
 * an instant outside years 1-9999 once its offset is applied.
 */
export function parseInstant(text: string): string | null {
  const m = ISO_INSTANT.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number((m[7] + "00").slice(0, 3));
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0..99 to 1900+; the range check above starts at year 1, so fix it up.
  const d = new Date(local);
  if (year < 100) d.setUTCFullYear(year);
  const utc = d.getTime() - offsetMinutes * 60_000;
  const out = new Date(utc);
  // A clock reading of 9999-12-31 with a negative offset is in year 10000 UTC (and 0001-01-01
  // with a positive one in year 0): Postgres cannot store either, so neither is an instant.
  if (Number.isNaN(utc) || out.getUTCFullYear() < 1 || out.getUTCFullYear() > 9999) return null;
  return out.toISOString();
}

/**
 * The business date (`YYYY-MM-DD`) of `instantIso` for a location in `timeZone` whose day
 * starts at `cutoffHour` (0-23) local time: the local wall-clock date-time, shifted back by
 * `cutoffHour` hours of wall-clock time, truncated to its date. Same result as
 * `pipeline.business_date_of(instant, time_zone, cutoff_hour)` in SQL.
 *
 * Throws `RangeError` for an instant that does not parse, an unknown zone, or a cut-off hour
 * outside 0-23.
 */
export function businessDateOf(instantIso: string, timeZone: string, cutoffHour: number): string {
  const utc = parseInstant(instantIso);
  if (utc === null) throw new RangeError(`not an instant: '${instantIso.slice(0, 40)}'`);
  if (!Number.isInteger(cutoffHour) || cutoffHour < 0 || cutoffHour > 23) {
    throw new RangeError("cutoffHour must be an integer from 0 to 23");
  }
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = wallClockFormatter(timeZone);
  } catch {
    throw new RangeError(`unknown time zone: '${timeZone.slice(0, 60)}'`);
  }
  const parts: Record<string, string> = {};
  for (const p of formatter.formatToParts(new Date(utc))) parts[p.type] = p.value;
  if (parts.era && parts.era !== "AD") {
    throw new RangeError("instants before year 1 are not supported");
  }
  const wall = new Date(0);
  wall.setUTCFullYear(Number(parts.year), Number(parts.month) - 1, Number(parts.day));
  wall.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  // Wall-clock arithmetic: treat the local date-time as if it were UTC, so subtracting hours
  // never crosses a DST jump.
  const shifted = new Date(wall.getTime() - cutoffHour * 3_600_000);
  return `${pad(shifted.getUTCFullYear(), 4)}-${pad(shifted.getUTCMonth() + 1)}-${
    pad(shifted.getUTCDate())
  }`;
}
