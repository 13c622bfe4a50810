import type { StrategyStats } from '@inferlab/experiments';
import type { DecoderSession } from '../runtime/decoder-session.ts';
import { type SamplingParams, toProbabilities } from '../sampling/logits-processors.ts';
import { SeededRng } from '../sampling/seeded-rng.ts';
import { DecodeSequence } from './decode-sequence.ts';
import type { Drafter } from './drafter.ts';
import type { DecodeRun, DecodingStrategy } from './strategy.ts';
import { type Verdict, verifyGreedy, verifyStochastic } from './verify.ts';

export type SpeculativeOptions = {
  /** Draft tokens per step (the start value when adaptive). */
  k: number;
  /** Hugging Face's heuristic: k += 2 after a fully accepted draft, k −= 1 (≥ 1) otherwise. */
  adaptiveK: boolean;
  /** null: greedy verification; otherwise stochastic verification of samples from these params. */
  sampling: (SamplingParams & { seed: number }) | null;
  useCache: boolean;
};

export const MAX_ADAPTIVE_K = 16;

/**
 * Speculative decoding: the drafter proposes k tokens, the target scores all of them (and the
 * token after) in ONE forward over its KV cache, verification keeps a prefix plus one target
 * token, and the target's cache is cropped back to what was kept. `newDrafter` is called per
 * request with the request's draft RNG (so seeded runs repeat).
 */
export function speculativeStrategy(
  name: string,
  target: DecoderSession,
  newDrafter: (rng: SeededRng) => Drafter,
  opts: SpeculativeOptions,
  maxPositions = target.config.maxPositions,
): DecodingStrategy {
  const vocab = target.config.vocabSize;
  return {
    name,
    maxPositions,
    async start(promptIds): Promise<DecodeRun> {
      const seed = opts.sampling?.seed ?? 0;
      const verifyRng = new SeededRng(seed);
      const drafter = newDrafter(new SeededRng(seed ^ 0x5bd1e995));
      const seq = new DecodeSequence(target, opts.useCache);
      seq.push(...promptIds);
      const stats: StrategyStats = { targetForwards: 0, draftTokens: 0, acceptedTokens: 0 };
      let k = opts.k;
      return {
        async step(budget) {
          const base = seq.length;
          const draft = await drafter.propose(seq.tokens, Math.min(k, budget - 1));
          const m = draft.tokens.length;
          seq.push(...draft.tokens);
          const logits = await seq.feed(m + 1); // (m + 1, vocab): the rows scoring the draft and the bonus
          const rowOffset = logits.length / vocab - (m + 1);
          let verdict: Verdict;
          if (opts.sampling === null) verdict = verifyGreedy(logits, rowOffset, vocab, draft.tokens);
          else {
            const params = opts.sampling;
            const p = (i: number) => toProbabilities(logits, (rowOffset + i) * vocab, vocab, params, seq.tokens.slice(0, base + i));
            verdict = verifyStochastic(p, draft.q, draft.tokens, verifyRng);
          }
          seq.crop(base + verdict.accepted); // rejected draft tokens leave the target's cache
          seq.push(verdict.next);
          stats.targetForwards++;
          stats.draftTokens += m;
          stats.acceptedTokens += verdict.accepted;
          if (opts.adaptiveK && m > 0) k = verdict.accepted === m ? Math.min(MAX_ADAPTIVE_K, k + 2) : Math.max(1, k - 1);
          return { tokens: [...draft.tokens.slice(0, verdict.accepted), verdict.next], done: false };
        },
        get kvCacheBytes() {
          return seq.kvCacheBytes + drafter.kvCacheBytes;
        },
        stats: () => ({ ...stats }),
        score: () => null,
      };
    },
  };
}
