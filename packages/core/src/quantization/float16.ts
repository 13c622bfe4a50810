// IEEE 754 binary16 ↔ binary32, as onnxruntime's Cast does it: round to nearest, ties to even,
// overflow to ±Infinity, gradual underflow through the subnormals (smallest 2^−24), NaN kept NaN.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toFloat16Bits(x: number): number {
  f32[0] = x;
  return bitsToFloat16(u32[0] as number);
}

/** binary32 bit pattern → binary16 bit pattern. */
function bitsToFloat16(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant === 0 ? 0 : 0x200); // ±Infinity, NaN
  const e = exp - 127 + 15; // the binary16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const m = mant | 0x800000; // the implicit leading 1, then shift into units of 2^−24
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const tie = 1 << (shift - 1);
    return sign | (rest > tie || (rest === tie && (half & 1) === 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent (and the largest finite value rounds to Infinity).
  return sign | (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? half + 1 : half);
}

export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** (n) float32 → (n) binary16 bit patterns. */
export function float32ToFloat16(x: Float32Array): Uint16Array {
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length); // a Float32Array's offset is 4-aligned
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = bitsToFloat16(bits[i] as number);
  return out;
}

let table: Float32Array | undefined; // (65536) every binary16 value as float32, built on first use

/** (n) binary16 bit patterns → (n) float32 (exact: every binary16 value is a float32 value). */
export function float16ToFloat32(h: Uint16Array): Float32Array {
  if (table === undefined) {
    table = new Float32Array(65536);
    for (let b = 0; b < 65536; b++) table[b] = fromFloat16Bits(b);
  }
  const t = table;
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = t[h[i] as number] as number;
  return out;
}
