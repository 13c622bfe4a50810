import type * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyLayerKv } from '../decoding/early-exit.ts';
import { gpt2WeightNames as W } from '../forge/gpt2-weights.ts';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { testModels } from '../testing/test-models.ts';
import { untrainedExitHeads } from './exit-head.ts';
import { readGpt2Folder } from './segment-files.ts';
import { loadSegmentedModel, type SegmentedModel } from './segmented-model.ts';

// CALM's KV fill: after an exit at layer l, each skipped layer i ≥ l must hold, at the new position,
// K/V = split(ln_1_i(h_l) · c_attn_i + b_i)[K, V] of the exited state h_l. Checked against a float64
// JS reference computed straight from the model file's weights; earlier positions must be untouched.

function layerNormRef(x: Float32Array, g: Float32Array, b: Float32Array): Float64Array {
  const d = x.length;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= d;
  let varSum = 0;
  for (const v of x) varSum += (v - mean) ** 2;
  const inv = 1 / Math.sqrt(varSum / d + 1e-5);
  return Float64Array.from(x, (v, i) => (v - mean) * inv * (g[i] as number) + (b[i] as number));
}

describe('kv-fill (gpt2-mini, exit after block 1)', () => {
  const models = testModels();
  let target: LoadedModel;
  let model: SegmentedModel;
  beforeAll(async () => {
    target = await models.load('gpt2-mini');
    model = await loadSegmentedModel(target.model.folder, target.session.config, target.session.options, untrainedExitHeads(256, [1]));
  });
  afterAll(async () => {
    await model.release();
    await models.pool.clear();
  });

  it('appends K/V projections of the exited state to every skipped layer (max |Δ| ≤ 1e-5)', async () => {
    const { segments } = model;
    const kv = emptyLayerKv(model);
    const prompt = [15496, 995, 11, 428, 318];
    let h = await segments.embed(prompt, 0);
    for (let c = 1; c < segments.cuts.length; c++)
      h = await segments.blocks(segments.cuts[c - 1] as number, segments.cuts[c] as number, h, kv);
    const before = kv.keys.map((t) => (t.data as Float32Array).slice());
    const h1 = await segments.blocks(0, 1, await segments.embed([257], prompt.length), kv); // (1, 1, D): the exited state
    await segments.fillKv(1, h1, kv);

    const { spec, weights } = readGpt2Folder(target.model.folder);
    const d = spec.nEmbd;
    const hd = d / spec.nHead;
    const t = prompt.length + 1;
    const x = h1.data as Float32Array;
    let worst = 0;
    for (let layer = 1; layer < spec.nLayer; layer++) {
      const get = (s: string) => weights.get(W.layer(layer, s))?.data as Float32Array;
      const ln = layerNormRef(x, get('ln_1.weight'), get('ln_1.bias'));
      const w = get('attn.c_attn.weight'); // (D, 3D)
      const bias = get('attn.c_attn.bias');
      for (const [part, tensor] of [
        [1, kv.keys[layer]],
        [2, kv.values[layer]],
      ] as const) {
        const got = (tensor as ort.Tensor).data as Float32Array; // (1, H, t, hd)
        expect((tensor as ort.Tensor).dims).toEqual([1, spec.nHead, t, hd]);
        for (let j = 0; j < d; j++) {
          let s = bias[part * d + j] as number;
          for (let i = 0; i < d; i++) s += (ln[i] as number) * (w[i * 3 * d + part * d + j] as number);
          const head = Math.floor(j / hd);
          worst = Math.max(worst, Math.abs((got[(head * t + t - 1) * hd + (j % hd)] as number) - s));
        }
        if (part === 1) {
          // The prompt's keys are kept as they were.
          const old = before[layer] as Float32Array;
          for (let head = 0; head < spec.nHead; head++) {
            const prev = old.subarray(head * (t - 1) * hd, (head + 1) * (t - 1) * hd);
            expect(got.subarray(head * t * hd, head * t * hd + (t - 1) * hd)).toEqual(prev);
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-5);
    expect(worst).toBeGreaterThanOrEqual(0);
  });
});
