/**
 * The OpenAPI 3.1 description of the project's edge functions, built by `zod-openapi`
 * (`createDocument`, which renders each schema with zod 4's own JSON Schema output) from the
 * same zod schemas the functions validate with: no schema is written twice, and no `$ref` or
 * component is assembled by hand. What is ours is the text: what each operation, status and
 * component means. Pure: the request examples (the test fixtures) and the response examples
 * (what the real handlers answer) are handed in by scripts/gen-openapi.ts, which writes
 * docs/openapi.json; the `api-docs` function serves that file.
 *
 * Response bodies have zod schemas here: the one error shape of shared/errors.ts (narrowed
 * per status to the codes that status carries), the ingest answer and the notifier summary.
 * tests/docs/openapi_test.ts holds them to the TypeScript types the code uses.
 *
 * @module
 */
import { z } from "zod";
import {
  createDocument,
  type oas31,
  type ZodOpenApiContentObject,
  type ZodOpenApiExamplesObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";
import type { ErrorCode } from "./errors.ts";
import {
  TOAST_ORDER_EVENT_TYPES,
  toastCheckSchema,
  toastEnvelopeSchema,
  toastModifierSchema,
  toastOrderSchema,
  toastPaymentSchema,
  toastSelectionSchema,
  toastServiceChargeSchema,
} from "./toast.ts";
import {
  SEVENSHIFTS_PUNCH_TOPICS,
  sevenShiftsBreakSchema,
  sevenShiftsDeletedPunchSchema,
  sevenShiftsPunchSchema,
} from "./sevenshifts.ts";
import { SEVENSHIFTS_USER_TOPICS, sevenShiftsUserSchema } from "./sevenshifts_users.ts";
import { SCHEDULE_PUBLISHED_TOPIC, schedulePublishedSchema } from "./sevenshifts_shifts.ts";
import {
  alertInsertWebhookSchema,
  alertSweepRequestSchema,
  notifierRequestSchema,
} from "./notifier_request.ts";
import { syncAnswerSchema, syncRequestSchema, syncRunOutcomeSchema } from "./sync_request.ts";

// ---------------------------------------------------------------------------------------
// Response bodies
// ---------------------------------------------------------------------------------------

/** Every error code, once; `satisfies` makes the compiler reject a missing or unknown one. */
const ERROR_CODE_SET = {
  method_not_allowed: true,
  unsupported_media_type: true,
  payload_too_large: true,
  invalid_json: true,
  invalid_payload: true,
  unauthorized: true,
  conflict: true,
  not_found: true,
  not_implemented: true,
  database_unavailable: true,
  internal_error: true,
} satisfies Record<ErrorCode, true>;

/** The stable error codes of shared/errors.ts. */
export const ERROR_CODES = Object.keys(ERROR_CODE_SET) as ErrorCode[];

/** One problem with one field (shared/errors.ts `FieldProblem`). */
export const fieldProblemSchema = z.strictObject({
  path: z.string(),
  message: z.string(),
});

function errorSchema(codes: readonly ErrorCode[]) {
  return z.strictObject({
    error: z.strictObject({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      fields: z.array(fieldProblemSchema).min(1).optional(),
    }),
  });
}

/** The one error body of every function (shared/errors.ts `ErrorBody`). */
export const errorBodySchema = errorSchema(ERROR_CODES);

/** The error codes each HTTP status carries (shared/errors.ts, functions' handlers). */
export const ERROR_CODES_BY_STATUS: Readonly<Record<number, readonly ErrorCode[]>> = {
  400: ["invalid_json", "invalid_payload"],
  401: ["unauthorized"],
  404: ["not_found"],
  405: ["method_not_allowed"],
  409: ["conflict"],
  413: ["payload_too_large"],
  415: ["unsupported_media_type"],
  500: ["internal_error"],
  503: ["database_unavailable"],
};

/** One schema per status, made once: the document refers to each as a component. */
const ERROR_BODY_BY_STATUS = new Map(
  Object.entries(ERROR_CODES_BY_STATUS).map(([status, codes]) => [
    Number(status),
    errorSchema(codes),
  ]),
);

/** The error body narrowed to the codes of `status`. */
export function errorBodySchemaFor(status: number): ReturnType<typeof errorSchema> {
  const schema = ERROR_BODY_BY_STATUS.get(status);
  if (!schema) throw new RangeError(`no error codes documented for status ${status}`);
  return schema;
}

/** A webhook's answer once the event is stored (200) or kept without effect (202). */
export const ingestAnswerSchema = z.strictObject({
  outcome: z.enum(["applied", "stale", "ignored", "unmapped", "conflict", "rejected"]),
  duplicate: z.boolean(),
  eventId: z.int().positive().optional(),
});

/** What one notifier invocation did to one alert. */
export const alertOutcomeSchema = z.strictObject({
  alertId: z.int().positive(),
  locationId: z.int().positive(),
  status: z.string(),
  channels: z.partialRecord(z.enum(["slack", "discord"]), z.string()),
  error: z.string().optional(),
});

/** The notifier's 200 answer. */
export const notifierSummarySchema = z.strictObject({
  mode: z.enum(["insert", "sweep"]),
  alertId: z.number().int().positive().optional(),
  alerts: z.array(alertOutcomeSchema),
});

// ---------------------------------------------------------------------------------------
// Request bodies as documented (compositions of the functions' own schemas)
// ---------------------------------------------------------------------------------------

/** `details` wrapped as some senders do: `{restaurantGuid, order}`. */
export const toastWrappedOrderDetailsSchema = z.looseObject({
  restaurantGuid: toastOrderSchema.shape.guid.nullish(),
  order: toastOrderSchema,
});

/** An order event: `details` is the Order, or the Order wrapped with its restaurant. */
export const toastOrderEventSchema = toastEnvelopeSchema.extend({
  eventType: z.enum(TOAST_ORDER_EVENT_TYPES as [string, ...string[]]),
  details: z.union([toastOrderSchema, toastWrappedOrderDetailsSchema]),
});

/** The body `toast-webhook` accepts: an order event, or any other event (stored unread). */
export const toastWebhookBodySchema = z.union([toastOrderEventSchema, toastEnvelopeSchema]);

/** The body of a 7shifts topic other than `time_punch.*`, `user.*`, `schedule.published`. */
export const sevenShiftsOtherTopicBodySchema = z.looseObject({});

/** The body `sevenshifts-webhook` accepts; the `x-webhook-topic` header says which. */
export const sevenShiftsWebhookBodySchema = z.union([
  sevenShiftsPunchSchema,
  sevenShiftsDeletedPunchSchema,
  sevenShiftsUserSchema,
  schedulePublishedSchema,
  sevenShiftsOtherTopicBodySchema,
]);

// ---------------------------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------------------------

/** Component schema names of the error bodies, by status. */
const ERROR_SCHEMA_IDS: Readonly<Record<number, string>> = {
  400: "BadRequestError",
  401: "UnauthorizedError",
  404: "NotFoundError",
  405: "MethodNotAllowedError",
  409: "ConflictError",
  413: "PayloadTooLargeError",
  415: "UnsupportedMediaTypeError",
  500: "InternalError",
  503: "DatabaseUnavailableError",
};

const MONEY_NOTE = "Amounts are decimal dollars as JSON numbers (converted exactly to cents).";

/** A named schema of `components.schemas` and what it means. */
interface Component {
  id: string;
  schema: z.ZodType;
  description: string;
}

/** The named schemas of `components.schemas`, in document order, with what each means. */
function components(): Component[] {
  const out: Component[] = [];
  const add = (schema: z.ZodType, id: string, description: string) =>
    out.push({ id, schema, description });
  add(
    toastWebhookBodySchema,
    "ToastWebhookBody",
    "A Toast webhook delivery: an order event, or any other event type (logged, answered 202).",
  );
  add(
    toastOrderEventSchema,
    "ToastOrderEvent",
    "An `order_updated` or `channel_order_updated` event. `timestamp` is part of the signed " +
      "message, byte for byte.",
  );
  add(
    toastEnvelopeSchema,
    "ToastEnvelope",
    "The envelope every Toast webhook shares. Events other than order events are stored " +
      "with their raw body and not applied.",
  );
  add(
    toastWrappedOrderDetailsSchema,
    "ToastWrappedOrderDetails",
    "`details` as some senders wrap it. The body's `restaurantGuid` wins over the " +
      "`Toast-Restaurant-External-ID` header (the body is signed, the header is not).",
  );
  add(
    toastOrderSchema,
    "ToastOrder",
    "The Toast `Order`, as far as the daily figures need it; every other field is accepted " +
      "and kept in the raw log. `businessDate` is an integer `yyyyMMdd`; `modifiedDate` " +
      "orders versions (older versions are stale). Payment GUIDs must be unique within the " +
      `order. ${MONEY_NOTE}`,
  );
  add(
    toastCheckSchema,
    "ToastCheck",
    "A check. `amount` is Toast's post-discount, pre-tax, pre-gratuity price of the check: " +
      `net sales start from it. Voided or deleted checks count for nothing. ${MONEY_NOTE}`,
  );
  add(
    toastSelectionSchema,
    "ToastSelection",
    "A menu item selection. Voided selections are already outside `check.amount`; deferred " +
      "(gift card) and `HOUSE_ACCOUNT_PAY_BALANCE` selections are taken out of net sales.",
  );
  add(
    toastModifierSchema,
    "ToastModifier",
    "A modifier option selection (nested to any depth). Its price is in its parent's " +
      "`price`; its `refundDetails` count only under a parent selection that carries none.",
  );
  add(
    toastServiceChargeSchema,
    "ToastServiceCharge",
    "An applied service charge. Gratuities go to staff, `FUNDRAISING_CAMPAIGN` charges are " +
      "taken out of net sales.",
  );
  add(
    toastPaymentSchema,
    "ToastPayment",
    "A payment with its tip and, when refunded, its refund: its `refundBusinessDate` (an " +
      "integer `yyyyMMdd`) dates the refunded sales its `refundTransaction` links (the " +
      "`refundDetails` of items and non-gratuity service charges); tax, tips and gratuity in " +
      "`refundAmount` never reduce net sales.",
  );
  add(
    sevenShiftsWebhookBodySchema,
    "SevenShiftsWebhookBody",
    "A 7shifts webhook body. `time_punch.created` and `time_punch.edited` carry the full " +
      "punch; `time_punch.deleted` carries the full punch or at least `{id, company_id}`; " +
      "`user.created`, `user.modified` and `user.deactivated` carry the user; " +
      "`schedule.published` the location and dates published; any other topic is logged and " +
      "answered 202.",
  );
  add(
    sevenShiftsPunchSchema,
    "SevenShiftsTimePunch",
    "The bare time punch (no envelope). Times are ISO-8601 or `YYYY-MM-DD HH:MM:SS` UTC; the " +
      "`*_iso` fields win when present. A clock-in time is required and clock-out may not be " +
      "before it. `hourly_wage` is in the unit set by `SEVENSHIFTS_WAGE_UNIT` (decimal " +
      "dollars by default, as 7shifts' webhook samples send it); null counts the hours at " +
      "zero cost.",
  );
  add(
    sevenShiftsBreakSchema,
    "SevenShiftsBreak",
    "A break. Unpaid, closed, non-deleted breaks are taken out of paid time.",
  );
  add(
    sevenShiftsDeletedPunchSchema,
    "SevenShiftsDeletedTimePunch",
    "The least a `time_punch.deleted` body may carry: the punch id, and the company from the " +
      "body or the `x-company-id` header.",
  );
  add(
    sevenShiftsUserSchema,
    "SevenShiftsUser",
    "A 7shifts user (`user.*` topics) for the staff table: messages name them by first name " +
      "and last initial unless the company allows full names. The newest `modified` wins; " +
      "`user.deactivated` marks them inactive.",
  );
  add(
    schedulePublishedSchema,
    "SevenShiftsSchedulePublished",
    "A `schedule.published` body: the company, the location, the departments and the first " +
      "and last date published (`start`, `end`, midnights). The location's published shifts " +
      "starting on those local dates are pulled from 7shifts' API (a `schedule` sync run) and " +
      "replace what is stored of those dates; answered 200 once the pull is queued, 202 when " +
      "the location is unmapped (held, pulled once mapped) or the company has no 7shifts " +
      "connection to pull with.",
  );
  add(
    sevenShiftsOtherTopicBodySchema,
    "SevenShiftsOtherTopicBody",
    "The body of any other topic (e.g. `payroll_period.closed`): stored with its raw body, " +
      "not read.",
  );
  add(
    notifierRequestSchema,
    "NotifierRequest",
    "What the alert notifier is called with: the database webhook of a new alert, or a sweep.",
  );
  add(
    alertInsertWebhookSchema,
    "AlertInsertWebhook",
    "Supabase's Database Webhook body for an INSERT on `public.alerts` (sent by the " +
      "`alerts_database_webhook` trigger through pg_net). Only `record.id` is read: the alert " +
      "is re-read from the database when it is claimed.",
  );
  add(
    alertSweepRequestSchema,
    "AlertSweepRequest",
    "The sweep (pg_cron, every minute while alerts are due): deliver every due alert, " +
      "oldest first, each location's in order.",
  );
  add(
    syncRequestSchema,
    "SyncRequest",
    "What the vendor sync is called with (by the database, through pg_net): take run " +
      "`runId` first when it is due, then any other due run.",
  );
  add(
    syncAnswerSchema,
    "SyncAnswer",
    "What one vendor-sync invocation did: one outcome per run it worked on.",
  );
  add(
    syncRunOutcomeSchema,
    "SyncRunOutcome",
    "One run's outcome in this invocation: `succeeded`, `failed` (`detail` says why: the " +
      "vendor refused), `released` (to resume at its cursor: the budget was spent, or a 429 " +
      "or a transient failure asked to wait) or `lease_lost` (another invocation has it). " +
      "The run's report is `public.sync_runs`.",
  );
  add(
    errorBodySchema,
    "ErrorBody",
    "The one error shape of every function. `code` is stable (branch on it); `message` is " +
      "for people; `fields` names each bad field by dotted path (`details.checks.0.amount`) " +
      "or `header:<name>`, and is left out when empty.",
  );
  add(fieldProblemSchema, "FieldProblem", "One problem with one field of the request.");
  for (const [status, id] of Object.entries(ERROR_SCHEMA_IDS)) {
    const codes = ERROR_CODES_BY_STATUS[Number(status)].map((c) => `\`${c}\``).join(", ");
    add(errorBodySchemaFor(Number(status)), id, `The error body of a ${status}: code ${codes}.`);
  }
  add(
    ingestAnswerSchema,
    "IngestAnswer",
    "A webhook's answer. 200: `applied` (the figures were updated) or `stale` (an older " +
      "version than the one stored). 202: `ignored` (not an event this pipeline reads), " +
      "`unmapped` (the restaurant or 7shifts location is not mapped to a location yet; kept " +
      "and applied once it is) or `rejected` (a redelivery of a held event that could not be " +
      "applied when its location was mapped). A `conflict` (a Toast order GUID that belongs " +
      "to another restaurant) is answered 409 with the error body instead. `duplicate` is " +
      "true for a redelivery of a stored event.",
  );
  add(
    notifierSummarySchema,
    "NotifierSummary",
    "What one notifier invocation did: one outcome per alert it handled; for a database " +
      "webhook call (`insert`), `alertId` names the alert the call was for, even when " +
      "another invocation had it (pg_net keeps this answer, so every call can be matched).",
  );
  add(
    alertOutcomeSchema,
    "AlertOutcome",
    "One alert's outcome: `status` afterwards (`sent`, `pending` = will retry, `failed`, " +
      "`undeliverable` = no channel configured, or `lease_lost`), and per channel " +
      "(`slack`, `discord`) `delivered`, `retry`, `deferred` or `failed`.",
  );
  return out;
}

/** A JSON value (what the document holds). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

// ---------------------------------------------------------------------------------------
// The functions
// ---------------------------------------------------------------------------------------

/** The functions documented, as served at `<SUPABASE_URL>/functions/v1/<name>`. */
export type ApiFunctionName =
  | "toast-webhook"
  | "sevenshifts-webhook"
  | "alert-notifier"
  | "vendor-sync"
  | "api-docs";

/** An example for a request or response body, by name. */
export interface NamedExample {
  /** Key in the `examples` map (stable, URL-safe). */
  name: string;
  summary: string;
  description?: string;
  value: unknown;
}

/** Responses of one operation: status → what it means, its body schema, its headers. */
interface ResponseDoc {
  description: string;
  /** The JSON body's schema (the handlers' examples are attached to it). */
  schema?: z.ZodType;
  /** A body that is not one of our JSON answers (the api-docs page and this document). */
  body?: ZodOpenApiContentObject;
  headers?: Record<string, { description: string; schema: JsonObject }>;
}

const ALLOW_HEADER = {
  Allow: { description: "The method to use.", schema: { type: "string" } },
};
const RETRY_AFTER_HEADER = {
  "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "string" } },
};

/** The answers every function shares for a malformed request. */
/** The 401 of a function only the database calls (its signature). */
const DATABASE_SIGNATURE_REFUSED: ResponseDoc = {
  description: "The signature is missing, stale (the body is not read) or does not match the " +
    "body.",
  schema: errorBodySchemaFor(401),
};

function requestErrors(maxBody: string): Record<number, ResponseDoc> {
  return {
    400: {
      description: "The body is not UTF-8 JSON, or fails its schema: every bad field is " +
        "listed in `error.fields` by path.",
      schema: errorBodySchemaFor(400),
    },
    405: {
      description: "Not POST.",
      schema: errorBodySchemaFor(405),
      headers: ALLOW_HEADER,
    },
    413: {
      description: `The body is larger than ${maxBody} (refused while streaming; never ` +
        "buffered whole).",
      schema: errorBodySchemaFor(413),
    },
    415: {
      description: "The body is not `application/json` (or `+json`).",
      schema: errorBodySchemaFor(415),
    },
    500: {
      description: "Anything unexpected. Nothing is answered 2xx that was not committed.",
      schema: errorBodySchemaFor(500),
    },
  };
}

const WEBHOOK_STORED = {
  description: "Stored: `applied`, or `stale` (older than the stored version); `duplicate` " +
    "for a redelivery.",
  schema: ingestAnswerSchema,
};
const WEBHOOK_ACCEPTED = {
  description: "Kept without effect: `ignored` (not an event this pipeline reads), " +
    "`unmapped` (applied once the location is mapped) or `rejected` (held, then not " +
    "applicable when its location was mapped; the reason is in the event log).",
  schema: ingestAnswerSchema,
};
const WEBHOOK_UNAVAILABLE = {
  description: "The database is unreachable; the vendor retries.",
  schema: errorBodySchemaFor(503),
  headers: RETRY_AFTER_HEADER,
};

/** One documented operation. */
interface OperationDoc {
  fn: ApiFunctionName;
  path: string;
  method: "get" | "post";
  operationId: string;
  tag: string;
  summary: string;
  description: string;
  parameters: oas31.ParameterObject[];
  security?: Json[];
  requestSchema?: z.ZodType;
  responses: Record<number, ResponseDoc>;
}

const SIX_MIB = "6 MiB (6,291,456 bytes)";

const OPERATIONS: readonly OperationDoc[] = [
  {
    fn: "toast-webhook",
    path: "/toast-webhook",
    method: "post",
    operationId: "toastWebhook",
    tag: "Ingest",
    summary: "Toast orders webhook",
    description: [
      "Receives Toast orders webhooks (`order_updated`, `channel_order_updated`): verifies the " +
      "signature, validates the envelope and the Order, reduces it to integer cents and stores " +
      "it in one database round trip. The location's daily labor %, CPLH and SPLH follow.",
      "",
      "**Signature**: `Toast-Signature` is the base64 HMAC-SHA256, keyed with the " +
      "subscription's secret (`TOAST_WEBHOOK_SECRET`), of the raw body followed by the " +
      "envelope's `timestamp` text. It is checked before the body is used.",
      "",
      "**Retries and duplicates**: Toast retries after 5 and 15 minutes on timeouts, 404, 429 " +
      "and 5xx, never on other 4xx; the same event delivered again is stored once. Answer " +
      "time is one database call.",
    ].join("\n"),
    parameters: [
      {
        name: "Toast-Signature",
        in: "header",
        required: true,
        description: "base64(HMAC-SHA256(subscription secret, raw body + envelope `timestamp`)). " +
          "Missing or not matching: 401.",
        schema: { type: "string" },
        example: "bm90IGEgcmVhbCBzaWduYXR1cmU=",
      },
      {
        name: "Toast-Restaurant-External-ID",
        in: "header",
        required: false,
        description: "The restaurant GUID. Needed when `details` is the bare Order; when " +
          "`details` carries `restaurantGuid`, that one is used (it is signed).",
        schema: { type: "string", format: "uuid" },
        example: "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b",
      },
      {
        name: "Toast-Event-Type",
        in: "header",
        required: false,
        description: "The event type, as in the body's `eventType` (kept in the log).",
        schema: { type: "string" },
        example: "order_updated",
      },
      {
        name: "Toast-Attempt-Number",
        in: "header",
        required: false,
        description: "Toast's delivery attempt counter (kept in the log).",
        schema: { type: "string" },
        example: "1",
      },
    ],
    requestSchema: toastWebhookBodySchema,
    responses: {
      200: WEBHOOK_STORED,
      202: WEBHOOK_ACCEPTED,
      ...requestErrors(SIX_MIB),
      401: {
        description: "`Toast-Signature` is missing, or is not the HMAC of this body and " +
          "timestamp.",
        schema: errorBodySchemaFor(401),
      },
      409: {
        description: "The order GUID already belongs to another restaurant (the restaurant of " +
          "its first delivery). Toast GUIDs are unique to a restaurant, so this is a mapping " +
          "error or a forged event: the first owner keeps its figures and this delivery is " +
          "kept as a `conflict`, never applied. Not retried by Toast (a 4xx).",
        schema: errorBodySchemaFor(409),
      },
      503: WEBHOOK_UNAVAILABLE,
    },
  },
  {
    fn: "sevenshifts-webhook",
    path: "/sevenshifts-webhook",
    method: "post",
    operationId: "sevenShiftsWebhook",
    tag: "Ingest",
    summary: "7shifts time punch and user webhook",
    description: [
      "Receives 7shifts time punch webhooks (`time_punch.created`, `time_punch.edited`, " +
      "`time_punch.deleted`) and user webhooks (`user.created`, `user.modified`, " +
      "`user.deactivated`, kept as the company's staff) and `schedule.published` (queues a " +
      "pull of the published dates' shifts); the body is the bare punch, user or schedule and " +
      "the topic comes in `x-webhook-topic`. Paid time (clocked time less unpaid breaks) and the " +
      "wage in cents are stored in one database round trip; deletions are final.",
      "",
      "**Authentication**, either of:",
      "- **HMAC** (OAuth partner webhooks): `x-hmac-signature` is HMAC-SHA256 of the raw body " +
      "keyed with `{x-hmac-timestamp}#{grant GUID}` (`SEVENSHIFTS_GRANT_GUID`), hex or base64; " +
      "the timestamp must be within 5 minutes. When either HMAC header is sent, it must verify.",
      "- **URL token** (company webhooks made in the 7shifts app, which carry no HMAC): " +
      "`?token=` equal to `SEVENSHIFTS_WEBHOOK_TOKEN`.",
      "",
      "7shifts sends no event id: a delivery is identified by its topic and raw body, so a " +
      "redelivery of the same body is stored once.",
    ].join("\n"),
    parameters: [
      {
        name: "x-webhook-topic",
        in: "header",
        required: true,
        description: `The topic. ${
          [...SEVENSHIFTS_PUNCH_TOPICS, ...SEVENSHIFTS_USER_TOPICS, SCHEDULE_PUBLISHED_TOPIC]
            .map((t) => `\`${t}\``).join(", ")
        } are applied; any other topic is logged and answered 202. Missing: 400.`,
        schema: { type: "string" },
        example: "time_punch.created",
      },
      {
        name: "x-company-id",
        in: "header",
        required: false,
        description: "The 7shifts company id; used when a `time_punch.deleted` body lacks " +
          "`company_id`.",
        schema: { type: "string" },
        example: "7001",
      },
      {
        name: "x-hmac-timestamp",
        in: "header",
        required: false,
        description: "Unix time of the signature (seconds or milliseconds). Sent with " +
          "`x-hmac-signature`; within 5 minutes of now.",
        schema: { type: "string" },
        example: "1793793600",
      },
      {
        name: "x-hmac-signature",
        in: "header",
        required: false,
        description: "HMAC-SHA256(`{x-hmac-timestamp}#{grant GUID}`, raw body), hex or " +
          "base64. Required for HMAC authentication; otherwise use `token`.",
        schema: { type: "string" },
        example: "6e6f742061207265616c207369676e6174757265",
      },
      {
        name: "token",
        in: "query",
        required: false,
        description: "The webhook token (`SEVENSHIFTS_WEBHOOK_TOKEN`) for company webhooks " +
          "without HMAC. Compared in constant time. Not needed with a valid HMAC.",
        schema: { type: "string" },
        example: "your-webhook-token",
      },
    ],
    requestSchema: sevenShiftsWebhookBodySchema,
    responses: {
      200: WEBHOOK_STORED,
      202: WEBHOOK_ACCEPTED,
      ...requestErrors(SIX_MIB),
      400: {
        description: "The body is not UTF-8 JSON, `x-webhook-topic` is missing, or the punch, " +
          "user or schedule fails its schema: every bad field is listed in `error.fields` by " +
          "path.",
        schema: errorBodySchemaFor(400),
      },
      401: {
        description: "Neither authentication holds: no HMAC headers and no valid token, a " +
          "signature that does not match, or a timestamp more than 5 minutes away.",
        schema: errorBodySchemaFor(401),
      },
      409: {
        description: "The punch id already belongs to another 7shifts company (the company of " +
          "its stored punch; 7shifts punch ids are unique across companies), so this is a " +
          "forged event or one sent with the wrong company: the punch keeps its figures and " +
          "this delivery is kept as a `conflict`, never applied. The error names `company_id`.",
        schema: errorBodySchemaFor(409),
      },
      503: WEBHOOK_UNAVAILABLE,
    },
  },
  {
    fn: "alert-notifier",
    path: "/alert-notifier",
    method: "post",
    operationId: "alertNotifier",
    tag: "Alerts",
    summary: "Deliver labor alerts to Slack and Discord",
    description: [
      "Called by the database, not by people: the `public.alerts` outbox's database webhook " +
      "(AFTER INSERT, through pg_net) with Supabase's Database Webhook body, and the pg_cron " +
      'sweep with `{"type": "SWEEP"}`. Claims each alert under a lease, posts it to each ' +
      "channel it still owes (the location's own webhook, else `SLACK_WEBHOOK_URL` / " +
      "`DISCORD_WEBHOOK_URL`), and records every attempt; retries follow Slack's " +
      "`Retry-After` and Discord's `retry_after`.",
      "",
      "**Authentication**: a signature made by the database, never a secret in the request " +
      "(pg_net keeps requests where every database role can read them). " +
      "`x-alert-timestamp` is the Unix time in seconds, within 5 minutes of the function's " +
      "clock (checked before the body is read); `x-alert-signature` is the hex HMAC-SHA256, " +
      'keyed with `ALERT_WEBHOOK_SECRET`, of the timestamp, a `"."` and the exact body bytes ' +
      "(checked, in constant time, before the body is parsed).",
    ].join("\n"),
    parameters: [],
    security: [{ AlertWebhookSignature: [], AlertWebhookTimestamp: [] }],
    requestSchema: notifierRequestSchema,
    responses: {
      200: {
        description: "What happened to each alert handled (possibly none).",
        schema: notifierSummarySchema,
      },
      ...requestErrors("256 KiB (262,144 bytes)"),
      400: {
        description: "The body is not UTF-8 JSON, or not a database webhook INSERT of an " +
          "alert or a sweep request.",
        schema: errorBodySchemaFor(400),
      },
      401: DATABASE_SIGNATURE_REFUSED,
      503: {
        description: "The database is unreachable; the sweep tries again.",
        schema: errorBodySchemaFor(503),
      },
    },
  },
  {
    fn: "vendor-sync",
    path: "/vendor-sync",
    method: "post",
    operationId: "vendorSync",
    tag: "Reconciliation",
    summary: "Reconcile figures with the Toast and 7shifts APIs",
    description: [
      "Called by the database, not by people: `pipeline.request_sync(location_id, from_date, " +
      "to_date)`, `pipeline.request_backfill`, the hourly schedule and the minute sweep " +
      "(pg_cron), and a run that needs another invocation, all through pg_net. Claims the " +
      "named run (when due) and then any other due run, each under a lease; pulls Toast " +
      "orders by modified time and refunds, and 7shifts punches by clock-in, page by page, " +
      "through the webhooks' own ingest; records each page and its cursor in one transaction; " +
      "works until its budget (`SYNC_BUDGET_MS`) or page allowance (`SYNC_MAX_PAGES`) is spent. " +
      "Vendor credentials are never in the request: the function reads them per run from " +
      "Vault through the database.",
      "",
      "**Authentication**: the database's signature, as for the alert notifier " +
      "(`x-alert-timestamp`, `x-alert-signature`).",
    ].join("\n"),
    parameters: [],
    security: [{ AlertWebhookSignature: [], AlertWebhookTimestamp: [] }],
    requestSchema: syncRequestSchema,
    responses: {
      200: {
        description: "What happened to each run worked on (possibly none).",
        schema: syncAnswerSchema,
      },
      ...requestErrors("16 KiB (16,384 bytes)"),
      400: {
        description: 'The body is not UTF-8 JSON, or not `{"type": "SYNC"}` with an optional ' +
          "positive integer `runId`.",
        schema: errorBodySchemaFor(400),
      },
      401: DATABASE_SIGNATURE_REFUSED,
      503: {
        description: "The database is unreachable; the minute sweep tries again.",
        schema: errorBodySchemaFor(503),
      },
    },
  },
  {
    fn: "api-docs",
    path: "/api-docs/openapi.json",
    method: "get",
    operationId: "getOpenApiDocument",
    tag: "Documentation",
    summary: "This document",
    description: "The OpenAPI 3.1 document of these functions, generated from the zod " +
      "schemas they validate with.",
    parameters: [],
    security: [],
    responses: {
      200: {
        description: "The OpenAPI 3.1 document.",
        body: {
          "application/json": {
            schema: {
              type: "object",
              description: "An OpenAPI 3.1 document.",
              required: ["openapi", "info"],
            },
          },
        },
      },
      405: {
        description: "Not GET or HEAD.",
        schema: errorBodySchemaFor(405),
        headers: ALLOW_HEADER,
      },
    },
  },
  {
    fn: "api-docs",
    path: "/api-docs",
    method: "get",
    operationId: "getApiDocsPage",
    tag: "Documentation",
    summary: "The documentation page",
    description: "This page: the document rendered by Swagger UI, served by the same " +
      "function with its assets (no CDN).",
    parameters: [],
    security: [],
    responses: {
      200: { description: "The HTML page.", body: { "text/html": { schema: { type: "string" } } } },
      404: {
        description: "No such page or asset under `/api-docs`.",
        schema: errorBodySchemaFor(404),
      },
      405: {
        description: "Not GET or HEAD.",
        schema: errorBodySchemaFor(405),
        headers: ALLOW_HEADER,
      },
    },
  },
];

/** Each documented function's path, method and the statuses it answers with. */
export function documentedOperations(): Array<
  { fn: ApiFunctionName; path: string; method: string; statuses: number[] }
> {
  return OPERATIONS.map((op) => ({
    fn: op.fn,
    path: op.path,
    method: op.method,
    statuses: Object.keys(op.responses).map(Number).sort((a, b) => a - b),
  }));
}

// ---------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------

/** A request example taken from a test fixture (path relative to tests/fixtures/). */
export interface FixtureExample {
  name: string;
  fixture: string;
  summary: string;
}

/** The fixtures shown as request examples, first one the default. */
export const REQUEST_EXAMPLE_FIXTURES: Readonly<
  Record<"toast-webhook" | "sevenshifts-webhook", readonly FixtureExample[]>
> = {
  "toast-webhook": [
    {
      name: "order_updated",
      fixture: "toast/order_updated_moved_v1.json",
      summary: "order_updated: details = {restaurantGuid, order}",
    },
    {
      name: "order_updated_bare_order_refund",
      fixture: "toast/order_updated_full_v2_refund.json",
      summary: "order_updated: details = the Order itself (a dinner with a refund)",
    },
    {
      name: "order_updated_voided",
      fixture: "toast/order_updated_voided_v2.json",
      summary: "order_updated: a voided order (counts for nothing)",
    },
    {
      name: "channel_order_updated",
      fixture: "toast/order_updated_moved_v2.json",
      summary: "channel_order_updated: an online-ordering channel's order",
    },
    {
      name: "menus_updated",
      fixture: "toast/menus_updated.json",
      summary: "menus_updated: another event type (logged, 202 ignored)",
    },
  ],
  "sevenshifts-webhook": [
    {
      name: "time_punch_created",
      fixture: "7shifts/time_punch.created.breaks.json",
      summary: "x-webhook-topic: time_punch.created (closed punch with breaks)",
    },
    {
      name: "time_punch_created_open",
      fixture: "7shifts/time_punch.created.open.json",
      summary: "x-webhook-topic: time_punch.created (still clocked in)",
    },
    {
      name: "time_punch_edited",
      fixture: "7shifts/time_punch.edited.moved.json",
      summary: "x-webhook-topic: time_punch.edited",
    },
    {
      name: "time_punch_deleted_minimal",
      fixture: "7shifts/time_punch.deleted.minimal.json",
      summary: "x-webhook-topic: time_punch.deleted (ids only)",
    },
    {
      name: "user_modified",
      fixture: "7shifts/user.modified.json",
      summary: "x-webhook-topic: user.modified (another topic: logged, 202 ignored)",
    },
  ],
};

/**
 * The alert row of the notifier's INSERT example, as `to_jsonb(new)` of `public.alerts`
 * gives it (tests/docs checks its keys against the table's columns).
 */
export const EXAMPLE_ALERT_RECORD = {
  id: 4102,
  location_id: 12,
  business_date: "2026-11-01",
  kind: "over",
  from_state: "ok",
  location_name: "Maple Street Bistro",
  time_zone: "America/Chicago",
  labor_pct_bp: 2814,
  labor_target_bp: 2500,
  critical_threshold_bp: 3000,
  recovery_threshold_bp: 2400,
  net_sales_cents: 412_550,
  labor_cost_cents: 116_092,
  paid_labor_seconds: 216_000,
  cplh_cents: 1935,
  splh_cents: 6876,
  order_count: 96,
  punch_count: 14,
  open_punch_count: 3,
  metrics_as_of: "2026-11-01T20:31:07.412+00:00",
  previous_alert_id: null,
  previous: null,
  details: null,
  projection: {
    status: "ok",
    candidateCount: 6,
    typicalShareBp: 6420,
    remainingSeconds: 50_400,
    remainingCostCents: 25_200,
    remainingOvertimePremiumCents: 0,
    projectedNetSalesCents: 642_601,
    projectedLaborCostCents: 141_292,
    projectedLaborPctBp: 2199,
  },
  created_at: "2026-11-01T20:31:07.5+00:00",
  status: "pending",
  target_channels: [],
  delivered_channels: [],
  failed_channels: [],
  attempt_count: 0,
  next_attempt_at: "2026-11-01T20:31:07.5+00:00",
  lease_token: null,
  lease_expires_at: null,
  last_error: null,
  sent_at: null,
  updated_at: "2026-11-01T20:31:07.5+00:00",
  // Quiet hours (20261130000300_flash.sql): set on a held alert and by the flash that lists it.
  held_at: null,
  flashed_channels: [],
  flash_alert_id: null,
} as const;

/** The vendor sync's request examples (the database calls it). */
export const SYNC_REQUEST_EXAMPLES: readonly NamedExample[] = [
  {
    name: "run",
    summary: "A run asked for (pipeline.request_sync) or resumed",
    value: { type: "SYNC", runId: 58 },
  },
  {
    name: "sweep",
    summary: "The schedule or the minute sweep: whatever is due",
    value: { type: "SYNC" },
  },
];

/** The notifier's request examples (it has no vendor fixtures: the database calls it). */
export const NOTIFIER_REQUEST_EXAMPLES: readonly NamedExample[] = [
  {
    name: "database_webhook_insert",
    summary: "Database webhook: a new alert row",
    value: {
      type: "INSERT",
      table: "alerts",
      schema: "public",
      record: EXAMPLE_ALERT_RECORD,
      old_record: null,
    },
  },
  {
    name: "sweep",
    summary: "Sweep: deliver every due alert",
    value: { type: "SWEEP" },
  },
];

// ---------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------

/** What {@link buildOpenApiDocument} needs besides the schemas. */
export interface OpenApiInput {
  /** `info.version` (the package version). */
  version: string;
  /** Request examples per function (the fixtures, loaded). */
  requestExamples: Partial<Record<ApiFunctionName, readonly NamedExample[]>>;
  /** Response examples per function and status (what the handlers answered). */
  responseExamples: Partial<Record<ApiFunctionName, Partial<Record<number, NamedExample[]>>>>;
}

function examples(list: readonly NamedExample[] | undefined): ZodOpenApiExamplesObject | undefined {
  if (!list || list.length === 0) return undefined;
  const out: ZodOpenApiExamplesObject = {};
  for (const e of list) {
    if (e.name in out) throw new Error(`duplicate example name '${e.name}'`);
    out[e.name] = {
      summary: e.summary,
      ...(e.description ? { description: e.description } : {}),
      value: e.value,
    };
  }
  return out;
}

/** A JSON body of `schema`, with its examples when there are any. */
function jsonContent(schema: z.ZodType, list?: readonly NamedExample[]): ZodOpenApiContentObject {
  const named = examples(list);
  return { "application/json": { schema, ...(named ? { examples: named } : {}) } };
}

function operation(op: OperationDoc, input: OpenApiInput): ZodOpenApiOperationObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const answered = input.responseExamples[op.fn]?.[Number(status)];
    responses[status as `${1 | 2 | 3 | 4 | 5}${string}`] = {
      description: r.description,
      ...(r.headers ? { headers: r.headers } : {}),
      content: r.schema ? jsonContent(r.schema, answered) : r.body,
    };
  }
  const requestExamples = op.fn === "alert-notifier"
    ? NOTIFIER_REQUEST_EXAMPLES
    : op.fn === "vendor-sync"
    ? SYNC_REQUEST_EXAMPLES
    : input.requestExamples[op.fn];
  return {
    tags: [op.tag],
    summary: op.summary,
    description: op.description,
    operationId: op.operationId,
    ...(op.parameters.length > 0 ? { parameters: op.parameters } : {}),
    ...(op.security ? { security: op.security as Array<Record<string, string[]>> } : {}),
    ...(op.requestSchema
      ? { requestBody: { required: true, content: jsonContent(op.requestSchema, requestExamples) } }
      : {}),
    responses,
  };
}

/**
 * Builds the OpenAPI 3.1 document: the functions' paths, methods, headers, request bodies
 * (with the given examples), every response status with its body schema, and the component
 * schemas, rendered from zod by `zod-openapi`.
 */
export function buildOpenApiDocument(input: OpenApiInput): JsonObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const op of OPERATIONS) {
    paths[op.path] = { ...paths[op.path], [op.method]: operation(op, input) };
  }
  const named = components();
  const descriptions = new Map<unknown, string>(named.map((c) => [c.schema, c.description]));
  // OpenAPI 3.1's `info.summary` (the library's type predates it).
  const info: oas31.InfoObject & { summary: string } = {
    title: "Labor Pulse functions",
    version: input.version,
    summary: "Toast sales and 7shifts labor in, labor % / CPLH / SPLH alerts out.",
    description: [
      "The Supabase Edge Functions of the labor-vs-sales pipeline. Toast and 7shifts call " +
      "the two webhooks; the database calls the alert notifier. Every function answers " +
      'JSON; every error has the one shape `{"error": {"code", "message", ' +
      '"fields"?}}` (`ErrorBody`).',
      "",
      "The request schemas below are generated from the zod schemas the functions validate " +
      "with (shared/toast.ts, shared/sevenshifts.ts, shared/notifier_request.ts); request " +
      "examples are the project's test fixtures and response examples are what the " +
      "handlers answered to them. Header examples are placeholders, never real secrets.",
      "",
      "The functions run with `verify_jwt = false`: vendors cannot send a Supabase JWT, so " +
      "each function authenticates its caller itself.",
    ].join("\n"),
  };
  const document = createDocument({
    openapi: "3.1.0",
    info,
    servers: [
      {
        url: "/functions/v1",
        description: "This deployment (the functions next to this document)",
      },
      {
        url: "https://{projectRef}.supabase.co/functions/v1",
        description: "A Supabase project",
        variables: {
          projectRef: { default: "your-project-ref", description: "The project's reference id" },
        },
      },
      {
        url: "http://127.0.0.1:54321/functions/v1",
        description: "Local: npm start (Docker-free stack) or supabase start",
      },
    ],
    tags: [
      { name: "Ingest", description: "Vendor webhooks: sales and labor in." },
      { name: "Alerts", description: "Alert delivery, called by the database." },
      {
        name: "Reconciliation",
        description: "The vendor sync: figures checked against the vendors' APIs, called by " +
          "the database.",
      },
      { name: "Documentation", description: "This document and its page." },
    ],
    paths,
    components: {
      // Registered by schema: wherever one of these schemas is used, the document refers to
      // the component; each is listed even where no operation uses it (ErrorBody).
      schemas: Object.fromEntries(named.map((c) => [c.id, c.schema])),
      securitySchemes: {
        AlertWebhookSignature: {
          type: "apiKey",
          in: "header",
          name: "x-alert-signature",
          description: "Hex HMAC-SHA256 of `{x-alert-timestamp}.{body}` keyed with " +
            "`ALERT_WEBHOOK_SECRET`, which the database holds in Vault " +
            "(`pipeline.set_runtime_config('alert_webhook_secret', ...)`).",
        },
        AlertWebhookTimestamp: {
          type: "apiKey",
          in: "header",
          name: "x-alert-timestamp",
          description: "When the database signed the request, in Unix seconds; accepted for 5 " +
            "minutes either way.",
        },
      },
    },
  }, {
    // What each component means, on its definition (never on a `$ref` to it).
    override: ({ zodSchema, jsonSchema }) => {
      const description = descriptions.get(zodSchema);
      if (description !== undefined && jsonSchema.description === undefined) {
        jsonSchema.description = description;
      }
    },
  });
  const schemas = Object.keys(document.components?.schemas ?? {});
  const unnamed = schemas.filter((id) => !named.some((c) => c.id === id));
  if (unnamed.length > 0) {
    throw new Error(`schemas outside the named components were extracted: ${unnamed.join(", ")}`);
  }
  return document as unknown as JsonObject;
}

/** The document as committed in docs/openapi.json: 2-space JSON and a final newline. */
export function renderOpenApiJson(document: Json): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
