/**
 * The benchmark's load generator, run as a process of its own (`deno run -A bench/loadgen.ts`)
 * so its CPU and memory are not the system's. It speaks JSON lines: the first stdin line is a
 * {@link LoadEnv}; each later line `{id, spec}` runs one {@link LoadSpec}, says `{id, measuring:
 * true}` when its measured part starts (events are built, signed and warmed up by then) and
 * answers `{id, result}` (or `{id, error}`) when it ends. End of stdin ends it.
 *
 * Every event is built and signed before the clock starts (Toast: base64 HMAC-SHA256 of the
 * raw body + envelope timestamp; 7shifts: hex HMAC-SHA256 keyed `"{timestamp}#{grant guid}"`),
 * so the measured time is the system's, not the generator's. Two ways to send:
 *
 * - `http`: POST to `<apiUrl>/functions/v1/toast-webhook` or `sevenshifts-webhook`, through
 *   the gateway and the real function (signature check, validation, one SQL call, trigger
 *   recompute, commit). Success is a 200 whose body says `"outcome":"applied"`.
 * - `sql`: the database ceiling: the same statement the functions (`INGEST_*_SQL`)
 *   run, with the event the function would have built from the same body (same
 *   normalisation, same headers), over a postgres.js pool (`prepare: false`, role
 *   `pipeline_functions`, as the functions connect). Success is `outcome = applied`.
 *
 * Closed loop (`concurrency` workers, each sending its next event when the last is answered:
 * throughput) or open loop (`ratePerSecond`: event i is due at start + i / rate and sent then
 * whatever is outstanding; latency is measured from when it was due, so a stalled system
 * cannot hide its queueing). Every run is bounded by `count` and by `maxSeconds`.
 *
 * @module
 */
import postgres from "postgres";
import {
  normalizeToastOrder,
  parseToastEnvelope,
  parseToastOrderDetails,
} from "../shared/toast.ts";
import { parseSevenShiftsPunchEvent } from "../shared/sevenshifts.ts";
import { sha256Hex, signSevenShiftsPayload, signToastPayload } from "../shared/signatures.ts";
import { benchUuid, sevenShiftsPunchBody, toastOrderEnvelope } from "./payloads.ts";
import { INGEST_TOAST_SQL } from "../supabase/functions/toast-webhook/handler.ts";
import { oneRoundTripRunner } from "../supabase/functions/_shared/ingest.ts";
import { INGEST_SEVENSHIFTS_SQL } from "../supabase/functions/sevenshifts-webhook/handler.ts";
import { type LatencySummary, round, summarize } from "./stats.ts";
import type { TimedRequest } from "./tail.ts";

/** Where to send, and the secrets to sign with. */
export interface LoadEnv {
  apiUrl: string;
  databaseUrl: string;
  toastWebhookSecret: string;
  sevenShiftsGrantGuid: string;
  /** Role the SQL pool runs as (default `pipeline_functions`, as the functions). */
  dbRole?: string;
}

/** A Toast restaurant and the business day its orders land on. */
export interface ToastTarget {
  restaurantGuid: string;
  /** `YYYY-MM-DD`. */
  businessDate: string;
}

/** A 7shifts location and the start of the business day its punches land on. */
export interface PunchTarget {
  companyId: number;
  locationId: number;
  /** Clock-ins are spread over the 10 hours after this instant (epoch ms). */
  dayStartMs: number;
}

/** Event kinds. */
export type EventKind = "toast" | "7shifts";

/** One measurement. */
export interface LoadSpec {
  name: string;
  mode: "http" | "sql";
  /** `mixed` alternates Toast orders and 7shifts punches. */
  workload: EventKind | "mixed";
  /** Closed loop: workers. Open loop: ignored (in flight is capped at 1,024). */
  concurrency: number;
  /** Open loop at this many events per second. */
  ratePerSecond?: number;
  /** Events measured (upper bound). */
  count: number;
  /** Time bound of the measured part, seconds. */
  maxSeconds: number;
  /** Events sent first, closed loop, not measured (warms the JIT and the pools). */
  warmup?: number;
  /** Id space: order/event GUIDs and punch ids are unique per space (1 … 899). */
  space: number;
  toastTargets: ToastTarget[];
  punchTargets: PunchTarget[];
  /** Every order of this amount (cents) instead of varied amounts. */
  amountCents?: number;
  /** Punches still on the clock (no clock-out), as `time_punch.created` at clock-in sends. */
  openPunches?: boolean;
  /** Keep each event's latency in the result (`latenciesMs`). */
  keepLatencies?: boolean;
  /** Open loop: keep each request's timing (`timed`: due time, send lag, Server-Timing). */
  keepTimings?: boolean;
}

/** What a measurement gives. */
export interface LoadResult {
  name: string;
  mode: "http" | "sql";
  workload: LoadSpec["workload"];
  concurrency: number;
  ratePerSecond: number | null;
  sent: number;
  ok: number;
  errors: number;
  /** HTTP status (or `sql:<outcome>` / `error`) → count. */
  statuses: Record<string, number>;
  errorSamples: string[];
  elapsedSeconds: number;
  /** Successful events per second over the measured part. */
  eventsPerSecond: number;
  latency: LatencySummary;
  byKind: Partial<Record<EventKind, LatencySummary>>;
  /** Open loop: the latest an event was sent after it was due (ms). */
  maxSendLagMs: number | null;
  startedAtMs: number;
  endedAtMs: number;
  latenciesMs?: number[];
  timed?: TimedRequest[];
}

/** One event, built and signed, with what the SQL side sends for it. */
export interface Prepared {
  kind: EventKind;
  url: string;
  headers: Record<string, string>;
  body: string;
  sqlText: string;
  sqlEvent: unknown;
}

interface Outcome {
  ok: boolean;
  status: string;
  detail?: string;
  /** `Server-Timing` durations of the answer (ms by name). */
  timing?: Record<string, number>;
}

/** `Server-Timing: db;dur=1.2, fn;dur=3.4` → `{db: 1.2, fn: 3.4}` (entries without dur left out). */
export function parseServerTiming(header: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of (header ?? "").split(",")) {
    const [name, ...params] = entry.split(";").map((p) => p.trim());
    const dur = params.find((p) => p.startsWith("dur="));
    if (name && dur && Number.isFinite(Number(dur.slice(4)))) out[name] = Number(dur.slice(4));
  }
  return out;
}

const encoder = new TextEncoder();

/** Content length in bytes of a body (the header the vendor sends). */
function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** Builds, signs and (for `sql`) normalises event `i` of a spec. */
export async function prepare(env: LoadEnv, spec: LoadSpec, i: number): Promise<Prepared> {
  const kind: EventKind = spec.workload === "mixed"
    ? (i % 2 === 0 ? "toast" : "7shifts")
    : spec.workload;
  const now = Date.now();
  if (kind === "toast") {
    const target = spec.toastTargets[i % spec.toastTargets.length];
    const envelope = toastOrderEnvelope({
      eventGuid: benchUuid(0xbe000000 + spec.space, 2 * i + 1),
      orderGuid: benchUuid(0xbe000000 + spec.space, 2 * i),
      restaurantGuid: target.restaurantGuid,
      businessDate: target.businessDate,
      amountCents: spec.amountCents ?? 800 + ((i * 7919) % 9000),
      modifiedAtMs: now - 1000,
      sentAtMs: now,
      selections: 1 + (i % 4),
    });
    const body = JSON.stringify(envelope);
    const signature = await signToastPayload(
      body,
      String(envelope.timestamp),
      env.toastWebhookSecret,
    );
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "toast-signature": signature,
      "toast-restaurant-external-id": target.restaurantGuid,
      "toast-event-type": "order_updated",
      "toast-event-category": "orders",
      "toast-attempt-number": "1",
    };
    let sqlEvent: unknown = null;
    if (spec.mode === "sql") {
      const env = parseToastEnvelope(JSON.parse(body));
      if (!env.ok) throw new Error(`bench Toast envelope invalid: ${JSON.stringify(env.problems)}`);
      const details = parseToastOrderDetails(env.value.details);
      if (!details.ok) throw new Error(`bench order invalid: ${JSON.stringify(details.problems)}`);
      sqlEvent = {
        eventKey: env.value.guid,
        topic: env.value.eventType,
        restaurantGuid: target.restaurantGuid.toLowerCase(),
        headers: { ...headers, "content-length": String(byteLength(body)) },
        rawBody: body,
        order: normalizeToastOrder(details.value.order),
      };
    }
    return {
      kind,
      url: `${env.apiUrl}/functions/v1/toast-webhook`,
      headers,
      body,
      sqlText: INGEST_TOAST_SQL,
      sqlEvent,
    };
  }
  const target = spec.punchTargets[i % spec.punchTargets.length];
  const topic = "time_punch.created";
  const punch = sevenShiftsPunchBody({
    punchId: spec.space * 10_000_000 + i,
    companyId: target.companyId,
    locationId: target.locationId,
    userId: 40_000 + (i % 500),
    clockedInMs: target.dayStartMs + (i % 600) * 60_000,
    minutes: 240 + (i % 240),
    wageCents: 1500 + (i % 1000),
    modifiedMs: now,
    open: spec.openPunches,
  });
  const body = JSON.stringify(punch);
  const timestamp = String(Math.floor(now / 1000));
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-webhook-topic": topic,
    "x-company-id": String(target.companyId),
    "x-hmac-timestamp": timestamp,
    "x-hmac-signature": await signSevenShiftsPayload(body, timestamp, env.sevenShiftsGrantGuid),
  };
  let sqlEvent: unknown = null;
  if (spec.mode === "sql") {
    const change = parseSevenShiftsPunchEvent(topic, punch, "dollars", target.companyId);
    if (!change.ok || change.value.kind !== "punch") {
      throw new Error(`bench punch invalid: ${JSON.stringify(change)}`);
    }
    sqlEvent = {
      eventKey: await sha256Hex(`${topic}\n${body}`),
      topic,
      companyId: change.value.punch.companyId,
      locationId: change.value.punch.locationId,
      headers: { ...headers, "content-length": String(byteLength(body)) },
      rawBody: body,
      punch: change.value.punch,
      deletion: null,
    };
  }
  return {
    kind,
    url: `${env.apiUrl}/functions/v1/sevenshifts-webhook`,
    headers,
    body,
    sqlText: INGEST_SEVENSHIFTS_SQL,
    sqlEvent,
  };
}

type Sender = (e: Prepared) => Promise<Outcome>;

function httpSender(): Sender {
  return async (e) => {
    try {
      const res = await fetch(e.url, { method: "POST", headers: e.headers, body: e.body });
      const text = await res.text();
      const timing = parseServerTiming(res.headers.get("server-timing"));
      if (res.status !== 200) {
        return { ok: false, status: String(res.status), detail: text.slice(0, 300) };
      }
      const applied = text.includes('"outcome":"applied"');
      return applied
        ? { ok: true, status: "200", timing }
        : { ok: false, status: "200-not-applied", detail: text.slice(0, 300) };
    } catch (err) {
      return {
        ok: false,
        status: "error",
        detail: err instanceof Error ? err.message : String(err),
      };
    }
  };
}

function sqlSender(sql: postgres.Sql): Sender {
  // The statement as the functions send it: the event written in, one round trip.
  const db = oneRoundTripRunner(sql);
  return async (e) => {
    try {
      const rows = await db.query(e.sqlText, [e.sqlEvent]);
      const outcome = (rows[0]?.result as { outcome?: string } | undefined)?.outcome;
      return outcome === "applied"
        ? { ok: true, status: "sql:applied" }
        : { ok: false, status: `sql:${outcome}`, detail: JSON.stringify(rows[0]?.result) };
    } catch (err) {
      return {
        ok: false,
        status: "error",
        detail: err instanceof Error
          ? `${(err as { code?: string }).code ?? ""} ${err.message}`
          : String(err),
      };
    }
  };
}

interface Sample {
  kind: EventKind;
  ms: number;
  outcome: Outcome;
  /** Open loop: when it was due (epoch ms) and how late it was sent (ms). */
  dueAtMs?: number;
  sendLagMs?: number;
}

async function closedLoop(
  events: Prepared[],
  concurrency: number,
  deadline: number,
  send: Sender,
  samples: Sample[] | null,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (true) {
      const i = next++;
      if (i >= events.length || performance.now() > deadline) return;
      const t0 = performance.now();
      const outcome = await send(events[i]);
      samples?.push({ kind: events[i].kind, ms: performance.now() - t0, outcome });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function openLoop(
  events: Prepared[],
  rate: number,
  deadline: number,
  send: Sender,
  samples: Sample[],
): Promise<number> {
  const interval = 1000 / rate;
  const start = performance.now() + 5;
  const inFlight = new Set<Promise<void>>();
  let maxLag = 0;
  for (let i = 0; i < events.length; i++) {
    const due = start + i * interval;
    // Timers are ~1 ms coarse; no busy wait (it would take a core from the system).
    const wait = due - performance.now();
    if (wait > 0.5) await sleep(wait);
    if (performance.now() > deadline) break;
    while (inFlight.size >= 1024) await Promise.race(inFlight);
    const sendLagMs = performance.now() - due;
    maxLag = Math.max(maxLag, sendLagMs);
    const e = events[i];
    const p = send(e).then((outcome) => {
      samples.push({
        kind: e.kind,
        ms: performance.now() - due,
        outcome,
        dueAtMs: performance.timeOrigin + due,
        sendLagMs,
      });
    }).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  return maxLag;
}

const pools = new Map<number, postgres.Sql>();

/** The SQL pool for a concurrency, connected before any clock starts. */
async function poolFor(env: LoadEnv, size: number): Promise<postgres.Sql> {
  let sql = pools.get(size);
  if (!sql) {
    const role = env.dbRole ?? "pipeline_functions";
    sql = postgres(env.databaseUrl, {
      max: size,
      prepare: false,
      connection: role ? { role } : {},
      onnotice: () => {},
    });
    pools.set(size, sql);
  }
  await Promise.all(Array.from({ length: size }, () => sql!`select pg_sleep(0.01)`));
  return sql;
}

/** Runs one measurement. */
export async function runLoad(
  env: LoadEnv,
  spec: LoadSpec,
  onMeasuring: () => void = () => {},
): Promise<LoadResult> {
  if (spec.count < 1 || spec.maxSeconds <= 0) throw new Error("count and maxSeconds must be > 0");
  if (spec.space < 1 || spec.space > 899) throw new Error("space must be 1 … 899");
  const warmupCount = spec.warmup ?? 0;
  if (warmupCount + spec.count >= 10_000_000) throw new Error("too many events for one space");
  const all: Prepared[] = [];
  for (let i = 0; i < warmupCount + spec.count; i++) all.push(await prepare(env, spec, i));
  const warm = all.slice(0, warmupCount);
  const events = all.slice(warmupCount);
  const concurrency = Math.max(1, spec.concurrency);
  const send = spec.mode === "http"
    ? httpSender()
    : sqlSender(await poolFor(env, spec.ratePerSecond ? Math.max(concurrency, 16) : concurrency));

  if (warm.length > 0) {
    await closedLoop(warm, Math.min(concurrency, 8), performance.now() + 60_000, send, null);
  }
  const samples: Sample[] = [];
  onMeasuring();
  const startedAtMs = Date.now();
  const t0 = performance.now();
  const deadline = t0 + spec.maxSeconds * 1000;
  let maxSendLagMs: number | null = null;
  if (spec.ratePerSecond) {
    maxSendLagMs = round(await openLoop(events, spec.ratePerSecond, deadline, send, samples), 2);
  } else {
    await closedLoop(events, concurrency, deadline, send, samples);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  for (const s of samples) {
    statuses[s.outcome.status] = (statuses[s.outcome.status] ?? 0) + 1;
    if (!s.outcome.ok && errorSamples.length < 5) {
      errorSamples.push(`${s.outcome.status}: ${s.outcome.detail ?? ""}`);
    }
  }
  const ok = samples.filter((s) => s.outcome.ok).length;
  const byKind: Partial<Record<EventKind, LatencySummary>> = {};
  for (const kind of ["toast", "7shifts"] as const) {
    const mine = samples.filter((s) => s.kind === kind);
    if (mine.length > 0) byKind[kind] = summarize(mine.map((s) => s.ms));
  }
  return {
    name: spec.name,
    mode: spec.mode,
    workload: spec.workload,
    concurrency,
    ratePerSecond: spec.ratePerSecond ?? null,
    sent: samples.length,
    ok,
    errors: samples.length - ok,
    statuses,
    errorSamples,
    elapsedSeconds: round(elapsed, 3),
    eventsPerSecond: round(ok / elapsed, 1),
    latency: summarize(samples.map((s) => s.ms)),
    byKind,
    maxSendLagMs,
    startedAtMs,
    endedAtMs: Date.now(),
    latenciesMs: spec.keepLatencies ? samples.map((s) => round(s.ms, 3)) : undefined,
    timed: spec.keepTimings
      ? samples.filter((s) => s.dueAtMs !== undefined).map((s) => ({
        dueAtMs: round(s.dueAtMs!, 1),
        totalMs: round(s.ms, 3),
        sendLagMs: round(s.sendLagMs!, 3),
        timing: s.outcome.timing ?? {},
      }))
      : undefined,
  };
}

async function serve() {
  const out = (value: unknown) =>
    Deno.stdout.writeSync(encoder.encode(JSON.stringify(value) + "\n"));
  let env: LoadEnv | null = null;
  let buffered = "";
  out({ ready: true, pid: Deno.pid });
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      const msg = JSON.parse(line);
      if (!env) {
        env = msg as LoadEnv;
        continue;
      }
      try {
        const measuring = () => out({ id: msg.id, measuring: true });
        out({ id: msg.id, result: await runLoad(env, msg.spec as LoadSpec, measuring) });
      } catch (err) {
        out({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  for (const sql of pools.values()) await sql.end({ timeout: 2 });
}

if (import.meta.main) await serve();
