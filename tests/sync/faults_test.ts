/**
 * The vendor sync under trouble: 429 storms (Toast's `Retry-After`, 7shifts' one-minute
 * blocks), tokens that stop working mid-run (Toast's machine-client session, 7shifts' OAuth
 * token), the login allowance spent, and the function killed in the middle of a page. Each run
 * is compared with a control run over the same simulated data with no trouble: the same pages,
 * the same rows fetched, new, changed, unchanged and missed (nothing lost, nothing counted
 * twice), every figure equal to the truth, and the fakes saw no vendor limit broken.
 *
 * 429 storms and token expiry run the handler in this process with a virtual clock (a
 * minute's block costs no real minute); the kill uses the real function process of the test
 * stack, killed with SIGKILL while a vendor request of the run is in flight.
 */
import assert from "node:assert/strict";
import { testEnv } from "../_support/env.ts";
import { functionProcesses } from "../fault/support.ts";
import {
  counters,
  differences,
  enqueueRun,
  invokeSyncInProcess,
  runRow,
  syncAll,
  syncWorld,
  type SyncWorldOptions,
  virtualClock,
  waitForRuns,
} from "./support.ts";

/** The data every test here syncs: one location, two days, a third of its webhooks lost. */
const DATA: SyncWorldOptions = {
  seed: 51,
  locations: 1,
  days: 2,
  webhookLossRate: 0.3,
  silentBreakEdits: 1,
};

let control: Promise<Record<string, number>> | undefined;
/** The counters of an untroubled run over {@link DATA}. */
function controlCounters(): Promise<Record<string, number>> {
  control ??= (async () => {
    const world = await syncWorld(DATA);
    try {
      await world.deliver();
      const [run] = await syncAll(world);
      assert.equal(run.state, "succeeded", String(run.error));
      assert.deepEqual(differences(await world.compare()), "");
      return counters(run);
    } finally {
      await world.close();
    }
  })();
  return control;
}

Deno.test("sync faults: a 429 storm from Toast and two one-minute 7shifts blocks are waited out; nothing lost or counted twice, no limit broken", async () => {
  const expected = await controlCounters();
  const clock = virtualClock();
  const world = await syncWorld({ ...DATA, now: clock.now });
  try {
    await world.deliver();
    world.fakes.script("toast", ...Array(6).fill({ kind: "rate_limited", retryAfterSeconds: 2 }));
    world.fakes.script(
      "7shifts",
      { kind: "rate_limited" },
      { kind: "pass" },
      { kind: "rate_limited" },
    );
    const id = await enqueueRun(world, 0);
    const started = clock.now();
    const answer = await invokeSyncInProcess(id, {
      clock,
      settings: { budgetMs: 3_600_000, maxPages: 1000 },
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const run = await runRow(world.sql, id);
    assert.equal(run.state, "succeeded", String(run.error));
    assert.deepEqual(counters(run), expected);
    assert.deepEqual(differences(await world.compare()), "");
    assert.deepEqual(world.fakes.violations(), [], "every wait was long enough");
    const limited = world.fakes.requests().filter((r) => r.status === 429);
    assert.equal(limited.length, 8, "the storm was served");
    // 6 × 2 s of Toast and 2 × 60 s of 7shifts, waited on the vendors' (virtual) clock.
    assert.ok(clock.now() - started >= 12_000 + 120_000, `${clock.now() - started} ms`);
  } finally {
    await world.close();
  }
});

Deno.test("sync faults: tokens that stop working mid-run are replaced by one new login each, reused by the next run, and a login past Toast's two an hour waits", async () => {
  const expected = await controlCounters();
  const world = await syncWorld({ ...DATA, oauth: true });
  try {
    await world.deliver();
    let toastAnswers = 0;
    let sevenAnswers = 0;
    const expiring: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = String(input);
      if (url.includes("/toast/orders/") && res.status === 200 && ++toastAnswers === 1) {
        world.fakes.expireTokens("toast");
      }
      if (url.includes("/time_punches") && res.status === 200 && ++sevenAnswers === 1) {
        world.fakes.expireTokens("7shifts");
      }
      return res;
    };
    const id = await enqueueRun(world, 0);
    const answer = await invokeSyncInProcess(id, { fetch: expiring });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const run = await runRow(world.sql, id);
    assert.equal(run.state, "succeeded", String(run.error));
    assert.deepEqual(counters(run), expected);
    assert.deepEqual(differences(await world.compare()), "");
    assert.equal(world.fakes.logins("toast").length, 2, "one login, one after the expiry");
    assert.equal(world.fakes.logins("7shifts").length, 2, "one token, one after the expiry");
    // Each request in flight when its token expired was refused once (Toast's refund lists
    // ride along its ordersBulk pages, so one or two), then answered with the new token.
    const all = world.fakes.requests();
    const key = (r: (typeof all)[number]) => `${r.vendor} ${r.path} ${JSON.stringify(r.query)}`;
    const refused = all.filter((r) => r.status === 401);
    assert.ok(refused.length >= 2, `${refused.length} refused`);
    assert.equal(new Set(refused.map(key)).size, refused.length, "none refused twice");
    for (const r of refused) {
      assert.ok(
        all.some((a) => key(a) === key(r) && a.at >= r.at && a.status === 200),
        `${key(r)} answered after its refusal`,
      );
    }

    // The next run reuses both sessions (Vault): no login at all.
    const again = await enqueueRun(world, 0);
    await invokeSyncInProcess(again);
    assert.equal((await runRow(world.sql, again)).state, "succeeded");
    assert.equal(world.fakes.logins("toast").length, 2);
    assert.equal(world.fakes.logins("7shifts").length, 2);

    // Toast's session dies again: a third login within the hour is not made; the run waits.
    world.fakes.expireTokens("toast");
    const third = await enqueueRun(world, 0);
    const waited = await invokeSyncInProcess(third);
    assert.equal(waited.status, 200);
    const row = await runRow(world.sql, third);
    assert.equal(row.state, "pending", "released to wait for the next login slot");
    const [{ wait }] = await world.sql`select extract(epoch from not_before - now()) as wait
      from public.sync_runs where id = ${third}`;
    assert.ok(Number(wait) > 50 * 60, `waits for the hour's first login to age out: ${wait} s`);
    assert.equal(world.fakes.logins("toast").length, 2, "no third login");
    assert.deepEqual(world.fakes.violations(), []);
    await world.sql`update public.sync_runs set state = 'cancelled' where id = ${third}`;
  } finally {
    await world.close();
  }
});

Deno.test("sync faults: the function killed in the middle of a Toast page and of a 7shifts page resumes at its cursor; nothing lost or counted twice", async () => {
  const expected = await controlCounters();
  const env = testEnv();
  const world = await syncWorld(DATA);
  try {
    await world.deliver();
    let runId = 0;
    const kills: number[] = [];
    /** Kills the vendor-sync process, waits for its replacement, expires the run's lease. */
    const kill = async () => {
      const before = (await functionProcesses(env.apiUrl))["vendor-sync"];
      Deno.kill(before, "SIGKILL");
      kills.push(before);
      const deadline = Date.now() + 30_000;
      while (true) {
        const now = (await functionProcesses(env.apiUrl))["vendor-sync"];
        if (now && now !== before) break;
        if (Date.now() > deadline) throw new Error("vendor-sync was not restarted");
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    world.fakes.script("toast", { kind: "pass" }, { kind: "hold", onHold: kill });
    world.fakes.script("7shifts", { kind: "hold", onHold: kill });
    const [row] = await world.sql`select pipeline.request_sync(${world.locationIds[0]},
      ${world.span().from}::date, ${world.span().to}::date) as id`;
    runId = Number(row.id);
    // After each kill the run stays 'running' under the dead invocation's lease; its expiry
    // (90 s) is what hands it on: here it is made to happen now, then the sweep runs.
    for (let i = 0; i < 2; i++) {
      while (kills.length <= i) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      const [state] = await world.sql`select state, phase, pages from public.sync_runs
        where id = ${runId}`;
      assert.equal(state.state, "running", "the killed invocation's lease still holds it");
      await world.sql`update public.sync_runs set lease_expires_at = now()
        where id = ${runId} and state = 'running'`;
      await world.sql`select pipeline.request_sync_sweep()`;
    }
    const [run] = await waitForRuns(world.sql, [runId]);
    assert.equal(run.state, "succeeded", String(run.error));
    assert.equal(kills.length, 2);
    assert.ok(Number(run.invocations) >= 3, `invocations: ${run.invocations}`);
    assert.deepEqual(counters(run), expected);
    assert.deepEqual(differences(await world.compare()), "");
    assert.deepEqual(world.fakes.violations(), []);
  } finally {
    await world.close();
  }
});

Deno.test("sync faults: credentials the vendor refuses fail the run with the vendor's words and no secret", async () => {
  const world = await syncWorld({ ...DATA, seed: 52 });
  try {
    const wrong = `WRONG-${crypto.randomUUID()}`;
    await world.sql`select pipeline.rotate_connection_secret(
      ${world.credentials[0].toastConnectionId}, 'client_secret', ${wrong})`;
    const [run] = await syncAll(world);
    assert.equal(run.state, "failed");
    assert.match(String(run.error), /toast login: 401/);
    assert.ok(!String(run.error).includes(wrong), "the secret is not in the report");
    assert.equal(Number(run.pages), 0);
    assert.equal(world.fakes.logins("toast").length, 0, "no token was issued");
  } finally {
    await world.close();
  }
});
