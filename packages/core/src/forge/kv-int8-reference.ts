import { KV_INT8_MAX } from './gpt2-kv-int8.ts';

// Test support (not exported from index.ts): the int8 KV cache's quantizer in plain JS, in float32
// like the graph, so the graph's codes can be checked exactly.

/** Round half to even, as ONNX Round does. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d !== 0.5) return d < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Rows of `hd` values (…, T, hd) → int8 codes (…, T, hd) and float32 scales (…, T). */
export function quantizeKvRows(x: Float32Array, hd: number): { codes: Int8Array; scales: Float32Array } {
  const rows = x.length / hd;
  const codes = new Int8Array(x.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let absMax = 0;
    for (let j = 0; j < hd; j++) absMax = Math.max(absMax, Math.abs(x[r * hd + j] as number));
    const scale = Math.fround(absMax / KV_INT8_MAX);
    const divisor = scale === 0 ? 1 : scale;
    scales[r] = scale;
    for (let j = 0; j < hd; j++) {
      const q = roundHalfEven(Math.fround((x[r * hd + j] as number) / divisor));
      codes[r * hd + j] = Math.max(-KV_INT8_MAX, Math.min(KV_INT8_MAX, q));
    }
  }
  return { codes, scales };
}
