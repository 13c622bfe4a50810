import { describe, expect, it } from 'vitest';
import { percentile, sortedCopy } from './percentile.ts';
import { insufficientTail, summarize } from './summarize.ts';

// Expected values worked by hand with numpy's linear rule: h = (n-1)p, x[floor h] + frac(h)·gap.
describe('percentile', () => {
  it('interpolates linearly like numpy', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12); // h = 1.5 → 2 + .5·1
    expect(percentile([1, 2, 3, 4], 0.99)).toBeCloseTo(3.97, 12); // h = 2.97 → 3 + .97·1
    expect(percentile([15, 20, 35, 40, 50], 0.4)).toBeCloseTo(29, 12); // h = 1.6 → 20 + .6·15 (np.percentile → 29.0)
    expect(percentile([15, 20, 35, 40, 50], 0.9)).toBeCloseTo(46, 12); // h = 3.6 → 40 + .6·10
  });

  it('equals numpy.percentile on fixed arrays (values from numpy 2.4.6)', () => {
    const arr = [3.2, 1.5, 7.7, 2.2, 9.9, 4.4, 4.4, 12.0, 0.3, 5.6, 8.1];
    const s = sortedCopy(arr);
    // np.percentile(arr, [50, 90, 95, 99]) → [4.4, 9.9, 10.95, 11.79]
    expect([0.5, 0.9, 0.95, 0.99].map((p) => percentile(s, p))).toEqual([4.4, 9.9, expect.closeTo(10.95, 12), expect.closeTo(11.79, 12)]);
    const arr2 = [
      17.67, 12.3, 18.42, 10.54, 20.29, 19.71, 17.25, 11.89, 16.48, 11.64, 10.2, 22.47, 11.53, 36.06, 28.74, 7.4, 23.01, 11.58, 20.42,
      20.53, 7.43, 17.87, 17.67, 32.49, 11.13, 29.05, 11.59, 17.02, 13.19, 41.44, 26.69, 67.75, 27.69, 30.65, 30.58, 14.83, 19.39,
    ];
    // np.percentile(arr2, [0, 25, 50, 90, 95, 99, 100])
    const expected = [7.4, 11.89, 17.87, 31.386, 37.136, 58.2784, 67.75];
    const s2 = sortedCopy(arr2);
    for (const [i, p] of [0, 0.25, 0.5, 0.9, 0.95, 0.99, 1].entries()) expect(percentile(s2, p)).toBeCloseTo(expected[i] as number, 10);
  });

  it('returns the extremes at p = 0 and p = 1, and the value of a single sample', () => {
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4], 1)).toBe(4);
    expect(percentile([7], 0.95)).toBe(7);
  });

  it('rejects an empty sample and p outside [0, 1]', () => {
    expect(() => percentile([], 0.5)).toThrow(RangeError);
    expect(() => percentile([1], 1.5)).toThrow(/\[0, 1\]/);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts a copy and reports pooled statistics', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6];
    // sorted: 1 1 2 3 4 5 6 9; mean 31/8
    const s = summarize(values);
    expect(s).not.toBeNull();
    expect(s?.n).toBe(8);
    expect(s?.mean).toBeCloseTo(3.875, 12);
    expect(s?.p50).toBeCloseTo(3.5, 12); // h = 3.5 → 3 + .5·1
    expect(s?.p90).toBeCloseTo(6.9, 12); // h = 6.3 → 6 + .3·3
    expect(s?.p95).toBeCloseTo(7.95, 12); // h = 6.65 → 6 + .65·3
    expect(s?.p99).toBeCloseTo(8.79, 12); // h = 6.93 → 6 + .93·3
    expect([s?.min, s?.max]).toEqual([1, 9]);
    expect(s?.insufficient).toEqual({ p90: true, p95: true, p99: true });
    expect(values).toEqual([3, 1, 4, 1, 5, 9, 2, 6]);
  });

  it('is null for an empty sample', () => {
    expect(summarize([])).toBeNull();
  });

  it('flags a percentile with fewer than 10 expected observations beyond it', () => {
    expect(insufficientTail(1000, 0.99)).toBe(false); // 1000 · .01 = 10
    expect(insufficientTail(999, 0.99)).toBe(true);
    expect(insufficientTail(100, 0.9)).toBe(false);
    expect(insufficientTail(99, 0.9)).toBe(true);
    expect(insufficientTail(200, 0.95)).toBe(false);
    const big = summarize(Array.from({ length: 200 }, (_, i) => i));
    expect(big?.insufficient).toEqual({ p90: false, p95: false, p99: true });
  });
});
