import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  AttributeType,
  type AttrValue,
  attr,
  createModel,
  DataType,
  encodeModel,
  float32Data,
  GraphBuilder,
  type ModelProto,
} from '../onnx/index.ts';
import { gemmToMatMul } from './gemm-to-matmul.ts';
import { subgraphsOf } from './graph-walk.ts';
import { f32, i64, runGraph } from './test-graphs.ts';
import { VARIANT_SPECS } from './variant-files.ts';

// y (M, N) = Gemm(x (M, K), w, b (N)) with w stored (N, K) under transB = 1, as torch exports
// nn.Linear; a second reader of w (a Gather of rows, a tied embedding) in some cases.
const M = 3;
const K = 64;
const N = 6;
const W = Float32Array.from({ length: N * K }, (_, i) => Math.sin(i * 0.77) * (1 + (i % 4)) - 0.1); // (N, K)
const B = Float32Array.from({ length: N }, (_, i) => i - 2.5);
const X = Float32Array.from({ length: M * K }, (_, i) => Math.cos(i * 0.37));

type GemmCase = { attributes?: Record<string, AttrValue>; bias?: boolean; gatherRows?: boolean };

function gemmModel({ attributes = { transB: attr.int(1) }, bias = true, gatherRows = false }: GemmCase = {}): ModelProto {
  const g = new GraphBuilder('gemm');
  g.input('x', DataType.FLOAT, [M, K]);
  g.initializer('w', DataType.FLOAT, [N, K], W);
  g.initializer('b', DataType.FLOAT, [N], B);
  g.node('Gemm', bias ? ['x', 'w', 'b'] : ['x', 'w'], ['y'], attributes);
  g.output('y', DataType.FLOAT, [M, N]);
  if (gatherRows) {
    g.input('ids', DataType.INT64, [2]);
    g.node('Gather', ['w', 'ids'], ['rows'], { axis: attr.int(0) });
    g.output('rows', DataType.FLOAT, [2, K]);
  }
  return createModel(g.build());
}

const feeds = { x: f32(X, [M, K]), ids: i64([5, 1], [2]) };
const run = (m: ModelProto) => runGraph(encodeModel(m), m.graph.inputs.length === 1 ? { x: feeds.x } : feeds);
const ops = (m: ModelProto) => m.graph.nodes.map((n) => n.opType);

/** Largest |a − b| of every output, relative to the largest |a|. */
async function relativeDiff(a: ModelProto, b: ModelProto): Promise<number> {
  const [ya, yb] = await Promise.all([run(a), run(b)]);
  let diff = 0;
  for (const [name, xs] of Object.entries(ya)) {
    const scale = Math.max(...xs.map(Math.abs));
    for (const [i, v] of xs.entries()) diff = Math.max(diff, Math.abs(v - ((yb[name] ?? [])[i] ?? Number.NaN)) / scale);
  }
  return diff;
}

describe('gemmToMatMul', () => {
  it('turns Gemm(x, w, b) with transB = 1 into Add(MatMul(x, wᵀ), b): same outputs, w stored transposed once', async () => {
    const source = gemmModel();
    const { model, report } = gemmToMatMul(source);
    expect(ops(model)).toEqual(['MatMul', 'Add']);
    expect(model.graph.nodes[1]?.outputs).toEqual(['y']);
    expect(report).toEqual({ gemmsRewritten: 1, gemmsKept: [], weightsTransposed: { w: 'w_transposed' } });
    const wT = model.graph.initializers.find((t) => t.name === 'w_transposed');
    expect(wT?.dims).toEqual([K, N]);
    expect(float32Data(wT ?? source.graph.initializers[0]!)[1 * N + 4]).toBe(W[4 * K + 1]); // wᵀ[1][4] = w[4][1]
    expect(model.graph.initializers.map((t) => t.name)).toEqual(['b', 'w_transposed']); // nothing else reads w
    // Measured 0 on onnxruntime-node's CPU kernels; a few ulps would be a different summation order.
    expect(await relativeDiff(source, model)).toBeLessThan(1e-6);
    // …and the variant builds quantize it.
    expect(ops(VARIANT_SPECS.q8.build(source).model)).toEqual(['MatMulNBits', 'Add']);
    expect(ops(VARIANT_SPECS.int8.build(source).model)).toEqual(['DynamicQuantizeMatMul']); // b folded into its bias input
  });

  it('keeps w for its other reader (a Gather of rows) beside the transposed copy', async () => {
    const source = gemmModel({ gatherRows: true });
    const { model } = gemmToMatMul(source);
    expect(ops(model)).toEqual(['MatMul', 'Add', 'Gather']);
    expect(model.graph.initializers.map((t) => t.name)).toEqual(['w', 'b', 'w_transposed']);
    expect(await relativeDiff(source, model)).toBeLessThan(1e-6);
  });

  it('without C (transB = 0) writes a lone MatMul producing the Gemm output', async () => {
    const g = new GraphBuilder('gemm');
    g.input('x', DataType.FLOAT, [M, K]);
    g.initializer('w', DataType.FLOAT, [K, N], W);
    g.node('Gemm', ['x', 'w'], ['y'], { beta: attr.float(0.5) }); // beta means nothing without C
    g.output('y', DataType.FLOAT, [M, N]);
    const source = createModel(g.build());
    const { model } = gemmToMatMul(source);
    expect(model.graph.nodes.map((n) => [n.opType, n.inputs, n.outputs])).toEqual([['MatMul', ['x', 'w'], ['y']]]);
    expect(model.graph.initializers).toEqual(source.graph.initializers);
    expect(await relativeDiff(source, model)).toBeLessThan(1e-6);
  });

  it.each([
    ['alpha = 0.5', { alpha: attr.float(0.5), transB: attr.int(1) }],
    ['beta = 2 with C', { beta: attr.float(2), transB: attr.int(1) }],
    ['transA = 1', { transA: attr.int(1), transB: attr.int(1) }],
    ["opset 6's broadcast", { broadcast: attr.int(1), transB: attr.int(1) }],
    ['an alpha with no value (0 in onnx.proto)', { alpha: { type: AttributeType.FLOAT }, transB: attr.int(1) }],
  ])('leaves a Gemm with %s as it is, and says so', (_, attributes) => {
    const source = gemmModel({ attributes });
    const { model, report } = gemmToMatMul(source);
    expect(model).toBe(source);
    expect(report).toEqual({ gemmsRewritten: 0, gemmsKept: [source.graph.nodes[0]?.name], weightsTransposed: {} });
    const built = VARIANT_SPECS.q4.build(source);
    expect(ops(built.model)).toEqual(['Gemm']);
    expect(built.report).toMatchObject({ gemmToMatMul: { gemmsKept: [source.graph.nodes[0]?.name] } });
  });

  it('leaves a Gemm whose B is not a weight (a graph input) alone, and a graph with no Gemm is returned as it is', () => {
    const g = new GraphBuilder('gemm');
    g.input('x', DataType.FLOAT, [M, K]);
    g.input('w', DataType.FLOAT, [K, N]);
    g.node('Gemm', ['x', 'w'], ['y']);
    g.output('y', DataType.FLOAT, [M, N]);
    const source = createModel(g.build());
    expect(gemmToMatMul(source)).toEqual({ model: source, report: { gemmsRewritten: 0, gemmsKept: [], weightsTransposed: {} } });
    expect(gemmToMatMul(source).model).toBe(source);
  });

  it("rewrites Gemms in both branches of a merged decoder's If that read the outer weight, transposing it once", async () => {
    const branch = (name: string, scale: number) => {
      const g = new GraphBuilder(name);
      const x = scale === 1 ? 'x' : g.op('Mul', ['x', g.float32(`${name}_scale`, [scale])]);
      g.node('Gemm', [x, 'w', 'b'], [`${name}_y`], { transB: attr.int(1) });
      g.output(`${name}_y`, DataType.FLOAT, [M, N]);
      return g.build();
    };
    const g = new GraphBuilder('merged');
    g.input('x', DataType.FLOAT, [M, K]);
    g.input('use_cache_branch', DataType.BOOL, [1]);
    g.initializer('w', DataType.FLOAT, [N, K], W);
    g.initializer('b', DataType.FLOAT, [N], B);
    g.node('If', ['use_cache_branch'], ['y'], {
      then_branch: { type: AttributeType.GRAPH, g: branch('then', 1) },
      else_branch: { type: AttributeType.GRAPH, g: branch('else', 2) },
    });
    g.output('y', DataType.FLOAT, [M, N]);
    const source = createModel(g.build());

    const { model, report } = gemmToMatMul(source);
    const branchOps = model.graph.nodes.flatMap((n) => subgraphsOf(n).map((s) => s.nodes.map((x) => [x.opType, ...x.inputs.slice(1, 2)])));
    expect(branchOps).toEqual([
      [
        ['MatMul', 'w_transposed'],
        ['Add', 'b'],
      ],
      [
        ['Mul', 'else_scale'],
        ['MatMul', 'w_transposed'],
        ['Add', 'b'],
      ],
    ]);
    expect(report.gemmsRewritten).toBe(2);
    expect(model.graph.initializers.map((t) => t.name)).toEqual(['b', 'w_transposed']);
    for (const flag of [true, false]) {
      const f = { x: feeds.x, use_cache_branch: new ort.Tensor('bool', Uint8Array.from([flag ? 1 : 0]), [1]) };
      const [a, b] = await Promise.all([runGraph(encodeModel(source), f), runGraph(encodeModel(model), f)]);
      for (const [i, v] of (a.y ?? []).entries()) expect(Math.abs(v - ((b.y ?? [])[i] as number))).toBeLessThan(1e-5);
    }
  });
});
