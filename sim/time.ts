/**
 * Local wall-clock time in a location's time zone, and the text formats the vendors write.
 * Instants are milliseconds since the epoch (UTC); dates are `YYYY-MM-DD`.
 *
 * Written for the simulator alone (not shared/business_date.ts), so the ground truth's
 * business dates are an independent check of the system's.
 *
 * @module
 */

/** A local date and time (wall clock), month 1-12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time of instant `ms` in `timeZone`. */
export function wallTime(ms: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

function wallAsUtcMs(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** The zone's offset from UTC at instant `ms`, in minutes (New York in winter: −300). */
export function offsetMinutes(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return Math.round((wallAsUtcMs(wallTime(whole, timeZone)) - whole) / 60_000);
}

/**
 * The instant at which the clocks in `timeZone` show `wall`. A time skipped by a DST change
 * resolves to the instant one hour later; a repeated time to its first occurrence.
 */
export function zonedInstant(wall: WallTime, timeZone: string): number {
  const naive = wallAsUtcMs(wall);
  // The offsets in force half a day either side: real zones change at most once in between.
  const before = offsetMinutes(naive - 14 * 3_600_000, timeZone);
  const after = offsetMinutes(naive + 14 * 3_600_000, timeZone);
  const candidates = [naive - before * 60_000, naive - after * 60_000]
    .filter((t) => wallAsUtcMs(wallTime(t, timeZone)) === naive)
    .sort((a, b) => a - b);
  // No candidate: the wall time was skipped (spring forward); the old offset lands after it.
  return candidates.length > 0 ? candidates[0] : naive - before * 60_000;
}

/** `YYYY-MM-DD` plus `days` (calendar arithmetic). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

/** The instant of `hours` (may exceed 24 or be fractional) after local midnight of `date`. */
export function localInstant(date: string, hours: number, timeZone: string): number {
  const [y, m, d] = date.split("-").map(Number);
  const totalSeconds = Math.round(hours * 3600);
  const dayOffset = Math.floor(totalSeconds / 86400);
  const rest = totalSeconds - dayOffset * 86400;
  const base = new Date(Date.UTC(y, m - 1, d + dayOffset));
  return zonedInstant({
    year: base.getUTCFullYear(),
    month: base.getUTCMonth() + 1,
    day: base.getUTCDate(),
    hour: Math.floor(rest / 3600),
    minute: Math.floor((rest % 3600) / 60),
    second: rest % 60,
  }, timeZone);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * The business date of instant `ms`: the local date-time shifted back `cutoffHour` hours of
 * wall-clock time (a 01:30 clock-in with a 04:00 cut-off belongs to the day before).
 */
export function businessDateAt(ms: number, timeZone: string, cutoffHour: number): string {
  const w = wallTime(ms, timeZone);
  const shifted = new Date(wallAsUtcMs(w) - cutoffHour * 3_600_000);
  return shifted.toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` as Toast's integer `yyyyMMdd`. */
export function toastDateInt(date: string): number {
  return Number(date.replaceAll("-", ""));
}

function offsetText(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ":" : ""}${pad(abs % 60)}`;
}

function localText(ms: number, timeZone: string): string {
  const w = wallTime(ms, timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${
    pad(w.second)
  }`;
}

/** Toast's date-time text: local time with milliseconds and a `±HHMM` offset. */
export function toastDateTime(ms: number, timeZone: string): string {
  return `${localText(ms, timeZone)}.${pad(((ms % 1000) + 1000) % 1000, 3)}${
    offsetText(offsetMinutes(ms, timeZone), false)
  }`;
}

/** 7shifts' `clocked_in` / `modified` text: UTC, `YYYY-MM-DD HH:MM:SS`. */
export function sevenShiftsUtc(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/** 7shifts' `clocked_in_iso` text: local time with a `±HH:MM` offset, whole seconds. */
export function sevenShiftsIso(ms: number, timeZone: string): string {
  return `${localText(ms, timeZone)}${offsetText(offsetMinutes(ms, timeZone), true)}`;
}

/** Local `H:MM AM` for people (progress lines, the demo). */
export function clockText(ms: number, timeZone: string): string {
  const w = wallTime(ms, timeZone);
  const h12 = w.hour % 12 === 0 ? 12 : w.hour % 12;
  return `${h12}:${pad(w.minute)} ${w.hour < 12 ? "AM" : "PM"}`;
}
