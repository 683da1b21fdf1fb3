/**
 * Projection parity: shared/projection.ts and the database agree on the projected close of the
 * open day, on the path that writes it in production (a write of the day: the trigger's
 * pipeline.write_daily_metrics → pipeline.write_projection). Generated locations in several
 * zones and cut-off hours, clocks anywhere in the business day including the DST change days;
 * same-weekday histories with live intraday rows, backfilled days, days without sales;
 * schedules of shifts not started, being worked (with and without an open punch), finished and
 * unassigned; employees with most of their week worked, under the federal and California
 * policies, so the remaining work causes overtime. The day_projections row (every input and
 * the projection), the slot's intraday row and the projection state equal TypeScript's, and so
 * does the hint worked out from the database's work items. The seed is replayable.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type postgres from "postgres";
import { businessDateOf } from "../../shared/business_date.ts";
import {
  californiaOvertimePolicy,
  federalOvertimePolicy,
  type OvertimePolicy,
} from "../../shared/overtime.ts";
import {
  addDays,
  type HistoryDay,
  nextProjectionState,
  projectClose,
  projectionHint,
  remainingOvertimePremium,
  remainingWork,
  type ScheduledShift,
  slotOf,
  typicalShare,
  type WorkItem,
} from "../../shared/projection.ts";
import { epochSeconds as epochS, punchPaidSeconds } from "../../shared/transformations.ts";
import { testDb } from "../_support/env.ts";
import { withSeed } from "../_support/property.ts";

const H = 3600;
const ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/Berlin"];
/** Days around which the clock falls: the US and EU DST changes and ordinary days. */
const DAYS = ["2026-03-08", "2026-11-01", "2026-03-29", "2026-10-25", "2026-06-17", "2026-11-27"];
const CASES = 120;

const historyDayArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  // A backfilled day: final figures, no intraday rows.
  {
    weight: 1,
    arbitrary: fc.record({ final: fc.integer({ min: 1, max: 900_000 }), rows: fc.constant([]) }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      final: fc.oneof(fc.integer({ min: 1, max: 900_000 }), fc.constantFrom(0, -500)),
      rows: fc.uniqueArray(
        fc.record({
          slot: fc.integer({ min: 0, max: 95 }),
          sales: fc.integer({ min: -1000, max: 950_000 }),
        }),
        { selector: (r) => r.slot, minLength: 1, maxLength: 12 },
      ),
    }),
  },
);

const shiftArb = fc.record({
  // Start relative to the clock, in minutes, and length.
  startMinutes: fc.integer({ min: -12 * 60, max: 12 * 60 }),
  lengthMinutes: fc.integer({ min: 30, max: 12 * 60 }),
  startSecond: fc.integer({ min: 0, max: 59 }),
  user: fc.option(fc.integer({ min: 0, max: 4 }), { freq: 5 }),
  wageCentiCents: fc.integer({ min: 0, max: 4000 }).map((c) => c * 100 + (c % 2) * 50),
});

const caseArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  cutoff: fc.integer({ min: 0, max: 6 }),
  day: fc.constantFrom(...DAYS),
  clockMinute: fc.integer({ min: 0, max: 47 * 60 }),
  clockSecond: fc.integer({ min: 0, max: 59 }),
  policy: fc.constantFrom("federal", "california", "none"),
  salesSoFar: fc.oneof(fc.integer({ min: 0, max: 600_000 }), fc.constant(-300)),
  history: fc.array(historyDayArb, { minLength: 8, maxLength: 8 }),
  // Per employee: hours already worked earlier this week (closed punches), and today's punch.
  employees: fc.array(
    fc.record({
      earlierHours: fc.integer({ min: 0, max: 44 }),
      today: fc.constantFrom("open", "closed", "none"),
      clockedInMinutesAgo: fc.integer({ min: 0, max: 11 * 60 }),
      wageCentiCents: fc.integer({ min: 1000, max: 3000 }).map((c) => c * 100),
    }),
    { minLength: 5, maxLength: 5 },
  ),
  shifts: fc.array(shiftArb, { minLength: 0, maxLength: 7 }),
  targetBp: fc.integer({ min: 1500, max: 3500 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** What the generated cases reached (so the generators are seen to cover the rules). */
const reached = { premium: 0, cut: 0, noCut: 0, fired: 0, continued: 0 };
/** Rare in generated days (tests/metrics/projection_test.ts pins it): counted, not required. */
let cutNowCases = 0;

// Ids of each case: unique within a run (a counter), apart across runs on one database.
let lastBase = Number(crypto.getRandomValues(new Uint32Array(1))[0] % 100_000) * 50;
const nextBase = () => ++lastBase;

function policyOf(kind: string, zone: string): OvertimePolicy | null {
  if (kind === "california") return californiaOvertimePolicy(zone);
  return kind === "none" ? null : federalOvertimePolicy(zone);
}

interface PunchRow {
  id: number;
  user: number;
  clockedInAt: string;
  clockedOutAt: string | null;
  paidSeconds: number | null;
  wageCents: number;
  businessDate: string;
}

/** Drives one case through the tables; returns the first difference, or null. */
async function driveCase(sql: postgres.Sql, c: Case): Promise<string | null> {
  const base = nextBase();
  const company = 3_000_000_000 + base;
  const clockMs = Date.parse(`${c.day}T00:00:00Z`) + c.clockMinute * 60_000 +
    c.clockSecond * 1000 + 123;
  const clock = new Date(clockMs).toISOString();
  const today = businessDateOf(clock, c.zone, c.cutoff);
  const [loc] = await sql`insert into public.locations (name, time_zone,
      business_day_cutoff_hour, sevenshifts_company_id, sevenshifts_location_id,
      labor_target_bp, alerts_enabled)
    values (${"projection parity " + base}, ${c.zone}, ${c.cutoff},
      ${c.policy === "none" ? null : company}, 1, ${c.targetBp}, true)
    returning id`;
  const location = Number(loc.id);
  const policy = policyOf(c.policy, c.zone);
  if (policy) {
    await sql`insert into public.company_settings (sevenshifts_company_id, overtime_time_zone,
        daily_overtime_minutes, daily_overtime_multiplier_pct, overtime_warning_minutes)
      values (${company}, ${c.zone}, ${policy.dailyTiers.map((t) => t.overSeconds / 60)}::integer[],
        ${policy.dailyTiers.map((t) => t.multiplierPct)}::smallint[], 0)`;
  }

  // History: D − 7k.
  const history: HistoryDay[] = [];
  for (const [k, h] of c.history.entries()) {
    if (!h) continue;
    const date = addDays(today, -7 * (k + 1));
    history.push({
      businessDate: date,
      finalNetSalesCents: h.final,
      intraday: h.rows.map((r) => ({ slot: r.slot, netSalesCents: r.sales })),
    });
    await sql`insert into public.daily_metrics (location_id, business_date, net_sales_cents,
        refund_cents, labor_cost_cents, paid_labor_seconds, paid_labor_minutes, order_count,
        punch_count, open_punch_count, as_of)
      values (${location}, ${date}, ${h.final}, 0, 0, 0, 0, 0, 0, 0, now())`;
    for (const r of h.rows) {
      await sql`insert into public.intraday_metrics (location_id, business_date, slot,
          net_sales_cents, labor_cost_cents, paid_labor_minutes, open_punch_count, recorded_at)
        values (${location}, ${date}, ${r.slot}, ${r.sales}, 0, 0, 0, now())`;
    }
  }

  // Punches: earlier this week (one closed punch a day, up to 9 h), and today's.
  const punches: PunchRow[] = [];
  let serial = 0;
  const punchBase = base * 1000;
  for (const [user, e] of c.employees.entries()) {
    let left = e.earlierHours * H;
    for (let d = 1; left > 0 && d <= 6; d++) {
      const seconds = Math.min(left, 9 * H);
      left -= seconds;
      const at = new Date(clockMs - d * 86_400_000 - 2 * H * 1000).toISOString();
      punches.push({
        id: punchBase + ++serial,
        user: user + 1,
        clockedInAt: at,
        clockedOutAt: new Date(Date.parse(at) + seconds * 1000).toISOString(),
        paidSeconds: seconds,
        wageCents: e.wageCentiCents / 100,
        businessDate: businessDateOf(at, c.zone, c.cutoff),
      });
    }
    if (e.today !== "none") {
      const at = new Date(clockMs - e.clockedInMinutesAgo * 60_000 - 7000).toISOString();
      const out = e.today === "closed"
        ? new Date(Date.parse(at) + Math.floor(e.clockedInMinutesAgo / 2) * 60_000)
          .toISOString()
        : null;
      punches.push({
        id: punchBase + ++serial,
        user: user + 1,
        clockedInAt: at,
        clockedOutAt: out,
        paidSeconds: out === null ? null : Math.floor((Date.parse(out) - Date.parse(at)) / 1000),
        wageCents: e.wageCentiCents / 100,
        businessDate: businessDateOf(at, c.zone, c.cutoff),
      });
    }
  }
  const shifts: ScheduledShift[] = c.shifts.map((s, i) => {
    const start = clockMs + s.startMinutes * 60_000 + s.startSecond * 1000;
    return {
      shiftId: base * 100 + i,
      userId: s.user === null ? null : s.user + 1,
      startsAt: new Date(start).toISOString(),
      endsAt: new Date(start + s.lengthMinutes * 60_000).toISOString(),
      hourlyWageCents: s.wageCentiCents / 100,
    };
  });

  await sql.begin(async (tx) => {
    await tx`select set_config('pipeline.now', ${clock}, true)`;
    for (const s of shifts) {
      await tx`insert into public.scheduled_shifts (sevenshifts_shift_id, location_id,
          business_date, sevenshifts_company_id, sevenshifts_location_id, user_id, starts_at,
          ends_at, hourly_wage_cents, vendor_modified_at)
        values (${s.shiftId}, ${location}, ${today}, ${company}, 1, ${s.userId},
          ${s.startsAt as string}, ${s.endsAt as string}, ${s.hourlyWageCents}, now())`;
    }
    for (const p of punches) {
      await tx`insert into public.punches (sevenshifts_punch_id, location_id,
          sevenshifts_company_id, sevenshifts_location_id, user_id, clocked_in_at,
          clocked_out_at, business_date, unpaid_break_seconds, paid_seconds, hourly_wage_cents,
          approved, deleted, vendor_modified_at, version_hash)
        values (${p.id}, ${location}, ${company}, 1, ${p.user}, ${p.clockedInAt},
          ${p.clockedOutAt}, ${p.businessDate}, 0, ${p.paidSeconds}, ${p.wageCents}, true,
          false, now(), 'projection parity')`;
    }
    await tx`insert into public.orders (toast_order_guid, location_id, business_date,
        net_sales_cents, gross_sales_cents, discount_cents, tax_cents, tip_cents, gratuity_cents,
        deferred_cents, check_count, voided, deleted, excess_food, vendor_modified_at,
        version_hash)
      values (gen_random_uuid(), ${location}, ${today}, ${c.salesSoFar}, 0, 0, 0, 0, 0, 0, 1,
        false, false, false, now(), 'projection parity')`;
  });

  const [m] = await sql`select net_sales_cents::float8 as sales, labor_cost_cents::float8 as cost,
      paid_labor_minutes::float8 as minutes, open_punch_count
    from public.daily_metrics where location_id = ${location} and business_date = ${today}`;
  const slot = slotOf(clock, c.zone, c.cutoff);
  const [row] = await sql`select *, typical_share_bp::float8 as share,
      lowest_share_bp::float8 as lowest, typical_final_sales_cents::float8 as final,
      best_case_net_sales_cents::float8 as bs, best_case_labor_pct_bp::float8 as bp,
      remaining_seconds::float8 as rs, remaining_cost_cents::float8 as rc,
      remaining_overtime_premium_cents::float8 as rp,
      projected_net_sales_cents::float8 as ps, projected_labor_cost_cents::float8 as pc,
      projected_labor_pct_bp::float8 as pp
    from public.day_projections where location_id = ${location} and business_date = ${today}`;
  const where = `case ${JSON.stringify({ ...c, history: undefined })} clock ${clock} day ${today}`;
  if (!row) return `${where}: no day_projections row`;
  const [intraday] = await sql`select net_sales_cents::float8 as sales,
      labor_cost_cents::float8 as cost, paid_labor_minutes::float8 as minutes, open_punch_count
    from public.intraday_metrics
    where location_id = ${location} and business_date = ${today} and slot = ${slot}`;
  if (!intraday || JSON.stringify(intraday) !== JSON.stringify(m)) {
    return `${where}: intraday row ${JSON.stringify(intraday)} ≠ ${JSON.stringify(m)}`;
  }

  const share = typicalShare(history, today, slot);
  const expectedStatus = share.status !== "ok"
    ? share.status
    : shifts.length === 0
    ? "no_schedule"
    : "ok";
  const got = {
    status: row.status,
    slot: row.slot,
    candidateCount: row.candidate_count,
    share: row.share,
    lowest: row.lowest,
    final: row.final,
  };
  const want = {
    status: expectedStatus,
    slot,
    candidateCount: share.candidateCount,
    share: "typicalShareBp" in share ? share.typicalShareBp : null,
    lowest: "lowestShareBp" in share ? share.lowestShareBp : null,
    final: "typicalFinalSalesCents" in share ? share.typicalFinalSalesCents : null,
  };
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    return `${where}: share ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`;
  }
  if (expectedStatus !== "ok" || share.status !== "ok") return null;

  const open = punches.filter((p) => p.clockedOutAt === null && p.businessDate === today)
    .map((p) => ({
      punchId: p.id,
      userId: p.user,
      clockedInAt: p.clockedInAt,
      hourlyWageCents: p.wageCents,
    }));
  const work = remainingWork(shifts, open, clock);
  const premium = remainingOvertimePremium(
    policy,
    punches.map((p) => ({
      punchId: p.id,
      employeeId: p.user,
      clockedInAt: p.clockedInAt,
      paidSeconds: punchPaidSeconds({
        clockedInAt: p.clockedInAt,
        clockedOutAt: p.clockedOutAt,
        unpaidBreakSeconds: 0,
        paidSeconds: p.paidSeconds,
        hourlyWageCents: p.wageCents,
        deleted: false,
      }, clock),
      hourlyWageCents: p.wageCents,
    })),
    work.items,
  );
  const projection = projectClose({
    netSalesCents: m.sales,
    laborCostCents: m.cost,
    typicalShareBp: share.typicalShareBp,
    lowestShareBp: share.lowestShareBp,
    typicalFinalSalesCents: share.typicalFinalSalesCents,
    remainingSeconds: work.remainingSeconds,
    remainingCostCents: work.remainingCostCents,
    remainingOvertimePremiumCents: premium,
  });
  const gotP = [row.rs, row.rc, row.rp, row.ps, row.pc, row.pp, row.bs, row.bp];
  const wantP = [
    work.remainingSeconds,
    work.remainingCostCents,
    premium,
    projection.projectedNetSalesCents,
    projection.projectedLaborCostCents,
    projection.projectedLaborPctBp,
    projection.bestCaseNetSalesCents,
    projection.bestCaseLaborPctBp,
  ];
  if (JSON.stringify(gotP) !== JSON.stringify(wantP)) {
    return `${where}: projection [seconds, cost, premium, sales, cost, pct, best sales, best pct] ` +
      `${JSON.stringify(gotP)} ≠ ${JSON.stringify(wantP)}`;
  }
  const state = nextProjectionState("none", projection.bestCaseLaborPctBp, share.typicalShareBp, {
    laborTargetBp: c.targetBp,
    criticalMarginBp: 500,
    projectionMinShareBp: 3000,
    projectionMarginBp: 100,
  }) ?? "none";
  if (row.state !== state) return `${where}: state ${row.state} ≠ ${state}`;

  // The hint, from the database's own work items (whether or not an alert fired).
  const [h] =
    await sql`select h.target_cost_cents::float8 as target, h.excess_cents::float8 as excess,
      h.sell_more_cents::float8 as sell, h.cut_minutes::float8 as cut, h.cut_possible as possible,
      h.cut_saving_cents::float8 as saving, h.cut_before as before, h.cut_now as now,
      (select json_agg(w order by w.shift_id) from pipeline.remaining_work(${location}, ${today},
        ${clock}) as w) as items
    from pipeline.projection_hint(${projection.projectedNetSalesCents},
      ${projection.projectedLaborCostCents}, ${work.remainingSeconds},
      ${work.remainingCostCents}, ${c.targetBp},
      array(select w from pipeline.remaining_work(${location}, ${today}, ${clock}) as w),
      ${clock}) as h`;
  const items: WorkItem[] = work.items;
  const dbItems = (h.items ?? []).map((i: Record<string, unknown>) => ({
    shiftId: Number(i.shift_id),
    userId: i.user_id === null ? null : Number(i.user_id),
    startS: Number(i.start_s),
    endS: Number(i.end_s),
    hourlyWageCents: Number(i.hourly_wage_cents),
  }));
  if (JSON.stringify(dbItems) !== JSON.stringify(items)) {
    return `${where}: items ${JSON.stringify(dbItems)} ≠ ${JSON.stringify(items)}`;
  }
  const hint = projectionHint(projection, c.targetBp, items, clock);
  const gotH = {
    target: h.target,
    excess: h.excess,
    sell: h.sell,
    cut: h.cut,
    possible: h.possible,
    saving: h.saving,
    before: h.before === null ? null : new Date(h.before).toISOString(),
    now: h.now,
  };
  const wantH = {
    target: hint.targetCostCents,
    excess: hint.excessCents,
    sell: hint.sellMoreCents,
    cut: hint.cutMinutes,
    possible: hint.cutPossible,
    saving: hint.cutSavingCents,
    before: hint.cutBefore,
    now: hint.cutNow,
  };
  if (JSON.stringify(gotH) !== JSON.stringify(wantH)) {
    return `${where}: hint ${JSON.stringify(gotH)} ≠ ${JSON.stringify(wantH)}`;
  }
  if (premium > 0) reached.premium++;
  if (hint.cutPossible && hint.cutMinutes! > 0) reached.cut++;
  if (!hint.cutPossible && hint.cutMinutes !== null) reached.noCut++;
  if (state !== "none") reached.fired++;
  if (items.some((i) => i.startS === epochS(clock))) reached.continued++;
  if (hint.cutNow) cutNowCases++;
  return null;
}

Deno.test("projection parity: the database's projected close, state and hint equal shared/projection.ts", async () => {
  const sql = testDb();
  let ok = 0;
  const statuses = new Map<string, number>();
  try {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const mismatch = await driveCase(sql, c);
        assert.equal(mismatch, null);
        ok++;
      }),
      withSeed({ numRuns: CASES, seed: 19_019 }),
    );
    for (
      const r of await sql`select status, count(*)::int as n from public.day_projections
        join public.locations l on l.id = location_id where l.name like 'projection parity %'
        group by status`
    ) statuses.set(r.status, r.n);
  } finally {
    await sql.end();
  }
  assert.equal(ok, CASES);
  console.log(`reached: ${JSON.stringify(reached)}, cut now: ${cutNowCases}`);
  for (const [what, n] of Object.entries(reached)) assert.ok(n > 0, `no case reached ${what}`);
  // The generators reach every status, and projections that fire.
  for (const s of ["ok", "insufficient_history", "no_schedule"]) {
    assert.ok((statuses.get(s) ?? 0) > 0, `no case with status ${s}: ${[...statuses]}`);
  }
});
