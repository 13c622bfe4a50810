import type { Draft, Drafter } from './drafter.ts';

/**
 * Prompt-lookup decoding (Saxena 2023): the draft is what followed the most recent earlier
 * occurrence of the context's last n-gram (n = ngram down to 1). No draft model, no forward pass;
 * it pays off when the output copies from the prompt (summaries, code edits, repetition).
 */
export function promptLookupDrafter(ngram: number): Drafter {
  return {
    async propose(context, k): Promise<Draft> {
      const len = context.length;
      for (let n = Math.min(ngram, len - 1); n >= 1; n--) {
        for (let i = len - n - 1; i >= 0; i--) {
          let match = true;
          for (let j = 0; j < n && match; j++) match = context[i + j] === context[len - n + j];
          if (match) return { tokens: context.slice(i + n, Math.min(i + n + k, len)), q: null };
        }
      }
      return { tokens: [], q: null };
    },
    kvCacheBytes: 0,
  };
}
