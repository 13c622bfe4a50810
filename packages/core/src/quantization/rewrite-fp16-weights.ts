import {
  attr,
  DataType,
  elementCount,
  float32Data,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  tensorFromArray,
} from '../onnx/index.ts';
import { float16ToFloat32, float32ToFloat16 } from './float16.ts';
import { freshNames } from './fresh-names.ts';
import { namesTakenDeep } from './graph-walk.ts';
import { type LayerQuantError, layerQuantError } from './layer-quant-error.ts';

// fp16 weights for the CPU provider (`model_fp16.onnx`): every float32 initializer of the main
// graph with more than one value is stored as float16 and widened back by a Cast(to float) that
// produces the original name, so every reader — in the main graph or inside If/Loop bodies —
// is untouched and graph inputs/outputs (logits, KV cache) stay float32.
// Why this form and not a whole-float16 graph with float16 I/O (the hub's model_fp16.onnx), as
// measured with onnxruntime-node 1.30 on this CPU (x86, no AVX512-FP16):
//  - a float16 graph does load and run: ORT's InsertCastTransformer wraps every node that has no
//    float16 CPU kernel (MatMul/Gemm, Add, Softmax…) in Cast→float32 / Cast→float16 — its own
//    optimized model of MatMul→Add→Softmax→LayerNorm in float16 is
//    Cast(float) Gemm ReduceMax Sub Exp ReduceSum Div Cast(float16) LayerNormalization —
//    so the arithmetic is float32 anyway, plus a cast per node and float16 rounding in between;
//  - its float16 past_key_values / logits would need float16 tensors through our engine, which
//    feeds float32 (transformers.js 4.3 takes the KV dtype from the session's input metadata, so
//    it runs either form).
// Here ORT's constant folding turns each Cast of an initializer into a float32 initializer when
// the session loads: compute and resident weights are float32 with values rounded to float16;
// the file is half the size. Scalars stay float32 (mask constants such as −1e9 or −3.4e38 would
// overflow to −Infinity), as does any tensor holding a value beyond float16's ±65504.

export type Fp16RewriteReport = {
  weightsConverted: string[];
  /** Float32 initializers kept as they are: scalars, values beyond float16's range, graph inputs. */
  keptFloat32: string[];
  initializerBytesBefore: number;
  initializerBytesAfter: number;
  /** One per converted weight (float16 rounding error), in `weightsConverted` order. */
  layers: LayerQuantError[];
};

export function rewriteFp16Weights(model: ModelProto): { model: ModelProto; report: Fp16RewriteReport } {
  const graph = model.graph;
  const inputs = new Set(graph.inputs.map((v) => v.name));
  const fresh = freshNames(namesTakenDeep(graph));
  const casts: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const report: Fp16RewriteReport = {
    weightsConverted: [],
    keptFloat32: [],
    initializerBytesBefore: 0,
    initializerBytesAfter: 0,
    layers: [],
  };
  for (const t of graph.initializers) {
    report.initializerBytesBefore += t.rawData.byteLength;
    if (t.dataType !== DataType.FLOAT) {
      initializers.push(t);
      continue;
    }
    const x = float32Data(t);
    const half = float32ToFloat16(x);
    const overflows = half.some((h, i) => (h & 0x7c00) === 0x7c00 && Number.isFinite(x[i] as number));
    if (elementCount(t.dims) < 2 || inputs.has(t.name) || overflows) {
      report.keptFloat32.push(t.name);
      initializers.push(t);
      continue;
    }
    const stored = tensorFromArray(fresh(`${t.name}_fp16`), DataType.FLOAT16, t.dims, half);
    initializers.push(stored);
    casts.push({
      name: fresh(`${t.name}_cast`),
      opType: 'Cast',
      domain: '',
      inputs: [stored.name],
      outputs: [t.name],
      attributes: [{ name: 'to', ...attr.int(DataType.FLOAT) }],
    });
    report.weightsConverted.push(t.name);
    report.layers.push(layerQuantError(t.name, t.dims, x, float16ToFloat32(half)));
  }
  for (const t of initializers) report.initializerBytesAfter += t.rawData.byteLength;
  return { model: { ...model, graph: { ...graph, nodes: [...casts, ...graph.nodes], initializers } }, report };
}
