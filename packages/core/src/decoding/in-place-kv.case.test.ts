import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyChooser, greedyStrategy } from '../decoding/greedy.ts';
import { generateContinuous } from '../engine/continuous-batching.ts';
import { generateBatch } from '../engine/generate-batch.ts';
import { InPlaceKvCache } from '../kv-cache/in-place-kv-cache.ts';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { strategyConformance } from '../testing/strategy-conformance.ts';
import { PROMPTS, run, runGreedy, testModels } from '../testing/test-models.ts';
import { beamSearchStrategy } from './beam-search.ts';
import { createStrategy } from './create-strategy.ts';

// The strategies on the in-place KV kind (forge in-place graphs: the buffers are read in place,
// speculative rollback is an O(1) crop, beam reorder permutes rows inside the buffers), and the
// same greedy and beam tokens as the concat graph (Optimum's past → present) of the same weights.

strategyConformance('greedy, in-place KV', {
  model: 'gpt2-mini',
  kvLayout: 'in-place',
  make: async (t) => greedyStrategy(t.session, { useCache: true }),
  equalsGreedy: true,
});

strategyConformance('greedy, in-place KV, prefill in chunks of 4', {
  model: 'gpt2-mini',
  kvLayout: 'in-place',
  make: async (t) => greedyStrategy(t.session, { useCache: true, prefillChunk: 4 }),
  equalsGreedy: true,
});

strategyConformance('speculative k=4, in-place KV (target and draft)', {
  model: 'gpt2-mini',
  kvLayout: 'in-place',
  make: async (t, load) =>
    createStrategy(
      { strategy: 'speculative', draft: 'forge:gpt2-mini-draft1', k: 4, adaptiveK: false, verification: 'greedy' },
      { target: t.session, draft: (await load('gpt2-mini-draft1')).session, useCache: true },
    ),
  equalsGreedy: true,
});

describe('in-place KV: the tokens of the concat graph', () => {
  const concat = testModels('concat');
  const inPlace = testModels('in-place');
  let a: LoadedModel;
  let b: LoadedModel;
  beforeAll(async () => {
    [a, b] = [await concat.load('gpt2-mini'), await inPlace.load('gpt2-mini')];
  });
  afterAll(async () => {
    await concat.pool.clear();
    await inPlace.pool.clear();
  });

  it('keeps an InPlaceKvCache', () => {
    expect(b.session.kvLayout).toBe('in-place');
    expect(b.session.emptyCache(1)).toBeInstanceOf(InPlaceKvCache);
    expect(a.session.kvLayout).toBe('concat');
  });

  it.each(PROMPTS)('greedy, 40 tokens (the cache grows past a chunk): %s', async (prompt) => {
    expect((await runGreedy(b, prompt, 40)).outputTokenIds).toEqual((await runGreedy(a, prompt, 40)).outputTokenIds);
  });

  it('beam search (4 beams, rows reordered in place) picks the same sequence', async () => {
    const beam = (m: LoadedModel) =>
      run(m, beamSearchStrategy(m.session, { numBeams: 4, lengthPenalty: 1, earlyStopping: true }), PROMPTS[0]!, 10);
    const [x, y] = [await beam(a), await beam(b)];
    expect(y.outputTokenIds).toEqual(x.outputTokenIds);
    expect(y.score).toBeCloseTo(x.score as number, 4);
  });

  it('static and continuous batching (rows join and leave): every row equals its unbatched concat run', async () => {
    const prompts = [...PROMPTS, 'Why', 'a b c d e f'];
    const opts = { maxNewTokens: 10, newChooser: () => greedyChooser, eosTokenIds: [] };
    const batch = await generateBatch(b.session, b.tokenizer, prompts, opts);
    const continuous = await generateContinuous(b.session, b.tokenizer, prompts, { ...opts, maxBatch: 3 });
    for (const [i, p] of prompts.entries()) {
      const alone = (await runGreedy(a, p, 10)).outputTokenIds;
      expect(batch[i]!.outputTokenIds).toEqual(alone);
      expect(continuous[i]!.outputTokenIds).toEqual(alone);
    }
  });
});
