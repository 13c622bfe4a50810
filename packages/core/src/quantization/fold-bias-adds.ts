import { DataType, type GraphProto, type NodeProto, type TensorProto } from '../onnx/index.ts';
import { type QuantizedWeight, weightRead } from './int8-weights.ts';

export type BiasFold = { add: NodeProto; bias: string };

/**
 * MatMul → Add(bias) pairs where the MatMul's output feeds only that Add and the bias is a 1-D
 * float32 initializer of N values: DynamicQuantizeMatMul adds it itself (ORT's own fusion of the
 * unfused int8 chain does the same; emitting the fused op directly would otherwise lose it).
 */
export function findFoldableBiasAdds(
  graph: GraphProto,
  inits: Map<string, TensorProto>,
  quantized: Map<string, QuantizedWeight>,
): { byMatMul: Map<NodeProto, BiasFold>; byAdd: Set<NodeProto> } {
  const consumers = new Map<string, NodeProto[]>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) {
      const list = consumers.get(i);
      if (list === undefined) consumers.set(i, [n]);
      else list.push(n);
    }
  }
  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  const byMatMul = new Map<NodeProto, BiasFold>();
  const byAdd = new Set<NodeProto>();
  for (const n of graph.nodes) {
    const q = n.opType === 'MatMul' ? quantized.get(weightRead(n) ?? '') : undefined;
    const out = n.outputs[0] as string;
    const users = consumers.get(out) ?? [];
    const add = users[0];
    if (q === undefined || users.length !== 1 || graphOutputs.has(out)) continue;
    if (add?.opType !== 'Add' || add.domain !== '') continue;
    const bias = add.inputs[0] === out ? add.inputs[1] : add.inputs[0];
    const b = inits.get(bias ?? '');
    if (b === undefined || b.dataType !== DataType.FLOAT || b.dims.length !== 1 || b.dims[0] !== q.cols) continue;
    byMatMul.set(n, { add, bias: b.name });
    byAdd.add(add);
  }
  return { byMatMul, byAdd };
}
