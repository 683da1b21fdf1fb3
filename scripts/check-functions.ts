/**
 * Type-checks every function the way Supabase runs it: `deno check` on the edge runtime's
 * Deno (2.1.4, TypeScript 5.6), each function with the import map the supabase CLI would
 * deploy it with (local/import_maps.ts) and never the repo-root deno.json. `npm test` runs
 * it beside the tooling Deno's `deno check`, so the code type-checks on both.
 *
 * Usage: deno run -A scripts/check-functions.ts
 *
 * @module
 */
import {
  EDGE_RUNTIME_DENO_VERSION,
  edgeRuntimeDeno,
  edgeRuntimeDenoEnv,
  importMapFlags,
} from "../local/edge_runtime.ts";
import { discoverFunctions } from "../local/functions.ts";
import { repoPath } from "../local/paths.ts";

const deno = edgeRuntimeDeno();
const relative = (path: string) => path.replace(`${repoPath()}/`, "");
let failed = 0;
for (const fn of await discoverFunctions()) {
  const out = await new Deno.Command(deno, {
    args: ["check", ...importMapFlags(fn.importMap), fn.entrypoint],
    cwd: repoPath(),
    env: { ...edgeRuntimeDenoEnv(), RUST_BACKTRACE: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const map = fn.importMap ? relative(fn.importMap) : "no import map";
  if (out.success) {
    console.log(`ok: ${fn.name} (Deno ${EDGE_RUNTIME_DENO_VERSION}, ${map})`);
    continue;
  }
  failed++;
  console.log(`FAILED: ${fn.name} (Deno ${EDGE_RUNTIME_DENO_VERSION}, ${map})`);
  const output = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  console.log(output.split("\n").filter((l) => !/^\s*Download /.test(l)).join("\n"));
}
Deno.exit(failed === 0 ? 0 : 1);
