/**
 * A fresh clone's first `npm install` (run by every npm script) is quiet and sends nothing
 * home: no dependency's install script is left unreviewed (npm 11 would list it as a warning on
 * the demo's first run), and swagger-ui-dist's telemetry dependency is our empty stand-in.
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
