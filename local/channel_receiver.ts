/**
 * A local stand-in for Slack incoming webhooks and Discord webhooks: records every message
 * the alert notifier posts and answers the way the real services document, including their
 * failures, so delivery can be tested (and demonstrated) without the internet.
 *
 * ```ts
 * const rx = await startChannelReceiver();
 * rx.script("slack", { kind: "rate_limited", retryAfterSeconds: 1 }, { kind: "server_error" });
 * // ... point SLACK_WEBHOOK_URL at rx.slackWebhookUrl(), raise an alert ...
 * console.log(rx.messages("slack").map(describeMessage).join("\n\n"));
 * await rx.stop();
 * ```
 *
 * Answers (per service, as documented):
 * - `ok`: Slack 200 `ok`; Discord 204 No Content (after `delayMs`, to widen races in tests).
 * - `rate_limited`: Slack 429 with `Retry-After: <s>`; Discord 429 with JSON
 *   `{"retry_after": <s>, ...}` and the same header.
 * - `server_error`: 500 (or the given 5xx).
 * - `invalid_payload`: Slack 400 `invalid_payload`; Discord 400 `Invalid Form Body` (also the
 *   answer to any body that breaks the services' documented size limits, whatever is scripted).
 * - `forbidden`: Slack 403 `action_prohibited`; Discord 403 `Missing Access`.
 * - `not_found`: Slack 404 `channel_not_found`; Discord 404 `Unknown Webhook` (10015).
 * - `archived`: Slack 410 `channel_is_archived`; Discord has no such answer and says 404.
 * - `hang`: reads the request and never answers (until `ms`, then drops the connection).
 * - `close`: reads the request and drops the connection without a status line.
 *
 * It speaks HTTP/1.1 over a plain TCP listener rather than `Deno.serve`, because
 * `Deno.serve` always sends a status line and so cannot drop a connection the way a failing
 * load balancer does. Every response carries `Connection: close`. Only messages answered
 * with a 2xx count as delivered ({@link ChannelReceiver.messages}); everything that arrived
 * is in {@link ChannelReceiver.requests}.
 *
 * @module
 */
import {
  ALERT_COLOURS,
  type DiscordMessage,
  discordMessageProblems,
  OVERTIME_NOTICE_COLOUR,
  type SlackMessage,
  slackMessageProblems,
  SYNC_NOTICE_COLOUR,
} from "../shared/alert_messages.ts";
import { FLASH_COLOUR } from "../shared/flash_messages.ts";

/** The two services the receiver imitates. */
export type ChannelService = "slack" | "discord";

/** How the receiver answers one request. */
export type ScriptedAnswer =
  | { kind: "ok"; delayMs?: number }
  | { kind: "rate_limited"; retryAfterSeconds?: number }
  | { kind: "server_error"; status?: number }
  | { kind: "invalid_payload" }
  | { kind: "forbidden" }
  | { kind: "not_found" }
  | { kind: "archived" }
  | { kind: "hang"; ms?: number }
  | { kind: "close" };

/** One request as it arrived, with how it was answered. */
export interface ReceivedRequest {
  /** 1, 2, 3 … in arrival order. */
  seq: number;
  service: ChannelService | "unknown";
  /** The webhook path, e.g. `/slack/services/T0/B0/default`. */
  path: string;
  method: string;
  headers: Record<string, string>;
  bodyText: string;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: unknown;
  receivedAt: Date;
  answer: ScriptedAnswer["kind"];
  /** Status sent, or null when none was (hang, close). */
  status: number | null;
}

/** A message the receiver accepted (answered 2xx): what the channel would now show. */
export interface ReceivedMessage {
  seq: number;
  service: ChannelService;
  path: string;
  /** The JSON body as posted. */
  body: Record<string, unknown>;
  receivedAt: Date;
}

/** Options for {@link startChannelReceiver}. */
export interface ChannelReceiverOptions {
  /** Port to listen on (default: a random free port). */
  port?: number;
  /** Called with each accepted message (the demo prints them as they arrive). */
  onMessage?: (message: ReceivedMessage) => void;
}

/** A running fake Slack + Discord. */
export interface ChannelReceiver {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** A Slack-style incoming webhook URL; different names are different webhooks. */
  slackWebhookUrl(name?: string): string;
  /** A Discord-style webhook URL; different names are different webhooks. */
  discordWebhookUrl(name?: string): string;
  /**
   * Queues answers for the next requests to `target` (a service, or one webhook URL, which
   * takes precedence); once used up, the default answer applies again.
   */
  script(target: ChannelService | string, ...answers: ScriptedAnswer[]): void;
  /** Sets the answer used when nothing is scripted (initially `ok`). */
  setDefault(target: ChannelService | string, answer: ScriptedAnswer): void;
  /** Every request received, in arrival order. */
  requests(service?: ChannelService): ReceivedRequest[];
  /** Every accepted message, in arrival order. */
  messages(service?: ChannelService): ReceivedMessage[];
  /** Resolves once `count` messages were accepted (of `service`, when given). */
  waitForMessages(count: number, service?: ChannelService, timeoutMs?: number): Promise<void>;
  /** Forgets requests, messages, scripts and defaults. */
  reset(): void;
  /** Drops open connections and stops listening. */
  stop(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

function indexOfHeadEnd(bytes: Uint8Array, length: number): number {
  for (let i = 3; i < length; i++) {
    if (bytes[i - 3] === 13 && bytes[i - 2] === 10 && bytes[i - 1] === 13 && bytes[i] === 10) {
      return i + 1;
    }
  }
  return -1;
}

/** Reads one HTTP/1.1 request (Content-Length bodies only) from `conn`; null on EOF. */
async function readRequest(conn: Deno.Conn): Promise<RawRequest | null> {
  let buffer = new Uint8Array(8192);
  let length = 0;
  let headEnd = -1;
  const chunk = new Uint8Array(8192);
  const readMore = async (): Promise<boolean> => {
    const n = await conn.read(chunk);
    if (n === null) return false;
    if (length + n > buffer.length) {
      const bigger = new Uint8Array(Math.max(buffer.length * 2, length + n));
      bigger.set(buffer.subarray(0, length));
      buffer = bigger;
    }
    buffer.set(chunk.subarray(0, n), length);
    length += n;
    return true;
  };
  while ((headEnd = indexOfHeadEnd(buffer, length)) < 0) {
    if (length > MAX_HEAD_BYTES || !(await readMore())) return null;
  }
  const [requestLine, ...headerLines] = decoder.decode(buffer.subarray(0, headEnd - 4)).split(
    "\r\n",
  );
  const [method, path] = requestLine.split(" ");
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  const contentLength = Math.min(Number(headers["content-length"] ?? "0") || 0, MAX_BODY_BYTES);
  while (length - headEnd < contentLength) {
    if (!(await readMore())) return null;
  }
  return {
    method,
    path,
    headers,
    body: buffer.slice(headEnd, headEnd + contentLength),
  };
}

interface Reply {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
}

/** The documented answer of `service` for `answer` (not for hang/close). */
export function documentedReply(service: ChannelService, answer: ScriptedAnswer): Reply {
  const text = (status: number, reason: string, body: string, headers = {}): Reply => ({
    status,
    reason,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
    body,
  });
  const json = (status: number, reason: string, body: unknown, headers = {}): Reply => ({
    status,
    reason,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const slack = service === "slack";
  switch (answer.kind) {
    case "ok":
      return slack
        ? text(200, "OK", "ok")
        : { status: 204, reason: "No Content", headers: {}, body: "" };
    case "rate_limited": {
      const seconds = answer.retryAfterSeconds ?? 1;
      const header = { "retry-after": String(Math.ceil(seconds)) };
      return slack ? text(429, "Too Many Requests", "rate_limited", header) : json(
        429,
        "Too Many Requests",
        { message: "You are being rate limited.", retry_after: seconds, global: false },
        { ...header, "x-ratelimit-remaining": "0", "x-ratelimit-reset-after": String(seconds) },
      );
    }
    case "server_error": {
      const status = answer.status ?? 500;
      return slack
        ? text(status, "Internal Server Error", "internal_error")
        : json(status, "Internal Server Error", {
          message: `${status}: Internal Server Error`,
          code: 0,
        });
    }
    case "invalid_payload":
      return slack
        ? text(400, "Bad Request", "invalid_payload")
        : json(400, "Bad Request", { message: "Invalid Form Body", code: 50035 });
    case "forbidden":
      return slack
        ? text(403, "Forbidden", "action_prohibited")
        : json(403, "Forbidden", { message: "Missing Access", code: 50001 });
    case "not_found":
      return slack
        ? text(404, "Not Found", "channel_not_found")
        : json(404, "Not Found", { message: "Unknown Webhook", code: 10015 });
    case "archived":
      return slack
        ? text(410, "Gone", "channel_is_archived")
        : json(404, "Not Found", { message: "Unknown Webhook", code: 10015 });
    case "hang":
    case "close":
      throw new Error(`${answer.kind} has no reply`);
  }
}

function serviceOf(path: string): ChannelService | "unknown" {
  if (path.startsWith("/slack/")) return "slack";
  if (path.startsWith("/discord/")) return "discord";
  return "unknown";
}

/** Starts the fake on 127.0.0.1. */
export function startChannelReceiver(opts: ChannelReceiverOptions = {}): Promise<ChannelReceiver> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: opts.port ?? 0 });
  const url = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  const conns = new Set<Deno.Conn>();
  const hangs = new Set<() => void>();
  let requests: ReceivedRequest[] = [];
  let messages: ReceivedMessage[] = [];
  let scripts = new Map<string, ScriptedAnswer[]>();
  let defaults = new Map<string, ScriptedAnswer>();
  let waiters: Array<() => void> = [];
  let seq = 0;
  let stopped = false;

  // A webhook URL target is keyed by its path so either form (URL or path) works.
  const keyOf = (target: string) => target.startsWith("http") ? new URL(target).pathname : target;

  function nextAnswer(service: ChannelService, path: string): ScriptedAnswer {
    for (const key of [path, service]) {
      const queue = scripts.get(key);
      if (queue && queue.length > 0) return queue.shift()!;
    }
    return defaults.get(path) ?? defaults.get(service) ?? { kind: "ok" };
  }

  async function write(conn: Deno.Conn, reply: Reply) {
    const body = encoder.encode(reply.body);
    const head = [
      `HTTP/1.1 ${reply.status} ${reply.reason}`,
      ...Object.entries(reply.headers).map(([k, v]) => `${k}: ${v}`),
      `content-length: ${body.length}`,
      "connection: close",
      "",
      "",
    ].join("\r\n");
    const bytes = new Uint8Array([...encoder.encode(head), ...body]);
    let written = 0;
    while (written < bytes.length) written += await conn.write(bytes.subarray(written));
  }

  async function handle(conn: Deno.Conn) {
    conns.add(conn);
    try {
      const raw = await readRequest(conn);
      if (!raw || stopped) return;
      const service = serviceOf(raw.path);
      const bodyText = decoder.decode(raw.body);
      let body: unknown;
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = undefined;
      }
      const record: ReceivedRequest = {
        seq: ++seq,
        service,
        path: raw.path,
        method: raw.method,
        headers: raw.headers,
        bodyText,
        body,
        receivedAt: new Date(),
        answer: "ok",
        status: null,
      };
      requests.push(record);
      if (service === "unknown" || raw.method !== "POST") {
        record.status = 404;
        await write(conn, {
          status: 404,
          reason: "Not Found",
          headers: { "content-type": "text/plain" },
          body: "no such webhook",
        });
        return;
      }
      const answer = nextAnswer(service, raw.path);
      record.answer = answer.kind;
      if (answer.kind === "close") return;
      if (answer.kind === "hang") {
        await new Promise<void>((resolve) => {
          const timer = answer.ms === undefined ? undefined : setTimeout(done, answer.ms);
          function done() {
            clearTimeout(timer);
            hangs.delete(done);
            resolve();
          }
          hangs.add(done);
        });
        return;
      }
      // A payload Slack or Discord would refuse is refused here too, whatever was scripted.
      if (answer.kind === "ok" && answer.delayMs) {
        await new Promise((r) => setTimeout(r, answer.delayMs));
      }
      const refused = body === undefined || typeof body !== "object" || body === null ||
        beyondLimits(service, body);
      if (refused) record.answer = "invalid_payload";
      const reply = documentedReply(service, refused ? { kind: "invalid_payload" } : answer);
      record.status = reply.status;
      if (reply.status >= 200 && reply.status < 300) {
        const message: ReceivedMessage = {
          seq: record.seq,
          service,
          path: raw.path,
          body: body as Record<string, unknown>,
          receivedAt: record.receivedAt,
        };
        messages.push(message);
        opts.onMessage?.(message);
        for (const wake of waiters) wake();
      }
      await write(conn, reply);
    } catch {
      // The client went away mid-request: nothing to answer.
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  }

  const accepting = (async () => {
    try {
      for await (const conn of listener) void handle(conn);
    } catch {
      // Listener closed by stop().
    }
  })();

  const receiver: ChannelReceiver = {
    url,
    slackWebhookUrl: (name = "default") => `${url}/slack/services/T000LOCAL/B000LOCAL/${name}`,
    discordWebhookUrl: (name = "default") => `${url}/discord/api/webhooks/000000/${name}`,
    script(target, ...answers) {
      const key = keyOf(target);
      scripts.set(key, [...(scripts.get(key) ?? []), ...answers]);
    },
    setDefault(target, answer) {
      defaults.set(keyOf(target), answer);
    },
    requests: (service) => requests.filter((r) => !service || r.service === service),
    messages: (service) => messages.filter((m) => !service || m.service === service),
    async waitForMessages(count, service, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (receiver.messages(service).length < count) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `timed out waiting for ${count} ${service ?? ""} messages (have ${
              receiver.messages(service).length
            })`,
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(finish, Math.min(left, 100));
          function finish() {
            clearTimeout(timer);
            waiters = waiters.filter((w) => w !== finish);
            resolve();
          }
          waiters.push(finish);
        });
      }
    },
    reset() {
      requests = [];
      messages = [];
      scripts = new Map();
      defaults = new Map();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const release of [...hangs]) release();
      try {
        listener.close();
      } catch {
        // Already closed.
      }
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }
      await accepting;
    },
  };
  return Promise.resolve(receiver);
}

/**
 * Whether a message breaks the service's documented size limits (Slack's blocks, Discord's
 * 2,000-character content, 10 embeds, 25 fields, 6,000 characters): the real services refuse it
 * with their 400, and so does this stand-in. A body of another shape is left to the checks above.
 */
function beyondLimits(service: ChannelService, body: object): boolean {
  try {
    if (service === "slack" && Array.isArray((body as SlackMessage).blocks)) {
      return slackMessageProblems(body as SlackMessage).length > 0;
    }
    if (service === "discord" && Array.isArray((body as DiscordMessage).embeds)) {
      return discordMessageProblems(body as DiscordMessage).length > 0;
    }
  } catch {
    // Not a message this module's checks can read: not refused here.
  }
  return false;
}

/** The colour word a person would use for an embed colour (`0xd93025` → "red"). */
export function colourWord(rgb: number): string {
  for (
    const { rgb: known, word } of [
      ...Object.values(ALERT_COLOURS),
      SYNC_NOTICE_COLOUR,
      OVERTIME_NOTICE_COLOUR,
      FLASH_COLOUR,
    ]
  ) {
    if (known === rgb) return word;
  }
  return `#${rgb.toString(16).padStart(6, "0")}`;
}

/** Slack mrkdwn to what a reader sees: bold markers dropped, entities decoded. */
function plainSlack(text: string): string {
  return text.replace(/\*([^*\n]+)\*/g, "$1").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** Discord markdown to what a reader sees: bold markers and escapes dropped. */
function plainDiscord(text: string): string {
  return text.replace(/\*\*([^*\n]+)\*\*/g, "$1").replace(/\\([\\*_~`|>\[\]])/g, "$1");
}

interface SlackBody {
  text?: string;
  blocks?: Array<{
    type: string;
    text?: { text: string };
    fields?: Array<{ text: string }>;
    elements?: Array<{ text: string }>;
  }>;
}

interface DiscordBody {
  content?: string;
  embeds?: Array<{
    title?: string;
    description?: string;
    color?: number;
    fields?: Array<{ name: string; value: string }>;
    footer?: { text: string };
    timestamp?: string;
  }>;
}

/** A Slack message body as a person reads it in the channel (plain text, one item a line). */
export function describeSlackMessage(body: unknown): string {
  const msg = body as SlackBody;
  const lines: string[] = [`Notification: ${plainSlack(msg.text ?? "")}`];
  for (const block of msg.blocks ?? []) {
    if (block.type === "header" && block.text) lines.push(`# ${block.text.text}`);
    else if (block.type === "section") {
      if (block.text) lines.push(...plainSlack(block.text.text).split("\n"));
      for (const field of block.fields ?? []) {
        const [label, ...value] = plainSlack(field.text).split("\n");
        lines.push(`  ${label}: ${value.join(" ")}`);
      }
    } else if (block.type === "context") {
      for (const el of block.elements ?? []) lines.push(`  (${plainSlack(el.text)})`);
    } else if (block.type === "divider") lines.push("  ---");
  }
  return lines.join("\n");
}

/** A Discord message body as a person reads it: colour bar as a word, title, fields. */
export function describeDiscordMessage(body: unknown): string {
  const msg = body as DiscordBody;
  const lines: string[] = [];
  if (msg.content) lines.push(`Notification: ${plainDiscord(msg.content)}`);
  for (const embed of msg.embeds ?? []) {
    lines.push(`[${colourWord(embed.color ?? 0)} bar] # ${embed.title ?? ""}`);
    if (embed.description) lines.push(...plainDiscord(embed.description).split("\n"));
    for (const field of embed.fields ?? []) {
      const value = plainDiscord(field.value);
      if (value.includes("\n")) {
        lines.push(`  ${field.name}:`, ...value.split("\n").map((l) => `    ${l}`));
      } else lines.push(`  ${field.name}: ${value}`);
    }
    if (embed.footer) lines.push(`  (${embed.footer.text})`);
  }
  return lines.join("\n");
}

/** Either kind of accepted message as a person reads it, headed by the service name. */
export function describeMessage(message: ReceivedMessage): string {
  const text = message.service === "slack"
    ? describeSlackMessage(message.body)
    : describeDiscordMessage(message.body);
  return `── ${message.service === "slack" ? "Slack" : "Discord"} ${message.path}\n${text}`;
}
