/**
 * Sends the delivery plan as the vendors would: signed webhooks through
 * `supabase.functions.invoke` (the exact signed text as the body, with an explicit
 * `Content-Type`, because invoke would JSON-encode an object itself), one location's stream
 * in order, locations in parallel, and retries with exponential backoff and jitter on 5xx,
 * 429, timeouts and connection errors, as Toast and 7shifts retry.
 *
 * @module
 */
import {
  createClient,
  FunctionsFetchError,
  FunctionsHttpError,
  FunctionsRelayError,
  type SupabaseClient,
} from "@supabase/supabase-js";
import type { Delivery } from "./plan.ts";
import { sevenShiftsSignature, toastSignature } from "./sign.ts";

/** Where and how to send: the project's URL, anon key and the webhook secrets. */
export interface DeliveryTarget {
  supabaseUrl: string;
  anonKey: string;
  toastWebhookSecret: string;
  sevenShiftsGrantGuid: string;
  /** Companies with a grant of their own (a vendor connection's), by company id. */
  sevenShiftsGrantGuids?: Readonly<Record<number, string>>;
}

/** Retry and pacing policy. */
export interface SendOptions {
  /** Simulated milliseconds per real millisecond; Infinity (default) sends at once. */
  speed?: number;
  /** First retry delay (default 200 ms), doubled per attempt up to {@link maxRetryDelayMs}. */
  retryBaseMs?: number;
  /** Longest delay between attempts (default 5 s). */
  maxRetryDelayMs?: number;
  /** Give up on a delivery after this long (default 180 s): outages longer than that lose it. */
  giveUpAfterMs?: number;
  /** Per-attempt timeout (default 15 s). */
  timeoutMs?: number;
  /** Called after every delivery settles. */
  onDelivered?: (result: DeliveryResult, totals: DeliveryTotals) => void;
  /** Called when an attempt fails and will be retried. */
  onRetry?: (delivery: Delivery, attempt: number, reason: string) => void;
}

/** How one delivery ended. */
export interface DeliveryResult {
  delivery: Delivery;
  /** `accepted` (2xx), `rejected` (a 4xx the vendor would not retry), `failed` (gave up). */
  status: "accepted" | "rejected" | "failed";
  httpStatus: number | null;
  attempts: number;
  /** The function's JSON answer on success (`{outcome, duplicate}`), else the error text. */
  answer: unknown;
  /** Real time (epoch ms) the last attempt's answer arrived. */
  settledAt: number;
}

/** Running counts across the whole plan. */
export interface DeliveryTotals {
  total: number;
  settled: number;
  accepted: number;
  rejected: number;
  failed: number;
  retries: number;
  /** Accepted deliveries the system reported as already known. */
  duplicatesRecognised: number;
}

/** A Supabase client for invoking functions only (no session, no auto refresh). */
export function functionsClient(target: DeliveryTarget): SupabaseClient {
  return createClient(target.supabaseUrl, target.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True for HTTP answers the vendors retry. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** The signed headers of one attempt of `d`, as its vendor sends them. */
export async function headersFor(
  d: Delivery,
  target: DeliveryTarget,
  attempt: number,
): Promise<Record<string, string>> {
  // The exact key `Content-Type`: invoke only leaves a string body alone when it sees it.
  if (d.vendor === "toast") {
    return {
      "Content-Type": "application/json",
      "Toast-Signature": await toastSignature(
        d.rawBody,
        d.envelopeTimestamp ?? "",
        target.toastWebhookSecret,
      ),
      "Toast-Restaurant-External-ID": d.restaurantGuid ?? "",
      "Toast-Event-Type": d.topic,
      "Toast-Attempt-Number": String(attempt + (d.duplicate ? 1 : 0)),
      "User-Agent": "labor-pulse-simulator (Toast-like)",
    };
  }
  // 7shifts signs each attempt at send time; the verifier allows five minutes of skew.
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    "Content-Type": "application/json",
    "x-webhook-topic": d.topic,
    "x-company-id": String(d.companyId ?? ""),
    "x-hmac-timestamp": timestamp,
    "x-hmac-signature": await sevenShiftsSignature(
      d.rawBody,
      timestamp,
      target.sevenShiftsGrantGuids?.[d.companyId ?? 0] ?? target.sevenShiftsGrantGuid,
    ),
    "User-Agent": "labor-pulse-simulator (7shifts-like)",
  };
}

/** One attempt: the HTTP status (null on a connection error or timeout) and the answer. */
async function attemptOnce(
  client: SupabaseClient,
  d: Delivery,
  target: DeliveryTarget,
  attempt: number,
  timeoutMs: number,
): Promise<{ status: number | null; answer: unknown }> {
  const fn = d.vendor === "toast" ? "toast-webhook" : "sevenshifts-webhook";
  const { data, error } = await client.functions.invoke(fn, {
    body: d.rawBody,
    headers: await headersFor(d, target, attempt),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!error) return { status: 200, answer: data };
  if (error instanceof FunctionsHttpError || error instanceof FunctionsRelayError) {
    const res = error.context as Response;
    const text = await res.text().catch(() => "");
    return { status: res.status, answer: text.slice(0, 500) };
  }
  if (error instanceof FunctionsFetchError) {
    const cause = (error.context as { message?: string } | undefined)?.message ?? error.message;
    return { status: null, answer: String(cause) };
  }
  return { status: null, answer: error instanceof Error ? error.message : String(error) };
}

/** Sends one delivery until it is accepted, refused for good, or the give-up time passes. */
export async function sendWithRetries(
  client: SupabaseClient,
  d: Delivery,
  target: DeliveryTarget,
  opts: SendOptions = {},
): Promise<DeliveryResult> {
  const base = opts.retryBaseMs ?? 200;
  const maxDelay = opts.maxRetryDelayMs ?? 5000;
  const giveUpAt = Date.now() + (opts.giveUpAfterMs ?? 180_000);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  for (let attempt = 1;; attempt++) {
    const { status, answer } = await attemptOnce(client, d, target, attempt, timeoutMs);
    if (status !== null && status >= 200 && status < 300) {
      return {
        delivery: d,
        status: "accepted",
        httpStatus: status,
        attempts: attempt,
        answer,
        settledAt: Date.now(),
      };
    }
    if (status !== null && !isRetryableStatus(status)) {
      return {
        delivery: d,
        status: "rejected",
        httpStatus: status,
        attempts: attempt,
        answer,
        settledAt: Date.now(),
      };
    }
    const delay = Math.min(maxDelay, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
    if (Date.now() + delay > giveUpAt) {
      return {
        delivery: d,
        status: "failed",
        httpStatus: status,
        attempts: attempt,
        answer,
        settledAt: Date.now(),
      };
    }
    opts.onRetry?.(d, attempt, status === null ? String(answer) : `HTTP ${status}`);
    await sleep(delay);
  }
}

/** Totals of a plan of `total` deliveries before the first is sent. */
export function emptyDeliveryTotals(total: number): DeliveryTotals {
  return {
    total,
    settled: 0,
    accepted: 0,
    rejected: 0,
    failed: 0,
    retries: 0,
    duplicatesRecognised: 0,
  };
}

/** Counts one settled delivery into `totals`. */
export function countDelivery(totals: DeliveryTotals, r: DeliveryResult): void {
  totals.settled += 1;
  totals[r.status] += 1;
  const answer = r.answer as { duplicate?: unknown } | null;
  if (r.status === "accepted" && answer && answer.duplicate === true) {
    totals.duplicatesRecognised += 1;
  }
}

/**
 * Sends the whole plan: each location's deliveries in plan order, the locations in
 * parallel. With a finite `speed`, each delivery waits for its simulated send time.
 */
export async function deliverAll(
  deliveries: readonly Delivery[],
  target: DeliveryTarget,
  opts: SendOptions = {},
): Promise<{ results: DeliveryResult[]; totals: DeliveryTotals }> {
  const client = functionsClient(target);
  const totals = emptyDeliveryTotals(deliveries.length);
  const results: DeliveryResult[] = new Array(deliveries.length);
  const position = new Map(deliveries.map((d, i) => [d, i]));
  const speed = opts.speed ?? Infinity;
  const simStart = deliveries.reduce((m, d) => Math.min(m, d.sendAt), Infinity);
  const realStart = Date.now();
  const streams = new Map<number, Delivery[]>();
  for (const d of deliveries) {
    const list = streams.get(d.locationIndex) ?? [];
    list.push(d);
    streams.set(d.locationIndex, list);
  }
  const onRetry = (d: Delivery, attempt: number, reason: string) => {
    totals.retries += 1;
    opts.onRetry?.(d, attempt, reason);
  };
  await Promise.all([...streams.values()].map(async (stream) => {
    for (const d of stream) {
      if (Number.isFinite(speed)) {
        const due = realStart + (d.sendAt - simStart) / speed;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
      }
      const r = await sendWithRetries(client, d, target, { ...opts, onRetry });
      results[position.get(d) ?? 0] = r;
      countDelivery(totals, r);
      opts.onDelivered?.(r, totals);
    }
  }));
  return { results, totals };
}
