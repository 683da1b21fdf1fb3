/**
 * Ground truth next to the system's figures: the per-day comparison and its printed table.
 *
 * @module
 */
import { formatBp, formatMoney } from "./arith.ts";
import type { SimLocation } from "./model.ts";
import type { DayFigures, TruthRow } from "./truth.ts";

/** The figures compared, in the order they are printed. */
export const COMPARED_FIELDS: ReadonlyArray<keyof DayFigures> = [
  "netSalesCents",
  "refundCents",
  "laborCostCents",
  "paidLaborSeconds",
  "paidLaborMinutes",
  "laborPctBp",
  "cplhCents",
  "splhCents",
  "orderCount",
  "punchCount",
  "openPunchCount",
  "overtimeMinutes",
  "overtimePremiumCents",
];

/** One location and business day, both sides. */
export interface DayComparison {
  locationIndex: number;
  businessDate: string;
  truth: DayFigures;
  /** Null when the system has no row for the day. */
  system: DayFigures | null;
  /** Fields that differ (all of them when the system has no row and the truth is not empty). */
  differences: Array<keyof DayFigures>;
}

const ZERO: DayFigures = {
  netSalesCents: 0,
  refundCents: 0,
  laborCostCents: 0,
  paidLaborSeconds: 0,
  paidLaborMinutes: 0,
  laborPctBp: null,
  cplhCents: null,
  splhCents: null,
  orderCount: 0,
  punchCount: 0,
  openPunchCount: 0,
  overtimeMinutes: 0,
  overtimePremiumCents: 0,
};

/**
 * Pairs truth rows with system rows by location and date. A day on one side only is
 * compared with an empty day (no sales, no labor, null ratios): a day the run touched and
 * then emptied may legitimately be a row of zeros in the system.
 */
export function compareFigures(
  truth: readonly TruthRow[],
  system: ReadonlyArray<DayFigures & { locationIndex: number; businessDate: string }>,
): DayComparison[] {
  const key = (l: number, d: string) => `${l}|${d}`;
  const sys = new Map(system.map((r) => [key(r.locationIndex, r.businessDate), r]));
  const truthMap = new Map(truth.map((r) => [key(r.locationIndex, r.businessDate), r]));
  const keys = [...new Set([...truthMap.keys(), ...sys.keys()])];
  const out: DayComparison[] = keys.map((k) => {
    const [l, d] = k.split("|");
    const t = truthMap.get(k) ?? ZERO;
    const s = sys.get(k) ?? null;
    const other = s ?? ZERO;
    const differences = COMPARED_FIELDS.filter((f) => t[f] !== other[f]);
    return {
      locationIndex: Number(l),
      businessDate: d,
      truth: pick(t),
      system: s ? pick(s) : null,
      differences,
    };
  });
  return out.sort((a, b) =>
    a.locationIndex - b.locationIndex || a.businessDate.localeCompare(b.businessDate)
  );
}

function pick(f: DayFigures): DayFigures {
  const out = {} as Record<keyof DayFigures, number | null>;
  for (const k of COMPARED_FIELDS) out[k] = f[k];
  return out as unknown as DayFigures;
}

/** Hours with one decimal from seconds (`370853` → `103.0 h`). */
export function formatHours(seconds: number): string {
  const tenths = Math.round(seconds / 360);
  return `${Math.trunc(tenths / 10)}.${tenths % 10} h`;
}

function cell(field: keyof DayFigures, value: number | null): string {
  switch (field) {
    case "laborPctBp":
      return formatBp(value);
    case "paidLaborSeconds":
      return value === null ? "—" : formatHours(value);
    case "paidLaborMinutes":
    case "orderCount":
    case "punchCount":
    case "openPunchCount":
    case "overtimeMinutes":
      return value === null ? "—" : String(value);
    default:
      return formatMoney(value);
  }
}

const LABELS: Record<keyof DayFigures, string> = {
  netSalesCents: "net sales",
  refundCents: "refunds",
  laborCostCents: "labor cost",
  paidLaborSeconds: "hours",
  paidLaborMinutes: "minutes",
  laborPctBp: "labor %",
  cplhCents: "CPLH",
  splhCents: "SPLH",
  orderCount: "orders",
  punchCount: "punches",
  openPunchCount: "open",
  overtimeMinutes: "OT min",
  overtimePremiumCents: "OT premium",
};

/**
 * The comparison as a text table: for each location and day a `truth` line and a `system`
 * line, the verdict on the second, and the differing figures spelled out under a mismatch.
 */
export function formatComparison(
  rows: readonly DayComparison[],
  locations: readonly SimLocation[],
): string {
  const numeric = COMPARED_FIELDS;
  const head = ["location", "business day", "", ...numeric.map((f) => LABELS[f]), "match"];
  const table: string[][] = [head];
  const notes = new Map<number, string[]>();
  for (const r of rows) {
    const name = locations[r.locationIndex]?.name ?? `#${r.locationIndex}`;
    table.push([name, r.businessDate, "truth", ...numeric.map((f) => cell(f, r.truth[f])), ""]);
    table.push([
      "",
      "",
      "system",
      ...numeric.map((f) => (r.system ? cell(f, r.system[f]) : "(no row)")),
      r.differences.length === 0 ? "yes" : "NO",
    ]);
    if (r.differences.length > 0) {
      notes.set(
        table.length - 1,
        [`    differs: ${r.differences.map((f) => LABELS[f]).join(", ")}`],
      );
    }
  }
  const widths = head.map((_, c) => Math.max(...table.map((l) => l[c].length)));
  const out: string[] = [];
  table.forEach((l, i) => {
    out.push(
      l.map((v, c) => (c >= 3 && c < head.length - 1 ? v.padStart(widths[c]) : v.padEnd(widths[c])))
        .join("  ").trimEnd(),
    );
    if (i === 0) out.push(widths.map((w) => "-".repeat(w)).join("  "));
    for (const n of notes.get(i) ?? []) out.push(n);
  });
  return out.join("\n");
}
