/**
 * The p-quantile (p in [0, 1]) of ascending `sorted` values by linear interpolation between order
 * statistics: h = (n − 1)·p, result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). numpy's default
 * ("linear", method 7 of Hyndman & Fan), as docs/metrics.md requires.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile p must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const below = sorted[lo] as number;
  if (lo + 1 >= n) return below;
  return below + (h - lo) * ((sorted[lo + 1] as number) - below);
}

/** Name of the method above, stored with every result. */
export const PERCENTILE_METHOD = 'linear interpolation between order statistics (numpy default)';

/** Ascending copy; the callers' arrays are left alone. */
export function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}
