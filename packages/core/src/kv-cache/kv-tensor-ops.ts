import * as ort from 'onnxruntime-node';

// Copies on (batch, heads, seq, head_dim) float32 tensors. Each (row, head) is a contiguous
// (seq, head_dim) block, so every operation is a handful of typed-array block copies.

const dimsOf = (t: ort.Tensor) => t.dims.map(Number) as [number, number, number, number];

/**
 * out[r, h, padLeft + j] = t[rows[r], h, from + j] for j < to − from; the first `padLeft`
 * positions are zeros. Returns (rows.length, heads, padLeft + to − from, head_dim).
 */
export function gatherKv(t: ort.Tensor, rows: readonly number[], from: number, to: number, padLeft: number): ort.Tensor {
  const [, heads, seq, hd] = dimsOf(t);
  const src = t.data as Float32Array;
  const len = to - from;
  const outSeq = padLeft + len;
  const out = new Float32Array(rows.length * heads * outSeq * hd);
  rows.forEach((row, r) => {
    for (let h = 0; h < heads; h++) {
      const s = ((row * heads + h) * seq + from) * hd;
      const d = ((r * heads + h) * outSeq + padLeft) * hd;
      out.set(src.subarray(s, s + len * hd), d);
    }
  });
  return new ort.Tensor('float32', out, [rows.length, heads, outSeq, hd]);
}

/** Concatenates tensors of equal (heads, seq, head_dim) along the batch dimension. */
export function stackRows(tensors: readonly ort.Tensor[]): ort.Tensor {
  const [, heads, seq, hd] = dimsOf(tensors[0] as ort.Tensor);
  const batch = tensors.reduce((n, t) => n + dimsOf(t)[0], 0);
  const out = new Float32Array(batch * heads * seq * hd);
  let offset = 0;
  for (const t of tensors) {
    const data = t.data as Float32Array;
    out.set(data.subarray(0, t.size), offset);
    offset += t.size;
  }
  return new ort.Tensor('float32', out, [batch, heads, seq, hd]);
}
