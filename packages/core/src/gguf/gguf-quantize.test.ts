import { describe, expect, it } from 'vitest';
import { encodeTensorData } from './gguf-quantize.ts';

// Blocks worked out by hand from ggml-quants.c's reference quantizers.

describe('Q8_0', () => {
  it('scales by amax/127 and rounds half away from zero (C roundf)', () => {
    const x = new Float32Array(32);
    x[0] = -127; // amax 127: d = 1.0
    x[1] = 2.5;
    x[2] = -2.5;
    x[3] = 0.4;
    const b = encodeTensorData('Q8_0', x);
    expect(b.length).toBe(34);
    expect([...b.subarray(0, 6)]).toEqual([0x00, 0x3c, 0x81, 3, 0xfd, 0]); // f16 1.0, -127, 3, -3, 0
  });

  it('writes d = 0 and zero quants for an all-zero block', () => {
    expect([...encodeTensorData('Q8_0', new Float32Array(32))]).toEqual(new Array(34).fill(0));
  });
});

describe('Q4_0', () => {
  it('takes d = max/−8 with the sign of the largest value, low nibbles the first half', () => {
    // x[0] = −8 is the largest magnitude: d = 1.0, q = min(15, trunc(x + 8.5)).
    const x = Float32Array.from({ length: 32 }, (_, j) => (j < 16 ? j - 8 : 7 - (j - 16)));
    const b = encodeTensorData('Q4_0', x);
    expect(b.length).toBe(18);
    expect([b[0], b[1]]).toEqual([0x00, 0x3c]);
    // element j → q = j (low nibble); element 16 + j = 7 − j → q = 15 − j (high nibble)
    expect([...b.subarray(2)]).toEqual(Array.from({ length: 16 }, (_, j) => j | ((15 - j) << 4)));
  });

  it('flips the scale sign when the largest value is positive', () => {
    const x = new Float32Array(32);
    x[0] = 8; // d = 8/−8 = −1.0 (f16 0xbc00); q = trunc(x·(−1) + 8.5): x0 → 0, zeros → 8
    const b = encodeTensorData('Q4_0', x);
    expect([b[0], b[1], b[2], b[3]]).toEqual([0x00, 0xbc, 0x80, 0x88]);
  });
});

describe('F16', () => {
  it('writes IEEE half bits, little-endian', () => {
    expect([...encodeTensorData('F16', Float32Array.from([1, -2, 0.5]))]).toEqual([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38]);
  });
});
