import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env, LogitsProcessor, LogitsProcessorList, type Tensor } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooserStrategy } from '../../decoding/chooser-strategy.ts';
import { greedyChooser } from '../../decoding/greedy.ts';
import type { TokenChooser } from '../../decoding/strategy.ts';
import { generate } from '../../engine/generate.ts';
import { resolveModel } from '../../model/resolve-model.ts';
import { VARIANT_FILES } from '../../quantization/variant-files.ts';
import { readDecoderConfig } from '../../runtime/decoder-config.ts';
import { ModelPool } from '../../runtime/model-pool.ts';
import { forgeModel } from '../forge-model.ts';
import { FORGE_MODELS } from '../forge-models.ts';
import { maxAbsDiff, ortGreedy, TEST_CACHE_DIR } from '../test-helpers.ts';
import { llamaParamCount } from './llama-weights.ts';

// forge llama folders as transformers.js 4.3 loads them (AutoModelForCausalLM reads config.json as
// llama: num_key_value_heads, head_dim) and as our engine runs them (readDecoderConfig → kvHeads,
// position_ids from the decode loop): both must generate the bare ORT loop's greedy tokens, and
// transformers.js's logits must match the loop's at every step (1e-4: the same graph in one ORT).
// llama-tiny's tied head makes it repeat a token (random weights); untied llama-mini does not.

const CASES = [
  ['llama-tiny', ['fp32', 'int8', 'uint8', 'q4']],
  ['llama-mini', ['fp32', 'int8']],
] as const;
const PROMPT = 'Explain briefly why KV caching and quantization help LLM inference.';
const NEW_TOKENS = 8;
const TOL = 1e-4;

class LogitsRecorder extends LogitsProcessor {
  readonly steps: Float32Array[] = [];
  override _call(_inputIds: bigint[][], logits: Tensor): Tensor {
    this.steps.push(Float32Array.from(logits.data as Float32Array));
    return logits;
  }
}

/** Greedy, keeping the logits row each token was chosen from (the engine's own position_ids and cache). */
function recordingGreedy(steps: Float32Array[]): TokenChooser {
  return {
    choose: (logits, offset, vocab, history) => {
      steps.push(logits.slice(offset, offset + vocab));
      return greedyChooser.choose(logits, offset, vocab, history);
    },
  };
}

const pool = new ModelPool(1);
const dirs = new Map<string, string>();
beforeAll(async () => {
  for (const [name] of CASES) dirs.set(name, await forgeModel(name, { cacheDir: TEST_CACHE_DIR }));
  env.allowRemoteModels = false;
}, 300_000);
afterAll(() => pool.clear());

describe.each(CASES)('forge %s in transformers.js and the engine', (name, dtypes) => {
  const spec = FORGE_MODELS[name];
  const fp32Logits: Float32Array[] = [];

  it('reads as a GQA llama in readDecoderConfig, with HF’s parameter count', async () => {
    const c = await readDecoderConfig(dirs.get(name) as string);
    expect([c.modelType, c.layers, c.heads, c.kvHeads, c.headDim, c.hidden]).toEqual([
      'llama',
      spec.nLayer,
      spec.nHead,
      spec.nKvHead,
      spec.headDim,
      spec.hidden,
    ]);
    expect(c.paramCount).toBe(llamaParamCount(spec));
  });

  for (const dtype of dtypes) {
    it(`greedy tokens (${dtype}): transformers.js generate() = engine generate() = bare ORT loop`, async () => {
      const dir = dirs.get(name) as string;
      const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
      const promptIds = tokenizer.encode(PROMPT);
      const model = await AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, dtype });
      const recorder = new LogitsRecorder();
      const processors = new LogitsProcessorList();
      processors.push(recorder);
      const out = (await model.generate({
        ...tokenizer(PROMPT),
        max_new_tokens: NEW_TOKENS,
        do_sample: false,
        logits_processor: processors,
      })) as Tensor;
      const tjs = (out.tolist() as bigint[][])[0]?.slice(promptIds.length).map(Number);
      await model.dispose();

      const session = await ort.InferenceSession.create(join(dir, VARIANT_FILES[dtype]), { intraOpNumThreads: 1 });
      const loop = await ortGreedy(session, spec, promptIds, NEW_TOKENS);
      await session.release();

      const loaded = await pool.get(await resolveModel(`forge:${name}`, dtype, { modelsDir: TEST_CACHE_DIR, modelRoots: [] }), {
        threads: 1,
        executionProvider: 'cpu',
      });
      const engineRun = async (useCache: boolean) => {
        const steps: Float32Array[] = [];
        const strategy = chooserStrategy('greedy', loaded.session, useCache, () => recordingGreedy(steps));
        const g = await generate(loaded.tokenizer, PROMPT, { maxNewTokens: NEW_TOKENS, strategy, eosTokenIds: [] });
        return { ...g, steps };
      };
      const [engine, noCache] = [await engineRun(true), await engineRun(false)];

      const worstOf = (steps: Float32Array[]) => Math.max(...steps.map((s, i) => maxAbsDiff(s, loop.stepLogits[i] as Float32Array)));
      const worst = worstOf(recorder.steps);
      const [worstEngine, worstNoCache] = [worstOf(engine.steps), worstOf(noCache.steps)];
      console.log(
        `${name} ${dtype}: tokens ${tjs?.join(' ')}; max |Δlogit| vs ORT loop: transformers.js ${worst.toExponential(2)}, engine ${worstEngine.toExponential(2)}, engine no cache ${worstNoCache.toExponential(2)}`,
      );
      expect([engine.steps.length, noCache.steps.length]).toEqual([NEW_TOKENS, NEW_TOKENS]);
      expect(worstEngine).toBeLessThanOrEqual(TOL);
      // Dynamic int8 quantizes each call's activations with one scale over all its rows, so the
      // no-cache path (every row each step) legitimately differs (~1e-2); float weights must agree.
      if (dtype === 'fp32' || dtype === 'q4') expect(worstNoCache).toBeLessThanOrEqual(TOL);
      expect(loaded.tokenizer.encode(PROMPT)).toEqual(promptIds);
      expect(tjs).toEqual(loop.tokens);
      expect(engine.outputTokenIds).toEqual(loop.tokens);
      expect(noCache.outputTokenIds).toEqual(loop.tokens);
      expect(recorder.steps).toHaveLength(NEW_TOKENS);
      expect(worst).toBeLessThanOrEqual(TOL);
      // The engine's cache holds KV heads only: layers × 2 × kv_heads × (prompt + new − 1) × hd × 4 bytes.
      expect(engine.kvCacheBytes).toBe(spec.nLayer * 2 * spec.nKvHead * (promptIds.length + NEW_TOKENS - 1) * spec.headDim * 4);
      // transformers.js really loaded the variant's file: its logits differ from the fp32 file's.
      if (dtype === 'fp32') fp32Logits.push(...recorder.steps);
      else expect(maxAbsDiff(recorder.steps[0] as Float32Array, fp32Logits[0] as Float32Array)).toBeGreaterThan(TOL);
    }, 300_000);
  }
});
