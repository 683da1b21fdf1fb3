/**
 * The local gateway (local/functions.ts) passes headers on as Supabase's gateway does: the
 * request with its real length, the caller's host in `x-forwarded-host` and no compression
 * asked of the function; the answer with every header the function set (each `set-cookie`
 * apart), its own `Server-Timing` after the function's, and no stale encoding or length
 * once fetch has decoded a compressed body.
 */
import assert from "node:assert/strict";
import { answerHeaders, forwardedHeaders } from "../../local/functions.ts";

Deno.test("gateway: a buffered request goes on with its real length, the caller's host, no compression", () => {
  const incoming = new Headers({
    "content-type": "application/json",
    "transfer-encoding": "chunked",
    "content-length": "999",
    "accept-encoding": "gzip, br",
    "x-forwarded-host": "forged.example",
    "toast-signature": "c2ln",
  });
  const out = new Headers(forwardedHeaders(incoming, "127.0.0.1:54321", new Uint8Array(42)));
  assert.deepEqual([...out], [
    ["accept-encoding", "identity"],
    ["content-length", "42"],
    ["content-type", "application/json"],
    ["toast-signature", "c2ln"],
    ["x-forwarded-host", "127.0.0.1:54321"],
  ]);
});

Deno.test("gateway: a request without a body keeps its headers as sent", () => {
  const incoming = new Headers({ "content-length": "0", authorization: "Bearer x" });
  const out = new Headers(forwardedHeaders(incoming, "h:1", null));
  assert.equal(out.get("content-length"), "0");
  assert.equal(out.get("authorization"), "Bearer x");
  assert.equal(out.get("x-forwarded-host"), "h:1");
  assert.equal(out.get("accept-encoding"), "identity");
});

Deno.test("gateway: the answer keeps every header, each cookie apart, its timing after the function's", () => {
  const answer = new Headers([
    ["content-type", "application/json; charset=utf-8"],
    ["content-length", "17"],
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
    ["server-timing", "db;dur=1.000, fn;dur=2.000"],
  ]);
  const out = new Headers(answerHeaders(answer, "up;dur=3.000, gw;dur=4.000"));
  assert.deepEqual(out.getSetCookie(), ["a=1", "b=2"]);
  assert.equal(out.get("content-length"), "17");
  assert.equal(
    out.get("server-timing"),
    "db;dur=1.000, fn;dur=2.000, up;dur=3.000, gw;dur=4.000",
  );
});

Deno.test("gateway: a compressed answer, decoded by fetch, goes on without its encoding or length", () => {
  const answer = new Headers({
    "content-encoding": "gzip",
    "content-length": "10",
    "content-type": "application/json",
  });
  const out = new Headers(answerHeaders(answer, "up;dur=1.000, gw;dur=2.000"));
  assert.equal(out.has("content-encoding"), false);
  assert.equal(out.has("content-length"), false);
  assert.equal(out.get("content-type"), "application/json");
  assert.equal(out.get("server-timing"), "up;dur=1.000, gw;dur=2.000");
});
