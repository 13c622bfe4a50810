import { describe, expect, it } from 'vitest';
import { quantError } from './quant-error.ts';
import { chooseParams, quantRange } from './quant-scheme.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';

// The seed notebook's vector: np.random.seed(0); np.random.randn(10).astype(np.float32) * 10 + 5,
// non-centred (min −4.77, max 27.41). Expected codes, scales, zero points and MSEs are the seed's
// quantize_symmetric / quantize_asymmetric output under numpy 2.4 (float32 throughout).
const SEED_X = Float32Array.from([
  22.64052391052246, 9.001571655273438, 14.78738021850586, 27.408931732177734, 23.675579071044922, -4.772778511047363, 14.500884056091309,
  3.4864280223846436, 3.9678115844726562, 9.105985641479492,
]);
const TENSOR = { kind: 'tensor' } as const;

describe('quantRange', () => {
  it('keeps symmetric codes symmetric and asymmetric ones unsigned', () => {
    expect(quantRange({ bits: 8, symmetric: true })).toEqual({ qmin: -127, qmax: 127 });
    expect(quantRange({ bits: 4, symmetric: true })).toEqual({ qmin: -7, qmax: 7 });
    expect(quantRange({ bits: 8, symmetric: false })).toEqual({ qmin: 0, qmax: 255 });
    expect(quantRange({ bits: 4, symmetric: false })).toEqual({ qmin: 0, qmax: 15 });
  });
});

describe('the seed vector', () => {
  const run = (bits: 4 | 8, symmetric: boolean) => {
    const q = quantizeTensor(SEED_X, 1, SEED_X.length, { bits, symmetric }, TENSOR);
    return { q, err: quantError(SEED_X, dequantizeTensor(q)) };
  };

  it('8-bit symmetric matches the seed', () => {
    const { q, err } = run(8, true);
    expect(Array.from(q.values)).toEqual([105, 42, 69, 127, 110, -22, 67, 16, 18, 42]);
    expect(q.scales[0]).toBe(Math.fround(0.2158183604478836));
    expect(err.mse).toBeCloseTo(0.0031391277, 8);
  });

  it('8-bit asymmetric matches the seed and beats symmetric', () => {
    const { q, err } = run(8, false);
    expect(Array.from(q.values)).toEqual([217, 109, 155, 255, 226, 0, 153, 66, 69, 110]);
    expect(q.scales[0]).toBe(Math.fround(0.1262027770280838));
    expect(q.zeroPoints[0]).toBe(38);
    expect(err.mse).toBeCloseTo(0.0014138955, 8);
    const sym = run(8, true).err;
    expect(err.mse).toBeLessThan(sym.mse);
    expect(err.maxAbsError).toBeLessThan(sym.maxAbsError);
    expect(err.sqnrDb).toBeGreaterThan(sym.sqnrDb);
  });

  it('4-bit: same codes as the seed with num_bits=4, asymmetric still better', () => {
    const sym = run(4, true);
    const asym = run(4, false);
    expect(Array.from(sym.q.values)).toEqual([6, 2, 4, 7, 6, -1, 4, 1, 1, 2]);
    expect(sym.q.scales[0]).toBe(Math.fround(3.9155616760253906));
    expect(sym.err.mse).toBeCloseTo(0.679163, 5);
    expect(Array.from(asym.q.values)).toEqual([13, 6, 9, 15, 13, 0, 9, 4, 4, 6]);
    expect(asym.q.scales[0]).toBe(Math.fround(2.145447254180908));
    expect(asym.q.zeroPoints[0]).toBe(2);
    expect(asym.err.mse).toBeCloseTo(0.291393, 5);
  });
});

describe('chooseParams edge cases', () => {
  it('all zeros: scale 1, zero point 0 (zero range), reconstructed exactly', () => {
    for (const symmetric of [true, false]) {
      expect(chooseParams(0, 0, { bits: 8, symmetric })).toEqual({ scale: 1, zeroPoint: 0 });
      const x = new Float32Array(4);
      const q = quantizeTensor(x, 1, 4, { bits: 4, symmetric }, TENSOR);
      expect(Array.from(q.values)).toEqual([0, 0, 0, 0]);
      expect(quantError(x, dequantizeTensor(q))).toEqual({ mse: 0, maxAbsError: 0, sqnrDb: Number.POSITIVE_INFINITY });
    }
  });

  it('all-equal values: the range widened to include 0 keeps the constant (the seed would return 0)', () => {
    const pos = quantizeTensor(Float32Array.from([3, 3, 3]), 1, 3, { bits: 8, symmetric: false }, TENSOR);
    expect(pos.zeroPoints[0]).toBe(0);
    expect(pos.scales[0]).toBe(Math.fround(3 / 255));
    expect(Array.from(pos.values)).toEqual([255, 255, 255]);
    const neg = quantizeTensor(Float32Array.from([-5, -5]), 1, 2, { bits: 8, symmetric: false }, TENSOR);
    expect(neg.zeroPoints[0]).toBe(255);
    expect(Array.from(neg.values)).toEqual([0, 0]);
    expect(Array.from(dequantizeTensor(neg))).toEqual([-5, -5]);
    const sym = quantizeTensor(Float32Array.from([-2, -2]), 1, 2, { bits: 8, symmetric: true }, TENSOR);
    expect(Array.from(sym.values)).toEqual([-127, -127]);
    for (const v of dequantizeTensor(pos)) expect(v).toBeCloseTo(3, 6);
  });

  it('rejects non-finite values', () => {
    expect(() => chooseParams(0, Number.POSITIVE_INFINITY, { bits: 8, symmetric: true })).toThrow(/non-finite/);
    expect(() => quantizeTensor(Float32Array.from([1, Number.NaN]), 1, 2, { bits: 8, symmetric: true }, TENSOR)).toThrow(/non-finite/);
  });
});
