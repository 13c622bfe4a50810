import { percentile, sortedCopy } from './percentile.ts';
import { mulberry32 } from './prng.ts';

export type BootstrapOptions = { resamples?: number; seed?: number; level?: number };

export type ConfidenceInterval = {
  p: number;
  /** The percentile of the sample itself. */
  estimate: number;
  lo: number;
  hi: number;
  level: number;
  resamples: number;
  seed: number;
};

export const BOOTSTRAP_DEFAULTS = { resamples: 1000, seed: 1, level: 0.95 } as const;

/** Percentile-bootstrap CI of the p-quantile (docs/metrics.md: ≥ 1000 resamples, seeded). */
export function bootstrapCi(values: readonly number[], p: number, options: BootstrapOptions = {}): ConfidenceInterval {
  const [ci] = bootstrapCis(values, [p], options);
  if (ci === undefined) throw new RangeError('bootstrapCis returned nothing');
  return ci;
}

/**
 * CIs for several quantiles from the same resamples. Resampling indices of the sorted sample and
 * counting them (a histogram) yields each resample's order statistics in O(n), without sorting it:
 * since the sample is sorted, index order is value order.
 */
export function bootstrapCis(values: readonly number[], ps: readonly number[], options: BootstrapOptions = {}): ConfidenceInterval[] {
  const { resamples, seed, level } = { ...BOOTSTRAP_DEFAULTS, ...options };
  const n = values.length;
  if (n === 0) throw new RangeError('bootstrap of an empty sample');
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  const sorted = sortedCopy(values);
  const random = mulberry32(seed);
  const counts = new Uint32Array(n);
  const stats = ps.map(() => new Float64Array(resamples));

  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[Math.floor(random() * n)]! += 1;
    ps.forEach((p, k) => {
      const h = (n - 1) * p;
      const rank = Math.floor(h);
      const below = sorted[orderStatistic(counts, rank)] as number;
      const above = rank + 1 < n ? (sorted[orderStatistic(counts, rank + 1)] as number) : below;
      stats[k]![r] = below + (h - rank) * (above - below);
    });
  }

  const tail = (1 - level) / 2;
  return ps.map((p, k) => {
    const distribution = stats[k]!.sort();
    return {
      p,
      estimate: percentile(sorted, p),
      lo: percentile(distribution, tail),
      hi: percentile(distribution, 1 - tail),
      level,
      resamples,
      seed,
    };
  });
}

/** Index into the sorted sample of the resample's `rank`-th smallest value (0-based). */
function orderStatistic(counts: Uint32Array, rank: number): number {
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] as number;
    if (seen > rank) return i;
  }
  return counts.length - 1;
}
