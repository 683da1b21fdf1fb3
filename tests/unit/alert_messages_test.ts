import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type AlertFacts,
  type AlertKind,
  DISCORD_LIMITS,
  discordMessageProblems,
  formatBasisPoints,
  formatBusinessDate,
  formatCents,
  formatCentsChange,
  formatLaborHours,
  formatLocalTime,
  formatPointsChange,
  type OvertimeNoticeFacts,
  type ProjectionAlertFacts,
  projectionSentence,
  renderDiscordMessage,
  renderSlackMessage,
  SLACK_LIMITS,
  slackMessageProblems,
  type SyncNoticeFacts,
  syncNoticeSentence,
  truncateText,
} from "../../shared/alert_messages.ts";
import { centsToDecimalText } from "../../shared/money.ts";
import { describeDiscordMessage, describeSlackMessage } from "../../local/channel_receiver.ts";
import { withSeed } from "../_support/property.ts";
import { flashSample } from "../_support/flash_sample.ts";
import { renderFlashDiscord, renderFlashSlack } from "../../shared/flash_messages.ts";

/** The three samples shown in docs/alert-samples.md: one day going over, critical, back. */
const overSample: AlertFacts = {
  alertId: 101,
  kind: "over",
  fromState: "ok",
  locationName: "Downtown Bistro",
  timeZone: "America/New_York",
  businessDate: "2026-11-27",
  laborPctBp: 2745,
  laborTargetBp: 2500,
  criticalThresholdBp: 3000,
  recoveryThresholdBp: 2400,
  netSalesCents: 245000,
  laborCostCents: 67253,
  paidLaborSeconds: 153000,
  cplhCents: 1582,
  splhCents: 5765,
  openPunchCount: 3,
  metricsAsOf: "2026-11-28T01:42:10Z",
  createdAt: "2026-11-28T01:42:10Z",
  previous: null,
  projection: { status: "insufficient_history", candidateCount: 2 },
};

const criticalSample: AlertFacts = {
  ...overSample,
  alertId: 102,
  kind: "critical",
  fromState: "over",
  laborPctBp: 3120,
  netSalesCents: 245000,
  laborCostCents: 76440,
  paidLaborSeconds: 172800,
  cplhCents: 1593,
  splhCents: 5104,
  openPunchCount: 5,
  metricsAsOf: "2026-11-28T02:10:00Z",
  createdAt: "2026-11-28T02:10:00Z",
  projection: {
    status: "ok",
    candidateCount: 5,
    typicalShareBp: 7150,
    remainingSeconds: 30600,
    remainingCostCents: 15300,
    remainingOvertimePremiumCents: 0,
    projectedNetSalesCents: 342657,
    projectedLaborCostCents: 91740,
    projectedLaborPctBp: 2677,
  },
  previous: {
    kind: "over",
    laborPctBp: 2745,
    netSalesCents: 245000,
    laborCostCents: 67253,
    paidLaborSeconds: 153000,
    metricsAsOf: "2026-11-28T01:42:10Z",
    createdAt: "2026-11-28T01:42:10Z",
  },
};

const recoveredSample: AlertFacts = {
  ...overSample,
  alertId: 103,
  kind: "recovered",
  fromState: "critical",
  laborPctBp: 2380,
  netSalesCents: 361250,
  laborCostCents: 85978,
  paidLaborSeconds: 189000,
  cplhCents: 1638,
  splhCents: 6881,
  openPunchCount: 0,
  metricsAsOf: "2026-11-28T04:05:00Z",
  createdAt: "2026-11-28T04:05:00Z",
  previous: {
    kind: "critical",
    laborPctBp: 3120,
    netSalesCents: 245000,
    laborCostCents: 76440,
    paidLaborSeconds: 172800,
    metricsAsOf: "2026-11-28T02:10:00Z",
    createdAt: "2026-11-28T02:10:00Z",
  },
};

const samples = [overSample, criticalSample, recoveredSample];

/**
 * A projection alert worked by hand (docs/projection.md's example; tests/unit/projection_test.ts
 * derives the same figures from the day's rows): 5 PM in New York, $892.80 of sales and $279.87
 * of labor so far, 8.75 h at $17.50 still scheduled, a typical Friday 60 % done.
 */
const projectedSample: ProjectionAlertFacts = {
  alertId: 104,
  kind: "projected",
  locationName: "Downtown Bistro",
  timeZone: "America/New_York",
  businessDate: "2026-11-27",
  laborPctBp: 3135,
  laborTargetBp: 2500,
  criticalThresholdBp: 3000,
  netSalesCents: 89280,
  laborCostCents: 27987,
  metricsAsOf: "2026-11-27T22:00:00Z",
  createdAt: "2026-11-27T22:00:00Z",
  details: {
    level: "projected",
    fromState: "none",
    projectionMarginBp: 100,
    projection: {
      status: "ok",
      candidateCount: 3,
      typicalShareBp: 6000,
      remainingSeconds: 31500,
      remainingCostCents: 15313,
      remainingOvertimePremiumCents: 0,
      projectedNetSalesCents: 148800,
      projectedLaborCostCents: 43300,
      projectedLaborPctBp: 2910,
    },
    hint: {
      targetCostCents: 37200,
      excessCents: 6100,
      sellMoreCents: 24400,
      cutMinutes: 210,
      cutPossible: true,
      cutSavingCents: 6125,
      cutBefore: "2026-11-28T01:00:00.000Z",
    },
  },
};

/** Projected critical late in the day: even sending everyone home cannot land on target. */
const projectedCriticalSample: ProjectionAlertFacts = {
  ...projectedSample,
  alertId: 105,
  laborPctBp: 3610,
  netSalesCents: 120000,
  laborCostCents: 43320,
  metricsAsOf: "2026-11-28T02:30:00Z",
  createdAt: "2026-11-28T02:30:00Z",
  details: {
    level: "critical",
    fromState: "projected",
    projectionMarginBp: 100,
    projection: {
      status: "ok",
      candidateCount: 4,
      typicalShareBp: 9200,
      remainingSeconds: 9000,
      remainingCostCents: 4375,
      remainingOvertimePremiumCents: 1094,
      projectedNetSalesCents: 130435,
      projectedLaborCostCents: 48789,
      projectedLaborPctBp: 3740,
    },
    hint: {
      targetCostCents: 32609,
      excessCents: 16180,
      sellMoreCents: 64721,
      cutMinutes: 555,
      cutPossible: false,
    },
  },
};

/** A vendor sync's notice: the webhooks missed orders, punches and a break edit yesterday. */
const syncSample: SyncNoticeFacts = {
  alertId: 104,
  kind: "sync",
  locationName: "Downtown Bistro",
  timeZone: "America/New_York",
  businessDate: "2026-11-27",
  metricsAsOf: "2026-11-28T15:10:04Z",
  createdAt: "2026-11-28T15:10:04Z",
  details: {
    runId: 58,
    runKind: "hourly",
    ordersMissed: 12,
    punchesMissed: 2,
    breakEditsMissed: 1,
    todayBusinessDate: "2026-11-28",
    days: [{
      businessDate: "2026-11-27",
      before: { laborPctBp: 2410, netSalesCents: 261_000, laborCostCents: 62_901 },
      after: { laborPctBp: 2630, netSalesCents: 279_050, laborCostCents: 73_390 },
    }],
  },
};

/** An approaching-overtime notice: 39.3 h this week, overtime in 42 minutes. */
const overtimeSample: OvertimeNoticeFacts = {
  alertId: 105,
  kind: "overtime",
  locationName: "Downtown Bistro",
  timeZone: "America/New_York",
  businessDate: "2026-11-27",
  metricsAsOf: "2026-11-27T20:53:00Z",
  createdAt: "2026-11-27T20:53:00Z",
  details: {
    userId: 40001,
    employeeName: "Avery Q.",
    rule: "weekly",
    thresholdSeconds: 144_000,
    multiplierPct: 150,
    currentMultiplierPct: 100,
    startsAt: "2026-11-27T21:35:00Z",
    weekPaidSeconds: 141_480,
    hourlyWageCents: "1812.5",
  },
};

Deno.test("alert messages: a projection alert says what the day will close at and what lands it on target, on both channels", () => {
  const sentence = "Projected 29.1 % at close (target 25 %). To land on target: cut 3.5 labor " +
    "hours before 8 PM (≈ $61), or sell $244 more.";
  const slack = renderSlackMessage(projectedSample);
  assert.equal(slack.text, `📈 Projected over target: Downtown Bistro. ${sentence}`);
  assert.deepEqual(slackMessageProblems(slack), []);
  const discord = renderDiscordMessage(projectedSample);
  assert.equal(discord.content, `📈 Projected over target: Downtown Bistro. ${sentence}`);
  assert.equal(discord.embeds[0]!.color, 0xf2a900);
  assert.deepEqual(discordMessageProblems(discord), []);
  assert.match(discord.embeds[0]!.footer.text, /^A typical Fri has done 60% of its sales by now/);

  // No cut lands on target: the message says so and offers the sales figure only.
  const critical = renderSlackMessage(projectedCriticalSample);
  assert.equal(
    critical.text,
    "🔴 Projected critical: Downtown Bistro. Projected 37.4 % at close (target 25 %). No cut " +
      "of the shifts still to run lands on target: sell $647 more.",
  );
  assert.equal(renderDiscordMessage(projectedCriticalSample).embeds[0]!.color, 0xd93025);
  // "Overtime it adds" shows only when the remaining work causes some.
  assert.ok(JSON.stringify(critical).includes("Overtime it adds"));
  assert.ok(!JSON.stringify(slack).includes("Overtime it adds"));

  // A cut that has to start now, and a day with nothing left to cut.
  const now = {
    ...projectedSample.details.hint,
    cutBefore: projectedSample.metricsAsOf,
    cutNow: true,
  };
  assert.match(
    projectionSentence(
      { ...projectedSample.details, hint: now },
      2500,
      "America/New_York",
    ),
    /cut 3\.5 labor hours now \(≈ \$61\)/,
  );
  // One hour is one labor hour.
  assert.match(
    projectionSentence(
      { ...projectedSample.details, hint: { ...now, cutMinutes: 60 } },
      2500,
      "America/New_York",
    ),
    /cut 1 labor hour now \(≈ \$61\)/,
  );
  const nothing = { ...projectedSample.details.hint, cutPossible: false, cutMinutes: undefined };
  assert.match(
    projectionSentence(
      { ...projectedSample.details, hint: nothing },
      2500,
      "America/New_York",
    ),
    /\(target 25 %\)\. No cut of the shifts still to run lands on target: sell \$244 more\.$/,
  );
});

Deno.test("alert messages: an over or critical alert carries the projection line, or says why there is none yet", () => {
  const over = renderSlackMessage(overSample);
  const section = (m: typeof over) =>
    m.blocks[1]!.type === "section" ? m.blocks[1]!.text!.text : "";
  assert.match(section(over), /\nNo projection yet: 2 of 3 same weekdays recorded\.\n/);
  assert.match(
    renderDiscordMessage(criticalSample).embeds[0]!.description,
    /\nProjected 26\.8 % at close \(sales \$3,427, labor \$917\)\.\n/,
  );
  // Nothing for a recovered alert, or one without a projection (a closed day's).
  assert.doesNotMatch(section(renderSlackMessage(recoveredSample)), /rojection/);
  assert.doesNotMatch(
    section(renderSlackMessage({ ...overSample, projection: null })),
    /rojection/,
  );
  assert.match(
    section(
      renderSlackMessage({
        ...overSample,
        projection: { status: "no_schedule", candidateCount: 4 },
      }),
    ),
    /No projection: no published schedule for today\./,
  );
});

Deno.test("alert messages: an overtime notice says who, when, and what each hour will cost, on both channels", () => {
  const slack = renderSlackMessage(overtimeSample);
  assert.equal(
    slack.text,
    "⏱️ Avery Q. reaches overtime at 4:35 PM EST (in 42 min) at Downtown Bistro: 39.3 h this " +
      "week; from then on each hour costs $27.19 (150%, $9.06 more)",
  );
  assert.deepEqual(slackMessageProblems(slack), []);
  const discord = renderDiscordMessage(overtimeSample);
  assert.deepEqual(discordMessageProblems(discord), []);
  assert.equal(discord.embeds[0]!.color, 0x8e44ad);
  // Daily: a California day reaching 12 hours, already at time and a half.
  const daily = renderSlackMessage({
    ...overtimeSample,
    details: {
      ...overtimeSample.details,
      rule: "daily",
      thresholdSeconds: 43_200,
      multiplierPct: 200,
      currentMultiplierPct: 150,
      hourlyWageCents: "2000",
    },
  });
  assert.match(
    daily.text,
    /^⏱️ Avery Q\. reaches 12 hours today at 4:35 PM EST \(in 42 min\) at Downtown Bistro; from then on each hour costs \$40\.00 \(200%, \$10\.00 more\)$/,
  );
  // Names are escaped like every other text.
  const tricky = renderSlackMessage({
    ...overtimeSample,
    details: { ...overtimeSample.details, employeeName: "<!channel> Bo" },
  });
  assert.ok(!JSON.stringify(tricky).includes("<!channel>"));
});

Deno.test("alert messages: money is formatted from cents exactly, with thousands separators", () => {
  assert.equal(formatCents(0), "$0.00");
  assert.equal(formatCents(5), "$0.05");
  assert.equal(formatCents(123456), "$1,234.56");
  assert.equal(formatCents(100000000), "$1,000,000.00");
  assert.equal(formatCents(-50), "-$0.50");
  assert.equal(formatCentsChange(35000), "+$350.00");
  assert.equal(formatCentsChange(0), "±$0.00");
  assert.equal(formatCentsChange(-1), "-$0.01");
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), (cents) => {
      const text = formatCents(cents);
      assert.equal(text.replace("$", "").replaceAll(",", ""), centsToDecimalText(cents));
      assert.match(text, /^-?\$\d{1,3}(,\d{3})*\.\d{2}$/);
    }),
    withSeed({ seed: 4242, numRuns: 500 }),
  );
});

Deno.test("alert messages: percentages, points, hours and dates", () => {
  assert.equal(formatBasisPoints(2500), "25.00%");
  assert.equal(formatBasisPoints(2745), "27.45%");
  assert.equal(formatBasisPoints(5), "0.05%");
  assert.equal(formatBasisPoints(12345), "123.45%");
  assert.equal(formatPointsChange(510), "+5.10 pts");
  assert.equal(formatPointsChange(-35), "-0.35 pts");
  assert.equal(formatLaborHours(153000), "42.5 h");
  assert.equal(formatLaborHours(0), "0.0 h");
  assert.equal(formatLaborHours(179), "0.0 h"); // 0.497 tenths
  assert.equal(formatLaborHours(180), "0.1 h"); // exactly half a tenth rounds away from zero
  assert.equal(formatBusinessDate("2026-11-27"), "Fri, Nov 27, 2026");
  assert.equal(formatBusinessDate("2024-02-29"), "Thu, Feb 29, 2024");
  assert.equal(formatLocalTime("2026-11-28T01:42:10Z", "America/New_York"), "8:42 PM EST");
  assert.equal(formatLocalTime("2026-07-01T16:05:00Z", "America/Los_Angeles"), "9:05 AM PDT");
  assert.throws(() => formatBusinessDate("27/11/2026"), RangeError);
  fc.assert(
    fc.property(
      fc.date({ min: new Date("2000-01-01"), max: new Date("2100-12-31"), noInvalidDate: true }),
      (d) => {
        const iso = d.toISOString().slice(0, 10);
        const text = formatBusinessDate(iso);
        assert.ok(text.startsWith(d.toUTCString().slice(0, 3)), `${iso} → ${text}`);
        assert.ok(text.endsWith(`, ${d.getUTCFullYear()}`));
      },
    ),
    withSeed({ seed: 99, numRuns: 300 }),
  );
});

Deno.test("alert messages: truncation respects the limit and never splits a character", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), fc.integer({ min: 2, max: 200 }), (
      s,
      max,
    ) => {
      const out = truncateText(s, max);
      assert.ok(out.length <= max);
      if (s.length <= max) assert.equal(out, s);
      else assert.ok(out.endsWith("…"));
      // No lone surrogate: a well-formed string round-trips through UTF-8 unchanged.
      assert.equal(new TextDecoder().decode(new TextEncoder().encode(out)), out);
    }),
    withSeed({ seed: 7, numRuns: 300 }),
  );
});

Deno.test("alert messages: the critical Slack body is pinned", () => {
  assert.deepEqual(renderSlackMessage(criticalSample), {
    text:
      "🔴 Labor critical: Downtown Bistro is at 31.20% labor (target 25.00%) · Fri, Nov 27, 2026",
    blocks: [
      {
        type: "header",
        text: { type: "plain_text", text: "🔴 Labor critical · Downtown Bistro", emoji: true },
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "*Labor is 31.20% of net sales*, above the 30.00% critical line (target 25.00%)." +
            "\nProjected 26.8 % at close (sales $3,427, labor $917)." +
            "\nBusiness day *Fri, Nov 27, 2026* · figures as of 9:10 PM EST",
        },
      },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: "*Net sales*\n$2,450.00" },
          { type: "mrkdwn", text: "*Labor cost*\n$764.40" },
          { type: "mrkdwn", text: "*Labor hours*\n48.0 h" },
          { type: "mrkdwn", text: "*CPLH (cost per labor hour)*\n$15.93" },
          { type: "mrkdwn", text: "*SPLH (sales per labor hour)*\n$51.04" },
          { type: "mrkdwn", text: "*Open punches*\n5" },
        ],
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "*Since the over alert at 8:42 PM EST:*\n" +
            "• labor 27.45% → 31.20% (+3.75 pts)\n" +
            "• net sales $2,450.00 → $2,450.00 (±$0.00)\n" +
            "• labor cost $672.53 → $764.40 (+$91.87)\n" +
            "• labor hours 42.5 h → 48.0 h (+5.5 h)",
        },
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: "Alert #102 · Downtown Bistro" }],
      },
    ],
  });
});

Deno.test("alert messages: the critical Discord body is pinned", () => {
  assert.deepEqual(renderDiscordMessage(criticalSample), {
    content:
      "🔴 Labor critical: Downtown Bistro is at 31.20% labor (target 25.00%) · Fri, Nov 27, 2026",
    embeds: [{
      title: "🔴 Labor critical · Downtown Bistro",
      description: "**Labor is 31.20% of net sales**, above the 30.00% critical line " +
        "(target 25.00%).\nProjected 26.8 % at close (sales $3,427, labor $917)." +
        "\nBusiness day **Fri, Nov 27, 2026** · figures as of 9:10 PM EST",
      color: 0xd93025,
      fields: [
        { name: "Net sales", value: "$2,450.00", inline: true },
        { name: "Labor cost", value: "$764.40", inline: true },
        { name: "Labor hours", value: "48.0 h", inline: true },
        { name: "CPLH (cost per labor hour)", value: "$15.93", inline: true },
        { name: "SPLH (sales per labor hour)", value: "$51.04", inline: true },
        { name: "Open punches", value: "5", inline: true },
        {
          name: "Since the over alert at 8:42 PM EST",
          value: "• labor 27.45% → 31.20% (+3.75 pts)\n" +
            "• net sales $2,450.00 → $2,450.00 (±$0.00)\n" +
            "• labor cost $672.53 → $764.40 (+$91.87)\n" +
            "• labor hours 42.5 h → 48.0 h (+5.5 h)",
          inline: false,
        },
      ],
      footer: { text: "Alert #102" },
      timestamp: "2026-11-28T02:10:00.000Z",
    }],
    allowed_mentions: { parse: [] },
  });
});

Deno.test("alert messages: recovery says so plainly; a first alert says it is the first", () => {
  const slack = renderSlackMessage(recoveredSample);
  assert.match(slack.text, /^✅ Back on labor target: Downtown Bistro is back to 23\.80% labor/);
  const readable = describeSlackMessage(slack);
  assert.match(readable, /Back on target: labor is 23\.80% of net sales/);
  assert.match(readable, /No action needed\./);
  assert.match(readable, /Since the critical alert at 9:10 PM EST/);
  const discord = renderDiscordMessage(recoveredSample);
  assert.equal(discord.embeds[0].color, 0x2e9e5b);
  assert.match(describeDiscordMessage(discord), /\[green bar\] # ✅ Back on labor target/);
  assert.match(describeSlackMessage(renderSlackMessage(overSample)), /First alert for this/);
});

Deno.test("alert messages: the times a message names are the figures' clock, not when the row was written", () => {
  // A replayed day (the demo's replay clock): figures of 3:40 PM CST, rows written at 10:33 AM.
  const replayed: AlertFacts = {
    ...recoveredSample,
    timeZone: "America/Chicago",
    metricsAsOf: "2026-11-27T21:40:00Z",
    createdAt: "2026-11-28T16:33:00Z",
    previous: {
      ...recoveredSample.previous!,
      metricsAsOf: "2026-11-27T20:05:00Z",
      createdAt: "2026-11-28T16:32:58Z",
    },
  };
  for (
    const readable of [
      describeSlackMessage(renderSlackMessage(replayed)),
      describeDiscordMessage(renderDiscordMessage(replayed)),
    ]
  ) {
    assert.match(readable, /figures as of 3:40 PM CST/);
    assert.match(readable, /Since the critical alert at 2:05 PM CST/);
    assert.doesNotMatch(readable, /10:3\d AM/);
  }
});

Deno.test("alert messages: names are escaped for Slack and Discord and never ping", () => {
  const tricky = { ...overSample, locationName: "A&B <!channel> *Grill* @everyone" };
  const slack = renderSlackMessage(tricky);
  assert.match(slack.text, /A&amp;B &lt;!channel&gt; \*Grill\*/);
  const discord = renderDiscordMessage(tricky);
  assert.match(discord.content, /A&B <!channel\\> \\\*Grill\\\* @everyone/);
  assert.deepEqual(discord.allowed_mentions, { parse: [] });
});

/** Arbitrary alerts: any name a location can have (1-200 chars), any figures. */
const arbitraryAlert: fc.Arbitrary<AlertFacts> = fc.record({
  alertId: fc.integer({ min: 1, max: 2 ** 40 }),
  kind: fc.constantFrom<AlertKind>("over", "critical", "recovered"),
  fromState: fc.constantFrom("ok" as const, "over" as const, "critical" as const),
  locationName: fc.string({ unit: "grapheme", minLength: 1, maxLength: 200 }),
  timeZone: fc.constantFrom("America/New_York", "America/Chicago", "Pacific/Honolulu", "UTC"),
  businessDate: fc.date({
    min: new Date("2020-01-01"),
    max: new Date("2035-12-31"),
    noInvalidDate: true,
  }).map((d) => d.toISOString().slice(0, 10)),
  laborPctBp: fc.integer({ min: 0, max: 10_000_000 }),
  laborTargetBp: fc.integer({ min: 1, max: 10_000 }),
  criticalThresholdBp: fc.integer({ min: 1, max: 20_000 }),
  recoveryThresholdBp: fc.integer({ min: 0, max: 10_000 }),
  netSalesCents: fc.integer({ min: -(10 ** 12), max: 10 ** 12 }),
  laborCostCents: fc.integer({ min: 0, max: 10 ** 12 }),
  paidLaborSeconds: fc.integer({ min: 0, max: 10 ** 9 }),
  cplhCents: fc.option(fc.integer({ min: 0, max: 10 ** 9 })),
  splhCents: fc.option(fc.integer({ min: -(10 ** 9), max: 10 ** 9 })),
  openPunchCount: fc.integer({ min: 0, max: 10_000 }),
  metricsAsOf: fc.date({
    min: new Date("2020-01-01"),
    max: new Date("2035-12-31"),
    noInvalidDate: true,
  }).map((d) => d.toISOString()),
  createdAt: fc.constant("2026-11-28T02:10:00Z"),
  previous: fc.option(fc.record({
    kind: fc.constantFrom<AlertKind>("over", "critical", "recovered"),
    laborPctBp: fc.integer({ min: 0, max: 10_000_000 }),
    netSalesCents: fc.integer({ min: -(10 ** 12), max: 10 ** 12 }),
    laborCostCents: fc.integer({ min: 0, max: 10 ** 12 }),
    paidLaborSeconds: fc.integer({ min: 0, max: 10 ** 9 }),
    metricsAsOf: fc.constant("2026-11-28T01:00:00Z"),
    createdAt: fc.constant("2026-11-28T01:00:00Z"),
  })),
});

Deno.test("alert messages: every rendered body fits Slack's and Discord's documented limits", () => {
  fc.assert(
    fc.property(arbitraryAlert, (alert) => {
      const slack = renderSlackMessage(alert);
      const discord = renderDiscordMessage(alert);
      assert.deepEqual(slackMessageProblems(slack), []);
      assert.deepEqual(discordMessageProblems(discord), []);
      assert.ok(slack.text.length <= SLACK_LIMITS.textTargetChars);
      assert.ok(JSON.stringify(slack).length < 8000, "short enough to read on a phone");
      // Every fact is in both bodies.
      const slackText = JSON.stringify(slack);
      const discordText = JSON.stringify(discord);
      for (
        const fact of [
          formatBasisPoints(alert.laborPctBp),
          formatBasisPoints(alert.laborTargetBp),
          formatCents(alert.netSalesCents),
          formatCents(alert.laborCostCents),
          formatLaborHours(alert.paidLaborSeconds),
          formatBusinessDate(alert.businessDate),
        ]
      ) {
        assert.ok(slackText.includes(fact), `Slack body lacks ${fact}`);
        assert.ok(discordText.includes(fact), `Discord body lacks ${fact}`);
      }
    }),
    withSeed({ seed: 20261128, numRuns: 400 }),
  );
});

Deno.test("alert messages: the limit checkers catch bodies that break the limits", () => {
  const slack = renderSlackMessage(overSample);
  const tooMany = {
    ...slack,
    blocks: Array.from({ length: SLACK_LIMITS.blocks + 1 }, () => slack.blocks[1]),
  };
  assert.match(slackMessageProblems(tooMany).join(), /more than 50 blocks/);
  const longSection = structuredClone(slack);
  longSection.blocks[1] = {
    type: "section",
    text: { type: "mrkdwn", text: "x".repeat(SLACK_LIMITS.sectionTextChars + 1) },
  };
  assert.match(slackMessageProblems(longSection).join(), /section text longer than 3000/);
  const discord = renderDiscordMessage(overSample);
  const bloated = structuredClone(discord);
  bloated.embeds[0].fields = Array.from({ length: DISCORD_LIMITS.fields + 1 }, () => ({
    name: "n".repeat(200),
    value: "v".repeat(1000),
  }));
  const problems = discordMessageProblems(bloated).join();
  assert.match(problems, /more than 25 fields/);
  assert.match(problems, /total \d+ > 6000/);
  const longContent = { ...discord, content: "c".repeat(DISCORD_LIMITS.contentChars + 1) };
  assert.match(discordMessageProblems(longContent).join(), /content longer than 2000/);
});

/** docs/alert-samples.md, built from the renderers (so the README never shows stale text). */
function samplesMarkdown(): string {
  // Prose is pre-wrapped at deno fmt's line width so `deno fmt --check` leaves the file alone.
  const wrap = (text: string) => {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(" ")) {
      if (line && line.length + 1 + word.length > 100) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    return [...lines, line].join("\n");
  };
  const out: string[] = [
    "# Alert message samples",
    "",
    wrap(
      "What operators see when a location's labor runs over target, goes critical and comes " +
        "back on the same business day, when the hourly vendor sync finds data the webhooks " +
        "missed, when an employee on the clock is about to reach overtime, when the day's " +
        "projected close runs over target, and the morning flash about yesterday. Generated " +
        "from `shared/alert_messages.ts` and `shared/flash_messages.ts` by " +
        "`tests/unit/alert_messages_test.ts`, which fails when this file is stale. The readable " +
        "form is what `local/channel_receiver.ts` prints for each message it receives. " +
        "Regenerate with:",
    ),
    "",
    "```sh",
    "npm run alert-samples",
    "```",
    "",
    wrap(
      "Defaults behind these samples: target 25.00 %, critical margin 5 points (critical " +
        "above 30.00 %), recovery once labor falls back to the target minus 1 point while the " +
        "day is open (24.00 %), and no alert before the day's net sales reach $500.00.",
    ),
    "",
  ];
  const entries: Array<{ title: string; slack: unknown; discord: unknown }> = [
    ...samples,
    syncSample,
    overtimeSample,
    projectedSample,
    projectedCriticalSample,
  ].map((alert) => ({
    title: {
      over: "Over target",
      critical: "Critical",
      recovered: "Recovered",
      sync: "Webhooks missed: figures corrected by the vendor sync",
      overtime: "Overtime ahead: an employee on the clock reaches overtime within the hour",
      projected: alert.kind === "projected" && alert.details.level === "critical"
        ? "Projected critical: no cut of the remaining shifts lands on target"
        : "Projected over target, with the fix in it",
    }[alert.kind],
    slack: renderSlackMessage(alert),
    discord: renderDiscordMessage(alert),
  }));
  entries.push({
    title: "Morning flash: yesterday at two locations, one alert held during quiet hours",
    slack: renderFlashSlack(flashSample),
    discord: renderFlashDiscord(flashSample),
  });
  for (const { title, slack, discord } of entries) {
    out.push(
      `## ${title}`,
      "",
      "### Slack, as read in the channel",
      "",
      "```text",
      describeSlackMessage(slack),
      "```",
      "",
      "### Discord, as read in the channel",
      "",
      "```text",
      describeDiscordMessage(discord),
      "```",
      "",
      "<details><summary>Slack body (JSON posted to the incoming webhook)</summary>",
      "",
      "```json",
      JSON.stringify(slack, null, 2),
      "```",
      "",
      "</details>",
      "",
      "<details><summary>Discord body (JSON posted to the webhook)</summary>",
      "",
      "```json",
      JSON.stringify(discord, null, 2),
      "```",
      "",
      "</details>",
      "",
    );
  }
  return out.join("\n");
}

Deno.test("alert messages: a sync notice says what the webhooks missed and how the figures moved, within both services' limits", () => {
  assert.equal(
    syncNoticeSentence(syncSample),
    "Webhooks missed 12 orders, 2 punches and 1 break edit at Downtown Bistro yesterday; " +
      "figures corrected: labor 24.10% → 26.30%",
  );
  const slack = renderSlackMessage(syncSample);
  const discord = renderDiscordMessage(syncSample);
  assert.deepEqual(slackMessageProblems(slack), []);
  assert.deepEqual(discordMessageProblems(discord), []);
  const read = describeSlackMessage(slack);
  assert.match(
    read,
    /Fri, Nov 27, 2026: labor 24\.10% → 26\.30% · net sales \$2,610\.00 → \$2,790\.50/,
  );
  assert.match(read, /Alert #104/);
  assert.match(describeDiscordMessage(discord), /\[blue bar\]/);

  // Several days, punches, none missing a figure: every phrase still reads.
  const many: SyncNoticeFacts = {
    ...syncSample,
    businessDate: "2026-11-21",
    details: {
      ...syncSample.details,
      ordersMissed: 1,
      punchesMissed: 3,
      breakEditsMissed: 0,
      days: Array.from({ length: 12 }, (_, i) => ({
        businessDate: `2026-11-${String(16 + i).padStart(2, "0")}`,
        before: { laborPctBp: null, netSalesCents: 0, laborCostCents: 1000 * i },
        after: { laborPctBp: 2000 + i, netSalesCents: 100_000, laborCostCents: 1000 * i },
      })),
    },
  };
  assert.equal(
    syncNoticeSentence(many),
    "Webhooks missed 1 order and 3 punches at Downtown Bistro over 12 days; figures corrected: " +
      "labor — → 20.05% on Sat, Nov 21",
  );
  const manySlack = renderSlackMessage(many);
  assert.deepEqual(slackMessageProblems(manySlack), []);
  assert.deepEqual(discordMessageProblems(renderDiscordMessage(many)), []);
  assert.match(describeSlackMessage(manySlack), /\(4 earlier days\)/);
  // A hostile name is escaped and pings nobody.
  const hostile = { ...syncSample, locationName: "<!channel> *Bistro* @everyone" };
  const hostileSlack = renderSlackMessage(hostile);
  const mrkdwn = [
    hostileSlack.text,
    ...hostileSlack.blocks.flatMap((b) =>
      b.type === "section" && b.text
        ? [b.text.text]
        : b.type === "context"
        ? b.elements.map((e) => e.text)
        : []
    ),
  ];
  assert.ok(mrkdwn.every((t) => !t.includes("<!channel>")), "escaped wherever Slack parses it");
  assert.deepEqual(renderDiscordMessage(hostile).allowed_mentions, { parse: [] });
});

Deno.test("alert messages: docs/alert-samples.md shows the current rendering", async () => {
  const path = new URL("../../docs/alert-samples.md", import.meta.url);
  const expected = samplesMarkdown();
  if (Deno.env.get("UPDATE_ALERT_SAMPLES") === "1") await Deno.writeTextFile(path, expected);
  assert.equal(await Deno.readTextFile(path), expected);
});

Deno.test("alert messages: figures past 2^53 (sent as decimal text) are shown exactly, never thrown", () => {
  assert.equal(formatCents("1152921504606846976"), "$11,529,215,046,068,469.76");
  assert.equal(formatCents("-9007199254740993"), "-$90,071,992,547,409.93");
  assert.equal(formatCentsChange("9007199254740993"), "+$90,071,992,547,409.93");
  assert.equal(formatBasisPoints("4611686018427387904"), "46116860184273879.04%");
  assert.equal(formatLaborHours("9007199254740993"), "2501999792983.6 h"); // ÷ 3600
  // A number past 2^53 is shown as the value it holds rather than failing the alert.
  assert.equal(formatCents(2 ** 60), "$11,529,215,046,068,469.76");
  const huge: AlertFacts = {
    ...overSample,
    netSalesCents: "1152921504606846976",
    laborCostCents: "36028797018963968",
    cplhCents: "9007199254740993",
    previous: {
      kind: "over",
      metricsAsOf: "2026-11-27T19:00:00Z",
      createdAt: "2026-11-27T19:00:00Z",
      laborPctBp: 2600,
      netSalesCents: "1152921504606846975",
      laborCostCents: 100,
      paidLaborSeconds: 150_000,
    },
  };
  const slack = JSON.stringify(renderSlackMessage(huge));
  assert.ok(slack.includes("$11,529,215,046,068,469.76 (+$0.01)"), slack);
  assert.ok(slack.includes("$360,287,970,189,639.68"));
  assert.deepEqual(discordMessageProblems(renderDiscordMessage(huge)), []);
  assert.throws(() => formatCents("12.5"), RangeError, "a fraction is a bug, not a figure");
});
