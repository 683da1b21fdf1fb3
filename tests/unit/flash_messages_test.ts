import assert from "node:assert/strict";
import { discordMessageProblems, slackMessageProblems } from "../../shared/alert_messages.ts";
import {
  dataQualityLines,
  type FlashFacts,
  type FlashLocation,
  rankLocations,
  renderFlashDiscord,
  renderFlashSlack,
} from "../../shared/flash_messages.ts";
import { describeDiscordMessage, describeSlackMessage } from "../../local/channel_receiver.ts";
import { flashSample } from "../_support/flash_sample.ts";

const base = flashSample.details.locations[0];

/** A location at `pctBp` labor against `targetBp`. */
function at(id: number, name: string, pctBp: number | null, targetBp = 2500): FlashLocation {
  return {
    ...base,
    locationId: id,
    locationName: name,
    laborTargetBp: targetBp,
    day: { ...base.day!, laborPctBp: pctBp },
  };
}

Deno.test("flash: the ranking is by labor % against each location's own target, whole up to six, else best and worst three", () => {
  const six = [
    at(1, "A", 2600),
    at(2, "B", 2700, 3000), // -3.00: best
    at(3, "C", null), // no sales: not ranked
    at(4, "D", 2400),
    at(5, "E", 2400), // tie with D: by name
    at(6, "F", 3500),
  ];
  const { best, worst } = rankLocations(six);
  assert.deepEqual(best.map((r) => r.location.locationName), ["B", "D", "E", "A", "F"]);
  assert.deepEqual(worst, []);
  const seven = [...six, at(7, "G", 2000), at(8, "H", 4000)];
  const r = rankLocations(seven);
  assert.deepEqual(r.best.map((x) => [x.location.locationName, Number(x.vsTargetBp)]), [
    ["G", -500],
    ["B", -300],
    ["D", -100],
  ]);
  assert.deepEqual(r.worst.map((x) => x.location.locationName), ["A", "F", "H"]);
});

Deno.test("flash: data-quality lines only say something when there is something to say", () => {
  assert.deepEqual(
    dataQualityLines({
      punchesWithoutWage: 0,
      unknownStaff: 0,
      punchesNoSales: false,
      salesNoPunches: false,
    }),
    [],
  );
  assert.deepEqual(
    dataQualityLines({
      punchesWithoutWage: 2,
      unknownStaff: 1,
      punchesNoSales: true,
      salesNoPunches: false,
    }),
    ["2 punches without a wage", "1 employee unknown to the pipeline", "punches but no sales"],
  );
  const clean: FlashFacts = {
    ...flashSample,
    details: {
      ...flashSample.details,
      locations: [{
        ...flashSample.details.locations[1],
        dataQuality: { ...base.dataQuality, punchesWithoutWage: 0 },
      }],
      unmappedEvents: { toast: 0, sevenshifts: 0 },
    },
  };
  const read = describeSlackMessage(renderFlashSlack(clean));
  assert.ok(!read.includes("⚠️ Data"), read);
});

Deno.test("flash: one location reads as a paragraph, with the held alerts of the night", () => {
  const one: FlashFacts = {
    ...flashSample,
    details: {
      ...flashSample.details,
      locations: [base],
      totals: { ...flashSample.details.totals },
    },
  };
  const read = describeSlackMessage(renderFlashSlack(one));
  assert.match(read, /Morning flash · Thu, Nov 26, 2026 · Downtown Bistro/);
  assert.ok(!read.includes("Ranking"), "no ranking for one location");
  assert.match(read, /While you were closed: 10:20 PM EST ⚠️ Over labor target at 26\.12%/);
  assert.match(read, /Alerts: 1 over, 1 recovered\n/);
  const missed = describeSlackMessage(renderFlashSlack({
    ...one,
    details: { ...one.details, locations: [{ ...base, alertsNotDelivered: 1 }] },
  }));
  assert.match(missed, /Alerts: 1 over, 1 recovered \(1 not delivered\)/);
  assert.match(read, /Sync corrected 3 orders, 1 break edit \(labor 28\.51% → 27\.87%\)/);
});

Deno.test("flash: 40 and 300 locations with long, hostile names stay within Slack's and Discord's limits", () => {
  for (const count of [40, 300]) {
    const locations = Array.from({ length: count }, (_, i) => ({
      ...at(
        i + 1,
        `<!channel> @everyone *Store* ${i} ${"Very Long Name ".repeat(12)}`,
        2000 + 37 * i,
      ),
      held: base.held,
    }));
    const facts: FlashFacts = {
      ...flashSample,
      details: { ...flashSample.details, locations },
    };
    const slack = renderFlashSlack(facts);
    const discord = renderFlashDiscord(facts);
    assert.deepEqual(slackMessageProblems(slack), [], `${count} locations on Slack`);
    assert.deepEqual(discordMessageProblems(discord), [], `${count} locations on Discord`);
    assert.match(describeDiscordMessage(discord), /…and \d+ more locations\./);
    assert.match(describeDiscordMessage(discord), /Worst against target:/);
    assert.deepEqual(discord.allowed_mentions, { parse: [] });
    const mrkdwn = JSON.stringify(slack.blocks.filter((b) => b.type !== "header"));
    assert.ok(!mrkdwn.includes("<!channel>"), "escaped wherever Slack parses mrkdwn");
  }
});
