import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStrategy } from '../decoding/create-strategy.ts';
import { greedyChooser } from '../decoding/greedy.ts';
import { resolveCellModel } from '../model/resolve-kv-cache.ts';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { PROMPTS, run, runGreedy, TEST_MODELS_DIR, testModels } from '../testing/test-models.ts';
import { generateContinuous } from './continuous-batching.ts';
import { generateBatch } from './generate-batch.ts';

// The engine on forge:gpt2-mini's int8-KV-cache graph: the strategies never look at the cache's
// dtype, so what holds for the float32 cache (batch rows equal their single runs, speculative with
// greedy verification equals greedy, no-cache equals cache) must hold for int8 — using every
// KvCache operation on int8 tensors and scales (crop, row gather, left padding, stacking).

const OPTS = { modelsDir: TEST_MODELS_DIR, modelRoots: [TEST_MODELS_DIR] };
const BATCH = [...PROMPTS, 'Why', 'a b c d e f'];

describe('engine on an int8 KV cache (forge:gpt2-mini)', () => {
  const models = testModels();
  let kv: LoadedModel;
  beforeAll(async () => {
    const resolved = await resolveCellModel('forge:gpt2-mini', { dtype: 'fp32', kvCacheDtype: 'int8' }, OPTS);
    kv = await models.pool.get(resolved, { threads: 1, executionProvider: 'cpu' });
  }, 120_000);
  afterAll(() => models.pool.clear());

  it('loads the int8-KV graph and reports int8 + scales bytes for the cache', async () => {
    expect(kv.session.kvCacheDtype).toBe('int8');
    const g = await runGreedy(kv, 'Hello world', 6);
    const c = kv.session.config;
    expect(g.kvCacheBytes).toBe(c.layers * 2 * c.kvHeads * (g.promptTokens + 5) * (c.headDim + 4));
  });

  it('no-cache, prompt lookup and speculative (greedy verification) give the cached greedy tokens', async () => {
    const draftModel = await models.load('gpt2-mini-draft1'); // the draft keeps its own float32 cache
    for (const p of PROMPTS) {
      const greedy = (await runGreedy(kv, p, 12)).outputTokenIds;
      const noCache = createStrategy({ strategy: 'greedy' }, { target: kv.session, useCache: false });
      expect((await run(kv, noCache, p, 12)).outputTokenIds, p).toEqual(greedy);
      const lookup = createStrategy({ strategy: 'prompt-lookup', ngram: 2, k: 4 }, { target: kv.session, useCache: true });
      expect((await run(kv, lookup, p, 12)).outputTokenIds, p).toEqual(greedy);
      const spec = createStrategy(
        { strategy: 'speculative', draft: 'forge:gpt2-mini-draft1', k: 3, adaptiveK: false, verification: 'greedy' },
        { target: kv.session, draft: draftModel.session, useCache: true },
      );
      expect((await run(kv, spec, p, 12)).outputTokenIds, p).toEqual(greedy);
    }
  });

  it('static and continuous batches: every row equals its single run (left padding, row gather, stacking)', async () => {
    const opts = { maxNewTokens: 10, newChooser: () => greedyChooser, eosTokenIds: [] };
    const alone = await Promise.all(BATCH.map(async (p) => (await runGreedy(kv, p, 10)).outputTokenIds));
    const rows = await generateBatch(kv.session, kv.tokenizer, BATCH, opts);
    expect(rows.map((r) => r.outputTokenIds)).toEqual(alone);
    const cont = await generateContinuous(kv.session, kv.tokenizer, BATCH, { ...opts, maxBatch: 3 });
    expect(cont.map((r) => r.outputTokenIds)).toEqual(alone);
  });

  it('beam search reorders int8 rows and scales: numBeams 1 is greedy, 3 beams run to length', async () => {
    const p = PROMPTS[0] as string;
    const greedy = (await runGreedy(kv, p, 8)).outputTokenIds;
    const beam = (numBeams: number) =>
      createStrategy({ strategy: 'beam', numBeams, lengthPenalty: 1, earlyStopping: false }, { target: kv.session, useCache: true });
    expect((await run(kv, beam(1), p, 8)).outputTokenIds).toEqual(greedy);
    expect((await run(kv, beam(3), p, 8)).outputTokenIds).toHaveLength(8);
  });
});
