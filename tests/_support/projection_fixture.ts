/**
 * The projection's hand-worked day (tests/unit/projection_test.ts, docs/projection.md) as rows:
 * Downtown Bistro in New York on Friday 2026-11-27, three Fridays of live history, three punches,
 * four scheduled shifts and $892.80 of sales. At 5:00 PM EST (`FIXTURE_CLOCK`) its projection is
 * 29.10 % ($1,488.00 of sales, $433.00 of labor) and the hint "cut 3.5 labor hours before 8 PM
 * (≈ $61), or sell $244 more".
 *
 * @module
 */
import type postgres from "postgres";

export const FIXTURE_CLOCK = "2026-11-27T22:00:00.000Z";
export const FIXTURE_DAY = "2026-11-27";

/** Options: location settings and channel URLs. */
export interface FixtureOptions {
  projectionMinShareBp?: number;
  projectionMarginBp?: number;
  slackWebhookUrl?: string | null;
  discordWebhookUrl?: string | null;
  /** Leave the schedule out (a location without one). */
  withoutSchedule?: boolean;
  /** How many past Fridays have live history (default 3). */
  historyDays?: number;
}

/** A fixture location: its id, 7shifts company, and a writer that runs at an injected clock. */
export interface Fixture {
  locationId: number;
  company: number;
  /** Runs `fn` in one transaction at the clock `clock` (its figures written at commit). */
  at(clock: string, fn: (tx: postgres.TransactionSql) => unknown): Promise<void>;
  /** Adds a scheduled shift of the open day. */
  shift(
    tx: postgres.TransactionSql,
    id: number,
    userId: number | null,
    startsAt: string,
    endsAt: string,
    wageCents: number,
  ): Promise<unknown>;
}

/** Creates the fixture's location, history and (unless told otherwise) its day at 5 PM. */
export async function createProjectionFixture(
  sql: postgres.Sql,
  name: string,
  options: FixtureOptions = {},
  dayRows = true,
): Promise<Fixture> {
  const company = 4_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const [loc] = await sql`insert into public.locations (name, time_zone,
      sevenshifts_company_id, sevenshifts_location_id, projection_min_share_bp,
      projection_margin_bp, slack_webhook_url, discord_webhook_url)
    values (${name + " " + company}, 'America/New_York', ${company}, 1,
      ${options.projectionMinShareBp ?? 3000}, ${options.projectionMarginBp ?? 100},
      ${options.slackWebhookUrl ?? null}, ${options.discordWebhookUrl ?? null})
    returning id::int`;
  const locationId: number = loc.id;
  const fridays: Array<[string, number]> = [
    // Each closed at $1,488 (today's pace: the projection is $1,488), 58, 60, 63 and 61 % done
    // by the start of 5 PM's slot.
    ["2026-11-20", 86_304],
    ["2026-11-13", 89_280],
    ["2026-11-06", 93_744],
    ["2026-10-30", 90_768],
  ].slice(0, options.historyDays ?? 3) as Array<[string, number]>;
  for (const [date, at] of fridays) {
    await sql`insert into public.daily_metrics (location_id, business_date, net_sales_cents,
        refund_cents, labor_cost_cents, paid_labor_seconds, paid_labor_minutes, order_count,
        punch_count, open_punch_count, as_of)
      values (${locationId}, ${date}, 148800, 0, 25000, 0, 0, 0, 0, 0, now())`;
    await sql`insert into public.intraday_metrics (location_id, business_date, slot,
        net_sales_cents, labor_cost_cents, paid_labor_minutes, open_punch_count, recorded_at)
      select ${locationId}, ${date}, s.slot, s.cents, 0, 0, 0, now()
      from (values (20, 9000), (50, ${at}), (80, 147000)) as s(slot, cents)`;
  }
  const at = async (clock: string, fn: (tx: postgres.TransactionSql) => unknown) => {
    await sql.begin(async (tx) => {
      await tx`select set_config('pipeline.now', ${clock}, true)`;
      await fn(tx);
    });
  };
  const shift: Fixture["shift"] = (tx, id, userId, startsAt, endsAt, wageCents) =>
    tx`insert into public.scheduled_shifts (sevenshifts_shift_id, location_id, business_date,
        sevenshifts_company_id, sevenshifts_location_id, user_id, starts_at, ends_at,
        hourly_wage_cents, vendor_modified_at)
      values (${company * 10 + id}, ${locationId}, ${FIXTURE_DAY}, ${company}, 1, ${userId},
        ${startsAt}, ${endsAt}, ${wageCents}, now())`;
  const fixture: Fixture = { locationId, company, at, shift };
  if (!dayRows) return fixture;
  await at(FIXTURE_CLOCK, async (tx) => {
    if (!options.withoutSchedule) {
      await shift(tx, 1, 7, "2026-11-27T16:00:00Z", "2026-11-28T03:00:00Z", 1600);
      await shift(tx, 2, 8, "2026-11-27T23:00:00Z", "2026-11-28T02:45:00Z", 1750);
      await shift(tx, 3, 9, "2026-11-27T14:00:00Z", "2026-11-28T01:00:00Z", 1500);
      await shift(tx, 4, 10, "2026-11-27T14:00:00Z", "2026-11-27T20:00:00Z", 1500);
    }
    await writeFixturePunches(tx, fixture);
    await tx`insert into public.orders (toast_order_guid, location_id, business_date,
        net_sales_cents, gross_sales_cents, discount_cents, tax_cents, tip_cents, gratuity_cents,
        deferred_cents, check_count, voided, deleted, excess_food, vendor_modified_at,
        version_hash)
      values (gen_random_uuid(), ${locationId}, ${FIXTURE_DAY}, 89280, 0, 0, 0, 0, 0, 0, 1,
        false, false, false, now(), 'projection fixture')`;
  });
  return fixture;
}

/** The day's three punches: Avery (7) on the clock since 11:02 AM, Blair (9) and Casey (10) out. */
export async function writeFixturePunches(
  tx: postgres.TransactionSql,
  f: Pick<Fixture, "locationId" | "company">,
): Promise<void> {
  await tx`insert into public.punches (sevenshifts_punch_id, location_id,
      sevenshifts_company_id, sevenshifts_location_id, user_id, clocked_in_at, clocked_out_at,
      business_date, unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
      vendor_modified_at, version_hash)
    select ${f.company}::bigint * 10 + p.n, ${f.locationId}, ${f.company}, 1, p.user_id,
      p.clocked_in::timestamptz, p.clocked_out::timestamptz, ${FIXTURE_DAY}::date, 0, p.paid,
      p.wage, true, false, now(), 'projection fixture'
    from (values
      (1, 7, '2026-11-27T16:02:00Z', null, null::bigint, 1750),
      (2, 9, '2026-11-27T14:00:00Z', '2026-11-27T21:00:00Z', 25200, 1500),
      (3, 10, '2026-11-27T14:00:00Z', '2026-11-27T18:41:48Z', 16908, 1500)
    ) as p(n, user_id, clocked_in, clocked_out, paid, wage)`;
}
