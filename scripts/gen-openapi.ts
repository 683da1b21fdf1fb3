/**
 * Regenerates docs/openapi.json from the zod schemas (shared/openapi.ts), with the test
 * fixtures as request examples and, as response examples, what the real handlers answer to
 * them (each handler run in-process with a stub database and made-up secrets, so every
 * documented status shows the body the function really sends).
 *
 * Usage:
 *   npm run gen-openapi                 write docs/openapi.json
 *   npm run gen-openapi -- --check      exit 1 when docs/openapi.json is out of date
 *   npm run gen-openapi -- --bundle     also copy the renderer's files into
 *                                       supabase/functions/api-docs/static/ (run before
 *                                       `supabase functions deploy api-docs`)
 *
 * tests/docs/openapi_test.ts regenerates the document the same way and compares.
 *
 * @module
 */
import { repoPath } from "../local/paths.ts";
import {
  buildOpenApiDocument,
  EXAMPLE_ALERT_RECORD,
  type Json,
  type NamedExample,
  renderOpenApiJson,
  REQUEST_EXAMPLE_FIXTURES,
} from "../shared/openapi.ts";
import {
  alertWebhookHeaders,
  signSevenShiftsPayload,
  signToastPayload,
} from "../shared/signatures.ts";
import {
  createToastWebhookHandler,
  type IngestResult,
  type SqlRunner,
} from "../supabase/functions/toast-webhook/handler.ts";
import { createSevenShiftsWebhookHandler } from "../supabase/functions/sevenshifts-webhook/handler.ts";
import {
  type ClaimedAlert,
  createAlertNotifierHandler,
  type NotifierDb,
} from "../supabase/functions/alert-notifier/handler.ts";
import { createApiDocsHandler, RENDERER_ASSETS } from "../supabase/functions/api-docs/handler.ts";
import { createVendorSyncHandler } from "../supabase/functions/vendor-sync/handler.ts";
import type { ClaimedRun, SyncDb } from "../supabase/functions/vendor-sync/sync_db.ts";

/** Where the generated document is committed. */
export const OPENAPI_JSON_PATH = repoPath("docs/openapi.json");

// Made-up secrets that only sign the examples in this process; no deployment uses them.
const EXAMPLE_TOAST_SECRET = "example-toast-secret";
const EXAMPLE_GRANT_GUID = "00000000-0000-4000-8000-000000000000";
const EXAMPLE_7SHIFTS_TOKEN = "example-webhook-token";
const EXAMPLE_ALERT_SECRET = "example-alert-secret";
/** The clock the examples run at (the fixtures' week). */
const EXAMPLE_NOW = Date.UTC(2026, 10, 2, 2, 0, 0);

/** Reads a fixture under tests/fixtures/ as parsed JSON. */
export async function readFixture(relative: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(repoPath(`tests/fixtures/${relative}`)));
}

/** The request examples: the fixtures named in shared/openapi.ts, loaded. */
export async function loadRequestExamples(): Promise<
  Record<"toast-webhook" | "sevenshifts-webhook", NamedExample[]>
> {
  const load = async (fn: "toast-webhook" | "sevenshifts-webhook") =>
    await Promise.all(
      REQUEST_EXAMPLE_FIXTURES[fn].map(async (f) => ({
        name: f.name,
        summary: f.summary,
        description: `tests/fixtures/${f.fixture}`,
        value: await readFixture(f.fixture),
      })),
    );
  return {
    "toast-webhook": await load("toast-webhook"),
    "sevenshifts-webhook": await load("sevenshifts-webhook"),
  };
}

type Handler = (req: Request) => Promise<Response>;

/** One request to a handler and the name and summary of the example its answer becomes. */
interface Scenario {
  name: string;
  /** The status the handler must answer (generation fails otherwise). */
  status: number;
  summary: string;
  request: Request;
  handler: Handler;
}

const BASE = "http://127.0.0.1:54321/functions/v1";

function unavailable(): Error {
  return Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
    code: "ECONNREFUSED",
  });
}

/** A stub database answering one ingest call with `answer` (or failing with it). */
function stubIngestDb(answer: IngestResult | Error): SqlRunner {
  return {
    query: () =>
      answer instanceof Error ? Promise.reject(answer) : Promise.resolve([{ result: answer }]),
  };
}

const quiet = () => {};

async function toastScenarios(): Promise<Scenario[]> {
  const handler = (answer: IngestResult | Error) =>
    createToastWebhookHandler({
      db: stubIngestDb(answer),
      secret: EXAMPLE_TOAST_SECRET,
      logError: quiet,
    });
  const order = await readFixture("toast/order_updated_moved_v1.json") as Record<string, unknown>;
  const other = await readFixture("toast/menus_updated.json");
  const url = `${BASE}/toast-webhook`;
  const signed = async (body: unknown, extra: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    const timestamp = String((body as { timestamp?: unknown }).timestamp ?? "");
    return new Request(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "toast-signature": await signToastPayload(text, timestamp, EXAMPLE_TOAST_SECRET),
        "toast-event-type": String((body as { eventType?: unknown }).eventType ?? ""),
        ...extra,
      },
      body: text,
    });
  };
  const badOrder = structuredClone(order) as {
    details: { order: { businessDate: unknown; checks: Array<Record<string, unknown>> } };
  };
  badOrder.details.order.businessDate = 20261132;
  badOrder.details.order.checks[0].amount = "25.50";
  const applied = { outcome: "applied", duplicate: false, eventId: 1041 } as const;
  return [
    {
      name: "applied",
      status: 200,
      summary: "Applied: the day's figures were updated",
      request: await signed(order),
      handler: handler(applied),
    },
    {
      name: "redelivery",
      status: 200,
      summary: "A redelivery of a stored event",
      request: await signed(order),
      handler: handler({ ...applied, duplicate: true }),
    },
    {
      name: "stale",
      status: 200,
      summary: "An older version of an order already stored",
      request: await signed(order),
      handler: handler({ outcome: "stale", duplicate: false, eventId: 1042 }),
    },
    {
      name: "ignored",
      status: 202,
      summary: "Another event type: logged, not applied",
      request: await signed(other),
      handler: handler({ outcome: "ignored", duplicate: false, eventId: 1043 }),
    },
    {
      name: "unmapped",
      status: 202,
      summary: "A restaurant not mapped to a location yet: kept, applied once mapped",
      request: await signed(order),
      handler: handler({ outcome: "unmapped", duplicate: false, eventId: 1044 }),
    },
    {
      name: "conflict",
      status: 409,
      summary: "An order GUID that belongs to another restaurant: kept, never applied",
      request: await signed(order),
      handler: handler({
        outcome: "conflict",
        reason: "order d3b07384-d113-4ec6-a7a1-5c3f2b1e9a02 belongs to restaurant " +
          "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e (its first delivery); this delivery for " +
          "restaurant 7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b is kept and not applied",
        duplicate: false,
        eventId: 1045,
      }),
    },
    ...await commonErrorScenarios(
      url,
      handler(applied),
      handler(new Error("unexpected")),
      handler(unavailable()),
      {
        "toast-signature": await signToastPayload(
          JSON.stringify(order),
          String(order.timestamp),
          EXAMPLE_TOAST_SECRET,
        ),
      },
      6 * 1024 * 1024,
      JSON.stringify(order),
    ),
    {
      name: "invalid_payload",
      status: 400,
      summary: "The Order fails its schema",
      request: await signed(badOrder),
      handler: handler(applied),
    },
    {
      name: "missing_signature",
      status: 401,
      summary: "No Toast-Signature",
      request: new Request(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(order),
      }),
      handler: handler(applied),
    },
    {
      name: "bad_signature",
      status: 401,
      summary: "A signature that does not match",
      request: new Request(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "toast-signature": "bm90IGEgcmVhbCBzaWduYXR1cmU=",
        },
        body: JSON.stringify(order),
      }),
      handler: handler(applied),
    },
  ];
}

/** 405, 415, 413, 400 invalid JSON, 500 and 503, as every function answers them. */
async function commonErrorScenarios(
  url: string,
  ok: Handler,
  failing: Handler,
  down: Handler,
  authHeaders: Record<string, string> | ((body: string) => Promise<Record<string, string>>),
  maxBytes: number,
  validBody = "{}",
): Promise<Scenario[]> {
  const post = async (body: string, headers: Record<string, string> = {}) =>
    new Request(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(typeof authHeaders === "function" ? await authHeaders(body) : authHeaders),
        ...headers,
      },
      body,
    });
  const out: Scenario[] = [
    {
      name: "method_not_allowed",
      status: 405,
      summary: "A GET",
      request: new Request(url),
      handler: ok,
    },
    {
      name: "unsupported_media_type",
      status: 415,
      summary: "A body that is not JSON",
      request: await post("order=1", { "content-type": "application/x-www-form-urlencoded" }),
      handler: ok,
    },
    {
      name: "payload_too_large",
      status: 413,
      summary: "A body over the limit",
      request: await post(validBody, { "content-length": String(maxBytes + 1) }),
      handler: ok,
    },
    {
      name: "invalid_json",
      status: 400,
      summary: "A body that is not JSON",
      request: await post('{"timestamp": '),
      handler: ok,
    },
  ];
  out.push(
    {
      name: "internal_error",
      status: 500,
      summary: "An unexpected failure",
      request: await post(validBody),
      handler: failing,
    },
    {
      name: "database_unavailable",
      status: 503,
      summary: "The database is unreachable",
      request: await post(validBody),
      handler: down,
    },
  );
  return out;
}

async function sevenShiftsScenarios(): Promise<Scenario[]> {
  const handler = (answer: IngestResult | Error) =>
    createSevenShiftsWebhookHandler({
      db: stubIngestDb(answer),
      grantGuid: EXAMPLE_GRANT_GUID,
      webhookToken: EXAMPLE_7SHIFTS_TOKEN,
      wageUnit: "dollars",
      now: () => EXAMPLE_NOW,
      logError: quiet,
    });
  const punch = JSON.stringify(await readFixture("7shifts/time_punch.created.breaks.json"));
  const user = JSON.stringify(await readFixture("7shifts/user.modified.json"));
  const schedule = JSON.stringify({
    company_id: 7001,
    location_id: 88001,
    department_ids: [],
    start: "2026-11-02 00:00:00",
    end: "2026-11-08 23:59:59",
  });
  const url = `${BASE}/sevenshifts-webhook`;
  const withToken = `${url}?token=${EXAMPLE_7SHIFTS_TOKEN}`;
  const post = (target: string, body: string, headers: Record<string, string>) =>
    new Request(target, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
  const hmacAt = async (body: string, ms: number) => {
    const ts = String(Math.floor(ms / 1000));
    return {
      "x-hmac-timestamp": ts,
      "x-hmac-signature": await signSevenShiftsPayload(body, ts, EXAMPLE_GRANT_GUID),
    };
  };
  const created = { "x-webhook-topic": "time_punch.created", "x-company-id": "7001" };
  const applied = { outcome: "applied", duplicate: false, eventId: 2051 } as const;
  const bad = JSON.parse(punch);
  bad.clocked_out = "2026-11-01 10:00:00";
  bad.clocked_out_iso = null;
  bad.hourly_wage = -1;
  const badText = JSON.stringify(bad);
  return [
    {
      name: "applied",
      status: 200,
      summary: "Applied (HMAC authentication)",
      request: post(url, punch, { ...created, ...await hmacAt(punch, EXAMPLE_NOW) }),
      handler: handler(applied),
    },
    {
      name: "redelivery",
      status: 200,
      summary: "The same delivery again (URL token authentication)",
      request: post(withToken, punch, created),
      handler: handler({ ...applied, duplicate: true }),
    },
    {
      name: "user",
      status: 200,
      summary: "A user webhook (user.modified): kept in the company's staff table",
      request: post(withToken, user, { "x-webhook-topic": "user.modified" }),
      handler: handler({ outcome: "applied", duplicate: false, eventId: 2054 }),
    },
    {
      name: "ignored",
      status: 202,
      summary: "Another topic (schedule.published): logged, not applied",
      request: post(withToken, schedule, { "x-webhook-topic": "schedule.published" }),
      handler: handler({ outcome: "ignored", duplicate: false, eventId: 2052 }),
    },
    {
      name: "unmapped",
      status: 202,
      summary: "A 7shifts location not mapped yet: kept, applied once mapped",
      request: post(withToken, punch, created),
      handler: handler({ outcome: "unmapped", duplicate: false, eventId: 2053 }),
    },
    {
      name: "conflict",
      status: 409,
      summary: "A punch id that belongs to another company's punch: kept, never applied",
      request: post(withToken, punch, created),
      handler: handler({
        outcome: "conflict",
        reason: "punch 5550001 belongs to another 7shifts company than company 7001 (7shifts " +
          "punch ids are unique across companies); kept and not applied",
        duplicate: false,
        eventId: 2055,
      }),
    },
    ...await commonErrorScenarios(
      withToken,
      handler(applied),
      handler(new Error("unexpected")),
      handler(unavailable()),
      created,
      6 * 1024 * 1024,
      punch,
    ),
    {
      name: "missing_topic",
      status: 400,
      summary: "No x-webhook-topic",
      request: post(withToken, punch, {}),
      handler: handler(applied),
    },
    {
      name: "invalid_payload",
      status: 400,
      summary: "A punch that fails its schema",
      request: post(withToken, badText, created),
      handler: handler(applied),
    },
    {
      name: "unauthenticated",
      status: 401,
      summary: "Neither HMAC headers nor a valid token",
      request: post(url, punch, created),
      handler: handler(applied),
    },
    {
      name: "stale_signature",
      status: 401,
      summary: "An HMAC timestamp more than 5 minutes old",
      request: post(url, punch, { ...created, ...await hmacAt(punch, EXAMPLE_NOW - 10 * 60_000) }),
      handler: handler(applied),
    },
  ];
}

/** The alert of the notifier examples, as `pipeline.claim_alert` hands it over. */
function exampleClaimedAlert(): ClaimedAlert {
  const r = EXAMPLE_ALERT_RECORD;
  return {
    alertId: r.id,
    locationId: r.location_id,
    kind: r.kind,
    fromState: r.from_state,
    locationName: r.location_name,
    timeZone: r.time_zone,
    businessDate: r.business_date,
    laborPctBp: r.labor_pct_bp,
    laborTargetBp: r.labor_target_bp,
    criticalThresholdBp: r.critical_threshold_bp,
    recoveryThresholdBp: r.recovery_threshold_bp,
    netSalesCents: r.net_sales_cents,
    laborCostCents: r.labor_cost_cents,
    paidLaborSeconds: r.paid_labor_seconds,
    cplhCents: r.cplh_cents,
    splhCents: r.splh_cents,
    openPunchCount: r.open_punch_count,
    metricsAsOf: r.metrics_as_of,
    createdAt: r.created_at,
    previous: null,
    status: "sending",
    leaseToken: "00000000-0000-4000-8000-00000000a1e7",
    attemptCount: 0,
    channelAttempts: { slack: 0, discord: 0 },
    targetChannels: ["slack", "discord"],
    deliveredChannels: [],
    failedChannels: [],
    slackWebhookUrl: null,
    discordWebhookUrl: null,
    lastError: null,
  };
}

async function notifierScenarios(): Promise<Scenario[]> {
  const url = `${BASE}/alert-notifier`;
  /** A notifier whose database hands out `claimed` once, and whose channels answer `status`. */
  const handler = (claimed: ClaimedAlert[] | Error, channelStatus = 200) => {
    let handedOut = false;
    const claim = () => {
      if (claimed instanceof Error) return Promise.reject(claimed);
      const batch = handedOut ? [] : claimed;
      handedOut = true;
      return Promise.resolve(batch.map((a) => structuredClone(a)));
    };
    const delivered = new Set<string>();
    const db: NotifierDb = {
      claimAlert: claim,
      claimDueAlerts: claim,
      recordAttempt: (r) => {
        if (r.outcome === "delivered") delivered.add(r.channel);
        if (r.outcome === "retry" || r.outcome === "deferred") {
          return Promise.resolve({ status: "pending" });
        }
        return Promise.resolve({ status: delivered.size === 2 ? "sent" : "sending" });
      },
      reserveWebhookSlot: () => Promise.resolve({ reserved: true, waitMs: 0 }),
    };
    return createAlertNotifierHandler({
      db,
      settings: {
        alertWebhookSecret: EXAMPLE_ALERT_SECRET,
        // Never contacted: `fetch` below answers for both channels.
        slackWebhookUrl: "https://slack.example.invalid/webhook",
        discordWebhookUrl: "https://discord.example.invalid/webhook",
        inProcessRetries: 0,
      },
      fetch: (_input, _init) =>
        Promise.resolve(
          channelStatus === 200
            ? new Response("ok", { status: 200 })
            : new Response("rate limited", {
              status: channelStatus,
              headers: { "retry-after": "30" },
            }),
        ),
      now: () => EXAMPLE_NOW,
      sleep: () => Promise.resolve(),
      random: () => 0.5,
      log: quiet,
    });
  };
  // Signed as the database signs it, at the examples' clock.
  const auth = (body: string) => alertWebhookHeaders(body, EXAMPLE_ALERT_SECRET, EXAMPLE_NOW);
  const insert = JSON.stringify({
    type: "INSERT",
    table: "alerts",
    schema: "public",
    record: EXAMPLE_ALERT_RECORD,
    old_record: null,
  });
  const post = async (body: string, headers?: Record<string, string>) =>
    new Request(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(headers ?? await auth(body)) },
      body,
    });
  const alert = exampleClaimedAlert();
  return [
    {
      name: "delivered",
      status: 200,
      summary: "A new alert, delivered to Slack and Discord",
      request: await post(insert),
      handler: handler([alert]),
    },
    {
      name: "retry_later",
      status: 200,
      summary: "The sweep: Slack answered 429, the alert will be retried",
      request: await post('{"type":"SWEEP"}'),
      handler: handler([{ ...alert, targetChannels: ["slack"] }], 429),
    },
    {
      name: "nothing_due",
      status: 200,
      summary: "The sweep with nothing due",
      request: await post('{"type":"SWEEP"}'),
      handler: handler([]),
    },
    ...await commonErrorScenarios(
      url,
      handler([]),
      handler(new Error("unexpected")),
      handler(unavailable()),
      auth,
      256 * 1024,
      insert,
    ),
    {
      name: "invalid_payload",
      status: 400,
      summary: "Neither a database webhook INSERT of an alert nor a sweep",
      request: await post('{"type":"UPDATE","table":"alerts","record":{"id":4102}}'),
      handler: handler([]),
    },
    {
      name: "unauthorized",
      status: 401,
      summary: "Not signed by the database",
      request: await post(insert, {}),
      handler: handler([]),
    },
  ];
}

/** A run as `pipeline.claim_sync_run` hands it over (a location with nothing to pull). */
function exampleClaimedRun(): ClaimedRun {
  return {
    runId: 58,
    kind: "manual",
    leaseToken: "00000000-0000-4000-8000-0000000000a5",
    phase: "toast_orders",
    cursor: {},
    fromDate: "2026-11-01",
    toDate: "2026-11-01",
    modifiedSince: "2026-11-01T09:00:00Z",
    windowEnd: "2026-11-02T02:00:00Z",
    clockedInFrom: "2026-11-01T09:00:00Z",
    clockedInTo: "2026-11-02T09:00:00Z",
    refundDates: ["2026-11-01"],
    invocations: 1,
    failures: 0,
    requests: 0,
    location: {
      id: 12,
      name: "Maple Street Bistro",
      timeZone: "America/Chicago",
      toastRestaurantGuid: null,
      sevenshiftsCompanyId: null,
      sevenshiftsLocationId: null,
    },
    toast: null,
    sevenshifts: null,
  };
}

async function syncScenarios(): Promise<Scenario[]> {
  const url = `${BASE}/vendor-sync`;
  /** A sync whose database hands out `run` once (or fails with it). */
  const handler = (run: ClaimedRun | null | Error) => {
    let handedOut = false;
    const db: SyncDb = {
      claim: () => {
        if (run instanceof Error) return Promise.reject(run);
        const next = handedOut ? null : run;
        handedOut = true;
        return Promise.resolve(next && structuredClone(next));
      },
      access: () => Promise.reject(new Error("not used")),
      storeSession: () => Promise.resolve(),
      applyPage: () => Promise.resolve({ fetched: 0, new: 0, changed: 0, unchanged: 0, held: 0 }),
      unseenPunches: () => Promise.resolve([]),
      unknownRefunds: () => Promise.resolve([]),
      release: () => Promise.resolve(),
      finish: () => Promise.resolve({ pages: 0, rows_fetched: 0 }),
    };
    return createVendorSyncHandler({
      db,
      settings: { databaseWebhookSecret: EXAMPLE_ALERT_SECRET },
      clock: { now: () => EXAMPLE_NOW, sleep: () => Promise.resolve() },
      log: quiet,
    });
  };
  const auth = (body: string) => alertWebhookHeaders(body, EXAMPLE_ALERT_SECRET, EXAMPLE_NOW);
  const call = JSON.stringify({ type: "SYNC", runId: 58 });
  const post = async (body: string, headers?: Record<string, string>) =>
    new Request(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(headers ?? await auth(body)) },
      body,
    });
  return [
    {
      name: "succeeded",
      status: 200,
      summary: "A run worked through to the end",
      request: await post(call),
      handler: handler(exampleClaimedRun()),
    },
    {
      name: "nothing_due",
      status: 200,
      summary: "The sweep with nothing due",
      request: await post('{"type":"SYNC"}'),
      handler: handler(null),
    },
    ...await commonErrorScenarios(
      url,
      handler(null),
      handler(new Error("unexpected")),
      handler(unavailable()),
      auth,
      16 * 1024,
      call,
    ),
    {
      name: "invalid_payload",
      status: 400,
      summary: "Not a sync request",
      request: await post('{"type":"SYNC","runId":"58"}'),
      handler: handler(null),
    },
    {
      name: "unauthorized",
      status: 401,
      summary: "Not signed by the database",
      request: await post(call, {}),
      handler: handler(null),
    },
  ];
}

function apiDocsScenarios(): Scenario[] {
  const handler = createApiDocsHandler({ document: {}, readAsset: () => Promise.resolve(null) });
  const url = `${BASE}/api-docs`;
  return [
    {
      name: "not_found",
      status: 404,
      summary: "Nothing at that path",
      request: new Request(`${url}/nothing-here`),
      handler,
    },
    {
      name: "method_not_allowed",
      status: 405,
      summary: "A POST",
      request: new Request(`${url}/openapi.json`, { method: "POST" }),
      handler,
    },
  ];
}

/** Runs each scenario and files its answer under its function and status. */
export async function collectResponseExamples(): Promise<
  Record<string, Record<number, NamedExample[]>>
> {
  const groups: Record<string, Scenario[]> = {
    "toast-webhook": await toastScenarios(),
    "sevenshifts-webhook": await sevenShiftsScenarios(),
    "alert-notifier": await notifierScenarios(),
    "vendor-sync": await syncScenarios(),
    "api-docs": apiDocsScenarios(),
  };
  const out: Record<string, Record<number, NamedExample[]>> = {};
  for (const [fn, scenarios] of Object.entries(groups)) {
    const byStatus: Record<number, NamedExample[]> = {};
    for (const s of scenarios) {
      const res = await s.handler(s.request);
      if (res.status !== s.status) {
        throw new Error(
          `${fn} example ${s.name}: expected ${s.status}, got ${res.status} ${await res.text()}`,
        );
      }
      const value = JSON.parse(await res.text()) as Json;
      (byStatus[res.status] ??= []).push({ name: s.name, summary: s.summary, value });
    }
    out[fn] = byStatus;
  }
  return out;
}

/** The package version, for `info.version`. */
async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await Deno.readTextFile(repoPath("package.json")));
  return String(pkg.version);
}

/** Builds the document exactly as docs/openapi.json should hold it. */
export async function generateOpenApiJson(): Promise<string> {
  const document = buildOpenApiDocument({
    version: await packageVersion(),
    requestExamples: await loadRequestExamples(),
    responseExamples: await collectResponseExamples(),
  });
  return renderOpenApiJson(document);
}

/** Copies the renderer's files next to the api-docs function, for deployment. */
export async function bundleRendererAssets(): Promise<string[]> {
  const dir = repoPath("supabase/functions/api-docs/static");
  await Deno.mkdir(dir, { recursive: true });
  const names = Object.keys(RENDERER_ASSETS);
  for (const name of names) {
    await Deno.copyFile(repoPath(`node_modules/swagger-ui-dist/${name}`), `${dir}/${name}`);
  }
  return names.map((n) => `${dir}/${n}`);
}

if (import.meta.main) {
  const text = await generateOpenApiJson();
  if (Deno.args.includes("--check")) {
    const current = await Deno.readTextFile(OPENAPI_JSON_PATH).catch(() => "");
    if (current !== text) {
      console.error("docs/openapi.json is out of date: run npm run gen-openapi");
      Deno.exit(1);
    }
    console.log("docs/openapi.json is up to date.");
  } else {
    await Deno.writeTextFile(OPENAPI_JSON_PATH, text);
    console.log(`wrote ${OPENAPI_JSON_PATH} (${text.length} bytes)`);
  }
  if (Deno.args.includes("--bundle")) {
    for (const file of await bundleRendererAssets()) console.log(`copied ${file}`);
  }
}
