import { FORGE_MODELS, llamaParamCount, ModelPool } from '@inferlab/core';
import { TEST_CACHE_DIR } from '@inferlab/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { type CellSpec, runCell } from './run-cell.ts';

// A forge:llama-tiny cell through runCell, as a worker runs it: resolve, load, warmup, measure,
// quality against the fp32 file. Timings are not asserted; what must hold is what the numbers mean.

const spec = FORGE_MODELS['llama-tiny'];
const CELL: CellSpec = {
  model: 'forge:llama-tiny',
  variant: { dtype: 'fp32', cache: true },
  decoding: { strategy: 'greedy' },
  prompts: ['Explain briefly why KV caching and quantization help LLM inference.', 'Hello world'],
  maxNewTokens: 12,
  batchSize: 1,
  device: 'cpu',
  threads: 1,
  repetitions: 2,
  warmup: 1,
};
const pool = new ModelPool(2);
const ctx = { modelsDir: TEST_CACHE_DIR, modelRoots: [], pool };
afterAll(() => pool.clear());

describe('runCell on forge:llama-tiny', () => {
  it('measures every request, counts the GQA cache and HF’s parameters, and scores quality', async () => {
    const run = await runCell(CELL, ctx);
    expect(run.requests).toHaveLength(4);
    const first = run.requests[0];
    expect(first?.outputTokenIds).toHaveLength(12);
    expect(first?.events).toHaveLength(12);
    // Both repetitions of a prompt generate the same greedy tokens.
    expect(run.requests[2]?.outputTokenIds).toEqual(first?.outputTokenIds);
    expect(run.model.paramCount).toBe(llamaParamCount(spec));
    // Longest sequence held: the first prompt + 12 new − 1 (the last token is never fed), KV heads only.
    expect(first?.promptTokens).toBeGreaterThan(run.requests[1]?.promptTokens as number);
    expect(run.memory.kvCacheBytes).toBe(spec.nLayer * 2 * spec.nKvHead * ((first?.promptTokens as number) + 12 - 1) * spec.headDim * 4);
    expect(run.quality?.perplexity).toBeGreaterThan(1);
    expect(run.quality?.top1Agreement).toBe(1); // fp32 against itself
    console.log(
      `llama-tiny fp32 cell: perplexity ${run.quality?.perplexity.toFixed(0)} (vocab ${spec.vocabSize}), ${run.wallMs.toFixed(0)} ms`,
    );
  }, 300_000);

  it('runs without the cache and in int8, with the same tokens without the cache', async () => {
    const cached = await runCell(CELL, ctx);
    const noCache = await runCell({ ...CELL, variant: { dtype: 'fp32', cache: false } }, ctx);
    expect(noCache.requests.map((r) => r.outputTokenIds)).toEqual(cached.requests.map((r) => r.outputTokenIds));
    expect(noCache.memory.kvCacheBytes).toBe(0);
    const int8 = await runCell({ ...CELL, variant: { dtype: 'int8', cache: true } }, ctx);
    expect(int8.requests).toHaveLength(4);
    expect(int8.model.file).toMatch(/model_int8\.onnx$/);
    expect(int8.quality?.meanKl).toBeGreaterThan(0); // a different file, really quantized
    console.log(
      `llama-tiny int8 cell: top-1 agreement ${int8.quality?.top1Agreement.toFixed(3)}, mean KL ${int8.quality?.meanKl.toExponential(2)}`,
    );
  }, 300_000);
});
