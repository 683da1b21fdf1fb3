/**
 * `.ci/run`, the CI entry point: it installs every system tool a test needs (so in CI every
 * test runs), fails when a test was skipped anyway, and ends with the plain
 * `N passed, N failed` line CI reads. Run here with stand-ins for `apt-get` and `npm` on PATH
 * (nothing is installed, no test suite runs).
 */
import assert from "node:assert/strict";
import { repoPath } from "../../local/paths.ts";
import { SYSTEM_TOOLS } from "../_support/system_tools.ts";

/** Runs .ci/run with fake `apt-get` and `npm` answering as given; its output and status. */
async function ciRun(npmOutput: string, npmStatus = 0, aptStatus = 0) {
  const bin = await Deno.makeTempDir({ prefix: "ci-fakes-" });
  try {
    const fake = async (name: string, body: string) => {
      await Deno.writeTextFile(`${bin}/${name}`, `#!/usr/bin/env bash\n${body}\n`);
      await Deno.chmod(`${bin}/${name}`, 0o755);
    };
    await fake("apt-get", `echo "apt-get $*" >> ${bin}/apt.log; exit ${aptStatus}`);
    await fake("sudo", `exec "$@"`);
    await Deno.writeTextFile(`${bin}/npm-output.txt`, `${npmOutput}\n`);
    await fake("npm", `cat ${bin}/npm-output.txt; exit ${npmStatus}`);
    const out = await new Deno.Command("bash", {
      args: [repoPath(".ci/run")],
      env: { PATH: `${bin}:${Deno.env.get("PATH")}` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    const apt = await Deno.readTextFile(`${bin}/apt.log`).catch(() => "");
    return { text, last: text.trimEnd().split("\n").at(-1), code: out.code, apt };
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
}

Deno.test("ci: installs the package of every system tool a test may need", async () => {
  const r = await ciRun("Tests: 3 passed\n3 passed, 0 failed, 0 skipped");
  const installLine = r.apt.split("\n").find((l) => l.includes(" install ")) ?? "";
  for (const [id, tool] of Object.entries(SYSTEM_TOOLS)) {
    const packages = /apt-get install -y (.+)$/.exec(tool.install)?.[1].split(/\s+/) ?? [];
    assert.ok(packages.length > 0, id);
    for (const p of packages) assert.ok(installLine.split(/\s+/).includes(p), `${id}: ${p}`);
  }
  assert.match(r.apt, /apt-get update/);
  assert.equal(r.last, "3 passed, 0 failed");
  assert.equal(r.code, 0);
});

Deno.test("ci: a skipped test fails the run; the last line stays `N passed, N failed`", async () => {
  const r = await ciRun(
    "Not run: 2 tests need Chromium, not installed: ...\n231 passed, 0 failed, 2 skipped",
  );
  assert.match(r.text, /^231 passed, 0 failed, 2 skipped$/m);
  assert.equal(r.last, "231 passed, 2 failed");
  assert.equal(r.code, 1);
});

Deno.test("ci: failures and a missing summary are failures", async () => {
  const failed = await ciRun("229 passed, 2 failed, 0 skipped", 1);
  assert.equal(failed.last, "229 passed, 2 failed");
  assert.equal(failed.code, 1);
  const crashed = await ciRun("error: something broke", 1);
  assert.equal(crashed.last, "0 passed, 1 failed");
  assert.equal(crashed.code, 1);
  const noTools = await ciRun("3 passed, 0 failed, 0 skipped", 0, 100);
  assert.equal(noTools.last, "0 passed, 1 failed");
  assert.equal(noTools.code, 1);
});
