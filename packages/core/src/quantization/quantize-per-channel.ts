import { PermanentError } from '@inferlab/experiments';
// Symmetric int8 quantization of a (rows, cols) row-major matrix, one scale per column:
//   scale_c = max_r |W[r, c]| / 127,   q[r, c] = clamp(round_half_even(W[r, c] / scale_c), -127, 127)
// Zero point is 0, so -128 is never used (the range stays symmetric). The division is done in
// float32 (as onnxruntime's Python quantizer does with numpy), and ties round to even (np.round).
// A column of zeros gets scale 1 (any scale represents it; 0 would divide by zero).

export type PerColumnInt8 = {
  /** (rows, cols) row-major, same layout as the input. */
  values: Int8Array;
  /** (cols) float32 scales: W[r, c] ≈ values[r, c] * scales[c]. */
  scales: Float32Array;
};

export class QuantizationError extends PermanentError {
  override readonly name = 'QuantizationError';
}

/** Rounds to the nearest integer, ties to the even neighbour (IEEE roundTiesToEven). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function quantizePerColumnInt8(w: Float32Array, rows: number, cols: number): PerColumnInt8 {
  if (w.length !== rows * cols) throw new QuantizationError(`matrix has ${w.length} values, expected ${rows}×${cols}`);
  const maxAbs = new Float32Array(cols); // (cols)
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(w[row + c] as number);
      if (a > (maxAbs[c] as number)) maxAbs[c] = a;
      else if (Number.isNaN(a)) throw new QuantizationError(`NaN at (${r}, ${c})`); // NaN fails every comparison
    }
  }
  const scales = new Float32Array(cols);
  const scale64 = new Float64Array(cols); // (cols) the float32 scales, read without re-boxing
  for (let c = 0; c < cols; c++) {
    const m = maxAbs[c] as number;
    if (!Number.isFinite(m)) throw new QuantizationError(`column ${c} holds a non-finite value`);
    scales[c] = m === 0 ? 1 : m / 127;
    scale64[c] = scales[c] as number;
  }
  const values = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) {
      // fround(a / b) on float32 operands equals a correctly rounded float32 division.
      const q = roundHalfEven(Math.fround((w[row + c] as number) / (scale64[c] as number)));
      values[row + c] = Math.max(-127, Math.min(127, q));
    }
  }
  return { values, scales };
}

/** Dequantizes back to float32 (tests and error measurement). */
export function dequantizePerColumnInt8(q: PerColumnInt8, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = (q.values[r * cols + c] as number) * (q.scales[c] as number);
  }
  return out;
}
