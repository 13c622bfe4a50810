import { DataType, type GraphProto, type NodeProto, type TensorProto } from '../onnx/index.ts';
import { namesReadDeep, subgraphsOf } from './graph-walk.ts';
import { type QuantizedWeight, weightRead } from './int8-weights.ts';

export type BiasFold = { add: NodeProto; bias: string };

/**
 * MatMul → Add(bias) pairs where the MatMul's output feeds only that Add and the bias is a 1-D
 * float32 initializer of N values: DynamicQuantizeMatMul adds it itself (ORT's own fusion of the
 * unfused int8 chain does the same; emitting the fused op directly would otherwise lose it).
 * `graph` is one scope (the main graph or a subgraph); `shadowed` are outer names it redefines.
 */
export function findFoldableBiasAdds(
  graph: GraphProto,
  inits: Map<string, TensorProto>,
  quantized: Map<string, QuantizedWeight>,
  shadowed: ReadonlySet<string> = new Set(),
): { byMatMul: Map<NodeProto, BiasFold>; byAdd: Set<NodeProto> } {
  const consumers = new Map<string, NodeProto[]>();
  for (const n of graph.nodes) {
    // A node with subgraphs reads outer names implicitly: it counts as a consumer of each.
    const reads = subgraphsOf(n).length === 0 ? n.inputs : [...namesReadDeep([n])];
    for (const i of reads) {
      const list = consumers.get(i);
      if (list === undefined) consumers.set(i, [n]);
      else list.push(n);
    }
  }
  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  const byMatMul = new Map<NodeProto, BiasFold>();
  const byAdd = new Set<NodeProto>();
  for (const n of graph.nodes) {
    const w = n.opType === 'MatMul' ? weightRead(n) : undefined;
    const q = w === undefined || shadowed.has(w) ? undefined : quantized.get(w);
    const out = n.outputs[0] as string;
    const users = consumers.get(out) ?? [];
    const add = users[0];
    if (q === undefined || users.length !== 1 || graphOutputs.has(out)) continue;
    if (add?.opType !== 'Add' || add.domain !== '') continue;
    const bias = add.inputs[0] === out ? add.inputs[1] : add.inputs[0];
    const b = shadowed.has(bias ?? '') ? undefined : inits.get(bias ?? '');
    if (b === undefined || b.dataType !== DataType.FLOAT || b.dims.length !== 1 || b.dims[0] !== q.cols) continue;
    byMatMul.set(n, { add, bias: b.name });
    byAdd.add(add);
  }
  return { byMatMul, byAdd };
}
