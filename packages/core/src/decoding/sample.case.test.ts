import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { NEUTRAL_SAMPLING } from '../sampling/logits-processors.ts';
import { strategyConformance } from '../testing/strategy-conformance.ts';
import { PROMPTS, run, runGreedy, testModels } from '../testing/test-models.ts';
import { sampleStrategy } from './sample.ts';

// Temperature 0.05 on the random-weight tiny model spreads the mass over tens of tokens, so
// sampled sequences really branch (at temperature 1 it is nearly uniform over 50k tokens).
const PARAMS = { ...NEUTRAL_SAMPLING, temperature: 0.05, seed: 7 };

strategyConformance('sample', {
  model: 'gpt2-tiny',
  make: async (t) => sampleStrategy(t.session, { ...PARAMS, topK: 40, topP: 0.95, repetitionPenalty: 1.1, useCache: true }),
  equalsGreedy: false,
});

describe('sample', () => {
  const models = testModels();
  let tiny: LoadedModel;
  beforeAll(async () => {
    tiny = await models.load('gpt2-tiny');
  });
  afterAll(() => models.pool.clear());
  const tokens = async (opts: Partial<typeof PARAMS> & Record<string, number>, prompt = PROMPTS[0]!, useCache = true) =>
    (await run(tiny, sampleStrategy(tiny.session, { ...PARAMS, ...opts, useCache }), prompt, 16)).outputTokenIds;

  it('same seed → same tokens (fresh strategies, cache or not); another seed → other tokens', async () => {
    const a = await tokens({ seed: 11 });
    expect(await tokens({ seed: 11 })).toEqual(a);
    expect(await tokens({ seed: 11 }, PROMPTS[0], false)).toEqual(a);
    expect(await tokens({ seed: 12 })).not.toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(3); // it branches: not one token repeated
  });

  it('pins the stream: these tokens on every machine (integer RNG, float64 softmax)', async () => {
    const a = await tokens({ seed: 11 }, PROMPTS[1]);
    expect(a).toEqual([11, 11, 3107, 3107, 3107, 3107, 3107, 3107, 3107, 3107, 3107, 3107, 3107, 20869, 20869, 45617]);
  });

  it('top-k 1 is greedy, whatever the seed and temperature', async () => {
    for (const prompt of PROMPTS.slice(0, 2)) {
      const greedy = (await runGreedy(tiny, prompt, 16)).outputTokenIds;
      expect(await tokens({ topK: 1, seed: 3, temperature: 2 }, prompt)).toEqual(greedy);
    }
  });

  it('a strong repetition penalty stops the random model repeating itself', async () => {
    const plain = await tokens({ temperature: 0.01 });
    const penalized = await tokens({ temperature: 0.01, repetitionPenalty: 1e6 });
    expect(new Set(penalized).size).toBe(penalized.length); // every token new
    expect(new Set(plain).size).toBeLessThan(plain.length);
  });
});
