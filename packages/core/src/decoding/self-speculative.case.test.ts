import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExitHeadSet, untrainedExitHeads } from '../early-exit/exit-head.ts';
import { loadSegmentedModel, type SegmentedModel } from '../early-exit/segmented-model.ts';
import { Xoshiro128 } from '../forge/prng.ts';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { strategyConformance } from '../testing/strategy-conformance.ts';
import { PROMPTS, run, runGreedy, testModels } from '../testing/test-models.ts';
import { selfSpeculativeStrategy } from './self-speculative.ts';

// Self-speculative decoding on gpt2-mini (4 blocks): drafts from the first blocks plus an exit head,
// verified by the remaining blocks. Greedy verification: the output is the full model's, always.

const loaded: SegmentedModel[] = [];
async function segmented(target: LoadedModel, heads: ExitHeadSet = untrainedExitHeads(256, [1, 2, 3])): Promise<SegmentedModel> {
  const m = await loadSegmentedModel(target.model.folder, target.session.config, target.session.options, heads);
  loaded.push(m);
  return m;
}
afterAll(async () => {
  await Promise.all(loaded.map((m) => m.release()));
});

strategyConformance('self-speculative, exit layer 2, k 3', {
  model: 'gpt2-mini',
  make: async (target) => selfSpeculativeStrategy(await segmented(target), { exitLayer: 2, k: 3, adaptiveK: false }),
  equalsGreedy: true,
});

describe('self-speculative equals greedy for every exit layer and k', () => {
  const models = testModels();
  let target: LoadedModel;
  let model: SegmentedModel;
  beforeAll(async () => {
    target = await models.load('gpt2-mini');
    model = await segmented(target);
  });
  afterAll(() => models.pool.clear());

  const cases = [1, 2, 3].flatMap((exitLayer) => [1, 4, 7].map((k) => ({ exitLayer, k, adaptiveK: k === 4 })));
  it.each(cases)('exit layer $exitLayer, k $k, adaptive $adaptiveK', async (opts) => {
    const s = selfSpeculativeStrategy(model, opts);
    for (const prompt of PROMPTS) {
      const g = await run(target, s, prompt, 17);
      expect(g.outputTokenIds).toEqual((await runGreedy(target, prompt, 17)).outputTokenIds);
      const stats = g.strategyStats;
      expect(stats?.acceptedTokens).toBeLessThanOrEqual(stats?.draftTokens ?? -1);
      // Each verify forward yields its accepted drafts plus one token.
      expect((stats?.acceptedTokens ?? 0) + (stats?.targetForwards ?? 0)).toBeGreaterThanOrEqual(17);
    }
  });

  it('accepts drafts: identity heads at layer 3 of 4 agree with the full model often enough to skip forwards', async () => {
    const g = await run(target, selfSpeculativeStrategy(model, { exitLayer: 3, k: 4, adaptiveK: false }), PROMPTS[0] as string, 24);
    expect(g.strategyStats?.acceptedTokens).toBeGreaterThan(0);
    expect(g.strategyStats?.targetForwards).toBeLessThan(24);
  });

  it('a trained (here random linear) head never changes the output', async () => {
    const w = new Float32Array(256 * 256);
    Xoshiro128.forTensor(7, 'w').fillNormal(w, 0.05);
    const noisy = await segmented(target, { version: 'test', hidden: 256, heads: [{ layer: 2, kind: 'linear', w }] });
    const s = selfSpeculativeStrategy(noisy, { exitLayer: 2, k: 3, adaptiveK: false });
    const g = await run(target, s, PROMPTS[0] as string, 15);
    expect(g.outputTokenIds).toEqual((await runGreedy(target, PROMPTS[0] as string, 15)).outputTokenIds);
  });
});
