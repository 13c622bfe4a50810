import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { NEUTRAL_SAMPLING, toProbabilities } from '../sampling/logits-processors.ts';
import { strategyConformance } from '../testing/strategy-conformance.ts';
import { run, testModels } from '../testing/test-models.ts';
import { createStrategy } from './create-strategy.ts';

// Temperature 0.02 concentrates the random tiny model's next-token distribution on ~10 tokens
// (at 1 it is nearly uniform over 50k, which no chi-square test could resolve), while the draft
// (the target's first layer alone) still disagrees a lot: total variation ≈ 0.5 from the target.
const TEMPERATURE = 0.02;
const stochastic = (seed: number, k = 2) =>
  ({
    strategy: 'speculative',
    draft: 'forge:gpt2-tiny-draft1',
    k,
    adaptiveK: false,
    verification: 'stochastic',
    seed,
    temperature: TEMPERATURE,
  }) as const;

strategyConformance('speculative, stochastic verification', {
  model: 'gpt2-tiny',
  make: async (t, load) =>
    createStrategy(stochastic(5, 3), { target: t.session, draft: (await load('gpt2-tiny-draft1')).session, useCache: true }),
  equalsGreedy: false,
});

/** Pearson's statistic over bins with expected count ≥ 5 each, the rest pooled into one bin. */
function chiSquare(counts: Map<number, number>, probs: Float64Array, n: number): { stat: number; df: number } {
  let stat = 0;
  let bins = 0;
  let restExpected = 0;
  let restObserved = n;
  probs.forEach((p, token) => {
    const expected = p * n;
    if (expected < 5) return;
    const observed = counts.get(token) ?? 0;
    stat += (observed - expected) ** 2 / expected;
    restObserved -= observed;
    restExpected += expected;
    bins++;
  });
  restExpected = n - restExpected;
  if (restExpected > 0) {
    stat += (restObserved - restExpected) ** 2 / restExpected;
    bins++;
  }
  return { stat, df: bins - 1 };
}

/** Upper 0.1% point of chi-square(df), Wilson–Hilferty (accurate to ~1% for df ≥ 3). */
const critical999 = (df: number) => df * (1 - 2 / (9 * df) + 3.0902 * Math.sqrt(2 / (9 * df))) ** 3;

describe('stochastic speculative decoding preserves the target distribution', () => {
  const models = testModels();
  let tiny: LoadedModel;
  let draft: LoadedModel;
  beforeAll(async () => {
    tiny = await models.load('gpt2-tiny');
    draft = await models.load('gpt2-tiny-draft1');
  });
  afterAll(() => models.pool.clear());

  it('first sampled token over 600 seeds: chi-square vs the target softmax passes, vs the draft softmax fails', async () => {
    const prompt = 'Hello world';
    const ids = tiny.tokenizer.encode(prompt);
    const V = tiny.session.config.vocabSize;
    const dist = async (m: LoadedModel) => {
      const out = await m.session.forward({
        batch: 1,
        seq: ids.length,
        inputIds: BigInt64Array.from(ids, BigInt),
        attentionMask: new BigInt64Array(ids.length).fill(1n),
        positionIds: BigInt64Array.from(ids, (_, i) => BigInt(i)),
        past: m.session.emptyCache(1),
      });
      return toProbabilities(out.logits, (ids.length - 1) * V, V, { ...NEUTRAL_SAMPLING, temperature: TEMPERATURE });
    };
    const p = await dist(tiny);
    const q = await dist(draft);
    const N = 600;
    const counts = new Map<number, number>();
    let drafted = 0;
    let accepted = 0;
    for (let seed = 0; seed < N; seed++) {
      const s = createStrategy(stochastic(seed, 1), { target: tiny.session, draft: draft.session, useCache: true });
      const g = await run(tiny, s, prompt, 2);
      const first = g.outputTokenIds[0]!;
      counts.set(first, (counts.get(first) ?? 0) + 1);
      drafted += g.strategyStats!.draftTokens;
      accepted += g.strategyStats!.acceptedTokens;
    }
    const target = chiSquare(counts, p, N);
    const draftFit = chiSquare(counts, q, N);
    console.log(
      `chi-square vs target: ${target.stat.toFixed(1)} (df ${target.df}, 0.1% critical ${critical999(target.df).toFixed(1)}); ` +
        `vs draft: ${draftFit.stat.toFixed(1)} (df ${draftFit.df}); acceptance ${(accepted / drafted).toFixed(2)}`,
    );
    expect(target.df).toBeGreaterThanOrEqual(5);
    expect(target.stat).toBeLessThan(critical999(target.df));
    // The test has power: the draft's own distribution, which rejection corrects, is rejected.
    expect(draftFit.stat).toBeGreaterThan(critical999(draftFit.df));
    // Both branches ran: some drafts were accepted, some rejected and resampled from max(0, p − q).
    expect(accepted / drafted).toBeGreaterThan(0.01);
    expect(accepted / drafted).toBeLessThan(0.95);
  });
});
