/**
 * Edge function entry point: the API documentation (see handler.ts).
 *
 * The document is docs/openapi.json, imported as a JSON module so it is bundled with the
 * function on deploy. The renderer's files are read, first found wins, from:
 * 1. `static/` next to this file: what `supabase functions deploy` bundles (config.toml
 *    `static_files = ["./functions/api-docs/static/*"]`). It is filled, and kept out of git,
 *    by `npm run gen-openapi -- --bundle`;
 * 2. `static/` under the working directory (the edge runtime runs a function from its folder);
 * 3. `node_modules/swagger-ui-dist/` of the checkout (the local stack and tests: no build step).
 *
 * @module
 */
import document from "../../../docs/openapi.json" with { type: "json" };
import { type AssetReader, createApiDocsHandler } from "./handler.ts";

const candidates = (name: string): Array<string | URL> => [
  new URL(`./static/${name}`, import.meta.url),
  `./static/${name}`,
  new URL(`../../../node_modules/swagger-ui-dist/${name}`, import.meta.url),
];

const readAsset: AssetReader = async (name) => {
  for (const candidate of candidates(name)) {
    try {
      return await Deno.readFile(candidate);
    } catch {
      // Not at this place: try the next.
    }
  }
  console.error(`api-docs: renderer file ${name} not found (run npm run gen-openapi -- --bundle)`);
  return null;
};

Deno.serve(createApiDocsHandler({ document, readAsset }));
