/**
 * One sync per location and per connection at a time: `pipeline.claim_sync_run` (as the
 * functions' role) hands out a due run under a lease and skips any run that shares its location
 * or one of its connections with a run whose lease is live, also when two claims race; a lease
 * that ran out (a crashed invocation) is claimed again, at the same cursor; a released run
 * waits for its time.
 */
import assert from "node:assert/strict";
import { testDb, testEnv } from "../_support/env.ts";
import { newLocation, vendorIds } from "../fault/vendors.ts";

Deno.test("lease: never two runs of one location or one connection at once; an expired lease is taken over at its cursor", async () => {
  const env = testEnv();
  const sql = testDb();
  const fn = testDb(env.functionsDatabaseUrl, 4);
  const connections: number[] = [];
  const runs: number[] = [];
  try {
    const a = vendorIds();
    const b = vendorIds();
    const locA = await newLocation(sql, a);
    const locB = await newLocation(sql, b);
    // A shared Toast connection for both locations; 7shifts connections of their own.
    const [{ toast }] = await sql`select pipeline.add_toast_connection('shared', 'c', 's',
      'http://127.0.0.1:9/never') as toast`;
    connections.push(Number(toast));
    for (const ids of [a, b]) {
      const [{ id }] = await sql`select pipeline.add_sevenshifts_connection('s', ${ids.companyId},
        'g', 't', api_base_url => 'http://127.0.0.1:9/never') as id`;
      connections.push(Number(id));
    }
    await sql`insert into public.location_sync (location_id, toast_connection_id)
      values (${locA}, ${toast}), (${locB}, ${toast})`;
    const enqueue = async (loc: number, kind: string) => {
      const [{ id }] = await sql`select pipeline.enqueue_sync(${loc}, ${kind}, current_date - 2,
        current_date - 1, now() - interval '3 days', now()) as id`;
      runs.push(Number(id));
      return Number(id);
    };
    const a1 = await enqueue(locA, "manual");
    const a2 = await enqueue(locA, "hourly");
    const b1 = await enqueue(locB, "manual");
    const claim = async (id: number | null) => {
      const [{ run }] = await fn`select pipeline.claim_sync_run(${id}, 60) as run`;
      return run as { runId: number; leaseToken: string } | null;
    };

    // Two claims of the same location race: one wins.
    const [x, y] = await Promise.all([claim(a1), claim(a2)]);
    const won = [x, y].filter((r) => r !== null);
    assert.equal(won.length, 1, "one run of location A");
    // B shares the Toast connection with the running A run: not now.
    assert.equal(await claim(b1), null, "one run per connection");
    assert.equal(await claim(null), null, "nothing else is due");

    // The winner stores a page (its cursor), then its invocation dies: the lease runs out.
    const holder = won[0]!;
    await fn.unsafe("call pipeline.sync_apply_page_committed($1::jsonb, null)", [{
      runId: holder.runId,
      leaseToken: holder.leaseToken,
      leaseSeconds: 60,
      phase: "toast_orders",
      cursor: { window: 0, page: 2 },
      requests: 1,
      counted: true,
      orders: [],
      punches: [],
      seenPunchIds: [],
      problems: [],
    }]);
    await sql`update public.sync_runs set lease_expires_at = now() where id = ${holder.runId}`;
    const [{ paged }] = await sql`select last_active_at as paged from public.sync_runs
      where id = ${holder.runId}`;
    assert.ok(paged instanceof Date, "a stored page marks the run active");
    type Claimed = {
      runId: number;
      leaseToken: string;
      cursor: unknown;
      invocations: number;
      toast: { lastActiveAt: string | null };
      sevenshifts: { lastActiveAt: string | null };
    };
    const again = await claim(holder.runId) as Claimed | null;
    assert.ok(again, "an expired lease is taken over");
    // The next invocation paces its first requests from the last one's (vendor-sync's limiter).
    assert.equal(Date.parse(again.toast.lastActiveAt!), paged.getTime());
    assert.equal(Date.parse(again.sevenshifts.lastActiveAt!), paged.getTime());
    assert.deepEqual(again.cursor, { window: 0, page: 2 }, "at the cursor it stored");
    assert.equal(again.invocations, 2);
    assert.notEqual(again.leaseToken, holder.leaseToken);
    // The dead invocation's lease is gone: its next page is refused.
    await assert.rejects(
      fn.unsafe("select pipeline.release_sync_run($1, $2::uuid, 0)", [
        holder.runId,
        holder.leaseToken,
      ]),
      (err: { code?: string }) => err.code === "55006",
    );

    // Released for a minute: not due before then.
    await fn`select pipeline.release_sync_run(${again.runId}, ${again.leaseToken}::uuid, 60000,
      'toast answered 429', false)`;
    await sql`update public.sync_runs set state = 'cancelled' where id = any(${runs})
      and id <> ${again.runId}`;
    assert.equal(await claim(again.runId), null, "waits for its time");
    const [row] = await sql`select state, error, extract(epoch from not_before - now()) as wait
      from public.sync_runs where id = ${again.runId}`;
    assert.equal(row.state, "pending");
    assert.equal(row.error, "toast answered 429");
    assert.ok(Number(row.wait) > 50);
    // Location B's run shares A's Toast connection (and so its last activity), not its 7shifts
    // connection.
    await sql`update public.sync_runs set state = 'cancelled' where id = ${again.runId}`;
    await sql`update public.sync_runs set state = 'pending' where id = ${b1}`;
    const [{ released }] = await sql`select last_active_at as released from public.sync_runs
      where id = ${again.runId}`;
    const other = await claim(b1) as Claimed | null;
    assert.ok(other, "B's run, once A's is over");
    assert.equal(Date.parse(other.toast.lastActiveAt!), (released as Date).getTime());
    assert.ok((released as Date).getTime() > paged.getTime(), "a release marks it active too");
    assert.equal(other.sevenshifts.lastActiveAt, null, "its own 7shifts connection never ran");
  } finally {
    await sql`update public.sync_runs set state = 'cancelled', lease_token = null,
      lease_expires_at = null where id = any(${runs})`;
    for (const id of connections) await sql`select pipeline.remove_connection(${id})`;
    await fn.end();
    await sql.end();
  }
});
