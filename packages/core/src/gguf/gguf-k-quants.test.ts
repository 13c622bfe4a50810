import { describe, expect, it } from 'vitest';
import { dequantizeTensorData } from './gguf-dequantize.ts';
import { GGML_TYPES } from './gguf-format.ts';
import { applyQ4KM, q4KMType, useMoreBits } from './gguf-k-mix.ts';
import { encodeTensorData } from './gguf-quantize.ts';
import { tensorType } from './gguf-tensor-plan.ts';
import type { GgufTensor } from './gguf-write.ts';

// The k-quants read back through ggml's dequantize_row_* (gguf-dequantize.ts): exact on values the
// levels hold, within their bits' error on Gaussian weights, ordered by bits. That llama.cpp reads
// them the same way, a real model says: gguf-q4-k-m.test.ts.

/** Deterministic N(0, σ²) values (xorshift + Box-Muller). */
function gaussian(n: number, sigma: number, seed = 7): Float32Array {
  let s = seed;
  const u = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 2 ** 32;
  };
  return Float32Array.from({ length: n }, () => sigma * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

const relRms = (x: Float32Array, y: Float32Array) => {
  let e = 0;
  let r = 0;
  for (let i = 0; i < x.length; i++) [e, r] = [e + ((x[i] as number) - (y[i] as number)) ** 2, r + (x[i] as number) ** 2];
  return Math.sqrt(e / r);
};
const roundTrip = (type: 'Q4_K' | 'Q5_K' | 'Q6_K', x: Float32Array) => dequantizeTensorData(type, encodeTensorData(type, x), x.length);

describe('k-quants', () => {
  it('have the block sizes of ggml (144, 176, 210 bytes per 256 values)', () => {
    const x = gaussian(512, 0.02);
    for (const type of ['Q4_K', 'Q5_K', 'Q6_K'] as const) {
      expect(encodeTensorData(type, x).length).toBe(2 * GGML_TYPES[type].blockBytes);
    }
    expect(() => encodeTensorData('Q4_K', new Float32Array(32))).toThrow(/not a whole number of blocks/);
  });

  it('give back values on their levels: 32-groups of 0..15 (Q4_K), 0..31 (Q5_K), 16-groups of −32..28 by 4 (Q6_K)', () => {
    // Each group rotated by its index: a layout mistake (nibble order, fifth or high bits, scale
    // packing) moves values by whole steps. Q6_K's groups hold −32 so every scale is exactly 1.
    const ramp = (levels: number, group: number, value: (k: number) => number) =>
      Float32Array.from({ length: 512 }, (_, i) => value((i + Math.floor(i / group)) % levels));
    const cases = [
      ['Q4_K', ramp(16, 32, (k) => k)],
      ['Q5_K', ramp(32, 32, (k) => k)],
      ['Q6_K', ramp(16, 16, (k) => -32 + 4 * k)],
    ] as const;
    for (const [type, x] of cases) {
      const y = roundTrip(type, x);
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((y[i] as number) - (x[i] as number)));
      expect(worst, type).toBeLessThan(0.05); // f16 scales only: steps are 1
    }
  });

  it('quantize Gaussian weights within their bits’ error, more bits less error', () => {
    const x = gaussian(256 * 64, 0.02);
    const [q4, q5, q6] = [roundTrip('Q4_K', x), roundTrip('Q5_K', x), roundTrip('Q6_K', x)].map((y) => relRms(x, y)) as [
      number,
      number,
      number,
    ];
    console.log(`k-quants relative RMS error on N(0, 0.02²): Q4_K ${q4.toFixed(4)}, Q5_K ${q5.toFixed(4)}, Q6_K ${q6.toFixed(4)}`);
    expect(q4).toBeLessThan(0.12);
    expect(q5).toBeLessThan(q4 / 1.6);
    expect(q6).toBeLessThan(q5 / 1.6);
  });

  it('write an all-zero super-block as zeros', () => {
    for (const type of ['Q4_K', 'Q5_K', 'Q6_K'] as const) expect(roundTrip(type, new Float32Array(256)).every((v) => v === 0)).toBe(true);
  });
});

describe('Q4_K_M mix', () => {
  it('is llama.cpp’s use_more_bits: the first and last eighth of the layers and every third between', () => {
    expect(Array.from({ length: 12 }, (_, i) => useMoreBits(i, 12))).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => i < 1 || i >= 10 || (i - 1) % 3 === 2),
    );
    expect([0, 1, 2, 3].map((i) => useMoreBits(i, 4))).toEqual([false, false, true, true]); // 4 layers: 4/8 = 0, 28/8 = 3
  });

  it('gives the LM head (or the tied embedding) Q6_K, GPT-2’s qkv Q5_K, attn_v and ffn_down Q6_K where use_more_bits', () => {
    expect(q4KMType('token_embd.weight', 12, false)).toBe('Q6_K');
    expect(q4KMType('token_embd.weight', 12, true)).toBe('Q4_K');
    expect(q4KMType('output.weight', 12, true)).toBe('Q6_K');
    expect(q4KMType('blk.5.attn_qkv.weight', 12, false)).toBe('Q5_K');
    expect(q4KMType('blk.0.ffn_down.weight', 12, false)).toBe('Q6_K');
    expect(q4KMType('blk.1.ffn_down.weight', 12, false)).toBe('Q4_K');
    expect(q4KMType('blk.3.attn_v.weight', 12, false)).toBe('Q6_K');
    expect(q4KMType('blk.3.ffn_up.weight', 12, false)).toBe('Q4_K');
  });

  it('leaves F32 tensors and rows that fell back (not whole super-blocks) as planned', () => {
    const t = (name: string, ne: number[]): GgufTensor => ({
      name,
      ne,
      type: tensorType('Q4_K', ne, 'matrix'),
      values: new Float32Array(0),
    });
    const mixed = applyQ4KM([t('token_embd.weight', [256, 10]), t('blk.0.ffn_down.weight', [64, 256]), t('blk.0.ffn_up.weight', [100, 4])]);
    expect(mixed.map((m) => m.type)).toEqual(['Q6_K', 'Q8_0', 'F16']);
  });
});
