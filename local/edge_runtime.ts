/**
 * The edge runtime's Deno: the version Supabase's edge runtime embeds (2.1.4, TypeScript 5.6;
 * edge-runtime v1.74.3, the image the pinned CLI starts), installed from npm beside the
 * tooling Deno (package.json optionalDependencies `deno-edge-runtime-<os>-<arch>`). The local
 * stack runs every function on it, and scripts/check-functions.ts type-checks them with it.
 *
 * It keeps its npm downloads in a cache of its own (.local/deno-edge-runtime), apart from the
 * tooling Deno's: a function's `npm:` imports come from the registry, as on Supabase, never
 * from the checkout's node_modules.
 *
 * @module
 */
import { repoPath } from "./paths.ts";
import { isDenoConfig } from "./import_maps.ts";

/** The Deno version the edge runtime embeds. */
export const EDGE_RUNTIME_DENO_VERSION = "2.1.4";

/** Path of the edge runtime's Deno binary for this machine; a clear error when missing. */
export function edgeRuntimeDeno(): string {
  const os = Deno.build.os;
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  const pkg = `deno-edge-runtime-${os}-${arch}`;
  const path = repoPath(`node_modules/${pkg}/deno`);
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(
      `The edge runtime's Deno ${EDGE_RUNTIME_DENO_VERSION} is not at ${path}: run 'npm ci' ` +
        `(optional dependency ${pkg}; ${os}/${arch} may have no build).`,
    );
  }
  return path;
}

/** Env for running the edge runtime's Deno: its own cache; the system's CA certificates too. */
export function edgeRuntimeDenoEnv(): Record<string, string> {
  return {
    DENO_DIR: repoPath(".local/deno-edge-runtime"),
    // Deno 2.1.4 trusts only its bundled roots by default; a registry behind a TLS-inspecting
    // proxy needs the system store (later Deno versions read it by default).
    DENO_TLS_CA_STORE: Deno.env.get("DENO_TLS_CA_STORE") ?? "mozilla,system",
    NO_COLOR: "1",
  };
}

/**
 * The Deno flags that give a function `importMap` and nothing else: a deno.json / deno.jsonc
 * as its config file (so its other settings apply, as in the edge runtime), a bare import
 * map with no config, or no map at all. Never the repo-root deno.json, and no lockfile
 * (the CLI uploads none).
 */
export function importMapFlags(importMap: string | null): string[] {
  if (!importMap) return ["--no-config", "--no-lock"];
  if (isDenoConfig(importMap)) return ["--config", importMap, "--no-lock"];
  return ["--no-config", "--import-map", importMap, "--no-lock"];
}
