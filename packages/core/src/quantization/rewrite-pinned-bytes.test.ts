import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attr, createModel, DataType, encodeModel, GraphBuilder, type ModelProto } from '../onnx/index.ts';
import { rewriteDynamicInt8 } from './rewrite-dynamic-int8.ts';
import { rewriteMatMulNBits } from './rewrite-matmul-nbits.ts';

// model_int8.onnx, model_uint8.onnx and model_q4.onnx are written eagerly by forge and their
// sha256 is recorded with every result: the rewriters' defaults must keep writing the same bytes.
// The pins are the encodings the rewriters wrote before the scheme options, If-subgraph support
// and per-layer reports were added (git 0da7b87), for this graph: a MatMul + bias (folded), a
// tied-embedding Gather of columns and a Gather of rows on the same weight, and a second weight
// also read by an Identity (its float copy stays). Every K fills whole 32-blocks, as in every forge
// GPT-2: a K that does not is now padded and quantized (before, q4 left such a weight in float).
const PINNED = {
  int8: '711bbb1d51aa16d69b2a3cbaa80cf27a418c7b4a7020b5a49a01cc81fedfaaf5',
  uint8: 'ddc059629183657c1ecf3e25614fcbffc40159a4769c6dabfe2d5bbefa3fa265',
  q4: '9c2e7c8b678131e9c428ef15994b9a5396c89e28ed674b8226780b26e054d119',
};

function pinGraph(): ModelProto {
  const K = 64;
  const N = 32;
  const g = new GraphBuilder('pin');
  const x = g.input('x', DataType.FLOAT, ['batch', 'seq', K]);
  const ids = g.input('ids', DataType.INT64, ['batch', 'seq']);
  const rows = g.input('rows', DataType.INT64, ['r']);
  const w = g.initializer(
    'w',
    DataType.FLOAT,
    [K, N],
    Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 1.37) * (1 + (i % 5)) + 0.1),
  );
  const v = g.initializer(
    'v',
    DataType.FLOAT,
    [N, K],
    Float32Array.from({ length: N * K }, (_, i) => Math.cos(i * 0.61) - 0.2),
  );
  const h = g.op('Add', [
    g.op('MatMul', [x, w]),
    g.float32(
      'b',
      Array.from({ length: N }, (_, i) => i + 1),
      [N],
    ),
  ]);
  g.node('MatMul', [h, v], ['y']);
  g.node('Gather', [w, ids], ['emb'], { axis: attr.int(1) });
  g.node('Gather', [w, rows], ['wr'], { axis: attr.int(0) });
  g.node('Identity', [v], ['v_copy']);
  g.output('y', DataType.FLOAT, ['batch', 'seq', K]);
  g.output('emb', DataType.FLOAT, [K, 'batch', 'seq']);
  g.output('wr', DataType.FLOAT, ['r', N]);
  g.output('v_copy', DataType.FLOAT, [N, K]);
  return createModel(g.build());
}

const sha256 = (m: ModelProto) => createHash('sha256').update(encodeModel(m)).digest('hex');

describe('the eager variants keep their bytes', () => {
  it('int8 (default and spelled out)', () => {
    expect(sha256(rewriteDynamicInt8(pinGraph()).model)).toBe(PINNED.int8);
    expect(sha256(rewriteDynamicInt8(pinGraph(), { signed: true, symmetric: true, granularity: 'per-channel' }).model)).toBe(PINNED.int8);
  });

  it('uint8 (signed: false, and the unsigned alias)', () => {
    expect(sha256(rewriteDynamicInt8(pinGraph(), { signed: false }).model)).toBe(PINNED.uint8);
    expect(sha256(rewriteDynamicInt8(pinGraph(), { unsigned: true }).model)).toBe(PINNED.uint8);
  });

  it('q4 block 32 (default and spelled out)', () => {
    expect(sha256(rewriteMatMulNBits(pinGraph()).model)).toBe(PINNED.q4);
    expect(sha256(rewriteMatMulNBits(pinGraph(), { bits: 4, blockSize: 32, accuracyLevel: 0 }).model)).toBe(PINNED.q4);
  });
});
