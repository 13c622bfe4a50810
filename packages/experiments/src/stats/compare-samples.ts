import { BOOTSTRAP_DEFAULTS, type BootstrapOptions } from './bootstrap.ts';
import { mannWhitneyU } from './mann-whitney.ts';
import { percentile, sortedCopy } from './percentile.ts';
import { mulberry32 } from './prng.ts';

/** b against a, one metric (docs/metrics.md "Comparing two cells"). */
export type SampleComparison = {
  /** Medians of the per-request values. */
  a: number;
  b: number;
  nA: number;
  nB: number;
  /** median(b) / median(a). */
  ratio: number;
  ci: { lo: number; hi: number; level: number };
  pValue: number;
  pMethod: 'exact' | 'normal';
  /** The CI of the ratio excludes 1. */
  significant: boolean;
  verdict: string;
};

/**
 * Ratio of medians with a percentile-bootstrap CI (a and b resampled independently, seeded) and
 * the two-sided Mann-Whitney U p-value. "no significant difference" when the CI spans 1.
 * null when either sample is empty or a's median is 0 (no ratio).
 */
export function compareSamples(a: readonly number[], b: readonly number[], options: BootstrapOptions = {}): SampleComparison | null {
  if (a.length === 0 || b.length === 0) return null;
  const { resamples, seed, level } = { ...BOOTSTRAP_DEFAULTS, ...options };
  const sa = sortedCopy(a);
  const sb = sortedCopy(b);
  const medianA = percentile(sa, 0.5);
  const medianB = percentile(sb, 0.5);
  if (medianA === 0) return null;
  const random = mulberry32(seed);
  const ratios = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const ma = resampledMedian(sa, random);
    ratios[r] = ma === 0 ? Number.POSITIVE_INFINITY : resampledMedian(sb, random) / ma;
  }
  ratios.sort();
  const tail = (1 - level) / 2;
  const lo = percentile(ratios, tail);
  const hi = percentile(ratios, 1 - tail);
  const test = mannWhitneyU(a, b);
  const ratio = medianB / medianA;
  const significant = lo > 1 || hi < 1;
  return {
    a: medianA,
    b: medianB,
    nA: a.length,
    nB: b.length,
    ratio,
    ci: { lo, hi, level },
    pValue: test.pValue,
    pMethod: test.method,
    significant,
    verdict: significant
      ? `b is ${ratio.toFixed(2)}× a [${lo.toFixed(2)}, ${hi.toFixed(2)}], ${formatP(test.pValue)}`
      : 'no significant difference',
  };
}

export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** Median of one bootstrap resample of an ascending sample (a histogram of drawn indices, no sort). */
function resampledMedian(sorted: Float64Array, random: () => number): number {
  const n = sorted.length;
  const counts = new Uint32Array(n);
  for (let i = 0; i < n; i++) counts[Math.floor(random() * n)]! += 1;
  const h = (n - 1) / 2;
  const rank = Math.floor(h);
  const below = sorted[orderIndex(counts, rank)] as number;
  return h === rank ? below : (below + (sorted[orderIndex(counts, rank + 1)] as number)) / 2;
}

/** Index into the sorted sample of the resample's rank-th smallest value (0-based). */
function orderIndex(counts: Uint32Array, rank: number): number {
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] as number;
    if (seen > rank) return i;
  }
  return counts.length - 1;
}
