import { describe, expect, it } from 'vitest';
import { quantError } from './quant-error.ts';

describe('quantError', () => {
  it('mse, max abs error and SQNR = 10·log10(Σx² / Σe²)', () => {
    const e = quantError(Float32Array.from([1, 2, -2]), Float32Array.from([1, 1, -2.5]));
    expect(e.mse).toBeCloseTo((0 + 1 + 0.25) / 3, 12);
    expect(e.maxAbsError).toBe(1);
    expect(e.sqnrDb).toBeCloseTo(10 * Math.log10(9 / 1.25), 12);
  });

  it('exact reconstruction is +Infinity dB; mismatched lengths are refused', () => {
    expect(quantError(Float32Array.from([3]), Float32Array.from([3])).sqnrDb).toBe(Number.POSITIVE_INFINITY);
    expect(() => quantError(new Float32Array(2), new Float32Array(3))).toThrow(/compare/);
  });
});
