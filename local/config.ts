/**
 * Configuration of a local run: the addresses `supabase start` uses, the API keys, and the
 * function secrets.
 *
 * Secrets never live in the repo. They come, in this order, from the process env, then
 * `supabase/functions/.env` (git-ignored, what `supabase functions serve` reads), then
 * `.local/dev-secrets.env` (git-ignored), which is created with random values on first use.
 *
 * @module
 */
import { readEnvFile } from "./functions.ts";
import { repoPath } from "./paths.ts";

/** Ports `supabase start` uses; the local stack serves the same. */
export const DEFAULT_PORTS = { api: 54321, db: 54322 } as const;

/** The secrets the functions and the database webhook need. */
export const SECRET_NAMES = [
  "TOAST_WEBHOOK_SECRET",
  "SEVENSHIFTS_GRANT_GUID",
  "SEVENSHIFTS_WEBHOOK_TOKEN",
  "ALERT_WEBHOOK_SECRET",
] as const;

/**
 * The password of the functions' database login (`pipeline_functions`) on the local stack.
 * Generated like the secrets, but never handed to the functions: they get `PIPELINE_DB_URL`.
 */
export const PIPELINE_DB_PASSWORD = "PIPELINE_DB_PASSWORD";

/** Optional settings passed to the functions when set. */
export const OPTIONAL_FUNCTION_ENV = [
  "SEVENSHIFTS_WAGE_UNIT",
  "SLACK_WEBHOOK_URL",
  "DISCORD_WEBHOOK_URL",
  "TOAST_API_BASE_URL",
  "SEVENSHIFTS_API_BASE_URL",
  "SYNC_BUDGET_MS",
  "SYNC_MAX_PAGES",
] as const;

function randomToken(bytes = 24): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * Reads (creating on first use) the local secrets and the functions' database password,
 * overridden by env and functions/.env.
 */
export async function loadLocalSecrets(): Promise<Record<string, string>> {
  const devPath = repoPath(".local/dev-secrets.env");
  let dev = await readEnvFile(devPath);
  if ([...SECRET_NAMES, PIPELINE_DB_PASSWORD].some((k) => !dev[k])) {
    dev = {
      TOAST_WEBHOOK_SECRET: randomToken(),
      SEVENSHIFTS_GRANT_GUID: crypto.randomUUID(),
      SEVENSHIFTS_WEBHOOK_TOKEN: randomToken(),
      ALERT_WEBHOOK_SECRET: randomToken(),
      [PIPELINE_DB_PASSWORD]: randomToken(),
      ...dev,
    };
    await Deno.mkdir(repoPath(".local"), { recursive: true });
    await Deno.writeTextFile(
      devPath,
      "# Local development secrets, generated on first run. Not used anywhere but here.\n" +
        Object.entries(dev).map(([k, v]) => `${k}=${v}`).join("\n") + "\n",
      { mode: 0o600 },
    );
  }
  const fileEnv = await readEnvFile(repoPath("supabase/functions/.env"));
  const out: Record<string, string> = {};
  for (const name of [...SECRET_NAMES, ...OPTIONAL_FUNCTION_ENV, PIPELINE_DB_PASSWORD]) {
    const value = Deno.env.get(name) ?? fileEnv[name] ?? dev[name];
    if (value) out[name] = value;
  }
  return out;
}

function base64url(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * The supabase CLI's public local-development JWT secret: keys minted with it look like the
 * ones `supabase start` prints. It protects nothing (local only), so it is not a secret.
 */
export const LOCAL_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

/** Mints an HS256 API key for `role`, as `supabase start` does for anon and service_role. */
export async function mintApiKey(role: "anon" | "service_role"): Promise<string> {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(
    JSON.stringify({ iss: "supabase-demo", role, exp: 1983812996 }),
  );
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(LOCAL_JWT_SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sig = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`${header}.${payload}`),
  );
  return `${header}.${payload}.${base64url(new Uint8Array(sig))}`;
}
