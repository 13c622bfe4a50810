import { describe, expect, it } from 'vitest';
import { dequantizePerColumnInt8, QuantizationError, quantizePerColumnInt8, roundHalfEven } from './quantize-per-channel.ts';

describe('roundHalfEven', () => {
  it('rounds ties to the even neighbour, like np.round', () => {
    const xs = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, 0.51, -0.51, 126.5, -126.5];
    expect(xs.map(roundHalfEven)).toEqual([0, 2, 2, 0, -2, -2, 0, 1, -1, 126, -126]);
  });
});

describe('quantizePerColumnInt8', () => {
  it('matches hand-computed values: scale = max|col| / 127, ties to even, float32 division', () => {
    // (4, 3) row-major. Column 0 has scale exactly 1; column 1 is all zero; column 2 has scale
    // fround(12.7/127) = fround(0.1), where 0.25/0.1 and 0.45/0.1 land exactly on float32 ties.
    const w = Float32Array.from([127, 0, 12.7, 2.5, 0, -12.7, -2.5, 0, 0.25, 1.5, 0, 0.45]);
    const q = quantizePerColumnInt8(w, 4, 3);
    expect(Array.from(q.scales)).toEqual([1, 1, Math.fround(0.1)]);
    expect(Array.from(q.values)).toEqual([127, 0, 127, 2, 0, -127, -2, 0, 2, 2, 0, 4]);
  });

  it('keeps every dequantized value within half a step of the original', () => {
    const rows = 33;
    const cols = 17;
    const w = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 12.9898) * (1 + (i % cols)));
    const q = quantizePerColumnInt8(w, rows, cols);
    const back = dequantizePerColumnInt8(q, rows, cols);
    for (let i = 0; i < w.length; i++) {
      const scale = q.scales[i % cols] as number;
      expect(Math.abs((back[i] as number) - (w[i] as number))).toBeLessThanOrEqual(scale / 2 + 1e-7);
    }
    expect(Math.min(...q.values)).toBeGreaterThanOrEqual(-127); // symmetric: -128 unused
  });

  it('rejects a wrong shape and non-finite weights', () => {
    expect(() => quantizePerColumnInt8(new Float32Array(5), 2, 3)).toThrow(QuantizationError);
    expect(() => quantizePerColumnInt8(Float32Array.from([1, Number.NaN]), 2, 1)).toThrow(QuantizationError);
  });
});
