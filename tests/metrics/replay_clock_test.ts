/**
 * The replay clock (pipeline.replay_clock, 20261128000300_metrics.sql): a database that
 * replays a day runs its figures on the replayed time, so open punches accrue to it and a
 * replayed "today" is live; only the owner of the pipeline's objects (postgres, who ran the
 * migrations) may set it. It is database-wide, so this runs only on a cluster npm test created,
 * and always removes it again.
 */
import assert from "node:assert/strict";
import { needsOwnDatabase, testDb } from "../_support/env.ts";

Deno.test({
  name:
    "replay clock: open punches accrue to the replayed time; a session clock still wins; only the owner may set it",
  ...needsOwnDatabase(),
  async fn() {
    const sql = testDb();
    try {
      const [loc] = await sql`
        insert into public.locations (name, time_zone, toast_restaurant_guid)
        values (${`Replay ${crypto.randomUUID().slice(0, 8)}`}, 'America/Chicago',
          gen_random_uuid())
        returning id::int`;
      // Clocked in at 9:00 on a day of 2031, still open, $18.00 an hour.
      const punchId = 7_000_000_000 + loc.id;
      await sql`
        insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
          sevenshifts_location_id, clocked_in_at, clocked_out_at, business_date,
          unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
          vendor_modified_at, version_hash)
        values (${punchId}, ${loc.id}, 1, 1, '2031-03-12T09:00:00-05:00', null, '2031-03-12',
          0, null, 1800, false, false, '2031-03-12T09:00:30-05:00', 'replay-clock')`;
      const figures = async () => {
        const [m] = await sql`
          select paid_labor_seconds::int as seconds, labor_cost_cents::int as cents,
            open_punch_count as open, as_of
          from public.daily_metrics
          where location_id = ${loc.id} and business_date = '2031-03-12'`;
        return m;
      };

      await sql`select pipeline.set_replay_clock('2031-03-12T11:30:00-05:00')`;
      await sql`select pipeline.recompute_day(${loc.id}, '2031-03-12')`;
      assert.deepEqual(await figures(), {
        seconds: 9000,
        cents: 4500,
        open: 1,
        as_of: new Date("2031-03-12T16:30:00Z"),
      });
      // The replayer moves it on; the figures follow it, not the real clock.
      await sql`select pipeline.set_replay_clock('2031-03-12T13:00:00-05:00')`;
      await sql`select pipeline.recompute_open_days()`;
      assert.equal((await figures()).seconds, 4 * 3600);
      // A session's injected clock (tests) wins over it.
      const [{ clock }] = await sql.begin(async (tx) => {
        await tx`select set_config('pipeline.now', '2031-03-12T10:00:00-05:00', true)`;
        return await tx`select pipeline.current_clock() as clock`;
      });
      assert.deepEqual(clock, new Date("2031-03-12T15:00:00Z"));

      // Nobody but the owner: not the API roles, not service_role, not the functions' login.
      for (const role of ["anon", "authenticated", "service_role", "pipeline_functions"]) {
        for (
          const statement of [
            `select pipeline.set_replay_clock(now())`,
            `select pipeline.set_replay_clock(null)`,
            `delete from pipeline.replay_clock`,
            `insert into pipeline.replay_clock (replayed_now) values (now())`,
          ]
        ) {
          await assert.rejects(
            sql.begin(async (tx) => {
              await tx.unsafe(`set local role ${role}`);
              await tx.unsafe(statement);
            }),
            (err: { code?: string }) => err.code === "42501",
            `${role}: ${statement}`,
          );
        }
      }

      // Removed, the clock is the transaction's time again.
      await sql`select pipeline.set_replay_clock(null)`;
      const [{ same }] = await sql`select pipeline.current_clock() = now() as same`;
      assert.equal(same, true);
    } finally {
      await sql`select pipeline.set_replay_clock(null)`;
      await sql.end();
    }
  },
});
