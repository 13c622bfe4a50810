import * as ort from 'onnxruntime-node';

// Copies on (batch, heads, seq, last) tensors: float32 keys/values (last = head_dim), int8 codes
// (last = head_dim) or their float32 scales (last = 1). Each (row, head) is a contiguous
// (seq, last) block, so every operation is a handful of typed-array block copies.

export type KvTensorType = 'float32' | 'int8';
type KvData = Float32Array | Int8Array;

const dimsOf = (t: ort.Tensor) => t.dims.map(Number) as [number, number, number, number];

function kvData(t: ort.Tensor): KvData {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'int8') return t.data as Int8Array;
  throw new TypeError(`KV-cache tensors are float32 or int8, got ${t.type}`);
}

/** A zero-filled buffer of `t`'s element type. */
const alloc = (t: ort.Tensor, n: number): KvData => (t.type === 'int8' ? new Int8Array(n) : new Float32Array(n));

/**
 * out[r, h, padLeft + j] = t[rows[r], h, from + j] for j < to − from; the first `padLeft`
 * positions are zeros. Returns (rows.length, heads, padLeft + to − from, last).
 */
export function gatherKv(t: ort.Tensor, rows: readonly number[], from: number, to: number, padLeft: number): ort.Tensor {
  const [, heads, seq, hd] = dimsOf(t);
  const src = kvData(t);
  const len = to - from;
  const outSeq = padLeft + len;
  const out = alloc(t, rows.length * heads * outSeq * hd);
  rows.forEach((row, r) => {
    for (let h = 0; h < heads; h++) {
      const s = ((row * heads + h) * seq + from) * hd;
      const d = ((r * heads + h) * outSeq + padLeft) * hd;
      out.set(src.subarray(s, s + len * hd), d);
    }
  });
  return new ort.Tensor(t.type as KvTensorType, out, [rows.length, heads, outSeq, hd]);
}

/** Concatenates tensors of one type and equal (heads, seq, last) along the batch dimension. */
export function stackRows(tensors: readonly ort.Tensor[]): ort.Tensor {
  const first = tensors[0] as ort.Tensor;
  const [, heads, seq, hd] = dimsOf(first);
  const batch = tensors.reduce((n, t) => n + dimsOf(t)[0], 0);
  const out = alloc(first, batch * heads * seq * hd);
  let offset = 0;
  for (const t of tensors) {
    if (t.type !== first.type) throw new TypeError(`stackRows of ${first.type} and ${t.type} tensors`);
    out.set(kvData(t).subarray(0, t.size), offset);
    offset += t.size;
  }
  return new ort.Tensor(first.type as KvTensorType, out, [batch, heads, seq, hd]);
}

/** Bytes of a KV tensor's elements (float32: 4, int8: 1). */
export function kvTensorBytes(t: ort.Tensor): number {
  return t.size * (t.type === 'int8' ? 1 : 4);
}
