/**
 * The schedule (pg_cron): every hour each syncing location gets an hourly run over its current
 * and previous business day (`hourly_days`), Toast orders pulled since the last successful
 * run's end less an hour of overlap; at its `nightly_hour` (local) a nightly run over the last
 * `nightly_days` instead, once a day. The jobs are registered with cron.schedule. Runs here go
 * through pg_net to the real function, against fake vendors with nothing to serve.
 */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { testDb } from "../_support/env.ts";
import { startVendorFakes } from "../../local/vendor_fakes.ts";
import { newLocation, vendorIds } from "../fault/vendors.ts";
import { waitForRuns } from "./support.ts";

interface ScheduledRun {
  id: number;
  kind: string;
  from_date: string;
  to_date: string;
  modified_since: Date;
  window_end: Date;
}

/** Runs pipeline.schedule_syncs() with the clock at `at`; this location's new runs. */
async function scheduleAt(sql: postgres.Sql, at: string, locationId: number) {
  const before = await sql`select coalesce(max(id), 0) as id from public.sync_runs`;
  await sql.begin(async (tx) => {
    await tx`select set_config('pipeline.now', ${at}, true)`;
    await tx`select pipeline.schedule_syncs()`;
  });
  const rows = await sql<
    ScheduledRun[]
  >`select id, kind, to_char(from_date, 'YYYY-MM-DD') as from_date,
      to_char(to_date, 'YYYY-MM-DD') as to_date, modified_since, window_end
    from public.sync_runs where location_id = ${locationId} and id > ${before[0].id}
    order by id`;
  await waitForRuns(sql, rows.map((r) => Number(r.id)));
  // The 7shifts schedule's own runs: tests/sync/shifts_test.ts.
  return rows.filter((r) => r.kind !== "schedule").map((r) => ({ ...r, id: Number(r.id) }));
}

Deno.test("schedule: hourly over two days since the last run's end, nightly over a week at its hour, jobs on pg_cron", async () => {
  const sql = testDb();
  const fakes = startVendorFakes();
  const connections: number[] = [];
  try {
    const jobs = await sql`select jobname, schedule, command from cron.job
      where jobname like 'vendor-sync-%' order by jobname`;
    assert.deepEqual(jobs.map((j) => [j.jobname, j.schedule, j.command]), [
      ["vendor-sync-hourly", "10 * * * *", "select pipeline.schedule_syncs()"],
      ["vendor-sync-sweep", "* * * * *", "select pipeline.request_sync_sweep()"],
    ]);

    const ids = vendorIds();
    const locationId = await newLocation(sql, ids); // UTC, cut-off 04:00
    fakes.addToastClient({ clientId: "sched", clientSecret: "s", restaurants: [ids.toastGuid] });
    fakes.addSevenShiftsCompany({ companyId: ids.companyId, accessToken: "sched-token" });
    const [{ toast }] = await sql`select pipeline.add_toast_connection('t', 'sched', 's',
      ${fakes.toastBaseUrl}) as toast`;
    const [{ seven }] = await sql`select pipeline.add_sevenshifts_connection('s',
      ${ids.companyId}, 'g', 'sched-token', api_base_url => ${fakes.sevenShiftsBaseUrl}) as seven`;
    connections.push(Number(toast), Number(seven));
    await sql`insert into public.location_sync (location_id, toast_connection_id, nightly_hour)
      values (${locationId}, ${toast}, 5)`;
    const day = new Date().toISOString().slice(0, 10);
    const prev = new Date(Date.parse(day) - 86_400_000).toISOString().slice(0, 10);
    const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);

    const [first] = await scheduleAt(sql, `${day}T12:00:00Z`, locationId);
    assert.equal(first.kind, "hourly");
    assert.deepEqual([first.from_date, first.to_date], [prev, day]);
    assert.equal(first.modified_since.toISOString(), `${prev}T04:00:00.000Z`);
    assert.equal(first.window_end.toISOString(), `${day}T12:00:00.000Z`);

    const [second] = await scheduleAt(sql, `${day}T13:00:00Z`, locationId);
    assert.equal(second.kind, "hourly");
    assert.equal(
      second.modified_since.toISOString(),
      `${day}T11:00:00.000Z`,
      "since the last run's end, less an hour",
    );

    const [nightly] = await scheduleAt(sql, `${next}T05:30:00Z`, locationId);
    assert.equal(nightly.kind, "nightly");
    const weekAgo = new Date(Date.parse(next) - 7 * 86_400_000).toISOString().slice(0, 10);
    assert.deepEqual([nightly.from_date, nightly.to_date], [weekAgo, next]);
    assert.equal(nightly.modified_since.toISOString(), `${weekAgo}T04:00:00.000Z`);
    const [after] = await scheduleAt(sql, `${next}T05:45:00Z`, locationId);
    assert.equal(after.kind, "hourly", "one nightly a day");

    await sql`update public.location_sync set enabled = false where location_id = ${locationId}`;
    assert.deepEqual(await scheduleAt(sql, `${next}T06:00:00Z`, locationId), [], "disabled");
    assert.deepEqual(fakes.violations(), []);
  } finally {
    for (const id of connections) await sql`select pipeline.remove_connection(${id})`;
    await fakes.stop();
    await sql.end();
  }
});
