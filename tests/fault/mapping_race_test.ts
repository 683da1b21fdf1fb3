/**
 * Deliveries racing the mapping of their restaurant and 7shifts location (issue 14, case 1):
 * concurrent Toast and 7shifts deliveries for one new place, a third in flight while a
 * transaction inserting (or updating) its mapping runs its statement, a third while that
 * transaction is open (its trigger has run; it commits 300 ms later), a third after. Whatever the
 * interleaving, once the mapping is committed every delivery is applied: the day's figures are
 * the sum of what was delivered and nothing is left held. A delivery that waited too long for
 * the mapping is answered 503 and retried, as Toast and 7shifts retry.
 *
 * Deterministic in outcome (the assertion is the same for every interleaving) and bounded in
 * time: each kind of mapping change twice, 60 deliveries each, at most 8 in flight.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { adminDb, testDb, testEnv } from "../_support/env.ts";
import {
  deliverPunch,
  deliverToast,
  newLocation,
  punchBody,
  type SimplePunch,
  toastEnvelope,
  vendorIds,
} from "./vendors.ts";

const env = testEnv();
const ORDERS = 30;
const PUNCHES = 30;
// 30 orders and 30 punches: divisible by 3 as sent (interleaved), a third per phase.
const IN_FLIGHT = 8;

type Ids = ReturnType<typeof vendorIds>;

/** Sends until the answer is not 503 (the vendors retry a 503), at most 20 times. */
async function untilStored(send: () => Promise<{ status: number; json: unknown }>) {
  for (let attempt = 1;; attempt++) {
    const answer = await send();
    if (answer.status !== 503 || attempt === 20) return answer;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `tasks` with at most `limit` at once; `onProgress(done)` after each one. */
async function pool<T>(
  tasks: Array<() => Promise<T>>,
  limit: number,
  onProgress: (done: number) => void = () => {},
): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  let done = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
      onProgress(++done);
    }
  }));
  return out;
}

interface Round {
  name: string;
  /** Before the deliveries: the location row, if the round updates one (its id). */
  prepare(sql: postgres.Sql, ids: Ids): Promise<number | null>;
  /** The mapping transaction's statement; returns the location id. */
  map(tx: postgres.TransactionSql, ids: Ids, existing: number | null): Promise<number>;
}

/** Maps an existing location to `ids` (an UPDATE of its vendor keys). */
async function remap(tx: postgres.TransactionSql, ids: Ids, existing: number | null) {
  await tx`update public.locations set toast_restaurant_guid = ${ids.toastGuid},
      sevenshifts_company_id = ${ids.companyId},
      sevenshifts_location_id = ${ids.sevenShiftsLocationId}
    where id = ${existing}`;
  return existing!;
}

const ROUNDS: Round[] = [
  {
    name: "insert",
    prepare: () => Promise.resolve(null),
    async map(tx, ids) {
      const [row] = await tx`insert into public.locations (name, time_zone, toast_restaurant_guid,
          sevenshifts_company_id, sevenshifts_location_id, alerts_enabled)
        values (${`Race ${ids.toastGuid.slice(0, 8)}`}, 'UTC', ${ids.toastGuid}, ${ids.companyId},
          ${ids.sevenShiftsLocationId}, false) returning id`;
      return Number(row.id);
    },
  },
  {
    name: "update of an unmapped location",
    async prepare(sql, ids) {
      const [row] = await sql`insert into public.locations (name, time_zone, alerts_enabled)
        values (${`Race ${ids.toastGuid.slice(0, 8)}`}, 'UTC', false) returning id`;
      return Number(row.id);
    },
    map: remap,
  },
  {
    name: "update from other vendor ids",
    prepare: (sql) => newLocation(sql, vendorIds()),
    map: remap,
  },
];

for (const [round, repeat] of ROUNDS.flatMap((r) => [[r, 1], [r, 2]] as const)) {
  Deno.test(`mapping race (${round.name}, ${repeat}): every delivery racing the mapping is applied`, async () => {
    const sql = testDb();
    try {
      const ids = vendorIds();
      const existing = await round.prepare(sql, ids);
      const amounts = Array.from({ length: ORDERS }, (_, i) => 1_000 + 37 * i);
      const orders = amounts.map((amountCents, i) => ({
        orderGuid: crypto.randomUUID(),
        businessDate: 20261127,
        modifiedDate: `2026-11-27T18:${String(i).padStart(2, "0")}:00.000Z`,
        amountCents,
        tipCents: 0,
      }));
      // Punches of 1 to 30 minutes at $60/h: a minute costs 100 ¢.
      const punches: SimplePunch[] = Array.from({ length: PUNCHES }, (_, i) => ({
        id: 1_940_000_000 + Math.floor(Math.random() * 4_000_000) * 10 + i,
        companyId: ids.companyId,
        locationId: ids.sevenShiftsLocationId,
        clockedIn: "2026-11-27 12:00:00",
        clockedOut: `2026-11-27 12:${String(i + 1).padStart(2, "0")}:00`,
        modified: "2026-11-27 13:00:00",
        hourlyWage: 60,
      }));
      const tasks: Array<() => Promise<{ status: number; json: unknown }>> = [];
      for (let i = 0; i < ORDERS; i++) {
        const body = toastEnvelope(orders[i], ids.toastGuid);
        tasks.push(() =>
          untilStored(() => deliverToast(env.functionsUrl, env.toastSecret, body, ids.toastGuid))
        );
        const punch = punchBody(punches[i]);
        tasks.push(() =>
          untilStored(() =>
            deliverPunch(env.functionsUrl, env.sevenShiftsGrantGuid, punch, "time_punch.created")
          )
        );
      }
      // A third is being delivered when the mapping's statement runs (it starts once half of
      // them are in), a third while its transaction is open (its trigger has run; it commits
      // 300 ms later), a third after.
      const [around, during, after] = [
        tasks.slice(0, tasks.length / 3),
        tasks.slice(tasks.length / 3, (2 * tasks.length) / 3),
        tasks.slice((2 * tasks.length) / 3),
      ];
      let statementDone!: () => void;
      const opened = new Promise<void>((r) => statementDone = r);
      let mapping: Promise<number> | null = null;
      const aroundAnswers = pool(around, IN_FLIGHT, (done) => {
        if (mapping || done < around.length / 2) return;
        mapping = sql.begin(async (tx) => {
          const id = await round.map(tx, ids, existing);
          statementDone();
          await tx`select pg_sleep(0.3)`;
          return id;
        });
      });
      await opened;
      const duringAnswers = await pool(during, IN_FLIGHT);
      const locationId = await mapping!;
      const answers = [...await aroundAnswers, ...duringAnswers, ...await pool(after, IN_FLIGHT)];
      assert.ok(
        answers.every((a) => a.status === 200 || a.status === 202),
        JSON.stringify(answers.filter((a) => a.status >= 300)),
      );
      const [day] = await sql`select net_sales_cents::int as net, order_count,
          paid_labor_seconds::int as seconds, labor_cost_cents::int as cost, punch_count
        from public.daily_metrics where location_id = ${locationId} and business_date = '2026-11-27'`;
      const minutes = PUNCHES * (PUNCHES + 1) / 2;
      assert.deepEqual({ ...day }, {
        net: amounts.reduce((a, b) => a + b, 0),
        order_count: ORDERS,
        seconds: minutes * 60,
        cost: minutes * 100,
        punch_count: PUNCHES,
      });
      const [{ held }] = await sql`select count(*)::int as held from public.inbound_events
        where outcome = 'unmapped' and external_location_key = any(${[
        ids.toastGuid,
        `${ids.companyId}:${ids.sevenShiftsLocationId}`,
      ]})`;
      assert.equal(held, 0, "nothing is left held once the mapping is committed");
    } finally {
      await sql.end();
    }
  });
}

Deno.test("mapping race: the repair job (every 5 minutes) applies what is held under a mapping that exists", async () => {
  const sql = testDb();
  try {
    const ids = vendorIds();
    const order = {
      orderGuid: crypto.randomUUID(),
      businessDate: 20261127,
      modifiedDate: "2026-11-27T19:00:00.000Z",
      amountCents: 2_750,
      tipCents: 0,
    };
    const held = await deliverToast(
      env.functionsUrl,
      env.toastSecret,
      toastEnvelope(order, ids.toastGuid),
      ids.toastGuid,
    );
    assert.equal(held.status, 202);
    // A mapping made where no trigger ran (a restore, a bulk load with triggers off).
    // session_replication_role is a superuser's setting (on Supabase too): the admin connection.
    const admin = adminDb();
    const locationId = await admin.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      const [row] = await tx`insert into public.locations (name, time_zone,
          toast_restaurant_guid, alerts_enabled)
        values ('Repair test', 'UTC', ${ids.toastGuid}, false) returning id`;
      return Number(row.id);
    }).finally(() => admin.end());
    const [job] = await sql`select schedule, command from cron.job
      where jobname = 'pipeline-apply-mapped-held-events'`;
    assert.equal(job.schedule, "*/5 * * * *");
    const [run] = await sql.unsafe(job.command);
    assert.ok(run.apply_mapped_held_events >= 1);
    const [day] = await sql`select net_sales_cents::int as net, order_count
      from public.daily_metrics where location_id = ${locationId} and business_date = '2026-11-27'`;
    assert.deepEqual({ ...day }, { net: 2_750, order_count: 1 });
    const [event] = await sql`select outcome from public.inbound_events
      where id = ${held.json.eventId as number}`;
    assert.equal(event.outcome, "applied");
  } finally {
    await sql.end();
  }
});
