import { DataType, float32Data, type ModelProto, type NodeProto, type TensorProto, tensorFromArray } from '../onnx/index.ts';
import { freshNames } from './fresh-names.ts';
import { namesReadDeep, namesTakenDeep, rewriteScopes } from './graph-walk.ts';
import { isQuantizableWeight } from './int8-weights.ts';

// The weight rewrites (int8, q8, q4 …) quantize MatMul's B. A torch export keeps HF GPT-2's Conv1D
// (torch.addmm) and nn.Linear as Gemm, so before them every plain Gemm on a main-graph weight —
// read there or inside an If/Loop body, as in a merged decoder — becomes
//   Gemm(A (M, K), B, C) → Add(MatMul(A, B'), C)    (MatMul alone when C is absent)
// with B' = B (K, N), or with transB = 1 B (N, K) transposed once here into a new initializer (the
// old one dropped when nothing else reads it: a tied embedding's Gather keeps it). Same values,
// same sum; only the order of the float adds may differ.
// Left alone: alpha ≠ 1, beta ≠ 1 with C given, transA = 1, or any other attribute (opset < 7's
// `broadcast`). Scaling or transposing A would take extra nodes, and decoder exports do not write
// them; the report counts them, since their weights stay float.

export type GemmToMatMulReport = {
  gemmsRewritten: number;
  /** Gemms on a main-graph float weight left as they are (their weight stays float in every variant). */
  gemmsKept: string[];
  /** transB weights stored transposed: old name → new. */
  weightsTransposed: Record<string, string>;
};

const PLAIN_ATTRIBUTES = new Set(['alpha', 'beta', 'transA', 'transB']);

/** Whether a Gemm is A·op(B) + C exactly (op: B or Bᵀ). A float attribute with no value is 0, as in onnx.proto. */
function isPlain(n: NodeProto): boolean {
  const float = (name: string) => {
    const a = n.attributes.find((x) => x.name === name);
    return a === undefined ? 1 : (a.f ?? 0);
  };
  const hasC = (n.inputs[2] ?? '') !== '';
  const transA = n.attributes.find((a) => a.name === 'transA')?.i ?? 0;
  return n.attributes.every((a) => PLAIN_ATTRIBUTES.has(a.name)) && float('alpha') === 1 && (!hasC || float('beta') === 1) && transA === 0;
}

const transB = (n: NodeProto) => (n.attributes.find((a) => a.name === 'transB')?.i ?? 0) !== 0;

/** `model` with its plain Gemms on weights as MatMul (+ Add); `model` itself when it has none. */
export function gemmToMatMul(model: ModelProto): { model: ModelProto; report: GemmToMatMulReport } {
  const graph = model.graph;
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const fresh = freshNames(namesTakenDeep(graph));
  const transposed = new Map<string, TensorProto>(); // B → Bᵀ, once however many Gemms read B
  const report: GemmToMatMulReport = { gemmsRewritten: 0, gemmsKept: [], weightsTransposed: {} };

  const rewritten = rewriteScopes(graph, (nodes, { shadowed }) =>
    nodes.flatMap((n): NodeProto[] => {
      const b = n.inputs[1] ?? '';
      const w = n.opType === 'Gemm' && n.domain === '' && !shadowed.has(b) ? inits.get(b) : undefined;
      if (!isQuantizableWeight(w)) return [n];
      if (!isPlain(n)) {
        report.gemmsKept.push(n.name);
        return [n];
      }
      report.gemmsRewritten++;
      const weight = transB(n) ? transposedOnce(w, transposed, fresh).name : b;
      const [a, , c = ''] = n.inputs as [string, string, string?];
      const matmul = (outputs: string[]): NodeProto => ({
        name: fresh(`${n.name}_matmul`),
        opType: 'MatMul',
        domain: '',
        inputs: [a, weight],
        outputs,
        attributes: [],
      });
      if (c === '') return [matmul(n.outputs)];
      const product = fresh(`${n.outputs[0] ?? n.name}_matmul`); // (M, N)
      return [
        matmul([product]),
        { name: fresh(`${n.name}_bias`), opType: 'Add', domain: '', inputs: [product, c], outputs: n.outputs, attributes: [] },
      ];
    }),
  );
  if (report.gemmsRewritten === 0) return { model, report };

  for (const [from, t] of transposed) report.weightsTransposed[from] = t.name;
  const stillRead = namesReadDeep(rewritten.nodes);
  for (const o of graph.outputs) stillRead.add(o.name);
  const initializers = [...graph.initializers.filter((t) => !transposed.has(t.name) || stillRead.has(t.name)), ...transposed.values()];
  return { model: { ...model, graph: { ...rewritten, initializers } }, report };
}

/** B (N, K) → a new initializer Bᵀ (K, N), made on the first Gemm that reads B. */
function transposedOnce(w: TensorProto, done: Map<string, TensorProto>, fresh: (base: string) => string): TensorProto {
  const known = done.get(w.name);
  if (known !== undefined) return known;
  const [rows, cols] = w.dims as [number, number];
  const x = float32Data(w);
  const y = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) y[c * rows + r] = x[r * cols + c] as number;
  const t = tensorFromArray(fresh(`${w.name}_transposed`), DataType.FLOAT, [cols, rows], y);
  done.set(w.name, t);
  return t;
}
