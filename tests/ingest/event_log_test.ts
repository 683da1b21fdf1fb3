/**
 * The log of deliveries (public.inbound_events), as the ingest functions write it: each new
 * delivery's row ends with its own outcome, reason and applied time, and the usual delivery
 * (applied) writes its row once; a delivery whose outcome is another rewrites it once before
 * commit (issue 16: the rewrite was a second, non-HOT write of every delivery). Counted by
 * Postgres itself (the transaction's own row counters), in a transaction rolled back.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import type { NormalizedOrder } from "../../shared/types.ts";
import { inCountedRollback } from "../_support/function_calls.ts";
import { normalizedOrder } from "../_support/toast_order.ts";

/** A Toast delivery as the function hands it over, with a normalised order (or none). */
function toastEvent(restaurantGuid: string, order: NormalizedOrder | null) {
  return {
    eventKey: crypto.randomUUID(),
    topic: order ? "order_updated" : "menus_updated",
    restaurantGuid,
    headers: {},
    rawBody: JSON.stringify({ order }),
    order,
  };
}

const order = (orderGuid: string, modifiedAt: string, netSalesCents: number) =>
  normalizedOrder({ orderGuid, modifiedAt, netSalesCents, grossSalesCents: netSalesCents });

/** Rows inserted and updated in inbound_events so far in this transaction. */
async function writes(tx: postgres.TransactionSql): Promise<[number, number]> {
  const [r] = await tx`
    select n_tup_ins::int as ins, n_tup_upd::int as upd from pg_catalog.pg_stat_xact_user_tables
    where relid = 'public.inbound_events'::regclass`;
  return [r.ins, r.upd];
}

Deno.test("event log: each delivery's row has its own outcome, reason and applied time; an applied one is written once", async () => {
  await inCountedRollback(async (tx) => {
    const mapped = crypto.randomUUID();
    const other = crypto.randomUUID();
    await tx`insert into public.locations (name, time_zone, toast_restaurant_guid)
      values ('event log ' || ${mapped}, 'UTC', ${mapped})`;
    const orderGuid = crypto.randomUUID();
    const deliver = async (event: ReturnType<typeof toastEvent>) => {
      const before = await writes(tx);
      const [{ r }] = await tx`select pipeline.ingest_toast(${
        JSON.stringify(event)
      }::text::jsonb) as r`;
      const after = await writes(tx);
      const [row] = await tx`
        select outcome, reason, applied_at is not null as applied from public.inbound_events
        where id = ${r.eventId}`;
      return {
        outcome: r.outcome,
        row: [row.outcome, row.reason === null ? null : "reason", row.applied],
        inserted: after[0] - before[0],
        rewritten: after[1] - before[1],
      };
    };

    assert.deepEqual(
      await deliver(toastEvent(mapped, order(orderGuid, "2026-11-20T18:00:00.000Z", 5000))),
      { outcome: "applied", row: ["applied", null, true], inserted: 1, rewritten: 0 },
    );
    assert.deepEqual(
      await deliver(toastEvent(mapped, order(orderGuid, "2026-11-20T17:00:00.000Z", 4000))),
      { outcome: "stale", row: ["stale", null, true], inserted: 1, rewritten: 1 },
    );
    assert.deepEqual(
      await deliver(toastEvent(mapped, null)),
      { outcome: "ignored", row: ["ignored", null, false], inserted: 1, rewritten: 0 },
    );
    assert.deepEqual(
      await deliver(toastEvent(other, order(crypto.randomUUID(), "2026-11-20T18:00:00Z", 100))),
      { outcome: "unmapped", row: ["unmapped", null, false], inserted: 1, rewritten: 1 },
    );
    assert.deepEqual(
      await deliver(toastEvent(other, order(orderGuid, "2026-11-20T19:00:00.000Z", 6000))),
      { outcome: "conflict", row: ["conflict", "reason", false], inserted: 1, rewritten: 1 },
    );
  });
});
