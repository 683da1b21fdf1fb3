import assert from "node:assert/strict";
import { eventually, testDb } from "../_support/env.ts";

/** A local HTTP receiver that records requests and can be told to hang. */
function receiver(behaviour: { hangMs?: number } = {}) {
  const received: { method: string; path: string; headers: Headers; body: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    received.push({
      method: req.method,
      path: new URL(req.url).pathname + new URL(req.url).search,
      headers: req.headers,
      body: await req.text(),
    });
    if (behaviour.hangMs) await new Promise((r) => setTimeout(r, behaviour.hangMs));
    return new Response(JSON.stringify({ ok: true }), {
      status: 201,
      headers: { "content-type": "application/json", "x-echo": "yes" },
    });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, received, server };
}

Deno.test("net.http_post: a committed request is delivered after commit and its response recorded", async () => {
  const sql = testDb();
  const rx = receiver();
  try {
    const id = await sql.begin(async (tx) => {
      const [{ id }] = await tx`
        select net.http_post(
          url => ${rx.url + "/hook"},
          body => '{"hello":"world"}'::jsonb,
          params => '{"a":"1"}'::jsonb,
          headers => '{"Content-Type":"application/json","x-secret":"s3"}'::jsonb,
          timeout_milliseconds => 2000
        ) as id
      `;
      // Inside the transaction nothing has been sent yet, though the dispatcher is running:
      // a request committed meanwhile from another session goes out and is answered first.
      const [{ id: other }] = await sql`select net.http_post(${rx.url + "/other"}, '{}'::jsonb)
        as id`;
      await eventually(async () => {
        const rows = await sql`select 1 from net._http_response where id = ${other}`;
        return rows[0];
      });
      assert.deepEqual(rx.received.map((r) => r.path), ["/other"]);
      return id;
    });
    const response = await eventually(
      async () => {
        const rows = await sql`select * from net._http_response where id = ${id}`;
        return rows[0];
      },
      5000,
      "the recorded response",
    );
    assert.equal(response.status_code, 201);
    assert.equal(response.timed_out, false);
    assert.equal(response.error_msg, null);
    assert.equal(response.headers["x-echo"], "yes");
    assert.deepEqual(JSON.parse(response.content), { ok: true });
    assert.equal(rx.received.length, 2);
    assert.equal(rx.received[1].method, "POST");
    assert.equal(rx.received[1].path, "/hook?a=1");
    assert.equal(rx.received[1].headers.get("x-secret"), "s3");
    assert.deepEqual(JSON.parse(rx.received[1].body), { hello: "world" });
    const [queued] =
      await sql`select count(*)::int as n from net.http_request_queue where id = ${id}`;
    assert.equal(queued.n, 0);
  } finally {
    await rx.server.shutdown();
    await sql.end();
  }
});

Deno.test("net.http_post: a rolled-back request is never sent", async () => {
  const sql = testDb();
  const rx = receiver();
  try {
    let id: string | undefined;
    await sql.begin(async (tx) => {
      const [row] = await tx`select net.http_post(${rx.url + "/never"}, '{}'::jsonb) as id`;
      id = row.id;
      throw new Error("roll back");
    }).catch((err) => assert.equal(err.message, "roll back"));
    // A later committed request proves the dispatcher ran past the rolled-back one.
    const [{ id: later }] = await sql`select net.http_post(${
      rx.url + "/later"
    }, '{}'::jsonb) as id`;
    await eventually(async () => {
      const rows = await sql`select 1 from net._http_response where id = ${later}`;
      return rows[0];
    });
    assert.deepEqual(rx.received.map((r) => r.path), ["/later"]);
    const rows = await sql`select 1 from net._http_response where id = ${id!}`;
    assert.equal(rows.length, 0);
  } finally {
    await rx.server.shutdown();
    await sql.end();
  }
});

Deno.test("net.http_post: a receiver that hangs past the timeout is recorded as timed_out", async () => {
  const sql = testDb();
  const rx = receiver({ hangMs: 1500 });
  try {
    const [{ id }] = await sql`
      select net.http_post(${rx.url + "/slow"}, '{}'::jsonb, timeout_milliseconds => 200) as id
    `;
    const response = await eventually(
      async () => {
        const rows = await sql`select * from net._http_response where id = ${id}`;
        return rows[0];
      },
      5000,
      "the timed-out response",
    );
    assert.equal(response.timed_out, true);
    assert.equal(response.status_code, null);
    assert.match(response.error_msg, /timeout/i);
  } finally {
    // (shutdown lets the hanging handler finish)
    await rx.server.shutdown();
    await sql.end();
  }
});

Deno.test("net.http_post: a refused connection is recorded with its error", async () => {
  const sql = testDb();
  try {
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = closed.addr.port;
    closed.close();
    const [{ id }] = await sql`select net.http_post(${`http://127.0.0.1:${port}/x`}) as id`;
    const response = await eventually(async () => {
      const rows = await sql`select * from net._http_response where id = ${id}`;
      return rows[0];
    });
    assert.equal(response.status_code, null);
    assert.equal(response.timed_out, false);
    assert.ok(response.error_msg.length > 0);
  } finally {
    await sql.end();
  }
});

Deno.test("net.http_post: a request queued while a slow one is in flight is still delivered", async () => {
  const sql = testDb();
  const slow = receiver({ hangMs: 500 });
  const fast = receiver();
  try {
    await sql`select net.http_post(${slow.url + "/slow"}, '{}'::jsonb) as id`;
    // Queued while the dispatcher waits on the slow request (it has reached the receiver):
    // its wake-up must not be lost.
    await eventually(() => Promise.resolve(slow.received.length === 1 ? true : undefined));
    const [{ id }] = await sql`select net.http_post(${fast.url + "/fast"}, '{}'::jsonb) as id`;
    const response = await eventually(
      async () => {
        const rows = await sql`select status_code from net._http_response where id = ${id}`;
        return rows[0];
      },
      3000,
      "the request queued during the slow one",
    );
    assert.equal(response.status_code, 201);
  } finally {
    await slow.server.shutdown();
    await fast.server.shutdown();
    await sql.end();
  }
});
