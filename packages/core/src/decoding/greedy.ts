import type { DecodingStrategy } from './strategy.ts';

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

export const greedy: DecodingStrategy = { name: 'greedy', next: argmax };
