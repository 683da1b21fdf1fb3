/**
 * Every function resolves its imports from its own deno.json, the file the supabase CLI
 * uploads with it (the repo-root deno.json never leaves the checkout), and those maps cannot
 * drift: each pins exactly the version package.json installs and the root deno.json maps
 * for tests and tools, and names exactly the bare specifiers its module graph imports
 * (through shared/ and docs/ too), as the edge runtime's Deno resolves them.
 */
import assert from "node:assert/strict";
import { edgeRuntimeDeno, edgeRuntimeDenoEnv, importMapFlags } from "../../local/edge_runtime.ts";
import { discoverFunctions } from "../../local/functions.ts";
import { repoPath } from "../../local/paths.ts";

const functions = await discoverFunctions();
const packageJson = JSON.parse(await Deno.readTextFile(repoPath("package.json")));
const rootImports: Record<string, string> =
  JSON.parse(await Deno.readTextFile(repoPath("deno.json"))).imports;

interface FunctionMap {
  imports?: Record<string, string>;
  [key: string]: unknown;
}

async function readMap(path: string): Promise<FunctionMap> {
  return JSON.parse(await Deno.readTextFile(path));
}

Deno.test("import maps: every function has its own deno.json, pinned as package.json pins", async () => {
  assert.deepEqual(functions.map((f) => f.name), [
    "alert-notifier",
    "api-docs",
    "sevenshifts-webhook",
    "toast-webhook",
    "vendor-sync",
  ]);
  for (const fn of functions) {
    assert.equal(fn.importMap, repoPath(`supabase/functions/${fn.name}/deno.json`), fn.name);
    const map = await readMap(fn.importMap!);
    // nodeModulesDir would make the edge runtime look for a node_modules that is not uploaded.
    for (const key of ["nodeModulesDir", "importMap", "scopes", "workspace"]) {
      assert.equal(key in map, false, `${fn.name}: deno.json must not set ${key}`);
    }
    for (const [specifier, target] of Object.entries(map.imports ?? {})) {
      const m = /^npm:((?:@[^/@]+\/)?[^@]+)@(.+)$/.exec(target);
      assert.ok(m, `${fn.name}: ${specifier} -> ${target} is not an npm:<name>@<version> pin`);
      const [, pkg, version] = m;
      assert.equal(
        version,
        packageJson.dependencies[pkg],
        `${fn.name}: ${pkg} is pinned at ${version}, package.json installs ` +
          `${packageJson.dependencies[pkg]}`,
      );
      assert.equal(
        target,
        rootImports[specifier],
        `${fn.name}: ${specifier} differs from deno.json`,
      );
    }
  }
});

/** The bare specifiers (no ./, ../, / or scheme) imported anywhere in the module graph. */
async function bareSpecifiers(entrypoint: string, importMap: string | null): Promise<string[]> {
  const out = await new Deno.Command(edgeRuntimeDeno(), {
    args: ["info", "--json", ...importMapFlags(importMap), entrypoint],
    env: { ...edgeRuntimeDenoEnv(), RUST_BACKTRACE: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: Array<{ specifier: string; dependencies?: Array<{ specifier: string }> }>;
  };
  const bare = new Set<string>();
  for (const module of info.modules) {
    if (!module.specifier.startsWith("file:")) continue; // npm packages' own imports
    for (const dep of module.dependencies ?? []) {
      if (!/^(\.{0,2}\/|[a-z][a-z0-9+.-]*:)/i.test(dep.specifier)) bare.add(dep.specifier);
    }
  }
  return [...bare].sort();
}

Deno.test("import maps: each map names exactly the bare imports of its function's graph", async () => {
  for (const fn of functions) {
    const map = await readMap(fn.importMap!);
    assert.deepEqual(
      await bareSpecifiers(fn.entrypoint, fn.importMap),
      Object.keys(map.imports ?? {}).sort(),
      `${fn.name}: its deno.json must map exactly the bare imports of its module graph`,
    );
  }
  // The webhooks reach postgres (supabase/functions/_shared/db.ts) and zod (shared/).
  const toast = functions.find((f) => f.name === "toast-webhook")!;
  assert.deepEqual(await bareSpecifiers(toast.entrypoint, toast.importMap), ["postgres", "zod"]);
});
