import { DataType, float32Data, type ModelProto, MS_DOMAIN, type NodeProto, type TensorProto, tensorFromArray } from '../onnx/index.ts';
import { findFoldableBiasAdds } from './fold-bias-adds.ts';
import { freshNames } from './fresh-names.ts';
import { gatherFromInt8 } from './gather-from-int8.ts';
import { isQuantizableWeight, type QuantizedWeight, weightRead } from './int8-weights.ts';
import { QuantizationError, quantizePerColumnInt8 } from './quantize-per-channel.ts';
import { quantizeTensor } from './quantize-tensor.ts';

// Dynamic int8 quantization as a graph rewrite (what onnxruntime's quantize_dynamic does, with
// per-channel weights): every MatMul whose B is a 2-D float32 initializer becomes
//   com.microsoft.DynamicQuantizeMatMul(A, B_int8, B_scale)   (zero point omitted = 0)
// which quantizes A to uint8 per call and runs an integer GEMM (VNNI/AMX on x86). The unfused
// DynamicQuantizeLinear → MatMulInteger → Cast → Mul chain is what ORT's optimizer fuses into this
// same kernel: measured once on forge gpt2-small (onnxruntime-node 1.30, 2 threads, KV cache) both
// forms ran at ~110 tok/s, so we emit the fused op directly (fewer nodes, no reliance on the
// fusion) and fold the bias Add ourselves, as that fusion would.
// A Gather on the same weight (GPT-2's tied token embedding) reads the int8 table:
//   Gather(B_int8) → Cast(float) → Mul(gathered scales).

export type Int8RewriteReport = {
  matmulsQuantized: number;
  /** Bias Adds folded into DynamicQuantizeMatMul's bias input (one node fewer each). */
  biasAddsFolded: number;
  gathersRewritten: number;
  weightsQuantized: string[];
  /** Initializer payload bytes before/after (the file also holds the graph, a few KB). */
  initializerBytesBefore: number;
  initializerBytesAfter: number;
};

export type Int8RewriteOptions = {
  /**
   * uint8 weights, asymmetric per column (transformers.js' `model_uint8.onnx`): B_zero_point is
   * given to DynamicQuantizeMatMul. Default false: int8, symmetric, zero point omitted.
   */
  unsigned?: boolean;
  /** Float weights to leave as they are (e.g. keep the LM head fp32 in an experiment). */
  excludeWeights?: readonly string[];
};

function namesRead(nodes: NodeProto[], into = new Set<string>()): Set<string> {
  for (const n of nodes) {
    for (const i of n.inputs) into.add(i);
    for (const a of n.attributes) {
      for (const g of [...(a.g === undefined ? [] : [a.g]), ...(a.graphs ?? [])]) namesRead(g.nodes, into);
    }
  }
  return into;
}

export function rewriteDynamicInt8(model: ModelProto, opts: Int8RewriteOptions = {}): { model: ModelProto; report: Int8RewriteReport } {
  const graph = model.graph;
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const matmulWeights = new Set<string>();
  for (const n of graph.nodes) {
    const w = n.opType === 'MatMul' ? weightRead(n) : undefined;
    if (w !== undefined && isQuantizableWeight(inits.get(w)) && !opts.excludeWeights?.includes(w)) {
      matmulWeights.add(w);
    }
  }

  const added: TensorProto[] = [];
  const quantized = new Map<string, QuantizedWeight>();
  for (const name of matmulWeights) {
    const t = inits.get(name) as TensorProto;
    const [rows, cols] = t.dims as [number, number];
    const entry: QuantizedWeight = { values: `${name}_quantized`, scales: `${name}_scale`, cols };
    if (opts.unsigned === true) {
      const q = quantizeTensor(float32Data(t), rows, cols, { bits: 8, symmetric: false }, { kind: 'channel', per: 'column' });
      entry.zeroPoints = { uint8: `${name}_zero_point`, float: `${name}_zero_point_float` };
      added.push(tensorFromArray(entry.values, DataType.UINT8, [rows, cols], q.values));
      added.push(tensorFromArray(entry.scales, DataType.FLOAT, [cols], q.scales));
      added.push(tensorFromArray(entry.zeroPoints.uint8, DataType.UINT8, [cols], Uint8Array.from(q.zeroPoints)));
      added.push(tensorFromArray(entry.zeroPoints.float, DataType.FLOAT, [cols], Float32Array.from(q.zeroPoints)));
    } else {
      const q = quantizePerColumnInt8(float32Data(t), rows, cols);
      added.push(tensorFromArray(entry.values, DataType.INT8, [rows, cols], q.values));
      added.push(tensorFromArray(entry.scales, DataType.FLOAT, [cols], q.scales));
    }
    for (const n of [entry.values, entry.scales, entry.zeroPoints?.uint8, entry.zeroPoints?.float]) {
      if (n !== undefined && inits.has(n)) throw new QuantizationError(`initializer '${n}' already exists`);
    }
    quantized.set(name, entry);
  }

  const fresh = freshNames(graph.nodes.flatMap((n) => [n.name, ...n.outputs]));

  let matmulsQuantized = 0;
  let gathersRewritten = 0;
  const foldedAdds = findFoldableBiasAdds(graph, inits, quantized);
  const nodes: NodeProto[] = [];
  for (const n of graph.nodes) {
    if (foldedAdds.byAdd.has(n)) continue;
    const q = quantized.get(weightRead(n) ?? '');
    if (q === undefined) nodes.push(n);
    else if (n.opType === 'MatMul') {
      const fold = foldedAdds.byMatMul.get(n);
      const inputs = [n.inputs[0] as string, q.values, q.scales, q.zeroPoints?.uint8 ?? '', fold?.bias ?? ''];
      while (inputs.at(-1) === '') inputs.pop();
      const outputs = fold === undefined ? n.outputs : fold.add.outputs;
      nodes.push({ ...n, opType: 'DynamicQuantizeMatMul', domain: MS_DOMAIN, inputs, outputs });
      matmulsQuantized++;
    } else {
      nodes.push(...gatherFromInt8(n, q, fresh));
      gathersRewritten++;
    }
  }

  // Drop float weights nothing reads any more (all their uses were rewritten), counting reads
  // from subgraphs (If/Loop bodies may use outer-scope initializers) and graph outputs.
  const stillRead = namesRead(nodes);
  for (const o of graph.outputs) stillRead.add(o.name);
  const initializers = [...graph.initializers.filter((t) => !quantized.has(t.name) || stillRead.has(t.name)), ...added];
  const bytes = (ts: TensorProto[]) => ts.reduce((sum, t) => sum + t.rawData.byteLength, 0);
  const opsetImports = model.opsetImports.some((o) => o.domain === MS_DOMAIN)
    ? model.opsetImports
    : [...model.opsetImports, { domain: MS_DOMAIN, version: 1 }];
  return {
    model: { ...model, opsetImports, graph: { ...graph, nodes, initializers } },
    report: {
      matmulsQuantized,
      biasAddsFolded: foldedAdds.byAdd.size,
      gathersRewritten,
      weightsQuantized: [...quantized.keys()],
      initializerBytesBefore: bytes(graph.initializers),
      initializerBytesAfter: bytes(initializers),
    },
  };
}
