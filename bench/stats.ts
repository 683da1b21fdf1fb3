/**
 * Latency statistics for the benchmarks: nearest-rank percentiles over a sample, and the
 * summary every measurement reports. Pure.
 *
 * @module
 */

/** A latency sample summarised, in milliseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * The nearest-rank percentile `p` (0–100) of `sorted` (ascending): the smallest value with at
 * least p % of the sample at or below it. NaN for an empty sample.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Rounds to `digits` decimals (figures are reported, not computed on). */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Summarises a latency sample (ms); every field NaN-free only when the sample is not empty. */
export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n === 0 ? NaN : sorted.reduce((s, x) => s + x, 0) / n;
  return {
    count: n,
    min: round(sorted[0] ?? NaN, 3),
    mean: round(mean, 3),
    p50: round(percentile(sorted, 50), 3),
    p90: round(percentile(sorted, 90), 3),
    p95: round(percentile(sorted, 95), 3),
    p99: round(percentile(sorted, 99), 3),
    max: round(sorted[n - 1] ?? NaN, 3),
  };
}

/** `numerator / denominator`, rounded; null when either is missing or the denominator is 0. */
export function ratio(
  numerator: number | null | undefined,
  denominator: number | null | undefined,
  digits = 3,
): number | null {
  if (numerator == null || denominator == null || !Number.isFinite(numerator)) return null;
  if (!Number.isFinite(denominator) || denominator === 0) return null;
  return round(numerator / denominator, digits);
}

/** The median of the numbers in `values` (nulls left out; the mean of the middle two for an even count); null when none. */
export function median(values: ReadonlyArray<number | null>): number | null {
  const sorted = values.filter((v): v is number => v !== null && Number.isFinite(v))
    .sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return null;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}
