/**
 * Request/response plumbing shared by the edge functions: JSON responses in the one error
 * shape, and reading a body with the method, media-type and size checks done before any
 * parsing. I/O lives here; the rules about payloads live in `shared/`.
 *
 * @module
 */
import { errorBody, type ErrorCode, type FieldProblem } from "../../../shared/errors.ts";

/** A JSON response with the given status. */
export function json(status: number, body: unknown, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** A JSON error response in the project's one error shape. */
export function errorResponse(
  status: number,
  code: ErrorCode,
  message: string,
  fields?: FieldProblem[],
  headers: HeadersInit = {},
): Response {
  return json(status, errorBody(code, message, fields), headers);
}

/**
 * A `Server-Timing` entry (`name;dur=<ms>`), how an answer says where its time went: the
 * ingest's database call (`db`), the whole handler (`fn`). Durations, never data: safe for
 * any caller to see.
 */
export function serverTiming(name: string, ms: number): string {
  return `${name};dur=${ms.toFixed(3)}`;
}

/**
 * Wraps a handler so its answer carries the handler's own time (`Server-Timing: fn`) after
 * the entries it set itself: with a gateway's timing, what a slow request's latency splits
 * into (bench/README.md, "Where the tail goes").
 */
export function withServerTiming(
  handler: (req: Request) => Promise<Response>,
  now: () => number = () => performance.now(),
): (req: Request) => Promise<Response> {
  return async (req) => {
    const started = now();
    const res = await handler(req);
    try {
      res.headers.append("server-timing", serverTiming("fn", now() - started));
    } catch {
      // Immutable headers (a fetched Response passed on): it goes without the timing.
    }
    return res;
  };
}

/** Outcome of {@link readRequestBody}: the raw bytes and text, or the response to send instead. */
export type BodyResult =
  | { ok: true; text: string; bytes: Uint8Array }
  | { ok: false; response: Response };

/** Options for {@link readRequestBody}. */
export interface ReadBodyOptions {
  /** Largest accepted body in bytes; larger bodies get 413 without being buffered. */
  maxBytes: number;
  /** Allowed method (default POST). */
  method?: string;
}

/**
 * Checks method (405), media type (415) and size (413) and returns the body as UTF-8 text
 * (and the bytes it was sent as).
 * A body without a Content-Length (chunked) is counted while it streams and cut off past the
 * limit, never held whole; one over its declared limit is refused unread; one with a length
 * is read in one piece (the HTTP server reads no more than declared) and refused if it holds
 * more than the limit all the same. Invalid UTF-8 is a 400.
 */
export async function readRequestBody(req: Request, opts: ReadBodyOptions): Promise<BodyResult> {
  const method = opts.method ?? "POST";
  if (req.method !== method) {
    return {
      ok: false,
      response: errorResponse(405, "method_not_allowed", `Use ${method}.`, undefined, {
        allow: method,
      }),
    };
  }
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json" && !type.endsWith("+json")) {
    return {
      ok: false,
      response: errorResponse(415, "unsupported_media_type", "Send application/json.", [
        { path: "header:content-type", message: `expected application/json, got '${type}'` },
      ]),
    };
  }
  const tooLarge = () =>
    errorResponse(413, "payload_too_large", `Body is larger than ${opts.maxBytes} bytes.`);
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    await req.body?.cancel();
    return { ok: false, response: tooLarge() };
  }
  let bytes: Uint8Array;
  if (Number.isFinite(declared)) {
    // A declared length bounds the body over HTTP (the server reads no further), so it is
    // read in one piece, without a JavaScript read per chunk; a Request built in-process can
    // carry more than it declares, hence the check after.
    bytes = new Uint8Array(await req.arrayBuffer());
    if (bytes.byteLength > opts.maxBytes) return { ok: false, response: tooLarge() };
  } else {
    const read = await readUpTo(req, opts.maxBytes);
    if (!read) return { ok: false, response: tooLarge() };
    bytes = read;
  }
  try {
    return { ok: true, text: utf8.decode(bytes), bytes };
  } catch {
    return {
      ok: false,
      response: errorResponse(400, "invalid_json", "Body is not valid UTF-8.", [
        { path: "(body)", message: "invalid UTF-8" },
      ]),
    };
  }
}

// ignoreBOM keeps a byte-order mark in the text, so the signature covers the bytes sent.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The body of `req`, or null (and the rest cancelled) once it passes `maxBytes`. */
async function readUpTo(req: Request, maxBytes: number): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return null;
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Parses JSON text, or returns the 400 response naming where it broke. */
export function parseJson(text: string): { ok: true; value: unknown } | {
  ok: false;
  response: Response;
} {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return {
      ok: false,
      response: errorResponse(400, "invalid_json", "Body is not valid JSON.", [
        { path: "(body)", message: err instanceof Error ? err.message : "invalid JSON" },
      ]),
    };
  }
}

/**
 * A reader of positive numeric settings from env (`get` is `Deno.env.get` in production):
 * the number, or undefined when the variable is unset, empty, not a number or not positive.
 */
export function positiveSetting(
  get: (name: string) => string | undefined,
): (name: string) => number | undefined {
  return (name) => {
    const n = Number(get(name));
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
}
