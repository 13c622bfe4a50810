import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../onnx/index.ts';
import { MODEL_FILE } from './build-gpt2-folder.ts';
import { forgeModel } from './forge-model.ts';
import { FORGE_MODELS } from './forge-models.ts';
import { buildGpt2Model } from './gpt2-graph.ts';
import { gpt2ReferenceLogits } from './gpt2-reference.ts';
import { type Gpt2Weights, gpt2Weights } from './gpt2-weights.ts';
import { Xoshiro128 } from './prng.ts';
import { emptyPast, maxAbsDiff, step, TEST_CACHE_DIR } from './test-helpers.ts';

// The forge GPT-2 graph against an independent float64 forward of HF's GPT2LMHeadModel
// (gpt2-reference.ts, written from the architecture, not from the graph builder). HF's init has
// zero biases and LayerNorm γ = 1, β = 0, which would hide a bias or LayerNorm wired wrong, so a
// second model draws every bias and LayerNorm parameter at random too. Logits are O(1); float32
// against float64 differs by ~1e-6, so 1e-4 keeps two orders to spare.
const TOL = 1e-4;
const spec = FORGE_MODELS['gpt2-tiny'];
// "The quick brown fox jumps over the lazy dog." in GPT-2 ids.
const IDS = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13];
const ones = (n: number) => Array<number>(n).fill(1);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** HF-initialised weights with every bias N(0, 0.1²), γ = 1 + N(0, 0.1²), β N(0, 0.1²). */
function perturbed(): Gpt2Weights {
  const weights = gpt2Weights(spec);
  for (const [name, { data }] of weights) {
    if (!/bias$|ln_\d\.weight$|ln_f\.weight$/.test(name)) continue;
    const noise = new Float32Array(data.length);
    Xoshiro128.forTensor(99, name).fillNormal(noise, 0.1);
    for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) + (noise[i] as number);
  }
  return weights;
}

const sessions = new Map<string, { session: ort.InferenceSession; weights: Gpt2Weights }>();
beforeAll(async () => {
  const dir = await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR });
  const forged = await ort.InferenceSession.create(join(dir, MODEL_FILE), { intraOpNumThreads: 1 });
  sessions.set('forged gpt2-tiny', { session: forged, weights: gpt2Weights(spec) });
  const weights = perturbed();
  const session = await ort.InferenceSession.create(encodeModel(buildGpt2Model(spec, weights)), { intraOpNumThreads: 1 });
  sessions.set('random biases and LayerNorm', { session, weights });
}, 120_000);
afterAll(async () => {
  for (const { session } of sessions.values()) await session.release();
});

describe.each(['forged gpt2-tiny', 'random biases and LayerNorm'])('forge gpt2 graph against HF GPT-2 in float64: %s', (name) => {
  it('gives the reference logits at every position', async () => {
    const { session, weights } = sessions.get(name)!;
    const n = IDS.length;
    const onnx = await step(session, spec, [IDS], [ones(n)], [range(n)], emptyPast(spec));
    const ref = gpt2ReferenceLogits(spec, weights, IDS);
    expect(onnx.dims).toEqual([1, n, spec.vocabSize]);
    const worst = maxAbsDiff(onnx.logits, Float32Array.from(ref.data));
    const scale = ref.data.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    console.log(`gpt2-tiny (${name}) ONNX vs float64 reference: max |Δlogit| ${worst.toExponential(2)} (max |logit| ${scale.toFixed(3)})`);
    expect(worst).toBeLessThanOrEqual(TOL);
    // Not vacuous: shifting every position by one (another wpe row) moves the logits well past TOL.
    const shifted = await step(session, spec, [IDS], [ones(n)], [range(n).map((t) => t + 1)], emptyPast(spec));
    expect(maxAbsDiff(shifted.logits, onnx.logits)).toBeGreaterThan(10 * TOL);
  });
});
