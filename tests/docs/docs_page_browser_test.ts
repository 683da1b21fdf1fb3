/**
 * The docs page in a real browser: Debian's Chromium (`apt-get install chromium`; never
 * downloaded by a tool; not run, and named by npm test, where it is missing) driven by
 * playwright-core opens
 * `<SUPABASE_URL>/functions/v1/api-docs` on the test stack, finds each function's endpoint,
 * expands the Toast one and sees a request example, with no console error, no failed request
 * and no request to any other host. Screenshots go to test-artifacts/ (git-ignored): api-docs.png (the
 * page) and api-docs-toast-request.png (the Toast request body with its example).
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { repoPath } from "../../local/paths.ts";
import { testEnv } from "../_support/env.ts";
import { findSystemTool, needsTool } from "../_support/system_tools.ts";

const ARTIFACTS = repoPath("test-artifacts");
const STEP_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 90_000;

/** Rejects after `ms` so a hung browser fails the test instead of stalling the run. */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

Deno.test({
  name: "the docs page renders in Chromium: every endpoint, the Toast request example, " +
    "no console error",
  ...needsTool("chromium"),
}, async () => {
  const chromiumPath = findSystemTool("chromium")!;
  const { functionsUrl } = testEnv();
  const pageUrl = `${functionsUrl}/api-docs`;
  const origin = new URL(functionsUrl).origin;
  const profile = await Deno.makeTempDir({ prefix: "api-docs-chromium-" });
  await Deno.mkdir(ARTIFACTS, { recursive: true });

  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  const foreignRequests: string[] = [];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
    timeout: 30_000,
  });
  try {
    await within(
      TEST_TIMEOUT_MS,
      "the browser check",
      (async () => {
        const page = context.pages()[0] ?? await context.newPage();
        page.setDefaultTimeout(STEP_TIMEOUT_MS);
        page.on("console", (msg) => {
          if (msg.type() === "error") consoleErrors.push(msg.text());
        });
        page.on("pageerror", (err) => consoleErrors.push(`page error: ${err.message}`));
        page.on(
          "requestfailed",
          (req) => failedRequests.push(`${req.url()} ${req.failure()?.errorText}`),
        );
        page.on("response", (res) => {
          if (res.status() >= 400) failedRequests.push(`${res.url()} ${res.status()}`);
        });
        page.on("request", (req) => {
          const url = new URL(req.url());
          if (url.protocol !== "data:" && url.origin !== origin) foreignRequests.push(req.url());
        });

        const response = await page.goto(pageUrl, { waitUntil: "load" });
        assert.equal(response?.status(), 200);

        // Each function's endpoint is listed (Swagger UI renders one block per operation).
        for (
          const path of [
            "/toast-webhook",
            "/sevenshifts-webhook",
            "/alert-notifier",
            "/vendor-sync",
            "/api-docs/openapi.json",
          ]
        ) {
          await page.locator(`.opblock-summary-path[data-path="${path}"]`).waitFor({
            state: "visible",
          });
        }
        assert.equal(await page.locator(".opblock").count(), 6);
        assert.match(await page.locator(".info .title").innerText(), /Labor Pulse functions/);
        // Swagger UI shows problems with a document in the page, not the console.
        const warnings = page.locator(
          ".errors-wrapper, .error-wrapper, .version-pragma, .info__jsonschemadialect",
        );
        assert.equal(await warnings.count(), 0, await page.locator("body").innerText());
        await page.screenshot({ path: `${ARTIFACTS}/api-docs.png` });

        // Expand the Toast webhook: its description, headers and the request example appear.
        const toast = page.locator("#operations-Ingest-toastWebhook");
        await toast.locator(".opblock-summary").first().click();
        const body = toast.locator(".opblock-body");
        await body.waitFor({ state: "visible" });
        await body.getByText("Toast-Signature", { exact: true }).first().waitFor();
        const example = toast.locator(".opblock-section-request-body pre").first();
        await example.waitFor({ state: "visible" });
        const exampleText = await example.innerText();
        assert.match(exampleText, /"eventType": "order_updated"/);
        assert.match(exampleText, /"restaurantGuid": "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b"/);
        // The fixtures are offered as named examples.
        const options = await toast.locator(".opblock-section-request-body select option")
          .allInnerTexts();
        assert.ok(options.some((o) => o.includes("menus_updated")), options.join(" | "));
        // Every documented status of the operation is listed.
        const statuses = await toast.locator(".responses-table .response-col_status")
          .allInnerTexts();
        for (const status of ["200", "202", "400", "401", "405", "413", "415", "500", "503"]) {
          assert.ok(statuses.some((s) => s.trim().startsWith(status)), `${status} in ${statuses}`);
        }
        await toast.locator(".opblock-section-request-body").screenshot({
          path: `${ARTIFACTS}/api-docs-toast-request.png`,
        });
      })(),
    );
  } finally {
    await context.close().catch(() => {});
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
  assert.deepEqual(consoleErrors, [], "console errors");
  assert.deepEqual(failedRequests, [], "failed requests");
  assert.deepEqual(foreignRequests, [], "requests to other hosts");
});
