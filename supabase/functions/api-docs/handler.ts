/**
 * The API documentation function: the OpenAPI 3.1 document of the project's functions
 * (docs/openapi.json, generated from the zod schemas by scripts/gen-openapi.ts) and a page
 * that renders it with Swagger UI (npm `swagger-ui-dist`), served from this one function so
 * it works wherever the functions run, with no CDN.
 *
 * Routes (below `/functions/v1/api-docs`; Supabase hands the function `/api-docs/...`, the
 * local gateway `/functions/v1/api-docs/...`: both are matched on the part after `api-docs`):
 * - `GET /api-docs` and `/api-docs/`: the HTML page. Its links are relative, and differ
 *   between the two so both resolve to `/api-docs/...`.
 * - `GET /api-docs/openapi.json`: the document (any origin may fetch it).
 * - `GET /api-docs/assets/<name>`: the renderer's files and the page's start-up script.
 *
 * Answers: 200; 404 anything else under `/api-docs`; 405 a method other than GET or HEAD.
 *
 * Hosted Supabase serves a GET answer of `text/html` as `text/plain` unless the project has a
 * custom domain (a platform limit; `supabase start` and the local stack do not have it). The
 * JSON document works everywhere; the page renders on the local stack, `supabase start`, and
 * on a project with a custom domain.
 *
 * @module
 */
import { errorResponse } from "../_shared/http.ts";

/** The renderer files the page uses, from the `swagger-ui-dist` package, by content type. */
export const RENDERER_ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

/**
 * File bytes as `Deno.readFile` gives them: `Uint8Array<ArrayBuffer>` where TypeScript knows
 * typed arrays' buffers (5.7+, the tooling Deno), plain `Uint8Array` on the edge runtime's
 * TypeScript 5.6. Either way a Response body, with no cast that only one of them accepts.
 */
export type AssetBytes = Awaited<ReturnType<typeof Deno.readFile>>;

/** Reads one renderer file by name; null when it cannot be found. */
export type AssetReader = (name: string) => Promise<AssetBytes | null>;

/** What {@link createApiDocsHandler} needs. */
export interface ApiDocsDeps {
  /** The OpenAPI document to serve. */
  document: unknown;
  /** Where the renderer's files come from (see index.ts). */
  readAsset: AssetReader;
}

/**
 * The page's start-up script (served as a file, not inline, so the page's Content Security
 * Policy can forbid inline scripts). The document URL comes from the script tag.
 */
export const INIT_SCRIPT = `"use strict";
(function () {
  var me = document.currentScript;
  window.addEventListener("load", function () {
    window.ui = SwaggerUIBundle({
      url: me.getAttribute("data-openapi-url"),
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      displayRequestDuration: true,
      tryItOutEnabled: false,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    });
  });
})();
`;

/** The HTML page; `base` is the relative prefix that reaches `/api-docs/` from the page. */
export function docsPage(base: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Labor Pulse functions: API reference</title>
<link rel="icon" type="image/png" href="${base}assets/favicon-32x32.png">
<link rel="stylesheet" href="${base}assets/swagger-ui.css">
</head>
<body>
<noscript>This page needs JavaScript. The document itself is at
<a href="${base}openapi.json">openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="${base}assets/swagger-ui-bundle.js"></script>
<script src="${base}assets/init.js" data-openapi-url="${base}openapi.json"></script>
</body>
</html>
`;
}

/**
 * Everything the page loads comes from this function: scripts only from files (no inline
 * script, no eval), styles from files plus the inline styles Swagger UI sets on elements.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const INIT_BYTES = new TextEncoder().encode(INIT_SCRIPT);

/** Builds the request handler (`Deno.serve(createApiDocsHandler(deps))`). */
export function createApiDocsHandler(deps: ApiDocsDeps): (req: Request) => Promise<Response> {
  const documentText = JSON.stringify(deps.document);
  const cache = new Map<string, AssetBytes>();

  async function asset(name: string): Promise<AssetBytes | null> {
    if (name === "init.js") return INIT_BYTES;
    if (!(name in RENDERER_ASSETS)) return null;
    const cached = cache.get(name);
    if (cached) return cached;
    const bytes = await deps.readAsset(name);
    if (bytes) cache.set(name, bytes);
    return bytes;
  }

  return async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    const m = /\/api-docs(\/.*)?$/.exec(path);
    const rest = m ? (m[1] ?? "") : null;
    if (req.method !== "GET" && req.method !== "HEAD") {
      await req.body?.cancel();
      return errorResponse(405, "method_not_allowed", "Use GET.", undefined, {
        allow: "GET, HEAD",
      });
    }
    const head = req.method === "HEAD";
    const send = (body: BodyInit, headers: Record<string, string>) =>
      new Response(head ? null : body, {
        status: 200,
        headers: { "x-content-type-options": "nosniff", ...headers },
      });

    if (rest === "" || rest === "/" || rest === "/index.html") {
      // From `/api-docs` the relative base must name the folder; from `/api-docs/` it is "".
      const base = rest === "" ? "api-docs/" : "";
      return send(docsPage(base), {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": PAGE_CSP,
        "cache-control": "no-cache",
        "referrer-policy": "no-referrer",
      });
    }
    if (rest === "/openapi.json") {
      return send(documentText, {
        "content-type": "application/json; charset=utf-8",
        "access-control-allow-origin": "*",
        "cache-control": "no-cache",
      });
    }
    const assetName = rest?.startsWith("/assets/") ? rest.slice("/assets/".length) : null;
    if (assetName !== null) {
      const bytes = await asset(assetName);
      if (bytes) {
        const type = assetName === "init.js"
          ? "text/javascript; charset=utf-8"
          : RENDERER_ASSETS[assetName];
        return send(bytes, {
          "content-type": type,
          "cache-control": "public, max-age=3600",
        });
      }
    }
    return errorResponse(404, "not_found", `Nothing at ${path}.`);
  };
}
