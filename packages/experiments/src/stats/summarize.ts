import { percentile, sortedCopy } from './percentile.ts';

/** Below this many observations expected beyond a percentile, it is flagged (docs/metrics.md). */
export const MIN_TAIL_OBSERVATIONS = 10;

export type Summary = {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  /** true where fewer than 10 observations lie beyond the percentile: it is little more than the max. */
  insufficient: { p90: boolean; p95: boolean; p99: boolean };
};

/** Pooled statistics of a sample; null for an empty one (e.g. TPOT when every request made one token). */
export function summarize(values: readonly number[]): Summary | null {
  const n = values.length;
  if (n === 0) return null;
  const sorted = sortedCopy(values);
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n,
    mean: sum / n,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    insufficient: { p90: insufficientTail(n, 0.9), p95: insufficientTail(n, 0.95), p99: insufficientTail(n, 0.99) },
  };
}

/** n·(1 − p) observations are expected beyond the p-quantile; p99 thus needs n ≥ 1000. */
export function insufficientTail(n: number, p: number): boolean {
  // Rounded so that 1000 · (1 − 0.99) = 9.999999999999991 counts as the 10 it is.
  return Math.round(n * (1 - p) * 1e9) / 1e9 < MIN_TAIL_OBSERVATIONS;
}
