import { type Granularity, groupLayout } from './quant-groups.ts';
import { chooseParams, dequantizeValue, type QuantParams, type QuantScheme, quantizeValue, quantRange } from './quant-scheme.ts';
import { QuantizationError } from './quantize-per-channel.ts';

// Quantize / dequantize a (rows, cols) row-major float32 matrix (a vector is (1, n)) with any
// scheme (4/8 bits, symmetric/asymmetric) and granularity (tensor, channel, block).
// Codes are kept one per byte, unpacked: Int8Array when symmetric, Uint8Array when asymmetric
// (packing 4-bit codes two per byte is the file writer's business).

export type QuantizedTensor = {
  rows: number;
  cols: number;
  scheme: QuantScheme;
  granularity: Granularity;
  /** (rows, cols) integer codes. */
  values: Int8Array | Uint8Array;
  /** (groups) float32 scales, group order of `groupLayout`. */
  scales: Float32Array;
  /** (groups) zero points (all 0 when symmetric). */
  zeroPoints: Int32Array;
};

export function quantizeTensor(
  x: Float32Array,
  rows: number,
  cols: number,
  scheme: QuantScheme,
  granularity: Granularity,
): QuantizedTensor {
  if (x.length !== rows * cols) throw new QuantizationError(`tensor has ${x.length} values, expected ${rows}×${cols}`);
  const layout = groupLayout(granularity, rows, cols);
  const min = new Float64Array(layout.count).fill(Number.POSITIVE_INFINITY); // (groups)
  const max = new Float64Array(layout.count).fill(Number.NEGATIVE_INFINITY); // (groups)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = x[r * cols + c] as number;
      if (!Number.isFinite(v)) throw new QuantizationError(`non-finite value at (${r}, ${c})`);
      const g = layout.of(r, c);
      if (v < (min[g] as number)) min[g] = v;
      if (v > (max[g] as number)) max[g] = v;
    }
  }
  const scales = new Float32Array(layout.count);
  const zeroPoints = new Int32Array(layout.count);
  const params: QuantParams[] = [];
  for (let g = 0; g < layout.count; g++) {
    const empty = (min[g] as number) > (max[g] as number); // a block past the end of a line
    const p = empty ? { scale: 1, zeroPoint: 0 } : chooseParams(min[g] as number, max[g] as number, scheme);
    params.push(p);
    scales[g] = p.scale;
    zeroPoints[g] = p.zeroPoint;
  }
  const range = quantRange(scheme);
  const values = scheme.symmetric ? new Int8Array(rows * cols) : new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      values[r * cols + c] = quantizeValue(x[r * cols + c] as number, params[layout.of(r, c)] as QuantParams, range);
    }
  }
  return { rows, cols, scheme, granularity, values, scales, zeroPoints };
}

export function dequantizeTensor(q: QuantizedTensor): Float32Array {
  const layout = groupLayout(q.granularity, q.rows, q.cols);
  const out = new Float32Array(q.rows * q.cols);
  for (let r = 0; r < q.rows; r++) {
    for (let c = 0; c < q.cols; c++) {
      const g = layout.of(r, c);
      const p = { scale: q.scales[g] as number, zeroPoint: q.zeroPoints[g] as number };
      out[r * q.cols + c] = dequantizeValue(q.values[r * q.cols + c] as number, p);
    }
  }
  return out;
}
