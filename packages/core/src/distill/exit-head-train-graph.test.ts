import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../forge/prng.ts';
import { encodeModel } from '../onnx/index.ts';
import { buildExitHeadTrainGraph, TRAIN_IO, type TrainGraphHead } from './exit-head-train-graph.ts';
import { kdLoss } from './kd-loss.ts';

// The ONNX training step (built on the training engine's tape) against an independent float64
// computation: the forward by plain loops (head, LayerNorm, tied head, kd-loss.ts's kdLoss) and the
// gradient by central finite differences of that forward — no chain rule shared with the graph.

const D = 8;
const V = 40;
const L = 2;
const B = 5;
const R = 3;
const T = 2;

const normal = (n: number, std: number, seed: number) => {
  const out = new Float32Array(n);
  new Xoshiro128(seed).fillNormal(out, std);
  return out;
};

const weights = {
  lnFWeight: Float32Array.from({ length: D }, (_, i) => 1 + 0.1 * Math.sin(i)),
  lnFBias: normal(D, 0.1, 1),
  wteT: normal(D * V, 1, 2), // (D, V)
  hidden: D,
  vocab: V,
};
const h = normal(L * B * D, 1, 3); // (L, B, D)
const hFinal = normal(B * D, 1, 4); // (B, D)

/** Logits (B, V) of a row block after the final norm and tied head, float64. */
function headLogits(z: Float64Array): Float64Array {
  const out = new Float64Array(B * V);
  for (let b = 0; b < B; b++) {
    const row = z.subarray(b * D, (b + 1) * D);
    const mu = row.reduce((s, x) => s + x, 0) / D;
    const variance = row.reduce((s, x) => s + (x - mu) ** 2, 0) / D;
    const a = Array.from(
      row,
      (x, i) => ((x - mu) / Math.sqrt(variance + 1e-5)) * (weights.lnFWeight[i] as number) + (weights.lnFBias[i] as number),
    );
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let i = 0; i < D; i++) s += (a[i] as number) * (weights.wteT[i * V + v] as number);
      out[b * V + v] = s;
    }
  }
  return out;
}

const teacher = headLogits(Float64Array.from(hFinal));

/** z = head(h) for layer l's rows, float64; params laid out as the graph's inputs. */
function headZ(head: TrainGraphHead, l: number, params: Record<string, Float64Array>): Float64Array {
  const z = new Float64Array(B * D);
  for (let b = 0; b < B; b++) {
    const x = h.subarray((l * B + b) * D, (l * B + b + 1) * D);
    for (let j = 0; j < D; j++) {
      let s = head.kind === 'linear' ? 0 : (x[j] as number);
      if (head.kind === 'linear') {
        for (let i = 0; i < D; i++) s += (x[i] as number) * (params.w?.[(l * D + i) * D + j] as number);
      } else {
        for (let k = 0; k < head.rank; k++) {
          let t = 0;
          for (let i = 0; i < D; i++) t += (x[i] as number) * (params.down?.[(l * D + i) * head.rank + k] as number);
          s += t * (params.up?.[(l * head.rank + k) * D + j] as number);
        }
      }
      z[b * D + j] = s;
    }
  }
  return z;
}

const lossAt = (head: TrainGraphHead, l: number, params: Record<string, Float64Array>) =>
  kdLoss(teacher, headLogits(headZ(head, l, params)), T, V);

async function runGraph(head: TrainGraphHead, feeds: Record<string, Float32Array>) {
  const session = await ort.InferenceSession.create(encodeModel(buildExitHeadTrainGraph(head, weights, T)));
  const inputs: Record<string, ort.Tensor> = {
    [TRAIN_IO.hidden]: new ort.Tensor('float32', h, [L, B, D]),
    [TRAIN_IO.hiddenFinal]: new ort.Tensor('float32', hFinal, [B, D]),
  };
  const dims: Record<string, number[]> = { w: [L, D, D], down: [L, D, R], up: [L, R, D] };
  for (const [name, data] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', data, dims[name] as number[]);
  const out = await session.run(inputs);
  return (name: string) => (out[name] as ort.Tensor).data as Float32Array;
}

/** max |graph − finite difference| over every parameter, relative to the largest gradient entry. */
function checkGradient(
  head: TrainGraphHead,
  params: Record<string, Float64Array>,
  name: string,
  graphGrad: Float32Array,
  perLayer: number,
) {
  const step = 1e-5;
  let worst = 0;
  let scale = 0;
  for (let idx = 0; idx < graphGrad.length; idx++) {
    const l = Math.floor(idx / perLayer);
    const p = params[name] as Float64Array;
    const keep = p[idx] as number;
    p[idx] = keep + step;
    const plus = lossAt(head, l, params);
    p[idx] = keep - step;
    const minus = lossAt(head, l, params);
    p[idx] = keep;
    const fd = (plus - minus) / (2 * step);
    worst = Math.max(worst, Math.abs(fd - (graphGrad[idx] as number)));
    scale = Math.max(scale, Math.abs(fd));
  }
  console.log(`${head.kind} ∂${name}: max |graph − FD| / max |FD| ${(worst / scale).toExponential(2)} (max |FD| ${scale.toPrecision(3)})`);
  expect(scale).toBeGreaterThan(1e-3); // a gradient that is all ~0 would pass anything
  // float32 graph vs float64 differences: ~1e-6 relative rounding per op over a few dozen ops.
  expect(worst / scale).toBeLessThan(2e-4);
}

describe('exit head training graph', () => {
  it('linear heads: loss matches float64, gradient matches finite differences', async () => {
    const head: TrainGraphHead = { kind: 'linear' };
    const w = new Float32Array(L * D * D);
    const noise = normal(L * D * D, 0.2, 5);
    for (let l = 0; l < L; l++) for (let i = 0; i < D; i++) w[(l * D + i) * D + i] = 1; // identity + noise
    w.forEach((x, i) => {
      w[i] = x + (noise[i] as number);
    });
    const out = await runGraph(head, { [TRAIN_IO.w]: w });
    const params = { w: Float64Array.from(w) };
    for (let l = 0; l < L; l++)
      expect(Math.abs((out(TRAIN_IO.loss)[l] as number) - lossAt(head, l, params))).toBeLessThan(1e-4 * lossAt(head, l, params));
    checkGradient(head, params, 'w', out(TRAIN_IO.gradW), D * D);
  });

  it('low-rank heads: loss matches float64, both factor gradients match finite differences', async () => {
    const head: TrainGraphHead = { kind: 'low-rank', rank: R };
    const down = normal(L * D * R, 0.3, 6);
    const up = normal(L * R * D, 0.3, 7); // non-zero, so ∂/∂down is not zero as at init
    const out = await runGraph(head, { [TRAIN_IO.down]: down, [TRAIN_IO.up]: up });
    const params = { down: Float64Array.from(down), up: Float64Array.from(up) };
    for (let l = 0; l < L; l++)
      expect(Math.abs((out(TRAIN_IO.loss)[l] as number) - lossAt(head, l, params))).toBeLessThan(1e-4 * lossAt(head, l, params));
    checkGradient(head, params, 'down', out(TRAIN_IO.gradDown), D * R);
    checkGradient(head, params, 'up', out(TRAIN_IO.gradUp), R * D);
  });

  it('writes no gradient for the frozen model: wte_t feeds the two forward MatMuls and the one ∂a Gemm', () => {
    const { nodes } = buildExitHeadTrainGraph({ kind: 'linear' }, weights, T).graph;
    const readers = nodes.filter((n) => n.inputs.includes('wte_t'));
    // A (D, V) gradient would be a Gemm with transA (a weight's ∂, see ops-basic linear); a
    // transposed copy of the table would be a Transpose reading it.
    expect(readers.map((n) => [n.opType, n.attributes.map((a) => `${a.name}=${a.i}`).join()]).sort()).toEqual([
      ['Gemm', 'transB=1'],
      ['MatMul', ''],
      ['MatMul', ''],
    ]);
    expect(nodes.filter((n) => n.opType === 'Gemm' && n.attributes.some((a) => a.name === 'transA'))).toEqual([]);
  });
});
