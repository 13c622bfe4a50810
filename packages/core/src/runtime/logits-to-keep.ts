import { PermanentError } from '@inferlab/experiments';
import { DataType, type GraphProto, type ModelProto, type NodeProto, nodeProto, type TensorProto, tensorFromArray } from '../onnx/index.ts';
import { freshNames } from '../quantization/fresh-names.ts';
import { namesTakenDeep } from '../quantization/graph-walk.ts';
import { LOGITS, NUM_LOGITS_TO_KEEP } from './io-names.ts';

// Logits only for the positions a step needs: a `num_logits_to_keep` input (scalar int64, 0 = all)
// and a Slice of the last k rows of the LM head's activation input, so a prefill over P prompt tokens
// multiplies 1 row by the (D, V) head instead of P (for gpt2-small at P = 512: 20 of the prefill's
// ~90 GFLOP). Everything after the last attention is per position, so a kept row's logits equal
// the full computation's row. The head is found by walking back from `logits` through per-position
// epilogue ops (Cast, Mul, Add — dynamic int8's rescale) to a MatMul-like node; in a merged decoder
// (If with two decoder branches) each branch is rewritten, reading the new input from the outer scope.

const HEAD_OPS = new Set([
  'MatMul',
  'Gemm',
  'FusedMatMul',
  'MatMulNBits',
  'MatMulInteger',
  'DynamicQuantizeMatMul',
  'MatMulIntegerToFloat',
]);
const EPILOGUE_OPS = new Set(['Cast', 'Mul', 'Add', 'Sub', 'Div', 'Identity']);
const INT64_MAX = 9223372036854775807n;

export class LogitsToKeepRewriteError extends PermanentError {
  override name = 'LogitsToKeepRewriteError';
}

/** True when the graph already takes `num_logits_to_keep`. */
export const keepsLogits = (model: ModelProto) => model.graph.inputs.some((i) => i.name === NUM_LOGITS_TO_KEEP);

/** The model with a `num_logits_to_keep` input; throws LogitsToKeepRewriteError when no LM head is found. */
export function rewriteLogitsToKeep(model: ModelProto): ModelProto {
  if (keepsLogits(model)) return model;
  const graph = model.graph;
  const fresh = freshNames(namesTakenDeep(graph));
  const starts = fresh('logits_keep_starts');
  const consts: TensorProto[] = [
    tensorFromArray(fresh('logits_keep_shape'), DataType.INT64, [1], BigInt64Array.from([1n])),
    tensorFromArray(fresh('logits_keep_ends'), DataType.INT64, [1], BigInt64Array.from([INT64_MAX])),
    tensorFromArray(fresh('logits_keep_axes'), DataType.INT64, [1], BigInt64Array.from([1n])),
  ];
  const [shape, ends, axes] = consts.map((t) => t.name) as [string, string, string];
  const negated = fresh('logits_keep_neg');
  // starts = [-k]: Slice clamps, so k = 0 (and k ≥ S) keeps every row.
  const prologue: NodeProto[] = [
    nodeProto(fresh('LogitsKeepNeg'), 'Neg', [NUM_LOGITS_TO_KEEP], [negated]),
    nodeProto(fresh('LogitsKeepStarts'), 'Reshape', [negated, shape], [starts]),
  ];
  const sliceHead = (g: GraphProto, output: string): GraphProto => {
    const producer = new Map(g.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    const top = producer.get(output);
    if (top?.opType === 'If') {
      const at = top.outputs.indexOf(output);
      const attributes = top.attributes.map((a) => (a.g === undefined ? a : { ...a, g: sliceHead(a.g, a.g.outputs[at]?.name ?? '') }));
      return { ...g, nodes: g.nodes.map((n) => (n === top ? { ...n, attributes } : n)) };
    }
    const head = findHead(top, producer);
    if (head === undefined) throw new LogitsToKeepRewriteError(`no LM head (MatMul-like node) found before '${output}'`);
    // A dynamically quantized head computes its activation scale over every row it is given: keeping
    // fewer rows would change the kept row's logits (and so, at a near tie, the greedy pick after a
    // prompt). Such graphs keep computing every row, exactly as before.
    if (dynamicallyQuantized(head, producer)) {
      throw new LogitsToKeepRewriteError(
        `the LM head '${head.name}' quantizes its input per call (${head.opType}): its rows are not independent`,
      );
    }
    const sliced = fresh(`${head.inputs[0]}_last_rows`);
    const slice = nodeProto(fresh('LogitsKeepSlice'), 'Slice', [head.inputs[0] as string, starts, ends, axes], [sliced]);
    const nodes = g.nodes.flatMap((n) => (n === head ? [slice, { ...n, inputs: [sliced, ...n.inputs.slice(1)] }] : [n]));
    return { ...g, nodes };
  };
  const rewritten = sliceHead(graph, LOGITS);
  const rows = fresh('num_logits');
  return {
    ...model,
    graph: {
      ...rewritten,
      nodes: [...prologue, ...rewritten.nodes],
      initializers: [...graph.initializers, ...consts],
      inputs: [...graph.inputs, { name: NUM_LOGITS_TO_KEEP, elemType: DataType.INT64, shape: [] }],
      outputs: graph.outputs.map((o) =>
        o.name === LOGITS && o.shape !== null && o.shape.length === 3 ? { ...o, shape: [o.shape[0] ?? null, rows, o.shape[2] ?? null] } : o,
      ),
      valueInfo: graph.valueInfo.filter((v) => v.name !== LOGITS),
    },
  };
}

/** DynamicQuantizeMatMul, or an integer MatMul whose activation comes from DynamicQuantizeLinear. */
function dynamicallyQuantized(head: NodeProto, producer: ReadonlyMap<string, NodeProto>): boolean {
  if (head.opType === 'DynamicQuantizeMatMul') return true;
  if (head.opType !== 'MatMulInteger' && head.opType !== 'MatMulIntegerToFloat') return false;
  return producer.get(head.inputs[0] ?? '')?.opType === 'DynamicQuantizeLinear';
}

/** Breadth-first from `start` through epilogue ops to the first MatMul-like node. */
function findHead(start: NodeProto | undefined, producer: ReadonlyMap<string, NodeProto>): NodeProto | undefined {
  const queue = start === undefined ? [] : [start];
  for (let i = 0; i < queue.length && i < 16; i++) {
    const n = queue[i] as NodeProto;
    if (HEAD_OPS.has(n.opType)) return n;
    if (!EPILOGUE_OPS.has(n.opType)) continue;
    for (const input of n.inputs) {
      const p = producer.get(input);
      if (p !== undefined) queue.push(p);
    }
  }
  return undefined;
}
