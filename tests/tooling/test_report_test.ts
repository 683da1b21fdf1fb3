/**
 * The test harness's report (scripts/test_report.ts): deno's summary read with and without
 * colour codes, steps and ignored tests; skipped tests named with their reason and the command
 * that installs a missing tool; and two totals that say why they differ.
 */
import assert from "node:assert/strict";
import {
  countReasons,
  parseDenoSummary,
  skippedLine,
  summaryLines,
} from "../../scripts/test_report.ts";

Deno.test("report: deno's last summary line, coloured or plain, with steps and ignored tests", () => {
  assert.deepEqual(parseDenoSummary("ok | 231 passed (3 steps) | 0 failed | 2 ignored (1m2s)\n"), {
    passed: 231,
    failed: 0,
    ignored: 2,
  });
  const coloured =
    "\x1b[0m\x1b[31mFAILED\x1b[0m | 10 passed | 1 failed (1 step) \x1b[0m\x1b[38;5;245m(5s)\x1b[0m";
  assert.deepEqual(parseDenoSummary(`noise\n${coloured}\n`), { passed: 10, failed: 1, ignored: 0 });
  // A test's own output that looks like a summary is not the last one.
  assert.deepEqual(
    parseDenoSummary("ok | 1 passed | 0 failed\nmore\nok | 5 passed | 0 failed (1s)"),
    { passed: 5, failed: 0, ignored: 0 },
  );
  assert.equal(parseDenoSummary("error: Module not found"), null);
});

Deno.test("report: skipped tests are named with why, and a missing tool with its install command", () => {
  const reasons = countReasons("chromium\npgbouncer\npgbouncer\nown-database\n");
  const line = skippedLine(5, reasons)!;
  assert.match(line, /^Not run: /);
  assert.match(
    line,
    /1 test needs Chromium, not installed: sudo apt-get update && sudo apt-get install -y chromium/,
  );
  assert.match(line, /2 tests need PgBouncer, not installed: .*apt-get install -y pgbouncer/);
  assert.match(
    line,
    /1 test changes runtime config, injects faults or creates databases, done only/,
  );
  assert.match(
    skippedLine(2, countReasons("own-database\nown-database\n"))!,
    /^Not run: 2 tests change runtime config, inject faults or create databases, done only in a cluster npm test starts itself/,
  );
  assert.match(skippedLine(3, countReasons("chromium\n"))!, /2 for no stated reason/);
  assert.equal(skippedLine(0, new Map()), null);
});

Deno.test("report: the totals add the checks to deno's count, say so, and end plain", () => {
  const lines = summaryLines(
    [{ name: "deno fmt --check", ok: true }, { name: "squawk", ok: false }],
    { passed: 231, failed: 0, ignored: 2 },
    countReasons("chromium\nchromium\n"),
  );
  assert.equal(lines.at(-1), "232 passed, 1 failed, 2 skipped");
  assert.match(lines.at(-2)!, /^Not run: 2 tests need Chromium/);
  assert.match(
    lines[0],
    /^Checks: 1 passed, 1 failed \(deno fmt --check, squawk; .*not in deno's count/,
  );
  assert.match(lines[1], /^Tests: 231 passed, 0 failed, 2 skipped \(deno test's own summary/);
  // No summary from deno test (a compile error): one failure, never a pass.
  assert.equal(summaryLines(null, null, new Map()).at(-1), "0 passed, 1 failed, 0 skipped");
});
