/**
 * supabase/functions/.env.example, what an operator copies for `supabase secrets set
 * --env-file`, names every env var the functions read (their own and shared/ code), except
 * the ones Supabase injects; and git does not ignore it.
 */
import assert from "node:assert/strict";
import { repoPath } from "../../local/paths.ts";

/** Env var names read with `Deno.env.get("X")` or a settings reader's `get("X")`. */
async function namesRead(dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      for (const n of await namesRead(path)) names.add(n);
    } else if (entry.name.endsWith(".ts")) {
      const text = await Deno.readTextFile(path);
      for (const m of text.matchAll(/\b(?:Deno\.env\.get|get|positive)\(\s*"([A-Z][A-Z0-9_]+)"/g)) {
        names.add(m[1]);
      }
    }
  }
  return names;
}

Deno.test(".env.example names every env var the functions read", async () => {
  const text = await Deno.readTextFile(repoPath("supabase/functions/.env.example"));
  // `NAME=value`, or `# NAME=value` for an optional setting left at its default.
  const named = new Set([...text.matchAll(/^(?:#\s*)?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  const read = new Set([
    ...await namesRead(repoPath("supabase/functions")),
    ...await namesRead(repoPath("shared")),
  ]);
  const injected = [...read].filter((n) => n.startsWith("SUPABASE_"));
  assert.ok(injected.includes("SUPABASE_DB_URL"), "the scan finds the functions' env reads");
  const missing = [...read].filter((n) => !n.startsWith("SUPABASE_") && !named.has(n));
  assert.deepEqual(missing, [], "read by the functions but not in .env.example");
  assert.ok(named.has("PIPELINE_DB_URL"), "the functions' own database login");
  assert.deepEqual([...named].filter((n) => n.startsWith("SUPABASE_")), [], "injected names");

  const ignored = await new Deno.Command("git", {
    args: ["check-ignore", "-q", "supabase/functions/.env.example"],
    cwd: repoPath(),
  }).output();
  assert.equal(ignored.code, 1, "git ignores supabase/functions/.env.example");
});
