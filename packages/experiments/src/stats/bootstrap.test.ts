import { describe, expect, it } from 'vitest';
import { bootstrapCi, bootstrapCis } from './bootstrap.ts';
import { percentile } from './percentile.ts';
import { mulberry32 } from './prng.ts';

const sample = [12.1, 9.8, 15.2, 11.0, 10.4, 30.5, 12.9, 11.7, 10.9, 13.3, 9.9, 14.8, 12.2, 11.1, 10.0];

/** The textbook procedure, written independently: resample values, sort, take the percentile. */
function naiveBootstrap(values: number[], p: number, resamples: number, seed: number, level: number) {
  const sorted = [...values].sort((a, b) => a - b);
  const random = mulberry32(seed);
  const stats: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const resample = sorted.map(() => sorted[Math.floor(random() * sorted.length)] as number);
    stats.push(
      percentile(
        resample.sort((a, b) => a - b),
        p,
      ),
    );
  }
  stats.sort((a, b) => a - b);
  return [percentile(stats, (1 - level) / 2), percentile(stats, 1 - (1 - level) / 2)];
}

describe('bootstrapCi', () => {
  it('is deterministic for a seed and changes with it', () => {
    const a = bootstrapCi(sample, 0.95, { seed: 42 });
    const b = bootstrapCi(sample, 0.95, { seed: 42 });
    const c = bootstrapCi(sample, 0.95, { seed: 43 });
    expect(a).toEqual(b);
    expect([c.lo, c.hi]).not.toEqual([a.lo, a.hi]);
    expect(a).toMatchObject({ resamples: 1000, level: 0.95, seed: 42 });
  });

  it('equals the sort-every-resample procedure with the same draws', () => {
    for (const p of [0.5, 0.9, 0.99]) {
      const ci = bootstrapCi(sample, p, { seed: 7, resamples: 500, level: 0.9 });
      const [lo, hi] = naiveBootstrap(sample, p, 500, 7, 0.9);
      expect(ci.lo).toBeCloseTo(lo as number, 10);
      expect(ci.hi).toBeCloseTo(hi as number, 10);
    }
  });

  it('brackets the estimate and stays within the sample range', () => {
    const ci = bootstrapCi(sample, 0.5, { seed: 1 });
    expect(ci.estimate).toBeCloseTo(11.7, 12); // median of 15 values = 8th smallest
    expect(ci.lo).toBeLessThanOrEqual(ci.estimate);
    expect(ci.hi).toBeGreaterThanOrEqual(ci.estimate);
    expect(ci.lo).toBeGreaterThanOrEqual(9.8);
    expect(ci.hi).toBeLessThanOrEqual(30.5);
  });

  it('computes several quantiles from the same resamples', () => {
    const [p50, p95] = bootstrapCis(sample, [0.5, 0.95], { seed: 3 });
    expect(p50).toEqual(bootstrapCi(sample, 0.5, { seed: 3 }));
    expect(p95).toEqual(bootstrapCi(sample, 0.95, { seed: 3 }));
  });

  it('collapses to the value for one observation and rejects bad input', () => {
    expect(bootstrapCi([5], 0.99)).toMatchObject({ estimate: 5, lo: 5, hi: 5 });
    expect(() => bootstrapCi([], 0.5)).toThrow(RangeError);
    expect(() => bootstrapCi([1, 2], 0.5, { level: 1 })).toThrow(/level/);
  });
});

describe('mulberry32', () => {
  it('repeats for a seed and stays in [0, 1)', () => {
    const a = mulberry32(9);
    const b = mulberry32(9);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(draws).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(990);
  });
});
