// float32 → float16 / bfloat16 bit patterns, rounding to nearest, ties to even (what torch's
// .half() and .bfloat16() do), for writing F16/BF16 safetensors from float32 weights.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds to nearest even after dropping `shift` low bits of `full`. */
function roundShift(full: number, shift: number): number {
  const q = full >>> shift;
  const rem = full & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q;
}

export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0] as number;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant === 0 ? 0 : 0x200); // inf, NaN
  const e = exp - 127 + 15; // half exponent field
  if (e >= 0x1f) return sign | 0x7c00; // overflow → inf
  if (e <= 0) {
    // Half subnormal m·2^-24: m = (1.mant)·2^(e−1+10) from the 24-bit significand, shifted right by 14 − e.
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    return sign | roundShift(mant | 0x800000, 14 - e);
  }
  // A carry out of the mantissa bumps the exponent (and 0x7bff rounds up to inf), as it should.
  return sign | (((e << 10) | (mant >>> 13)) + (roundShift(mant, 13) - (mant >>> 13)));
}

export function float32ToBfloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0] as number;
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) return (b >>> 16) | 0x40; // quiet NaN
  return roundShift(b, 16) & 0xffff;
}

/** Little-endian F16 or BF16 bytes of `data`. */
export function halfBytes(data: Float32Array, dtype: 'F16' | 'BF16'): Uint8Array {
  const out = new Uint8Array(data.length * 2);
  const view = new DataView(out.buffer);
  const encode = dtype === 'F16' ? float32ToFloat16Bits : float32ToBfloat16Bits;
  for (let i = 0; i < data.length; i++) view.setUint16(2 * i, encode(data[i] as number), true);
  return out;
}
