import type { DecoderSession } from '../runtime/decoder-session.ts';
import { chooserStrategy } from './chooser-strategy.ts';
import type { DecodingStrategy, TokenChooser } from './strategy.ts';

/** argmax over logits[offset, offset + vocab); ties go to the lowest id (as torch.argmax). */
export function argmax(logits: Float32Array, offset: number, vocab: number): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < vocab; i++) {
    const v = logits[offset + i] as number;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

export const greedyChooser: TokenChooser = { choose: (logits, offset, vocab) => argmax(logits, offset, vocab) };

/** The most likely token at every step; prefillChunk: DecodeSequence's (0: the prompt in one forward). */
export function greedyStrategy(session: DecoderSession, opts: { useCache: boolean; prefillChunk?: number }): DecodingStrategy {
  return chooserStrategy('greedy', session, opts.useCache, () => greedyChooser, opts.prefillChunk);
}
