/**
 * Why a test is not run, told to the harness: scripts/test.ts sets `TEST_SKIP_LOG` to a file,
 * each test that is registered with `ignore: true` by {@link needsTool} or
 * {@link needsOwnDatabase} adds a line with its reason, and the harness names the reasons
 * (with the command that installs a missing tool) on the line before its summary.
 *
 * @module
 */

/** Appends `reason` to the harness's skip log (nothing outside the harness). */
export function recordSkip(reason: string): void {
  const log = Deno.env.get("TEST_SKIP_LOG");
  if (log) Deno.writeTextFileSync(log, `${reason}\n`, { append: true });
}

/** The reason {@link needsOwnDatabase} records. */
export const OWN_DATABASE_REASON = "own-database";
