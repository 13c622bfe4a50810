import { QuantizationError } from './quantize-per-channel.ts';

// Reconstruction error of x̂ = dequantize(quantize(x)), in float64:
//   mse = mean((x − x̂)²),  maxAbsError = max |x − x̂|,
//   sqnrDb = 10·log10(Σ x² / Σ (x − x̂)²)  (+Infinity when exact, −Infinity when x is all zeros but x̂ is not).

export type QuantErrorStats = { mse: number; maxAbsError: number; sqnrDb: number };

export function quantError(x: Float32Array, xHat: Float32Array): QuantErrorStats {
  if (x.length !== xHat.length || x.length === 0) {
    throw new QuantizationError(`cannot compare ${x.length} values with ${xHat.length}`);
  }
  let signal = 0;
  let noise = 0;
  let maxAbsError = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    const e = v - (xHat[i] as number);
    signal += v * v;
    noise += e * e;
    maxAbsError = Math.max(maxAbsError, Math.abs(e));
  }
  const sqnrDb = noise === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
  return { mse: noise / x.length, maxAbsError, sqnrDb };
}
