import { describe, expect, it } from 'vitest';
import { compareSamples } from './compare-samples.ts';
import { mannWhitneyU } from './mann-whitney.ts';
import { percentile } from './percentile.ts';
import { mulberry32 } from './prng.ts';

const a = [10.2, 9.8, 10.5, 10.1, 9.9, 10.4, 10.0, 10.3, 9.7, 10.6, 10.2, 9.9];
const doubled = a.map((v, i) => v * 2 + (i % 3) * 0.1);

/** Textbook bootstrap written independently: resample, sort, median, ratio; same draw order. */
function naiveRatioCi(x: number[], y: number[], resamples: number, seed: number, level: number) {
  const random = mulberry32(seed);
  const med = (v: number[]) =>
    percentile(
      v.sort((p, q) => p - q),
      0.5,
    );
  const sx = [...x].sort((p, q) => p - q);
  const sy = [...y].sort((p, q) => p - q);
  const ratios: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const rx = sx.map(() => sx[Math.floor(random() * sx.length)] as number);
    const ry = sy.map(() => sy[Math.floor(random() * sy.length)] as number);
    ratios.push(med(ry) / med(rx));
  }
  ratios.sort((p, q) => p - q);
  return [percentile(ratios, (1 - level) / 2), percentile(ratios, 1 - (1 - level) / 2)];
}

describe('compareSamples', () => {
  it('reports the ratio of medians, its bootstrap CI and the Mann-Whitney p', () => {
    const c = compareSamples(a, doubled, { seed: 11, resamples: 2000 });
    expect(c).not.toBeNull();
    expect(c?.a).toBeCloseTo(10.15, 12); // median of a: (10.1 + 10.2) / 2
    expect(c?.ratio).toBeCloseTo((c?.b as number) / 10.15, 12);
    const [lo, hi] = naiveRatioCi(a, doubled, 2000, 11, 0.95);
    expect(c?.ci.lo).toBeCloseTo(lo as number, 12);
    expect(c?.ci.hi).toBeCloseTo(hi as number, 12);
    expect(c?.pValue).toBe(mannWhitneyU(a, doubled).pValue);
    expect(c?.significant).toBe(true);
    expect(c?.verdict).toMatch(/^b is 2\.0\d× a \[\d\.\d\d, \d\.\d\d\], p < 0\.001$/);
  });

  it('says "no significant difference" when the CI spans 1 (an A/A comparison)', () => {
    const shuffled = [...a].reverse();
    const c = compareSamples(a, shuffled);
    expect(c?.ratio).toBe(1);
    expect(c?.ci.lo).toBeLessThanOrEqual(1);
    expect(c?.ci.hi).toBeGreaterThanOrEqual(1);
    expect(c?.significant).toBe(false);
    expect(c?.verdict).toBe('no significant difference');
    expect(c?.pValue).toBe(1);
  });

  it('is null when a sample is empty or a has a zero median', () => {
    expect(compareSamples([], [1])).toBeNull();
    expect(compareSamples([0, 0, 1], [1])).toBeNull();
  });
});
