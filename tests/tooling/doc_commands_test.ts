/**
 * Every command the docs show runs as written on a fresh clone: each `npm run <name>` (and
 * `npm start`, `npm test`) is a script of package.json, each `--flag` passed to one is read by
 * the script it runs, and no command starts with a bare `deno` (Deno lives in node_modules, not
 * on the PATH: the npm scripts find it). Commands are read from inline code and code blocks of
 * README.md, SECURITY.md, bench/README.md and docs/*.md.
 */
import assert from "node:assert/strict";
import { repoPath } from "../../local/paths.ts";

/** The docs a user follows. */
async function docFiles(): Promise<string[]> {
  const files = ["README.md", "SECURITY.md", "bench/README.md"];
  for await (const e of Deno.readDir(repoPath("docs"))) {
    if (e.isFile && e.name.endsWith(".md")) files.push(`docs/${e.name}`);
  }
  return files.sort();
}

/** The code of a Markdown text: each fenced block's lines and each inline code span. */
function codeOf(markdown: string): string[] {
  const code: string[] = [];
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n([\s\S]*?)^\1[ \t]*$/gm, (_, _f, body) => {
    // A line ending in a backslash continues on the next one.
    code.push(...body.replace(/\\\n\s*/g, " ").split("\n"));
    return "";
  });
  for (const m of prose.matchAll(/(`+)([^`][\s\S]*?)\1/g)) code.push(m[2].replace(/\s+/g, " "));
  return code.map((c) => c.trim()).filter((c) => c.length > 0);
}

/** Commands in one line of code: split at `&&`, `||`, `;` and `|`, env assignments dropped. */
function commandsOf(code: string): string[] {
  return code.replace(/\s#.*$/, "").split(/&&|\|\||;|\|/).map((c) =>
    c.trim().replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, "")
  ).filter((c) => c.length > 0);
}

/** An npm script invocation: the script's name and the flags passed after `--`. */
function npmScriptOf(command: string): { name: string; flags: string[] } | null {
  const m = /^npm (?:run(?:-script)? ([\w:-]+)|(start|test))(?:\s+--\s+(.*))?$/.exec(command);
  if (!m) return null;
  const flags = [...(m[3] ?? "").matchAll(/(?:^|\s)--([a-z][\w-]*)/g)].map((f) => f[1]);
  return { name: m[1] ?? m[2], flags };
}

Deno.test("docs: reading commands out of Markdown", () => {
  const md = "Run `npm run demo`, then\n\n```sh\nFOO=1 npm test -- --no-lint tests/x \\\n" +
    "  && deno run -A x.ts # a comment\n```\nand `npm start` (`-- --reset`).";
  const commands = codeOf(md).flatMap(commandsOf);
  assert.deepEqual(commands, [
    "npm test -- --no-lint tests/x",
    "deno run -A x.ts",
    "npm run demo",
    "npm start",
    "-- --reset",
  ]);
  assert.deepEqual(npmScriptOf("npm test -- --no-lint tests/x"), {
    name: "test",
    flags: ["no-lint"],
  });
  assert.deepEqual(npmScriptOf("npm run gen-openapi -- --bundle"), {
    name: "gen-openapi",
    flags: ["bundle"],
  });
  assert.equal(npmScriptOf("npm install"), null);
});

Deno.test("docs: every npm script they show exists, with the flags they pass, and no bare deno", async () => {
  const scripts: Record<string, string> = JSON.parse(
    await Deno.readTextFile(repoPath("package.json")),
  ).scripts;
  const problems: string[] = [];
  let checked = 0;
  for (const file of await docFiles()) {
    for (const command of codeOf(await Deno.readTextFile(repoPath(file))).flatMap(commandsOf)) {
      if (/^deno\s/.test(command)) {
        problems.push(`${file}: \`${command}\`: deno is not on the PATH; show an npm script`);
      }
      const npm = npmScriptOf(command);
      if (!npm) continue;
      checked++;
      const script = scripts[npm.name];
      if (!script) {
        problems.push(`${file}: \`${command}\`: package.json has no script '${npm.name}'`);
        continue;
      }
      // The flags must be read by the program the script runs.
      const entry = /deno (?:run|test) -A (\S+\.ts)/.exec(script)?.[1];
      const source = entry ? await Deno.readTextFile(repoPath(entry)) : "";
      for (const flag of npm.flags) {
        if (!source.includes(`"${flag}"`) && !source.includes(`--${flag}`)) {
          problems.push(`${file}: \`${command}\`: ${entry ?? npm.name} does not read --${flag}`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 10, `only ${checked} npm commands found in the docs`);
});
