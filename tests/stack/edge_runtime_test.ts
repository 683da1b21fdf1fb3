/**
 * The local stack runs functions as Supabase does: on the edge runtime's Deno (2.1.4), with
 * the import map the supabase CLI would find for each (never the repo-root deno.json), the
 * listener owned by the runtime. A function that would not resolve its imports on Supabase
 * fails here first, with the runtime's own error.
 */
import assert from "node:assert/strict";
import { discoverFunctions, startFunctionServer } from "../../local/functions.ts";
import { configuredImportMaps } from "../../local/import_maps.ts";
import { repoPath } from "../../local/paths.ts";
import { freePort } from "../../local/postgres.ts";

/** A project folder under .local/ (inside the checkout, below the repo-root deno.json). */
async function scratchProject(): Promise<{ root: string; functions: string }> {
  await Deno.mkdir(repoPath(".local"), { recursive: true });
  const root = await Deno.makeTempDir({ dir: repoPath(".local"), prefix: "edge-project-" });
  const functions = `${root}/supabase/functions`;
  await Deno.mkdir(functions, { recursive: true });
  return { root, functions };
}

/** A function that imports zod by its bare name and says which Deno runs it. */
const BARE_ZOD_FUNCTION = `import { z } from "zod";
// Asks for port 9999: the runtime owns the listener and serves it where it chooses.
Deno.serve({ port: 9999 }, () =>
  Response.json({ deno: Deno.version.deno, parsed: z.string().parse("ok") }));
`;

Deno.test("import maps: found in the supabase CLI's order", async () => {
  const { root, functions } = await scratchProject();
  try {
    await Deno.mkdir(`${functions}/fn`);
    await Deno.writeTextFile(`${functions}/fn/index.ts`, "Deno.serve(() => new Response());\n");
    const found = async (flag?: string) =>
      (await discoverFunctions(functions, flag))[0].importMap?.replace(`${root}/`, "");
    const write = (path: string, text = '{ "imports": {} }\n') =>
      Deno.writeTextFile(`${root}/${path}`, text);

    assert.equal(await found(), undefined, "no map at all: none, not the repo-root deno.json");
    await write("supabase/functions/import_map.json");
    assert.equal(await found(), "supabase/functions/import_map.json");
    await write("supabase/functions/fn/import_map.json");
    assert.equal(await found(), "supabase/functions/fn/import_map.json");
    await write("supabase/functions/fn/deno.jsonc");
    assert.equal(await found(), "supabase/functions/fn/deno.jsonc");
    await write("supabase/functions/fn/deno.json");
    assert.equal(await found(), "supabase/functions/fn/deno.json");
    await write(
      "supabase/config.toml",
      '[functions.other]\nimport_map = "./elsewhere.json"\n\n[functions.fn]\nverify_jwt = false\n' +
        "import_map = './maps/fn.json' # relative to supabase/\n",
    );
    assert.equal(await found(), "supabase/maps/fn.json");
    assert.equal(await found(`${root}/flag.json`), "flag.json");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("import maps: config.toml's [functions.<name>] import_map, resolved against supabase/", () => {
  assert.deepEqual(
    configuredImportMaps(
      [
        "[functions.a]",
        'import_map = "./a/deno.json"',
        '[functions."b-c"]',
        "import_map = '/abs/map.json'",
        "[api]",
        'import_map = "not/a/function.json"',
        "[functions.d]",
        "verify_jwt = false",
      ].join("\n"),
      "/p/supabase",
    ),
    { a: "/p/supabase/a/deno.json", "b-c": "/abs/map.json" },
  );
});

Deno.test("edge runtime: a bare import with no import map fails to start, with the runtime's error", async () => {
  const { root, functions } = await scratchProject();
  try {
    await Deno.mkdir(`${functions}/bare`);
    await Deno.writeTextFile(`${functions}/bare/index.ts`, BARE_ZOD_FUNCTION);
    // The repo-root deno.json (which maps zod) sits above this folder: it must not be used.
    await assert.rejects(
      startFunctionServer({ port: freePort(), functionsDir: functions, env: {}, log: () => {} }),
      /function bare exited during start-up:[\s\S]*Relative import path "zod" not prefixed with/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("edge runtime: with its own deno.json the same function runs on Deno 2.1.4", async () => {
  const { root, functions } = await scratchProject();
  try {
    await Deno.mkdir(`${functions}/bare`);
    await Deno.writeTextFile(`${functions}/bare/index.ts`, BARE_ZOD_FUNCTION);
    await Deno.writeTextFile(
      `${functions}/bare/deno.json`,
      JSON.stringify({ imports: { zod: "npm:zod@4.1.12" } }),
    );
    const server = await startFunctionServer({
      port: freePort(),
      functionsDir: functions,
      env: {},
      log: () => {},
    });
    try {
      const res = await fetch(`${server.url}/functions/v1/bare`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { deno: "2.1.4", parsed: "ok" });
    } finally {
      await server.stop();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
