/**
 * The webhooks' ingest statement goes to Postgres with its event written in
 * (`oneRoundTripRunner`, `inlineJsonbParameter` in supabase/functions/_shared/ingest.ts): the
 * same jsonb as the parameter would have carried, whatever the event holds, in one round trip
 * instead of postgres.js's two (describe, then bind) for an unprepared statement with a
 * parameter.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import postgres from "postgres";
import {
  inlineJsonbParameter,
  oneRoundTripRunner,
} from "../../supabase/functions/_shared/ingest.ts";
import { testDb, testEnv } from "../_support/env.ts";

/** Strings that try to end a dollar-quoted literal or escape a quoted one. */
const hostileText = fc.oneof(
  fc.string(),
  fc.constantFrom("$ev$", "$ev_$", "$ev__$", "$$", "'", "''", "\\", "\\'", "$1", "\u0001", "é€😀"),
  fc.array(fc.constantFrom("$", "ev", "_", "'", "\\", "x"), { maxLength: 12 }).map((a) =>
    a.join("")
  ),
);

const hostileJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    hostileText,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(hostileText, tie("value"), { maxKeys: 4 }),
  ),
})).value;

Deno.test("inlineJsonbParameter: accepts one $1::jsonb and nothing else", () => {
  assert.throws(() => inlineJsonbParameter("select 1", {}), /one \$1::jsonb/);
  assert.throws(() => inlineJsonbParameter("select $1::jsonb, $2", {}), /one \$1::jsonb/);
  assert.throws(() => inlineJsonbParameter("select $1::jsonb, $1::jsonb", {}), /one \$1::jsonb/);
  assert.throws(() => inlineJsonbParameter("select $1", {}), /one \$1::jsonb/);
  // The tag grows past every tag the JSON contains.
  assert.equal(
    inlineJsonbParameter("select $1::jsonb", ["$ev$", "$ev_$"]),
    'select $ev__$["$ev$","$ev_$"]$ev__$::jsonb',
  );
});

Deno.test("one round trip: Postgres reads the written-in event as the parameter's jsonb", async () => {
  const sql = testDb();
  const runner = oneRoundTripRunner(sql);
  try {
    await fc.assert(
      // An event is always an object (a bare string or boolean is typed by postgres.js itself).
      fc.asyncProperty(fc.dictionary(hostileText, hostileJson, { maxKeys: 4 }), async (value) => {
        const [inlined] = await runner.query("select $1::jsonb as v", [value]);
        // deno-lint-ignore no-explicit-any
        const [bound] = await sql.unsafe("select $1::jsonb as v", [value as any]);
        assert.deepEqual(inlined.v, bound.v);
      }),
      { numRuns: 300 },
    );
  } finally {
    await sql.end();
  }
});

Deno.test("one round trip: a statement of two commands is refused, whatever it holds", async () => {
  const sql = testDb();
  try {
    await assert.rejects(
      oneRoundTripRunner(sql).query("select $1::jsonb as v; select 1", [{}]),
      /cannot insert multiple commands into a prepared statement/,
    );
  } finally {
    await sql.end();
  }
});

/** A loopback proxy to Postgres that counts what the client sends as separate writes. */
function countingProxy(target: URL) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let clientWrites = 0;
  const conns: Deno.Conn[] = [];
  const serving = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
      conns.push(client, server);
      void server.readable.pipeTo(client.writable).catch(() => {});
      void (async () => {
        const buf = new Uint8Array(1 << 20);
        try {
          while (true) {
            const n = await client.read(buf);
            if (n === null) break;
            clientWrites++;
            for (let w = 0; w < n;) w += await server.write(buf.subarray(w, n));
          }
        } catch {
          // either side gone
        }
      })();
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    writes: () => clientWrites,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await serving.catch(() => {});
    },
  };
}

Deno.test("one round trip: the event written in is one message burst, the parameter two", async () => {
  const target = new URL(testEnv().functionsDatabaseUrl);
  const proxy = countingProxy(target);
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  const sql = postgres(url.toString(), { max: 1, prepare: false, onnotice: () => {} });
  try {
    await sql`select 1`; // connected, authenticated
    const event = { kind: "probe", text: "it's $ev$ 50% off" };
    const count = async (run: () => Promise<unknown>) => {
      const before = proxy.writes();
      await run();
      return proxy.writes() - before;
    };
    // deno-lint-ignore no-explicit-any
    const bound = await count(() => sql.unsafe("select $1::jsonb as v", [event as any]));
    const inlined = await count(() =>
      oneRoundTripRunner(sql).query("select $1::jsonb as v", [event])
    );
    assert.equal(bound, 2, "postgres.js describes, then binds");
    assert.equal(inlined, 1, "written in: parse, bind and execute at once");
  } finally {
    await sql.end();
    await proxy.close();
  }
});
