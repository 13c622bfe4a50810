import { join } from 'node:path';
import { ENGINE_LIMITS } from '@inferlab/experiments';
import { getLlamaGpuTypes } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../../../../test/helpers/models.ts';
import { greedyStrategy } from '../decoding/greedy.ts';
import { readGgufManifest } from '../gguf/gguf-file.ts';
import { readDecoderConfig } from '../runtime/decoder-config.ts';
import { DecoderSession } from '../runtime/decoder-session.ts';
import { loadTokenizer } from '../runtime/tokenizer.ts';
import { generate } from './generate.ts';
import { LlamaCppBackendError, type LlamaCppGpu, llamaCppEngineVersion } from './llama-cpp-backend.ts';
import { LLAMA_CPP_DTYPES, type LlamaCppDtype, LlamaCppRunner } from './llama-cpp-runner.ts';
import { UnsupportedEngineConfigError } from './transformers-js-runner.ts';

// The real llama.cpp (node-llama-cpp's prebuilt CPU binary) on GGUF files written from forge
// folders. Random-weight tiny models repeat one token after a few steps, so besides the greedy
// tokens the F32 file is checked where the text varies: teacher-forced along a fixed English
// passage, llama.cpp's whole next-token distribution at every position against our graph's
// log-softmax. Q8_0 and Q4_0 load and generate; their top-1 agreement with F32 along the same
// passage is printed.

const PROMPTS = ['Explain briefly why KV caching and quantization help LLM inference.', 'Hello world', 'one two three four one two'];
const PASSAGE =
  ' The cache keeps the keys and values of every layer, so each new token costs one step instead of a pass over the whole text, and the weights are read once per token.';
const N = 32;
let dir: string;
const runners: LlamaCppRunner[] = [];
beforeAll(async () => {
  dir = await sharedModelsDir(['gpt2-tiny', 'llama-tiny']);
}, 300_000);
afterAll(async () => {
  for (const r of runners) await r.release();
});

async function load(model: string, dtype: LlamaCppDtype, gpu: LlamaCppGpu = false): Promise<LlamaCppRunner> {
  const r = await LlamaCppRunner.load(join(dir, 'forge', model), { dtype, threads: 1, gpu });
  runners.push(r);
  return r;
}

type Reference = { prompt: number[]; greedy: number[]; forced: number[]; logProbs: Float32Array[] };

/** Our engine: greedy tokens, and log-softmax rows along prompt + forced passage (one full forward). */
async function ourReference(folder: string): Promise<Reference[]> {
  const config = await readDecoderConfig(folder);
  const session = await DecoderSession.load(join(folder, 'onnx/model.onnx'), config, { threads: 1, executionProvider: 'cpu' });
  const tokenizer = await loadTokenizer(folder);
  const forced = tokenizer.encode(PASSAGE).slice(0, N);
  const out: Reference[] = [];
  for (const p of PROMPTS) {
    const g = await generate(tokenizer, p, { maxNewTokens: N, strategy: greedyStrategy(session, { useCache: true }), eosTokenIds: [] });
    const prompt = tokenizer.encode(p);
    const ids = [...prompt, ...forced.slice(0, -1)];
    const big = (xs: number[]) => BigInt64Array.from(xs, (x) => BigInt(x));
    const f = await session.forward({
      batch: 1,
      seq: ids.length,
      inputIds: big(ids),
      attentionMask: big(ids.map(() => 1)),
      positionIds: big(ids.map((_, i) => i)),
      past: session.emptyCache(1),
    });
    const V = config.vocabSize;
    const logProbs = [];
    for (let row = prompt.length - 1; row < ids.length; row++) {
      const logits = f.logits.subarray(row * V, (row + 1) * V); // (V)
      const max = logits.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
      const lse = max + Math.log(logits.reduce((a, b) => a + Math.exp(b - max), 0));
      logProbs.push(logits.map((x) => x - lse));
    }
    out.push({ prompt, greedy: g.outputTokenIds, forced, logProbs });
  }
  await session.release();
  return out;
}

const argmax = (xs: Float32Array) => xs.reduce((best, x, i) => (x > (xs[best] as number) ? i : best), 0);

describe.each(['gpt2-tiny', 'llama-tiny'])('llama.cpp on forge %s', (model) => {
  let f32: LlamaCppRunner;
  let refs: Reference[];
  beforeAll(async () => {
    f32 = await load(model, 'fp32');
    refs = await ourReference(join(dir, 'forge', model));
  }, 300_000);

  it('F32: same prompt tokens and the same 32 greedy tokens as our engine on 3 prompts, one timed event per token', async () => {
    expect(f32.backend.gpu).toBe(false);
    for (const [i, p] of PROMPTS.entries()) {
      const ref = refs[i] as Reference;
      expect(f32.tokenize(p)).toEqual(ref.prompt);
      const g = await f32.generate(p, { maxNewTokens: N, useCache: true, eosTokenIds: [] });
      expect(g.outputTokenIds).toEqual(ref.greedy);
      expect(g.promptTokens).toBe(ref.prompt.length);
      expect(g.events).toHaveLength(N);
      expect(g.events.every((e, k) => e.n === 1 && (k === 0 || e.t >= (g.events[k - 1]?.t as number)))).toBe(true);
    }
  });

  it("F32: along a forced passage, llama.cpp's picks are ours and its whole next-token distribution our log-softmax", async () => {
    let worst = 0;
    for (const [i, p] of PROMPTS.entries()) {
      const ref = refs[i] as Reference;
      // The whole distribution (50,257 probabilities a position) for the first prompt; picks for all.
      const steps = await f32.teacherForced(p, ref.forced, { probabilities: i === 0 });
      expect(steps).toHaveLength(N);
      steps.forEach((s, k) => {
        const ours = ref.logProbs[k] as Float32Array;
        expect(s.pick).toBe(argmax(ours));
        for (const [token, prob] of s.probabilities ?? []) worst = Math.max(worst, Math.abs(Math.log(prob) - (ours[token] as number)));
      });
    }
    console.log(`${model} F32: max |log p(llama.cpp) − log p(ours)| over ${N} positions × vocab = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-3);
  });

  it.each(['q8', 'q4'] as const)('%s: loads and generates; top-1 agreement with F32 along the passage reported', async (dtype) => {
    const q = await load(model, dtype);
    const type = dtype === 'q8' ? 'Q8_0' : 'Q4_0';
    const manifest = readGgufManifest(join(dir, 'forge', model), type);
    expect(manifest?.tensorTypes[type]).toBeGreaterThan(0);
    let agree = 0;
    for (const [i, p] of PROMPTS.entries()) {
      const ref = refs[i] as Reference;
      const g = await q.generate(p, { maxNewTokens: N, useCache: true, eosTokenIds: [] });
      expect(g.outputTokenIds).toHaveLength(N);
      const [qSteps, fSteps] = [await q.teacherForced(p, ref.forced), await f32.teacherForced(p, ref.forced)];
      agree += qSteps.filter((s, k) => s.pick === fSteps[k]?.pick).length;
    }
    const total = PROMPTS.length * N;
    console.log(
      `${model} ${type} vs F32: top-1 agreement ${agree}/${total} (${((100 * agree) / total).toFixed(1)}%), tensors ${JSON.stringify(manifest?.tensorTypes)}`,
    );
    expect(agree).toBeGreaterThan(total / 4); // a broken file agrees ~never (1 in 50,257 by chance)
  });
});

describe('LlamaCppRunner backends', () => {
  it('records the CPU backend it ran on', () => {
    const r = runners[0] as LlamaCppRunner;
    expect(r.backend).toMatchObject({ gpu: false, buildType: 'prebuilt', gpuDevices: [] });
    expect(llamaCppEngineVersion(r.backend)).toMatch(/^llama\.cpp \S+ \(node-llama-cpp 3\.21\.1, cpu\)$/);
  });

  it('a CUDA runner runs every layer on the GPU, or refuses where no CUDA binary is usable — never on the CPU', async () => {
    const folder = join(dir, 'forge', 'gpt2-tiny');
    if ((await getLlamaGpuTypes('supported')).includes('cuda')) {
      const r = await load('gpt2-tiny', 'fp32', 'cuda');
      expect(r.backend.gpu).toBe('cuda');
      expect(r.backend.gpuDevices.length).toBeGreaterThan(0);
      const g = await r.generate(PROMPTS[0] as string, { maxNewTokens: 8, useCache: true, eosTokenIds: [] });
      expect(g.outputTokenIds).toHaveLength(8);
    } else {
      await expect(LlamaCppRunner.load(folder, { dtype: 'fp32', threads: 1, gpu: 'cuda' })).rejects.toThrow(LlamaCppBackendError);
    }
  });
});

describe('LLAMA_CPP_DTYPES', () => {
  it("are the dtypes the matrix lets the llama.cpp engine run (experiments' ENGINE_LIMITS)", () => {
    expect(Object.keys(LLAMA_CPP_DTYPES)).toEqual(ENGINE_LIMITS['llama.cpp'].dtypes);
  });
});

describe('LlamaCppRunner refusals', () => {
  it('refuses a run without KV cache and a dtype with no GGUF', async () => {
    const r = runners[0] as LlamaCppRunner;
    await expect(r.generate('Hello', { maxNewTokens: 2, useCache: false, eosTokenIds: [] })).rejects.toThrow(UnsupportedEngineConfigError);
    await expect(
      LlamaCppRunner.load(join(dir, 'forge', 'gpt2-tiny'), { dtype: 'int8' as LlamaCppDtype, threads: 1, gpu: false }),
    ).rejects.toThrow(/no GGUF for dtype int8/);
  });
});
