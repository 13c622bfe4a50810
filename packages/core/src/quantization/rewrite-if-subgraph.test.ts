import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { AttributeType, attr, createModel, DataType, encodeModel, GraphBuilder, type GraphProto, type ModelProto } from '../onnx/index.ts';
import { float16ToFloat32, float32ToFloat16 } from './float16.ts';
import { subgraphsOf } from './graph-walk.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';
import { rewriteDynamicInt8 } from './rewrite-dynamic-int8.ts';
import { rewriteFp16Weights } from './rewrite-fp16-weights.ts';
import { rewriteMatMulNBits } from './rewrite-matmul-nbits.ts';
import { dynamicQuantizeMatMulRef, f32, i64, matmulRef, runGraph } from './test-graphs.ts';

// Optimum's merged decoder in miniature: an If on a bool input whose two branches both read the
// outer initializer W (K, N) — then: y = x·W + b and emb = Gather(W, ids, 1); else: y = (2x)·W and
// emb likewise. Every rewriter must rewrite the reads inside both branches, keep what they still
// read, and the rewritten graph must compute the dequantized reference for either branch.
const K = 64;
const N = 5;
const M = 2;
const W = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 0.91) * (1 + (i % 3)) + 0.2);
const B = [1, -2, 0.5, 0, 3];
const X = Float32Array.from({ length: M * K }, (_, i) => Math.cos(i * 0.53));
const IDS = [4, 1, 3];

function branch(name: string, scale: number): GraphProto {
  const g = new GraphBuilder(name);
  const x = scale === 1 ? 'x' : g.op('Mul', ['x', g.float32(`${name}_two`, [scale])]);
  const mm = g.op('MatMul', [x, 'w']);
  g.node(scale === 1 ? 'Add' : 'Identity', scale === 1 ? [mm, 'b'] : [mm], [`${name}_y`]); // (M, N)
  g.node('Gather', ['w', 'ids'], [`${name}_emb`], { axis: attr.int(1) }); // (K, 1, 3)
  g.output(`${name}_y`, DataType.FLOAT, [M, N]);
  g.output(`${name}_emb`, DataType.FLOAT, [K, 1, 3]);
  return g.build();
}

function model(): ModelProto {
  const g = new GraphBuilder('merged');
  g.input('x', DataType.FLOAT, [M, K]);
  g.input('ids', DataType.INT64, [1, 3]);
  const cond = g.input('use_cache_branch', DataType.BOOL, [1]);
  g.initializer('w', DataType.FLOAT, [K, N], W);
  g.initializer('b', DataType.FLOAT, [N], Float32Array.from(B));
  const branches = {
    then_branch: { type: AttributeType.GRAPH, g: branch('then', 1) },
    else_branch: { type: AttributeType.GRAPH, g: branch('else', 2) },
  };
  g.node('If', [cond], ['y', 'emb'], branches);
  g.output('y', DataType.FLOAT, [M, N]);
  g.output('emb', DataType.FLOAT, [K, 1, 3]);
  return createModel(g.build());
}

const feeds = (flag: boolean) => ({
  x: f32(X, [M, K]),
  ids: i64(IDS, [1, 3]),
  use_cache_branch: new ort.Tensor('bool', Uint8Array.from([flag ? 1 : 0]), [1]),
});

const opsInBranches = (m: ModelProto) => m.graph.nodes.flatMap((n) => subgraphsOf(n).flatMap((g) => g.nodes.map((x) => x.opType)));

type Case = { name: string; rewrite: (m: ModelProto) => ModelProto; wHat: Float32Array; dynamicA: boolean; tol: number };
const block = (bits: 4 | 8) =>
  dequantizeTensor(quantizeTensor(W, K, N, { bits, symmetric: true }, { kind: 'block', per: 'column', size: 32 }));
const channel = (symmetric: boolean) =>
  dequantizeTensor(quantizeTensor(W, K, N, { bits: 8, symmetric }, { kind: 'channel', per: 'column' }));
const CASES: Case[] = [
  { name: 'int8', rewrite: (m) => rewriteDynamicInt8(m).model, wHat: channel(true), dynamicA: true, tol: 1e-4 },
  { name: 'int8-asym', rewrite: (m) => rewriteDynamicInt8(m, { symmetric: false }).model, wHat: channel(false), dynamicA: true, tol: 1e-4 },
  { name: 'uint8', rewrite: (m) => rewriteDynamicInt8(m, { signed: false }).model, wHat: channel(false), dynamicA: true, tol: 1e-4 },
  { name: 'q4', rewrite: (m) => rewriteMatMulNBits(m).model, wHat: block(4), dynamicA: false, tol: 1e-4 },
  { name: 'q8', rewrite: (m) => rewriteMatMulNBits(m, { bits: 8 }).model, wHat: block(8), dynamicA: false, tol: 1e-4 },
  { name: 'fp16', rewrite: (m) => rewriteFp16Weights(m).model, wHat: float16ToFloat32(float32ToFloat16(W)), dynamicA: false, tol: 1e-4 },
];

describe('rewriters on a graph whose If branches read the outer weight', () => {
  for (const c of CASES) {
    it(`${c.name}: both branches are rewritten and compute the dequantized reference`, async () => {
      const q = c.rewrite(model());
      const names = q.graph.initializers.map((t) => t.name);
      if (c.name === 'fp16') {
        // The branches keep their MatMuls; 'w' is now the output of a Cast of the float16 table.
        expect(names).toEqual(['w_fp16', 'b_fp16']);
        expect(q.graph.nodes.filter((n) => n.opType === 'Cast').flatMap((n) => n.outputs)).toEqual(['w', 'b']);
      } else {
        expect(opsInBranches(q)).not.toContain('MatMul');
        expect(names).not.toContain('w'); // every reader was rewritten
      }
      for (const flag of [true, false]) {
        const out = await runGraph(encodeModel(q), feeds(flag));
        const x = flag ? X : X.map((v) => 2 * v);
        const ref = c.dynamicA ? dynamicQuantizeMatMulRef(x, M, K, c.wHat, N) : matmulRef(x, M, K, c.wHat, N);
        const range = Math.max(...ref.map(Math.abs));
        for (const [i, y] of (out.y ?? []).entries()) {
          const expected = (ref[i] as number) + (flag ? (B[i % N] as number) : 0);
          expect(Math.abs(y - expected), `${flag} y[${i}]`).toBeLessThan(c.tol * range + 1e-5);
        }
        const emb = Array.from({ length: K }, (_, k) => IDS.map((id) => c.wHat[k * N + id] as number)).flat();
        for (const [i, v] of (out.emb ?? []).entries()) expect(v).toBeCloseTo(emb[i] as number, 5);
      }
    });
  }

  it('keeps an outer initializer that a branch still reads in float', () => {
    const m = model();
    const then = m.graph.nodes[0]?.attributes.find((a) => a.name === 'then_branch')?.g as GraphProto;
    then.nodes.push({ name: 'keep', opType: 'Identity', domain: '', inputs: ['w'], outputs: ['then_w'], attributes: [] });
    expect(rewriteDynamicInt8(m).model.graph.initializers.map((t) => t.name)).toContain('w');
    expect(rewriteMatMulNBits(m).model.graph.initializers.map((t) => t.name)).toContain('w');
  });
});
