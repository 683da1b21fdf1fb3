/**
 * The test harness's report (pure): reading `deno test`'s own summary, naming the tests that
 * were not run and why, and the final totals. scripts/test.ts prints it; `.ci/run` reads the
 * last line.
 *
 * The final line adds the harness's checks (fmt, lint, type check, squawk: one each) to the
 * tests `deno test` counted, so it differs from deno's own summary; the two lines above it say
 * so, with each part's count.
 *
 * @module
 */
import { SYSTEM_TOOLS, type SystemToolId } from "../tests/_support/system_tools.ts";
import { OWN_DATABASE_REASON } from "../tests/_support/skips.ts";

/** What `deno test` reported. */
export interface DenoTestCounts {
  passed: number;
  failed: number;
  /** Tests registered with `ignore: true`. */
  ignored: number;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * The counts of deno's last summary line in `output` (`ok | 231 passed (3 steps) | 0 failed |
 * 2 ignored (1m)`), or null when there is none (a crash or a compile error).
 */
export function parseDenoSummary(output: string): DenoTestCounts | null {
  const plain = output.replace(ANSI, "");
  const re =
    /^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored)?/gm;
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(plain); m; m = re.exec(plain)) last = m;
  if (!last) return null;
  return { passed: Number(last[1]), failed: Number(last[2]), ignored: Number(last[3] ?? 0) };
}

/** How many skips each reason of the skip log (one reason per line) accounts for. */
export function countReasons(skipLog: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of skipLog.split("\n")) {
    const reason = line.trim();
    if (reason) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return counts;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The line naming why `skipped` tests were not run, from the reasons the tests logged: each
 * missing tool with the one command that installs it, the tests kept off a database npm test
 * did not create, and any skip no test explained. Null when nothing was skipped.
 */
export function skippedLine(skipped: number, reasons: Map<string, number>): string | null {
  if (skipped === 0) return null;
  const parts: string[] = [];
  let explained = 0;
  for (const [reason, n] of reasons) {
    explained += n;
    if (reason === OWN_DATABASE_REASON) {
      const what = n === 1
        ? "1 test changes runtime config, injects faults or creates databases"
        : `${n} tests change runtime config, inject faults or create databases`;
      parts.push(`${what}, done only in a cluster npm test starts itself (DATABASE_URL is set)`);
    } else if (reason in SYSTEM_TOOLS) {
      const tool = SYSTEM_TOOLS[reason as SystemToolId];
      parts.push(
        `${plural(n, "test needs", "tests need")} ${tool.label}, not installed: ${tool.install}`,
      );
    } else {
      parts.push(`${plural(n, "test", "tests")}: ${reason}`);
    }
  }
  if (explained < skipped) parts.push(`${skipped - explained} for no stated reason`);
  return `Not run: ${parts.join("; ")}.`;
}

/** The harness's own checks (fmt, lint, check, squawk), by name. */
export interface CheckResult {
  name: string;
  ok: boolean;
}

/**
 * The report's last lines: the checks, the tests (deno's count), why any test was not run,
 * and the totals `N passed, N failed, N skipped` (always the last line).
 */
export function summaryLines(
  checks: readonly CheckResult[] | null,
  tests: DenoTestCounts | null,
  reasons: Map<string, number>,
  extraFailures: readonly string[] = [],
): string[] {
  const lines: string[] = [];
  const checksPassed = checks?.filter((c) => c.ok).length ?? 0;
  const checksFailed = (checks?.length ?? 0) - checksPassed;
  lines.push(
    checks === null
      ? "Checks: not run (--no-lint)."
      : `Checks: ${checksPassed} passed, ${checksFailed} failed (${
        checks.map((c) => c.name).join(", ")
      }; one each, not in deno's count).`,
  );
  lines.push(
    tests
      ? `Tests: ${tests.passed} passed, ${tests.failed} failed, ${tests.ignored} skipped ` +
        "(deno test's own summary above)."
      : "Tests: deno test ended without a summary (see above): counted as 1 failure.",
  );
  for (const failure of extraFailures) lines.push(`Failed: ${failure}.`);
  const skipped = tests?.ignored ?? 0;
  const why = skippedLine(skipped, reasons);
  if (why) lines.push(why);
  const passed = checksPassed + (tests?.passed ?? 0);
  const failed = checksFailed + (tests ? tests.failed : 1) + extraFailures.length;
  lines.push(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return lines;
}
