import { describe, expect, it } from 'vitest';
import { checkExitThreshold, EXIT_CRITERIA, EXIT_THRESHOLDS, exitStatistic, isConfident } from './confidence.ts';

// Statistics checked against a direct softmax (float64, no max shift) on small rows.
function softmax(xs: number[]): number[] {
  const e = xs.map(Math.exp);
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

describe('exit confidence criteria', () => {
  const rows = [
    [2, 1, 0.5, -1],
    [0, 0, 0, 0],
    [10, -3, 9.5, 0, 1],
  ];

  it.each(rows)('match a direct softmax computation: row %#', (...row) => {
    const p = softmax(row);
    const sorted = [...p].sort((a, b) => b - a);
    const logits = Float32Array.from([99, ...row]); // offset 1: the row is read in place
    expect(exitStatistic('max-prob', logits, 1, row.length)).toBeCloseTo(sorted[0] as number, 6);
    expect(exitStatistic('margin', logits, 1, row.length)).toBeCloseTo((sorted[0] as number) - (sorted[1] as number), 6);
    expect(exitStatistic('entropy', logits, 1, row.length)).toBeCloseTo(-p.reduce((a, q) => a + q * Math.log(q), 0), 6);
  });

  it('uniform logits: max-prob 1/V, margin 0, entropy ln V', () => {
    const u = new Float32Array(8);
    expect(exitStatistic('max-prob', u, 0, 8)).toBeCloseTo(1 / 8, 12);
    expect(exitStatistic('margin', u, 0, 8)).toBe(0);
    expect(exitStatistic('entropy', u, 0, 8)).toBeCloseTo(Math.log(8), 12);
  });

  it('never / always thresholds hold at the extremes of every statistic', () => {
    const peaked = Float32Array.from([1000, 0, 0, 0]);
    const flat = new Float32Array(50257);
    for (const c of EXIT_CRITERIA) {
      for (const row of [peaked, flat]) {
        const s = exitStatistic(c, row, 0, row.length);
        expect(isConfident(c, s, EXIT_THRESHOLDS[c].never)).toBe(false);
        expect(isConfident(c, s, EXIT_THRESHOLDS[c].always)).toBe(true);
      }
    }
  });

  it('rejects thresholds that cannot be meant, naming the field and the fix', () => {
    expect(() => checkExitThreshold('max-prob', -0.1)).toThrow(/decoding\.threshold -0\.1 for max-prob: must be ≥ 0/);
    expect(() => checkExitThreshold('margin', Number.NaN)).toThrow(/decoding\.threshold must be a finite number/);
    expect(() => checkExitThreshold('entropy', -1)).not.toThrow();
    expect(() => checkExitThreshold('max-prob', 2)).not.toThrow();
  });
});
