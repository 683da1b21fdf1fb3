/**
 * Every function deploys as it is, proven the way the platform sees it: the pinned supabase
 * CLI (2.117.0) runs `functions deploy --use-api` from the checkout against a local fake of
 * the Management API (./_management_api.ts), which captures each multipart upload. Each
 * upload is unpacked into an empty folder of its own and run on the edge runtime's Deno
 * (2.1.4) with only those files and the uploaded import map; a signed Toast delivery and a
 * signed 7shifts delivery then get their normal answers from the uploaded copies, and the
 * test database holds what they sent.
 */
import assert from "node:assert/strict";
import { OPTIONAL_FUNCTION_ENV, SECRET_NAMES } from "../../local/config.ts";
import { type FunctionSpec, startFunctionServer } from "../../local/functions.ts";
import { repoPath } from "../../local/paths.ts";
import { freePort } from "../../local/postgres.ts";
import { testDb, testEnv } from "../_support/env.ts";
import {
  deliverPunch,
  deliverToast,
  newLocation,
  punchBody,
  sixHourPunch,
  toastEnvelope,
  vendorIds,
} from "../fault/vendors.ts";
import {
  lockManagementApiPort,
  MANAGEMENT_API_PORT,
  startManagementApiFake,
  type Upload,
} from "./_management_api.ts";

const FUNCTIONS = [
  "alert-notifier",
  "api-docs",
  "sevenshifts-webhook",
  "toast-webhook",
  "vendor-sync",
];

/** A project ref as the CLI validates it (20 lowercase letters). */
function projectRef(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(20)),
    (b) => String.fromCharCode(97 + (b % 26)),
  ).join("");
}

/** An access token of the shape the CLI accepts (`sbp_` and 40 hex digits); worth nothing. */
function dummyAccessToken(): string {
  return `sbp_${
    Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) => b.toString(16).padStart(2, "0"))
      .join("")
  }`;
}

/** Runs the pinned CLI's deploy of every function, with a throwaway home folder. */
async function deployWithCli(ref: string, token: string): Promise<{ ok: boolean; log: string }> {
  const home = await Deno.makeTempDir({ prefix: "cli-home-" });
  try {
    const out = await new Deno.Command(repoPath("node_modules/.bin/supabase"), {
      args: [
        "functions",
        "deploy",
        "--use-api",
        "--profile",
        "supabase-local",
        "--project-ref",
        ref,
      ],
      cwd: repoPath(),
      clearEnv: true,
      env: { PATH: Deno.env.get("PATH") ?? "", HOME: home, SUPABASE_ACCESS_TOKEN: token },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return { ok: out.success, log };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** Writes an upload's files into a new empty folder; its path. */
async function unpack(upload: Upload): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: `uploaded-${upload.slug}-` });
  for (const [path, bytes] of upload.files) {
    assert.ok(!path.startsWith("/") && !path.split("/").includes(".."), `upload path ${path}`);
    const target = `${root}/${path}`;
    await Deno.mkdir(target.replace(/\/[^/]+$/, ""), { recursive: true });
    await Deno.writeFile(target, bytes);
  }
  return root;
}

/** The env Supabase injects, and the project's secrets, from the test harness. */
function functionEnv(): Record<string, string> {
  const names = [
    "SUPABASE_DB_URL",
    "SUPABASE_ANON_KEY",
    "SUPABASE_SERVICE_ROLE_KEY",
    "PIPELINE_DB_URL",
    ...SECRET_NAMES,
    ...OPTIONAL_FUNCTION_ENV,
  ];
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

Deno.test("deploy: the pinned CLI uploads each function with its deno.json; the upload alone answers signed deliveries on Deno 2.1.4", async () => {
  const env = testEnv();
  const ref = projectRef();
  const token = dummyAccessToken();
  const api = await startManagementApiFake(ref, token);
  let cli: { ok: boolean; log: string };
  try {
    cli = await deployWithCli(ref, token);
  } finally {
    await api.stop();
  }
  assert.ok(cli.ok, `supabase functions deploy failed:\n${cli.log}\ncalls: ${api.calls}`);

  // What the CLI sent: one upload per function, then one bulk update naming them all.
  assert.deepEqual(api.uploads.map((u) => u.slug).sort(), FUNCTIONS);
  for (const u of api.uploads) {
    const dir = `supabase/functions/${u.slug}`;
    assert.equal(u.bundleOnly, true, u.slug);
    assert.equal(u.metadata.entrypoint_path, `${dir}/index.ts`, u.slug);
    assert.equal(u.metadata.import_map_path, `${dir}/deno.json`, u.slug);
    assert.equal(u.metadata.verify_jwt, false, `${u.slug}: config.toml verify_jwt`);
    assert.ok(u.files.has(`${dir}/index.ts`) && u.files.has(`${dir}/deno.json`), u.slug);
    const paths = [...u.files.keys()];
    assert.ok(!u.files.has("deno.json"), `${u.slug}: the repo-root deno.json was uploaded`);
    assert.deepEqual(paths.filter((p) => p.startsWith("node_modules/")), [], u.slug);
  }
  const bySlug = new Map(api.uploads.map((u) => [u.slug, u]));
  assert.ok(bySlug.get("toast-webhook")!.files.has("shared/toast.ts"));
  assert.ok(bySlug.get("toast-webhook")!.files.has("supabase/functions/_shared/db.ts"));
  assert.ok(bySlug.get("api-docs")!.files.has("docs/openapi.json"));
  assert.deepEqual(bySlug.get("api-docs")!.metadata.static_patterns, [
    "supabase/functions/api-docs/static/*",
  ]);
  assert.equal(api.bulkUpdates.length, 1);
  assert.deepEqual(
    (api.bulkUpdates[0] as Array<{ slug: string }>).map((f) => f.slug).sort(),
    FUNCTIONS,
  );

  // Each upload alone, in an empty folder, on the edge runtime's Deno.
  const folders: string[] = [];
  const specs: FunctionSpec[] = [];
  for (const u of api.uploads) {
    const root = await unpack(u);
    folders.push(root);
    specs.push({
      name: u.slug,
      entrypoint: `${root}/${u.metadata.entrypoint_path}`,
      importMap: u.metadata.import_map_path ? `${root}/${u.metadata.import_map_path}` : null,
      root,
    });
  }
  const sql = testDb();
  const server = await startFunctionServer({
    port: freePort(),
    env: functionEnv(),
    functions: specs,
    log: () => {},
  });
  try {
    const functionsUrl = `${server.url}/functions/v1`;
    const ids = vendorIds();
    const locationId = await newLocation(sql, ids, { name: "Deployed copy" });

    const order = {
      orderGuid: crypto.randomUUID(),
      businessDate: 20261121,
      modifiedDate: "2026-11-21T19:00:00.000Z",
      amountCents: 42_00,
      tipCents: 3_00,
    };
    const toast = await deliverToast(
      functionsUrl,
      env.toastSecret,
      toastEnvelope(order, ids.toastGuid),
      ids.toastGuid,
    );
    assert.deepEqual([toast.status, toast.json.outcome], [200, "applied"], JSON.stringify(toast));

    const punch = await deliverPunch(
      functionsUrl,
      env.sevenShiftsGrantGuid,
      punchBody(sixHourPunch(ids)),
      "time_punch.created",
    );
    assert.deepEqual([punch.status, punch.json.outcome], [200, "applied"], JSON.stringify(punch));

    const [day] = await sql`select net_sales_cents::int as net, labor_cost_cents::int as labor
      from public.daily_metrics where location_id = ${locationId}
        and business_date = '2026-11-21'`;
    assert.deepEqual({ ...day }, { net: 42_00, labor: 6 * 18_00 });

    // The API docs function serves the uploaded docs/openapi.json (a JSON module import).
    const docs = await fetch(`${functionsUrl}/api-docs/openapi.json`);
    assert.equal(docs.status, 200);
    assert.deepEqual(
      await docs.json(),
      JSON.parse(await Deno.readTextFile(repoPath("docs/openapi.json"))),
    );
    // The notifier started from its upload and answers (POST only).
    const notifier = await fetch(`${functionsUrl}/alert-notifier`);
    assert.equal(notifier.status, 405);
    await notifier.body?.cancel();
  } finally {
    await server.stop();
    await sql.end();
    for (const f of folders) await Deno.remove(f, { recursive: true });
  }
});

Deno.test("deploy: a taken port 8080 is a clear error, not a deploy to someone else", async () => {
  const lock = await lockManagementApiPort();
  let holder: Deno.Listener | null = null;
  try {
    try {
      holder = Deno.listen({ hostname: "127.0.0.1", port: MANAGEMENT_API_PORT });
    } catch (err) {
      // Already taken by something else: the fake must say so all the same.
      if (!(err instanceof Deno.errors.AddrInUse)) throw err;
    }
    await assert.rejects(
      startManagementApiFake(projectRef(), dummyAccessToken(), { lock: false }),
      /Port 8080 on 127\.0\.0\.1 is taken\. The supabase CLI's '--profile supabase-local'/,
    );
  } finally {
    holder?.close();
    lock.close();
  }
});
