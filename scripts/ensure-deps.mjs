// Installs the npm packages (Deno, the supabase CLI, embedded Postgres, ...) when they are
// missing or older than package-lock.json, so `npm test` and `npm run demo` work on a fresh clone.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const marker = "node_modules/.package-lock.json";
const stale = !existsSync(marker) ||
  statSync(marker).mtimeMs < statSync("package-lock.json").mtimeMs ||
  !existsSync("node_modules/.bin/deno") || !existsSync("node_modules/.bin/supabase");
if (stale) {
  console.log("Installing npm packages (npm ci)...");
  execSync("npm ci --no-audit --no-fund", { stdio: "inherit" });
}
