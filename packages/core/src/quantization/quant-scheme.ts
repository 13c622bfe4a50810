import { QuantizationError, roundHalfEven } from './quantize-per-channel.ts';

// How one group of values (a tensor, a row, a column or a block) maps to integers.
//   symmetric:  q = clamp(round(x / s), -qmax, qmax), zero point 0, s = max|x| / qmax,
//               qmax = 2^(bits-1) - 1 (127, 7): the most negative code is unused so ±max both fit;
//   asymmetric: q = clamp(round(x / s) + z, 0, 2^bits - 1), s = (max - min) / (2^bits - 1),
//               z = clamp(round(-min / s), 0, 2^bits - 1).
// The asymmetric range is widened to include 0 (as onnxruntime and PyTorch do) so that 0 is
// exactly representable and z always lies in range; the seed notebook instead takes [min, max]
// as is, which differs only for all-positive or all-negative groups (where its clamped z loses
// values, and its all-equal branch reconstructs a constant c ≠ 0 as 0).
// Arithmetic is float32 step by step (Math.fround), as the seed's numpy code does; ties round to even.

export type Bits = 4 | 8;
export type QuantScheme = { bits: Bits; symmetric: boolean };
export type QuantParams = { scale: number; zeroPoint: number };

export type QuantRange = { qmin: number; qmax: number };

export function quantRange(s: QuantScheme): QuantRange {
  if (s.bits !== 4 && s.bits !== 8) throw new QuantizationError(`unsupported bit width ${s.bits as number}`);
  if (s.symmetric) {
    const qmax = 2 ** (s.bits - 1) - 1;
    return { qmin: -qmax, qmax };
  }
  return { qmin: 0, qmax: 2 ** s.bits - 1 };
}

/** Scale and zero point for a group whose values lie in [min, max] (float32 values). */
export function chooseParams(min: number, max: number, s: QuantScheme): QuantParams {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new QuantizationError('non-finite value in a group');
  const { qmin, qmax } = quantRange(s);
  if (s.symmetric) {
    const a = Math.max(Math.abs(min), Math.abs(max));
    return { scale: a === 0 ? 1 : Math.fround(a / qmax), zeroPoint: 0 };
  }
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (hi === lo) return { scale: 1, zeroPoint: 0 }; // all zeros: any scale represents them
  const scale = Math.fround(Math.fround(hi - lo) / (qmax - qmin));
  const zeroPoint = Math.max(qmin, Math.min(qmax, roundHalfEven(Math.fround(qmin - Math.fround(lo / scale)))));
  return { scale, zeroPoint };
}

/** One value to its integer code. */
export function quantizeValue(x: number, p: QuantParams, r: QuantRange): number {
  const q = roundHalfEven(Math.fround(Math.fround(x / p.scale) + p.zeroPoint));
  return Math.max(r.qmin, Math.min(r.qmax, q));
}

/** One code back to float32: s · (q − z). */
export function dequantizeValue(q: number, p: QuantParams): number {
  return Math.fround(p.scale * (q - p.zeroPoint));
}
