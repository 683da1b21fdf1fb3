/**
 * The documentation URL of the running stack: `GET <SUPABASE_URL>/functions/v1/api-docs/
 * openapi.json` serves the committed, valid document; the page and its assets come from the
 * same function; and the live functions answer the way the document says (status documented
 * for the operation, body valid against the documented JSON Schema).
 */
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { repoPath } from "../../local/paths.ts";
import { EXAMPLE_ALERT_RECORD } from "../../shared/openapi.ts";
import { signToastPayload } from "../../shared/signatures.ts";
import { signedAlertHeaders } from "../_support/alert_webhook.ts";
import { testDb, testEnv } from "../_support/env.ts";
import { componentValidator, type OpenApiDoc, refName } from "./_openapi_support.ts";

const committedDoc = async () =>
  JSON.parse(await Deno.readTextFile(repoPath("docs/openapi.json"))) as OpenApiDoc;

Deno.test("GET /functions/v1/api-docs/openapi.json serves the valid document with every function and status", async () => {
  const { functionsUrl } = testEnv();
  const res = await fetch(`${functionsUrl}/api-docs/openapi.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  const text = await res.text();
  const served = JSON.parse(text);
  assert.deepEqual(served, await committedDoc());
  assert.deepEqual(await new Validator().validate(JSON.parse(text)), { valid: true });
  assert.equal(served.openapi, "3.1.0");
  const statuses = (path: string) => Object.keys(served.paths[path].post.responses).map(Number);
  assert.deepEqual(statuses("/toast-webhook"), [200, 202, 400, 401, 405, 409, 413, 415, 500, 503]);
  assert.deepEqual(statuses("/sevenshifts-webhook"), [
    200,
    202,
    400,
    401,
    405,
    409,
    413,
    415,
    500,
    503,
  ]);
  assert.deepEqual(statuses("/alert-notifier"), [200, 400, 401, 405, 413, 415, 500, 503]);
  assert.deepEqual(statuses("/vendor-sync"), [200, 400, 401, 405, 413, 415, 500, 503]);

  const head = await fetch(`${functionsUrl}/api-docs/openapi.json`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
});

Deno.test("the docs page and its renderer files are served by the same function, no CDN", async () => {
  const { functionsUrl } = testEnv();
  for (
    const [pageUrl, base] of [[`${functionsUrl}/api-docs`, "api-docs/"], [
      `${functionsUrl}/api-docs/`,
      "",
    ]]
  ) {
    const page = await fetch(pageUrl);
    assert.equal(page.status, 200, pageUrl);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    const html = await page.text();
    // Every script and stylesheet is relative to this function: nothing from another host.
    const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(links.length >= 4, html);
    for (const link of links) {
      assert.ok(link.startsWith(base) && !link.includes("//"), `${pageUrl}: ${link}`);
      const asset = await fetch(new URL(link, pageUrl));
      assert.equal(asset.status, 200, `${pageUrl}: ${link}`);
      await asset.body?.cancel();
    }
  }
  const bundle = await fetch(`${functionsUrl}/api-docs/assets/swagger-ui-bundle.js`);
  assert.match(bundle.headers.get("content-type") ?? "", /^text\/javascript/);
  const bytes = new Uint8Array(await bundle.arrayBuffer());
  const shipped = await Deno.readFile(
    repoPath("node_modules/swagger-ui-dist/swagger-ui-bundle.js"),
  );
  assert.equal(bytes.length, shipped.length);
  assert.deepEqual(bytes, shipped);
});

Deno.test("api-docs answers 404 and 405 in the one error shape, as documented", async () => {
  const { functionsUrl } = testEnv();
  const doc = await committedDoc();
  const check = componentValidator(doc);
  const cases: Array<[string, RequestInit, number, string]> = [
    [`${functionsUrl}/api-docs/nothing-here`, {}, 404, "/api-docs"],
    [`${functionsUrl}/api-docs/assets/..%2f..%2ftoast-webhook%2findex.ts`, {}, 404, "/api-docs"],
    [`${functionsUrl}/api-docs/assets/package.json`, {}, 404, "/api-docs"],
    [
      `${functionsUrl}/api-docs/openapi.json`,
      { method: "POST", body: "{}" },
      405,
      "/api-docs/openapi.json",
    ],
  ];
  for (const [url, init, status, path] of cases) {
    const res = await fetch(url, init);
    assert.equal(res.status, status, url);
    const schema = doc.paths[path].get.responses[status].content["application/json"].schema;
    assert.deepEqual(check(refName(schema.$ref), await res.json()), [], url);
  }
});

Deno.test("the live functions answer with documented statuses and documented bodies", async () => {
  const env = testEnv();
  const doc = await committedDoc();
  const check = componentValidator(doc);
  const order = JSON.parse(
    await Deno.readTextFile(repoPath("tests/fixtures/toast/order_updated_moved_v1.json")),
  );
  // A restaurant nobody mapped: the delivery is kept as unmapped (202), nothing else changes.
  order.guid = crypto.randomUUID();
  order.details.restaurantGuid = crypto.randomUUID();
  order.details.order.guid = crypto.randomUUID();
  const orderText = JSON.stringify(order);
  const json = { "content-type": "application/json" };
  const calls: Array<[string, RequestInit]> = [
    ["/toast-webhook", {
      method: "POST",
      headers: {
        ...json,
        "toast-signature": await signToastPayload(orderText, order.timestamp, env.toastSecret),
      },
      body: orderText,
    }],
    ["/toast-webhook", { method: "GET" }],
    ["/toast-webhook", { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }],
    ["/toast-webhook", { method: "POST", headers: json, body: orderText }],
    ["/toast-webhook", {
      method: "POST",
      headers: { ...json, "toast-signature": "AAAA" },
      body: "{",
    }],
    ["/sevenshifts-webhook", { method: "POST", headers: json, body: "{}" }],
    ["/sevenshifts-webhook?token=" + encodeURIComponent(env.sevenShiftsToken), {
      method: "POST",
      headers: json,
      body: "{}",
    }],
    ["/alert-notifier", { method: "POST", headers: json, body: '{"type":"SWEEP"}' }],
    ["/alert-notifier", {
      method: "POST",
      headers: await signedAlertHeaders('{"type":"UPDATE"}', env.alertSecret),
      body: '{"type":"UPDATE"}',
    }],
  ];
  const seen: string[] = [];
  for (const [target, init] of calls) {
    const res = await fetch(`${env.functionsUrl}${target}`, init);
    const path = target.split("?")[0];
    const documented = doc.paths[path].post.responses[res.status];
    assert.ok(documented, `${init.method} ${target} answered ${res.status}, not documented`);
    const schema = documented.content["application/json"].schema;
    assert.deepEqual(check(refName(schema.$ref), await res.json()), [], `${target} ${res.status}`);
    seen.push(`${path} ${res.status}`);
  }
  assert.deepEqual(seen, [
    "/toast-webhook 202",
    "/toast-webhook 405",
    "/toast-webhook 415",
    "/toast-webhook 401",
    "/toast-webhook 400",
    "/sevenshifts-webhook 401",
    "/sevenshifts-webhook 400",
    "/alert-notifier 401",
    "/alert-notifier 400",
  ]);
});

Deno.test("the notifier's example record has exactly the columns of public.alerts", async () => {
  const sql = testDb();
  try {
    const rows = await sql<{ column_name: string }[]>`
      select column_name from information_schema.columns
      where table_schema = 'public' and table_name = 'alerts' order by ordinal_position`;
    assert.ok(rows.length > 0, "public.alerts exists");
    assert.deepEqual(
      Object.keys(EXAMPLE_ALERT_RECORD).sort(),
      rows.map((r) => r.column_name).sort(),
    );
  } finally {
    await sql.end();
  }
});
