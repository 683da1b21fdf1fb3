/**
 * `npm run smoke -- --url <functions URL>` (scripts/smoke.ts) against the running test
 * stack: its signed Toast and 7shifts events get 202 `ignored` and are logged, the unsigned
 * one 401, and no figure changes (orders, refunds, punches, daily metrics); a wrong secret
 * makes it exit non-zero and say which answer was wrong.
 */
import assert from "node:assert/strict";
import { repoPath } from "../../local/paths.ts";
import { SMOKE_SEVENSHIFTS_TOPIC, SMOKE_TOAST_EVENT_TYPE } from "../../scripts/smoke.ts";
import { testDb, testEnv } from "../_support/env.ts";
import { fingerprint, fingerprintDiff } from "../_support/fingerprint.ts";

const FIGURES = ["public.orders", "public.order_refunds", "public.punches", "public.daily_metrics"];

/** Runs the smoke script with only `secrets` (no env file); exit code and output. */
async function smoke(url: string, secrets: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/smoke.ts", "--url", url, "--env-file", "/nonexistent"],
    cwd: repoPath(),
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "", ...secrets },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

async function figures(sql: ReturnType<typeof testDb>): Promise<Map<string, string>> {
  const all = await fingerprint(sql);
  return new Map(FIGURES.map((name) => [name, all.get(name) ?? "(absent)"]));
}

async function smokeEventCount(sql: ReturnType<typeof testDb>): Promise<number> {
  const [{ n }] = await sql`select count(*)::int as n from public.inbound_events
    where outcome = 'ignored' and topic in (${SMOKE_TOAST_EVENT_TYPE}, ${SMOKE_SEVENSHIFTS_TOPIC})`;
  return n;
}

Deno.test("smoke: signed events are logged and ignored, the unsigned one is 401, no figure changes", async () => {
  const env = testEnv();
  const sql = testDb();
  try {
    const before = await figures(sql);
    const loggedBefore = await smokeEventCount(sql);

    const hmac = await smoke(env.functionsUrl, {
      TOAST_WEBHOOK_SECRET: env.toastSecret,
      SEVENSHIFTS_GRANT_GUID: env.sevenShiftsGrantGuid,
    });
    assert.equal(hmac.code, 0, hmac.text);
    assert.match(
      hmac.text,
      /Toast, signed, ignored event type +toast-webhook +202 ignored +202 ignored +ok/,
    );
    assert.match(
      hmac.text,
      /7shifts, signed \(HMAC\), ignored topic +sevenshifts-webhook +202 ignored +202 ignored +ok/,
    );
    assert.match(hmac.text, /Toast, unsigned +toast-webhook +401 +401 unauthorized +ok/);

    // Company webhooks made in the 7shifts app: the ?token= instead of the HMAC.
    const token = await smoke(env.functionsUrl, {
      TOAST_WEBHOOK_SECRET: env.toastSecret,
      SEVENSHIFTS_WEBHOOK_TOKEN: env.sevenShiftsToken,
    });
    assert.equal(token.code, 0, token.text);
    assert.match(token.text, /7shifts, \?token=, ignored topic .*202 ignored +ok/);

    assert.equal(await smokeEventCount(sql), loggedBefore + 4, "each signed event is logged");
    assert.deepEqual(fingerprintDiff(before, await figures(sql)), [], "figures changed");
  } finally {
    await sql.end();
  }
});

Deno.test("smoke: an answer that is not the expected one is reported and fails the run", async () => {
  const env = testEnv();
  const wrong = await smoke(env.functionsUrl, {
    TOAST_WEBHOOK_SECRET: "not-the-deployed-secret",
    SEVENSHIFTS_GRANT_GUID: env.sevenShiftsGrantGuid,
  });
  assert.equal(wrong.code, 1, wrong.text);
  assert.match(
    wrong.text,
    /Toast, signed, ignored event type .*202 ignored +401 unauthorized +WRONG/,
  );
  assert.match(wrong.text, /1 answer\(s\) not as expected/);

  const missing = await smoke(env.functionsUrl, {});
  assert.equal(missing.code, 2);
  assert.match(missing.text, /Set TOAST_WEBHOOK_SECRET/);
});
