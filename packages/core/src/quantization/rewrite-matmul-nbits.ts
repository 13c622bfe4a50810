import {
  attr,
  DataType,
  float32Data,
  type ModelProto,
  MS_DOMAIN,
  type NodeProto,
  type TensorProto,
  tensorFromArray,
} from '../onnx/index.ts';
import { freshNames } from './fresh-names.ts';
import { gatherFromQ4, type Q4Names } from './gather-from-q4.ts';
import { isQuantizableWeight, weightRead } from './int8-weights.ts';
import { packQ4 } from './pack-q4.ts';
import { QuantizationError } from './quantize-per-channel.ts';

// Weight-only 4-bit quantization (transformers.js' `model_q4.onnx`): every MatMul whose B is a
// 2-D float32 initializer (K, N) with K a multiple of the block becomes
//   com.microsoft.MatMulNBits(A, B_q4 (N, kBlocks, blob), scales (N·kBlocks)), bits 4,
// and a Gather of columns of the same weight (GPT-2's tied embedding) reads the packed table
// (gather-from-q4.ts), so the 4-bit copy is the only copy. Activations stay float; with
// accuracy_level 4 onnxruntime quantizes A to int8 inside the kernel (faster, less exact).

export type Q4RewriteOptions = { blockSize?: 16 | 32 | 64 | 128 | 256; accuracyLevel?: 0 | 1 | 2 | 3 | 4 };

export type Q4RewriteReport = {
  matmulsQuantized: number;
  gathersRewritten: number;
  weightsQuantized: string[];
  blockSize: number;
  accuracyLevel: number;
};

export function rewriteMatMulNBits(model: ModelProto, opts: Q4RewriteOptions = {}): { model: ModelProto; report: Q4RewriteReport } {
  const blockSize = opts.blockSize ?? 32;
  const accuracyLevel = opts.accuracyLevel ?? 0;
  const graph = model.graph;
  const hasSubgraphs = graph.nodes.some((n) => n.attributes.some((a) => a.g !== undefined || (a.graphs?.length ?? 0) > 0));
  // A subgraph may read a weight we would drop (Optimum's merged decoders): refuse rather than break it.
  if (hasSubgraphs) throw new QuantizationError('graphs with subgraphs (If/Loop) are not handled by the q4 rewrite yet');
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const ranks = new Map([...graph.inputs, ...graph.valueInfo].map((v) => [v.name, v.shape?.length]));
  const quantized = new Map<string, Q4Names>();
  const added: TensorProto[] = [];
  for (const n of graph.nodes) {
    const w = n.opType === 'MatMul' ? weightRead(n) : undefined;
    const t = inits.get(w ?? '');
    if (w === undefined || quantized.has(w) || !isQuantizableWeight(t) || (t.dims[0] as number) % blockSize !== 0) continue;
    const [k, cols] = t.dims as [number, number];
    const p = packQ4(float32Data(t), k, cols, blockSize);
    const names: Q4Names = { packed: `${w}_q4`, scales: `${w}_q4_scales`, k, n: cols, kBlocks: p.kBlocks };
    if (inits.has(names.packed) || inits.has(names.scales)) throw new QuantizationError(`initializer '${names.packed}' already exists`);
    added.push(tensorFromArray(names.packed, DataType.UINT8, [cols, p.kBlocks, blockSize / 2], p.packed));
    added.push(tensorFromArray(names.scales, DataType.FLOAT, [cols * p.kBlocks], p.scales));
    quantized.set(w, names);
  }

  const fresh = freshNames([...graph.nodes.flatMap((n) => [n.name, ...n.outputs]), ...inits.keys()]);
  let matmulsQuantized = 0;
  let gathersRewritten = 0;
  const nodes: NodeProto[] = [];
  for (const n of graph.nodes) {
    const q = quantized.get(weightRead(n) ?? '');
    const axis = n.attributes.find((a) => a.name === 'axis')?.i ?? 0;
    const rank = ranks.get(n.inputs[1] ?? '');
    if (q !== undefined && n.opType === 'MatMul') {
      const attributes = [
        { name: 'K', ...attr.int(q.k) },
        { name: 'N', ...attr.int(q.n) },
        { name: 'bits', ...attr.int(4) },
        { name: 'block_size', ...attr.int(blockSize) },
        { name: 'accuracy_level', ...attr.int(accuracyLevel) },
      ];
      nodes.push({ ...n, opType: 'MatMulNBits', domain: MS_DOMAIN, inputs: [n.inputs[0] as string, q.packed, q.scales], attributes });
      matmulsQuantized++;
    } else if (q !== undefined && (axis === 1 || axis === -1) && rank !== undefined) {
      const g = gatherFromQ4(n, q, rank, fresh);
      nodes.push(...g.nodes);
      added.push(...g.initializers);
      gathersRewritten++;
    } else nodes.push(n); // other readers keep the float weight (it stays in the file)
  }
  const stillRead = new Set(nodes.flatMap((n) => n.inputs));
  for (const o of graph.outputs) stillRead.add(o.name);
  const initializers = [...graph.initializers.filter((t) => !quantized.has(t.name) || stillRead.has(t.name)), ...added];
  const opsetImports = model.opsetImports.some((o) => o.domain === MS_DOMAIN)
    ? model.opsetImports
    : [...model.opsetImports, { domain: MS_DOMAIN, version: 1 }];
  return {
    model: { ...model, opsetImports, graph: { ...graph, nodes, initializers } },
    report: { matmulsQuantized, gathersRewritten, weightsQuantized: [...quantized.keys()], blockSize, accuracyLevel },
  };
}
