/**
 * How a labor alert reads in Slack and Discord: pure rendering of one alert (the outbox
 * row's figures at the moment of the transition) into a Slack Block Kit message with a
 * `text` fallback, and into one Discord embed carrying the same facts. The outbox's other
 * kind, a vendor sync's notice (`kind: "sync"`: the webhooks missed data, the figures were
 * corrected), renders through the same two functions.
 *
 * Written to be read on a phone in a busy kitchen: the level and the labor % come first,
 * then the six figures an operator acts on, then what changed since the previous alert of
 * the same day. Recovery messages say plainly that the day is back on target.
 *
 * Money is formatted from integer cents exactly (no floats), percentages from basis points.
 * A figure may arrive as decimal integer text (the database sends any figure past 2^53 that
 * way, so it stays exact): every formatter takes either and computes on BigInt, so a figure
 * too large for a JavaScript number is shown to the cent, never thrown.
 * Every text is cut to the services' documented limits; {@link slackMessageProblems} and
 * {@link discordMessageProblems} check a rendered body against them.
 *
 * @module
 */
import { centsToDecimalText } from "./money.ts";
import { divideRoundHalfAwayBig } from "./rounding.ts";

/**
 * An integer figure: a JavaScript number (a safe integer), or its decimal text when it is too
 * large for one (`"1152921504606846976"`), as `pipeline.alert_delivery_json` sends it.
 */
export type ExactInteger = number | string;

/** An {@link ExactInteger} as a BigInt, exactly; a non-integer is a bug and throws. */
export function exactInteger(value: ExactInteger | bigint): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new RangeError(`not an integer figure: ${value}`);
    return BigInt(value);
  }
  if (!/^-?\d{1,40}$/.test(value)) throw new RangeError(`not an integer figure: ${value}`);
  return BigInt(value);
}

/** What an alert announces: the day went over target, went critical, or came back. */
export type AlertKind = "over" | "critical" | "recovered";

/** The alert state of a location's business day (see the alerts migration). */
export type AlertState = "ok" | "over" | "critical" | "recovered";

/** The figures an alert carries, as they were when it was raised. */
export interface AlertFigures {
  /** Labor cost as a % of net sales, in basis points (2500 = 25.00 %). */
  laborPctBp: ExactInteger;
  netSalesCents: ExactInteger;
  laborCostCents: ExactInteger;
  /** Paid labor time, in seconds. */
  paidLaborSeconds: ExactInteger;
}

/** The previous alert of the same location and business day: the "what changed" baseline. */
export interface PreviousAlertFacts extends AlertFigures {
  kind: AlertKind;
  /** The clock its figures were computed at (ISO instant): the time the message names. */
  metricsAsOf: string;
  /** When that alert was raised (ISO instant). */
  createdAt: string;
}

/** Everything a message says about one alert. */
export interface AlertFacts extends AlertFigures {
  /** Outbox id (shown in the footer so a message can be traced to its row). */
  alertId: number;
  kind: AlertKind;
  /** The state the day was in before this alert. */
  fromState: AlertState;
  locationName: string;
  /** IANA zone of the location: times in the message are local. */
  timeZone: string;
  /** `YYYY-MM-DD`. */
  businessDate: string;
  /** Labor target in basis points. */
  laborTargetBp: number;
  /** Labor % above which the day is critical, in basis points (target + critical margin). */
  criticalThresholdBp: number;
  /** Labor % at or below which an over day counts as recovered, in basis points. */
  recoveryThresholdBp: number;
  /** Cost per labor hour in cents; null when no paid time was worked. */
  cplhCents: ExactInteger | null;
  /** Sales per labor hour in cents; null when no paid time was worked. */
  splhCents: ExactInteger | null;
  openPunchCount: number;
  /** The clock the figures were computed at (ISO instant). */
  metricsAsOf: string;
  /** When the alert was raised (ISO instant). */
  createdAt: string;
  previous: PreviousAlertFacts | null;
  /** The open day's projection when the alert was raised (over and critical alerts of an open
   * day; `pipeline.projection_json`); absent or null otherwise. */
  projection?: ProjectionFacts | null;
}

/**
 * A day's projected close as messages read it (`pipeline.projection_json`; shared/projection.ts):
 * only status `ok` carries projected figures.
 */
export interface ProjectionFacts {
  status: "ok" | "insufficient_history" | "no_typical_sales" | "no_schedule";
  /** Same weekdays with live history (of the 3 a projection needs). */
  candidateCount: number;
  typicalShareBp?: number;
  remainingSeconds?: ExactInteger;
  remainingCostCents?: ExactInteger;
  remainingOvertimePremiumCents?: ExactInteger;
  projectedNetSalesCents?: ExactInteger;
  projectedLaborCostCents?: ExactInteger;
  projectedLaborPctBp?: ExactInteger;
  /** The close if the rest of the day sells like the busiest same weekday (the alert's rule). */
  bestCaseLaborPctBp?: ExactInteger;
}

/** What lands a projected day on target (shared/projection.ts `projectionHint`). */
export interface ProjectionHintFacts {
  targetCostCents: ExactInteger;
  excessCents: ExactInteger;
  sellMoreCents: ExactInteger;
  /** Absent when no scheduled work remains. */
  cutMinutes?: number;
  cutPossible: boolean;
  cutSavingCents?: ExactInteger;
  /** ISO instant: the last moment the cut still saves that much. */
  cutBefore?: string;
  /** No quarter hour from now on saves enough: the cut starts now. */
  cutNow?: boolean;
}

/** `public.alerts.details` of a 'projected' row. */
export interface ProjectionAlertDetails {
  /** `critical`: projected past the critical line. */
  level: "projected" | "critical";
  fromState: "none" | "projected";
  projection: ProjectionFacts;
  projectionMarginBp: number;
  hint: ProjectionHintFacts;
}

/** A "projected over target" alert, as the outbox carries it to the notifier. */
export interface ProjectionAlertFacts {
  alertId: number;
  kind: "projected";
  locationName: string;
  timeZone: string;
  businessDate: string;
  /** The figures so far. */
  laborPctBp: ExactInteger;
  laborTargetBp: number;
  criticalThresholdBp: number;
  netSalesCents: ExactInteger;
  laborCostCents: ExactInteger;
  metricsAsOf: string;
  createdAt: string;
  details: ProjectionAlertDetails;
}

/** A day's figures before or after a sync corrected them. */
export interface SyncDayFigures {
  laborPctBp: ExactInteger | null;
  netSalesCents: ExactInteger | null;
  laborCostCents: ExactInteger | null;
}

/** One day a sync's corrections moved. */
export interface SyncNoticeDay {
  /** `YYYY-MM-DD`. */
  businessDate: string;
  before: SyncDayFigures;
  after: SyncDayFigures;
}

/** What a sync found the webhooks had missed (`public.alerts.details` of a 'sync' row). */
export interface SyncNoticeDetails {
  runId: number;
  runKind: string;
  ordersMissed: number;
  punchesMissed: number;
  breakEditsMissed: number;
  /** The location's current business day when the sync ran (for "today", "yesterday"). */
  todayBusinessDate: string;
  /** The days whose figures moved, oldest first. */
  days: SyncNoticeDay[];
}

/** A vendor sync's notice, as the outbox carries it to the notifier. */
export interface SyncNoticeFacts {
  alertId: number;
  kind: "sync";
  locationName: string;
  timeZone: string;
  /** The day that moved most. */
  businessDate: string;
  metricsAsOf: string;
  createdAt: string;
  details: SyncNoticeDetails;
}

/**
 * An employee on the clock about to reach overtime (`public.alerts.details` of an 'overtime'
 * row; shared/overtime.ts `nextOvertimeCrossing`).
 */
export interface OvertimeNoticeDetails {
  /** The 7shifts user and how messages name them (pipeline.staff_display_name). */
  userId: number;
  employeeName: string;
  /** `weekly`: the week's straight time reaches its threshold; `daily`: the workday's hours. */
  rule: "weekly" | "daily";
  thresholdSeconds: number;
  /** The rate from the crossing on, and the rate now (150 = time and a half). */
  multiplierPct: number;
  currentMultiplierPct: number;
  /** When overtime starts if they stay on (ISO instant). */
  startsAt: string;
  /** Paid seconds of their workweek so far. */
  weekPaidSeconds: number;
  /** Their wage on the open punch, in cents, exact to a hundredth of a cent (as text). */
  hourlyWageCents: string;
}

/** An approaching-overtime notice, as the outbox carries it to the notifier. */
export interface OvertimeNoticeFacts {
  alertId: number;
  kind: "overtime";
  locationName: string;
  timeZone: string;
  businessDate: string;
  /** The clock the crossing was predicted at. */
  metricsAsOf: string;
  createdAt: string;
  details: OvertimeNoticeDetails;
}

/** Anything the outbox delivers: a labor alert, a sync notice or an overtime notice. */
export type OutboxFacts =
  | AlertFacts
  | SyncNoticeFacts
  | OvertimeNoticeFacts
  | ProjectionAlertFacts;

/** A Slack text object. */
export interface SlackText {
  type: "plain_text" | "mrkdwn";
  text: string;
  emoji?: boolean;
}

/** The Block Kit blocks this module emits. */
export type SlackBlock =
  | { type: "header"; text: SlackText }
  | { type: "section"; text?: SlackText; fields?: SlackText[] }
  | { type: "context"; elements: SlackText[] }
  | { type: "divider" };

/** The JSON body posted to a Slack incoming webhook. */
export interface SlackMessage {
  /** Fallback shown in notifications and where blocks cannot be shown. */
  text: string;
  blocks: SlackBlock[];
}

/** One field of a Discord embed. */
export interface DiscordEmbedField {
  name: string;
  value: string;
  inline?: boolean;
}

/** A Discord embed (the subset this module emits). */
export interface DiscordEmbed {
  title: string;
  description: string;
  color: number;
  fields: DiscordEmbedField[];
  footer: { text: string };
  /** ISO instant shown by Discord next to the footer. */
  timestamp: string;
}

/** The JSON body posted to a Discord webhook. */
export interface DiscordMessage {
  /** Short line above the embed; also what push notifications show. */
  content: string;
  embeds: DiscordEmbed[];
  /** Never ping anyone, whatever a location name contains. */
  allowed_mentions: { parse: string[] };
}

/** Slack's documented limits for incoming-webhook messages and Block Kit. */
export const SLACK_LIMITS = {
  /** Slack truncates `text` beyond this; we stay far below it. */
  textChars: 40_000,
  /** What this module aims `text` at: a notification line, not an essay. */
  textTargetChars: 300,
  blocks: 50,
  headerChars: 150,
  sectionTextChars: 3000,
  sectionFields: 10,
  sectionFieldChars: 2000,
  contextElements: 10,
  contextElementChars: 3000,
} as const;

/** Discord's documented limits for webhook messages and embeds. */
export const DISCORD_LIMITS = {
  contentChars: 2000,
  embeds: 10,
  titleChars: 256,
  descriptionChars: 4096,
  fields: 25,
  fieldNameChars: 256,
  fieldValueChars: 1024,
  footerChars: 2048,
  /** Sum of title, description, field names and values and footer over all embeds. */
  totalChars: 6000,
} as const;

/** Embed colour per alert kind, with the word a person would use for it. */
export const ALERT_COLOURS: Readonly<Record<AlertKind, { rgb: number; word: string }>> = {
  over: { rgb: 0xf2a900, word: "amber" },
  critical: { rgb: 0xd93025, word: "red" },
  recovered: { rgb: 0x2e9e5b, word: "green" },
};

const HEADLINES: Readonly<Record<AlertKind, { emoji: string; words: string }>> = {
  over: { emoji: "⚠️", words: "Over labor target" },
  critical: { emoji: "🔴", words: "Labor critical" },
  recovered: { emoji: "✅", words: "Back on labor target" },
};

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The embed colour of a sync notice (blue: information, not a labor level). */
export const SYNC_NOTICE_COLOUR = { rgb: 0x1f6feb, word: "blue" } as const;

/** The embed colour of an overtime notice (purple: a person's hours, not the day's labor %). */
export const OVERTIME_NOTICE_COLOUR = { rgb: 0x8e44ad, word: "purple" } as const;

/** `123456` → `"$1,234.56"`, `-500` → `"-$5.00"`: exact, from integer cents of any size. */
export function formatCents(cents: ExactInteger | bigint): string {
  const text = centsToDecimalText(exactInteger(cents));
  const negative = text.startsWith("-");
  const [whole, fraction] = (negative ? text.slice(1) : text).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}$${grouped}.${fraction}`;
}

/** A signed money change: `35000` → `"+$350.00"`, `-1` → `"-$0.01"`, `0` → `"±$0.00"`. */
export function formatCentsChange(cents: ExactInteger | bigint): string {
  const big = exactInteger(cents);
  if (big === 0n) return "±$0.00";
  return big > 0n ? `+${formatCents(big)}` : formatCents(big);
}

/** Basis points as a percentage with two decimals: `2745` → `"27.45%"`, exactly. */
export function formatBasisPoints(bp: ExactInteger | bigint): string {
  const big = exactInteger(bp);
  const abs = big < 0n ? -big : big;
  return `${big < 0n ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}%`;
}

/** A change in percentage points: `510` → `"+5.10 pts"`, `-35` → `"-0.35 pts"`. */
export function formatPointsChange(bp: ExactInteger | bigint): string {
  const big = exactInteger(bp);
  const text = formatBasisPoints(big).replace("%", " pts");
  return big > 0n ? `+${text}` : big === 0n ? `±${text}` : text;
}

/** Paid labor seconds in tenths of an hour, half away from zero. */
function laborTenths(seconds: ExactInteger | bigint): bigint {
  return divideRoundHalfAwayBig(exactInteger(seconds), 360n);
}

/** Paid labor seconds as hours with one decimal (half away from zero): `153000` → `"42.5 h"`. */
export function formatLaborHours(seconds: ExactInteger | bigint): string {
  return formatTenthsOfHours(laborTenths(seconds));
}

function formatTenthsOfHours(tenths: bigint): string {
  const abs = tenths < 0n ? -tenths : tenths;
  return `${tenths < 0n ? "-" : ""}${abs / 10n}.${abs % 10n} h`;
}

/** `"2026-11-27"` → `"Fri, Nov 27, 2026"` (the calendar date itself; no time zone involved). */
export function formatBusinessDate(businessDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(businessDate);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${businessDate}`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return `${WEEKDAYS[weekday]}, ${MONTHS[month - 1]} ${day}, ${year}`;
}

/**
 * One formatter per zone: making an Intl.DateTimeFormat took ~0.13 ms, more than the rest of a
 * message (Deno 2.1.4), and every alert formats at least one time.
 */
const localTimeFormatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time of an instant in a zone: `"8:42 PM EST"`. */
export function formatLocalTime(instantIso: string, timeZone: string): string {
  const instant = new Date(instantIso);
  if (Number.isNaN(instant.getTime())) throw new RangeError(`not an instant: ${instantIso}`);
  let formatter = localTimeFormatters.get(timeZone);
  if (!formatter) {
    // Throws on a zone it does not know, before anything is kept.
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hour: "numeric",
      minute: "2-digit",
      timeZoneName: "short",
    });
    if (localTimeFormatters.size >= 1_000) localTimeFormatters.clear();
    localTimeFormatters.set(timeZone, formatter);
  }
  return formatter.format(instant).replace(/\u202f/g, " ");
}

/**
 * Cuts `text` to at most `max` UTF-16 code units, ending in "…" when cut, never splitting a
 * character. Counting code units is conservative for both services (an emoji counts 2).
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = "";
  for (const ch of text) {
    if (out.length + ch.length + 1 > max) break;
    out += ch;
  }
  return `${out}…`;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Escapes Discord markdown so a location name renders as typed. */
export function escapeDiscord(text: string): string {
  return text.replace(/([\\*_~`|>\[\]])/g, "\\$1");
}

/** A money figure that may be missing (no labor hours yet). */
function centsOrDash(cents: ExactInteger | null): string {
  return cents === null ? "—" : formatCents(cents);
}

/** The headline words of an alert, e.g. "⚠️ Over labor target". */
export function alertHeadline(kind: AlertKind): string {
  return `${HEADLINES[kind].emoji} ${HEADLINES[kind].words}`;
}

/** The one-sentence summary of the labor % against the thresholds, in plain words. */
function laborSentence(alert: AlertFacts, bold: (s: string) => string): string {
  const pct = formatBasisPoints(alert.laborPctBp);
  const target = formatBasisPoints(alert.laborTargetBp);
  const critical = formatBasisPoints(alert.criticalThresholdBp);
  switch (alert.kind) {
    case "over":
      return `${bold(`Labor is ${pct} of net sales`)}, over the ${target} target ` +
        `(critical above ${critical}).`;
    case "critical":
      return `${bold(`Labor is ${pct} of net sales`)}, above the ${critical} critical line ` +
        `(target ${target}).`;
    case "recovered":
      return `${bold(`Back on target: labor is ${pct} of net sales`)}, under the ${target} ` +
        `target again. No action needed.`;
  }
}

/** The six figures, as label/value pairs, in the order an operator reads them. */
export function alertFigureLines(alert: AlertFacts): Array<{ label: string; value: string }> {
  return [
    { label: "Net sales", value: formatCents(alert.netSalesCents) },
    { label: "Labor cost", value: formatCents(alert.laborCostCents) },
    { label: "Labor hours", value: formatLaborHours(alert.paidLaborSeconds) },
    { label: "CPLH (cost per labor hour)", value: centsOrDash(alert.cplhCents) },
    { label: "SPLH (sales per labor hour)", value: centsOrDash(alert.splhCents) },
    { label: "Open punches", value: String(alert.openPunchCount) },
  ];
}

/**
 * What changed since the previous alert of the same day, as short phrases; a first alert
 * says so. Deltas are exact (cents, basis points, tenths of an hour).
 */
export function describeChange(alert: AlertFacts): { heading: string; changes: string[] } {
  const prev = alert.previous;
  if (!prev) {
    return { heading: "First alert for this business day.", changes: [] };
  }
  // The figures' clock, as "figures as of" (a replayed day names its replayed time).
  const at = formatLocalTime(prev.metricsAsOf, alert.timeZone);
  const pair = (from: string, to: string, delta: string) => `${from} → ${to} (${delta})`;
  const hoursDelta = laborTenths(alert.paidLaborSeconds) - laborTenths(prev.paidLaborSeconds);
  const hoursText = `${hoursDelta > 0n ? "+" : hoursDelta === 0n ? "±" : ""}${
    formatTenthsOfHours(hoursDelta)
  }`;
  const minus = (a: ExactInteger, b: ExactInteger) => exactInteger(a) - exactInteger(b);
  return {
    heading: `Since the ${prev.kind} alert at ${at}`,
    changes: [
      `labor ${
        pair(
          formatBasisPoints(prev.laborPctBp),
          formatBasisPoints(alert.laborPctBp),
          formatPointsChange(minus(alert.laborPctBp, prev.laborPctBp)),
        )
      }`,
      `net sales ${
        pair(
          formatCents(prev.netSalesCents),
          formatCents(alert.netSalesCents),
          formatCentsChange(minus(alert.netSalesCents, prev.netSalesCents)),
        )
      }`,
      `labor cost ${
        pair(
          formatCents(prev.laborCostCents),
          formatCents(alert.laborCostCents),
          formatCentsChange(minus(alert.laborCostCents, prev.laborCostCents)),
        )
      }`,
      `labor hours ${
        pair(
          formatLaborHours(prev.paidLaborSeconds),
          formatLaborHours(alert.paidLaborSeconds),
          hoursText,
        )
      }`,
    ],
  };
}

/** The notification line both services show first (Slack `text`, Discord `content`). */
export function alertSummaryLine(alert: AlertFacts, escape: (s: string) => string): string {
  const name = escape(truncateText(alert.locationName, 120));
  const pct = formatBasisPoints(alert.laborPctBp);
  const target = formatBasisPoints(alert.laborTargetBp);
  const day = formatBusinessDate(alert.businessDate);
  const verb = alert.kind === "recovered" ? "is back to" : "is at";
  return `${alertHeadline(alert.kind)}: ${name} ${verb} ${pct} labor (target ${target}) · ${day}`;
}

/** `["12 orders", "1 break edit"]` → "12 orders and 1 break edit" (Oxford-less). */
function listing(parts: string[]): string {
  return parts.length <= 1
    ? (parts[0] ?? "nothing")
    : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What the webhooks missed, in words: "12 orders, 2 punches and 1 break edit". */
export function missedWords(d: SyncNoticeDetails): string {
  const parts: string[] = [];
  if (d.ordersMissed > 0) parts.push(count(d.ordersMissed, "order", "orders"));
  if (d.punchesMissed > 0) parts.push(count(d.punchesMissed, "punch", "punches"));
  if (d.breakEditsMissed > 0) parts.push(count(d.breakEditsMissed, "break edit", "break edits"));
  return listing(parts);
}

/** A business date seen from the location's today: "today", "yesterday", "on Fri, Nov 27". */
export function relativeDay(businessDate: string, today: string): string {
  const days = (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${businessDate}T00:00:00Z`)) /
    86_400_000;
  if (days === 0) return "today";
  if (days === 1) return "yesterday";
  return `on ${formatBusinessDate(businessDate).replace(/, \d{4}$/, "")}`;
}

/** A figure that may be missing: "—". */
function pctOrDash(bp: ExactInteger | null): string {
  return bp === null ? "—" : formatBasisPoints(bp);
}

/** One corrected day in words: "labor 24.10% → 26.30% · net sales $2,000.00 → $2,100.00". */
export function syncDayLine(day: SyncNoticeDay): string {
  const parts = [`labor ${pctOrDash(day.before.laborPctBp)} → ${pctOrDash(day.after.laborPctBp)}`];
  const money = (label: string, key: "netSalesCents" | "laborCostCents") => {
    const [a, b] = [day.before[key], day.after[key]];
    if (a === b) return;
    parts.push(
      `${label} ${a === null ? "—" : formatCents(a)} → ${b === null ? "—" : formatCents(b)}`,
    );
  };
  money("net sales", "netSalesCents");
  money("labor cost", "laborCostCents");
  return parts.join(" · ");
}

/**
 * The notice's sentence: "Webhooks missed 12 orders and 1 break edit at Downtown Bistro
 * yesterday; figures corrected: labor 24.10% → 26.30%".
 */
export function syncNoticeSentence(n: SyncNoticeFacts, name = n.locationName): string {
  const d = n.details;
  const main = d.days.find((x) => x.businessDate === n.businessDate) ?? d.days[d.days.length - 1];
  const when = d.days.length > 1
    ? `over ${d.days.length} days`
    : relativeDay(n.businessDate, d.todayBusinessDate);
  const labor = main
    ? `labor ${pctOrDash(main.before.laborPctBp)} → ${pctOrDash(main.after.laborPctBp)}` +
      (d.days.length > 1 ? ` ${relativeDay(main.businessDate, d.todayBusinessDate)}` : "")
    : "";
  return `Webhooks missed ${missedWords(d)} at ${name} ${when}; figures corrected: ${labor}`;
}

/** At most this many corrected days are listed; the rest are counted. */
const SYNC_DAYS_SHOWN = 8;

function syncDayLines(n: SyncNoticeFacts): string[] {
  const days = n.details.days;
  const lines = days.slice(-SYNC_DAYS_SHOWN).map((day) =>
    `${formatBusinessDate(day.businessDate)}: ${syncDayLine(day)}`
  );
  if (days.length > SYNC_DAYS_SHOWN) {
    lines.unshift(`(${days.length - SYNC_DAYS_SHOWN} earlier days)`);
  }
  return lines;
}

const SYNC_HEADLINE = "🔄 Figures corrected from Toast and 7shifts";

/** The Slack body of a sync notice. */
function renderSyncSlack(n: SyncNoticeFacts): SlackMessage {
  const name = escapeSlack(n.locationName);
  return {
    text: truncateText(`🔄 ${syncNoticeSentence(n, name)}`, SLACK_LIMITS.textTargetChars),
    blocks: [
      {
        type: "header",
        text: {
          type: "plain_text",
          text: truncateText(`${SYNC_HEADLINE} · ${n.locationName}`, SLACK_LIMITS.headerChars),
          emoji: true,
        },
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: truncateText(
            `*${syncNoticeSentence(n, name)}*\nThe hourly check against the vendors' APIs ` +
              "found data their webhooks never delivered and applied it.",
            SLACK_LIMITS.sectionTextChars,
          ),
        },
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: truncateText(
            syncDayLines(n).map((l) => `• ${escapeSlack(l)}`).join("\n"),
            SLACK_LIMITS.sectionTextChars,
          ),
        },
      },
      {
        type: "context",
        elements: [{
          type: "mrkdwn",
          text: truncateText(
            `Sync run #${n.details.runId} · Alert #${n.alertId} · ${name}`,
            SLACK_LIMITS.contextElementChars,
          ),
        }],
      },
    ],
  };
}

/** The Discord body of a sync notice. */
function renderSyncDiscord(n: SyncNoticeFacts): DiscordMessage {
  const name = escapeDiscord(n.locationName);
  return {
    content: truncateText(`🔄 ${syncNoticeSentence(n, name)}`, DISCORD_LIMITS.contentChars),
    embeds: [{
      title: truncateText(`${SYNC_HEADLINE} · ${n.locationName}`, DISCORD_LIMITS.titleChars),
      description: truncateText(
        `**${syncNoticeSentence(n, name)}**\nThe hourly check against the vendors' APIs found ` +
          "data their webhooks never delivered and applied it.",
        DISCORD_LIMITS.descriptionChars,
      ),
      color: SYNC_NOTICE_COLOUR.rgb,
      fields: [{
        name: "Corrected",
        value: truncateText(
          syncDayLines(n).map((l) => `• ${escapeDiscord(l)}`).join("\n"),
          DISCORD_LIMITS.fieldValueChars,
        ),
        inline: false,
      }],
      footer: {
        text: truncateText(
          `Sync run #${n.details.runId} · Alert #${n.alertId}`,
          DISCORD_LIMITS.footerChars,
        ),
      },
      timestamp: new Date(n.metricsAsOf).toISOString(),
    }],
    allowed_mentions: { parse: [] },
  };
}

/** Cents an hour at `pct` % of a wage in cents (exact to a hundredth), rounded half away. */
function centsPerHourAt(wageCents: string, pct: number): bigint {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(wageCents);
  if (!m) throw new RangeError(`not a wage in cents: ${wageCents}`);
  const hundredths = BigInt(m[1]!) * 100n + BigInt((m[2] ?? "").padEnd(2, "0") || "0");
  return (hundredths * BigInt(pct) + 5000n) / 10000n;
}

/** "in 42 min", "in 1 h 5 min", "now". */
function inWords(fromIso: string, toIso: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 60_000));
  if (minutes === 0) return "now";
  const h = Math.floor(minutes / 60);
  return `in ${h > 0 ? `${h} h ` : ""}${h > 0 && minutes % 60 === 0 ? "" : `${minutes % 60} min`}`
    .replace(/ $/, "");
}

/**
 * The one sentence of an overtime notice: who, when, where, and what each hour will cost.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { overtimeNoticeSentence } from "./alert_messages.ts";
 *
 * const sentence = overtimeNoticeSentence({
 *   alertId: 9, kind: "overtime", locationName: "Downtown Bistro", timeZone: "America/Chicago",
 *   businessDate: "2026-11-06", metricsAsOf: "2026-11-06T21:53:00Z",
 *   createdAt: "2026-11-06T21:53:00Z",
 *   details: {
 *     userId: 503, employeeName: "Avery Q.", rule: "weekly", thresholdSeconds: 144000,
 *     multiplierPct: 150, currentMultiplierPct: 100, startsAt: "2026-11-06T22:35:00Z",
 *     weekPaidSeconds: 141480, hourlyWageCents: "2000",
 *   },
 * });
 * assert.equal(
 *   sentence,
 *   "Avery Q. reaches overtime at 4:35 PM CST (in 42 min) at Downtown Bistro: 39.3 h this " +
 *     "week; from then on each hour costs $30.00 (150%, $10.00 more)",
 * );
 * ```
 */
export function overtimeNoticeSentence(n: OvertimeNoticeFacts, name = n.locationName): string {
  const d = n.details;
  const at = formatLocalTime(d.startsAt, n.timeZone);
  const what = d.rule === "weekly"
    ? "overtime"
    : `${formatTenthsOfHours(laborTenths(d.thresholdSeconds)).replace(".0 h", " hours")} today`;
  const cost = centsPerHourAt(d.hourlyWageCents, d.multiplierPct);
  const more = cost - centsPerHourAt(d.hourlyWageCents, d.currentMultiplierPct);
  const week = d.rule === "weekly" ? `${formatLaborHours(d.weekPaidSeconds)} this week` : "";
  return `${d.employeeName} reaches ${what} at ${at} (${inWords(n.metricsAsOf, d.startsAt)}) ` +
    `at ${name}${week ? `: ${week}` : ""}; from then on each hour costs ${formatCents(cost)} ` +
    `(${d.multiplierPct}%, ${formatCents(more)} more)`;
}

const OVERTIME_HEADLINE = "⏱️ Overtime ahead";

function overtimeFields(n: OvertimeNoticeFacts): Array<{ label: string; value: string }> {
  const d = n.details;
  return [
    { label: "Employee", value: d.employeeName },
    { label: "This week so far", value: formatLaborHours(d.weekPaidSeconds) },
    { label: "Overtime from", value: formatLocalTime(d.startsAt, n.timeZone) },
    {
      label: "Rate then",
      value: `${d.multiplierPct}% · ${
        formatCents(centsPerHourAt(d.hourlyWageCents, d.multiplierPct))
      } an hour`,
    },
  ];
}

function renderOvertimeSlack(n: OvertimeNoticeFacts): SlackMessage {
  const sentence = overtimeNoticeSentence({
    ...n,
    details: { ...n.details, employeeName: escapeSlack(n.details.employeeName) },
  }, escapeSlack(n.locationName));
  return {
    text: truncateText(`⏱️ ${sentence}`, SLACK_LIMITS.textTargetChars),
    blocks: [
      {
        type: "header",
        text: {
          type: "plain_text",
          text: truncateText(`${OVERTIME_HEADLINE} · ${n.locationName}`, SLACK_LIMITS.headerChars),
          emoji: true,
        },
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: truncateText(
            `*${sentence}*\nSend them home before then, or plan for the cost.`,
            SLACK_LIMITS.sectionTextChars,
          ),
        },
      },
      {
        type: "section",
        fields: overtimeFields(n).map(({ label, value }) => ({
          type: "mrkdwn" as const,
          text: truncateText(`*${label}*\n${escapeSlack(value)}`, SLACK_LIMITS.sectionFieldChars),
        })),
      },
      {
        type: "context",
        elements: [{
          type: "mrkdwn",
          text: truncateText(
            `Business day ${formatBusinessDate(n.businessDate)} · Alert #${n.alertId} · ` +
              escapeSlack(n.locationName),
            SLACK_LIMITS.contextElementChars,
          ),
        }],
      },
    ],
  };
}

function renderOvertimeDiscord(n: OvertimeNoticeFacts): DiscordMessage {
  const sentence = overtimeNoticeSentence({
    ...n,
    details: { ...n.details, employeeName: escapeDiscord(n.details.employeeName) },
  }, escapeDiscord(n.locationName));
  return {
    content: truncateText(`⏱️ ${sentence}`, DISCORD_LIMITS.contentChars),
    embeds: [{
      title: truncateText(`${OVERTIME_HEADLINE} · ${n.locationName}`, DISCORD_LIMITS.titleChars),
      description: truncateText(
        `**${sentence}**\nSend them home before then, or plan for the cost.`,
        DISCORD_LIMITS.descriptionChars,
      ),
      color: OVERTIME_NOTICE_COLOUR.rgb,
      fields: overtimeFields(n).map(({ label, value }) => ({
        name: truncateText(label, DISCORD_LIMITS.fieldNameChars),
        value: truncateText(escapeDiscord(value), DISCORD_LIMITS.fieldValueChars),
        inline: true,
      })),
      footer: {
        text: truncateText(
          `Business day ${formatBusinessDate(n.businessDate)} · Alert #${n.alertId}`,
          DISCORD_LIMITS.footerChars,
        ),
      },
      timestamp: new Date(n.metricsAsOf).toISOString(),
    }],
    allowed_mentions: { parse: [] },
  };
}

/** The embed colour of a projection alert: amber as an over alert, red when critical. */
export const PROJECTION_COLOURS = {
  projected: { rgb: 0xf2a900, word: "amber" },
  critical: { rgb: 0xd93025, word: "red" },
} as const;

/** Basis points as a percentage with one decimal, as the projection reads: `2910` → `"29.1 %"`,
 * `2500` → `"25 %"` (half away from zero). */
export function formatPctShort(bp: ExactInteger | bigint): string {
  const tenths = divideRoundHalfAwayBig(exactInteger(bp), 10n);
  const abs = tenths < 0n ? -tenths : tenths;
  const digit = abs % 10n === 0n ? "" : `.${abs % 10n}`;
  return `${tenths < 0n ? "-" : ""}${abs / 10n}${digit} %`;
}

/** Cents as whole dollars (half away from zero), grouped: `124000` → `"$1,240"`. */
export function formatDollars(cents: ExactInteger | bigint): string {
  return formatCents(divideRoundHalfAwayBig(exactInteger(cents), 100n) * 100n).slice(0, -3);
}

/** Quarter hours as labor hours (docs/projection.md): `210` → `"3.5 labor hours"`, `240` → `"4
 * labor hours"`, `60` → `"1 labor hour"`. */
function laborHoursOfMinutes(minutes: number): string {
  return `${(minutes / 60).toFixed(2).replace(/\.?0+$/, "")} labor hour${
    minutes === 60 ? "" : "s"
  }`;
}

/** Local wall-clock time, short: `"8 PM"`, `"8:15 PM"`. */
function shortLocalTime(instantIso: string, timeZone: string): string {
  return formatLocalTime(instantIso, timeZone).replace(/ \S+$/, "").replace(":00 ", " ");
}

/**
 * The projection and its hint in one sentence: what the day will close at and what lands it on
 * target (docs/projection.md, "The hint").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { projectionSentence } from "./alert_messages.ts";
 *
 * assert.equal(
 *   projectionSentence({
 *     projection: { status: "ok", candidateCount: 3, projectedLaborPctBp: 2910 },
 *     hint: { targetCostCents: 37_200, excessCents: 6100, sellMoreCents: 24_400,
 *       cutMinutes: 210, cutPossible: true, cutSavingCents: 6125,
 *       cutBefore: "2026-11-28T01:00:00.000Z" },
 *   }, 2500, "America/New_York"),
 *   "Projected 29.1 % at close (target 25 %). To land on target: cut 3.5 labor hours before " +
 *     "8 PM (≈ $61), or sell $244 more.",
 * );
 * ```
 */
export function projectionSentence(
  d: Pick<ProjectionAlertDetails, "projection" | "hint">,
  laborTargetBp: number,
  timeZone: string,
): string {
  const head = `Projected ${formatPctShort(d.projection.projectedLaborPctBp ?? 0)} at close ` +
    `(target ${formatPctShort(laborTargetBp)}).`;
  const h = d.hint;
  const sell = formatDollars(h.sellMoreCents);
  if (h.cutPossible && h.cutMinutes !== undefined && h.cutBefore !== undefined) {
    const when = h.cutNow ? "now" : `before ${shortLocalTime(h.cutBefore, timeZone)}`;
    return `${head} To land on target: cut ${laborHoursOfMinutes(h.cutMinutes)} ${when} ` +
      `(≈ ${formatDollars(h.cutSavingCents ?? 0)}), or sell ${sell} more.`;
  }
  return `${head} No cut of the shifts still to run lands on target: sell ${sell} more.`;
}

/**
 * The projection line of an over or critical alert: the projected close, or why there is none
 * yet ("No projection yet: 2 of 3 same weekdays recorded"); null when the alert carries none.
 */
export function projectionLine(alert: AlertFacts): string | null {
  const p = alert.projection;
  if (!p || alert.kind === "recovered") return null;
  switch (p.status) {
    case "ok":
      return `Projected ${formatPctShort(p.projectedLaborPctBp ?? 0)} at close (sales ${
        formatDollars(p.projectedNetSalesCents ?? 0)
      }, labor ${formatDollars(p.projectedLaborCostCents ?? 0)}).`;
    case "insufficient_history":
      return `No projection yet: ${Math.min(p.candidateCount, 3)} of 3 same weekdays recorded.`;
    case "no_typical_sales":
      return "No projection: a typical day has no sales by this time.";
    case "no_schedule":
      return "No projection: no published schedule for today.";
  }
}

/** The projection line on a line of its own after the labor sentence, or nothing. */
function projectionSuffix(alert: AlertFacts): string {
  const line = projectionLine(alert);
  return line ? `\n${line}` : "";
}

function projectionHeadline(n: ProjectionAlertFacts): string {
  return n.details.level === "critical" ? "🔴 Projected critical" : "📈 Projected over target";
}

function projectionFields(n: ProjectionAlertFacts): Array<{ label: string; value: string }> {
  const p = n.details.projection;
  const fields = [
    { label: "Labor so far", value: formatBasisPoints(n.laborPctBp) },
    {
      label: "Sales so far → close",
      value: `${formatDollars(n.netSalesCents)} → ${formatDollars(p.projectedNetSalesCents ?? 0)}`,
    },
    {
      label: "Labor so far → close",
      value: `${formatDollars(n.laborCostCents)} → ${
        formatDollars(p.projectedLaborCostCents ?? 0)
      }`,
    },
    {
      label: "Still scheduled",
      value: `${formatLaborHours(p.remainingSeconds ?? 0)} · ${
        formatDollars(p.remainingCostCents ?? 0)
      }`,
    },
  ];
  if (exactInteger(p.remainingOvertimePremiumCents ?? 0) !== 0n) {
    fields.push({
      label: "Overtime it adds",
      value: formatDollars(p.remainingOvertimePremiumCents ?? 0),
    });
  }
  return fields;
}

function projectionFooter(n: ProjectionAlertFacts): string {
  const share = formatPctShort(n.details.projection.typicalShareBp ?? 0).replace(" %", "%");
  return `A typical ${WEEKDAYS[new Date(`${n.businessDate}T00:00:00Z`).getUTCDay()]} has done ` +
    `${share} of its sales by now · Business day ${formatBusinessDate(n.businessDate)} · ` +
    `Alert #${n.alertId}`;
}

function renderProjectionSlack(n: ProjectionAlertFacts): SlackMessage {
  const sentence = projectionSentence(n.details, n.laborTargetBp, n.timeZone);
  return {
    text: truncateText(
      `${projectionHeadline(n)}: ${escapeSlack(n.locationName)}. ${sentence}`,
      SLACK_LIMITS.textTargetChars,
    ),
    blocks: [
      {
        type: "header",
        text: {
          type: "plain_text",
          text: truncateText(
            `${projectionHeadline(n)} · ${n.locationName}`,
            SLACK_LIMITS.headerChars,
          ),
          emoji: true,
        },
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: truncateText(
            `*${sentence}*\nFigures as of ${formatLocalTime(n.metricsAsOf, n.timeZone)}.`,
            SLACK_LIMITS.sectionTextChars,
          ),
        },
      },
      {
        type: "section",
        fields: projectionFields(n).map(({ label, value }) => ({
          type: "mrkdwn" as const,
          text: truncateText(`*${label}*\n${value}`, SLACK_LIMITS.sectionFieldChars),
        })),
      },
      {
        type: "context",
        elements: [{
          type: "mrkdwn",
          text: truncateText(
            `${projectionFooter(n)} · ${escapeSlack(n.locationName)}`,
            SLACK_LIMITS.contextElementChars,
          ),
        }],
      },
    ],
  };
}

function renderProjectionDiscord(n: ProjectionAlertFacts): DiscordMessage {
  const sentence = projectionSentence(n.details, n.laborTargetBp, n.timeZone);
  return {
    content: truncateText(
      `${projectionHeadline(n)}: ${escapeDiscord(n.locationName)}. ${sentence}`,
      DISCORD_LIMITS.contentChars,
    ),
    embeds: [{
      title: truncateText(
        `${projectionHeadline(n)} · ${n.locationName}`,
        DISCORD_LIMITS.titleChars,
      ),
      description: truncateText(
        `**${sentence}**\nFigures as of ${formatLocalTime(n.metricsAsOf, n.timeZone)}.`,
        DISCORD_LIMITS.descriptionChars,
      ),
      color: PROJECTION_COLOURS[n.details.level].rgb,
      fields: projectionFields(n).map(({ label, value }) => ({
        name: truncateText(label, DISCORD_LIMITS.fieldNameChars),
        value: truncateText(value, DISCORD_LIMITS.fieldValueChars),
        inline: true,
      })),
      footer: { text: truncateText(projectionFooter(n), DISCORD_LIMITS.footerChars) },
      timestamp: new Date(n.metricsAsOf).toISOString(),
    }],
    allowed_mentions: { parse: [] },
  };
}

/** The Slack incoming-webhook body for an alert, a sync notice an overtime notice or a projection alert. */
export function renderSlackMessage(alert: OutboxFacts): SlackMessage {
  if (alert.kind === "sync") return renderSyncSlack(alert);
  if (alert.kind === "overtime") return renderOvertimeSlack(alert);
  if (alert.kind === "projected") return renderProjectionSlack(alert);
  const bold = (s: string) => `*${s}*`;
  const change = describeChange(alert);
  const when = formatLocalTime(alert.metricsAsOf, alert.timeZone);
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: truncateText(
          `${alertHeadline(alert.kind)} · ${alert.locationName}`,
          SLACK_LIMITS.headerChars,
        ),
        emoji: true,
      },
    },
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: truncateText(
          `${laborSentence(alert, bold)}${projectionSuffix(alert)}\nBusiness day ${
            bold(formatBusinessDate(alert.businessDate))
          } · figures as of ${when}`,
          SLACK_LIMITS.sectionTextChars,
        ),
      },
    },
    {
      type: "section",
      fields: alertFigureLines(alert).map(({ label, value }) => ({
        type: "mrkdwn" as const,
        text: truncateText(`*${label}*\n${value}`, SLACK_LIMITS.sectionFieldChars),
      })),
    },
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: truncateText(
          change.changes.length === 0
            ? change.heading
            : [bold(`${change.heading}:`), ...change.changes.map((c) => `• ${c}`)].join("\n"),
          SLACK_LIMITS.sectionTextChars,
        ),
      },
    },
    {
      type: "context",
      elements: [{
        type: "mrkdwn",
        text: truncateText(
          `Alert #${alert.alertId} · ${escapeSlack(alert.locationName)}`,
          SLACK_LIMITS.contextElementChars,
        ),
      }],
    },
  ];
  return {
    text: truncateText(alertSummaryLine(alert, escapeSlack), SLACK_LIMITS.textTargetChars),
    blocks,
  };
}

/** The Discord webhook body for an alert or a sync notice: one embed, no mentions. */
export function renderDiscordMessage(alert: OutboxFacts): DiscordMessage {
  if (alert.kind === "sync") return renderSyncDiscord(alert);
  if (alert.kind === "overtime") return renderOvertimeDiscord(alert);
  if (alert.kind === "projected") return renderProjectionDiscord(alert);
  const bold = (s: string) => `**${s}**`;
  const change = describeChange(alert);
  const when = formatLocalTime(alert.metricsAsOf, alert.timeZone);
  const fields: DiscordEmbedField[] = alertFigureLines(alert).map(({ label, value }) => ({
    name: truncateText(label, DISCORD_LIMITS.fieldNameChars),
    value: truncateText(value, DISCORD_LIMITS.fieldValueChars),
    inline: true,
  }));
  fields.push({
    name: truncateText(
      change.changes.length === 0 ? "What changed" : change.heading,
      DISCORD_LIMITS.fieldNameChars,
    ),
    value: truncateText(
      change.changes.length === 0 ? change.heading : change.changes.map((c) => `• ${c}`).join("\n"),
      DISCORD_LIMITS.fieldValueChars,
    ),
    inline: false,
  });
  const embed: DiscordEmbed = {
    title: truncateText(
      `${alertHeadline(alert.kind)} · ${alert.locationName}`,
      DISCORD_LIMITS.titleChars,
    ),
    description: truncateText(
      `${laborSentence(alert, bold)}${projectionSuffix(alert)}\nBusiness day ${
        bold(formatBusinessDate(alert.businessDate))
      } · figures as of ${when}`,
      DISCORD_LIMITS.descriptionChars,
    ),
    color: ALERT_COLOURS[alert.kind].rgb,
    fields,
    footer: { text: truncateText(`Alert #${alert.alertId}`, DISCORD_LIMITS.footerChars) },
    timestamp: new Date(alert.metricsAsOf).toISOString(),
  };
  return {
    content: truncateText(alertSummaryLine(alert, escapeDiscord), DISCORD_LIMITS.contentChars),
    embeds: [embed],
    allowed_mentions: { parse: [] },
  };
}

/** Every way a Slack body breaks Slack's documented limits (empty when it fits). */
export function slackMessageProblems(message: SlackMessage): string[] {
  const problems: string[] = [];
  const L = SLACK_LIMITS;
  if (!message.text) problems.push("text is empty");
  if (message.text.length > L.textChars) problems.push(`text longer than ${L.textChars}`);
  if (message.blocks.length > L.blocks) problems.push(`more than ${L.blocks} blocks`);
  message.blocks.forEach((block, i) => {
    if (block.type === "header") {
      if (block.text.type !== "plain_text") problems.push(`block ${i}: header must be plain_text`);
      if (block.text.text.length > L.headerChars) {
        problems.push(`block ${i}: header longer than ${L.headerChars}`);
      }
    } else if (block.type === "section") {
      if (!block.text && !block.fields) problems.push(`block ${i}: section without text`);
      if (block.text && block.text.text.length > L.sectionTextChars) {
        problems.push(`block ${i}: section text longer than ${L.sectionTextChars}`);
      }
      if (block.fields && block.fields.length > L.sectionFields) {
        problems.push(`block ${i}: more than ${L.sectionFields} fields`);
      }
      block.fields?.forEach((f, j) => {
        if (f.text.length > L.sectionFieldChars) {
          problems.push(`block ${i} field ${j}: longer than ${L.sectionFieldChars}`);
        }
      });
    } else if (block.type === "context") {
      if (block.elements.length > L.contextElements) {
        problems.push(`block ${i}: more than ${L.contextElements} context elements`);
      }
      block.elements.forEach((e, j) => {
        if (e.text.length > L.contextElementChars) {
          problems.push(`block ${i} element ${j}: longer than ${L.contextElementChars}`);
        }
      });
    }
  });
  return problems;
}

/** Every way a Discord body breaks Discord's documented limits (empty when it fits). */
export function discordMessageProblems(message: DiscordMessage): string[] {
  const problems: string[] = [];
  const L = DISCORD_LIMITS;
  if (message.content.length > L.contentChars) {
    problems.push(`content longer than ${L.contentChars}`);
  }
  if (message.embeds.length > L.embeds) problems.push(`more than ${L.embeds} embeds`);
  let total = 0;
  message.embeds.forEach((embed, i) => {
    if (embed.title.length > L.titleChars) problems.push(`embed ${i}: title too long`);
    if (embed.description.length > L.descriptionChars) {
      problems.push(`embed ${i}: description too long`);
    }
    if (embed.fields.length > L.fields) problems.push(`embed ${i}: more than ${L.fields} fields`);
    embed.fields.forEach((f, j) => {
      if (f.name.length === 0 || f.name.length > L.fieldNameChars) {
        problems.push(`embed ${i} field ${j}: name empty or too long`);
      }
      if (f.value.length === 0 || f.value.length > L.fieldValueChars) {
        problems.push(`embed ${i} field ${j}: value empty or too long`);
      }
      total += f.name.length + f.value.length;
    });
    if (embed.footer.text.length > L.footerChars) problems.push(`embed ${i}: footer too long`);
    if (!Number.isInteger(embed.color) || embed.color < 0 || embed.color > 0xffffff) {
      problems.push(`embed ${i}: colour out of range`);
    }
    total += embed.title.length + embed.description.length + embed.footer.text.length;
  });
  if (total > L.totalChars) problems.push(`embeds total ${total} > ${L.totalChars} characters`);
  return problems;
}
