import { describe, expect, it } from 'vitest';
import { attr, createModel, DataType, encodeModel, GraphBuilder, MS_DOMAIN } from '../onnx/index.ts';
import { packQ4 } from './pack-q4.ts';
import { packQ8 } from './pack-q8.ts';
import { quantError } from './quant-error.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';
import { rewriteMatMulNBits } from './rewrite-matmul-nbits.ts';
import { f32, i64, matmulRef, runGraph } from './test-graphs.ts';
import { unpackNBits } from './unpack-nbits.ts';

// MatMulNBits with bits 8 (and 4) at block sizes 32/64/128: the packed bytes, what onnxruntime
// computes from them (x · the dequantized W at accuracy level 0), and the tied-embedding Gather.
const K = 256;
const N = 7;
const weight = (k: number) => Float32Array.from({ length: k * N }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 5)) + (i % N === 2 ? 0.5 : 0));
const input = (k: number) => Float32Array.from({ length: 2 * k }, (_, i) => Math.cos(i * 0.3));
const W = weight(K);

function model(k = K) {
  const g = new GraphBuilder('nbits');
  const x = g.input('x', DataType.FLOAT, ['batch', k]);
  const ids = g.input('ids', DataType.INT64, ['b', 's']);
  const w = g.initializer('w', DataType.FLOAT, [k, N], weight(k));
  g.node('MatMul', [x, w], ['y']); // (batch, N)
  g.node('Gather', [w, ids], ['emb'], { axis: attr.int(1) }); // (K, b, s)
  g.output('y', DataType.FLOAT, ['batch', N]);
  g.output('emb', DataType.FLOAT, [k, 'b', 's']);
  return createModel(g.build());
}

const blockQuant = (bits: 4 | 8, size: number, k = K) =>
  dequantizeTensor(quantizeTensor(weight(k), k, N, { bits, symmetric: true }, { kind: 'block', per: 'column', size }));

describe('packQ8', () => {
  it('stores code + 128 one byte per element, one blob of blockSize bytes per (column, block)', () => {
    // K = 64, N = 2, block 32: column 0 is a ramp −127..127 in block 0 (scale 1), column 1 is 2×.
    const k = 64;
    const b = new Float32Array(k * 2);
    for (let r = 0; r < k; r++) {
      const v = r < 32 ? Math.round(-127 + (254 * r) / 31) : r - 40;
      b[r * 2] = v;
      b[r * 2 + 1] = 2 * v;
    }
    const p = packQ8(b, k, 2, 32);
    expect(p.kBlocks).toBe(2);
    expect(p.packed).toHaveLength(2 * 2 * 32);
    expect(Array.from(p.scales)).toEqual([1, Math.fround(23 / 127), 2, Math.fround(46 / 127)]);
    expect(p.packed[0]).toBe(1); // −127 + 128
    expect(p.packed[31]).toBe(255); // 127 + 128
    expect(p.packed[64]).toBe(1); // column 1 starts at byte N-major offset 1 · kBlocks · 32
    expect(p.packed[32]).toBe(128 - 44); // block 1, k = 32: −8 / (23 / 127) = −44.2 → code −44
    expect(() => packQ8(b, k, 2, 48)).toThrow(/power of two/);
  });

  it('unpacks (bits 4 and 8, blocks 32/64/128) to exactly the block-quantized reference', () => {
    for (const size of [32, 64, 128]) {
      expect(unpackNBits(packQ8(W, K, N, size), 8)).toEqual(blockQuant(8, size));
      expect(unpackNBits(packQ4(W, K, N, size), 4)).toEqual(blockQuant(4, size));
    }
  });
});

describe('rewriteMatMulNBits { bits: 8 }', () => {
  it('writes MatMulNBits bits 8 with an (N, kBlocks, blockSize) table and refuses other widths', () => {
    const { model: q, report } = rewriteMatMulNBits(model(), { bits: 8, blockSize: 64 });
    expect(report).toMatchObject({ bits: 8, matmulsQuantized: 1, gathersRewritten: 1, blockSize: 64 });
    const mm = q.graph.nodes.find((n) => n.opType === 'MatMulNBits');
    expect(mm?.domain).toBe(MS_DOMAIN);
    expect(mm?.attributes.find((a) => a.name === 'bits')?.i).toBe(8);
    expect(q.graph.initializers.find((t) => t.name === 'w_q8')?.dims).toEqual([N, 4, 64]);
    expect(q.graph.initializers.map((t) => t.name)).not.toContain('w');
    expect(() => rewriteMatMulNBits(model(), { bits: 3 as never })).toThrow(/option 'bits' must be 4 or 8/);
  });

  // K = 256 fills every block; K = 80 leaves the last block padded (MatMulNBits reads ⌈K / block⌉ blocks).
  for (const k of [K, 80]) {
    for (const bits of [8, 4] as const) {
      for (const blockSize of [32, 64, 128] as const) {
        it(`K ${k}, bits ${bits}, block ${blockSize}: onnxruntime computes x · dequantized W and gathers the dequantized table`, async () => {
          const { model: q, report } = rewriteMatMulNBits(model(k), { bits, blockSize });
          const wHat = blockQuant(bits, blockSize, k);
          expect(report.layers).toEqual([{ weight: 'w', dims: [k, N], ...quantError(weight(k), wHat) }]);
          expect(report.gathersRewritten).toBe(1);
          const x = input(k);
          const out = await runGraph(encodeModel(q), { x: f32(x, [2, k]), ids: i64([4, 0, 2], [1, 3]) });
          const emb = Array.from({ length: k }, (_, r) => [4, 0, 2].map((c) => wHat[r * N + c] as number)).flat();
          expect(out.emb).toHaveLength(emb.length);
          for (const [i, v] of (out.emb ?? []).entries()) expect(v).toBeCloseTo(emb[i] as number, 5);
          const ref = matmulRef(x, 2, k, wHat, N);
          for (const [i, y] of (out.y ?? []).entries()) expect(Math.abs(y - (ref[i] as number))).toBeLessThan(1e-3);
        });
      }
    }
  }

  it('bits 8, accuracy level 4 (int8 activations inside the kernel, the fast CPU path) stays near x · dequantized W', async () => {
    const { model: q } = rewriteMatMulNBits(model(), { bits: 8, accuracyLevel: 4 });
    expect(q.graph.nodes.find((n) => n.opType === 'MatMulNBits')?.attributes.find((a) => a.name === 'accuracy_level')?.i).toBe(4);
    const x = input(K);
    const out = await runGraph(encodeModel(q), { x: f32(x, [2, K]), ids: i64([4, 0, 2], [1, 3]) });
    const wHat = blockQuant(8, 32);
    const ref = matmulRef(x, 2, K, wHat, N);
    // x is quantized to int8 per block of 32 (scale max|x_block| / 127): each x_k is off by at most
    // half a step, so |y − ref| ≤ Σ_k |ŵ[k, c]| · max|x_block(k)| / 254 (+ float rounding).
    for (let r = 0; r < 2; r++) {
      for (let c = 0; c < N; c++) {
        let bound = 1e-4;
        for (let k = 0; k < K; k++) {
          const block = x.subarray(r * K + k - (k % 32), r * K + k - (k % 32) + 32);
          bound += Math.abs(wHat[k * N + c] as number) * (Math.max(...Array.from(block, Math.abs)) / 254);
        }
        expect(Math.abs((out.y?.[r * N + c] as number) - (ref[r * N + c] as number))).toBeLessThan(bound);
      }
    }
  });

  it('8 bits is closer to the float weight than 4 bits', () => {
    const mse = (bits: 4 | 8) => rewriteMatMulNBits(model(), { bits }).report.layers[0]?.mse as number;
    expect(mse(8)).toBeLessThan(mse(4) / 100);
  });
});
