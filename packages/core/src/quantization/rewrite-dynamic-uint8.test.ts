import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attr, createModel, DataType, encodeModel, GraphBuilder } from '../onnx/index.ts';
import { dequantizeTensor, quantizeTensor } from './quantize-tensor.ts';
import { rewriteDynamicInt8 } from './rewrite-dynamic-int8.ts';

// The uint8 form of the dynamic rewrite (model_uint8.onnx): asymmetric per-column weights with a
// zero point, which DynamicQuantizeMatMul takes as its 4th input. W is non-centred (all columns
// shifted up) so the zero points are not all 0 and must really be used.
const K = 4;
const N = 5;
const W = Float32Array.from({ length: K * N }, (_, i) => 0.4 + Math.sin(i * 2.3) * (1 + (i % N) / 2));

function model() {
  const g = new GraphBuilder('u');
  const x = g.input('x', DataType.FLOAT, ['batch', K]);
  const cols = g.input('cols', DataType.INT64, ['n']);
  const w = g.initializer('w', DataType.FLOAT, [K, N], W);
  g.node('Add', [g.op('MatMul', [x, w]), g.float32('b', [1, 2, 3, 4, 5], [N])], ['y']); // (batch, N)
  g.node('Gather', [w, cols], ['wc'], { axis: attr.int(1) }); // (K, n)
  g.output('y', DataType.FLOAT, ['batch', N]);
  g.output('wc', DataType.FLOAT, [K, 'n']);
  return createModel(g.build());
}

async function run(bytes: Uint8Array) {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({
    x: new ort.Tensor('float32', Float32Array.from([0.5, -1, 2, 0.25, 1, 1, -1, 0]), [2, K]),
    cols: new ort.Tensor('int64', BigInt64Array.from([4n, 0n, 2n]), [3]),
  });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
}

describe('rewriteDynamicInt8 { signed: false }', () => {
  it('stores uint8 values and per-column zero points', () => {
    const { model: q } = rewriteDynamicInt8(model(), { signed: false });
    const byName = new Map(q.graph.initializers.map((t) => [t.name, t]));
    expect(byName.get('w_quantized')?.dataType).toBe(DataType.UINT8);
    expect(byName.get('w_zero_point')?.dims).toEqual([N]);
    const mm = q.graph.nodes.find((n) => n.opType === 'DynamicQuantizeMatMul');
    expect(mm?.inputs).toEqual(['x', 'w_quantized', 'w_scale', 'w_zero_point', 'b']);
    const zp = quantizeTensor(W, K, N, { bits: 8, symmetric: false }, { kind: 'channel', per: 'column' }).zeroPoints;
    expect(zp.some((z) => z !== 0)).toBe(true);
  });

  it('runs in onnxruntime: Gather returns exactly the dequantized weights, MatMul stays close', async () => {
    const fp32 = await run(encodeModel(model()));
    const u8 = await run(encodeModel(rewriteDynamicInt8(model(), { signed: false }).model));
    const wq = dequantizeTensor(quantizeTensor(W, K, N, { bits: 8, symmetric: false }, { kind: 'channel', per: 'column' }));
    const expected = [0, 1, 2, 3].flatMap((r) => [4, 0, 2].map((c) => wq[r * N + c] as number));
    for (const [i, v] of (u8.wc ?? []).entries()) expect(v).toBeCloseTo(expected[i] as number, 6);
    const range = Math.max(...(fp32.y ?? []).map(Math.abs));
    for (const [i, y] of (fp32.y ?? []).entries()) expect(Math.abs((u8.y?.[i] ?? 0) - y)).toBeLessThan(0.03 * range);
  });
});
