/**
 * Database outage, on a stack of its own (its own Postgres cluster, ports and function
 * processes, so stopping its database disturbs no other test): the simulator streams a
 * business day of signed Toast and 7shifts webhooks (with duplicates and reordering) while a
 * probe vendor sends a fresh order every 30 ms; a third of the way in, Postgres is stopped
 * (fast shutdown: transactions in flight are cut), left down for 2.5 s, and started again on
 * the same data.
 *
 * Every delivery attempt is recorded at the HTTP level. Required:
 * - every attempt made while the database was down is answered 503 (or fails to connect),
 *   or 2xx only once the restart began (stored then); none another 5xx;
 * - the vendors' retries land after the restart; the simulator's figures equal its ground
 *   truth and the probe location's net sales equal the sum of its orders;
 * - zero accepted events lost: every delivery that was ever answered 2xx is in
 *   public.inbound_events afterwards.
 */
import assert from "node:assert/strict";
import { freePort, type PostgresHandle, startPostgres } from "../../local/postgres.ts";
import { removeDataDir, throwawayDataDir } from "../../local/throwaway.ts";
import { startStack } from "../../local/stack.ts";
import { formatComparison } from "../../sim/compare.ts";
import { runSimulation } from "../../sim/run.ts";
import { sha256Hex, signToastPayload } from "../../shared/signatures.ts";
import { FUNCTION_CONNECT_TIMEOUT_SECONDS } from "../../supabase/functions/_shared/db.ts";
import { testDb } from "../_support/env.ts";
import { assertNoLeak } from "./support.ts";
import { newLocation, type SimpleOrder, toastEnvelope, vendorIds } from "./vendors.ts";

/** One HTTP attempt at a webhook, as the vendor saw it. */
interface Attempt {
  fn: "toast-webhook" | "sevenshifts-webhook";
  body: string;
  topic: string;
  startedAt: number;
  endedAt: number;
  status: number | null;
  answer: string;
  error: string | null;
}

const OUTAGE_MS = 2_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("database outage: 503 while down, retries land after restart, figures exact, nothing accepted is lost", async () => {
  const secrets = {
    TOAST_WEBHOOK_SECRET: `outage-toast-${crypto.randomUUID()}`,
    SEVENSHIFTS_GRANT_GUID: crypto.randomUUID(),
    SEVENSHIFTS_WEBHOOK_TOKEN: `outage-7s-${crypto.randomUUID()}`,
    ALERT_WEBHOOK_SECRET: `outage-alert-${crypto.randomUUID()}`,
  };
  const dataDir = throwawayDataDir("fault-outage");
  const stack = await startStack({
    apiPort: freePort(),
    dbPort: freePort(),
    dataDir,
    reset: true,
    fast: true,
    scheduler: false,
    functionEnv: { ...secrets, SLACK_WEBHOOK_URL: "", DISCORD_WEBHOOK_URL: "" },
    functionLog: () => {},
  });
  const firstPg = stack.postgres!;
  let secondPg: PostgresHandle | undefined;
  const functionsUrl = `${stack.apiUrl}/functions/v1`;

  // Every attempt at the two webhooks, whoever makes it (simulator or probe).
  const attempts: Attempt[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const m = /\/functions\/v1\/(toast-webhook|sevenshifts-webhook)$/.exec(url);
    if (!m || !url.startsWith(stack.apiUrl)) return realFetch(input, init);
    const a: Attempt = {
      fn: m[1] as Attempt["fn"],
      body: String(init?.body ?? ""),
      topic: new Headers(init?.headers).get("x-webhook-topic") ?? "",
      startedAt: performance.now(),
      endedAt: 0,
      status: null,
      answer: "",
      error: null,
    };
    attempts.push(a);
    try {
      const res = await realFetch(input, init);
      a.status = res.status;
      a.answer = await res.clone().text();
      a.endedAt = performance.now();
      return res;
    } catch (err) {
      a.error = String(err);
      a.endedAt = performance.now();
      throw err;
    }
  };

  const window = { stopAsked: Infinity, down: Infinity, restartAsked: Infinity, up: Infinity };
  let outage: Promise<void> | undefined;
  const probes: Array<Promise<number>> = [];
  let probing = true;
  try {
    const admin = testDb(firstPg.url);
    const probeIds = vendorIds();
    const probeLocation = await newLocation(admin, probeIds);
    await admin.end();

    /** A probe vendor: a fresh order, retried every 100 ms until answered 2xx. */
    const probe = async (n: number): Promise<number> => {
      const cents = 1_000 + n * 7;
      const order: SimpleOrder = {
        orderGuid: crypto.randomUUID(),
        businessDate: 20261120,
        modifiedDate: new Date(Date.UTC(2026, 10, 20, 18) + n * 1000).toISOString(),
        amountCents: cents,
        tipCents: 0,
      };
      const body = toastEnvelope(order, probeIds.toastGuid);
      const signature = await signToastPayload(
        body,
        JSON.parse(body).timestamp,
        secrets.TOAST_WEBHOOK_SECRET,
      );
      for (let attempt = 0; attempt < 300; attempt++) {
        try {
          const res = await fetch(`${functionsUrl}/toast-webhook`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "toast-signature": signature,
              "toast-restaurant-external-id": probeIds.toastGuid,
            },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          await res.body?.cancel();
          if (res.ok) return cents;
        } catch {
          // Connection error: retry like a vendor.
        }
        await sleep(100);
      }
      throw new Error(`probe ${n} never accepted`);
    };
    const probeLoop = (async () => {
      for (let n = 0; probing; n++) {
        probes.push(probe(n));
        await sleep(30);
      }
    })();

    const takeDown = async () => {
      window.stopAsked = performance.now();
      await firstPg.stop();
      window.down = performance.now();
      await sleep(OUTAGE_MS);
      window.restartAsked = performance.now();
      secondPg = await startPostgres({ port: firstPg.port, dataDir: firstPg.dataDir, fast: true });
      window.up = performance.now();
    };

    const report = await runSimulation({
      supabaseUrl: stack.apiUrl,
      anonKey: stack.anonKey,
      toastWebhookSecret: secrets.TOAST_WEBHOOK_SECRET,
      sevenShiftsGrantGuid: secrets.SEVENSHIFTS_GRANT_GUID,
      databaseUrl: firstPg.url,
      seed: 808,
      locations: 2,
      days: 1,
      startDate: "2026-11-20",
      duplicateRate: 0.1,
      reorderRate: 0.1,
      openPunches: false,
      send: { retryBaseMs: 100, maxRetryDelayMs: 800, giveUpAfterMs: 60_000, timeoutMs: 10_000 },
      onDelivered: (_r, totals) => {
        if (!outage && totals.settled >= totals.total / 3) outage = takeDown();
      },
    });
    await outage;
    probing = false;
    await probeLoop;
    const probeCents = await Promise.all(probes);

    // The outage happened in the middle of the stream, and the stream went on after it.
    assert.ok(Number.isFinite(window.up), "the database was stopped and restarted");
    // Attempts made while the database was down (whenever they were answered).
    const during = attempts.filter((a) =>
      a.startedAt >= window.down && a.startedAt < window.restartAsked
    );
    const after = attempts.filter((a) => a.startedAt >= window.up);
    assert.ok(during.length >= 20, `deliveries during the outage: ${during.length}`);
    assert.ok(after.some((a) => a.status === 200), "deliveries accepted after the restart");

    // While down: 503 (with a Retry-After-style JSON error) or no connection; never a 2xx
    // answered before the restart began. On the edge runtime's Deno (2.1.4) postgres.js keeps
    // connecting for a query's first connection, and each function instance has up to 4 connections,
    // so a delivery that arrived while the database was down may be stored once it is back,
    // within the answer deadline: that 2xx is the truth (every 2xx's event is checked below to
    // be in the database).
    const storedAfterRestart = (a: Attempt) =>
      a.status !== null && a.status < 300 && a.endedAt >= window.restartAsked;
    const wrong = during.filter((a) =>
      !(a.status === 503 || (a.status === null && a.error) || storedAfterRestart(a))
    );
    assert.deepEqual(
      wrong.map((a) =>
        `${a.status} ${a.answer} (begun ${Math.round(a.startedAt - window.down)} ms into the ` +
        `outage, answered ${Math.round(a.endedAt - window.restartAsked)} ms after the restart)`
      ),
      [],
      "answers during the outage",
    );
    // …and at once, never after waiting for the database: no answer took as long as the
    // functions' connection timeout. (Toast counts an answer after 2 s as a timeout; with two
    // busy loops on this 2-core machine the slowest answer here took 1.7 s, too close to 2 s for
    // a test to assert; that target is a latency figure, for the benchmark.)
    const slowest = Math.max(...during.map((a) => a.endedAt - a.startedAt));
    assert.ok(
      slowest < FUNCTION_CONNECT_TIMEOUT_SECONDS * 1000,
      `slowest answer during the outage took ${Math.round(slowest)} ms`,
    );
    for (const a of during.filter((d) => d.status === 503)) {
      assert.equal(JSON.parse(a.answer).error.code, "database_unavailable");
      assertNoLeak(a.answer, Object.values(secrets), "503 answer");
    }
    // At no time another 5xx (a 500 would tell the vendor to retry too, but it means a bug).
    const otherFiveHundreds = attempts.filter((a) =>
      a.status !== null && a.status >= 500 &&
      a.status !== 503
    );
    assert.deepEqual(otherFiveHundreds.map((a) => `${a.status} ${a.answer}`), []);

    // The simulator's retries landed and its figures are the ground truth.
    assert.equal(report.undelivered.length, 0, JSON.stringify(report.undelivered.slice(0, 3)));
    assert.ok(report.totals.retries > 0, "the simulator retried");

    // Zero accepted events lost: every 2xx answer's event is in the restarted database.
    const sql = testDb(secondPg!.url);
    try {
      const accepted = new Map<string, Attempt>();
      for (const a of attempts.filter((x) => x.status !== null && x.status < 300)) {
        const key = a.fn === "toast-webhook"
          ? `toast|${JSON.parse(a.body).guid}`
          : `7shifts|${await sha256Hex(`${a.topic}\n${a.body}`)}`;
        accepted.set(key, a);
      }
      const keys = [...accepted.keys()];
      const found = await sql`select source || '|' || event_key as k from public.inbound_events
        where source || '|' || event_key = any(${keys})`;
      const lost = keys.length - found.length;
      const foundSet = new Set(found.map((f) => f.k));
      const lostAnswers = keys.filter((k) => !foundSet.has(k)).map((k) => {
        const a = accepted.get(k)!;
        return `${k}: answered ${a.status} ${a.answer} ` +
          `${Math.round(a.endedAt - window.down)} ms after the database went down`;
      });
      const [probeDay] = await sql`select net_sales_cents::int as net, order_count
        from public.daily_metrics where location_id = ${probeLocation}`;
      console.log(
        `outage: ${attempts.length} delivery attempts, ${during.length} during the outage ` +
          `(${during.filter((a) => a.status === 503).length} answered 503, ` +
          `${during.filter((a) => a.status === null).length} connection errors, ` +
          `${during.filter(storedAfterRestart).length} stored after the restart), ` +
          `${keys.length} distinct events accepted, ${lost} lost, ` +
          `${probeCents.length} probe orders, simulator retries ${report.totals.retries}`,
      );
      assert.deepEqual(lostAnswers, [], "accepted events lost");
      // The simulator's figures are its ground truth.
      assert.ok(
        report.comparison.every((c) => c.differences.length === 0),
        formatComparison(report.comparison, report.simulation.locations),
      );
      assert.deepEqual({ ...probeDay }, {
        net: probeCents.reduce((s, c) => s + c, 0),
        order_count: probeCents.length,
      });
    } finally {
      await sql.end();
    }
  } finally {
    probing = false;
    globalThis.fetch = realFetch;
    await outage?.catch(() => {});
    await Promise.allSettled(probes);
    await stack.stop();
    await secondPg?.stop();
    await removeDataDir(secondPg?.dataDir ?? firstPg.dataDir);
  }
});
