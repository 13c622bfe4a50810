import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../prng.ts';
import { float32ToBfloat16Bits, float32ToFloat16Bits, halfBytes } from './half-float-encode.ts';
import { SafetensorsFile } from './safetensors-read.ts';
import { encodeSafetensors } from './safetensors-write.ts';

// The encoder against independent definitions: every half value decoded by the safetensors
// reader, and "nearest representable value, ties to the even pattern" found by search.

const decode = (dtype: 'F16' | 'BF16', bits: number[]) => {
  const bytes = new Uint8Array(bits.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, b] of bits.entries()) view.setUint16(2 * i, b, true);
  return new SafetensorsFile(encodeSafetensors(new Map([['x', { shape: [bits.length], dtype, bytes }]]))).read('x');
};

/** Nearest-even by search over sorted candidate values (bit patterns ordered like their values). */
function nearestEven(x: number, values: Float32Array, patterns: number[]): number {
  let lo = 0;
  let hi = values.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((values[mid] as number) <= x) lo = mid;
    else hi = mid;
  }
  const [a, b] = [values[lo] as number, values[hi] as number];
  const [da, db] = [Math.abs(x - a), Math.abs(b - x)];
  if (da !== db) return da < db ? (patterns[lo] as number) : (patterns[hi] as number);
  return ((patterns[lo] as number) & 1) === 0 ? (patterns[lo] as number) : (patterns[hi] as number);
}

describe('float16 / bfloat16 encoding', () => {
  it('round-trips every finite float16 value exactly', () => {
    const bits = Array.from({ length: 65536 }, (_, h) => h).filter((h) => (h & 0x7c00) !== 0x7c00);
    const values = decode('F16', bits);
    bits.forEach((h, i) => {
      if (float32ToFloat16Bits(values[i] as number) !== h) throw new Error(`half 0x${h.toString(16)} → ${values[i]} does not round-trip`);
    });
    expect(float32ToFloat16Bits(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00); // overflow
    expect(float32ToFloat16Bits(-1e-9)).toBe(0x8000); // underflow keeps the sign
  });

  it('rounds float32 to the nearest float16 and bfloat16, ties to even', () => {
    const positive = Array.from({ length: 0x7c00 }, (_, h) => h); // +0 … max finite half, increasing
    const halfValues = decode('F16', positive);
    const rng = Xoshiro128.forTensor(7, 'half-float-test');
    const samples = new Float32Array(20000);
    rng.fillNormal(samples, 0.05);
    // Exact midpoints between neighbours (1 + 2^-11 lies between 1 and 1 + 2^-10) and subnormals.
    const extra = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -25, 3 * 2 ** -25, 2 ** -14 - 2 ** -25, 65519, 0.1, 1 / 3];
    for (const x of [...samples, ...extra.map(Math.fround)]) {
      const want = nearestEven(Math.abs(x), halfValues, positive) | (x < 0 ? 0x8000 : 0);
      if (float32ToFloat16Bits(x) !== want)
        throw new Error(`f16(${x}) = 0x${float32ToFloat16Bits(x).toString(16)}, want 0x${want.toString(16)}`);
      // bfloat16 candidates: the float32 patterns with the low 16 bits cleared, below and above.
      const f = new Float32Array([Math.abs(x)]);
      const low = new Uint32Array(f.buffer)[0] as number;
      const pats = [low >>> 16, (low >>> 16) + 1];
      const bf = nearestEven(Math.abs(x), decode('BF16', pats), pats) | (x < 0 ? 0x8000 : 0);
      if (float32ToBfloat16Bits(x) !== bf)
        throw new Error(`bf16(${x}) = 0x${float32ToBfloat16Bits(x).toString(16)}, want 0x${bf.toString(16)}`);
    }
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even (1.0)
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (1 + 2^-9)
    expect(halfBytes(Float32Array.of(1, -2), 'BF16')).toEqual(Uint8Array.of(0x80, 0x3f, 0x00, 0xc0));
  });
});
