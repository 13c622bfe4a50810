import type { DecoderSession } from '../runtime/decoder-session.ts';
import { sampleCategorical } from '../sampling/categorical.ts';
import { type SamplingParams, toProbabilities } from '../sampling/logits-processors.ts';
import type { SeededRng } from '../sampling/seeded-rng.ts';
import { DecodeSequence } from './decode-sequence.ts';
import type { Draft, Drafter } from './drafter.ts';
import { argmax } from './greedy.ts';

/**
 * A draft model proposing k tokens autoregressively over its own KV cache. Before each proposal
 * its sequence is synced to the committed one: cropped back to the common prefix (its rejected
 * tokens leave the cache) and the target's corrections pushed, to be fed with the next forward.
 * `sampling` null: greedy drafts; otherwise drafts are sampled and their distributions returned.
 */
export function modelDrafter(session: DecoderSession, sampling: { params: SamplingParams; rng: SeededRng } | null): Drafter {
  const seq = new DecodeSequence(session, true);
  const vocab = session.config.vocabSize;
  return {
    async propose(context, k): Promise<Draft> {
      let common = 0;
      const max = Math.min(seq.length, context.length);
      while (common < max && seq.tokens[common] === context[common]) common++;
      seq.crop(common);
      seq.push(...context.slice(common));
      const tokens: number[] = [];
      const q: Float64Array[] = [];
      for (let j = 0; j < k; j++) {
        const logits = await seq.feed(1); // (1, vocab): the next draft token's row
        const offset = logits.length - vocab;
        let d: number;
        if (sampling === null) d = argmax(logits, offset, vocab);
        else {
          const dist = toProbabilities(logits, offset, vocab, sampling.params, seq.tokens);
          d = sampleCategorical(dist, sampling.rng);
          q.push(dist);
        }
        tokens.push(d);
        seq.push(d);
      }
      return { tokens, q: sampling === null ? null : q };
    },
    get kvCacheBytes() {
      return seq.kvCacheBytes;
    },
  };
}
