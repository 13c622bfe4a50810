import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../../onnx/index.ts';
import { INPUT_IDS, LOGITS, pastKeyName, pastValueName, presentKeyName, presentValueName } from '../../runtime/io-names.ts';
import { MODEL_FILE } from '../build-gpt2-folder.ts';
import { forgeModel } from '../forge-model.ts';
import { FORGE_MODELS } from '../forge-models.ts';
import { emptyPast, maxAbsDiff, step, TEST_CACHE_DIR } from '../test-helpers.ts';
import { buildLlamaModel } from './llama-graph.ts';
import { llamaReferenceLogits } from './llama-reference.ts';
import { ropeTables } from './llama-rope.ts';
import type { LlamaSpec } from './llama-spec.ts';
import { llamaWeights } from './llama-weights.ts';

// The forge Llama graph against an independent float64 forward of the architecture, and against
// itself with the KV cache and left padding. llama-tiny (tied, 2 query heads per KV head) is the
// forged folder; llama-mini's shape (untied, 4 per KV head) is built in memory, not written.
// Logits are O(1); float32 vs float64 differ by ~1e-6, so 1e-4 keeps two orders to spare.
const TOL = 1e-4;
// "The quick brown fox jumps over the lazy dog. It was" in GPT-2 ids.
const TEXT = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 632, 373];
const ones = (n: number) => Array<number>(n).fill(1);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

const models: Array<[string, LlamaSpec]> = [
  ['llama-tiny', FORGE_MODELS['llama-tiny']],
  ['llama-mini', FORGE_MODELS['llama-mini']],
];
const sessions = new Map<string, ort.InferenceSession>();
beforeAll(async () => {
  const tinyDir = await forgeModel('llama-tiny', { cacheDir: TEST_CACHE_DIR });
  sessions.set('llama-tiny', await ort.InferenceSession.create(join(tinyDir, MODEL_FILE), { intraOpNumThreads: 1 }));
  const mini = FORGE_MODELS['llama-mini'];
  sessions.set(
    'llama-mini',
    await ort.InferenceSession.create(encodeModel(buildLlamaModel(mini, llamaWeights(mini))), { intraOpNumThreads: 1 }),
  );
}, 120_000);
afterAll(async () => {
  for (const s of sessions.values()) await s.release();
});

describe.each(models)('forge llama graph: %s', (name, spec) => {
  const session = () => sessions.get(name) as ort.InferenceSession;
  const V = spec.vocabSize;

  it('has the Optimum decoder I/O, with num_key_value_heads heads in the cache', async () => {
    const layers = range(0, spec.nLayer);
    expect(session().inputNames.slice(3)).toEqual(layers.flatMap((i) => [pastKeyName(i), pastValueName(i)]));
    expect(session().inputNames[0]).toBe(INPUT_IDS);
    expect(session().outputNames).toEqual([LOGITS, ...layers.flatMap((i) => [presentKeyName(i), presentValueName(i)])]);
    expect(spec.nKvHead).toBeLessThan(spec.nHead);
    const r = await step(session(), spec, [TEXT.slice(0, 3)], [ones(3)], [range(0, 3)], emptyPast(spec));
    for (const t of Object.values(r.present)) expect(t.dims).toEqual([1, spec.nKvHead, 3, spec.headDim]);
  });

  it('matches a float64 forward of the architecture (RMSNorm, RoPE, GQA, SwiGLU)', async () => {
    const ids = TEXT.slice(0, 9);
    const onnx = await step(session(), spec, [ids], [ones(9)], [range(0, 9)], emptyPast(spec));
    const ref = llamaReferenceLogits(spec, llamaWeights(spec), ids);
    expect(onnx.dims).toEqual([1, 9, V]);
    const worst = maxAbsDiff(onnx.logits, Float32Array.from(ref.data));
    const scale = ref.data.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    console.log(`${name} ONNX vs float64 reference: max |Δlogit| ${worst.toExponential(2)} (max |logit| ${scale.toFixed(3)})`);
    expect(worst).toBeLessThanOrEqual(TOL);
    // Not vacuous: feeding every token position 0 (no rotation) moves the logits well past TOL
    // (~7e-3 on llama-tiny: random 0.02-std weights keep attention nearly uniform, so RoPE's effect is small).
    const noRope = await step(session(), spec, [ids], [ones(9)], [Array(9).fill(0)], emptyPast(spec));
    expect(maxAbsDiff(noRope.logits, onnx.logits)).toBeGreaterThan(10 * TOL);
  });

  it('gives the no-cache logits at every position when decoding with the KV cache', async () => {
    const n = TEXT.length;
    const full = await step(session(), spec, [TEXT], [ones(n)], [range(0, n)], emptyPast(spec));
    // Prefill 5, then a 3-token chunk with past (S > 1 and past > 0), then single steps.
    const chunks = [[0, 5], [5, 8], ...range(8, n).map((i) => [i, i + 1])] as Array<[number, number]>;
    let past = emptyPast(spec);
    let worst = 0;
    for (const [from, to] of chunks) {
      const r = await step(session(), spec, [TEXT.slice(from, to)], [ones(to)], [range(from, to)], past);
      expect(r.present[pastKeyName(0)]?.dims).toEqual([1, spec.nKvHead, to, spec.headDim]);
      worst = Math.max(worst, maxAbsDiff(r.logits, full.logits.slice(from * V, to * V)));
      past = r.present;
    }
    console.log(`${name} KV-cache vs no-cache: max |Δlogit| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(TOL);
  });

  it('ignores left padding (HF positions: cumsum(mask) − 1, pads at 1)', async () => {
    const prompt = TEXT.slice(0, 5);
    const single = await step(session(), spec, [prompt], [ones(5)], [range(0, 5)], emptyPast(spec));
    const ids = [[50256, 50256, 50256, ...prompt], TEXT.slice(0, 8)];
    const mask = [[0, 0, 0, 1, 1, 1, 1, 1], ones(8)];
    const batch = await step(session(), spec, ids, mask, [[1, 1, 1, 0, 1, 2, 3, 4], range(0, 8)], emptyPast(spec, 2));
    expect(batch.logits.every(Number.isFinite)).toBe(true);
    const d0 = maxAbsDiff(batch.logits.slice(7 * V, 8 * V), single.logits.slice(4 * V, 5 * V));
    const next = [[TEXT[5] as number], [TEXT[8] as number]];
    const b2 = await step(session(), spec, next, [[...(mask[0] as number[]), 1], ones(9)], [[5], [8]], batch.present);
    const s2 = await step(session(), spec, [[TEXT[5] as number]], [ones(6)], [[5]], single.present);
    const d1 = maxAbsDiff(b2.logits.slice(0, V), s2.logits);
    expect(d0).toBeLessThanOrEqual(TOL);
    expect(d1).toBeLessThanOrEqual(TOL);
  });
});

describe('llama RoPE tables', () => {
  it('are HF rotate_half tables: cos/sin of position · θ^(−2j/hd), both halves equal', () => {
    const spec = { maxPositions: 300, headDim: 16, ropeTheta: 10000 };
    const { cos, sin } = ropeTables(spec);
    let worst = 0;
    for (const p of [0, 1, 7, 299]) {
      for (let j = 0; j < 8; j++) {
        const angle = p / 10000 ** ((2 * j) / 16);
        for (const col of [j, j + 8]) {
          worst = Math.max(
            worst,
            Math.abs((cos[p * 16 + col] as number) - Math.cos(angle)),
            Math.abs((sin[p * 16 + col] as number) - Math.sin(angle)),
          );
        }
      }
    }
    expect(cos[0]).toBe(1);
    expect(sin[0]).toBe(0);
    // float32 inv_freq and angle rounding (HF's own): ~1e-7·position at most.
    expect(worst).toBeLessThan(1e-4);
  });
});
