// Test support only (not exported from index.ts): forge models for the decoding conformance
// suites, built once into the repo's gitignored data/test-models (shared with other test files).
import { join, resolve } from 'node:path';
import { greedyStrategy } from '../decoding/greedy.ts';
import type { DecodingStrategy } from '../decoding/strategy.ts';
import { type Generation, generate } from '../engine/generate.ts';
import { resolveCellModel } from '../model/resolve-kv-cache.ts';
import { type LoadedModel, ModelPool } from '../runtime/model-pool.ts';
import { torchMicroFolder } from './torch-micro-folder.ts';

export const TEST_MODELS_DIR = resolve(import.meta.dirname, '../../../../data/test-models');

/** Prompts of different lengths; the last copies itself, so prompt lookup finds n-gram matches. */
export const PROMPTS = [
  'Explain briefly why KV caching and quantization help LLM inference.',
  'Hello world',
  'The',
  'one two three four one two three four one two',
];

export type TestModels = { pool: ModelPool; load(name: string): Promise<LoadedModel> };

/** A hub-layout folder our builders did not write (torch-micro-folder.ts), loaded by this name. */
export const TORCH_MICRO = 'torch-gpt2-micro';

/**
 * Forge models by name, and TORCH_MICRO. `kvLayout` 'in-place': their in-place-KV graphs
 * (kv-in-place-files.ts: forge's rebuilt, the torch export's rewritten), whose sessions keep an InPlaceKvCache.
 */
export function testModels(kvLayout: 'concat' | 'in-place' = 'concat'): TestModels {
  const pool = new ModelPool(6);
  const opts = { modelsDir: TEST_MODELS_DIR, modelRoots: [TEST_MODELS_DIR] };
  const id = (name: string) =>
    name === TORCH_MICRO ? `dir:${torchMicroFolder(join(TEST_MODELS_DIR, 'hub', TORCH_MICRO))}` : `forge:${name}`;
  return {
    pool,
    load: async (name) =>
      pool.get(await resolveCellModel(id(name), { dtype: 'fp32', kvLayout }, opts), { threads: 1, executionProvider: 'cpu' }),
  };
}

export function run(m: LoadedModel, strategy: DecodingStrategy, prompt: string, maxNewTokens = 16, eosTokenIds: number[] = []) {
  return generate(m.tokenizer, prompt, { maxNewTokens, strategy, eosTokenIds });
}

export function runGreedy(m: LoadedModel, prompt: string, maxNewTokens = 16): Promise<Generation> {
  return run(m, greedyStrategy(m.session, { useCache: true }), prompt, maxNewTokens);
}
