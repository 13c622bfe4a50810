import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedModel } from '../runtime/model-pool.ts';
import { logSoftmax } from '../sampling/logits-processors.ts';
import { strategyConformance } from '../testing/strategy-conformance.ts';
import { PROMPTS, run, runGreedy, testModels } from '../testing/test-models.ts';
import { beamSearchStrategy } from './beam-search.ts';
import { createStrategy, DecodingConfigError } from './create-strategy.ts';

strategyConformance('beam search, numBeams=1', {
  model: 'gpt2-mini',
  make: async (t) => beamSearchStrategy(t.session, { numBeams: 1, lengthPenalty: 1, earlyStopping: false }),
  equalsGreedy: true,
});

strategyConformance('beam search, numBeams=4', {
  model: 'gpt2-tiny',
  make: async (t) => beamSearchStrategy(t.session, { numBeams: 4, lengthPenalty: 1, earlyStopping: true }),
  equalsGreedy: false,
  eosCutsOutput: false,
});

/** Σ log p of `tokens` after `prompt`, recomputed in ONE cache-free forward (the reference for beam scores). */
async function sequenceLogProb(m: LoadedModel, prompt: number[], tokens: number[], allowed?: number[]): Promise<number> {
  const all = [...prompt, ...tokens];
  const V = m.session.config.vocabSize;
  const out = await m.session.forward({
    batch: 1,
    seq: all.length,
    inputIds: BigInt64Array.from(all, BigInt),
    attentionMask: new BigInt64Array(all.length).fill(1n),
    positionIds: BigInt64Array.from(all, (_, i) => BigInt(i)),
    past: m.session.emptyCache(1),
  });
  let sum = 0;
  tokens.forEach((t, j) => {
    const row = prompt.length - 1 + j;
    if (allowed === undefined) sum += logSoftmax(out.logits, row * V, V)[t] as number;
    else {
      const sub = Float32Array.from(allowed, (a) => out.logits[row * V + a] as number);
      sum += logSoftmax(sub, 0, sub.length)[allowed.indexOf(t)] as number;
    }
  });
  return sum;
}

describe('beam search', () => {
  const models = testModels();
  let tiny: LoadedModel;
  let mini: LoadedModel;
  beforeAll(async () => {
    tiny = await models.load('gpt2-tiny');
    mini = await models.load('gpt2-mini');
  });
  afterAll(() => models.pool.clear());

  it('numBeams=1: greedy tokens, and its score is their summed log-probability (recomputed without cache)', async () => {
    for (const prompt of PROMPTS.slice(0, 2)) {
      const g = await run(mini, beamSearchStrategy(mini.session, { numBeams: 1, lengthPenalty: 0, earlyStopping: false }), prompt, 10);
      expect(g.outputTokenIds).toEqual((await runGreedy(mini, prompt, 10)).outputTokenIds);
      expect(g.score!).toBeCloseTo(await sequenceLogProb(mini, mini.tokenizer.encode(prompt), g.outputTokenIds), 3);
    }
  });

  it('numBeams=4: the score of the returned sequence matches a from-scratch rescoring (the reordered KV cache is right)', async () => {
    for (const prompt of PROMPTS.slice(0, 3)) {
      const g = await run(tiny, beamSearchStrategy(tiny.session, { numBeams: 4, lengthPenalty: 0, earlyStopping: false }), prompt, 8);
      const ref = await sequenceLogProb(tiny, tiny.tokenizer.encode(prompt), g.outputTokenIds);
      expect(g.score!).toBeCloseTo(ref, 3);
      const greedy = await runGreedy(tiny, prompt, 8);
      expect(g.score!).toBeGreaterThanOrEqual((await sequenceLogProb(tiny, tiny.tokenizer.encode(prompt), greedy.outputTokenIds)) - 1e-6);
    }
  });

  it('finds the exhaustive-search optimum over 5 tokens × 3 steps (125 sequences) with numBeams = 25', async () => {
    // Restricting the vocabulary keeps the exhaustive search small; 5^(3−1) beams make beam search exact.
    const allowed = [262, 286, 290, 318, 1169];
    let greedyMissed = 0;
    for (const prompt of PROMPTS.slice(0, 2)) {
      const ids = tiny.tokenizer.encode(prompt);
      let best = { tokens: [] as number[], score: Number.NEGATIVE_INFINITY };
      for (const a of allowed)
        for (const b of allowed)
          for (const c of allowed) {
            const score = await sequenceLogProb(tiny, ids, [a, b, c], allowed);
            if (score > best.score) best = { tokens: [a, b, c], score };
          }
      const beam = beamSearchStrategy(tiny.session, { numBeams: 25, lengthPenalty: 0, earlyStopping: false, allowedTokenIds: allowed });
      const g = await run(tiny, beam, prompt, 3);
      expect(g.outputTokenIds).toEqual(best.tokens);
      expect(g.score!).toBeCloseTo(best.score, 4);
      const greedyish = beamSearchStrategy(tiny.session, { numBeams: 1, lengthPenalty: 0, earlyStopping: false, allowedTokenIds: allowed });
      const narrow = await run(tiny, greedyish, prompt, 3);
      if (narrow.score! < best.score - 1e-6) greedyMissed++;
    }
    expect(greedyMissed).toBeGreaterThan(0); // the case is not trivial: one beam misses the optimum there
  });

  it('ends a hypothesis at eos: with no length penalty the likeliest first token, if eos, is the answer', async () => {
    // Σ log p only falls as a sequence grows, so the 1-token hypothesis [eos] beats every longer one.
    for (const prompt of PROMPTS.slice(0, 2)) {
      const eos = (await runGreedy(tiny, prompt, 1)).outputTokenIds[0]!;
      const g = await run(tiny, beamSearchStrategy(tiny.session, { numBeams: 3, lengthPenalty: 0, earlyStopping: false }), prompt, 6, [
        eos,
      ]);
      expect(g.outputTokenIds).toEqual([eos]);
      expect(g.stopReason).toBe('eos');
      expect(g.events).toEqual([{ t: g.events[0]!.t, n: 1 }]);
    }
  });

  it('refuses to run without the KV cache rather than silently using it', () => {
    const beam = { strategy: 'beam', numBeams: 2, lengthPenalty: 1, earlyStopping: false } as const;
    expect(() => createStrategy(beam, { target: tiny.session, useCache: false })).toThrow(DecodingConfigError);
  });

  it('emits its answer in one event at the end (n = N_out): beam tokens are final only when the search is', async () => {
    const g = await run(tiny, beamSearchStrategy(tiny.session, { numBeams: 3, lengthPenalty: 1, earlyStopping: true }), PROMPTS[0]!, 6);
    expect(g.events).toHaveLength(1);
    expect(g.events[0]!.n).toBe(6);
  });
});
