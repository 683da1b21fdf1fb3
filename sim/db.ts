/**
 * The simulator's database side: it maps its locations (PostgREST cannot run here, so it
 * writes `public.locations` directly over `DATABASE_URL` / `SUPABASE_DB_URL`) and reads back
 * what the system computed (`public.daily_metrics`) and the alerts it raised.
 *
 * @module
 */
import postgres from "postgres";
import type { SimLocation } from "./model.ts";
import type { DayFigures } from "./truth.ts";

/** A postgres.js client for the simulator (one connection is plenty). */
export function connect(databaseUrl: string): postgres.Sql {
  return postgres(databaseUrl, { max: 2, onnotice: () => {}, prepare: false });
}

/** Per-location settings beyond the vendor mapping (the demo's channels and thresholds). */
export interface LocationSettings {
  slackWebhookUrl?: string | null;
  discordWebhookUrl?: string | null;
  alertsEnabled?: boolean;
  alertMinNetSalesCents?: number;
}

/**
 * Inserts (or updates, matched by Toast restaurant GUID) one `public.locations` row per
 * simulated location and returns the database ids by location index.
 */
export async function mapLocations(
  sql: postgres.Sql,
  locations: readonly SimLocation[],
  settings: ReadonlyArray<LocationSettings | undefined> = [],
): Promise<number[]> {
  const ids: number[] = [];
  for (const loc of locations) {
    const s = settings[loc.index] ?? {};
    const [row] = await sql`
      insert into public.locations (
        name, time_zone, business_day_cutoff_hour, toast_restaurant_guid,
        sevenshifts_company_id, sevenshifts_location_id, labor_target_bp,
        slack_webhook_url, discord_webhook_url, alerts_enabled, alert_min_net_sales_cents
      )
      values (
        ${loc.name}, ${loc.timeZone}, ${loc.cutoffHour}, ${loc.toastRestaurantGuid},
        ${loc.sevenShiftsCompanyId}, ${loc.sevenShiftsLocationId}, ${loc.laborTargetBp},
        ${s.slackWebhookUrl ?? null}, ${s.discordWebhookUrl ?? null}, ${s.alertsEnabled ?? true},
        ${s.alertMinNetSalesCents ?? 50000}
      )
      on conflict (toast_restaurant_guid) do update set
        name = excluded.name,
        time_zone = excluded.time_zone,
        business_day_cutoff_hour = excluded.business_day_cutoff_hour,
        sevenshifts_company_id = excluded.sevenshifts_company_id,
        sevenshifts_location_id = excluded.sevenshifts_location_id,
        labor_target_bp = excluded.labor_target_bp,
        slack_webhook_url = excluded.slack_webhook_url,
        discord_webhook_url = excluded.discord_webhook_url,
        alerts_enabled = excluded.alerts_enabled,
        alert_min_net_sales_cents = excluded.alert_min_net_sales_cents,
        updated_at = now()
      returning id
    `;
    ids.push(Number(row.id));
    // A workweek that does not start on Monday is the company's 7shifts setting.
    if (loc.workweekStartIsoDay !== undefined) {
      await sql`
        insert into public.company_settings (sevenshifts_company_id, overtime_time_zone,
          workweek_start_iso_day)
        values (${loc.sevenShiftsCompanyId}, ${loc.timeZone}, ${loc.workweekStartIsoDay})
        on conflict (sevenshifts_company_id) do update set
          overtime_time_zone = excluded.overtime_time_zone,
          workweek_start_iso_day = excluded.workweek_start_iso_day,
          updated_at = now()`;
    }
  }
  return ids;
}

/** A `public.daily_metrics` row, as the simulator compares it. */
export interface SystemRow extends DayFigures {
  locationId: number;
  businessDate: string;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The system's figures for the given locations, sorted by location id and date. */
export async function readDailyMetrics(
  sql: postgres.Sql,
  locationIds: readonly number[],
): Promise<SystemRow[]> {
  const rows = await sql`
    select location_id, to_char(business_date, 'YYYY-MM-DD') as business_date,
      net_sales_cents, refund_cents, labor_cost_cents, paid_labor_seconds, paid_labor_minutes,
      labor_pct_bp, cplh_cents, splh_cents, order_count, punch_count, open_punch_count,
      overtime_minutes, overtime_premium_cents
    from public.daily_metrics
    where location_id = any(${locationIds as number[]}::bigint[])
    order by location_id, business_date
  `;
  return rows.map((r) => ({
    locationId: Number(r.location_id),
    businessDate: String(r.business_date),
    netSalesCents: Number(r.net_sales_cents),
    refundCents: Number(r.refund_cents),
    laborCostCents: Number(r.labor_cost_cents),
    paidLaborSeconds: Number(r.paid_labor_seconds),
    paidLaborMinutes: Number(r.paid_labor_minutes),
    laborPctBp: num(r.labor_pct_bp),
    cplhCents: num(r.cplh_cents),
    splhCents: num(r.splh_cents),
    orderCount: Number(r.order_count),
    punchCount: Number(r.punch_count),
    openPunchCount: Number(r.open_punch_count),
    overtimeMinutes: Number(r.overtime_minutes),
    overtimePremiumCents: Number(r.overtime_premium_cents),
  }));
}

/** A row of `public.alerts`, as the simulator compares it. */
export interface SystemAlert {
  id: number;
  locationId: number;
  businessDate: string;
  kind: "over" | "critical" | "recovered";
  fromState: string;
  laborPctBp: number;
  netSalesCents: number;
  status: string;
}

/** The labor alerts raised for the given locations, in creation order (not sync notices). */
export async function readAlerts(
  sql: postgres.Sql,
  locationIds: readonly number[],
): Promise<SystemAlert[]> {
  const rows = await sql`
    select id, location_id, to_char(business_date, 'YYYY-MM-DD') as business_date, kind,
      from_state, labor_pct_bp, net_sales_cents, status
    from public.alerts
    where location_id = any(${locationIds as number[]}::bigint[])
      and kind in ('over', 'critical', 'recovered')
    order by id
  `;
  return rows.map((r) => ({
    id: Number(r.id),
    locationId: Number(r.location_id),
    businessDate: String(r.business_date),
    kind: r.kind,
    fromState: String(r.from_state),
    laborPctBp: Number(r.labor_pct_bp),
    netSalesCents: Number(r.net_sales_cents),
    status: String(r.status),
  }));
}
