/**
 * Parity: shared/transformations.ts and the database agree on every figure, on the path that
 * writes public.daily_metrics in production. Generated days are driven through real
 * statements on public.orders, public.order_refunds and public.punches (inserts, updates,
 * row deletes with their cascades, moves to another day or location, a punch moved to an
 * unmapped place, refunds added, changed, moved and removed), over several transactions per
 * batch, each at its own clock (`pipeline.now`); the triggers queue each touched day and
 * recompute it at commit from the running order totals (pipeline.write_daily_metrics). Then
 * every day's row must equal computeDailyMetrics over that day's final rows at the clock of
 * the last transaction that touched it, `as_of` must be that clock and `recompute_count` the
 * number of transactions that touched the day. 10,000 days and more, batched (many days per
 * statement, one batch per fast-check run); the seed is replayable (tests/_support/property.ts).
 * A failing batch is not shrunk (each step is thousands of rows); the message names the first
 * day that differs, with its rows and the clock.
 *
 * JSON goes to Postgres as `$1::text::jsonb`: a text parameter reaches the server verbatim
 * (postgres.js would JSON-encode a string bound to a jsonb parameter a second time).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type postgres from "postgres";
import { divideRoundHalfAwayBig } from "../../shared/rounding.ts";
import {
  computeDailyMetrics,
  type DailyMetrics,
  type DayInputs,
  type DayOrder,
  type DayPunch,
  epochSeconds,
  MAX_OPEN_SHIFT_SECONDS,
} from "../../shared/transformations.ts";
import { testDb } from "../_support/env.ts";
import { withSeed } from "../_support/property.ts";

const DAY_MS = 86_400_000;
const BASE_MS = Date.UTC(2026, 10, 28, 8);

/** Figures as text (null stays null): bigint columns compared exactly, without JS numbers. */
type FiguresText = { [K in keyof DailyMetrics]: string | null };

function expectedText(m: DailyMetrics): FiguresText {
  const out = {} as FiguresText;
  for (const [k, v] of Object.entries(m)) {
    out[k as keyof DailyMetrics] = v === null ? null : String(v);
  }
  return out;
}

const FIGURE_COLUMNS = `
  m.net_sales_cents::text as "netSalesCents",
  m.refund_cents::text as "refundCents",
  m.labor_cost_cents::text as "laborCostCents",
  m.paid_labor_seconds::text as "paidLaborSeconds",
  m.paid_labor_minutes::text as "paidLaborMinutes",
  m.labor_pct_bp::text as "laborPctBp",
  m.cplh_cents::text as "cplhCents",
  m.splh_cents::text as "splhCents",
  m.order_count::text as "orderCount",
  m.punch_count::text as "punchCount",
  m.open_punch_count::text as "openPunchCount",
  m.overtime_minutes::text as "overtimeMinutes",
  m.overtime_premium_cents::text as "overtimePremiumCents"`;

const iso = (ms: number) => new Date(ms).toISOString();

// Amounts: everyday values, the edges (0, 1 ¢, negative), and orders big enough that a day
// sums past $10M.
const arbSalesCents = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 250_000 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, -1, 2, 20_000, 99_999_999) },
  { weight: 1, arbitrary: fc.integer({ min: -50_000, max: -1 }) },
  { weight: 2, arbitrary: fc.integer({ min: 100_000_000, max: 900_000_000 }) },
);

const arbOrder: fc.Arbitrary<DayOrder> = fc.record({
  netSalesCents: arbSalesCents,
  voided: fc.constantFrom(false, false, false, true),
  deleted: fc.constantFrom(false, false, false, false, true),
  excessFood: fc.constantFrom(false, false, false, false, false, true),
});

// Wages in cents exact to a hundredth of a cent (at most two decimals, as shared/sevenshifts.ts
// keeps them: $15.125 is 1512.5 ¢): whole cents, fractional cents, and the halves they make.
const arbWage = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 6_000 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 3, 725, 1_800, 1_801) },
  { weight: 1, arbitrary: fc.integer({ min: 6_000, max: 200_000 }) },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 0, max: 600_000 }).map((hundredths) => hundredths / 100),
  },
  { weight: 1, arbitrary: fc.constantFrom(0.01, 0.5, 1512.5, 1512.55, 1.01, 0.99, 2_499.99) },
);

/** A punch around the day: open or closed, ingested paid seconds or derived, odd instants. */
const arbPunch: fc.Arbitrary<DayPunch> = fc.record({
  inMs: fc.integer({ min: -6 * 3_600_000, max: DAY_MS }),
  lengthMs: fc.oneof(
    fc.integer({ min: 0, max: 14 * 3_600_000 }),
    fc.constantFrom(0, 999, 1_000, 1_800_000, 3_600_000, 7_200_000),
    fc.integer({ min: 14 * 3_600_000, max: 30 * 3_600_000 }),
  ),
  closed: fc.constantFrom(true, true, true, false),
  paidMode: fc.constantFrom("derived", "derived", "ingested", "missing"),
  ingestedPaid: fc.oneof(
    fc.integer({ min: 0, max: 86_400 }),
    fc.constantFrom(0, 1, 60, 90, 1_800, 3_600, 7_200),
  ),
  unpaidBreakSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 7_200 })),
  hourlyWageCents: arbWage,
  deleted: fc.constantFrom(false, false, false, false, true),
}).map((p): DayPunch => {
  const clockedInAt = iso(BASE_MS + p.inMs);
  const out = iso(BASE_MS + p.inMs + p.lengthMs);
  const derived = Math.max(0, epochSeconds(out) - epochSeconds(clockedInAt) - p.unpaidBreakSeconds);
  return {
    clockedInAt,
    clockedOutAt: p.closed ? out : null,
    paidSeconds: !p.closed || p.paidMode === "missing"
      ? null
      : p.paidMode === "ingested"
      ? p.ingestedPaid
      : derived,
    unpaidBreakSeconds: p.unpaidBreakSeconds,
    hourlyWageCents: p.hourlyWageCents,
    deleted: p.deleted,
  };
});

/**
 * Days built to land exactly on rounding halves: 1,800 s × an odd wage (a punch's cost is
 * k + ½ ¢), 90 s (1.5 paid minutes), 7,200 s (CPLH and SPLH of an odd amount end in ½), and
 * 20,000 ¢ of sales with an odd labor cost (labor % ends in ½ bp); refunds push net sales
 * negative so the halves are also met below zero.
 */
const arbHalfDay: fc.Arbitrary<DayInputs> = fc.record({
  sales: fc.constantFrom(0, 1, 20_000, 40_000, 3, 7_201),
  refund: fc.constantFrom(0, 0, 1, 20_001, 40_003),
  punches: fc.array(
    fc.record({
      paid: fc.constantFrom(90, 1_800, 3_600, 7_200, 1_799, 1_801),
      wage: fc.constantFrom(1, 3, 5, 725, 1_801, 0.5, 1.5, 1512.5),
    }),
    { maxLength: 3 },
  ),
}).map(({ sales, refund, punches }) => ({
  orders: [{ netSalesCents: sales, voided: false, deleted: false, excessFood: false }],
  refunds: [{ refundCents: refund }],
  punches: punches.map((p) => ({
    clockedInAt: iso(BASE_MS),
    clockedOutAt: iso(BASE_MS + p.paid * 1000),
    paidSeconds: p.paid,
    unpaidBreakSeconds: 0,
    hourlyWageCents: p.wage,
    deleted: false,
  })),
  asOf: iso(BASE_MS + DAY_MS),
}));

// ---------------------------------------------------------------------------------------
// Scenarios: rows with a life over a batch's transactions, driven through the tables
// ---------------------------------------------------------------------------------------

/**
 * A batch's days: day index d is location `d % LOCATIONS` of the batch, business date
 * FIRST_DATE + ⌊d / LOCATIONS⌋. The business date is a column the tables take as given (the
 * ingest derives it), so the punches' instants all lie around BASE_MS, where the batch's
 * clocks meet open punches before, during and past their 16 h cap.
 */
const LOCATIONS = 2;
const FIRST_DATE_MS = Date.UTC(2026, 0, 1);
const TRANSACTIONS = 4;
const DAYS_PER_BATCH = 1_050;
const BATCHES = 10;

/** Where a change takes a row: nowhere, to another day (or location), or (a punch) unmapped. */
type Move = { to: "stay" } | { to: "day"; day: number } | { to: "held" };
/** A change at one transaction: a new version of the row (possibly moved), or a row delete. */
type Change<V> = { kind: "update"; version: V; move: Move } | { kind: "delete" };

/**
 * A row: inserted by transaction `born` on day `day` (null: a punch held for an unmapped
 * place), then changed by `changes[t]` in each later transaction t that has one.
 */
interface Life<V> {
  born: number;
  day: number | null;
  version: V;
  changes: ReadonlyArray<Change<V> | null>;
}

interface RefundVersion {
  refundCents: number;
}

/** A batch: its days, the clock of each transaction, and every row's life. */
interface Scenario {
  days: number;
  clocks: string[];
  orders: Life<DayOrder>[];
  /** A refund belongs to `orders[carrier]`: deleting that order deletes it (cascade). */
  refunds: Array<Life<RefundVersion> & { carrier: number }>;
  punches: Life<DayPunch>[];
}

/** What the batch's run saw, for the coverage check. */
interface Coverage {
  days: number;
  moved: number;
  held: number;
  rowDeletes: number;
  cascadedRefunds: number;
  touchedTwice: number;
  zeroSales: number;
  negativeSales: number;
  over10M: number;
  zeroPaid: number;
  openPunches: number;
}

const emptyCoverage = (): Coverage => ({
  days: 0,
  moved: 0,
  held: 0,
  rowDeletes: 0,
  cascadedRefunds: 0,
  touchedTwice: 0,
  zeroSales: 0,
  negativeSales: 0,
  over10M: 0,
  zeroPaid: 0,
  openPunches: 0,
});

const ORDER_COLUMNS = `o (guid uuid, location bigint, date date, cents bigint, voided boolean,
  deleted boolean, "excessFood" boolean)`;
const REFUND_COLUMNS = `r (guid uuid, payment text, location bigint, date date, cents bigint)`;
const PUNCH_COLUMNS = `p (id bigint, location bigint, date date, "clockedInAt" timestamptz,
  "clockedOutAt" timestamptz, "unpaidBreakSeconds" bigint, "paidSeconds" bigint,
  "hourlyWageCents" numeric, deleted boolean)`;

/** One transaction's statements, in the order they run (each one statement for many days). */
const STATEMENTS = {
  insertOrders: `insert into public.orders (toast_order_guid, location_id, business_date,
      net_sales_cents, gross_sales_cents, discount_cents, tax_cents, tip_cents, gratuity_cents,
      deferred_cents, check_count, voided, deleted, excess_food, vendor_modified_at,
      version_hash)
    select o.guid, o.location, o.date, o.cents, o.cents, 0, 0, 0, 0, 0, 1, o.voided, o.deleted,
      o."excessFood", now(), 'parity'
    from jsonb_to_recordset($1::text::jsonb) as ${ORDER_COLUMNS}`,
  updateOrders: `update public.orders as t set location_id = o.location,
      business_date = o.date, net_sales_cents = o.cents, gross_sales_cents = o.cents,
      voided = o.voided, deleted = o.deleted, excess_food = o."excessFood", updated_at = now()
    from jsonb_to_recordset($1::text::jsonb) as ${ORDER_COLUMNS}
    where t.toast_order_guid = o.guid`,
  insertRefunds: `insert into public.order_refunds (toast_order_guid, payment_guid,
      location_id, refund_business_date, refund_cents, tip_refund_cents)
    select r.guid, r.payment, r.location, r.date, r.cents, 0
    from jsonb_to_recordset($1::text::jsonb) as ${REFUND_COLUMNS}`,
  updateRefunds: `update public.order_refunds as t set location_id = r.location,
      refund_business_date = r.date, refund_cents = r.cents
    from jsonb_to_recordset($1::text::jsonb) as ${REFUND_COLUMNS}
    where t.toast_order_guid = r.guid and t.payment_guid = r.payment`,
  deleteRefunds: `delete from public.order_refunds as t
    using jsonb_to_recordset($1::text::jsonb) as ${REFUND_COLUMNS}
    where t.toast_order_guid = r.guid and t.payment_guid = r.payment`,
  // Cascades to the orders' refunds.
  deleteOrders: `delete from public.orders as t
    using jsonb_to_recordset($1::text::jsonb) as ${ORDER_COLUMNS}
    where t.toast_order_guid = o.guid`,
  insertPunches: `insert into public.punches (sevenshifts_punch_id, location_id,
      sevenshifts_company_id, sevenshifts_location_id, clocked_in_at, clocked_out_at,
      business_date, unpaid_break_seconds, paid_seconds, hourly_wage_cents, approved, deleted,
      vendor_modified_at, version_hash)
    select p.id, p.location, 1, 1, p."clockedInAt", p."clockedOutAt", p.date,
      p."unpaidBreakSeconds", p."paidSeconds", p."hourlyWageCents", true, p.deleted, now(),
      'parity'
    from jsonb_to_recordset($1::text::jsonb) as ${PUNCH_COLUMNS}`,
  updatePunches: `update public.punches as t set location_id = p.location,
      business_date = p.date, clocked_in_at = p."clockedInAt",
      clocked_out_at = p."clockedOutAt", unpaid_break_seconds = p."unpaidBreakSeconds",
      paid_seconds = p."paidSeconds", hourly_wage_cents = p."hourlyWageCents",
      deleted = p.deleted, updated_at = now()
    from jsonb_to_recordset($1::text::jsonb) as ${PUNCH_COLUMNS}
    where t.sevenshifts_punch_id = p.id`,
  deletePunches: `delete from public.punches as t
    using jsonb_to_recordset($1::text::jsonb) as ${PUNCH_COLUMNS}
    where t.sevenshifts_punch_id = p.id`,
} as const;
type Statement = keyof typeof STATEMENTS;

/** A random 62-bit 7shifts punch id (as text): unique across the tests sharing the database. */
const randomPunchId = () => (crypto.getRandomValues(new BigUint64Array(1))[0] >> 2n).toString();

const dateOf = (day: number) =>
  new Date(FIRST_DATE_MS + Math.floor(day / LOCATIONS) * DAY_MS).toISOString().slice(0, 10);

function moved(day: number | null, move: Move): number | null {
  return move.to === "stay" ? day : move.to === "held" ? null : move.day;
}

/**
 * Runs the scenario's transactions against new locations, keeping the same rows in a model,
 * then compares every day the transactions touched with TypeScript. Returns the first
 * difference (null when none) and what the batch covered.
 */
async function driveScenario(
  sql: postgres.Sql,
  sc: Scenario,
): Promise<{ mismatch: string | null; coverage: Coverage; figures: Map<number, FiguresText> }> {
  const locations: number[] = [];
  for (let i = 0; i < LOCATIONS; i++) {
    const [loc] = await sql`insert into public.locations (name, alerts_enabled)
      values (${`parity ${i}`}, false) returning id::int`;
    locations.push(loc.id);
  }
  const place = (day: number | null) =>
    day === null
      ? { location: null, date: null }
      : { location: locations[day % LOCATIONS], date: dateOf(day) };
  const guids = sc.orders.map(() => crypto.randomUUID());
  const payments = sc.refunds.map(() => crypto.randomUUID());
  const punchIds = sc.punches.map(() => randomPunchId());
  const orderRow = (i: number, day: number | null, v: DayOrder) => ({
    guid: guids[i],
    ...place(day),
    cents: v.netSalesCents,
    voided: v.voided,
    deleted: v.deleted,
    excessFood: v.excessFood,
  });
  const refundRow = (i: number, day: number | null, v: RefundVersion) => ({
    guid: guids[sc.refunds[i].carrier],
    payment: payments[i],
    ...place(day),
    cents: v.refundCents,
  });
  const punchRow = (i: number, day: number | null, v: DayPunch) => ({
    id: punchIds[i],
    ...place(day),
    ...v,
  });

  // The model: each live row's day and version, as the statements leave them.
  const orders = new Map<number, { day: number | null; version: DayOrder }>();
  const refunds = new Map<number, { day: number | null; version: RefundVersion }>();
  const punches = new Map<number, { day: number | null; version: DayPunch }>();
  const lastTx = new Map<number, number>();
  const touches = new Map<number, number>();
  const coverage = emptyCoverage();

  for (const [t, clock] of sc.clocks.entries()) {
    const touched = new Set<number>();
    const touch = (...days: Array<number | null>) => {
      for (const d of days) if (d !== null) touched.add(d);
    };
    const plan: Record<Statement, unknown[]> = {
      insertOrders: [],
      updateOrders: [],
      insertRefunds: [],
      updateRefunds: [],
      deleteRefunds: [],
      deleteOrders: [],
      insertPunches: [],
      updatePunches: [],
      deletePunches: [],
    };
    /**
     * Transaction t's inserts, updates (moves included) and row deletes of one table, planned
     * and applied to the model. A row is inserted only if `exists` (a refund's order is
     * there); `removeLater` collects the rows to delete instead of removing them at once.
     */
    const lives = <V>(
      all: ReadonlyArray<Life<V>>,
      live: Map<number, { day: number | null; version: V }>,
      row: (i: number, day: number | null, v: V) => unknown,
      statements: { insert: Statement; update: Statement; remove: Statement },
      opts: { exists?: (i: number) => boolean; removeLater?: Set<number> } = {},
    ) => {
      for (const [i, life] of all.entries()) {
        if (life.born === t) {
          if (opts.exists && !opts.exists(i)) continue;
          live.set(i, { day: life.day, version: life.version });
          touch(life.day);
          plan[statements.insert].push(row(i, life.day, life.version));
          continue;
        }
        const now = live.get(i);
        const change = life.changes[t];
        if (!now || t < life.born || !change) continue;
        touch(now.day);
        if (change.kind === "delete") {
          coverage.rowDeletes++;
          plan[statements.remove].push(row(i, now.day, now.version));
          if (opts.removeLater) opts.removeLater.add(i);
          else live.delete(i);
          continue;
        }
        const day = moved(now.day, change.move);
        if (day !== now.day) coverage.moved++;
        if (day === null) coverage.held++;
        touch(day);
        live.set(i, { day, version: change.version });
        plan[statements.update].push(row(i, day, change.version));
      }
    };
    // The orders' deletes run after the refunds' statements (the order of STATEMENTS): a
    // refund can be added to an order deleted in the same transaction, and goes with it.
    const orderDeletes = new Set<number>();
    lives(sc.orders, orders, orderRow, {
      insert: "insertOrders",
      update: "updateOrders",
      remove: "deleteOrders",
    }, { removeLater: orderDeletes });
    lives(sc.refunds, refunds, refundRow, {
      insert: "insertRefunds",
      update: "updateRefunds",
      remove: "deleteRefunds",
    }, { exists: (i) => orders.has(sc.refunds[i].carrier) });
    for (const i of orderDeletes) {
      orders.delete(i);
      for (const [r, refund] of refunds) {
        if (sc.refunds[r].carrier !== i) continue;
        refunds.delete(r);
        touch(refund.day);
        coverage.cascadedRefunds++;
      }
    }
    lives(sc.punches, punches, punchRow, {
      insert: "insertPunches",
      update: "updatePunches",
      remove: "deletePunches",
    });

    await sql.begin(async (tx) => {
      await tx`select set_config('pipeline.now', ${clock}, true)`;
      for (const [statement, rows] of Object.entries(plan)) {
        if (rows.length === 0) continue;
        await tx.unsafe(STATEMENTS[statement as Statement], [JSON.stringify(rows)]);
      }
    });
    for (const d of touched) {
      lastTx.set(d, t);
      touches.set(d, (touches.get(d) ?? 0) + 1);
    }
  }

  // Every day's final rows, and what TypeScript makes of them at its last clock.
  const inputs = new Map<
    number,
    { orders: DayOrder[]; refunds: RefundVersion[]; punches: DayPunch[]; asOf: string }
  >();
  const inputsOf = (d: number) => {
    let day = inputs.get(d);
    if (!day) {
      inputs.set(
        d,
        day = { orders: [], refunds: [], punches: [], asOf: sc.clocks[lastTx.get(d)!] },
      );
    }
    return day;
  };
  for (const o of orders.values()) {
    if (o.day !== null && touches.has(o.day)) inputsOf(o.day).orders.push(o.version);
  }
  for (const r of refunds.values()) {
    if (r.day !== null && touches.has(r.day)) inputsOf(r.day).refunds.push(r.version);
  }
  for (const p of punches.values()) {
    if (p.day !== null && touches.has(p.day)) inputsOf(p.day).punches.push(p.version);
  }

  const rows = await sql.unsafe(
    `select m.location_id::int as location, m.business_date::text as date,
       (extract(epoch from m.as_of) * 1000)::bigint::text as "asOfMs",
       m.recompute_count::int as recomputes, ${FIGURE_COLUMNS}
     from public.daily_metrics as m where m.location_id = any($1::bigint[])`,
    [locations],
  );
  let mismatch: string | null = null;
  const seen = new Set<number>();
  const figuresByDay = new Map<number, FiguresText>();
  for (const r of rows) {
    const { location, date, asOfMs, recomputes, ...figures } = r;
    const day = ((Date.parse(date) - FIRST_DATE_MS) / DAY_MS) * LOCATIONS +
      locations.indexOf(location);
    seen.add(day);
    figuresByDay.set(day, { ...figures } as unknown as FiguresText);
    if (!touches.has(day)) {
      mismatch ??= `day ${day} (${date}) has figures but no transaction touched it`;
      continue;
    }
    const clock = sc.clocks[lastTx.get(day)!];
    const dayInputs = inputs.get(day) ?? { orders: [], refunds: [], punches: [], asOf: clock };
    const m = computeDailyMetrics(dayInputs);
    const want = {
      ...expectedText(m),
      asOfMs: String(Date.parse(clock)),
      recomputes: touches.get(day),
    };
    const got = { ...figures, asOfMs, recomputes };
    if (
      JSON.stringify(Object.entries(got).sort()) !== JSON.stringify(Object.entries(want).sort())
    ) {
      mismatch ??=
        `day ${day} (location ${day % LOCATIONS}, ${date}), last touched at ${clock}:\n` +
        `  rows: ${JSON.stringify(dayInputs)}\n  TS:  ${JSON.stringify(want)}\n  SQL: ${
          JSON.stringify(got)
        }`;
    }
    coverage.days++;
    if (touches.get(day)! > 1) coverage.touchedTwice++;
    if (m.netSalesCents === 0) coverage.zeroSales++;
    if (m.netSalesCents < 0) coverage.negativeSales++;
    if (m.netSalesCents > 1_000_000_000) coverage.over10M++;
    if (m.paidLaborSeconds === 0) coverage.zeroPaid++;
    if (m.openPunchCount > 0) coverage.openPunches++;
  }
  for (const day of touches.keys()) {
    if (!seen.has(day)) mismatch ??= `day ${day} (${dateOf(day)}) was touched but has no figures`;
  }
  return { mismatch, coverage, figures: figuresByDay };
}

const arbMove = (held: boolean): fc.Arbitrary<Move> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant<Move>({ to: "stay" }) },
    {
      weight: 2,
      arbitrary: fc.nat({ max: DAYS_PER_BATCH - 1 }).map((day): Move => ({ to: "day", day })),
    },
    { weight: held ? 1 : 0, arbitrary: fc.constant<Move>({ to: "held" }) },
  );

/** A row's life: born in the first transaction mostly, then changed, moved or deleted. */
function arbLife<V>(version: fc.Arbitrary<V>, held = false) {
  const change: fc.Arbitrary<Change<V>> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant("update" as const), version, move: arbMove(held) }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: "delete" as const }) },
  );
  return fc.record({
    born: fc.oneof(
      { weight: 8, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: TRANSACTIONS - 1 }) },
    ),
    version,
    // Most rows are left alone by most transactions: a later transaction touches some days.
    changes: fc.array(
      fc.oneof({ weight: 14, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: change }),
      {
        minLength: TRANSACTIONS,
        maxLength: TRANSACTIONS,
      },
    ),
  });
}

const arbRefundVersion = fc.record({
  refundCents: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(0, 1, 20_001)),
});

/** The rows first written on one day (each may later change, move or go). */
const arbDayRows = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: arbLife(arbOrder).map((life) => ({ table: "orders" as const, life })) },
    {
      weight: 4,
      arbitrary: arbLife(arbPunch, true).map((life) => ({ table: "punches" as const, life })),
    },
    {
      weight: 1,
      arbitrary: fc.record({ life: arbLife(arbRefundVersion), carrier: fc.nat() })
        .map(({ life, carrier }) => ({ table: "refunds" as const, life, carrier })),
    },
  ),
  { minLength: 1, maxLength: 10 },
);
type DayRows = typeof arbDayRows extends fc.Arbitrary<infer T> ? T : never;

/** A day of rows, or a day of fixed inputs (written once, never changed). */
type DayContent = { rows: DayRows } | { inputs: DayInputs; born?: number };

/** A whole batch: DAYS_PER_BATCH days and the clock of each transaction. */
const arbBatch = fc.record({
  days: fc.array(
    fc.oneof(
      { weight: 4, arbitrary: arbDayRows.map((rows): DayContent => ({ rows })) },
      { weight: 1, arbitrary: arbHalfDay.map((inputs): DayContent => ({ inputs })) },
    ),
    { minLength: DAYS_PER_BATCH, maxLength: DAYS_PER_BATCH },
  ),
  // The clocks: before clock-ins, mid-shift, past the 16 h cap, days later; in any order.
  clocks: fc.array(
    fc.integer({ min: -8 * 3_600_000, max: 3 * DAY_MS }).map((ms) => iso(BASE_MS + ms)),
    { minLength: TRANSACTIONS, maxLength: TRANSACTIONS },
  ),
});

const still = <V>(): Array<Change<V> | null> => [];

/**
 * The scenario of `days` (day index = position) under `clocks`. Fixed inputs become rows born
 * in transaction `born` (default 0) that never change; their refunds are carried by an order
 * of their own that does not count (deleted), so no other day's change can take them away.
 * A generated refund belongs to any order of the batch (an order of another day, one that
 * moves or is deleted): its `carrier` picks it.
 */
function scenarioOf(days: readonly DayContent[], clocks: string[]): Scenario {
  const sc: Scenario = { days: days.length, clocks, orders: [], refunds: [], punches: [] };
  const refundsToCarry: Array<{ life: Life<RefundVersion>; carrier: number }> = [];
  for (const [day, content] of days.entries()) {
    if ("inputs" in content) {
      const born = content.born ?? 0;
      for (const version of content.inputs.orders) {
        sc.orders.push({ born, day, version, changes: still() });
      }
      for (const version of content.inputs.punches) {
        sc.punches.push({ born, day, version, changes: still() });
      }
      if (content.inputs.refunds.length > 0) {
        const carrier = sc.orders.length;
        sc.orders.push({
          born,
          day,
          version: { netSalesCents: 0, voided: false, deleted: true, excessFood: false },
          changes: still(),
        });
        for (const version of content.inputs.refunds) {
          sc.refunds.push({ born, day, version, changes: still(), carrier });
        }
      }
      continue;
    }
    for (const row of content.rows) {
      if (row.table === "orders") sc.orders.push({ ...row.life, day });
      else if (row.table === "punches") sc.punches.push({ ...row.life, day });
      else refundsToCarry.push({ life: { ...row.life, day }, carrier: row.carrier });
    }
  }
  for (const { life, carrier } of refundsToCarry) {
    if (sc.orders.length > 0) sc.refunds.push({ ...life, carrier: carrier % sc.orders.length });
  }
  return sc;
}

Deno.test("parity: the SQL open-shift cap is the TypeScript one", async () => {
  const sql = testDb();
  try {
    const [row] = await sql`select pipeline.max_open_shift_seconds() as cap`;
    assert.equal(row.cap, MAX_OPEN_SHIFT_SECONDS);
  } finally {
    await sql.end();
  }
});

Deno.test("parity: pipeline.round_half_away equals the TypeScript rule, halves included", async () => {
  const sql = testDb();
  try {
    // Random pairs up to 2^80 / 2^60, plus pairs built to sit exactly on a half.
    const arbPair = fc.oneof(
      fc.tuple(
        fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
        fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }).filter((d) => d !== 0n),
      ),
      fc.tuple(
        fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
        fc.bigInt({ min: 1n, max: 2n ** 30n }),
        fc.boolean(),
      ).map(([k, h, negative]): [bigint, bigint] => {
        const d = 2n * h; // even, so k·d + h is exactly k + ½ of d
        return [k * d + h, negative ? -d : d];
      }),
      fc.tuple(fc.integer({ min: -10, max: 10 }), fc.integer({ min: -4, max: 4 }))
        .filter(([, d]) => d !== 0)
        .map(([n, d]): [bigint, bigint] => [BigInt(n), BigInt(d)]),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(arbPair, { minLength: 1_000, maxLength: 1_000 }), async (pairs) => {
        const rows = await sql.unsafe(
          `select pipeline.round_half_away((p ->> 0)::numeric, (p ->> 1)::numeric)::text as q
           from jsonb_array_elements($1::text::jsonb) with ordinality as x (p, i) order by x.i`,
          [JSON.stringify(pairs.map(([n, d]) => [n.toString(), d.toString()]))],
        );
        for (const [i, [n, d]] of pairs.entries()) {
          assert.equal(rows[i].q, divideRoundHalfAwayBig(n, d).toString(), `${n} / ${d}`);
        }
      }),
      withSeed({ seed: 20261128, numRuns: 10, endOnFailure: true }),
    );
  } finally {
    await sql.end();
  }
});

Deno.test("parity: 10,000 generated days driven through inserts, updates, deletes, moves and refunds, over several transactions and clocks: public.daily_metrics equals TypeScript", async () => {
  const sql = testDb();
  const total = emptyCoverage();
  try {
    await fc.assert(
      fc.asyncProperty(arbBatch, async (batch) => {
        const { mismatch, coverage } = await driveScenario(
          sql,
          scenarioOf(batch.days, batch.clocks),
        );
        assert.equal(mismatch, null, mismatch ?? "");
        for (const k of Object.keys(total) as Array<keyof Coverage>) total[k] += coverage[k];
      }),
      withSeed({ seed: 42, numRuns: BATCHES, endOnFailure: true }),
    );
    assert.ok(total.days >= 10_000, `checked ${total.days} days`);
    // The generator really reaches the edges and the shapes of change it is meant to.
    for (const [edge, count] of Object.entries(total)) assert.ok(count > 50, `${edge}: ${count}`);
  } finally {
    await sql.end();
  }
});

Deno.test("parity: the edges, one by one, through the tables", async () => {
  const sql = testDb();
  const at = (h: number) => iso(BASE_MS + h * 3_600_000);
  const punch = (paid: number, wage: number): DayPunch => ({
    clockedInAt: at(0),
    clockedOutAt: at(paid / 3600),
    paidSeconds: paid,
    unpaidBreakSeconds: 0,
    hourlyWageCents: wage,
    deleted: false,
  });
  const sale = (netSalesCents: number): DayOrder => ({
    netSalesCents,
    voided: false,
    deleted: false,
    excessFood: false,
  });
  const day = (over: Partial<DayInputs>): DayInputs => ({
    orders: [],
    refunds: [],
    punches: [],
    asOf: at(24),
    ...over,
  });
  const edges: DayInputs[] = [
    day({}), // nothing at all
    day({ orders: [sale(0)] }), // zero sales
    day({ punches: [punch(3_600, 1_500)] }), // labor, no sales
    day({ orders: [sale(1)] }), // a single cent
    day({ orders: [sale(1)], punches: [punch(1, 1)] }),
    day({ orders: [sale(20_000)], punches: [punch(3_600, 1)] }), // ½ bp
    day({ punches: [punch(1_800, 1)] }), // ½ ¢ of labor
    day({ punches: [punch(90, 0)] }), // 1.5 paid minutes, zero wage
    day({ refunds: [{ refundCents: 1 }], punches: [punch(7_200, 1)] }), // SPLH −½
    day({
      orders: Array.from({ length: 12 }, () => sale(99_999_999)),
      punches: [punch(57_600, 100_000), punch(57_600, 100_000)],
    }), // $11,999,999.88 of sales
    day({
      punches: [{ ...punch(0, 2_000), clockedOutAt: null, paidSeconds: null }],
      asOf: at(40),
    }), // an open punch past the cap
  ];
  try {
    // Each edge in a transaction of its own, at its own clock.
    const { mismatch, figures } = await driveScenario(
      sql,
      scenarioOf(
        edges.map((inputs, i) => ({ inputs, born: i })),
        edges.map((e) => iso(Date.parse(String(e.asOf)))),
      ),
    );
    assert.equal(mismatch, null, mismatch ?? "");
    // A day with no rows at all is never written; the others are, worked out by hand.
    assert.equal(figures.get(0), undefined);
    assert.equal(figures.get(1)?.laborPctBp, null);
    assert.equal(figures.get(1)?.cplhCents, null);
    assert.equal(figures.get(5)?.laborPctBp, "1");
    assert.equal(figures.get(6)?.laborCostCents, "1");
    assert.equal(figures.get(7)?.paidLaborMinutes, "2");
    assert.equal(figures.get(8)?.splhCents, "-1");
    assert.equal(figures.get(9)?.netSalesCents, "1199999988");
    assert.equal(figures.get(10)?.paidLaborSeconds, String(MAX_OPEN_SHIFT_SECONDS));
  } finally {
    await sql.end();
  }
});
