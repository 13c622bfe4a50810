import { type ModelProto, MS_DOMAIN, type NodeProto, type TensorProto } from '../onnx/index.ts';
import { findFoldableBiasAdds } from './fold-bias-adds.ts';
import { freshNames } from './fresh-names.ts';
import { gatherFromInt8 } from './gather-from-int8.ts';
import { namesReadDeep, namesTakenDeep, rewriteScopes, visitScopes } from './graph-walk.ts';
import { type Int8Scheme, isQuantizableWeight, type QuantizedWeight, quantizeInt8Weight, weightRead } from './int8-weights.ts';
import type { LayerQuantError } from './layer-quant-error.ts';
import { QuantizationError } from './quantize-per-channel.ts';

// Dynamic int8 quantization as a graph rewrite (what onnxruntime's quantize_dynamic does): every
// MatMul whose B is a 2-D float32 initializer of the main graph — read there or inside an If/Loop
// body — becomes
//   com.microsoft.DynamicQuantizeMatMul(A, B_q, B_scale[, B_zero_point][, bias])
// which quantizes A to uint8 per call and runs an integer GEMM (VNNI/AMX on x86). The unfused
// DynamicQuantizeLinear → MatMulInteger → Cast → Mul chain is what ORT's optimizer fuses into this
// same kernel: measured once on forge gpt2-small (onnxruntime-node 1.30, 2 threads, KV cache) both
// forms ran at ~110 tok/s, so we emit the fused op directly and fold the bias Add ourselves, as
// that fusion would. Weight schemes: see int8-weights.ts.
// A Gather on the same weight (GPT-2's tied token embedding) reads the quantized table:
//   Gather(B_q) → Cast(float) [→ Sub(zero points)] → Mul(scales).

export type Int8RewriteReport = {
  scheme: Int8Scheme;
  matmulsQuantized: number;
  /** Bias Adds folded into DynamicQuantizeMatMul's bias input (one node fewer each). */
  biasAddsFolded: number;
  gathersRewritten: number;
  weightsQuantized: string[];
  /** Initializer payload bytes before/after (the file also holds the graph, a few KB). */
  initializerBytesBefore: number;
  initializerBytesAfter: number;
  /** One per quantized weight, in `weightsQuantized` order. */
  layers: LayerQuantError[];
};

export type Int8RewriteOptions = {
  /** int8 weights (default true); false: uint8 (transformers.js' `model_uint8.onnx`). */
  signed?: boolean;
  /** @deprecated alias of `signed: false`, kept while callers migrate. */
  unsigned?: boolean;
  /** Zero point 0 (default when signed) or a zero point per group (default when unsigned). */
  symmetric?: boolean;
  /** One scale (and zero point) per output column of B (default), or one for the whole weight. */
  granularity?: 'per-channel' | 'per-tensor';
  /** Float weights to leave as they are (e.g. keep the LM head fp32 in an experiment). */
  excludeWeights?: readonly string[];
};

export function int8Scheme(opts: Int8RewriteOptions): Int8Scheme {
  if (opts.unsigned !== undefined && opts.signed !== undefined && opts.unsigned === opts.signed) {
    throw new QuantizationError(`options 'signed: ${opts.signed}' and 'unsigned: ${opts.unsigned}' contradict; pass only 'signed'`);
  }
  const signed = opts.signed ?? opts.unsigned !== true;
  const granularity = opts.granularity ?? 'per-channel';
  if (granularity !== 'per-channel' && granularity !== 'per-tensor') {
    throw new QuantizationError(`option 'granularity' must be 'per-channel' or 'per-tensor', got ${JSON.stringify(granularity)}`);
  }
  return { signed, symmetric: opts.symmetric ?? signed, granularity };
}

export function rewriteDynamicInt8(model: ModelProto, opts: Int8RewriteOptions = {}): { model: ModelProto; report: Int8RewriteReport } {
  const scheme = int8Scheme(opts);
  const graph = model.graph;
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const matmulWeights = new Set<string>();
  visitScopes(graph, (nodes, { shadowed }) => {
    for (const n of nodes) {
      const w = n.opType === 'MatMul' ? weightRead(n) : undefined;
      if (w === undefined || shadowed.has(w) || opts.excludeWeights?.includes(w)) continue;
      if (isQuantizableWeight(inits.get(w))) matmulWeights.add(w);
    }
  });

  const added: TensorProto[] = [];
  const layers: LayerQuantError[] = [];
  const quantized = new Map<string, QuantizedWeight>();
  for (const name of matmulWeights) {
    const q = quantizeInt8Weight(inits.get(name) as TensorProto, scheme);
    for (const t of q.tensors) if (inits.has(t.name)) throw new QuantizationError(`initializer '${t.name}' already exists`);
    added.push(...q.tensors);
    layers.push(q.layer);
    quantized.set(name, q.entry);
  }

  const fresh = freshNames(namesTakenDeep(graph));
  let matmulsQuantized = 0;
  let gathersRewritten = 0;
  let biasAddsFolded = 0;
  const rewritten = rewriteScopes(graph, (nodes, { graph: scope, shadowed }) => {
    const visible = (w: string | undefined) => (w === undefined || shadowed.has(w) ? undefined : quantized.get(w));
    const folds = findFoldableBiasAdds({ ...scope, nodes }, inits, quantized, shadowed);
    biasAddsFolded += folds.byAdd.size;
    const out: NodeProto[] = [];
    for (const n of nodes) {
      if (folds.byAdd.has(n)) continue;
      const q = visible(weightRead(n));
      if (q === undefined) out.push(n);
      else if (n.opType === 'MatMul') {
        const fold = folds.byMatMul.get(n);
        const inputs = [n.inputs[0] as string, q.values, q.scales, q.zeroPoints?.integer ?? '', fold?.bias ?? ''];
        while (inputs.at(-1) === '') inputs.pop();
        const outputs = fold === undefined ? n.outputs : fold.add.outputs;
        out.push({ ...n, opType: 'DynamicQuantizeMatMul', domain: MS_DOMAIN, inputs, outputs });
        matmulsQuantized++;
      } else {
        out.push(...gatherFromInt8(n, q, fresh));
        gathersRewritten++;
      }
    }
    return out;
  });

  // Drop float weights nothing reads any more, counting reads inside subgraphs and graph outputs.
  const stillRead = namesReadDeep(rewritten.nodes);
  for (const o of graph.outputs) stillRead.add(o.name);
  // Float zero points serve only Gathers; model_uint8.onnx has always carried all of them and its bytes are pinned.
  const legacyUint8 = !scheme.signed && !scheme.symmetric && scheme.granularity === 'per-channel';
  const initializers = [
    ...graph.initializers.filter((t) => !quantized.has(t.name) || stillRead.has(t.name)),
    ...(legacyUint8 ? added : added.filter((t) => stillRead.has(t.name))),
  ];
  const bytes = (ts: TensorProto[]) => ts.reduce((sum, t) => sum + t.rawData.byteLength, 0);
  const opsetImports = model.opsetImports.some((o) => o.domain === MS_DOMAIN)
    ? model.opsetImports
    : [...model.opsetImports, { domain: MS_DOMAIN, version: 1 }];
  return {
    model: { ...model, opsetImports, graph: { ...rewritten, initializers } },
    report: {
      scheme,
      matmulsQuantized,
      biasAddsFolded,
      gathersRewritten,
      weightsQuantized: [...quantized.keys()],
      initializerBytesBefore: bytes(graph.initializers),
      initializerBytesAfter: bytes(initializers),
      layers,
    },
  };
}
