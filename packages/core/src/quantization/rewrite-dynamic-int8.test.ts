import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attr, createModel, DataType, encodeModel, GraphBuilder, MS_DOMAIN, readModelFile, writeModelFile } from '../onnx/index.ts';
import { quantizeDynamicInt8 } from './quantize-dynamic-int8.ts';
import { dequantizePerColumnInt8, quantizePerColumnInt8 } from './quantize-per-channel.ts';
import { rewriteDynamicInt8 } from './rewrite-dynamic-int8.ts';

// W (4, 6) used three ways: MatMul + bias (foldable), Gather of columns (tied-embedding style),
// Gather of rows. V (6, 2) is read by a MatMul and by an Identity, so its float copy must stay.
const K = 4;
const N = 6;
const W = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 1.7) * (1 + (i % N)));
const V = Float32Array.from({ length: N * 2 }, (_, i) => Math.cos(i));

function model() {
  const g = new GraphBuilder('q');
  const x = g.input('x', DataType.FLOAT, ['batch', K]);
  const cols = g.input('cols', DataType.INT64, ['n']);
  const rows = g.input('rows', DataType.INT64, ['m']);
  const w = g.initializer('w', DataType.FLOAT, [K, N], W);
  const v = g.initializer('v', DataType.FLOAT, [N, 2], V);
  const h = g.op('Add', [g.op('MatMul', [x, w]), g.float32('b', [1, 2, 3, 4, 5, 6], [N])]); // (batch, N)
  g.node('MatMul', [h, v], ['y']); // (batch, 2)
  g.node('Gather', [w, cols], ['wc'], { axis: attr.int(1) }); // (K, n)
  g.node('Gather', [w, rows], ['wr'], { axis: attr.int(0) }); // (m, N)
  g.node('Identity', [v], ['v_copy']);
  g.output('y', DataType.FLOAT, ['batch', 2]);
  g.output('wc', DataType.FLOAT, [K, 'n']);
  g.output('wr', DataType.FLOAT, ['m', N]);
  g.output('v_copy', DataType.FLOAT, [N, 2]);
  return createModel(g.build());
}

async function run(bytes: Uint8Array) {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({
    x: new ort.Tensor('float32', Float32Array.from([0.5, -1, 2, 0.25, 1, 1, -1, 0]), [2, K]),
    cols: new ort.Tensor('int64', BigInt64Array.from([5n, 0n, 3n]), [3]),
    rows: new ort.Tensor('int64', BigInt64Array.from([2n]), [1]),
  });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
}

describe('rewriteDynamicInt8', () => {
  it('rewrites MatMuls and Gathers on float weights into int8 ops', () => {
    const { model: q, report } = rewriteDynamicInt8(model());
    const ops = q.graph.nodes.map((n) => `${n.domain}:${n.opType}`);
    expect(ops.filter((o) => o === `${MS_DOMAIN}:DynamicQuantizeMatMul`)).toHaveLength(2);
    expect(ops).not.toContain(':MatMul');
    expect(ops).not.toContain(':Add'); // the bias Add was folded into DynamicQuantizeMatMul
    expect(report).toMatchObject({ matmulsQuantized: 2, biasAddsFolded: 1, gathersRewritten: 2 });
    expect(report.weightsQuantized.sort()).toEqual(['v', 'w']);
    const names = q.graph.initializers.map((t) => t.name);
    expect(names).not.toContain('w'); // every reader of w now uses w_quantized
    expect(names).toContain('v'); // Identity still reads the float v
    expect(q.graph.initializers.find((t) => t.name === 'w_quantized')?.dataType).toBe(DataType.INT8);
  });

  it('runs in onnxruntime and stays close to the float model', async () => {
    const fp32 = await run(encodeModel(model()));
    const int8 = await run(encodeModel(rewriteDynamicInt8(model()).model));
    // Gathers read the int8 table: exactly the dequantized weights.
    const wq = dequantizePerColumnInt8(quantizePerColumnInt8(W, K, N), K, N);
    expect(int8.wc).toEqual([0, 1, 2, 3].flatMap((r) => [5, 0, 3].map((c) => wq[r * N + c])));
    expect(int8.wr).toEqual(Array.from(wq.subarray(2 * N, 3 * N)));
    expect(int8.v_copy).toEqual(fp32.v_copy);
    // MatMuls quantize activations to uint8 per call: a few percent of the output range.
    const range = Math.max(...(fp32.y ?? []).map(Math.abs));
    for (const [i, y] of (fp32.y ?? []).entries()) expect(Math.abs((int8.y?.[i] ?? 0) - y)).toBeLessThan(0.03 * range);
  });

  it('leaves excluded weights in float', () => {
    const { model: q, report } = rewriteDynamicInt8(model(), { excludeWeights: ['v'] });
    expect(report.weightsQuantized).toEqual(['w']);
    expect(q.graph.nodes.filter((n) => n.opType === 'MatMul').map((n) => n.inputs[1])).toEqual(['v']);
  });

  it('quantizes a model file to a file and reports the sizes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inferlab-int8-'));
    writeModelFile(join(dir, 'model.onnx'), model());
    const report = await quantizeDynamicInt8(join(dir, 'model.onnx'), join(dir, 'model_int8.onnx'));
    expect(report.fileBytesBefore).toBe(statSync(join(dir, 'model.onnx')).size);
    expect(report.fileBytesAfter).toBe(statSync(join(dir, 'model_int8.onnx')).size);
    const ops = readModelFile(join(dir, 'model_int8.onnx')).graph.nodes.map((n) => n.opType);
    expect(ops).toContain('DynamicQuantizeMatMul');
    await expect(quantizeDynamicInt8(join(dir, 'missing.onnx'), join(dir, 'x.onnx'))).rejects.toThrow(/missing\.onnx/);
  });
});
