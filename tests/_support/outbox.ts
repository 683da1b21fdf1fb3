/**
 * Alert outbox rows for tests that exercise delivery without driving the state machine: the
 * row the state machine would insert (public.alerts), with or without its database webhook.
 *
 * @module
 */
import type postgres from "postgres";
import { adminDb, eventually } from "./env.ts";

/**
 * A test's cleanup: waits (up to 15 s) until no alert of `locationId` is still being sent, then
 * deletes its alerts, so no delivery of it outlives the test.
 */
export async function settleAndDeleteAlerts(sql: postgres.Sql, locationId: number): Promise<void> {
  await eventually(
    async () => {
      const [{ n }] = await sql`select count(*)::int as n from public.alerts
        where location_id = ${locationId} and status = 'sending'`;
      return n === 0 ? true : undefined;
    },
    15_000,
    "deliveries to finish",
  ).catch(() => {});
  await sql`delete from public.alerts where location_id = ${locationId}`;
}

/** Inserts an alert of `kind` for `locationId` with fixed figures; fires the database webhook. */
export async function insertAlertRow(
  sql: postgres.Sql | postgres.TransactionSql,
  locationId: number,
  kind: "over" | "critical" | "recovered" = "over",
): Promise<number> {
  const [row] = await sql`
    insert into public.alerts (location_id, business_date, kind, from_state, location_name,
      time_zone, labor_pct_bp, labor_target_bp, critical_threshold_bp, recovery_threshold_bp,
      net_sales_cents, labor_cost_cents, paid_labor_seconds, cplh_cents, splh_cents,
      order_count, punch_count, open_punch_count, metrics_as_of)
    select l.id, current_date, ${kind}, 'ok', l.name, l.time_zone, 2745, 2500, 3000, 2400,
      245000, 67253, 153000, 1582, 5765, 40, 9, 3, now()
    from public.locations l where l.id = ${locationId}
    returning id::int`;
  return row.id as number;
}

/**
 * The same row with its database webhook silenced (triggers off), so the test decides who
 * delivers it. session_replication_role is a superuser's setting, on Supabase too: this is
 * done over the admin connection.
 */
export async function insertAlertQuietly(
  locationId: number,
  kind: "over" | "critical" | "recovered" = "over",
): Promise<number> {
  const admin = adminDb();
  try {
    return await admin.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      return await insertAlertRow(tx, locationId, kind);
    });
  } finally {
    await admin.end();
  }
}
