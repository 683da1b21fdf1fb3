/**
 * How the morning flash reads in Slack and Discord: one message per channel about yesterday (the
 * business day that ended) at the locations it serves, built from the facts the database put in
 * the outbox row (`public.alerts.details` of a 'flash' row, 20261130000300_flash.sql).
 *
 * Per location: net sales, labor cost with its overtime premium, labor % against target, SPLH,
 * overtime hours, the alerts raised, what the vendor sync corrected, the week to date, the
 * data-quality lines that have something to say, and the alerts held during quiet hours ("while
 * you were closed"). With more than one location: totals and a ranking by labor % against target
 * (the full ranking up to six locations, else the best and the worst three).
 *
 * Written for a phone: the totals and the ranking first, then one short paragraph per location.
 * Many locations on one channel still fit the services' documented limits: when the full
 * paragraphs do not fit, each location gets one line, and past that the rest are counted.
 *
 * @module
 */
import {
  alertHeadline,
  DISCORD_LIMITS,
  type DiscordEmbed,
  type DiscordMessage,
  escapeDiscord,
  escapeSlack,
  type ExactInteger,
  exactInteger,
  formatBasisPoints,
  formatBusinessDate,
  formatCents,
  formatLaborHours,
  formatLocalTime,
  formatPointsChange,
  SLACK_LIMITS,
  type SlackBlock,
  type SlackMessage,
  truncateText,
} from "./alert_messages.ts";

/** Yesterday's figures of one location (public.daily_metrics). */
export interface FlashDayFigures {
  netSalesCents: ExactInteger;
  laborCostCents: ExactInteger;
  overtimePremiumCents: ExactInteger;
  overtimeMinutes: ExactInteger;
  paidLaborSeconds: ExactInteger;
  laborPctBp: ExactInteger | null;
  splhCents: ExactInteger | null;
  orderCount: number;
  punchCount: number;
}

/** The workweek so far, up to and including yesterday. */
export interface FlashWeek {
  /** `YYYY-MM-DD`: first day of the company's workweek (Monday without company settings). */
  startDate: string;
  days: number;
  netSalesCents: ExactInteger;
  laborCostCents: ExactInteger;
  laborPctBp: ExactInteger | null;
}

/**
 * What the vendor syncs corrected on the day (`pipeline.sync_day_corrections`): the rows the
 * webhooks had missed, each counted once on its own business day, whether or not a notice was
 * raised.
 */
export interface FlashSyncCorrections {
  /** Sync notices that list the day among the days they moved. */
  notices: number;
  ordersMissed: number;
  punchesMissed: number;
  breakEditsMissed: number;
  /** The day's labor % before the first correction. */
  laborPctBpBefore: ExactInteger | null;
  /** After the last run that corrected it (the day's labor % now while that run is going). */
  laborPctBpAfter: ExactInteger | null;
}

/** Data-quality facts of the day. */
export interface FlashDataQuality {
  /** Punches with an hourly wage of 0. */
  punchesWithoutWage: number;
  /** Distinct 7shifts users on the day's punches that public.staff does not know. */
  unknownStaff: number;
  punchesNoSales: boolean;
  salesNoPunches: boolean;
}

/** An alert held during quiet hours. */
export interface FlashHeldAlert {
  alertId: number;
  kind: string;
  /** `details.level` of the alert, when it has one. */
  level: string | null;
  /** When it was held (ISO instant). */
  heldAt: string;
  businessDate: string;
  laborPctBp: ExactInteger | null;
  laborTargetBp: number;
}

/** One location's part of a flash. */
export interface FlashLocation {
  locationId: number;
  locationName: string;
  timeZone: string;
  laborTargetBp: number;
  /** Null when nothing was recorded for the day. */
  day: FlashDayFigures | null;
  week: FlashWeek;
  /** Alerts raised for the day, by kind. */
  alerts: Record<string, number>;
  /**
   * Of those, how many reached no channel at all (failed for good on every channel, or nowhere
   * to post): the team never saw them, so the flash says so. Absent in flashes made before it
   * existed.
   */
  alertsNotDelivered?: number;
  syncCorrections: FlashSyncCorrections | null;
  dataQuality: FlashDataQuality;
  held: FlashHeldAlert[];
}

/** `public.alerts.details` of a 'flash' row. */
export interface FlashDetails {
  channel: "slack" | "discord";
  /** `YYYY-MM-DD`: the business day the flash is about. */
  businessDate: string;
  /** When it was due (ISO instant). */
  dueAt: string;
  locations: FlashLocation[];
  totals: {
    netSalesCents: ExactInteger;
    laborCostCents: ExactInteger;
    laborPctBp: ExactInteger | null;
    splhCents: ExactInteger | null;
  };
  /** Deliveries held because no location is mapped to them (pipeline-wide), by source. */
  unmappedEvents: { toast: number; sevenshifts: number };
}

/** A flash as the outbox carries it to the notifier. */
export interface FlashFacts {
  alertId: number;
  kind: "flash";
  locationName: string;
  timeZone: string;
  businessDate: string;
  metricsAsOf: string;
  createdAt: string;
  details: FlashDetails;
}

/** The embed colour of a flash (slate: a report, not an alarm). */
export const FLASH_COLOUR = { rgb: 0x546e7a, word: "slate" } as const;

/** With at most this many ranked locations the whole ranking is shown. */
const FULL_RANKING_MAX = 6;

/** A location with a labor % and how far it is from its target (negative: under). */
export interface RankedLocation {
  location: FlashLocation;
  laborPctBp: bigint;
  vsTargetBp: bigint;
}

/**
 * The ranking by labor % against target, best (furthest under) first; locations without a
 * labor % (no sales) are left out. Up to six: all of them in `best`; else the best three and
 * the worst three (worst last).
 */
export function rankLocations(
  locations: FlashLocation[],
): { best: RankedLocation[]; worst: RankedLocation[] } {
  const ranked = locations.flatMap((location) => {
    const pct = location.day?.laborPctBp;
    if (pct === null || pct === undefined) return [];
    const laborPctBp = exactInteger(pct);
    return [{ location, laborPctBp, vsTargetBp: laborPctBp - BigInt(location.laborTargetBp) }];
  }).sort((a, b) =>
    a.vsTargetBp < b.vsTargetBp
      ? -1
      : a.vsTargetBp > b.vsTargetBp
      ? 1
      : a.location.locationName.localeCompare(b.location.locationName) ||
        a.location.locationId - b.location.locationId
  );
  if (ranked.length <= FULL_RANKING_MAX) return { best: ranked, worst: [] };
  return { best: ranked.slice(0, 3), worst: ranked.slice(-3) };
}

/** How a held alert is named. */
function heldAlertWords(h: FlashHeldAlert): string {
  switch (h.kind) {
    case "over":
    case "critical":
    case "recovered":
      return alertHeadline(h.kind);
    case "sync":
      return "🔄 Figures corrected";
    case "overtime":
      return "⏱️ Overtime ahead";
    case "projected":
      return h.level === "critical" ? "🔴 Projected critical" : "📈 Projected over target";
    default:
      return h.kind;
  }
}

const plural = (n: number | bigint, one: string, many: string) =>
  `${n} ${BigInt(n) === 1n ? one : many}`;

/** `{over: 1, critical: 2}` → "1 over, 2 critical" (in the state machine's order). */
export function alertCountWords(alerts: Record<string, number>): string {
  const order = ["over", "critical", "recovered", "projected", "overtime"];
  const kinds = Object.keys(alerts).filter((k) => alerts[k] > 0).sort((a, b) =>
    (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b)
  );
  return kinds.map((k) => `${alerts[k]} ${k}`).join(", ");
}

/** The data-quality lines with something to say (empty when all is well). */
export function dataQualityLines(q: FlashDataQuality): string[] {
  const lines: string[] = [];
  if (q.punchesWithoutWage > 0) {
    lines.push(`${plural(q.punchesWithoutWage, "punch", "punches")} without a wage`);
  }
  if (q.unknownStaff > 0) {
    lines.push(`${plural(q.unknownStaff, "employee", "employees")} unknown to the pipeline`);
  }
  if (q.punchesNoSales) lines.push("punches but no sales");
  if (q.salesNoPunches) lines.push("sales but no punches");
  return lines;
}

/** Markdown flavour: Slack mrkdwn or Discord markdown. */
interface Markup {
  bold: (s: string) => string;
  escape: (s: string) => string;
}
const SLACK_MARKUP: Markup = { bold: (s) => `*${s}*`, escape: escapeSlack };
const DISCORD_MARKUP: Markup = { bold: (s) => `**${s}**`, escape: escapeDiscord };

/** Labor % against target: "27.45% (target 25.00%, +2.45 pts)". */
function againstTarget(pct: ExactInteger, targetBp: number): string {
  return `${formatBasisPoints(pct)} (target ${formatBasisPoints(targetBp)}, ${
    formatPointsChange(exactInteger(pct) - BigInt(targetBp))
  })`;
}

/** The full paragraph of one location. */
export function locationParagraph(loc: FlashLocation, m: Markup = SLACK_MARKUP): string {
  const lines = [m.bold(m.escape(loc.locationName))];
  const d = loc.day;
  if (!d) {
    lines.push("No sales or punches recorded.");
  } else {
    const overtime = exactInteger(d.overtimeMinutes);
    lines.push(
      `Labor ${
        d.laborPctBp === null ? "— (no sales)" : againstTarget(d.laborPctBp, loc.laborTargetBp)
      }`,
      `Net sales ${formatCents(d.netSalesCents)} · labor cost ${formatCents(d.laborCostCents)}` +
        (exactInteger(d.overtimePremiumCents) > 0n
          ? ` (incl. ${formatCents(d.overtimePremiumCents)} overtime)`
          : "") +
        ` · SPLH ${d.splhCents === null ? "—" : formatCents(d.splhCents)}` +
        (overtime > 0n ? ` · overtime ${formatLaborHours(overtime * 60n)}` : ""),
    );
  }
  const alerts = alertCountWords(loc.alerts);
  const notDelivered = loc.alertsNotDelivered ?? 0;
  if (alerts) {
    lines.push(
      `Alerts: ${alerts}` + (notDelivered > 0 ? ` (${notDelivered} not delivered)` : ""),
    );
  }
  const s = loc.syncCorrections;
  if (s) {
    const missed = [
      s.ordersMissed > 0 ? plural(s.ordersMissed, "order", "orders") : "",
      s.punchesMissed > 0 ? plural(s.punchesMissed, "punch", "punches") : "",
      s.breakEditsMissed > 0 ? plural(s.breakEditsMissed, "break edit", "break edits") : "",
    ].filter(Boolean).join(", ");
    const pct = (bp: ExactInteger | null) => bp === null ? "—" : formatBasisPoints(bp);
    lines.push(
      `Sync corrected ${missed || "figures"} (labor ${pct(s.laborPctBpBefore)} → ${
        pct(s.laborPctBpAfter)
      })`,
    );
  }
  const w = loc.week;
  lines.push(
    `Week to date (from ${formatBusinessDate(w.startDate).replace(/, \d{4}$/, "")}): ` +
      `net sales ${formatCents(w.netSalesCents)} · labor ${formatCents(w.laborCostCents)}` +
      (w.laborPctBp === null ? "" : ` · ${formatBasisPoints(w.laborPctBp)}`),
  );
  for (const line of dataQualityLines(loc.dataQuality)) lines.push(`⚠️ Data: ${line}`);
  if (loc.held.length > 0) {
    lines.push(
      `While you were closed: ` +
        loc.held.map((h) =>
          `${formatLocalTime(h.heldAt, loc.timeZone)} ${heldAlertWords(h)}` +
          (h.laborPctBp === null ? "" : ` at ${formatBasisPoints(h.laborPctBp)}`)
        ).join("; "),
    );
  }
  return lines.join("\n");
}

/** One line per location, for channels with more locations than the full paragraphs fit. */
export function locationLine(loc: FlashLocation, m: Markup = SLACK_MARKUP): string {
  const d = loc.day;
  const figures = !d
    ? "no sales or punches"
    : `${d.laborPctBp === null ? "—" : againstTarget(d.laborPctBp, loc.laborTargetBp)} · ${
      formatCents(d.netSalesCents)
    }`;
  const flags = [
    ...dataQualityLines(loc.dataQuality),
    loc.held.length > 0 ? plural(loc.held.length, "held alert", "held alerts") : "",
  ].filter(Boolean);
  return `${m.bold(m.escape(loc.locationName))}: ${figures}${
    flags.length ? ` · ⚠️ ${flags.join(", ")}` : ""
  }`;
}

/** The summary: totals, the ranking and the pipeline-wide data-quality line. */
export function flashSummaryLines(f: FlashFacts, m: Markup = SLACK_MARKUP): string[] {
  const d = f.details;
  const lines: string[] = [];
  if (d.locations.length > 1) {
    const t = d.totals;
    lines.push(
      `${m.bold(`${d.locations.length} locations`)}: net sales ${formatCents(t.netSalesCents)} · ` +
        `labor cost ${formatCents(t.laborCostCents)}` +
        (t.laborPctBp === null ? "" : ` · labor ${formatBasisPoints(t.laborPctBp)}`) +
        (t.splhCents === null ? "" : ` · SPLH ${formatCents(t.splhCents)}`),
    );
    const { best, worst } = rankLocations(d.locations);
    const entry = (r: RankedLocation, i: number) =>
      `${i}. ${m.escape(r.location.locationName)} ${formatBasisPoints(r.laborPctBp)} (${
        formatPointsChange(r.vsTargetBp)
      })`;
    if (worst.length === 0 && best.length > 0) {
      lines.push(m.bold("Ranking by labor % against target:"));
      best.forEach((r, i) => lines.push(entry(r, i + 1)));
    } else if (worst.length > 0) {
      const total = d.locations.filter((l) => l.day?.laborPctBp != null).length;
      lines.push(m.bold("Best against target:"));
      best.forEach((r, i) => lines.push(entry(r, i + 1)));
      lines.push(m.bold("Worst against target:"));
      worst.forEach((r, i) => lines.push(entry(r, total - 2 + i)));
    }
  }
  const u = d.unmappedEvents;
  if (u.toast + u.sevenshifts > 0) {
    const parts = [
      u.toast > 0 ? `${u.toast} Toast` : "",
      u.sevenshifts > 0 ? `${u.sevenshifts} 7shifts` : "",
    ].filter(Boolean).join(" and ");
    lines.push(
      `⚠️ Data: ${parts} ${
        u.toast + u.sevenshifts === 1 ? "event" : "events"
      } held for unmapped locations`,
    );
  }
  return lines;
}

/** The notification line: "☀️ Morning flash for Fri, Nov 27: 3 locations, labor 26.10%". */
export function flashHeadline(f: FlashFacts, escape: (s: string) => string = (s) => s): string {
  const d = f.details;
  const day = formatBusinessDate(d.businessDate);
  const who = d.locations.length === 1
    ? escape(d.locations[0].locationName)
    : `${d.locations.length} locations`;
  const pct = d.totals.laborPctBp === null
    ? ""
    : `, labor ${formatBasisPoints(d.totals.laborPctBp)}`;
  return `☀️ Morning flash · ${day} · ${who}${pct}`;
}

/**
 * Packs `parts` into chunks of at most `maxChars` (joined by a blank line) and at most
 * `maxChunks`; what does not fit is counted in a last line. Returns the chunks and how many parts
 * were left out.
 */
function pack(
  parts: string[],
  maxChars: number,
  maxChunks: number,
  totalBudget = Infinity,
): { chunks: string[]; omitted: number } {
  const chunks: string[] = [];
  let used = 0;
  let i = 0;
  for (; i < parts.length; i++) {
    const part = truncateText(parts[i], maxChars);
    const last = chunks[chunks.length - 1];
    const sep = "\n\n";
    if (last !== undefined && last.length + sep.length + part.length <= maxChars) {
      if (used + sep.length + part.length > totalBudget) break;
      chunks[chunks.length - 1] = last + sep + part;
      used += sep.length + part.length;
    } else {
      if (chunks.length >= maxChunks || used + part.length > totalBudget) break;
      chunks.push(part);
      used += part.length;
    }
  }
  return { chunks, omitted: parts.length - i };
}

const moreLine = (n: number) => `…and ${plural(n, "more location", "more locations")}.`;

/** The Slack body of a flash. */
export function renderFlashSlack(f: FlashFacts): SlackMessage {
  const L = SLACK_LIMITS;
  const summary = flashSummaryLines(f, SLACK_MARKUP).join("\n");
  // header, summary, divider, context: the rest of the 50 blocks carry the locations.
  const room = L.blocks - 4;
  let packed = pack(
    f.details.locations.map((l) => locationParagraph(l, SLACK_MARKUP)),
    L.sectionTextChars,
    room,
  );
  if (packed.omitted > 0) {
    packed = pack(
      f.details.locations.map((l) => locationLine(l, SLACK_MARKUP)),
      L.sectionTextChars,
      room,
    );
  }
  if (packed.omitted > 0) {
    // The last section says how many are left out (it has room: lines are short).
    packed = pack(
      f.details.locations.map((l) => locationLine(l, SLACK_MARKUP)),
      L.sectionTextChars - 60,
      room,
    );
    packed.chunks[packed.chunks.length - 1] += `\n${moreLine(packed.omitted)}`;
  }
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: truncateText(flashHeadline(f), L.headerChars),
        emoji: true,
      },
    },
  ];
  if (summary) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: truncateText(summary, L.sectionTextChars) },
    });
  }
  blocks.push({ type: "divider" });
  for (const chunk of packed.chunks) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: chunk } });
  }
  blocks.push({
    type: "context",
    elements: [{
      type: "mrkdwn",
      text: truncateText(
        `Yesterday = business day ${
          formatBusinessDate(f.details.businessDate)
        } · Flash #${f.alertId}`,
        L.contextElementChars,
      ),
    }],
  });
  return { text: truncateText(flashHeadline(f, escapeSlack), L.textTargetChars), blocks };
}

/**
 * The Discord body of a flash: one embed, the summary as its description and the locations in up
 * to 25 fields, within the 6,000-character total of an embed.
 */
export function renderFlashDiscord(f: FlashFacts): DiscordMessage {
  const L = DISCORD_LIMITS;
  const title = truncateText(flashHeadline(f), L.titleChars);
  const description = truncateText(
    flashSummaryLines(f, DISCORD_MARKUP).join("\n") ||
      `Business day ${formatBusinessDate(f.details.businessDate)}`,
    L.descriptionChars,
  );
  const footer = truncateText(`Flash #${f.alertId}`, L.footerChars);
  // A field needs a name; a zero-width space reads as none (1 character of the total each).
  const fieldName = "\u200b";
  const budget = L.totalChars - title.length - description.length - footer.length - L.fields;
  const attempt = (parts: string[], reserve: number) =>
    pack(parts, L.fieldValueChars, L.fields - (reserve > 0 ? 1 : 0), budget - reserve);
  let packed = attempt(f.details.locations.map((l) => locationParagraph(l, DISCORD_MARKUP)), 0);
  if (packed.omitted > 0) {
    packed = attempt(f.details.locations.map((l) => locationLine(l, DISCORD_MARKUP)), 0);
  }
  if (packed.omitted > 0) {
    packed = attempt(f.details.locations.map((l) => locationLine(l, DISCORD_MARKUP)), 60);
    packed.chunks.push(moreLine(packed.omitted));
  }
  const embed: DiscordEmbed = {
    title,
    description,
    color: FLASH_COLOUR.rgb,
    fields: packed.chunks.map((value) => ({ name: fieldName, value, inline: false })),
    footer: { text: footer },
    timestamp: new Date(f.metricsAsOf).toISOString(),
  };
  return {
    content: truncateText(flashHeadline(f, escapeDiscord), L.contentChars),
    embeds: [embed],
    allowed_mentions: { parse: [] },
  };
}
