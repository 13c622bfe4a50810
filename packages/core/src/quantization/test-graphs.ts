import * as ort from 'onnxruntime-node';
import { roundHalfEven } from './quantize-per-channel.ts';

// Test support only (not exported from index.ts): run a small graph in onnxruntime, and the JS
// reference of com.microsoft.DynamicQuantizeMatMul that the int8 rewrite tests compare against.

export type Feeds = Record<string, ort.Tensor>;

export const f32 = (data: readonly number[] | Float32Array, dims: number[]) => new ort.Tensor('float32', Float32Array.from(data), dims);
export const i64 = (data: readonly number[], dims: number[]) =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(data, (v) => BigInt(v)),
    dims,
  );

/** Runs the model once; every output as a plain number array. */
export async function runGraph(bytes: Uint8Array, feeds: Feeds): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
  } finally {
    await session.release();
  }
}

/**
 * y (M, N) = dequant(DynamicQuantizeLinear(a)) · wHat: A (M, K) quantized to uint8 over the whole
 * tensor (range widened to include 0, scale = range / 255, zero point rounded half to even), as
 * DynamicQuantizeMatMul does per call; wHat (K, N) is the dequantized weight.
 */
export function dynamicQuantizeMatMulRef(a: Float32Array, m: number, k: number, wHat: Float32Array, n: number): Float32Array {
  const lo = Math.min(0, ...a);
  const hi = Math.max(0, ...a);
  const scale = Math.fround(Math.fround(hi - lo) / 255);
  const zp = Math.max(0, Math.min(255, roundHalfEven(Math.fround(0 - Math.fround(lo / scale)))));
  const aHat = a.map((v) => scale * (Math.max(0, Math.min(255, roundHalfEven(Math.fround(v / scale)) + zp)) - zp));
  const y = new Float32Array(m * n);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += (aHat[r * k + i] as number) * (wHat[i * n + c] as number);
      y[r * n + c] = s;
    }
  }
  return y;
}

/** y (M, N) = a (M, K) · w (K, N) in float64. */
export function matmulRef(a: Float32Array, m: number, k: number, w: Float32Array, n: number): Float32Array {
  const y = new Float32Array(m * n);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += (a[r * k + i] as number) * (w[i * n + c] as number);
      y[r * n + c] = s;
    }
  }
  return y;
}
