/**
 * The one error shape every function answers with.
 *
 * `{ "error": { "code": "invalid_payload", "message": "...", "fields": [{ "path": "...",
 * "message": "..." }] } }`. Codes are stable strings a caller can branch on; messages are for
 * people and never carry secrets or stack traces.
 *
 * @module
 */

/** One problem with one field of a request, named by its dotted path. */
export interface FieldProblem {
  /** Dotted path into the JSON body (`details.checks.0.amount`) or `header:<name>`. */
  path: string;
  message: string;
}

/** Stable machine-readable error codes. */
export type ErrorCode =
  | "method_not_allowed"
  | "unsupported_media_type"
  | "payload_too_large"
  | "invalid_json"
  | "invalid_payload"
  | "unauthorized"
  | "conflict"
  | "not_found"
  | "not_implemented"
  | "database_unavailable"
  | "internal_error";

/** The JSON body of an error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; fields?: FieldProblem[] };
}

/** Builds the error body; `fields` is left out when empty. */
export function errorBody(code: ErrorCode, message: string, fields?: FieldProblem[]): ErrorBody {
  return fields && fields.length > 0
    ? { error: { code, message, fields } }
    : { error: { code, message } };
}

/** Turns zod-style issues (`{ path, message }`) into field problems with dotted paths. */
export function fieldProblems(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
  prefix = "",
): FieldProblem[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return {
      path: prefix && path ? `${prefix}.${path}` : (prefix || path || "(body)"),
      message: issue.message,
    };
  });
}
