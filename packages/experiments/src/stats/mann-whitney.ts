import { twoSidedNormalP } from './normal.ts';

export type MannWhitneyMethod = 'exact' | 'normal';

export type MannWhitneyResult = {
  /** U of the first sample: pairs (x from a, y from b) with x > y, ties counting one half. */
  uA: number;
  uB: number;
  /** Two-sided p-value. */
  pValue: number;
  method: MannWhitneyMethod;
  /** Normal approximation only: the continuity-corrected z. */
  z: number | null;
  ties: boolean;
};

/** Both samples at most this long and no ties: the exact distribution of U (scipy's `method='exact'`). */
export const MANN_WHITNEY_EXACT_MAX_N = 50;

/**
 * Two-sided Mann-Whitney U test (Wilcoxon rank-sum) of a against b. Exact null distribution when
 * there are no ties and both samples are small; otherwise the normal approximation with the tie
 * correction of the variance and a continuity correction of 0.5 (scipy's `method='asymptotic'`).
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann-Whitney U needs two non-empty samples');
  const { rankSumA, tieTerm } = rankSums(a, b);
  const uA = rankSumA - (n1 * (n1 + 1)) / 2;
  const uB = n1 * n2 - uA;
  const ties = tieTerm > 0;
  if (!ties && n1 <= MANN_WHITNEY_EXACT_MAX_N && n2 <= MANN_WHITNEY_EXACT_MAX_N) {
    const cdf = exactUDistribution(n1, n2);
    // U is symmetric about n1·n2/2, so the two-sided p doubles the lower tail of the smaller U.
    const lower = cdf[Math.floor(Math.min(uA, uB))] as number;
    return { uA, uB, pValue: Math.min(1, 2 * lower), method: 'exact', z: null, ties };
  }
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { uA, uB, pValue: 1, method: 'normal', z: 0, ties }; // every value equal
  const z = Math.max(0, Math.abs(uA - mean) - 0.5) / Math.sqrt(variance);
  return { uA, uB, pValue: twoSidedNormalP(z), method: 'normal', z, ties };
}

/** Rank sum of a in the pooled sample (average ranks for ties) and Σ(t³ − t) over tie groups. */
function rankSums(a: readonly number[], b: readonly number[]): { rankSumA: number; tieTerm: number } {
  const pooled = [...a.map((v) => ({ v, fromA: true })), ...b.map((v) => ({ v, fromA: false }))].sort((x, y) => x.v - y.v);
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (j + 1 < pooled.length && (pooled[j + 1] as { v: number }).v === (pooled[i] as { v: number }).v) j++;
    const t = j - i + 1;
    const rank = (i + j) / 2 + 1; // average of ranks i+1 … j+1
    for (let k = i; k <= j; k++) if ((pooled[k] as { fromA: boolean }).fromA) rankSumA += rank;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { rankSumA, tieTerm };
}

/**
 * Cumulative P(U ≤ u) under H0 for sample sizes (m, n), u = 0 … m·n. Recursion on the largest
 * pooled value: it belongs to the first sample with probability m / (m + n) and then beats all n.
 * Probabilities rather than counts, so C(100, 50) never overflows a double.
 */
function exactUDistribution(m: number, n: number): Float64Array {
  // row[j] = P(U = ·) for sizes (i, j) at the current i.
  let row: Float64Array[] = Array.from({ length: n + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const next: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j++) {
      const dist = new Float64Array(i * j + 1);
      const fromA = row[j] as Float64Array; // (i − 1, j), shifted by j
      const fromB = next[j - 1] as Float64Array; // (i, j − 1)
      for (let u = 0; u < fromA.length; u++) dist[u + j]! += (i / (i + j)) * (fromA[u] as number);
      for (let u = 0; u < fromB.length; u++) dist[u]! += (j / (i + j)) * (fromB[u] as number);
      next.push(dist);
    }
    row = next;
  }
  const pmf = row[n] as Float64Array;
  const cdf = new Float64Array(pmf.length);
  let acc = 0;
  pmf.forEach((p, u) => {
    acc += p;
    cdf[u] = acc;
  });
  return cdf;
}
