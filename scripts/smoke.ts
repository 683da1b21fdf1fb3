/**
 * Checks a deployment in one command: sends one signed Toast event and one signed 7shifts
 * event of a type the pipeline logs and ignores (202 `ignored`; no order, punch or figure
 * changes), and one unsigned Toast event (401), then prints each answer in a table. Exits 1
 * when an answer is not the expected one.
 *
 * Usage: npm run smoke -- --url <functions URL> [--env-file <path>]
 *   --url       e.g. https://<ref>.supabase.co/functions/v1 or http://127.0.0.1:54321/functions/v1
 *   --env-file  where the secrets are when not in the env (default supabase/functions/.env)
 *
 * Secrets, by the names the functions read: TOAST_WEBHOOK_SECRET, and SEVENSHIFTS_GRANT_GUID
 * (HMAC) or else SEVENSHIFTS_WEBHOOK_TOKEN (`?token=`, company webhooks).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { readEnvFile } from "../local/functions.ts";
import { repoPath } from "../local/paths.ts";
import { signSevenShiftsPayload, signToastPayload } from "../shared/signatures.ts";

/** One smoke request and the answer it must get. */
interface Check {
  name: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  expect: { status: number; outcome?: string };
}

/** Toast and 7shifts never send these: the functions log them as ignored (202). */
export const SMOKE_TOAST_EVENT_TYPE = "labor_pulse_smoke_test";
export const SMOKE_SEVENSHIFTS_TOPIC = "labor_pulse.smoke_test";

async function checks(secrets: Record<string, string | undefined>): Promise<Check[]> {
  const toastSecret = secrets.TOAST_WEBHOOK_SECRET;
  const grantGuid = secrets.SEVENSHIFTS_GRANT_GUID;
  const token = secrets.SEVENSHIFTS_WEBHOOK_TOKEN;
  if (!toastSecret || (!grantGuid && !token)) {
    throw new Error(
      "Set TOAST_WEBHOOK_SECRET and SEVENSHIFTS_GRANT_GUID (or SEVENSHIFTS_WEBHOOK_TOKEN) in " +
        "the env or the --env-file: the values given to `supabase secrets set`.",
    );
  }
  const now = new Date().toISOString();
  const note = "labor-pulse deployment check: logged and ignored";
  const toastBody = JSON.stringify({
    timestamp: now,
    eventCategory: "smoke",
    eventType: SMOKE_TOAST_EVENT_TYPE,
    guid: `smoke-${crypto.randomUUID()}`,
    details: { note },
  });
  const sevenBody = JSON.stringify({ note, sent_at: now });
  const ts = String(Math.floor(Date.now() / 1000));
  const seven: Check = grantGuid
    ? {
      name: "7shifts, signed (HMAC), ignored topic",
      path: "sevenshifts-webhook",
      headers: {
        "x-hmac-timestamp": ts,
        "x-hmac-signature": await signSevenShiftsPayload(sevenBody, ts, grantGuid),
      },
      body: sevenBody,
      expect: { status: 202, outcome: "ignored" },
    }
    : {
      name: "7shifts, ?token=, ignored topic",
      path: `sevenshifts-webhook?token=${encodeURIComponent(token!)}`,
      headers: {},
      body: sevenBody,
      expect: { status: 202, outcome: "ignored" },
    };
  seven.headers["x-webhook-topic"] = SMOKE_SEVENSHIFTS_TOPIC;
  return [
    {
      name: "Toast, signed, ignored event type",
      path: "toast-webhook",
      headers: {
        "toast-signature": await signToastPayload(toastBody, now, toastSecret),
        "toast-event-type": SMOKE_TOAST_EVENT_TYPE,
      },
      body: toastBody,
      expect: { status: 202, outcome: "ignored" },
    },
    seven,
    {
      name: "Toast, unsigned",
      path: "toast-webhook",
      headers: { "toast-event-type": SMOKE_TOAST_EVENT_TYPE },
      body: toastBody,
      expect: { status: 401 },
    },
  ];
}

/** What came back, in a few words: `202 ignored`, `401 unauthorized`, or the failure. */
async function send(url: string, check: Check): Promise<{ status: number; said: string }> {
  try {
    const res = await fetch(`${url}/${check.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...check.headers },
      body: check.body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let said = text.slice(0, 80);
    try {
      const json = JSON.parse(text);
      said = json.outcome ?? json.error?.code ?? said;
    } catch {
      // not JSON: show the start of the text
    }
    return { status: res.status, said: `${res.status} ${said}`.trim() };
  } catch (err) {
    return { status: 0, said: `no answer (${err instanceof Error ? err.message : err})` };
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { url: { type: "string" }, "env-file": { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help || !values.url) {
    console.log(
      "Usage: npm run smoke -- --url <functions URL> [--env-file supabase/functions/.env]",
    );
    return values.help ? 0 : 2;
  }
  const url = values.url.replace(/\/+$/, "");
  const file = await readEnvFile(values["env-file"] ?? repoPath("supabase/functions/.env"));
  const secret = (name: string) => Deno.env.get(name) || file[name];
  let list: Check[];
  try {
    list = await checks({
      TOAST_WEBHOOK_SECRET: secret("TOAST_WEBHOOK_SECRET"),
      SEVENSHIFTS_GRANT_GUID: secret("SEVENSHIFTS_GRANT_GUID"),
      SEVENSHIFTS_WEBHOOK_TOKEN: secret("SEVENSHIFTS_WEBHOOK_TOKEN"),
    });
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    return 2;
  }
  const rows = [["check", "function", "expected", "answer", ""]];
  let failures = 0;
  for (const check of list) {
    const answer = await send(url, check);
    const expected = `${check.expect.status}${
      check.expect.outcome ? ` ${check.expect.outcome}` : ""
    }`;
    const ok = answer.status === check.expect.status &&
      (!check.expect.outcome || answer.said === expected);
    if (!ok) failures++;
    rows.push([check.name, check.path.split("?")[0], expected, answer.said, ok ? "ok" : "WRONG"]);
  }
  console.log(`Smoke test of ${url}\n\n${table(rows)}\n`);
  if (failures > 0) {
    console.log(
      `${failures} answer(s) not as expected. A 401 to a signed event: the secrets here differ ` +
        "from the deployed ones, or verify_jwt is on (deploy with supabase/config.toml). " +
        "A 404: the function is not deployed.",
    );
    return 1;
  }
  console.log("All answers as expected; the signed events were logged as ignored.");
  return 0;
}

if (import.meta.main) Deno.exit(await main());
