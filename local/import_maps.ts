/**
 * Which import map a function runs with, found the way the pinned supabase CLI (2.117.0)
 * finds it for `functions serve` and `functions deploy` (its internal/functions/deploy
 * GetFunctionConfig and pkg/config): the repo-root deno.json is never read.
 *
 * Order, first found wins:
 * 1. `--import-map` (one map for every function);
 * 2. `import_map` under `[functions.<name>]` in supabase/config.toml (relative to supabase/);
 * 3. the function folder's `deno.json`, `deno.jsonc`, then `import_map.json`;
 * 4. supabase/functions/import_map.json (the CLI's deprecated global fallback).
 *
 * None found: the function runs with no map, so a bare import fails as it does on Supabase.
 *
 * @module
 */

/** Where {@link findImportMap} looks besides the function's own folder. */
export interface ImportMapLookup {
  /** The folder holding the function folders (supabase/functions). */
  functionsDir: string;
  /** The `--import-map` flag: one map for every function. */
  importMap?: string;
  /** `[functions.<name>] import_map` of config.toml, as absolute paths (see {@link configuredImportMaps}). */
  configured?: Readonly<Record<string, string>>;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** The import map (or deno.json) function `name` runs with, or null when it has none. */
export async function findImportMap(name: string, lookup: ImportMapLookup): Promise<string | null> {
  if (lookup.importMap) return lookup.importMap;
  const configured = lookup.configured?.[name];
  if (configured) return configured;
  for (const file of ["deno.json", "deno.jsonc", "import_map.json"]) {
    const path = `${lookup.functionsDir}/${name}/${file}`;
    if (await isFile(path)) return path;
  }
  const fallback = `${lookup.functionsDir}/import_map.json`;
  return (await isFile(fallback)) ? fallback : null;
}

/** True when `path` is a Deno config file (deno.json / deno.jsonc), not a bare import map. */
export function isDenoConfig(path: string): boolean {
  return /(^|\/)deno\.jsonc?$/i.test(path);
}

/**
 * The `import_map` of every `[functions.<name>]` table in config.toml text, resolved against
 * `supabaseDir` as the CLI resolves paths in config.toml. Reads only what this needs of TOML:
 * `[functions.name]` / `[functions."name"]` headers and a quoted `import_map = "..."` line.
 */
export function configuredImportMaps(
  configToml: string,
  supabaseDir: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  let table: string | null = null;
  for (const raw of configToml.split("\n")) {
    const line = raw.trim();
    const header = /^\[\s*functions\.(?:"([^"]+)"|([A-Za-z0-9_-]+))\s*\]$/.exec(line);
    if (header) {
      table = header[1] ?? header[2];
      continue;
    }
    if (line.startsWith("[")) {
      table = null;
      continue;
    }
    const entry = /^import_map\s*=\s*(?:"([^"]*)"|'([^']*)')\s*(#.*)?$/.exec(line);
    if (table && entry) {
      const value = entry[1] ?? entry[2];
      out[table] = value.startsWith("/") ? value : `${supabaseDir}/${value.replace(/^\.\//, "")}`;
    }
  }
  return out;
}

/** {@link configuredImportMaps} of `<supabaseDir>/config.toml`; {} when there is none. */
export async function readConfiguredImportMaps(
  supabaseDir: string,
): Promise<Record<string, string>> {
  try {
    return configuredImportMaps(await Deno.readTextFile(`${supabaseDir}/config.toml`), supabaseDir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return {};
    throw err;
  }
}
