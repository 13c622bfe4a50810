// Optimum's two decoder layouts run in our engine: a folder with only onnx/decoder_model_merged.onnx
// (an If on use_cache_branch, built here from the forge model) generates the same greedy tokens as
// the same model's onnx/model.onnx; its int8 variant is built from the merged graph into the cache.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedModelsDir } from '../../../../test/helpers/models.ts';
import { greedyStrategy } from '../decoding/greedy.ts';
import { generate } from '../engine/generate.ts';
import { TransformersJsRunner, UnsupportedEngineConfigError } from '../engine/transformers-js-runner.ts';
import { toMergedDecoder } from '../forge/optimum-merged-decoder.ts';
import { resolveModel } from '../model/resolve-model.ts';
import { readModelFile, writeModelFile } from '../onnx/index.ts';
import { type LoadedModel, ModelPool } from './model-pool.ts';

const PROMPTS = ['Explain briefly why KV caching and quantization help LLM inference.', 'Hello world', 'The'];

describe('merged decoder (onnx/decoder_model_merged.onnx)', () => {
  const pool = new ModelPool(4);
  let work: string;
  let merged: string;
  let single: LoadedModel;

  beforeAll(async () => {
    const shared = await sharedModelsDir(['gpt2-tiny']);
    const tiny = join(shared, 'forge', 'gpt2-tiny');
    work = mkdtempSync(join(tmpdir(), 'merged-decoder-'));
    merged = join(work, 'models', 'tiny-merged');
    cpSync(tiny, merged, { recursive: true, filter: (src) => !src.startsWith(join(tiny, 'onnx')) || src === join(tiny, 'onnx') });
    writeModelFile(join(merged, 'onnx/decoder_model_merged.onnx'), toMergedDecoder(readModelFile(join(tiny, 'onnx/model.onnx'))));
    const opts = { modelsDir: shared, modelRoots: [] };
    single = await pool.get(await resolveModel('forge:gpt2-tiny', 'fp32', opts), { threads: 1, executionProvider: 'cpu' });
  }, 120_000);
  afterAll(async () => {
    await pool.clear();
    rmSync(work, { recursive: true, force: true });
  });

  const run = (m: LoadedModel, prompt: string) =>
    generate(m.tokenizer, prompt, { maxNewTokens: 20, strategy: greedyStrategy(m.session, { useCache: true }), eosTokenIds: [] });

  it('a folder with only the merged decoder resolves to it and generates the single graph’s greedy tokens', async () => {
    expect(readdirSync(join(merged, 'onnx'))).toEqual(['decoder_model_merged.onnx']);
    const opts = { modelsDir: join(work, 'cache'), modelRoots: [join(work, 'models')] };
    const resolved = await resolveModel(`dir:${merged}`, 'fp32', opts);
    expect(resolved.file).toBe(join(merged, 'onnx/decoder_model_merged.onnx'));
    const m = await pool.get(resolved, { threads: 1, executionProvider: 'cpu' });
    expect(m.session.mergedDecoder).toBe(true);
    expect(single.session.mergedDecoder).toBe(false);
    for (const prompt of PROMPTS) {
      const a = await run(single, prompt);
      const b = await run(m, prompt);
      expect(b.outputTokenIds, prompt).toEqual(a.outputTokenIds);
      expect(b.outputTokenIds).toHaveLength(20);
    }
  }, 120_000);

  it('its int8 variant is built from the merged graph into the cache, not the folder, and runs', async () => {
    const opts = { modelsDir: join(work, 'cache'), modelRoots: [join(work, 'models')] };
    const resolved = await resolveModel(`dir:${merged}`, 'int8', opts);
    expect(resolved.file.startsWith(join(work, 'cache', 'derived'))).toBe(true);
    expect(existsSync(resolved.file)).toBe(true);
    expect(readdirSync(join(merged, 'onnx'))).toEqual(['decoder_model_merged.onnx']);
    const m = await pool.get(resolved, { threads: 1, executionProvider: 'cpu' });
    expect(m.session.mergedDecoder).toBe(true);
    const g = await run(m, PROMPTS[0] as string);
    expect(g.outputTokenIds).toHaveLength(20);
    // Built once: a second resolve reuses the cached file.
    expect((await resolveModel(`dir:${merged}`, 'int8', opts)).file).toBe(resolved.file);
  }, 120_000);

  it('the transformers.js engine runs the merged decoder too, and refuses a variant built into the cache', async () => {
    const opts = { modelsDir: join(work, 'cache'), modelRoots: [join(work, 'models')] };
    const fp32 = await resolveModel(`dir:${merged}`, 'fp32', opts);
    const peer = await TransformersJsRunner.load(merged, { dtype: 'fp32', threads: 1, device: 'cpu', file: fp32.file });
    try {
      const prompt = PROMPTS[0] as string;
      const g = await peer.generate(prompt, { maxNewTokens: 20, useCache: true, eosTokenIds: [] });
      expect(g.outputTokenIds).toEqual((await run(single, prompt)).outputTokenIds);
    } finally {
      await peer.release();
    }
    const int8 = await resolveModel(`dir:${merged}`, 'int8', opts);
    const err = await TransformersJsRunner.load(merged, { dtype: 'int8', threads: 1, device: 'cpu', file: int8.file }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnsupportedEngineConfigError);
  }, 120_000);
});
