import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../forge/prng.ts';
import { quantError } from './quant-error.ts';
import { type Granularity, groupLayout } from './quant-groups.ts';
import type { Bits } from './quant-scheme.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';

// (3, 4): two small rows and one large row, 8-bit symmetric.
const W = Float32Array.from([1, -2, 3, -1, 2, 1, -3, 0, 127, -254, 381, -508]);

describe('per-channel versus per-tensor', () => {
  it('one large row: per-tensor (scale 4) flattens the small rows, per-row keeps them', () => {
    const s = { bits: 8, symmetric: true } as const;
    const tensor = quantizeTensor(W, 3, 4, s, { kind: 'tensor' });
    expect(Array.from(tensor.scales)).toEqual([4]);
    // 1/4 → 0, −2/4 = −0.5 → 0 (tie to even), 3/4 → 1; −63.5 → −64 (tie to even), 95.25 → 95.
    expect(Array.from(tensor.values)).toEqual([0, 0, 1, 0, 0, 0, -1, 0, 32, -64, 95, -127]);
    const rows = quantizeTensor(W, 3, 4, s, { kind: 'channel', per: 'row' });
    expect(Array.from(rows.scales)).toEqual([Math.fround(3 / 127), Math.fround(3 / 127), 4]);
    expect(Array.from(rows.values)).toEqual([42, -85, 127, -42, 85, 42, -127, 0, 32, -64, 95, -127]);
    const eTensor = quantError(W, dequantizeTensor(tensor));
    const eRows = quantError(W, dequantizeTensor(rows));
    expect(eRows.mse).toBeLessThan(eTensor.mse / 2);
    expect(eRows.sqnrDb).toBeGreaterThan(eTensor.sqnrDb);
    // The large row is quantized identically both ways: all the gain is in the small rows.
    expect(Array.from(rows.values.slice(8))).toEqual(Array.from(tensor.values.slice(8)));
  });

  it('per-column scales are one per column', () => {
    const cols = quantizeTensor(W, 3, 4, { bits: 8, symmetric: true }, { kind: 'channel', per: 'column' });
    expect(Array.from(cols.scales)).toEqual([1, 2, 3, 4]);
    expect(Array.from(cols.values)).toEqual([1, -1, 1, 0, 2, 0, -1, 0, 127, -127, 127, -127]);
  });
});

describe('per-block scales', () => {
  it('4-bit symmetric blocks of 4 along a row', () => {
    const x = Float32Array.from([7, -7, 3.5, 0, 70, 35, -14, 7]);
    const q = quantizeTensor(x, 1, 8, { bits: 4, symmetric: true }, { kind: 'block', per: 'row', size: 4 });
    expect(Array.from(q.scales)).toEqual([1, 10]);
    expect(Array.from(q.values)).toEqual([7, -7, 4, 0, 7, 4, -1, 1]); // 3.5 → 4 and 3.5 → 4 (ties to even)
  });

  it('blocks down a column (MatMulNBits layout), the last block partial', () => {
    const g: Granularity = { kind: 'block', per: 'column', size: 2 };
    expect(groupLayout(g, 5, 2).count).toBe(6);
    expect(groupLayout(g, 5, 2).of(4, 1)).toBe(5);
    const x = Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40, 5, 50]); // (5, 2)
    const q = quantizeTensor(x, 5, 2, { bits: 8, symmetric: false }, g);
    // Column 0 blocks [1, 2], [3, 4], [5]; column 1 [10, 20], [30, 40], [50]: scale = max / 255
    // (min widened to 0). 1 / fround(2 / 255) = 127.49999 in float32 (numpy agrees), so 127, not 128.
    expect(Array.from(q.scales)).toEqual([2, 4, 5, 20, 40, 50].map((m) => Math.fround(m / 255)));
    expect(Array.from(q.values)).toEqual([127, 127, 255, 255, 191, 191, 255, 255, 255, 255]);
    expect(Array.from(q.zeroPoints)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('rejects a block size that is not a positive integer', () => {
    expect(() => groupLayout({ kind: 'block', per: 'row', size: 0 }, 2, 2)).toThrow(/block size/);
  });
});

describe('property: |dequantize(quantize(x)) − x| ≤ scale / 2', () => {
  const granularities: Granularity[] = [
    { kind: 'tensor' },
    { kind: 'channel', per: 'row' },
    { kind: 'channel', per: 'column' },
    { kind: 'block', per: 'row', size: 4 },
    { kind: 'block', per: 'column', size: 32 },
  ];
  const rng = new Xoshiro128(20261129);
  const uniform = () => rng.nextUint32() / 2 ** 32;
  for (const bits of [4, 8] as Bits[]) {
    for (const symmetric of [true, false]) {
      it(`${bits}-bit ${symmetric ? 'symmetric' : 'asymmetric'}, 40 seeded matrices × 5 granularities`, () => {
        for (let trial = 0; trial < 40; trial++) {
          const rows = 1 + Math.floor(uniform() * 40);
          const cols = 1 + Math.floor(uniform() * 40);
          const offset = (uniform() - 0.3) * 20; // often non-centred, sometimes all one sign
          const spread = 10 ** (uniform() * 6 - 3);
          const x = Float32Array.from({ length: rows * cols }, () => offset + (uniform() - 0.5) * spread);
          for (const g of granularities) {
            const q = quantizeTensor(x, rows, cols, { bits, symmetric }, g);
            const back = dequantizeTensor(q);
            const layout = groupLayout(g, rows, cols);
            for (let i = 0; i < x.length; i++) {
              const scale = q.scales[layout.of(Math.floor(i / cols), i % cols)] as number;
              const v = x[i] as number;
              // float32 rounding of x/s and s·(q−z) adds a few ulps of the magnitudes involved.
              const ulps = 4 * 2 ** -23 * (Math.abs(v) + scale * 2 ** bits);
              expect(Math.abs((back[i] as number) - v)).toBeLessThanOrEqual(scale / 2 + ulps);
            }
          }
        }
      });
    }
  }
});
