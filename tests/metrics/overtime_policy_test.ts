/**
 * A company's overtime policy applies at once: turning overtime off, then on with California's
 * daily tiers, recomputes the current and previous workweek's days under each policy, with the
 * figures TypeScript gives for them.
 */
import assert from "node:assert/strict";
import { federalOvertimePolicy, punchOvertime } from "../../shared/overtime.ts";
import { testDb } from "../_support/env.ts";

Deno.test("overtime policy: changing it recomputes the last two weeks' figures under the new rule", async () => {
  const sql = testDb();
  try {
    const company = 5_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const [loc] = await sql`insert into public.locations (name, time_zone,
        sevenshifts_company_id, sevenshifts_location_id, alerts_enabled)
      values (${"policy " + company}, 'UTC', ${company}, 1, false) returning id::int`;
    // Last week's Monday to Friday (UTC, weeks from Monday), 9 hours a day from 08:00: 45 h.
    const monday = new Date();
    monday.setUTCHours(0, 0, 0, 0);
    monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7) - 7);
    const days = [0, 1, 2, 3, 4].map((d) => new Date(monday.getTime() + d * 86_400_000));
    for (const [i, day] of days.entries()) {
      const inAt = new Date(day.getTime() + 8 * 3_600_000);
      await sql`insert into public.punches (sevenshifts_punch_id, location_id,
          sevenshifts_company_id, sevenshifts_location_id, user_id, clocked_in_at, clocked_out_at,
          business_date, unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
          vendor_modified_at, version_hash)
        values (${company * 10 + i}, ${loc.id}, ${company}, 1, 7, ${inAt},
          ${new Date(inAt.getTime() + 9 * 3_600_000)}, ${day.toISOString().slice(0, 10)}, 0, 32400,
          2000, true, false, now(), 'policy')`;
    }
    const figures = async () =>
      (await sql`select business_date::text as day, overtime_minutes::int as minutes,
          overtime_premium_cents::int as premium, labor_cost_cents::int as labor
        from public.daily_metrics where location_id = ${loc.id} order by business_date`)
        .map((r) => ({ ...r }));
    const expected = (policy: Parameters<typeof punchOvertime>[0]) => {
      const ot = punchOvertime(
        policy,
        days.map((d, i) => ({
          punchId: i,
          employeeId: 7,
          clockedInAt: new Date(d.getTime() + 8 * 3_600_000),
          paidSeconds: 32400,
          hourlyWageCents: 2000,
        })),
      );
      return days.map((d, i) => ({
        day: d.toISOString().slice(0, 10),
        minutes: Math.round(ot.get(i)!.overtimeSeconds / 60),
        premium: ot.get(i)!.premiumCents,
        labor: 18_000 + ot.get(i)!.premiumCents,
      }));
    };
    const federal = federalOvertimePolicy("UTC");
    assert.deepEqual(await figures(), expected(federal)); // Friday: 5 h at $10 extra
    await sql`insert into public.company_settings (sevenshifts_company_id, overtime_enabled)
      values (${company}, false)`;
    assert.deepEqual(await figures(), expected({ ...federal, enabled: false }));
    const california = {
      ...federal,
      dailyTiers: [{ overSeconds: 8 * 3600, multiplierPct: 150 }, {
        overSeconds: 12 * 3600,
        multiplierPct: 200,
      }],
    };
    await sql`update public.company_settings set overtime_enabled = true,
        daily_overtime_minutes = '{480, 720}', daily_overtime_multiplier_pct = '{150, 200}'
      where sevenshifts_company_id = ${company}`;
    assert.deepEqual(await figures(), expected(california)); // an hour a day, none weekly
  } finally {
    await sql.end();
  }
});
