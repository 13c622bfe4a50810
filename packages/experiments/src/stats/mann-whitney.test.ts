import { describe, expect, it } from 'vitest';
import { mannWhitneyU } from './mann-whitney.ts';
import { erfc } from './normal.ts';

// Reference p-values from scipy 1.17.1 `scipy.stats.mannwhitneyu(a, b, alternative='two-sided')`
// with method='exact' or method='asymptotic' (use_continuity=True), computed outside this code.

/** Independent exact p: enumerate every way to split the pooled ranks into two groups. */
function bruteForceP(a: number[], b: number[]): number {
  const pooled = [...a, ...b].sort((x, y) => x - y);
  const rank = (v: number) => pooled.indexOf(v) + 1; // no ties in the inputs used here
  const observed = a.reduce((s, v) => s + rank(v), 0);
  const n = pooled.length;
  const mean = (a.length * (n + 1)) / 2;
  let extreme = 0;
  let total = 0;
  const choose = (start: number, left: number, sum: number) => {
    if (left === 0) {
      total++;
      if (Math.abs(sum - mean) >= Math.abs(observed - mean) - 1e-9) extreme++;
      return;
    }
    for (let r = start; r <= n - left + 1; r++) choose(r + 1, left - 1, sum + r);
  };
  choose(1, a.length, 0);
  return extreme / total;
}

describe('mannWhitneyU', () => {
  it('matches the textbook small example exactly (U = 17, p = 1/9)', () => {
    const a = [19, 22, 16, 29, 24];
    const b = [20, 11, 17, 12];
    const r = mannWhitneyU(a, b);
    expect(r).toMatchObject({ uA: 17, uB: 3, method: 'exact', ties: false });
    expect(r.pValue).toBeCloseTo(0.1111111111111111, 12); // scipy exact
    expect(r.pValue).toBeCloseTo(bruteForceP(a, b), 12);
  });

  it('gives the exact p of completely separated samples and of a mid-size pair', () => {
    const e = [3.1, 4.2, 5.0, 5.5, 6.1, 7.3, 8.4];
    const f = [7.9, 8.8, 9.5, 10.1, 11.6, 12.2, 13.0, 14.4];
    const sep = mannWhitneyU(e, f);
    expect(sep.uA).toBe(1);
    expect(sep.pValue).toBeCloseTo(0.0006216006216006216, 12); // scipy exact
    expect(sep.pValue).toBeCloseTo(bruteForceP(e, f), 12);

    const c = [8.396, 7.351, 9.503, 10.841, 12.272, 10.219, 8.895, 8.43, 11.497, 13.27, 10.546, 7.533, 8.083, 13.2, 10.406];
    const d = [8.536, 11.833, 9.674, 10.741, 11.024, 10.573, 13.107, 11.874, 10.821, 12.819, 13.66, 8.714];
    const mid = mannWhitneyU(c, d);
    expect(mid.uA).toBe(57);
    expect(mid.pValue).toBeCloseTo(0.11382500779458649, 10); // scipy exact
  });

  it('uses the normal approximation with tie and continuity corrections when there are ties', () => {
    const x = [1.1, 2.3, 2.3, 3.0, 4.5, 4.5, 5.1, 6.0, 6.0, 6.0, 7.2, 8.8];
    const y = [2.3, 3.3, 4.5, 5.5, 6.0, 7.1, 7.2, 8.0, 9.1, 9.9, 10.2, 11.0, 12.5];
    const r = mannWhitneyU(x, y);
    expect(r).toMatchObject({ uA: 38, uB: 118, method: 'normal', ties: true });
    expect(r.pValue).toBeCloseTo(0.03105163350111735, 6); // scipy asymptotic, continuity on (0.02898 without)
  });

  it('is symmetric, says p = 1 for identical samples and rejects empty ones', () => {
    const a = [1, 5, 9, 13];
    const b = [2, 3, 4, 6, 7];
    expect(mannWhitneyU(a, b).pValue).toBeCloseTo(mannWhitneyU(b, a).pValue, 12);
    expect(mannWhitneyU([4, 4, 4], [4, 4]).pValue).toBe(1);
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
  });
});

describe('erfc', () => {
  it('agrees with tabulated values to 1e-7', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 7);
    expect(erfc(1.959963984540054 / Math.SQRT2)).toBeCloseTo(0.05, 7);
    expect(erfc(-1)).toBeCloseTo(1.8427007929497148, 7);
  });
});
