/**
 * The OpenAPI document: committed file = what the schemas generate now, valid OpenAPI 3.1,
 * component schemas valid JSON Schema 2020-12 that accept every example, every function and
 * status documented, and the documented bodies held to the types and parsers the code uses.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { z } from "zod";
import { Validator } from "@seriousme/openapi-schema-validator";
import {
  generateOpenApiJson,
  loadRequestExamples,
  OPENAPI_JSON_PATH,
  readFixture,
} from "../../scripts/gen-openapi.ts";
import {
  documentedOperations,
  ERROR_CODES,
  ERROR_CODES_BY_STATUS,
  errorBodySchema,
  errorBodySchemaFor,
  ingestAnswerSchema,
  notifierSummarySchema,
  REQUEST_EXAMPLE_FIXTURES,
  toastOrderEventSchema,
  toastWebhookBodySchema,
} from "../../shared/openapi.ts";
import { type ErrorBody, errorBody, type ErrorCode } from "../../shared/errors.ts";
import { notifierRequestSchema } from "../../shared/notifier_request.ts";
import { syncAnswerSchema, syncRequestSchema } from "../../shared/sync_request.ts";
import { parseSyncCall, type RunOutcome } from "../../supabase/functions/vendor-sync/handler.ts";
import { parseToastEnvelope, parseToastOrderDetails } from "../../shared/toast.ts";
import { parseSevenShiftsPunchEvent } from "../../shared/sevenshifts.ts";
import type { IngestResult } from "../../supabase/functions/toast-webhook/handler.ts";
import {
  type NotifierSummary,
  parseNotifierCall,
} from "../../supabase/functions/alert-notifier/handler.ts";
import { componentValidator, type OpenApiDoc, refName } from "./_openapi_support.ts";
import { withSeed } from "../_support/property.ts";

// Compile-time: the documented response bodies are the types the code answers with. A change
// on either side stops `deno check` (and so this file) until both agree again.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const errorBodyIsErrorBody: Same<z.infer<typeof errorBodySchema>, ErrorBody> = true;
const codesAreErrorCodes: Same<(typeof ERROR_CODES)[number], ErrorCode> = true;
const ingestOutcomes: Same<z.infer<typeof ingestAnswerSchema>["outcome"], IngestResult["outcome"]> =
  true;
const summaryIsSummary: Same<z.infer<typeof notifierSummarySchema>, NotifierSummary> = true;
const syncAnswerIsAnswer: Same<z.infer<typeof syncAnswerSchema>, { runs: RunOutcome[] }> = true;

const committed = () => Deno.readTextFile(OPENAPI_JSON_PATH);
const loadDoc = async () => JSON.parse(await committed()) as OpenApiDoc;

Deno.test("docs/openapi.json is exactly what the zod schemas, fixtures and handlers generate", async () => {
  assert.ok(
    errorBodyIsErrorBody && codesAreErrorCodes && ingestOutcomes && summaryIsSummary &&
      syncAnswerIsAnswer,
  );
  const generated = await generateOpenApiJson();
  const current = await committed();
  if (generated !== current) {
    const a = generated.split("\n");
    const b = current.split("\n");
    const line = a.findIndex((l, i) => l !== b[i]);
    assert.fail(
      `docs/openapi.json is out of date (first difference at line ${line + 1}: ` +
        `generated ${JSON.stringify(a[line])}, committed ${JSON.stringify(b[line])}). ` +
        "Run: npm run gen-openapi",
    );
  }
});

Deno.test("the document validates against the OpenAPI 3.1 schema", async () => {
  const validator = new Validator();
  const result = await validator.validate(JSON.parse(await committed()));
  assert.equal(validator.version, "3.1");
  assert.deepEqual(result, { valid: true });
  // The validator does reject a broken document (it is not a rubber stamp).
  const broken = JSON.parse(await committed());
  broken.paths["/toast-webhook"].post.parameters[0].in = "body"; // an OpenAPI 2 leftover
  delete broken.info;
  const rejected = await new Validator().validate(broken);
  assert.equal(rejected.valid, false);
});

Deno.test("every function is documented with each status it answers, each with an example", async () => {
  const doc = await loadDoc();
  const expected: Record<string, { method: string; statuses: number[] }> = {
    "/toast-webhook": {
      method: "post",
      statuses: [200, 202, 400, 401, 405, 409, 413, 415, 500, 503],
    },
    "/sevenshifts-webhook": {
      method: "post",
      statuses: [200, 202, 400, 401, 405, 409, 413, 415, 500, 503],
    },
    "/alert-notifier": { method: "post", statuses: [200, 400, 401, 405, 413, 415, 500, 503] },
    "/vendor-sync": { method: "post", statuses: [200, 400, 401, 405, 413, 415, 500, 503] },
    "/api-docs/openapi.json": { method: "get", statuses: [200, 405] },
    "/api-docs": { method: "get", statuses: [200, 404, 405] },
  };
  assert.deepEqual(
    Object.fromEntries(
      documentedOperations().map((o) => [o.path, { method: o.method, statuses: o.statuses }]),
    ),
    expected,
  );
  for (const [path, { method, statuses }] of Object.entries(expected)) {
    const op = doc.paths[path]?.[method];
    assert.ok(op, `${method.toUpperCase()} ${path} is in the document`);
    assert.deepEqual(Object.keys(op.responses).map(Number), statuses, path);
    for (const status of statuses) {
      const content = op.responses[status].content;
      if (path.startsWith("/api-docs") && status === 200) continue; // the page and this document
      const examples = content["application/json"].examples ?? {};
      assert.ok(Object.keys(examples).length > 0, `${path} ${status} has an example`);
    }
  }
  // The headers integrators must send are documented, and carry no real secret.
  const params = (path: string) =>
    Object.fromEntries((doc.paths[path].post.parameters ?? []).map((p) => [p.name, p]));
  assert.equal(params("/toast-webhook")["Toast-Signature"].required, true);
  assert.equal(params("/sevenshifts-webhook")["x-webhook-topic"].required, true);
  for (const name of ["x-hmac-timestamp", "x-hmac-signature", "token"]) {
    assert.ok(params("/sevenshifts-webhook")[name], name);
  }
  const text = await committed();
  for (const env of ["TOAST_WEBHOOK_SECRET", "SEVENSHIFTS_GRANT_GUID", "ALERT_WEBHOOK_SECRET"]) {
    const value = Deno.env.get(env);
    if (value) assert.ok(!text.includes(value), `the document does not contain ${env}'s value`);
  }
});

Deno.test("component schemas are valid JSON Schema 2020-12 and accept every documented example", async () => {
  const doc = await loadDoc();
  const check = componentValidator(doc);
  let checked = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const body = op.requestBody?.content["application/json"];
      for (const [name, example] of Object.entries(body?.examples ?? {})) {
        assert.deepEqual(check(refName(body!.schema.$ref), example.value), [], `${path} ${name}`);
        checked++;
      }
      for (const [status, response] of Object.entries(op.responses)) {
        const json = response.content["application/json"];
        for (const [name, example] of Object.entries(json?.examples ?? {})) {
          const where = `${method} ${path} ${status} ${name}`;
          assert.deepEqual(check(refName(json.schema.$ref), example.value), [], where);
          // And zod agrees: the error examples are the one error shape with this status's codes.
          if (Number(status) >= 400) {
            assert.ok(errorBodySchemaFor(Number(status)).safeParse(example.value).success, where);
            const code = (example.value as ErrorBody).error.code;
            assert.ok(ERROR_CODES_BY_STATUS[Number(status)].includes(code), where);
          }
          checked++;
        }
      }
    }
  }
  assert.ok(checked >= 50, `checked ${checked} examples`);
  // The JSON Schema rejects what the functions reject.
  const order = await readFixture("toast/order_updated_moved_v1.json") as {
    details: { order: { checks: Array<Record<string, unknown>> } };
  };
  order.details.order.checks[0].amount = "12.50";
  assert.notDeepEqual(check("ToastOrderEvent", order), []);
  assert.notDeepEqual(check("ErrorBody", { error: { code: "teapot", message: "x" } }), []);
  assert.deepEqual(
    check("ErrorBody", errorBody("invalid_payload", "x", [{ path: "a", message: "b" }])),
    [],
  );
});

Deno.test("the request examples are the fixtures, and the functions' own parsers accept them", async () => {
  const examples = await loadRequestExamples();
  for (const fixture of REQUEST_EXAMPLE_FIXTURES["toast-webhook"]) {
    const value = examples["toast-webhook"].find((e) => e.name === fixture.name)?.value;
    assert.deepEqual(value, await readFixture(fixture.fixture));
    const envelope = parseToastEnvelope(value);
    assert.ok(envelope.ok, fixture.name);
    const isOrderEvent = ["order_updated", "channel_order_updated"].includes(
      envelope.value.eventType,
    );
    // The documented order-event schema accepts exactly the deliveries the handler applies.
    assert.equal(
      toastOrderEventSchema.safeParse(value).success,
      isOrderEvent && parseToastOrderDetails(envelope.value.details).ok,
      fixture.name,
    );
    assert.ok(toastWebhookBodySchema.safeParse(value).success, fixture.name);
  }
  for (const fixture of REQUEST_EXAMPLE_FIXTURES["sevenshifts-webhook"]) {
    const value = examples["sevenshifts-webhook"].find((e) => e.name === fixture.name)?.value;
    assert.deepEqual(value, await readFixture(fixture.fixture));
    const topic = /x-webhook-topic: ([a-z_.]+)/.exec(fixture.summary)?.[1] ?? "";
    if (topic.startsWith("time_punch.")) {
      assert.ok(parseSevenShiftsPunchEvent(topic, value, "dollars", 7001).ok, fixture.name);
    }
  }
});

Deno.test("the Toast order-event schema and the handler's parser agree on every order fixture and its mutations", async () => {
  const files = [
    "order_updated_excess_food.json",
    "order_updated_full_v1.json",
    "order_updated_full_v2_refund.json",
    "order_updated_moved_v1.json",
    "order_updated_moved_v2.json",
    "order_updated_voided_v1.json",
    "order_updated_voided_v2.json",
  ];
  const fixtures = await Promise.all(files.map((f) => readFixture(`toast/${f}`)));
  const handlerAccepts = (body: unknown) => {
    const envelope = parseToastEnvelope(body);
    return envelope.ok && parseToastOrderDetails(envelope.value.details).ok;
  };
  const breakages: Array<(d: Record<string, unknown>) => void> = [
    () => {},
    (o) => (o.businessDate = 20261131),
    (o) => (o.businessDate = "20261101"),
    (o) => delete o.checks,
    (o) => (o.guid = "not-a-guid"),
    (o) => ((o.checks as Array<Record<string, unknown>>)[0].amount = "9.99"),
    (o) => ((o.checks as Array<Record<string, unknown>>)[0].selections = null),
    (o) => (o.modifiedDate = 12),
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: fixtures.length - 1 }),
      fc.integer({ min: 0, max: breakages.length - 1 }),
      (i, b) => {
        const body = structuredClone(fixtures[i]) as { details: Record<string, unknown> };
        const order = ("order" in body.details ? body.details.order : body.details) as Record<
          string,
          unknown
        >;
        breakages[b](order);
        assert.equal(toastOrderEventSchema.safeParse(body).success, handlerAccepts(body));
        assert.equal(handlerAccepts(body), b === 0);
      },
    ),
    withSeed({ seed: 20261101, numRuns: 200 }),
  );
});

Deno.test("the notifier request schema accepts only what the notifier's parser accepts, with the same meaning", () => {
  const body = fc.record(
    {
      type: fc.constantFrom("INSERT", "SWEEP", "UPDATE", "DELETE", 1, null),
      table: fc.constantFrom("alerts", "locations", undefined),
      schema: fc.constantFrom("public", null, undefined),
      record: fc.oneof(
        fc.record({ id: fc.integer({ min: -3, max: 1_000_000 }) }),
        fc.record({ id: fc.constantFrom("12", 1.5, null) }),
        fc.constant(null),
        fc.constant(undefined),
      ),
      old_record: fc.constantFrom(null, undefined),
    },
    { requiredKeys: ["type"] },
  );
  let accepted = 0;
  fc.assert(
    fc.property(body, (b) => {
      const zod = notifierRequestSchema.safeParse(b);
      const call = parseNotifierCall(b);
      if (zod.success) {
        accepted++;
        assert.ok(!("problem" in call), JSON.stringify(b));
        if (zod.data.type === "SWEEP") assert.deepEqual(call, { mode: "sweep" });
        else assert.deepEqual(call, { mode: "insert", alertId: zod.data.record.id });
      }
      if ("problem" in call) assert.equal(zod.success, false);
    }),
    withSeed({ seed: 4102, numRuns: 500 }),
  );
  assert.ok(accepted > 50, `accepted ${accepted}`);
  for (const wrong of [null, [], "SWEEP", { type: "sweep" }]) {
    assert.equal(notifierRequestSchema.safeParse(wrong).success, false);
    assert.ok("problem" in parseNotifierCall(wrong));
  }
});

Deno.test("vendor-sync accepts exactly the documented sync request", () => {
  const body = fc.oneof(
    fc.record({
      type: fc.constantFrom("SYNC", "sync", "SWEEP"),
      runId: fc.oneof(
        fc.integer({ min: -5, max: 2 ** 40 }),
        fc.constant(null),
        fc.constant(undefined),
        fc.constant("7"),
        fc.double(),
      ),
    }, { requiredKeys: ["type"] }),
    fc.anything(),
  );
  let accepted = 0;
  fc.assert(
    fc.property(body, (b) => {
      const zod = syncRequestSchema.safeParse(b);
      const call = parseSyncCall(b);
      if (zod.success) {
        accepted++;
        assert.deepEqual(call, { runId: zod.data.runId ?? null }, JSON.stringify(b));
      } else assert.ok("problem" in call, JSON.stringify(b));
    }),
    { seed: 58, numRuns: 500 },
  );
  assert.ok(accepted > 30, `accepted ${accepted}`);
});
