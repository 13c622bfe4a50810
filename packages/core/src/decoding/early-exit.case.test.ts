import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_THRESHOLDS } from '../early-exit/confidence.ts';
import { untrainedExitHeads } from '../early-exit/exit-head.ts';
import { loadSegmentedModel, type SegmentedModel } from '../early-exit/segmented-model.ts';
import { kvCacheBytes } from '../kv-cache/kv-cache.ts';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { strategyConformance } from '../testing/strategy-conformance.ts';
import { PROMPTS, run, runGreedy, testModels } from '../testing/test-models.ts';
import { earlyExitStrategy } from './early-exit.ts';

// Early exit on gpt2-mini (4 blocks) with untrained (identity) heads after blocks 1, 2 and 3.

const EXITS = [1, 2, 3];
const loaded: SegmentedModel[] = [];
async function segmented(target: LoadedModel): Promise<SegmentedModel> {
  const m = await loadSegmentedModel(target.model.folder, target.session.config, target.session.options, untrainedExitHeads(256, EXITS));
  loaded.push(m);
  return m;
}
afterAll(async () => {
  await Promise.all(loaded.map((m) => m.release()));
});

strategyConformance('early-exit, never-triggering max-prob threshold', {
  model: 'gpt2-mini',
  make: async (target) =>
    earlyExitStrategy(await segmented(target), { exitLayers: EXITS, criterion: 'max-prob', threshold: EXIT_THRESHOLDS['max-prob'].never }),
  equalsGreedy: true,
});

strategyConformance('early-exit, always-triggering margin threshold', {
  model: 'gpt2-mini',
  make: async (target) =>
    earlyExitStrategy(await segmented(target), { exitLayers: EXITS, criterion: 'margin', threshold: EXIT_THRESHOLDS.margin.always }),
  equalsGreedy: false,
});

describe('early-exit exit counts and cache', () => {
  const models = testModels();
  let target: LoadedModel;
  let model: SegmentedModel;
  beforeAll(async () => {
    target = await models.load('gpt2-mini');
    model = await segmented(target);
  });
  afterAll(() => models.pool.clear());

  it.each(['max-prob', 'entropy', 'margin'] as const)(
    '%s: a never-triggering threshold equals greedy and runs every layer',
    async (criterion) => {
      const s = earlyExitStrategy(model, { exitLayers: EXITS, criterion, threshold: EXIT_THRESHOLDS[criterion].never });
      const g = await run(target, s, PROMPTS[0] as string, 12);
      expect(g.outputTokenIds).toEqual((await runGreedy(target, PROMPTS[0] as string, 12)).outputTokenIds);
      expect(g.strategyStats?.exits).toEqual({ layers: [1, 2, 3, 4], counts: [0, 0, 0, 12], meanLayers: 4 });
      expect(g.strategyStats?.targetForwards).toBe(12);
    },
  );

  it.each(['max-prob', 'entropy', 'margin'] as const)(
    '%s: an always-triggering threshold exits every token at the first head',
    async (criterion) => {
      const s = earlyExitStrategy(model, { exitLayers: EXITS, criterion, threshold: EXIT_THRESHOLDS[criterion].always });
      const g = await run(target, s, PROMPTS[1] as string, 10);
      expect(g.strategyStats?.exits).toEqual({ layers: [1, 2, 3, 4], counts: [10, 0, 0, 0], meanLayers: 1 });
      expect(g.strategyStats?.targetForwards).toBe(0);
      // Every layer holds every position (prompt + 9 fed tokens): skipped layers were filled, not left short.
      expect(g.kvCacheBytes).toBe(kvCacheBytes(target.session.config, 1, g.promptTokens + 9));
    },
  );

  it('exiting at the first head changes the output: the exits are real', async () => {
    const always = earlyExitStrategy(model, { exitLayers: [1], criterion: 'max-prob', threshold: 0 });
    const outs = await Promise.all(PROMPTS.map((p) => run(target, always, p, 12)));
    const greedy = await Promise.all(PROMPTS.map((p) => runGreedy(target, p, 12)));
    expect(outs.map((g) => g.outputTokenIds)).not.toEqual(greedy.map((g) => g.outputTokenIds));
  });

  it('refuses exit layers out of range or out of order, naming the field and range', () => {
    expect(() => earlyExitStrategy(model, { exitLayers: [1, 4], criterion: 'max-prob', threshold: 0.5 })).toThrow(
      /decoding\.exitLayers \[1,4\]: must ascend, each an integer in 1\.\.3/,
    );
    expect(() => earlyExitStrategy(model, { exitLayers: [2, 1], criterion: 'max-prob', threshold: 0.5 })).toThrow(/must ascend/);
  });
});
