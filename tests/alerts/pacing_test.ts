/**
 * Webhook pacing as production runs it: `pipeline.reserve_webhook_slot` in the database, which
 * the notifier calls before every post (supabase/functions/alert-notifier/handler.ts). The
 * clock is injected (`set pipeline.now`), so the properties hold whatever the machine's load.
 *
 * The oracle is the rule stated independently: a message to a webhook goes at the later of
 * now and the previous reserved message + the interval; it is reserved only when that is at
 * most `maxWait` away, and a refusal changes nothing.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type postgres from "postgres";
import { testDb } from "../_support/env.ts";
import { withSeed } from "../_support/property.ts";

const BASE = Date.parse("2026-11-28T18:00:00Z");

interface Slot {
  reserved: boolean;
  waitMs: number;
}

async function reserveAt(
  sql: postgres.Sql | postgres.ReservedSql,
  key: string,
  atMs: number,
  intervalMs: number,
  maxWaitMs: number,
): Promise<Slot> {
  await sql`select set_config('pipeline.now', ${new Date(atMs).toISOString()}, false)`;
  const [row] = await sql`
    select pipeline.reserve_webhook_slot(${key}, ${intervalMs}, ${maxWaitMs}) as slot`;
  return row.slot as Slot;
}

Deno.test("webhook pacing (SQL): each reservation is the earliest slot the interval allows, refusals change nothing", async () => {
  const sql = testDb();
  const conn = await sql.reserve();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 100, max: 2_000 }),
        fc.integer({ min: 0, max: 6 }),
        async (gaps, intervalMs, maxWaitIntervals) => {
          const key = `pacing-test-${crypto.randomUUID()}`;
          const maxWaitMs = maxWaitIntervals * intervalMs + 7; // off the grid on purpose
          let now = BASE;
          let lastSend: number | null = null;
          for (const gap of gaps) {
            now += gap;
            const expectedSend: number = lastSend === null
              ? now
              : Math.max(now, lastSend + intervalMs);
            const slot = await reserveAt(conn, key, now, intervalMs, maxWaitMs);
            assert.equal(slot.waitMs, expectedSend - now, `wait at +${now - BASE} ms`);
            assert.equal(slot.reserved, expectedSend - now <= maxWaitMs);
            if (slot.reserved) {
              lastSend = expectedSend;
            } else {
              // Refused: asking again at once gets the same answer (nothing was reserved).
              assert.deepEqual(await reserveAt(conn, key, now, intervalMs, maxWaitMs), slot);
            }
          }
          await conn`delete from pipeline.webhook_pacing where webhook_key = ${key}`;
        },
      ),
      withSeed({ seed: 7007, numRuns: 60 }),
    );
  } finally {
    conn.release();
    await sql.end();
  }
});

Deno.test("webhook pacing (SQL): reservations from many connections at one instant get distinct slots, one interval apart", async () => {
  const sql = testDb(undefined, 12);
  try {
    const key = `pacing-race-${crypto.randomUUID()}`;
    const intervalMs = 1_000;
    const maxWaitMs = 7_500;
    const conns = await Promise.all(Array.from({ length: 12 }, () => sql.reserve()));
    try {
      const slots = await Promise.all(
        conns.map((c) => reserveAt(c, key, BASE, intervalMs, maxWaitMs)),
      );
      const waits = slots.filter((s) => s.reserved).map((s) => s.waitMs).sort((a, b) => a - b);
      // Eight slots fit in 7.5 s (0, 1, …, 7 s); the other four are refused with the time
      // of the first free slot after them, never a slot that was handed out twice.
      assert.deepEqual(waits, [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000]);
      for (const refused of slots.filter((s) => !s.reserved)) {
        assert.equal(refused.waitMs, 8_000);
      }
    } finally {
      for (const c of conns) c.release();
    }
    await sql`delete from pipeline.webhook_pacing where webhook_key = ${key}`;
  } finally {
    await sql.end();
  }
});
