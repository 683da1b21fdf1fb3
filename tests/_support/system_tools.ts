/**
 * System tools some tests need that npm cannot install (Debian packages). A test that needs
 * one declares it with {@link needsTool}: when the tool is missing the test is not run
 * (`ignore`) and the test harness (scripts/test.ts) names the tool and the command that
 * installs it before its summary. `.ci/run` installs every tool first and fails if any test
 * was not run, so in CI every test runs.
 *
 * @module
 */
import { recordSkip } from "./skips.ts";

/** A system tool a test may need. */
export interface SystemTool {
  /** What a person calls it. */
  label: string;
  /** Where the tests look for it (first existing path wins). */
  paths: readonly string[];
  /** The one command that installs it (Debian / Ubuntu). */
  install: string;
  /** What the tests that need it prove. */
  adds: string;
}

/** Every system tool any test needs, by id. */
export const SYSTEM_TOOLS = {
  chromium: {
    label: "Chromium",
    paths: ["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    install: "sudo apt-get update && sudo apt-get install -y chromium",
    adds: "the API docs page rendered and clicked in a real browser (tests/docs/)",
  },
  pgbouncer: {
    label: "PgBouncer",
    paths: ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"],
    install: "sudo apt-get update && sudo apt-get install -y pgbouncer",
    adds: "the functions proven through a transaction-mode connection pooler",
  },
} as const satisfies Record<string, SystemTool>;

/** The id of a known system tool. */
export type SystemToolId = keyof typeof SYSTEM_TOOLS;

/** The path of tool `id`, or null when it is not installed. */
export function findSystemTool(id: SystemToolId): string | null {
  for (const path of SYSTEM_TOOLS[id].paths) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not at this path.
    }
  }
  return null;
}

/** The tools of `ids` that are missing here. */
export function missingSystemTools(ids: readonly SystemToolId[] = allToolIds()): SystemToolId[] {
  return ids.filter((id) => findSystemTool(id) === null);
}

/** Every known tool id. */
export function allToolIds(): SystemToolId[] {
  return Object.keys(SYSTEM_TOOLS) as SystemToolId[];
}

/**
 * `Deno.test` options for a test that needs `tools`: not run (ignored, and named by the
 * harness) when one is missing.
 */
export function needsTool(
  tools: SystemToolId | readonly SystemToolId[],
): { ignore: boolean } {
  const ids = typeof tools === "string" ? [tools] : tools;
  const missing = missingSystemTools(ids);
  for (const id of missing) recordSkip(id);
  return { ignore: missing.length > 0 };
}
