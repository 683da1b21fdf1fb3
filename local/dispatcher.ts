/**
 * The local stand-in for pg_net's background worker: delivers rows of
 * `net.http_request_queue` and records each outcome in `net._http_response`.
 *
 * Woken by LISTEN/NOTIFY (`net.http_post` notifies, and Postgres delivers a notification
 * only after commit), plus one drain at start for rows queued while it was down. Like pg_net
 * it sends each request at most once: the row is deleted when taken, and there are no
 * retries (delivery guarantees are the outbox's job).
 *
 * @module
 */
import postgres from "postgres";

/** A running dispatcher. */
export interface DispatcherHandle {
  /** Resolves once every request queued so far has been delivered and recorded. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Options for {@link startDispatcher}. */
export interface DispatcherOptions {
  /** Requests sent at once (pg_net's default batch is 200). */
  concurrency?: number;
  /** Called with each delivery error (after it is recorded), for logs. */
  onError?: (message: string) => void;
}

interface QueuedRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string> | null;
  body: Uint8Array | null;
  timeout_milliseconds: number;
}

/**
 * Starts delivering queued requests of the database at `databaseUrl` (the superuser's, as
 * pg_net's worker runs; every role can write the queue, so what it sends is whatever was
 * queued).
 */
export async function startDispatcher(
  databaseUrl: string,
  opts: DispatcherOptions = {},
): Promise<DispatcherHandle> {
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  const concurrency = opts.concurrency ?? 64;
  let stopped = false;
  let draining: Promise<void> | null = null;
  let again = false;
  const inFlight = new Set<Promise<void>>();

  async function deliver(req: QueuedRequest): Promise<void> {
    const started = Date.now();
    let status: number | null = null;
    let contentType: string | null = null;
    let headers: Record<string, string> | null = null;
    let content: string | null = null;
    let timedOut = false;
    let errorMsg: string | null = null;
    try {
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers ?? {},
        body: req.body ? new Uint8Array(req.body) : undefined,
        signal: AbortSignal.timeout(req.timeout_milliseconds),
      });
      status = res.status;
      contentType = res.headers.get("content-type");
      headers = Object.fromEntries(res.headers.entries());
      content = await res.text();
    } catch (err) {
      if (err instanceof DOMException && err.name === "TimeoutError") {
        timedOut = true;
        errorMsg = `Timeout of ${req.timeout_milliseconds} ms reached`;
      } else {
        errorMsg = err instanceof Error ? err.message : String(err);
      }
      opts.onError?.(`net request ${req.id} to ${req.url}: ${errorMsg}`);
    }
    await sql`
      insert into net._http_response
        (id, status_code, content_type, headers, content, timed_out, error_msg, created)
      values (${req.id}, ${status}, ${contentType}, ${headers ? sql.json(headers) : null},
        ${content}, ${timedOut}, ${errorMsg}, ${new Date(started)})
    `.catch((err) => opts.onError?.(`recording net response ${req.id}: ${err.message}`));
  }

  async function drainOnce(): Promise<void> {
    while (!stopped) {
      again = false;
      while (!stopped) {
        const room = concurrency - inFlight.size;
        if (room <= 0) {
          await Promise.race(inFlight);
          continue;
        }
        const batch = await sql<QueuedRequest[]>`
          delete from net.http_request_queue
          where id in (
            select id from net.http_request_queue order by id limit ${room}
            for update skip locked
          )
          returning id::text, method, url, headers, body, timeout_milliseconds
        `;
        if (batch.length === 0) break;
        for (const req of batch.sort((a, b) => Number(a.id) - Number(b.id))) {
          const p = deliver(req).finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
      }
      await Promise.all(inFlight);
      // A notification that arrived while we were finishing: look again, or it is lost.
      if (!again) break;
    }
  }

  function wake(): Promise<void> {
    if (draining) {
      again = true;
      return draining;
    }
    draining = drainOnce().finally(() => {
      draining = null;
      // Set between the last check and here: start over rather than drop it.
      if (again && !stopped) void wake();
    });
    return draining;
  }

  const listener = await sql.listen("net_http_request", () => void wake(), () => void wake());

  return {
    async idle() {
      await wake();
      while (draining) await draining;
    },
    async stop() {
      stopped = true;
      await listener.unlisten().catch(() => {});
      await Promise.allSettled([...inFlight]);
      await sql.end({ timeout: 2 });
    },
  };
}
