import { attr, DataType, float32Tensor, int64Tensor, type NodeProto, type TensorProto } from '../onnx/index.ts';

// Gather(W, idx, axis=1) of a (K, N) weight that MatMulNBits now holds packed (N, kBlocks, blob):
// the tied token embedding reads the LM head's 4-bit table instead of a float copy.
//   Gather(packed, idx, 0)        (...idx, kBlocks, blob) uint8
//   → float, split nibbles: hi = floor(b / 16), lo = b − 16·hi, interleaved (…, kBlocks, blob, 2)
//   → (code − 8) · Gather(scales (N, kBlocks), idx) (…idx, kBlocks, 1, 1)
//   → Reshape (…idx, K) → Transpose to Gather's own output layout (K, ...idx).
// K must be a multiple of the block (no padding to slice off); idx's rank must be known.

export type Q4Names = { packed: string; scales: string; k: number; n: number; kBlocks: number };

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
    int64Tensor(k, [q.k]),
  ];
  const axis0 = [{ name: 'axis', ...attr.int(0) }];
  const bytes = op('Cast', [op('Gather', [q.packed, idx], axis0)], [{ name: 'to', ...attr.int(DataType.FLOAT) }]);
  const hi = op('Floor', [op('Mul', [bytes, sixteenth])]);
  const lo = op('Sub', [bytes, op('Mul', [hi, sixteen])]);
  const pairs = op('Concat', [op('Unsqueeze', [lo, last]), op('Unsqueeze', [hi, last])], [{ name: 'axis', ...attr.int(-1) }]);
  const scales = op('Gather', [op('Reshape', [q.scales, scaleShape]), idx], axis0);
  const values = op('Mul', [op('Sub', [pairs, eight]), op('Unsqueeze', [scales, twoLast])]);
  const shape = op('Concat', [op('Shape', [idx]), k], [{ name: 'axis', ...attr.int(0) }]);
  const rows = op('Reshape', [values, shape]); // (...idx, K)
  const perm = [indicesRank, ...Array.from({ length: indicesRank }, (_, i) => i)];
  op('Transpose', [rows], [{ name: 'perm', ...attr.ints(perm) }], out);
  return { nodes, initializers };
}
