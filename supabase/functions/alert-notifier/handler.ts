/**
 * The alert notifier: delivers labor alerts from the `public.alerts` outbox to Slack and
 * Discord, exactly once per channel when the channels behave, never silently dropped when
 * they do not.
 *
 * Callers (both requests signed by the database, shared/signatures.ts `verifyAlertWebhook`:
 * `x-alert-timestamp` in Unix seconds and `x-alert-signature`, hex HMAC-SHA256 of
 * `"{timestamp}."` + the exact body under `ALERT_WEBHOOK_SECRET`, checked in constant time
 * within 5 minutes either way; no secret travels in the request, which pg_net keeps where
 * every database role can read it):
 * - the **database webhook** (AFTER INSERT on public.alerts, via pg_net) with Supabase's
 *   Database Webhook body `{type: "INSERT", table: "alerts", schema, record, old_record}`:
 *   delivers that alert, then the next due alerts of the same location;
 * - the **sweep** (pg_cron every minute, `pipeline.request_alert_sweep()`) with
 *   `{type: "SWEEP"}`: delivers every due alert, oldest first, one location's in order.
 *
 * Round trips per alert of a database webhook call: two. The claim also reserves the first
 * channel's slot (`pipeline.claim_alert` with a pace), and the record that settles the alert
 * also claims its location's next one (`pipeline.record_alert_attempt` with claim_next).
 *
 * Per alert: claim it (`pending → sending` under a lease, FOR UPDATE SKIP LOCKED, so two
 * invocations never both post it), render it (shared/alert_messages.ts), post it to each
 * channel not yet delivered (the location's own webhook URL, else SLACK_WEBHOOK_URL /
 * DISCORD_WEBHOOK_URL), pacing each webhook (≤ ~1/s for Slack: a post paced further ahead
 * than `maxPacingWaitMs` keeps its alert, waits and asks again, so a burst drains at the paced
 * rate within the invocation's budget instead of waiting for the sweep), and record every
 * attempt with what the delivery policy (shared/delivery_policy.ts) decided: sent only after
 * a 2xx; a short retry in-process, a longer one left for the sweep; a permanent error ends the
 * alert as `failed` with the service's reason. Any other error with one alert (a message that
 * cannot be rendered) ends that alert as `failed` with the reason and holds back nothing. A
 * location without any channel gets its alerts marked `undeliverable` (visible in the table,
 * re-queued by `pipeline.requeue_alerts`).
 *
 * A request copied out of pg_net's queue can only be sent again as it is, within its 5
 * minutes: it names an alert the claim already settled (nothing is posted twice) or asks for a
 * sweep the schedule would run anyway.
 *
 * Answers: 401 for a missing, malformed or stale signature (before the body is read) or one
 * that does not match the body (before it is parsed); 405/415/413/400 for a malformed
 * request; 200 with a summary of what happened to each alert; 503 when the database is
 * unreachable (the sweep tries again); 500 for anything unexpected.
 *
 * @module
 */
import { errorResponse, json, positiveSetting } from "../_shared/http.ts";
import { isDatabaseUnavailable } from "../_shared/db.ts";
import { readSignedDatabaseRequest } from "../_shared/database_webhook.ts";
import {
  type OutboxFacts,
  renderDiscordMessage,
  renderSlackMessage,
} from "../../../shared/alert_messages.ts";
import {
  type FlashFacts,
  renderFlashDiscord,
  renderFlashSlack,
} from "../../../shared/flash_messages.ts";
import {
  type Channel,
  type ChannelResult,
  classifyDelivery,
  responseExcerpt,
  WEBHOOK_MIN_INTERVAL_MS,
} from "../../../shared/delivery_policy.ts";
import { sha256Hex } from "../../../shared/signatures.ts";

/**
 * An outbox row claimed for delivery (an alert, a notice or a morning flash): the message facts
 * plus its delivery state.
 */
export type ClaimedAlert = (OutboxFacts | FlashFacts) & ClaimedDelivery;

/** The delivery state of a claimed outbox row. */
export interface ClaimedDelivery {
  locationId: number;
  /** `sending` when claimed; `undeliverable` when its location has no channel. */
  status: "pending" | "sending" | "sent" | "failed" | "undeliverable";
  leaseToken: string | null;
  attemptCount: number;
  /** Attempts so far per channel (backoff and the attempt limit count per channel). */
  channelAttempts: Record<Channel, number>;
  targetChannels: Channel[];
  deliveredChannels: Channel[];
  failedChannels: Channel[];
  /** The location's own webhooks (secrets); null means "use the default from env". */
  slackWebhookUrl: string | null;
  discordWebhookUrl: string | null;
  lastError: string | null;
  /** The slot the claim reserved for the first channel owed (claimAlert with a pace). */
  slot?: WebhookSlot & { channel: Channel };
}

/** A webhook slot (`pipeline.reserve_webhook_slot`). */
export interface WebhookSlot {
  reserved: boolean;
  waitMs: number;
}

/**
 * How a claim reserves the first owed channel's slot in the same round trip: the pace of each
 * channel and the key (hex SHA-256) of the notifier's default URL, if it has one.
 */
export interface PaceRequest {
  maxWaitMs: number;
  slack: { intervalMs: number; defaultKey: string | null };
  discord: { intervalMs: number; defaultKey: string | null };
}

/** How alerts are claimed. */
export interface ClaimOptions {
  leaseSeconds: number;
  /** Whether SLACK_WEBHOOK_URL / DISCORD_WEBHOOK_URL are set (a location may rely on them). */
  hasDefaultSlack: boolean;
  hasDefaultDiscord: boolean;
}

/** One outcome for one channel of a claimed alert (`pipeline.record_alert_attempt`). */
export interface AttemptRecord {
  alertId: number;
  leaseToken: string;
  channel: Channel;
  outcome: "delivered" | "retry" | "failed" | "deferred";
  statusCode?: number | null;
  responseExcerpt?: string | null;
  error?: string | null;
  /** For retry/deferred: how long from now the next attempt may start. */
  retryAfterMs?: number | null;
  /** Give the claim back (pending) unless the alert is complete. */
  release: boolean;
  leaseSeconds: number;
  durationMs?: number | null;
  /**
   * Once the alert is settled or released, also claim its location's next alert (as
   * `claimDueAlerts(1, opts, locationId)` would) in the same round trip.
   */
  claimNext?: ClaimOptions;
}

/** What recording an attempt returned. */
export interface RecordedAttempt {
  /** The alert's status afterwards, or `lease_lost`. */
  status: string;
  /**
   * With {@link AttemptRecord.claimNext}, once the alert was settled or released: its
   * location's next alert, claimed (empty when none is due). Absent otherwise.
   */
  next?: ClaimedAlert[];
}

/** The database calls the notifier makes, one round trip each. */
export interface NotifierDb {
  /** With `pace`, the claimed alert comes with its first owed channel's slot reserved. */
  claimAlert(alertId: number, opts: ClaimOptions, pace?: PaceRequest): Promise<ClaimedAlert[]>;
  claimDueAlerts(max: number, opts: ClaimOptions, locationId?: number): Promise<ClaimedAlert[]>;
  recordAttempt(record: AttemptRecord): Promise<RecordedAttempt>;
  reserveWebhookSlot(
    webhookKey: string,
    minIntervalMs: number,
    maxWaitMs: number,
  ): Promise<WebhookSlot>;
}

/** A postgres.js-like client: tagged template queries. */
export interface SqlClient {
  // deno-lint-ignore no-explicit-any
  (strings: TemplateStringsArray, ...values: any[]): PromiseLike<ReadonlyArray<any>>;
}

/** {@link NotifierDb} over the SQL functions of the alerts migration. */
export function postgresNotifierDb(sql: SqlClient): NotifierDb {
  return {
    async claimAlert(alertId, o, pace) {
      const rows = await sql`
        select pipeline.claim_alert(${alertId}, ${o.leaseSeconds}, ${o.hasDefaultSlack},
          ${o.hasDefaultDiscord}, ${pace ?? null}::jsonb) as alert`;
      return rows.map((r) => r.alert as ClaimedAlert);
    },
    async claimDueAlerts(max, o, locationId) {
      const rows = await sql`
        select pipeline.claim_due_alerts(${max}, ${o.leaseSeconds}, ${o.hasDefaultSlack},
          ${o.hasDefaultDiscord}, ${locationId ?? null}) as alert`;
      return rows.map((r) => r.alert as ClaimedAlert);
    },
    async recordAttempt(r) {
      const rows = await sql`
        select pipeline.record_alert_attempt(${r.alertId}, ${r.leaseToken}::uuid, ${r.channel},
          ${r.outcome}, ${r.statusCode ?? null}, ${r.responseExcerpt ?? null},
          ${r.error ?? null}, ${r.retryAfterMs ?? null}, ${r.release}, ${r.leaseSeconds},
          ${r.durationMs ?? null}, ${r.claimNext !== undefined},
          ${r.claimNext?.hasDefaultSlack ?? false},
          ${r.claimNext?.hasDefaultDiscord ?? false}) as recorded`;
      return rows[0].recorded as RecordedAttempt;
    },
    async reserveWebhookSlot(key, minIntervalMs, maxWaitMs) {
      const rows = await sql`
        select pipeline.reserve_webhook_slot(${key}, ${minIntervalMs}, ${maxWaitMs}) as slot`;
      return rows[0].slot as WebhookSlot;
    },
  };
}

/** Records one attempt of the alert being delivered; returns its status afterwards. */
type RecordFn = (r: Omit<AttemptRecord, "claimNext">) => Promise<string>;

/** The default budget of one invocation, in ms (below pg_net's 60 s request timeout). */
export const DEFAULT_BUDGET_MS = 40_000;

/** Settings, from the function's environment. */
export interface NotifierSettings {
  /** `ALERT_WEBHOOK_SECRET`, the key of the database's signature; empty refuses everything. */
  alertWebhookSecret: string;
  /** `SLACK_WEBHOOK_URL`: Slack webhook for locations without their own. */
  slackWebhookUrl?: string;
  /** `DISCORD_WEBHOOK_URL`: Discord webhook for locations without their own. */
  discordWebhookUrl?: string;
  /** Per-post timeout (`ALERT_FETCH_TIMEOUT_MS`, default 5000). */
  fetchTimeoutMs?: number;
  /** Claim lease (default 60 s): longer than one alert's posts and in-process retries. */
  leaseSeconds?: number;
  /**
   * How far ahead a post may reserve its webhook's next slot (default 5000); a post paced
   * further out waits and asks again, within `budgetMs`, else it is left for the sweep.
   */
  maxPacingWaitMs?: number;
  /** Retries this short are waited out in the same invocation (default 2000 ms). */
  inProcessRetryMaxMs?: number;
  /** In-process retries per channel per invocation (default 2). */
  inProcessRetries?: number;
  /**
   * How long one invocation keeps claiming and pacing alerts (`ALERT_SWEEP_BUDGET_MS`, default
   * {@link DEFAULT_BUDGET_MS}); pg_net's request timeout for the notifier is above it.
   */
  budgetMs?: number;
  /** Alerts claimed per sweep batch (default 20). */
  batchSize?: number;
}

/** Reads {@link NotifierSettings} from env vars (`get` is `Deno.env.get` in production). */
export function notifierSettingsFromEnv(get: (name: string) => string | undefined) {
  const positive = positiveSetting(get);
  return {
    alertWebhookSecret: get("ALERT_WEBHOOK_SECRET") ?? "",
    slackWebhookUrl: get("SLACK_WEBHOOK_URL") || undefined,
    discordWebhookUrl: get("DISCORD_WEBHOOK_URL") || undefined,
    fetchTimeoutMs: positive("ALERT_FETCH_TIMEOUT_MS"),
    budgetMs: positive("ALERT_SWEEP_BUDGET_MS"),
  } satisfies NotifierSettings;
}

/** What {@link createAlertNotifierHandler} needs from the outside world. */
export interface NotifierDeps {
  db: NotifierDb;
  settings: NotifierSettings;
  /** `fetch` (tests inject a fake or the local channel receiver's address). */
  fetch?: typeof fetch;
  /** Epoch milliseconds. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1): the backoff jitter. */
  random?: () => number;
  /** Operational log lines (never secrets or webhook URLs). */
  log?: (line: string) => void;
}

/** What happened to one alert in this invocation. */
export interface AlertOutcome {
  alertId: number;
  locationId: number;
  /** Status afterwards: sent, pending (will retry), failed, undeliverable, or lease_lost. */
  status: string;
  channels: Partial<Record<Channel, string>>;
  error?: string;
}

/** The notifier's 200 answer. */
export interface NotifierSummary {
  mode: "insert" | "sweep";
  /**
   * The alert a database webhook call (`insert`) was for, even when another invocation had
   * it: pg_net keeps the answer, so each call can be matched to its alert.
   */
  alertId?: number;
  alerts: AlertOutcome[];
}

/** Largest accepted request body: a webhook body is one alert row (a few KB). */
export const NOTIFIER_MAX_BODY_BYTES = 256 * 1024;

type ParsedCall = { mode: "insert"; alertId: number } | { mode: "sweep" };

/** Reads the caller's body: the Database Webhook INSERT of an alert, or a sweep request. */
export function parseNotifierCall(body: unknown): ParsedCall | { problem: string } {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return { problem: "body must be a JSON object" };
  }
  const b = body as Record<string, unknown>;
  if (b.type === "SWEEP") return { mode: "sweep" };
  if (b.type === "INSERT") {
    if (b.table !== "alerts") return { problem: `table must be "alerts", got ${brief(b.table)}` };
    const record = b.record;
    const id = record && typeof record === "object" && !Array.isArray(record)
      ? (record as Record<string, unknown>).id
      : undefined;
    // A JSON number only: `true`, "7" or [7] would coerce to an id and claim that alert.
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) {
      return { problem: "record.id must be an alert id (a positive integer)" };
    }
    return { mode: "insert", alertId: id };
  }
  return { problem: 'type must be "INSERT" or "SWEEP"' };
}

/** A short, safe description of a value (never `String()` of an object: it can recurse). */
function brief(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.slice(0, 40));
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

/** Creates the request handler. */
export function createAlertNotifierHandler(
  deps: NotifierDeps,
): (req: Request) => Promise<Response> {
  const s = deps.settings;
  const doFetch = deps.fetch ?? fetch;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;
  const log = deps.log ?? ((line: string) => console.log(line));
  const fetchTimeoutMs = s.fetchTimeoutMs ?? 5_000;
  const leaseSeconds = s.leaseSeconds ?? 60;
  const maxPacingWaitMs = s.maxPacingWaitMs ?? 5_000;
  const inProcessRetryMaxMs = s.inProcessRetryMaxMs ?? 2_000;
  const inProcessRetries = s.inProcessRetries ?? 2;
  const budgetMs = s.budgetMs ?? DEFAULT_BUDGET_MS;
  const batchSize = s.batchSize ?? 20;
  const claimOptions: ClaimOptions = {
    leaseSeconds,
    hasDefaultSlack: Boolean(s.slackWebhookUrl),
    hasDefaultDiscord: Boolean(s.discordWebhookUrl),
  };
  /** Webhook keys (hex SHA-256 of the URL: never the URL) by URL. */
  const webhookKeys = new Map<string, Promise<string>>();
  const webhookKey = (url: string) => {
    let key = webhookKeys.get(url);
    if (!key) {
      key = sha256Hex(url);
      // Locations' URLs change rarely; keep the map from growing without bound.
      if (webhookKeys.size >= 1_000) webhookKeys.clear();
      webhookKeys.set(url, key);
    }
    return key;
  };
  const paceRequest = async (): Promise<PaceRequest> => ({
    maxWaitMs: maxPacingWaitMs,
    slack: {
      intervalMs: WEBHOOK_MIN_INTERVAL_MS.slack,
      defaultKey: s.slackWebhookUrl ? await webhookKey(s.slackWebhookUrl) : null,
    },
    discord: {
      intervalMs: WEBHOOK_MIN_INTERVAL_MS.discord,
      defaultKey: s.discordWebhookUrl ? await webhookKey(s.discordWebhookUrl) : null,
    },
  });

  /** Posts one message; never throws. */
  async function post(url: string, body: unknown): Promise<ChannelResult> {
    const signal = AbortSignal.timeout(fetchTimeoutMs);
    let res: Response;
    try {
      res = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (signal.aborted) return { kind: "timeout", afterMs: fetchTimeoutMs };
      return { kind: "network", message: withoutUrls(describeError(err)) };
    }
    let text = "";
    try {
      text = await res.text();
    } catch (err) {
      // The status line arrived. A 2xx means the service took the message; anything else
      // with a broken body is a transport failure.
      if (!res.ok) {
        if (signal.aborted) return { kind: "timeout", afterMs: fetchTimeoutMs };
        return { kind: "network", message: withoutUrls(describeError(err)) };
      }
    }
    return {
      kind: "response",
      status: res.status,
      body: text,
      retryAfter: res.headers.get("retry-after"),
    };
  }

  /**
   * Delivers one claimed alert; any error with it (rendering, a figure, anything but the
   * database being unavailable) ends that alert as `failed` with the reason, so it never
   * holds back the others nor its location's later alerts. With `inLine` (the database
   * webhook's drain of one location), the record that settles or releases the alert also
   * claims the location's next alert, while the budget lasts.
   */
  async function deliver(
    alert: ClaimedAlert,
    deadline: number,
    inLine: boolean,
  ): Promise<{ outcome: AlertOutcome; next?: ClaimedAlert[] }> {
    let next: ClaimedAlert[] | undefined;
    const record: RecordFn = async (r) => {
      const claimNext = inLine && r.release && !next?.length && now() < deadline;
      const recorded = await deps.db.recordAttempt(
        claimNext ? { ...r, claimNext: claimOptions } : r,
      );
      if (!next?.length) next = recorded.next;
      return recorded.status;
    };
    try {
      return { outcome: await deliverToChannels(alert, deadline, record), next };
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw err;
      const reason = `could not be rendered or sent: ${describeError(err)}`;
      return { outcome: await failAlert(alert, reason, record), next };
    }
  }

  /** Records every channel the alert still owes as failed for good, with `reason`. */
  async function failAlert(
    alert: ClaimedAlert,
    reason: string,
    recordAttempt: RecordFn,
  ): Promise<AlertOutcome> {
    const error = withoutUrls(reason).slice(0, 500);
    log(`alert ${alert.alertId}: failed for good: ${error}`);
    const outcome: AlertOutcome = {
      alertId: alert.alertId,
      locationId: alert.locationId,
      status: alert.status,
      channels: {},
      error,
    };
    if (!alert.leaseToken) return outcome;
    const owed = alert.targetChannels.filter((c) =>
      !alert.deliveredChannels.includes(c) && !alert.failedChannels.includes(c)
    );
    for (const [i, channel] of owed.entries()) {
      outcome.channels[channel] = "failed";
      outcome.status = await recordAttempt({
        alertId: alert.alertId,
        leaseToken: alert.leaseToken,
        channel,
        outcome: "failed",
        error,
        release: i === owed.length - 1,
        leaseSeconds,
      });
      if (outcome.status === "lease_lost") break;
    }
    return outcome;
  }

  /** Delivers one claimed alert to each channel it still owes; records every attempt. */
  async function deliverToChannels(
    alert: ClaimedAlert,
    deadline: number,
    recordAttempt: RecordFn,
  ): Promise<AlertOutcome> {
    const outcome: AlertOutcome = {
      alertId: alert.alertId,
      locationId: alert.locationId,
      status: alert.status,
      channels: {},
    };
    if (alert.status === "undeliverable" || !alert.leaseToken) {
      outcome.error = alert.lastError ?? undefined;
      log(`alert ${alert.alertId}: undeliverable (no channel configured for its location)`);
      return outcome;
    }
    const token = alert.leaseToken;
    const owed = alert.targetChannels.filter((c) =>
      !alert.deliveredChannels.includes(c) && !alert.failedChannels.includes(c)
    );
    for (const c of alert.deliveredChannels) outcome.channels[c] = "delivered";
    for (const c of alert.failedChannels) outcome.channels[c] = "failed";
    const record = async (r: Omit<AttemptRecord, "alertId" | "leaseToken" | "leaseSeconds">) => {
      outcome.status = await recordAttempt({
        ...r,
        alertId: alert.alertId,
        leaseToken: token,
        leaseSeconds,
      });
      return outcome.status;
    };
    if (owed.length === 0) {
      // Nothing left to post (the channel set changed since an earlier claim): settle it.
      await record({ channel: alert.targetChannels[0], outcome: "deferred", release: true });
      return outcome;
    }
    for (let i = 0; i < owed.length; i++) {
      const channel = owed[i];
      let attempt = alert.channelAttempts?.[channel] ?? 0;
      const last = i === owed.length - 1;
      const url = channel === "slack"
        ? alert.slackWebhookUrl ?? s.slackWebhookUrl
        : alert.discordWebhookUrl ?? s.discordWebhookUrl;
      if (!url) {
        outcome.channels[channel] = "failed";
        outcome.error = `no ${channel} webhook URL`;
        if (
          (await record({ channel, outcome: "failed", error: outcome.error, release: last })) ===
            "lease_lost"
        ) break;
        continue;
      }
      const message = alert.kind === "flash"
        ? (channel === "slack" ? renderFlashSlack(alert) : renderFlashDiscord(alert))
        : channel === "slack"
        ? renderSlackMessage(alert)
        : renderDiscordMessage(alert);
      // The claim may have reserved this channel's first slot already.
      let claimedSlot = alert.slot?.channel === channel ? alert.slot : undefined;
      let retriesHere = 0;
      while (true) {
        const slot = claimedSlot ?? await deps.db.reserveWebhookSlot(
          await webhookKey(url),
          WEBHOOK_MIN_INTERVAL_MS[channel],
          maxPacingWaitMs,
        );
        claimedSlot = undefined;
        if (!slot.reserved) {
          // The webhook is paced further ahead than a reservation may reach. Within the
          // invocation's budget, keep the alert (the deferral renews its lease), wait, and ask
          // again; past it, give it back for the sweep.
          const keep = now() + slot.waitMs < deadline;
          outcome.channels[channel] = "deferred";
          const status = await record({
            channel,
            outcome: "deferred",
            retryAfterMs: slot.waitMs,
            release: last && !keep,
          });
          if (!keep || status === "lease_lost") break;
          await sleep(slot.waitMs);
          continue;
        }
        if (slot.waitMs > 0) await sleep(slot.waitMs);
        const started = now();
        const result = await post(url, message);
        const durationMs = Math.max(0, Math.round(now() - started));
        attempt++;
        const decision = classifyDelivery(channel, result, attempt, now(), random);
        const seen = {
          statusCode: result.kind === "response" ? result.status : null,
          responseExcerpt: result.kind === "response" ? responseExcerpt(result.body) : null,
          durationMs,
        };
        if (decision.kind === "delivered") {
          outcome.channels[channel] = "delivered";
          await record({ channel, outcome: "delivered", ...seen, release: last });
          break;
        }
        if (decision.kind === "permanent") {
          outcome.channels[channel] = "failed";
          outcome.error = decision.reason;
          log(`alert ${alert.alertId}: ${channel} failed for good: ${decision.reason}`);
          await record({
            channel,
            outcome: "failed",
            error: decision.reason,
            ...seen,
            release: last,
          });
          break;
        }
        const retryHere = retriesHere < inProcessRetries &&
          decision.delayMs <= inProcessRetryMaxMs;
        outcome.channels[channel] = "retry";
        outcome.error = decision.reason;
        log(
          `alert ${alert.alertId}: ${channel} will retry in ${decision.delayMs} ms: ${decision.reason}`,
        );
        const status = await record({
          channel,
          outcome: "retry",
          error: decision.reason,
          retryAfterMs: decision.delayMs,
          ...seen,
          release: last && !retryHere,
        });
        if (!retryHere || status === "lease_lost") break;
        retriesHere++;
        await sleep(decision.delayMs);
      }
      if (outcome.status === "lease_lost") break;
    }
    return outcome;
  }

  /**
   * Delivers claimed alerts, then keeps claiming (batch by batch) until done or out of time.
   * `inLine`: one location's line, whose next alert the last record already claimed (or found
   * none); `claimMore` only when it could not (nothing recorded, or the lease was lost).
   */
  async function drain(
    first: ClaimedAlert[],
    claimMore: () => Promise<ClaimedAlert[]>,
    deadline: number,
    inLine: boolean,
  ): Promise<AlertOutcome[]> {
    const outcomes: AlertOutcome[] = [];
    let batch = first;
    while (batch.length > 0) {
      const delivered = await Promise.all(batch.map((a) => deliver(a, deadline, inLine)));
      outcomes.push(...delivered.map((d) => d.outcome));
      const next = inLine && delivered.length === 1 ? delivered[0].next : undefined;
      // A next alert already claimed is delivered, not left under its lease for the sweep.
      if (next?.length) {
        batch = next;
        continue;
      }
      if (now() >= deadline) break;
      batch = next ?? await claimMore();
    }
    return outcomes;
  }

  return async (req: Request): Promise<Response> => {
    const signed = await readSignedDatabaseRequest(
      req,
      s.alertWebhookSecret,
      now,
      NOTIFIER_MAX_BODY_BYTES,
    );
    if (!signed.ok) return signed.response;
    const call = parseNotifierCall(signed.value);
    if ("problem" in call) {
      return errorResponse(400, "invalid_payload", "Not a database webhook or sweep body.", [
        { path: "(body)", message: call.problem },
      ]);
    }
    const deadline = now() + budgetMs;
    try {
      let alerts: AlertOutcome[];
      if (call.mode === "insert") {
        const claimed = await deps.db.claimAlert(call.alertId, claimOptions, await paceRequest());
        const locationId = claimed[0]?.locationId;
        // After finishing its alert, the invocation drains the rest of that location's line
        // (alerts that arrived while this one was being sent wait for it, in order).
        alerts = await drain(
          claimed,
          () =>
            locationId === undefined
              ? Promise.resolve([])
              : deps.db.claimDueAlerts(1, claimOptions, locationId),
          deadline,
          true,
        );
      } else {
        alerts = await drain(
          await deps.db.claimDueAlerts(batchSize, claimOptions),
          () => deps.db.claimDueAlerts(batchSize, claimOptions),
          deadline,
          false,
        );
      }
      const about = call.mode === "insert" ? { alertId: call.alertId } : {};
      return json(200, { mode: call.mode, ...about, alerts } satisfies NotifierSummary);
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        return errorResponse(503, "database_unavailable", "The database is unavailable.");
      }
      log(`alert-notifier: unexpected error: ${describeError(err)}`);
      return errorResponse(500, "internal_error", "Unexpected error delivering alerts.");
    }
  };
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

/** Webhook URLs are secrets: transport errors quote them, so they are cut out. */
function withoutUrls(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s)'"]+/g, "<webhook URL>");
}
