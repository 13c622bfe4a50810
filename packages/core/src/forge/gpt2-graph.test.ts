import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ATTENTION_MASK,
  INPUT_IDS,
  LOGITS,
  POSITION_IDS,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
} from '../runtime/io-names.ts';
import { MODEL_FILE } from './build-gpt2-folder.ts';
import { forgeModel } from './forge-model.ts';
import { FORGE_MODELS } from './forge-models.ts';
import { emptyPast, maxAbsDiff, step, TEST_CACHE_DIR } from './test-helpers.ts';

// The forge GPT-2 graph against itself: KV-cache steps must reproduce the no-cache logits, and a
// left-padded row must match the same row unpadded. Logits here are O(1); float32 reassociation
// between the two paths gives ~1e-6, so 1e-4 absolute is a tolerance with two orders to spare.
const TOL = 1e-4;
const spec = FORGE_MODELS['gpt2-tiny'];
const V = spec.vocabSize;
// "The quick brown fox jumps over the lazy dog. It was" in GPT-2 ids.
const TEXT = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 632, 373];

let session: ort.InferenceSession;
beforeAll(async () => {
  const dir = await forgeModel('gpt2-tiny', { cacheDir: TEST_CACHE_DIR });
  session = await ort.InferenceSession.create(join(dir, MODEL_FILE), { intraOpNumThreads: 1 });
}, 60_000);
afterAll(async () => session?.release());

const ones = (n: number) => Array<number>(n).fill(1);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('forge gpt2 graph', () => {
  it('has exactly the Optimum decoder inputs and outputs', () => {
    const layers = range(0, spec.nLayer);
    expect(session.inputNames).toEqual([
      INPUT_IDS,
      ATTENTION_MASK,
      POSITION_IDS,
      ...layers.flatMap((i) => [pastKeyName(i), pastValueName(i)]),
    ]);
    expect(session.outputNames).toEqual([LOGITS, ...layers.flatMap((i) => [presentKeyName(i), presentValueName(i)])]);
  });

  it('gives the no-cache logits at every position when decoding with the KV cache', async () => {
    const n = TEXT.length;
    const full = await step(session, spec, [TEXT], [ones(n)], [range(0, n)], emptyPast(spec));
    expect(full.dims).toEqual([1, n, V]);

    // Prefill 5 tokens, then a 3-token chunk with past (S > 1 and past > 0), then single steps.
    const chunks = [[0, 5], [5, 8], ...range(8, n).map((i) => [i, i + 1])] as Array<[number, number]>;
    let past = emptyPast(spec);
    let worst = 0;
    for (const [from, to] of chunks) {
      const r = await step(session, spec, [TEXT.slice(from, to)], [ones(to)], [range(from, to)], past);
      expect(r.present[pastKeyName(0)]?.dims).toEqual([1, spec.nHead, to, spec.nEmbd / spec.nHead]);
      worst = Math.max(worst, maxAbsDiff(r.logits, full.logits.slice(from * V, to * V)));
      past = r.present;
    }
    console.log(`gpt2-tiny KV-cache vs no-cache: max |Δlogit| = ${worst.toExponential(2)} (tolerance ${TOL})`);
    expect(worst).toBeLessThanOrEqual(TOL);
  });

  it('ignores left padding: a padded batch row matches the unpadded row, before and after a step', async () => {
    const prompt = TEXT.slice(0, 5);
    const single = await step(session, spec, [prompt], [ones(5)], [range(0, 5)], emptyPast(spec));

    // Row 0 is left-padded (HF positions: cumsum(mask) - 1, padding at 1); row 1 is 8 real tokens.
    const ids = [[50256, 50256, 50256, ...prompt], TEXT.slice(0, 8)];
    const mask = [[0, 0, 0, 1, 1, 1, 1, 1], ones(8)];
    const positions = [[1, 1, 1, 0, 1, 2, 3, 4], range(0, 8)];
    const batch = await step(session, spec, ids, mask, positions, emptyPast(spec, 2));
    expect(batch.logits.every(Number.isFinite)).toBe(true); // fully masked pad queries: no NaN
    const lastOfPadded = batch.logits.slice(7 * V, 8 * V);
    const d0 = maxAbsDiff(lastOfPadded, single.logits.slice(4 * V, 5 * V));

    // One decode step with the KV cache: the mask grows by one column for both rows.
    const next = [[TEXT[5] as number], [TEXT[8] as number]];
    const b2 = await step(session, spec, next, [[...mask[0]!, 1], ones(9)], [[5], [8]], batch.present);
    const s2 = await step(session, spec, [[TEXT[5] as number]], [ones(6)], [[5]], single.present);
    const d1 = maxAbsDiff(b2.logits.slice(0, V), s2.logits);
    console.log(`gpt2-tiny left padding: max |Δlogit| prefill ${d0.toExponential(2)}, step ${d1.toExponential(2)}`);
    expect(d0).toBeLessThanOrEqual(TOL);
    expect(d1).toBeLessThanOrEqual(TOL);
    // And padding really is masked: attending to the pad tokens would change the logits.
    const unmasked = await step(session, spec, [ids[0]!], [ones(8)], [range(0, 8)], emptyPast(spec));
    expect(maxAbsDiff(unmasked.logits.slice(7 * V), single.logits.slice(4 * V))).toBeGreaterThan(100 * TOL);
  });
});
