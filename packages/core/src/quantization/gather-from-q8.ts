import { attr, DataType, float32Tensor, int64Tensor, type NodeProto, type TensorProto } from '../onnx/index.ts';
import { type Q4Names, sliceToK } from './gather-from-q4.ts';

// Gather(W, idx, axis=1) of a (K, N) weight that MatMulNBits (bits 8) now holds packed
// (N, kBlocks, blockSize): the tied token embedding reads the LM head's 8-bit table.
//   Gather(packed, idx, 0)        (...idx, kBlocks, blockSize) uint8
//   → float − 128 (the codes) · Gather(scales (N, kBlocks), idx) (...idx, kBlocks, 1)
//   → Reshape (...idx, kBlocks · blockSize) [→ Slice to K] → Transpose to Gather's own output
//   layout (K, ...idx). idx's rank must be known.

export function gatherFromQ8(
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
    output = fresh(`${out}_q8_${opType.toLowerCase()}`),
  ) => {
    nodes.push({ name: fresh(`${n.name}_q8_${opType.toLowerCase()}`), opType, domain: '', inputs, outputs: [output], attributes });
    return output;
  };
  const [zero, last, scaleShape, k] = ['128', 'axis_last', 'scale_shape', 'k'].map((b) => fresh(`${out}_q8_${b}`)) as [
    string,
    string,
    string,
    string,
  ];
  const initializers = [
    float32Tensor(zero, [128], []),
    int64Tensor(last, [-1]),
    int64Tensor(scaleShape, [q.n, q.kBlocks]),
    int64Tensor(k, [q.kPadded]),
  ];
  const axis0 = [{ name: 'axis', ...attr.int(0) }];
  const bytes = op('Cast', [op('Gather', [q.packed, idx], axis0)], [{ name: 'to', ...attr.int(DataType.FLOAT) }]);
  const scales = op('Gather', [op('Reshape', [q.scales, scaleShape]), idx], axis0); // (...idx, kBlocks)
  const values = op('Mul', [op('Sub', [bytes, zero]), op('Unsqueeze', [scales, last])]);
  const shape = op('Concat', [op('Shape', [idx]), k], [{ name: 'axis', ...attr.int(0) }]);
  const rows = op('Reshape', [values, shape]); // (...idx, kPadded)
  const perm = [indicesRank, ...Array.from({ length: indicesRank }, (_, i) => i)];
  const constant = (base: string) => fresh(`${out}_q8_${base}`);
  op('Transpose', [sliceToK(rows, q, op, constant, initializers)], [{ name: 'perm', ...attr.ints(perm) }], out);
  return { nodes, initializers };
}
