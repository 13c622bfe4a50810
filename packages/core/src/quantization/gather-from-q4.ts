import { attr, DataType, float32Tensor, int64Tensor, type NodeProto, type TensorProto } from '../onnx/index.ts';

// Gather(W, idx, axis=1) of a (K, N) weight that MatMulNBits now holds packed (N, kBlocks, blob):
// the tied token embedding reads the LM head's 4-bit table instead of a float copy.
//   Gather(packed, idx, 0)        (...idx, kBlocks, blob) uint8
//   → float, split nibbles: hi = floor(b / 16), lo = b − 16·hi, interleaved (…, kBlocks, blob, 2)
//   → (code − 8) · Gather(scales (N, kBlocks), idx) (…idx, kBlocks, 1, 1)
//   → Reshape (…idx, kBlocks · blockSize) [→ Slice off the padding past K when K is not a
//   multiple of the block] → Transpose to Gather's own output layout (K, ...idx).
// idx's rank must be known.

/** A packed weight's names and sizes (4 or 8 bits); kPadded = kBlocks · blockSize ≥ k. */
export type Q4Names = { packed: string; scales: string; k: number; n: number; kBlocks: number; kPadded: number };

export function gatherFromQ4(
  n: NodeProto,
  q: Q4Names,
  indicesRank: number,
  fresh: (base: string) => string,
): { nodes: NodeProto[]; initializers: TensorProto[] } {
  const idx = n.inputs[1] as string;
  const [out] = n.outputs as [string];
  const nodes: NodeProto[] = [];
  const op = (
    opType: string,
    inputs: string[],
    attributes: NodeProto['attributes'] = [],
    output = fresh(`${out}_q4_${opType.toLowerCase()}`),
  ) => {
    nodes.push({ name: fresh(`${n.name}_q4_${opType.toLowerCase()}`), opType, domain: '', inputs, outputs: [output], attributes });
    return output;
  };
  const c = (base: string) => fresh(`${out}_q4_${base}`);
  const [sixteenth, sixteen, eight, last, twoLast, scaleShape, k] = [
    c('1_16'),
    c('16'),
    c('8'),
    c('axis_last'),
    c('axes_2'),
    c('scale_shape'),
    c('k'),
  ];
  const initializers = [
    float32Tensor(sixteenth, [1 / 16], []),
    float32Tensor(sixteen, [16], []),
    float32Tensor(eight, [8], []),
    int64Tensor(last, [-1]),
    int64Tensor(twoLast, [-1, -2]),
    int64Tensor(scaleShape, [q.n, q.kBlocks]),
    int64Tensor(k, [q.kPadded]),
  ];
  const axis0 = [{ name: 'axis', ...attr.int(0) }];
  const bytes = op('Cast', [op('Gather', [q.packed, idx], axis0)], [{ name: 'to', ...attr.int(DataType.FLOAT) }]);
  const hi = op('Floor', [op('Mul', [bytes, sixteenth])]);
  const lo = op('Sub', [bytes, op('Mul', [hi, sixteen])]);
  const pairs = op('Concat', [op('Unsqueeze', [lo, last]), op('Unsqueeze', [hi, last])], [{ name: 'axis', ...attr.int(-1) }]);
  const scales = op('Gather', [op('Reshape', [q.scales, scaleShape]), idx], axis0);
  const values = op('Mul', [op('Sub', [pairs, eight]), op('Unsqueeze', [scales, twoLast])]);
  const shape = op('Concat', [op('Shape', [idx]), k], [{ name: 'axis', ...attr.int(0) }]);
  const rows = op('Reshape', [values, shape]); // (...idx, kPadded)
  const perm = [indicesRank, ...Array.from({ length: indicesRank }, (_, i) => i)];
  op('Transpose', [sliceToK(rows, q, op, c, initializers)], [{ name: 'perm', ...attr.ints(perm) }], out);
  return { nodes, initializers };
}

/** rows (...idx, kPadded) → (...idx, K): drops the block padding (nothing to do when K fills the blocks). */
export function sliceToK(
  rows: string,
  q: Q4Names,
  op: (opType: string, inputs: string[]) => string,
  constant: (base: string) => string,
  initializers: TensorProto[],
): string {
  if (q.kPadded === q.k) return rows;
  const [zero, k, last] = [constant('0'), constant('k_end'), constant('axis_last')];
  initializers.push(int64Tensor(zero, [0]), int64Tensor(k, [q.k]), int64Tensor(last, [-1]));
  return op('Slice', [rows, zero, k, last]);
}
