import type { SeededRng } from './seeded-rng.ts';

/** Inverse-CDF draw from `probs` (sums to 1, up to rounding); lowest id first, so it is deterministic. */
export function sampleCategorical(probs: Float64Array, rng: SeededRng): number {
  const u = rng.next();
  let cum = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (p <= 0) continue;
    cum += p;
    last = i;
    if (u < cum) return i;
  }
  if (last < 0) throw new RangeError('cannot sample from an all-zero distribution');
  return last; // u landed in the rounding gap above the last cumulative sum
}
