import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { NEUTRAL_SAMPLING } from '../sampling/logits-processors.ts';
import type { SeededRng } from '../sampling/seeded-rng.ts';
import { strategyConformance } from '../testing/strategy-conformance.ts';
import { PROMPTS, run, runGreedy, testModels } from '../testing/test-models.ts';
import { createStrategy } from './create-strategy.ts';
import type { Drafter } from './drafter.ts';
import { modelDrafter } from './model-drafter.ts';
import { speculativeStrategy } from './speculative.ts';

const spec = (k: number, adaptiveK = false) =>
  ({ strategy: 'speculative', draft: 'forge:gpt2-mini-draft1', k, adaptiveK, verification: 'greedy' }) as const;

// gpt2-mini rather than tiny: its greedy output changes token a few times per 20 (tiny repeats one).
for (const k of [1, 2, 4, 8]) {
  strategyConformance(`speculative, greedy verification, k=${k}`, {
    model: 'gpt2-mini',
    make: async (t, load) =>
      createStrategy(spec(k), { target: t.session, draft: (await load('gpt2-mini-draft1')).session, useCache: true }),
    equalsGreedy: true,
  });
}

strategyConformance('speculative, greedy verification, adaptive k', {
  model: 'gpt2-mini',
  make: async (t, load) =>
    createStrategy(spec(2, true), { target: t.session, draft: (await load('gpt2-mini-draft1')).session, useCache: true }),
  equalsGreedy: true,
});

/** A drafter that proposes pseudo-random tokens: most are rejected, so every step exercises the KV crop. */
const noisyDrafter = (vocab: number): Drafter => {
  let x = 12345;
  return {
    async propose(_context, k) {
      return {
        tokens: Array.from({ length: k }, () => {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          return x % vocab;
        }),
        q: null,
      };
    },
    kvCacheBytes: 0,
  };
};

describe('speculative decoding', () => {
  const models = testModels();
  let mini: LoadedModel;
  let draft: LoadedModel;
  beforeAll(async () => {
    mini = await models.load('gpt2-mini');
    draft = await models.load('gpt2-mini-draft1');
  });
  afterAll(() => models.pool.clear());

  it('equals greedy whatever the draft proposes: wrong drafts are rejected and the caches cropped', async () => {
    // Without cache every feed recomputes the sequence: slow, so one prompt there.
    for (const [prompt, modes] of [
      [PROMPTS[0]!, [true, false]],
      [PROMPTS[3]!, [true]],
    ] as const) {
      const greedy = (await runGreedy(mini, prompt, 20)).outputTokenIds;
      for (const useCache of modes) {
        const s = speculativeStrategy('noisy', mini.session, () => noisyDrafter(mini.session.config.vocabSize), {
          k: 4,
          adaptiveK: false,
          sampling: null,
          useCache,
        });
        const g = await run(mini, s, prompt, 20);
        expect(g.outputTokenIds).toEqual(greedy);
        expect(g.strategyStats!.acceptedTokens).toBe(0); // random tokens never match the argmax here
        expect(g.strategyStats!.targetForwards).toBe(20);
      }
    }
  });

  it('an oracle draft (the greedy continuation) is fully accepted: k + 1 tokens per target forward', async () => {
    const prompt = PROMPTS[0]!;
    const greedy = (await runGreedy(mini, prompt, 20)).outputTokenIds;
    const promptLength = mini.tokenizer.encode(prompt).length;
    const oracle: Drafter = {
      async propose(context, k) {
        const done = context.length - promptLength;
        return { tokens: greedy.slice(done, done + k), q: null };
      },
      kvCacheBytes: 0,
    };
    const s = speculativeStrategy('oracle', mini.session, () => oracle, { k: 4, adaptiveK: false, sampling: null, useCache: true });
    const g = await run(mini, s, prompt, 20);
    expect(g.outputTokenIds).toEqual(greedy);
    expect(g.events.map((e) => e.n)).toEqual([5, 5, 5, 5]);
    expect(g.strategyStats).toEqual({ targetForwards: 4, draftTokens: 16, acceptedTokens: 16 });
  });

  it('counts: one event per target forward, N_out = accepted + forwards, drafts never past the budget', async () => {
    for (const k of [1, 3, 8]) {
      const s = createStrategy(spec(k), { target: mini.session, draft: draft.session, useCache: true });
      const g = await run(mini, s, PROMPTS[1]!, 17);
      const st = g.strategyStats!;
      expect(g.events).toHaveLength(st.targetForwards);
      expect(st.acceptedTokens + st.targetForwards).toBe(17);
      expect(st.draftTokens).toBeLessThanOrEqual(k * st.targetForwards);
      expect(st.acceptedTokens).toBeLessThanOrEqual(st.draftTokens);
      console.log(
        `gpt2-mini + mini-draft1, k=${k}: acceptance ${(st.acceptedTokens / st.draftTokens).toFixed(2)}, ` +
          `${(17 / st.targetForwards).toFixed(2)} tokens per target forward`,
      );
    }
  });

  it("crops the draft's cache too: after rejections its draft distributions equal a fresh draft run's", async () => {
    // Random-weight models pick the next token mostly from the last one, so tokens alone would not
    // notice stale context in the cache: compare the draft distributions q (temperature 1, full vocabulary).
    const fixedRng = { next: () => 0.5 } as SeededRng; // both drafters draw alike
    const sampling = { params: NEUTRAL_SAMPLING, rng: fixedRng };
    const drafter = modelDrafter(draft.session, sampling);
    const V = draft.session.config.vocabSize;
    let context = mini.tokenizer.encode(PROMPTS[0]!);
    for (let step = 0; step < 4; step++) {
      const proposal = await drafter.propose(context, 3);
      const fresh = await modelDrafter(draft.session, sampling).propose(context, 3);
      expect(proposal.tokens).toEqual(fresh.tokens);
      proposal.q!.forEach((q, i) => {
        let diff = 0;
        for (let t = 0; t < V; t++) diff = Math.max(diff, Math.abs((q[t] as number) - (fresh.q![i]![t] as number)));
        expect(diff).toBeLessThan(1e-9);
      });
      // Keep one draft token, then a "target correction" the draft did not propose: a rejection.
      context = [...context, proposal.tokens[0]!, ((proposal.tokens[1] as number) + 1 + step) % V];
    }
  });

  it('refuses a draft with another vocabulary, saying why', async () => {
    const fake = { ...draft.session, config: { ...draft.session.config, vocabSize: 1000 } } as typeof draft.session;
    expect(() => createStrategy(spec(2), { target: mini.session, draft: fake, useCache: true })).toThrow(/vocabulary of 1000/);
  });
});
