/**
 * Request bodies are size-limited before anything parses them: each function reads at most
 * its limit (6 MiB for the webhooks, Toast payloads can exceed 600 KB; 256 KiB for the
 * notifier) and then stops reading and answers 413.
 *
 * - Called directly with a body streamed without a Content-Length (so only counting can stop
 *   it): the handler pulls at most the limit plus one chunk, cancels the stream, answers 413,
 *   and never reaches the database.
 * - Over HTTP, on a raw connection to the function's own port: a Content-Length over the
 *   limit is refused before any body is sent, and a chunked body streamed past the limit gets
 *   its 413 while the sender is still sending, long before the 64 MiB it would send if the
 *   function kept reading.
 */
import assert from "node:assert/strict";
import { readRequestBody } from "../../supabase/functions/_shared/http.ts";
import {
  createToastWebhookHandler,
  TOAST_MAX_BODY_BYTES,
} from "../../supabase/functions/toast-webhook/handler.ts";
import {
  createSevenShiftsWebhookHandler,
  SEVENSHIFTS_MAX_BODY_BYTES,
} from "../../supabase/functions/sevenshifts-webhook/handler.ts";
import {
  createAlertNotifierHandler,
  NOTIFIER_MAX_BODY_BYTES,
  type NotifierDb,
} from "../../supabase/functions/alert-notifier/handler.ts";
import { testEnv } from "../_support/env.ts";
import { functionProcesses, leaks, secretsOf } from "../fault/support.ts";

const env = testEnv();
const CHUNK = 64 * 1024;
/** What a sender offers at most: far past every limit. */
const OFFERED = 64 * 1024 * 1024;

/** A body of JSON-looking bytes produced on demand, counting what was pulled. */
function countingBody() {
  const state = { pulled: 0, cancelled: false };
  const chunk = new TextEncoder().encode(`{"pad":"${"x".repeat(CHUNK - 10)}",`);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= OFFERED) return controller.close();
      state.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

const refuseDb = {
  query: () => Promise.reject(new Error("the database must not be reached")),
};

Deno.test("body limit: each handler stops reading a streamed body at its limit and answers 413", async () => {
  const notifierDb: NotifierDb = {
    claimAlert: () => Promise.reject(new Error("unreachable")),
    claimDueAlerts: () => Promise.reject(new Error("unreachable")),
    recordAttempt: () => Promise.reject(new Error("unreachable")),
    reserveWebhookSlot: () => Promise.reject(new Error("unreachable")),
  };
  const cases = [
    {
      name: "toast-webhook",
      limit: TOAST_MAX_BODY_BYTES,
      handler: createToastWebhookHandler({ db: refuseDb, secret: "s", logError: () => {} }),
      headers: { "toast-signature": "c2ln" } as Record<string, string>,
    },
    {
      name: "sevenshifts-webhook",
      limit: SEVENSHIFTS_MAX_BODY_BYTES,
      handler: createSevenShiftsWebhookHandler({
        db: refuseDb,
        grantGuid: "g",
        webhookToken: "t",
        wageUnit: "dollars",
        logError: () => {},
      }),
      headers: { "x-webhook-topic": "time_punch.created" },
    },
    {
      name: "alert-notifier",
      limit: NOTIFIER_MAX_BODY_BYTES,
      handler: createAlertNotifierHandler({
        db: notifierDb,
        settings: { alertWebhookSecret: "s" },
        log: () => {},
      }),
      // A fresh signature's headers: they are checked before the body is read.
      headers: freshAlertSignatureHeaders(),
    },
  ];
  for (const c of cases) {
    const { stream, state } = countingBody();
    const res = await c.handler(
      new Request("http://fn.local/", {
        method: "POST",
        headers: { "content-type": "application/json", ...c.headers },
        body: stream,
      }),
    );
    assert.equal(res.status, 413, `${c.name}: ${await res.clone().text()}`);
    assert.equal((await res.json()).error.code, "payload_too_large");
    assert.ok(state.cancelled, `${c.name}: the body stream was cancelled`);
    assert.ok(
      state.pulled <= c.limit + 2 * CHUNK,
      `${c.name}: pulled ${state.pulled} bytes for a ${c.limit}-byte limit`,
    );
  }
});

Deno.test("body limit: a body holding more than its Content-Length says is refused past the limit", async () => {
  // Over HTTP the server reads no more than declared; a Request built in-process can carry
  // more, and the declared length must not let it past the limit.
  const body = JSON.stringify({ pad: "x".repeat(200) });
  const read = (declared: number, maxBytes: number) =>
    readRequestBody(
      new Request("http://fn.local/", {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(declared) },
        body,
      }),
      { maxBytes },
    );
  const over = await read(10, 100);
  assert.equal(over.ok, false);
  if (!over.ok) assert.equal(over.response.status, 413);
  const within = await read(body.length, body.length);
  assert.ok(within.ok && within.text === body);
});

/** A raw HTTP/1.1 exchange: writes `head`, then `body()` chunks until the answer arrives. */
async function rawExchange(
  url: string,
  head: Record<string, string>,
  body: (write: (b: Uint8Array) => Promise<void>) => Promise<void>,
): Promise<{ status: number; text: string; sentWhenAnswered: number; sendError: string | null }> {
  const u = new URL(url);
  const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
  const enc = new TextEncoder();
  let sent = 0;
  let answered = false;
  let sentWhenAnswered = -1;
  let sendError: string | null = null;
  const lines = [`POST ${u.pathname}${u.search} HTTP/1.1`, `host: ${u.host}`];
  for (const [k, v] of Object.entries(head)) lines.push(`${k}: ${v}`);
  await conn.write(enc.encode(lines.join("\r\n") + "\r\n\r\n"));
  const writer = (async () => {
    try {
      await body(async (b) => {
        if (answered) throw new Error("answered");
        let off = 0;
        while (off < b.length) off += await conn.write(b.subarray(off));
        sent += b.length;
      });
    } catch (err) {
      if (!answered) sendError = String(err);
    }
  })();
  let received = "";
  const buf = new Uint8Array(16 * 1024);
  const deadline = setTimeout(() => conn.close(), 30_000);
  try {
    while (!/\r\n\r\n/.test(received) || !received.includes("}")) {
      const n = await conn.read(buf);
      if (n === null) break;
      if (!answered) {
        answered = true;
        sentWhenAnswered = sent;
      }
      received += new TextDecoder().decode(buf.subarray(0, n));
    }
  } finally {
    clearTimeout(deadline);
    answered = true;
    try {
      conn.close();
    } catch {
      // already closed
    }
    await writer;
  }
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
  return { status, text: received, sentWhenAnswered, sendError };
}

/** Headers a signed notifier call has, timed now (the signature itself is checked last). */
function freshAlertSignatureHeaders(): Record<string, string> {
  return {
    "x-alert-timestamp": String(Math.floor(Date.now() / 1000)),
    "x-alert-signature": "0".repeat(64),
  };
}

const FUNCTIONS: Array<{ name: string; limit: number; headers: () => Record<string, string> }> = [
  {
    name: "toast-webhook",
    limit: TOAST_MAX_BODY_BYTES,
    headers: () => ({ "toast-signature": "c2ln" }),
  },
  {
    name: "sevenshifts-webhook",
    limit: SEVENSHIFTS_MAX_BODY_BYTES,
    headers: () => ({ "x-webhook-topic": "time_punch.created" }),
  },
  { name: "alert-notifier", limit: NOTIFIER_MAX_BODY_BYTES, headers: freshAlertSignatureHeaders },
];

/** `host:port` a function process itself listens on (the local gateway forwards to it). */
async function functionAddress(name: string): Promise<string> {
  const pids = await functionProcesses(env.apiUrl);
  const environ = await Deno.readTextFile(`/proc/${pids[name]}/environ`);
  const port = environ.split("\0").find((e) => e.startsWith("EDGE_BOOTSTRAP_PORT="));
  // The port the gateway chose, as the process was started (local/edge_bootstrap.ts).
  assert.ok(port, `${name}: EDGE_BOOTSTRAP_PORT`);
  return `127.0.0.1:${port.split("=")[1]}`;
}

// Sent to each function's own port: on Supabase the edge runtime stands in front of the
// function; the local gateway (local/functions.ts) is not what is under test here, and it
// reads a body whole (as Kong buffers request bodies) before the function sees it.
Deno.test("body limit over HTTP: a Content-Length over the limit is refused before the body is sent", async () => {
  for (const f of FUNCTIONS) {
    const addr = await functionAddress(f.name);
    const r = await rawExchange(`http://${addr}/functions/v1/${f.name}`, {
      "content-type": "application/json",
      "content-length": String(f.limit + 1),
      connection: "close",
      ...f.headers(),
    }, async () => {/* nothing: the answer must not wait for the body */});
    assert.equal(r.status, 413, `${f.name}: ${r.text.slice(0, 200)}`);
    assert.equal(r.sentWhenAnswered, 0);
    assert.deepEqual(leaks(r.text, secretsOf(Deno.env.toObject())), []);
  }
});

// Also on each function's own port (see above).
Deno.test("body limit over HTTP: a chunked body streamed past the limit is cut off by the function", async () => {
  const chunk = new TextEncoder().encode("x".repeat(CHUNK));
  const frame = new Uint8Array([
    ...new TextEncoder().encode(`${CHUNK.toString(16)}\r\n`),
    ...chunk,
    ...new TextEncoder().encode("\r\n"),
  ]);
  for (const f of FUNCTIONS) {
    const addr = await functionAddress(f.name);
    const r = await rawExchange(`http://${addr}/functions/v1/${f.name}`, {
      "content-type": "application/json",
      "transfer-encoding": "chunked",
      ...f.headers(),
    }, async (write) => {
      for (let sent = 0; sent < OFFERED; sent += CHUNK) await write(frame);
    });
    assert.equal(r.status, 413, `${f.name}: ${r.text.slice(0, 200)}`);
    // Answered while the sender was still sending: the function stopped reading at its
    // limit (socket buffers on the way hold a few MiB at most).
    assert.ok(
      r.sentWhenAnswered < f.limit + 12 * 1024 * 1024,
      `${f.name}: answered after ${r.sentWhenAnswered} bytes (limit ${f.limit})`,
    );
    assert.ok(r.sentWhenAnswered < OFFERED / 2);
  }
});
