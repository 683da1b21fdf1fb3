/**
 * `.gitignore` ignores only what is never committed: no committed file (supabase/config.toml,
 * supabase/seed.sql, the migrations, the docs) matches one of its rules, so the file tells
 * the truth about what belongs to the repository.
 */
import assert from "node:assert/strict";
import { repoPath } from "../../local/paths.ts";

Deno.test("gitignore: no committed file matches an ignore rule", async () => {
  const out = await new Deno.Command("git", {
    args: ["ls-files", "--cached", "--ignored", "--exclude-standard"],
    cwd: repoPath(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const ignoredButCommitted = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l);
  assert.deepEqual(ignoredButCommitted, []);
  // The files the issue found listed are committed (and so must never be ignored).
  const committed = new TextDecoder().decode(
    (await new Deno.Command("git", { args: ["ls-files"], cwd: repoPath(), stdout: "piped" })
      .output()).stdout,
  ).split("\n");
  for (const f of ["supabase/config.toml", "supabase/seed.sql", ".gitignore"]) {
    assert.ok(committed.includes(f), f);
  }
});
