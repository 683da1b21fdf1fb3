/**
 * The simulator's delivery against a scripted fake functions endpoint (no stack needed):
 * the signed body arrives byte for byte as JSON through `supabase.functions.invoke`, the
 * vendor headers verify, 5xx and 429 are retried with backoff, other 4xx are not, and a
 * refused connection is retried until the give-up time.
 */
import assert from "node:assert/strict";
import { deliverAll, functionsClient, sendWithRetries } from "../../sim/deliver.ts";
import { generateSimulation } from "../../sim/generate.ts";
import { verifySevenShiftsSignature, verifyToastSignature } from "../../shared/signatures.ts";
import { freePort } from "../../local/postgres.ts";

const SECRET = "toast-test-secret";
const GRANT = "grant-guid-for-tests";

interface Seen {
  path: string;
  headers: Headers;
  body: string;
}

/** A fake `/functions/v1/<name>` that answers each request with the next scripted status. */
function fakeFunctions(script: number[]) {
  const seen: Seen[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    seen.push({ path: new URL(req.url).pathname, headers: req.headers, body: await req.text() });
    const status = script.length > 0 ? script.shift()! : 200;
    return status < 300
      ? Response.json({ outcome: "applied", duplicate: false })
      : new Response(JSON.stringify({ error: { code: "x" } }), { status });
  });
  return { seen, url: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
}

const sim = generateSimulation({ seed: 5, locations: 1, days: 1, startDate: "2026-11-20" });
const toast = sim.deliveries.find((d) => d.vendor === "toast")!;
const punch = sim.deliveries.find((d) => d.vendor === "7shifts")!;
const fast = { retryBaseMs: 5, maxRetryDelayMs: 20, giveUpAfterMs: 5_000 };

Deno.test("delivery: the signed text arrives as is, with the vendors' headers, after retries on 503 and 500", async () => {
  const fake = fakeFunctions([503, 500]);
  try {
    const target = {
      supabaseUrl: fake.url,
      anonKey: "anon",
      toastWebhookSecret: SECRET,
      sevenShiftsGrantGuid: GRANT,
    };
    const r = await sendWithRetries(functionsClient(target), toast, target, fast);
    assert.equal(r.status, "accepted");
    assert.equal(r.attempts, 3);
    assert.equal(fake.seen.length, 3);
    for (const s of fake.seen) {
      assert.equal(s.path, "/functions/v1/toast-webhook");
      assert.equal(s.body, toast.rawBody, "not re-encoded by invoke");
      assert.equal(s.headers.get("content-type"), "application/json");
      assert.equal(
        s.headers.get("toast-restaurant-external-id"),
        sim.locations[0].toastRestaurantGuid,
      );
      assert.equal(s.headers.get("toast-event-type"), "order_updated");
      assert.ok(
        await verifyToastSignature(
          s.body,
          toast.envelopeTimestamp!,
          s.headers.get("toast-signature"),
          SECRET,
        ),
      );
    }
    assert.deepEqual(fake.seen.map((s) => s.headers.get("toast-attempt-number")), ["1", "2", "3"]);
  } finally {
    await fake.stop();
  }
});

Deno.test("delivery: 7shifts HMAC and topic headers; 429 is retried, 400 is not", async () => {
  const fake = fakeFunctions([429, 200, 400]);
  try {
    const target = {
      supabaseUrl: fake.url,
      anonKey: "anon",
      toastWebhookSecret: SECRET,
      sevenShiftsGrantGuid: GRANT,
    };
    const client = functionsClient(target);
    const ok = await sendWithRetries(client, punch, target, fast);
    assert.equal(ok.status, "accepted");
    assert.equal(ok.attempts, 2);
    const s = fake.seen[1];
    assert.equal(s.path, "/functions/v1/sevenshifts-webhook");
    assert.equal(s.body, punch.rawBody);
    assert.equal(s.headers.get("x-webhook-topic"), punch.topic);
    assert.equal(s.headers.get("x-company-id"), String(sim.locations[0].sevenShiftsCompanyId));
    assert.deepEqual(
      await verifySevenShiftsSignature(
        s.body,
        s.headers.get("x-hmac-timestamp"),
        s.headers.get("x-hmac-signature"),
        GRANT,
        Date.now(),
      ),
      { ok: true },
    );
    const refused = await sendWithRetries(client, punch, target, fast);
    assert.equal(refused.status, "rejected");
    assert.equal(refused.httpStatus, 400);
    assert.equal(refused.attempts, 1);
  } finally {
    await fake.stop();
  }
});

Deno.test("delivery: a refused connection is retried until the give-up time, then reported", async () => {
  const target = {
    supabaseUrl: `http://127.0.0.1:${freePort()}`,
    anonKey: "anon",
    toastWebhookSecret: SECRET,
    sevenShiftsGrantGuid: GRANT,
  };
  const retries: string[] = [];
  const { results, totals } = await deliverAll([toast], target, {
    retryBaseMs: 10,
    maxRetryDelayMs: 40,
    giveUpAfterMs: 300,
    onRetry: (_d, _attempt, reason) => retries.push(reason),
  });
  assert.equal(results[0].status, "failed");
  assert.equal(results[0].httpStatus, null);
  assert.ok(results[0].attempts >= 3, `${results[0].attempts} attempts`);
  assert.equal(totals.failed, 1);
  assert.equal(totals.retries, retries.length);
});

Deno.test("delivery: each location's stream is sent in plan order", async () => {
  const fake = fakeFunctions([]);
  try {
    const two = generateSimulation({
      seed: 9,
      locations: 2,
      days: 1,
      startDate: "2026-11-20",
      duplicateRate: 0.2,
      reorderRate: 0.2,
    });
    const plan = two.deliveries.slice(0, 120);
    const target = {
      supabaseUrl: fake.url,
      anonKey: "anon",
      toastWebhookSecret: SECRET,
      sevenShiftsGrantGuid: GRANT,
    };
    const { totals } = await deliverAll(plan, target, fast);
    assert.equal(totals.accepted, plan.length);
    for (const loc of two.locations) {
      const want = plan.filter((d) => d.locationIndex === loc.index).map((d) => d.rawBody);
      const got = fake.seen.map((s) => s.body).filter((b) => want.includes(b));
      assert.deepEqual(got, want, `${loc.name} in order`);
    }
  } finally {
    await fake.stop();
  }
});
