import { sampleCategorical } from '../sampling/categorical.ts';
import type { SeededRng } from '../sampling/seeded-rng.ts';
import { argmax } from './greedy.ts';

/** `accepted` draft tokens kept, then `next`: the target's correction (or bonus token when all were kept). */
export type Verdict = { accepted: number; next: number };

/**
 * Greedy verification: keep draft tokens while they equal the target's argmax; the first mismatch
 * is replaced by the argmax. `logits` rows offset..offset+m: row i scores draft[i], row m is the bonus.
 * The output is the target's greedy output exactly, whatever the draft proposes.
 */
export function verifyGreedy(logits: Float32Array, rowOffset: number, vocab: number, draft: readonly number[]): Verdict {
  for (let i = 0; i < draft.length; i++) {
    const t = argmax(logits, (rowOffset + i) * vocab, vocab);
    if (t !== draft[i]) return { accepted: i, next: t };
  }
  return { accepted: draft.length, next: argmax(logits, (rowOffset + draft.length) * vocab, vocab) };
}

/**
 * Stochastic verification (Leviathan et al. 2023, Chen et al. 2023): accept draft token d with
 * probability min(1, p(d)/q(d)); on rejection draw from normalize(max(0, p − q)). The emitted
 * tokens are distributed exactly as sampling from the target p. `p[i]` scores draft[i]; p[m] is
 * the bonus distribution (computed on demand: `p(i)`). `q` null means a deterministic draft
 * (q = one-hot on the draft token).
 */
export function verifyStochastic(
  p: (row: number) => Float64Array,
  q: readonly Float64Array[] | null,
  draft: readonly number[],
  rng: SeededRng,
): Verdict {
  for (let i = 0; i < draft.length; i++) {
    const d = draft[i] as number;
    const pi = p(i);
    const qi = q?.[i];
    const qd = qi === undefined ? 1 : (qi[d] as number);
    if (rng.next() < Math.min(1, (pi[d] as number) / qd)) continue;
    const residual = new Float64Array(pi.length);
    let mass = 0;
    for (let t = 0; t < pi.length; t++) {
      const r = Math.max(0, (pi[t] as number) - (qi === undefined ? (t === d ? 1 : 0) : (qi[t] as number)));
      residual[t] = r;
      mass += r;
    }
    // mass is 0 only when p = q, where rejection has probability 0; fall back to p for rounding.
    if (mass <= 0) return { accepted: i, next: sampleCategorical(pi, rng) };
    for (let t = 0; t < residual.length; t++) residual[t] = (residual[t] as number) / mass;
    return { accepted: i, next: sampleCategorical(residual, rng) };
  }
  return { accepted: draft.length, next: sampleCategorical(p(draft.length), rng) };
}
