import { describe, expect, it } from 'vitest';
import { percentile } from './percentile.ts';
import { insufficientTail, summarize } from './summarize.ts';

// Expected values worked by hand with numpy's linear rule: h = (n-1)p, x[floor h] + frac(h)·gap.
describe('percentile', () => {
  it('interpolates linearly like numpy', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12); // h = 1.5 → 2 + .5·1
    expect(percentile([1, 2, 3, 4], 0.99)).toBeCloseTo(3.97, 12); // h = 2.97 → 3 + .97·1
    expect(percentile([15, 20, 35, 40, 50], 0.4)).toBeCloseTo(29, 12); // h = 1.6 → 20 + .6·15 (np.percentile → 29.0)
    expect(percentile([15, 20, 35, 40, 50], 0.9)).toBeCloseTo(46, 12); // h = 3.6 → 40 + .6·10
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
