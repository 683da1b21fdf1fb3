/**
 * pg_net's queue and answers as any database role reads them (pg_net grants both tables to
 * every role, on Supabase too), for tests that must see what the database webhook really
 * sends. pg_net's worker, like the local dispatcher, deletes each queued row when it takes it
 * after the commit, so a request is read as it is queued: inside the transaction that queues
 * it. Its body is `bytea` (the exact bytes sent) and is decoded here.
 *
 * @module
 */
import type postgres from "postgres";
import { eventually } from "./env.ts";

type Sql = postgres.Sql | postgres.TransactionSql;

/** A request as pg_net holds it, its body decoded. */
export interface QueuedRequest {
  id: number;
  url: string;
  headers: Record<string, string>;
  /** The exact bytes pg_net sends. */
  body: Uint8Array;
  /** The body as UTF-8 text. */
  text: string;
  timeoutMs: number;
}

/** The newest request id queued so far (visible to `tx`): pass it to {@link queuedSince}. */
export async function queueMark(tx: Sql): Promise<string> {
  const [{ max }] = await tx`select coalesce(max(id), 0)::bigint::text as max
    from net.http_request_queue`;
  return max;
}

/**
 * The requests queued after `mark` that `tx` sees (its own, not yet sent), oldest first;
 * with `marker`, only those whose body holds it.
 */
export async function queuedSince(
  tx: Sql,
  mark: string,
  marker?: string,
): Promise<QueuedRequest[]> {
  const rows = await tx`select id::bigint::text as id, url, headers, body, timeout_milliseconds
    from net.http_request_queue
    where id > ${mark}::bigint
      and (${marker ?? null}::text is null or position(convert_to(${
    marker ?? ""
  }, 'UTF8') in body) > 0)
    order by id`;
  return rows.map((r) => {
    const body = new Uint8Array(r.body ?? []);
    return {
      id: Number(r.id),
      url: r.url,
      headers: r.headers ?? {},
      body,
      text: new TextDecoder().decode(body),
      timeoutMs: r.timeout_milliseconds,
    };
  });
}

/**
 * Runs `queue` in a transaction and returns the requests it queued (whose body holds
 * `marker`, when given), read before the commit hands them to pg_net.
 */
export async function captureQueued(
  sql: postgres.Sql,
  queue: (tx: postgres.TransactionSql) => Promise<unknown>,
  marker?: string,
): Promise<QueuedRequest[]> {
  return await sql.begin(async (tx) => {
    const mark = await queueMark(tx);
    await queue(tx);
    return await queuedSince(tx, mark, marker);
  }) as QueuedRequest[];
}

/** A request as text: URL, headers and decoded body, for searching it. */
export function requestText(req: QueuedRequest): string {
  return `${req.url}\n${JSON.stringify(req.headers)}\n${req.text}`;
}

/**
 * Waits until pg_net has recorded an answer (or its failure) for every request of `ids`:
 * the positive signal that the calls are over, so whatever they were going to do is done.
 */
export async function answered(
  sql: postgres.Sql,
  ids: readonly number[],
  timeoutMs = 20_000,
): Promise<void> {
  if (ids.length === 0) return;
  await eventually(
    async () => {
      const [{ n }] = await sql`select count(distinct id)::int as n from net._http_response
        where id = any(${ids.map(String)}::bigint[])`;
      return n === new Set(ids).size ? true : undefined;
    },
    timeoutMs,
    `pg_net to record the answers to requests ${ids.join(", ")}`,
  );
}

/**
 * Waits until pg_net has recorded the notifier's answer to the database webhook call of every
 * alert of `alertIds` (the answer names the alert it was for): with the answers to the sweeps
 * a test asked for ({@link answered}), the sign that no notifier invocation is still running.
 */
export async function alertCallsAnswered(
  sql: postgres.Sql,
  alertIds: readonly number[],
  timeoutMs = 20_000,
): Promise<void> {
  if (alertIds.length === 0) return;
  const prefixes = alertIds.map((id) => `{"mode":"insert","alertId":${id},%`);
  await eventually(
    async () => {
      const [{ n }] = await sql`select count(*)::int as n from unnest(${prefixes}::text[]) as p
        where exists (select 1 from net._http_response r where r.content like p)`;
      return n === prefixes.length ? true : undefined;
    },
    timeoutMs,
    `the notifier's answers to the database webhooks of alerts ${alertIds.join(", ")}`,
  );
}
