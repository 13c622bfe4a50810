import { describe, expect, it } from 'vitest';
import { DataType } from '../onnx/index.ts';
import { type GradCheckCase, gradCheck, randomInput } from './grad-check.ts';
import { geluTanh, swiGlu } from './ops-activation.ts';
import { causalAttention, causalBias, rope } from './ops-attention.ts';
import { add, addBias, addOverBatch, batchedMatMul, linear, meanLastAxis, reshape, splitLast, transpose } from './ops-basic.ts';
import { embedColumns, embedRows } from './ops-embedding.ts';
import { crossEntropy, kdLoss, kdRows, mix } from './ops-loss.ts';
import { layerNorm, rmsNorm } from './ops-norm.ts';

// Every backward piece against central finite differences of its own float32 forward, on small
// shapes. The bound: |analytic − numeric| ≤ 5e-4 · max|grad| (+1e-6), ~10× the float32 FD noise
// at step 1e-2 and far below any wrong term (a dropped factor or sign is O(|grad|)).

const B = 2;
const S = 4;
const D = 6;
const V = 7;
const ids = BigInt64Array.from([0, 3, 3, 6, 1, 0, 5, 3], BigInt); // (B, S), repeats exercise the scatter-add
const targets = BigInt64Array.from([3, 3, 6, 1, 0, 5, 3, 2], BigInt);
const constIds = (t: Parameters<GradCheckCase['build']>[0], data: BigInt64Array) => t.g.initializer('ids', DataType.INT64, [B, S], data);

async function expectGradOk(c: GradCheckCase, label: string): Promise<void> {
  const r = await gradCheck(c);
  console.log(
    `grad check ${label}: max |analytic − FD| ${r.maxAbsError.toExponential(2)} over ${r.checked} values (max |grad| ${r.maxAbsGrad.toPrecision(3)})`,
  );
  expect(r.maxAbsGrad).toBeGreaterThan(1e-5); // the probe reaches the inputs at all
  expect(r.maxAbsError).toBeLessThan(5e-4 * r.maxAbsGrad + 1e-6);
}

describe('tape ops: backward vs finite differences', () => {
  it('linear, bias, reshape, transpose and split', async () => {
    await expectGradOk(
      {
        inputs: { x: randomInput([B, S, D], 1, 1), w: randomInput([D, 9], 0.5, 2), b: randomInput([9], 0.5, 3) },
        build: (t, x) => {
          const y = addBias(t, linear(t, x.x as string, x.w as string, D, 9), x.b as string, 9);
          const [, q] = splitLast(t, y, [3, 6]) as [string, string]; // the unused piece gets zeros in the backward
          return { out: transpose(t, reshape(t, q, [0, 0, 2, 3]), [0, 2, 1, 3]), dims: [B, 2, S, 3] };
        },
      },
      'linear',
    );
  });

  it('embedding gather: rows of (V, D) and columns of the tied (D, V) table, plus positions over the batch', async () => {
    await expectGradOk(
      {
        inputs: { table: randomInput([V, D], 1, 4), tableT: randomInput([D, V], 1, 5), pos: randomInput([S, D], 1, 6) },
        build: (t, x) => {
          const i = constIds(t, ids);
          const sum = add(t, embedRows(t, x.table as string, i, V, D), embedColumns(t, x.tableT as string, i, V, D));
          return { out: addOverBatch(t, sum, x.pos as string), dims: [B, S, D] };
        },
      },
      'embedding',
    );
  });

  it('LayerNorm', async () => {
    await expectGradOk(
      {
        inputs: { x: randomInput([B, S, D], 1, 7, 0.3), g: randomInput([D], 0.3, 8, 1), b: randomInput([D], 0.3, 9) },
        build: (t, x) => ({ out: layerNorm(t, x.x as string, x.g as string, x.b as string, D, 1e-5), dims: [B, S, D] }),
      },
      'LayerNorm',
    );
  });

  it('RMSNorm', async () => {
    await expectGradOk(
      {
        inputs: { x: randomInput([B, S, D], 1, 10, 0.3), w: randomInput([D], 0.3, 11, 1) },
        build: (t, x) => ({ out: rmsNorm(t, x.x as string, x.w as string, D, 1e-5), dims: [B, S, D] }),
      },
      'RMSNorm',
    );
  });

  it('RoPE', async () => {
    const hd = 4;
    const cos = randomInput([S, hd], 1, 12).data;
    const sin = randomInput([S, hd], 1, 13).data;
    await expectGradOk(
      {
        inputs: { x: randomInput([B, 3, S, hd], 1, 14) },
        build: (t, x) => {
          const r = {
            cos: t.g.initializer('cos', DataType.FLOAT, [S, hd], cos),
            sin: t.g.initializer('sin', DataType.FLOAT, [S, hd], sin),
            half: hd / 2,
          };
          return { out: rope(t, x.x as string, r), dims: [B, 3, S, hd] };
        },
      },
      'RoPE',
    );
  });

  it('masked attention with grouped queries (2 query heads per K/V head)', async () => {
    const hd = 3;
    await expectGradOk(
      {
        inputs: {
          q: randomInput([B, 2, 2, S, hd], 1, 15),
          k: randomInput([B, 2, 1, S, hd], 1, 16),
          v: randomInput([B, 2, 1, S, hd], 1, 17),
        },
        build: (t, x) => ({
          out: causalAttention(t, x.q as string, x.k as string, x.v as string, causalBias(t, constIds(t, ids)), 1 / Math.sqrt(hd)),
          dims: [B, 2, 2, S, hd],
        }),
      },
      'attention',
    );
  });

  it('GELU (tanh form)', async () => {
    await expectGradOk(
      { inputs: { x: randomInput([B, S, D], 1.5, 18) }, build: (t, x) => ({ out: geluTanh(t, x.x as string), dims: [B, S, D] }) },
      'GELU',
    );
  });

  it('SwiGLU', async () => {
    await expectGradOk(
      {
        inputs: { z: randomInput([B, S, D], 1.5, 19), u: randomInput([B, S, D], 1, 20) },
        build: (t, x) => ({ out: swiGlu(t, x.z as string, x.u as string), dims: [B, S, D] }),
      },
      'SwiGLU',
    );
  });

  it('tied LM head: one (D, V) table read by the embedding and the head', async () => {
    await expectGradOk(
      {
        inputs: { tableT: randomInput([D, V], 1, 21) },
        build: (t, x) => {
          const h = embedColumns(t, x.tableT as string, constIds(t, ids), V, D); // (B, S, D)
          return { out: linear(t, h, x.tableT as string, D, V), dims: [B, S, V] };
        },
      },
      'tied head',
    );
  });

  it('cross-entropy', async () => {
    await expectGradOk(
      {
        inputs: { logits: randomInput([B, S, V], 2, 22) },
        build: (t, x) => ({ out: crossEntropy(t, x.logits as string, constIds(t, targets), V), dims: [] }),
      },
      'cross-entropy',
    );
  });

  it('KD loss mixed with cross-entropy: α·T²·KL + (1 − α)·CE', async () => {
    const teacher = randomInput([B, S, V], 2, 23).data;
    await expectGradOk(
      {
        inputs: { logits: randomInput([B, S, V], 2, 24) },
        build: (t, x) => {
          const tl = t.g.initializer('teacher', DataType.FLOAT, [B, S, V], teacher);
          const kd = kdLoss(t, tl, x.logits as string, V, 2);
          return { out: mix(t, kd, crossEntropy(t, x.logits as string, constIds(t, targets), V), 0.7), dims: [] };
        },
      },
      'KD',
    );
  });

  it('per-group matmul (3 groups), then a mean over the last axis', async () => {
    await expectGradOk(
      {
        inputs: { a: randomInput([3, S, D], 1, 25), b: randomInput([3, D, 5], 0.5, 26) },
        build: (t, x) => ({ out: meanLastAxis(t, batchedMatMul(t, x.a as string, x.b as string)), dims: [3, S] }),
      },
      'batched matmul',
    );
  });

  it('KD per row with one teacher (S, V) broadcast over 3 students (3, S, V)', async () => {
    const teacher = randomInput([S, V], 2, 27).data;
    await expectGradOk(
      {
        inputs: { logits: randomInput([3, S, V], 2, 28) },
        build: (t, x) => {
          const tl = t.g.initializer('teacher', DataType.FLOAT, [S, V], teacher);
          return { out: kdRows(t, tl, x.logits as string, 2), dims: [3, S] };
        },
      },
      'KD rows',
    );
  });

  it('a frozen weight gets no gradient nodes; the rest still flows', async () => {
    await expectGradOk(
      {
        inputs: { x: randomInput([B, S, D], 1, 29) },
        build: (t, x) => {
          const w = t.g.initializer('w_frozen', DataType.FLOAT, [D, V], randomInput([D, V], 1, 30).data);
          t.freeze(w);
          t.record(() => expect(t.grad(w)).toBeUndefined()); // played after linear's backward: no ∂w was written
          return { out: linear(t, x.x as string, w, D, V), dims: [B, S, V] };
        },
      },
      'frozen',
    );
  });
});
