import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attr, createModel, DataType, decodeModel, encodeModel, GraphBuilder } from '../onnx/index.ts';
import { float16ToFloat32, float32ToFloat16, fromFloat16Bits, toFloat16Bits } from './float16.ts';
import { quantError } from './quant-error.ts';
import { rewriteFp16Weights } from './rewrite-fp16-weights.ts';
import { f32, runGraph } from './test-graphs.ts';

// float16 conversion checked bit for bit against onnxruntime's own Cast, then the fp16-weights
// rewrite: the graph computes exactly what the float32 graph computes with float16-rounded weights.

const EDGES = [
  0,
  -0,
  1,
  -1,
  65504,
  65519.996,
  65520,
  -70000,
  1e-8,
  2 ** -24,
  2 ** -25,
  2 ** -25 * 1.0001,
  3 * 2 ** -25,
  6.1e-5,
  6.097555e-5,
  0.1,
  1 / 3,
  1 + 2 ** -11,
  1 + 3 * 2 ** -11,
  2049,
  2051,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
];
const RANDOM = Array.from({ length: 4000 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 14) - 8));

async function ortCast(values: readonly number[]): Promise<Uint16Array> {
  const g = new GraphBuilder('cast');
  g.input('x', DataType.FLOAT, [values.length]);
  g.node('Cast', ['x'], ['h'], { to: attr.int(DataType.FLOAT16) });
  g.output('h', DataType.FLOAT16, [values.length]);
  const session = await ort.InferenceSession.create(encodeModel(createModel(g.build())));
  const out = await session.run({ x: f32(values, [values.length]) });
  await session.release();
  const h = out.h as ort.Tensor;
  const data = h.data as ArrayLike<number> & { buffer: ArrayBuffer; byteOffset: number };
  return new Uint16Array(data.buffer, data.byteOffset, values.length);
}

const K = 8;
const N = 3;
const W = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 0.7) * 3.3 + 1e-6 * i);
const X = Float32Array.from({ length: 2 * K }, (_, i) => Math.cos(i));

function model(w: Float32Array, bias: number[]) {
  const g = new GraphBuilder('fp16');
  const x = g.input('x', DataType.FLOAT, ['batch', K]);
  const h = g.op('Add', [g.op('MatMul', [x, g.initializer('w', DataType.FLOAT, [K, N], w)]), g.float32('b', bias, [N])]);
  // A large negative scalar (an attention mask's fill value) must stay float32: it would be −Infinity.
  g.node('Mul', [h, g.float32('big', [-1e9])], ['y']);
  g.output('y', DataType.FLOAT, ['batch', N]);
  return createModel(g.build());
}

describe('float16 conversion', () => {
  it('matches onnxruntime Cast bit for bit (ties to even, subnormals, overflow, infinities)', async () => {
    const values = [...EDGES, ...RANDOM].map(Math.fround);
    const ours = Array.from(values, toFloat16Bits);
    expect(ours).toEqual(Array.from(await ortCast(values)));
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    // Back to float32 is exact: every binary16 value round-trips through its bits.
    for (let h = 0; h < 0x7c00; h += 7) expect(toFloat16Bits(fromFloat16Bits(h))).toBe(h);
  });
});

describe('rewriteFp16Weights', () => {
  const B = [0.1, -2.5, 3.25];
  it('stores float16 weights, keeps scalars in float32, and reports the rounding error', () => {
    const { model: q, report } = rewriteFp16Weights(model(W, B));
    expect(report.weightsConverted).toEqual(['w', 'b']);
    expect(report.keptFloat32).toEqual(['big']);
    expect(q.graph.initializers.map((t) => [t.name, t.dataType])).toEqual([
      ['w_fp16', DataType.FLOAT16],
      ['b_fp16', DataType.FLOAT16],
      ['big', DataType.FLOAT],
    ]);
    expect(report.initializerBytesAfter).toBe((K * N + N) * 2 + 4);
    const rounded = float16ToFloat32(float32ToFloat16(W));
    expect(report.layers[0]).toEqual({ weight: 'w', dims: [K, N], ...quantError(W, rounded) });
    expect(report.layers[0]?.maxAbsError).toBeGreaterThan(0);
  });

  it('computes what the float32 graph computes with float16-rounded weights', async () => {
    const round = (xs: ArrayLike<number>) => float16ToFloat32(float32ToFloat16(Float32Array.from(xs)));
    const fp16 = await runGraph(encodeModel(rewriteFp16Weights(model(W, B)).model), { x: f32(X, [2, K]) });
    const reference = await runGraph(encodeModel(model(round(W), Array.from(round(B)))), { x: f32(X, [2, K]) });
    expect(fp16.y).toEqual(reference.y);
    const exact = await runGraph(encodeModel(model(W, B)), { x: f32(X, [2, K]) });
    expect(fp16.y).not.toEqual(exact.y); // the rounding is real
  });

  it('onnxruntime folds the Casts at load: the optimized graph holds float32 weights and no Cast', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'inferlab-fp16-')), 'optimized.onnx');
    const session = await ort.InferenceSession.create(encodeModel(rewriteFp16Weights(model(W, B)).model), {
      optimizedModelFilePath: path,
      graphOptimizationLevel: 'extended',
    });
    await session.release();
    const optimized = decodeModel(readFileSync(path));
    expect(optimized.graph.nodes.map((n) => n.opType)).not.toContain('Cast');
    expect(optimized.graph.initializers.every((t) => t.dataType === DataType.FLOAT)).toBe(true);
  });
});
