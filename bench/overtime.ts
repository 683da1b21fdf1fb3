/**
 * What an edit that moves overtime costs (issue 18): one location of 50 employees, each with a
 * 60-hour week (six 10-hour days; the crossing falls on the fourth day), over ten earlier weeks
 * of the same. An edit early in the week (Monday's clock-out moved by a minute: the crossing
 * moves, so Thursday, where it falls, is recomputed with Monday) against an edit of the same
 * shape that moves no crossing (Saturday's: all overtime already, only its own day), one
 * transaction each, alternating, timed from the client; the ratio of the p50s is the target
 * (≤ 1.5): the recompute follows the days that change, not the size of the week or the history.
 * Both edit the same table through the same triggers; set-up is plain SQL, untimed.
 *
 * @module
 */
import type postgres from "postgres";
import { round, summarize } from "./stats.ts";

/** What the overtime edit measurement found. */
export interface OvertimeEditFigures {
  employees: number;
  weeksOfHistory: number;
  edits: number;
  /** ms per edit transaction. */
  movesOvertime: { p50: number; p99: number };
  noOvertime: { p50: number; p99: number };
  /** p50 of the overtime-moving edit ÷ p50 of the other. */
  ratio: number | null;
  /** Days recomputed per edit (recompute_count growth ÷ edits), each kind. */
  daysPerEdit: { movesOvertime: number; noOvertime: number };
}

/** Sets up the location and measures `edits` edits of each kind. */
export async function measureOvertimeEdits(
  sql: postgres.Sql,
  opts: { edits: number; weeksOfHistory?: number },
): Promise<OvertimeEditFigures> {
  const weeks = opts.weeksOfHistory ?? 10;
  const company = 4_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const [loc] = await sql`insert into public.locations (name, time_zone, sevenshifts_company_id,
      sevenshifts_location_id, alerts_enabled)
    values (${"bench overtime " + company}, 'America/Chicago', ${company}, 1, false)
    returning id::int`;
  // The current week starts on the Monday before last (closed days, so no open punch accrues).
  const monday = new Date();
  monday.setUTCHours(0, 0, 0, 0);
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7) - 7);
  const base = monday.getTime() - weeks * 7 * 86_400_000;
  const idBase = company * 10;
  // 50 employees with six 10-hour days; this week and `weeks` before it.
  await sql`
    insert into public.punches (sevenshifts_punch_id, location_id, sevenshifts_company_id,
      sevenshifts_location_id, user_id, clocked_in_at, clocked_out_at, business_date,
      unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
      vendor_modified_at, version_hash)
    select ${idBase}::bigint + w * 1000 + e * 10 + d, ${loc.id}, ${company}, 1, e,
      t, t + interval '10 hours', (t at time zone 'America/Chicago')::date, 0, 36000, 2000,
      true, false, now(), 'bench overtime'
    from generate_series(0, ${weeks}) as w,
      generate_series(1, 50) as e,
      generate_series(0, 5) as d,
      lateral (select to_timestamp(${base / 1000}::double precision + w * 604800 + d * 86400
        + 15 * 3600) as t) as at`;
  await sql`vacuum analyze public.punches`;
  const thisWeek = weeks;
  const punchOf = (employee: number, day: number) =>
    idBase + thisWeek * 1000 + employee * 10 +
    day;
  const recomputes = async () =>
    Number(
      (await sql`select coalesce(sum(recompute_count), 0)::bigint as n
      from public.daily_metrics where location_id = ${loc.id}`)[0].n,
    );
  const timings = { movesOvertime: [] as number[], noOvertime: [] as number[] };
  const days = { movesOvertime: 0, noOvertime: 0 };
  for (let i = 0; i < opts.edits * 2; i++) {
    const kind = i % 2 === 0 ? "movesOvertime" : "noOvertime";
    const employee = 1 + Math.floor(i / 2) % 50;
    const day = kind === "movesOvertime" ? 0 : 5; // Monday, or Saturday
    const sign = Math.floor(i / 100) % 2 === 0 ? 1 : -1;
    const before = await recomputes();
    const t0 = performance.now();
    await sql`update public.punches
      set clocked_out_at = clocked_out_at + ${sign} * interval '1 minute',
        paid_seconds = paid_seconds + ${sign * 60}, updated_at = now()
      where sevenshifts_punch_id = ${punchOf(employee, day)}`;
    timings[kind].push(performance.now() - t0);
    days[kind] += (await recomputes()) - before;
  }
  const a = summarize(timings.movesOvertime);
  const b = summarize(timings.noOvertime);
  await sql`delete from public.punches where sevenshifts_company_id = ${company}`;
  await sql`delete from public.daily_metrics where location_id = ${loc.id}`;
  return {
    employees: 50,
    weeksOfHistory: weeks,
    edits: opts.edits,
    movesOvertime: { p50: round(a.p50, 2), p99: round(a.p99, 2) },
    noOvertime: { p50: round(b.p50, 2), p99: round(b.p99, 2) },
    ratio: b.p50 > 0 ? round(a.p50 / b.p50, 2) : null,
    daysPerEdit: {
      movesOvertime: round(days.movesOvertime / opts.edits, 2),
      noOvertime: round(days.noOvertime / opts.edits, 2),
    },
  };
}
