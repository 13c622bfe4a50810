import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attr, createModel, DataType, encodeModel, GraphBuilder, MS_DOMAIN } from '../onnx/index.ts';
import { packQ4 } from './pack-q4.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';
import { rewriteMatMulNBits } from './rewrite-matmul-nbits.ts';

// A GPT-2-shaped miniature: W (K=64, N=5) is both the "LM head" MatMul's B and the table a
// Gather of columns reads as the token embedding (ids (batch, seq) → (K, batch, seq)).
const K = 64;
const N = 5;
const W = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 0.77) * (1 + (i % 7)));
const Q = dequantizeTensor(quantizeTensor(W, K, N, { bits: 4, symmetric: true }, { kind: 'block', per: 'column', size: 32 }));

function model() {
  const g = new GraphBuilder('q4');
  const x = g.input('x', DataType.FLOAT, ['batch', K]);
  const ids = g.input('ids', DataType.INT64, ['b', 's']);
  const w = g.initializer('w', DataType.FLOAT, [K, N], W);
  g.node('MatMul', [x, w], ['y']); // (batch, N)
  g.node('Gather', [w, ids], ['emb'], { axis: attr.int(1) }); // (K, b, s)
  g.output('y', DataType.FLOAT, ['batch', N]);
  g.output('emb', DataType.FLOAT, [K, 'b', 's']);
  return createModel(g.build());
}

const X = Float32Array.from({ length: 2 * K }, (_, i) => Math.cos(i * 0.3));

async function run(bytes: Uint8Array) {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({
    x: new ort.Tensor('float32', X, [2, K]),
    ids: new ort.Tensor('int64', BigInt64Array.from([4n, 0n, 2n]), [1, 3]),
  });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
}

describe('packQ4', () => {
  it('packs codes + 8 two per byte, low nibble first, one blob per (column, block)', () => {
    // K = 32, N = 1: codes −7..7 via a ramp; scale = 7 / 7 = 1.
    const b = Float32Array.from({ length: 32 }, (_, k) => (k % 15) - 7);
    const p = packQ4(b, 32, 1, 32);
    expect(Array.from(p.scales)).toEqual([1]);
    expect(p.packed[0]).toBe(1 | (2 << 4)); // k=0 → −7 + 8 = 1, k=1 → −6 + 8 = 2
    expect(p.packed[15]).toBe(((30 % 15) - 7 + 8) | (((31 % 15) - 7 + 8) << 4));
    expect(() => packQ4(b, 32, 1, 24)).toThrow(/power of two/);
  });
});

describe('rewriteMatMulNBits', () => {
  it('replaces the MatMul with MatMulNBits and drops the float weight', () => {
    const { model: q, report } = rewriteMatMulNBits(model());
    expect(report).toMatchObject({ matmulsQuantized: 1, gathersRewritten: 1, blockSize: 32 });
    const mm = q.graph.nodes.find((n) => n.opType === 'MatMulNBits');
    expect(mm?.domain).toBe(MS_DOMAIN);
    expect(q.graph.initializers.map((t) => t.name)).not.toContain('w');
    expect(q.graph.initializers.find((t) => t.name === 'w_q4')?.dims).toEqual([N, 2, 16]);
  });

  for (const accuracyLevel of [0, 4] as const) {
    it(`runs in onnxruntime (accuracy level ${accuracyLevel}): embedding = dequantized table, MatMul = x · dequantized W`, async () => {
      const out = await run(encodeModel(rewriteMatMulNBits(model(), { accuracyLevel }).model));
      // emb (K, 1, 3): column ids[j] of the dequantized W.
      const expected = Array.from({ length: K }, (_, k) => [4, 0, 2].map((c) => Q[k * N + c] as number)).flat();
      for (const [i, v] of (out.emb ?? []).entries()) expect(v).toBeCloseTo(expected[i] as number, 5);
      for (let r = 0; r < 2; r++) {
        for (let c = 0; c < N; c++) {
          let ref = 0;
          for (let k = 0; k < K; k++) ref += (X[r * K + k] as number) * (Q[k * N + c] as number);
          // level 0 computes in float32; level 4 quantizes x to int8 (≈1% of the output's scale).
          const tol = accuracyLevel === 0 ? 1e-3 : 0.02 * Math.max(1, Math.abs(ref)) + 0.3;
          expect(Math.abs((out.y?.[r * N + c] as number) - ref)).toBeLessThan(tol);
        }
      }
    });
  }
});
