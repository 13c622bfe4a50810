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
import { gatherFromQ8 } from './gather-from-q8.ts';
import { namesReadDeep, namesTakenDeep, rewriteScopes, visitScopes } from './graph-walk.ts';
import { isQuantizableWeight, weightRead } from './int8-weights.ts';
import { type LayerQuantError, layerQuantError } from './layer-quant-error.ts';
import { packQ4 } from './pack-q4.ts';
import { packQ8 } from './pack-q8.ts';
import { QuantizationError } from './quantize-per-channel.ts';
import { unpackNBits } from './unpack-nbits.ts';

// Weight-only 4-bit or 8-bit block quantization (transformers.js' `model_q4.onnx`; `model_q8*.onnx`
// here): every MatMul whose B is a 2-D float32 initializer (K, N) of the main graph — read there
// or inside an If/Loop body — becomes
//   com.microsoft.MatMulNBits(A, B_packed (N, kBlocks, blockSize · bits / 8), scales (N·kBlocks)),
// layouts in pack-q4.ts / pack-q8.ts, and a Gather of columns of the same weight (GPT-2's tied
// embedding) reads the packed table (gather-from-q4.ts / -q8.ts), so it is the only copy.
// K need not fill the last block: it is padded with code 0 (MatMulNBits takes kBlocks = ⌈K / block⌉).
// Activations stay float; with accuracy_level 4 onnxruntime quantizes A to int8 inside the kernel.

export type NBitsRewriteOptions = { bits?: 4 | 8; blockSize?: 16 | 32 | 64 | 128 | 256; accuracyLevel?: 0 | 1 | 2 | 3 | 4 };
export type Q4RewriteOptions = NBitsRewriteOptions;

export type NBitsRewriteReport = {
  bits: 4 | 8;
  matmulsQuantized: number;
  gathersRewritten: number;
  weightsQuantized: string[];
  blockSize: number;
  accuracyLevel: number;
  /** One per quantized weight, in `weightsQuantized` order. */
  layers: LayerQuantError[];
};
export type Q4RewriteReport = NBitsRewriteReport;

export function rewriteMatMulNBits(model: ModelProto, opts: NBitsRewriteOptions = {}): { model: ModelProto; report: NBitsRewriteReport } {
  const bits = opts.bits ?? 4;
  if (bits !== 4 && bits !== 8) throw new QuantizationError(`option 'bits' must be 4 or 8, got ${JSON.stringify(bits)}`);
  const blockSize = opts.blockSize ?? 32;
  const accuracyLevel = opts.accuracyLevel ?? 0;
  const tag = `q${bits}`;
  const graph = model.graph;
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const quantized = new Map<string, Q4Names>();
  const added: TensorProto[] = [];
  const layers: LayerQuantError[] = [];
  visitScopes(graph, (nodes, { shadowed }) => {
    for (const n of nodes) {
      const w = n.opType === 'MatMul' ? weightRead(n) : undefined;
      const t = inits.get(w ?? '');
      if (w === undefined || shadowed.has(w) || quantized.has(w) || !isQuantizableWeight(t)) continue;
      const [k, cols] = t.dims as [number, number];
      const p = (bits === 4 ? packQ4 : packQ8)(float32Data(t), k, cols, blockSize);
      const names: Q4Names = {
        packed: `${w}_${tag}`,
        scales: `${w}_${tag}_scales`,
        k,
        n: cols,
        kBlocks: p.kBlocks,
        kPadded: p.kBlocks * blockSize,
      };
      if (inits.has(names.packed) || inits.has(names.scales)) throw new QuantizationError(`initializer '${names.packed}' already exists`);
      added.push(tensorFromArray(names.packed, DataType.UINT8, [cols, p.kBlocks, (blockSize * bits) / 8], p.packed));
      added.push(tensorFromArray(names.scales, DataType.FLOAT, [cols * p.kBlocks], p.scales));
      layers.push(layerQuantError(w, t.dims, float32Data(t), unpackNBits(p, bits)));
      quantized.set(w, names);
    }
  });

  const fresh = freshNames(namesTakenDeep(graph));
  const mainRanks = [...graph.inputs, ...graph.valueInfo];
  let matmulsQuantized = 0;
  let gathersRewritten = 0;
  const rewritten = rewriteScopes(graph, (nodes, { graph: scope, shadowed }) => {
    const ranks = new Map(
      [...mainRanks, ...(scope === graph ? [] : [...scope.inputs, ...scope.valueInfo])].map((v) => [v.name, v.shape?.length]),
    );
    const out: NodeProto[] = [];
    for (const n of nodes) {
      const w = weightRead(n);
      const q = w === undefined || shadowed.has(w) ? undefined : quantized.get(w);
      const axis = n.attributes.find((a) => a.name === 'axis')?.i ?? 0;
      const rank = ranks.get(n.inputs[1] ?? '');
      if (q !== undefined && n.opType === 'MatMul') {
        const attributes = [
          { name: 'K', ...attr.int(q.k) },
          { name: 'N', ...attr.int(q.n) },
          { name: 'bits', ...attr.int(bits) },
          { name: 'block_size', ...attr.int(blockSize) },
          { name: 'accuracy_level', ...attr.int(accuracyLevel) },
        ];
        out.push({ ...n, opType: 'MatMulNBits', domain: MS_DOMAIN, inputs: [n.inputs[0] as string, q.packed, q.scales], attributes });
        matmulsQuantized++;
      } else if (q !== undefined && (axis === 1 || axis === -1) && rank !== undefined) {
        const g = (bits === 4 ? gatherFromQ4 : gatherFromQ8)(n, q, rank, fresh);
        out.push(...g.nodes);
        added.push(...g.initializers);
        gathersRewritten++;
      } else out.push(n); // other readers keep the float weight (it stays in the file)
    }
    return out;
  });
  const stillRead = namesReadDeep(rewritten.nodes);
  for (const o of graph.outputs) stillRead.add(o.name);
  const initializers = [...graph.initializers.filter((t) => !quantized.has(t.name) || stillRead.has(t.name)), ...added];
  const opsetImports = model.opsetImports.some((o) => o.domain === MS_DOMAIN)
    ? model.opsetImports
    : [...model.opsetImports, { domain: MS_DOMAIN, version: 1 }];
  return {
    model: { ...model, opsetImports, graph: { ...rewritten, initializers } },
    report: { bits, matmulsQuantized, gathersRewritten, weightsQuantized: [...quantized.keys()], blockSize, accuracyLevel, layers },
  };
}
