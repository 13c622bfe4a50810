import { describe, expect, it } from 'vitest';
import { attr, createModel, DataType, encodeModel, GraphBuilder } from '../onnx/index.ts';
import { quantError } from './quant-error.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';
import { int8Scheme, rewriteDynamicInt8 } from './rewrite-dynamic-int8.ts';
import { dynamicQuantizeMatMulRef, f32, i64, matmulRef, runGraph } from './test-graphs.ts';

// Every int8 weight scheme of the dynamic rewrite, run by onnxruntime, against a JS reference:
// DynamicQuantizeMatMul = (A quantized per call to uint8) · (the dequantized weight). W (K, N) is
// non-centred (asymmetric zero points are not 0) and its column 3 is 20× the others, so one
// per-tensor scale wastes most codes on the other columns.
const K = 16;
const N = 6;
const M = 3;
const W = Float32Array.from({ length: K * N }, (_, i) => (0.3 + Math.sin(i * 1.3) * (1 + (i % 4) / 3)) * (i % N === 3 ? 20 : 1));
const B = [0.5, -1, 0.25, 2, 0, 1];
const X = Float32Array.from({ length: M * K }, (_, i) => Math.cos(i * 0.71) * 1.7 + 0.2);

function model() {
  const g = new GraphBuilder('schemes');
  const x = g.input('x', DataType.FLOAT, ['m', K]);
  const cols = g.input('cols', DataType.INT64, ['n']);
  const rows = g.input('rows', DataType.INT64, ['r']);
  const w = g.initializer('w', DataType.FLOAT, [K, N], W);
  g.node('Add', [g.op('MatMul', [x, w]), g.float32('b', B, [N])], ['y']); // (m, N)
  g.node('Gather', [w, cols], ['wc'], { axis: attr.int(1) }); // (K, n): the tied-embedding read
  g.node('Gather', [w, rows], ['wr'], { axis: attr.int(0) }); // (r, N)
  g.output('y', DataType.FLOAT, ['m', N]);
  g.output('wc', DataType.FLOAT, [K, 'n']);
  g.output('wr', DataType.FLOAT, ['r', N]);
  return createModel(g.build());
}

const feeds = () => ({ x: f32(X, [M, K]), cols: i64([3, 0, 5], [3]), rows: i64([1, 3], [2]) });

const SCHEMES = [
  { signed: true, symmetric: true, granularity: 'per-channel' },
  { signed: true, symmetric: true, granularity: 'per-tensor' },
  { signed: true, symmetric: false, granularity: 'per-channel' },
  { signed: true, symmetric: false, granularity: 'per-tensor' },
  { signed: false, symmetric: false, granularity: 'per-channel' },
  { signed: false, symmetric: false, granularity: 'per-tensor' },
  { signed: false, symmetric: true, granularity: 'per-channel' },
] as const;

const dequantized = (s: (typeof SCHEMES)[number]) =>
  dequantizeTensor(
    quantizeTensor(
      W,
      K,
      N,
      { bits: 8, symmetric: s.symmetric },
      s.granularity === 'per-tensor' ? { kind: 'tensor' } : { kind: 'channel', per: 'column' },
    ),
  );

describe('rewriteDynamicInt8 weight schemes', () => {
  const fp32 = runGraph(encodeModel(model()), feeds());

  for (const s of SCHEMES) {
    const label = `${s.signed ? 'int8' : 'uint8'} ${s.symmetric ? 'symmetric' : 'asymmetric'} ${s.granularity}`;
    it(`${label}: onnxruntime agrees with the dequantized reference`, async () => {
      const { model: q, report } = rewriteDynamicInt8(model(), s);
      expect(report.scheme).toEqual(s);
      const byName = new Map(q.graph.initializers.map((t) => [t.name, t]));
      expect(byName.get('w_quantized')?.dataType).toBe(s.signed ? DataType.INT8 : DataType.UINT8);
      expect(byName.get('w_scale')?.dims).toEqual(s.granularity === 'per-tensor' ? [] : [N]);
      expect(byName.has('w_zero_point')).toBe(!(s.signed && s.symmetric));
      expect(byName.has('w')).toBe(false); // both readers now use the quantized table

      const out = await runGraph(encodeModel(q), feeds());
      const wHat = dequantized(s);
      // The Gathers read exactly the dequantized table: columns 3, 0, 5 and rows 1, 3.
      const wc = Array.from({ length: K }, (_, k) => [3, 0, 5].map((c) => wHat[k * N + c] as number)).flat();
      for (const [i, v] of (out.wc ?? []).entries()) expect(v).toBeCloseTo(wc[i] as number, 5);
      const wr = [1, 3].flatMap((r) => Array.from(wHat.subarray(r * N, (r + 1) * N)));
      for (const [i, v] of (out.wr ?? []).entries()) expect(v).toBeCloseTo(wr[i] as number, 5);
      // The MatMul: A quantized per call times the dequantized weight, plus the folded bias.
      const ref = dynamicQuantizeMatMulRef(X, M, K, wHat, N);
      const range = Math.max(...ref.map(Math.abs));
      for (const [i, y] of (out.y ?? []).entries())
        expect(Math.abs(y - ((ref[i] as number) + (B[i % N] as number)))).toBeLessThan(1e-4 * range);
      // And within int8's error of the float model.
      const float = (await fp32).y ?? [];
      for (const [i, y] of (out.y ?? []).entries()) expect(Math.abs(y - (float[i] as number))).toBeLessThan(0.03 * range);
    });
  }

  it("reports each weight's error, equal to quantError on the same tensors", () => {
    for (const s of SCHEMES) {
      const { report } = rewriteDynamicInt8(model(), s);
      expect(report.layers).toEqual([{ weight: 'w', dims: [K, N], ...quantError(W, dequantized(s)) }]);
    }
  });

  it('per-channel beats per-tensor on a weight with one large column', () => {
    for (const signed of [true, false]) {
      const mse = (granularity: 'per-channel' | 'per-tensor') =>
        rewriteDynamicInt8(model(), { signed, granularity }).report.layers[0]?.mse as number;
      expect(mse('per-channel')).toBeLessThan(mse('per-tensor') / 4);
    }
    // And the graph's own output follows: farther from the float model per tensor.
    const y = (granularity: 'per-channel' | 'per-tensor') =>
      matmulRef(X, M, K, dequantized({ signed: true, symmetric: true, granularity }), N);
    const exact = matmulRef(X, M, K, W, N);
    const err = (ys: Float32Array) => ys.reduce((s, v, i) => s + (v - (exact[i] as number)) ** 2, 0);
    expect(err(y('per-channel'))).toBeLessThan(err(y('per-tensor')));
  });

  it('defaults and the unsigned alias resolve to the contract schemes; bad options name the field', () => {
    expect(int8Scheme({})).toEqual({ signed: true, symmetric: true, granularity: 'per-channel' });
    expect(int8Scheme({ signed: false })).toEqual({ signed: false, symmetric: false, granularity: 'per-channel' });
    expect(int8Scheme({ unsigned: true })).toEqual(int8Scheme({ signed: false }));
    expect(() => int8Scheme({ signed: true, unsigned: true })).toThrow(/'signed: true' and 'unsigned: true' contradict/);
    expect(() => int8Scheme({ granularity: 'per-row' as never })).toThrow(/option 'granularity' must be/);
  });
});
