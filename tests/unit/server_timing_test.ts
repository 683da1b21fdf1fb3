/**
 * The webhooks say where their time went (`Server-Timing`): the ingest's database call (`db`,
 * supabase/functions/_shared/ingest.ts) and the whole handler (`fn`,
 * supabase/functions/_shared/http.ts), which the benchmark splits a slow request by.
 */
import assert from "node:assert/strict";
import { callIngest } from "../../supabase/functions/_shared/ingest.ts";
import { withServerTiming } from "../../supabase/functions/_shared/http.ts";
import { parseServerTiming } from "../../bench/loadgen.ts";

const slowDb = (ms: number, rows: Array<Record<string, unknown>>) => ({
  query: () => new Promise<typeof rows>((resolve) => setTimeout(() => resolve(rows), ms)),
});

Deno.test("server timing: the answer names the database call's time and the handler's", async () => {
  const applied = [{ result: { outcome: "applied", duplicate: false, eventId: 1 } }];
  const handler = withServerTiming(() => callIngest(slowDb(30, applied), "call x()", {}, () => {}));
  const res = await handler(new Request("http://x/", { method: "POST" }));
  assert.equal(res.status, 200);
  const timing = parseServerTiming(res.headers.get("server-timing"));
  assert.deepEqual(Object.keys(timing), ["db", "fn"]);
  assert.ok(timing.db >= 29 && timing.db < 1000, `db ${timing.db}`);
  assert.ok(timing.fn >= timing.db, `fn ${timing.fn} ≥ db ${timing.db}`);
});

Deno.test("server timing: a database failure's answer is timed too", async () => {
  const down = {
    query: () => Promise.reject(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })),
  };
  const res = await callIngest(down, "call x()", {}, () => {});
  assert.equal(res.status, 503);
  assert.ok("db" in parseServerTiming(res.headers.get("server-timing")));
});
