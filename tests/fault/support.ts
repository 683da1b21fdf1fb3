/**
 * Shared tools of the fault and security suites: table fingerprints (to prove a request
 * changed nothing), the function processes of a stack (to prove none crashed), raw HTTP
 * requests, the checks every error answer must pass (the one error shape, no secret, no stack
 * trace), and a JSON writer that can emit what `JSON.stringify` cannot (duplicate keys, raw
 * number tokens such as `1e400`).
 *
 * @module
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { listProcesses } from "../../local/processes.ts";

import { assertOwnDatabase } from "../_support/env.ts";
import {
  type Fingerprint,
  fingerprint,
  fingerprintDiff,
  type OwnRows,
} from "../_support/fingerprint.ts";

export { type Fingerprint, fingerprint, fingerprintDiff, type OwnRows };
export { FINGERPRINT_SCHEMAS } from "../_support/fingerprint.ts";

/**
 * Waits until the database is quiet (two fingerprints `gapMs` apart agree), so work left
 * running by an earlier test (an alert delivery, a pg_net request) is not blamed on the next.
 */
export async function quietFingerprint(
  sql: postgres.Sql,
  own: OwnRows = {},
  timeoutMs = 20_000,
  gapMs = 400,
): Promise<Fingerprint> {
  const deadline = Date.now() + timeoutMs;
  let last = await fingerprint(sql, own);
  while (true) {
    await new Promise((r) => setTimeout(r, gapMs));
    const next = await fingerprint(sql, own);
    if (fingerprintDiff(last, next).length === 0) return next;
    if (Date.now() > deadline) {
      throw new Error(`database not quiet: ${fingerprintDiff(last, next).join("; ")}`);
    }
    last = next;
  }
}

// ---------------------------------------------------------------------------------------
// Function processes
// ---------------------------------------------------------------------------------------

/**
 * Process ids of the function processes serving `apiUrl` (found in /proc by their command
 * line and their `SUPABASE_URL`), by function name. A pid that changes means the process
 * died and was restarted.
 */
export async function functionProcesses(apiUrl: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of await listProcesses()) {
    const name = p.args.map((a) => /supabase\/functions\/([^/]+)\/index\.ts$/.exec(a)?.[1])
      .find((n) => n !== undefined);
    if (!name) continue;
    // The process may end while we look, or not be ours to read.
    const env = await Deno.readTextFile(`/proc/${p.pid}/environ`).catch(() => "");
    if (env.split("\0").includes(`SUPABASE_URL=${apiUrl}`)) out[name] = p.pid;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------

/** A request as sent byte for byte. */
export interface RawRequest {
  method: string;
  headers: Record<string, string>;
  /** Null sends no body. Bytes are sent as they are (no content type is added). */
  body: Uint8Array | null;
}

/** An answer: status, the body text and its JSON (undefined when not JSON). */
export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  json: unknown;
}

/** Sends `req` to `url`; a connection error is thrown. */
export async function send(url: string, req: RawRequest): Promise<RawAnswer> {
  const res = await fetch(url, {
    method: req.method,
    headers: req.headers,
    body: req.body as BodyInit | null,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text, json };
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i], i);
      }
    }),
  );
  return out;
}

/** UTF-8 bytes of `text`. */
export const utf8 = (text: string) => new TextEncoder().encode(text);

// ---------------------------------------------------------------------------------------
// Error answers
// ---------------------------------------------------------------------------------------

/** What an error answer must look like: status, code, and (when given) the field it names. */
export interface ExpectedError {
  status: number;
  code: string;
  /** A field path (`details.checks.0.amount`, `header:x-webhook-topic`) the answer names. */
  path?: string;
  /** Text the answer's message or one of its field messages must contain. */
  mentions?: string;
}

/** The problems with `answer` as an error answer per `expected`; empty when it is right. */
export function errorAnswerProblems(answer: RawAnswer, expected: ExpectedError): string[] {
  const problems: string[] = [];
  if (answer.status !== expected.status) {
    problems.push(`status ${answer.status}, expected ${expected.status}`);
  }
  if (!answer.contentType.startsWith("application/json")) {
    problems.push(`content-type '${answer.contentType}'`);
  }
  const err = (answer.json as { error?: Record<string, unknown> } | undefined)?.error;
  if (!err || typeof err !== "object") return [...problems, `no error object: ${answer.text}`];
  if (err.code !== expected.code) problems.push(`code ${err.code}, expected ${expected.code}`);
  if (typeof err.message !== "string" || err.message.length === 0) problems.push("no message");
  if (expected.path !== undefined) {
    const fields = Array.isArray(err.fields) ? err.fields as Array<{ path?: unknown }> : [];
    const p = expected.path;
    const named = fields.some((f) =>
      typeof f.path === "string" && (f.path === p || f.path.startsWith(`${p}.`))
    );
    if (!named) problems.push(`fields do not name ${p}: ${JSON.stringify(err.fields)}`);
  }
  if (expected.mentions !== undefined && !answer.text.includes(expected.mentions)) {
    problems.push(`answer does not mention '${expected.mentions}': ${answer.text.slice(0, 200)}`);
  }
  return problems;
}

/** Text that reads like a stack trace or a source location. */
const TRACE_PATTERNS = [
  /\n\s+at\s/,
  /file:\/\//,
  /\.ts:\d+/,
  /\.js:\d+/,
  /node_modules/,
  /Stack backtrace/i,
];

/**
 * The leaks in an answer body: any of `secrets` (also as the database password and URL
 * parts), or anything that reads like a stack trace.
 */
export function leaks(text: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    if (s.length >= 6 && text.includes(s)) found.push(`secret ${s.slice(0, 4)}…`);
  }
  for (const p of TRACE_PATTERNS) if (p.test(text)) found.push(`trace-like ${p}`);
  return found;
}

/** The secrets of the test environment that must never appear in an answer. */
export function secretsOf(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (
    const name of [
      "TOAST_WEBHOOK_SECRET",
      "SEVENSHIFTS_GRANT_GUID",
      "SEVENSHIFTS_WEBHOOK_TOKEN",
      "ALERT_WEBHOOK_SECRET",
      "SUPABASE_SERVICE_ROLE_KEY",
      "DATABASE_URL",
    ]
  ) {
    const v = env[name];
    if (v) out.push(v);
  }
  const db = env.DATABASE_URL ? new URL(env.DATABASE_URL) : undefined;
  if (db?.password) out.push(`:${decodeURIComponent(db.password)}@`);
  return out;
}

/** Asserts nothing in `text` leaks (see {@link leaks}). */
export function assertNoLeak(text: string, secrets: readonly string[], what: string): void {
  const found = leaks(text, secrets);
  assert.deepEqual(found, [], `${what} leaks: ${text.slice(0, 300)}`);
}

// ---------------------------------------------------------------------------------------
// JSON with what JSON.stringify cannot write
// ---------------------------------------------------------------------------------------

/** A raw JSON token written as is (e.g. `1e400`, `-0.0`, `00012`). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A key written twice in its object: first `first`, then `last` (JSON.parse keeps `last`). */
export class DuplicateKey {
  constructor(readonly first: unknown, readonly last: unknown) {}
}

/** Writes `value` as JSON text, honouring {@link RawJson} and {@link DuplicateKey}. */
export function writeJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(writeJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (v instanceof DuplicateKey) {
        parts.push(`${JSON.stringify(k)}:${writeJson(v.first)}`);
        parts.push(`${JSON.stringify(k)}:${writeJson(v.last)}`);
      } else parts.push(`${JSON.stringify(k)}:${writeJson(v)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Nested arrays `depth` deep around `inner` (as JSON text, built without recursion). */
export function deepArrayText(depth: number, inner = "1"): string {
  return "[".repeat(depth) + inner + "]".repeat(depth);
}

/** Nested objects `{"a":{"a":…}}` `depth` deep (as JSON text). */
export function deepObjectText(depth: number, inner = "1"): string {
  return '{"a":'.repeat(depth) + inner + "}".repeat(depth);
}

/** A deep copy of a JSON value with the value at `path` replaced (or deleted when `undefined`). */
export function setAtPath(root: unknown, path: ReadonlyArray<string | number>, value: unknown) {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Every path in a JSON value (objects and arrays), depth first. */
export function allPaths(root: unknown): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  const walk = (node: unknown, path: Array<string | number>) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        out.push([...path, i]);
        walk(v, [...path, i]);
      });
    } else if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        out.push([...path, k]);
        walk(v, [...path, k]);
      }
    }
  };
  walk(root, []);
  return out;
}

/**
 * Installs a deferred constraint trigger (`pipeline.<name>`) that raises "injected failure at
 * commit" (P0001) for every inbound event whose raw body contains `marker`: the ingest
 * transaction of such a delivery then fails at its commit. Returns the function that removes it.
 */
export async function failAtCommitFor(
  sql: postgres.Sql,
  name: string,
  marker: string,
): Promise<() => Promise<void>> {
  assertOwnDatabase("inject a failure trigger");
  await sql.unsafe(`
    create or replace function pipeline.${name}() returns trigger
    language plpgsql set search_path = '' as $$
    begin
      raise exception 'injected failure at commit';
    end
    $$`);
  await sql.unsafe(`
    create constraint trigger ${name} after insert on public.inbound_events
    deferrable initially deferred for each row
    when (new.raw_body like '%${marker}%')
    execute function pipeline.${name}()`);
  return async () => {
    await sql.unsafe(`drop trigger if exists ${name} on public.inbound_events`);
    await sql.unsafe(`drop function if exists pipeline.${name}()`);
  };
}
