import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../forge/prng.ts';
import { sampleCategorical } from './categorical.ts';
import { NEUTRAL_SAMPLING, type SamplingParams, softmax, toProbabilities } from './logits-processors.ts';
import { SeededRng } from './seeded-rng.ts';

/** The textbook version: full sort, HF's order of processors. The fast path must agree with it. */
function reference(logits: number[], params: SamplingParams, history: number[]): number[] {
  const x = logits.slice();
  for (const t of new Set(history)) x[t] = x[t]! < 0 ? x[t]! * params.repetitionPenalty : x[t]! / params.repetitionPenalty;
  const p = Array.from(softmax(Float64Array.from(x, (v) => v / params.temperature)));
  const order = p.map((_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  let keep = params.topK > 0 ? params.topK : p.length;
  let mass = 0;
  for (let i = 0; i < keep; i++) {
    mass += p[order[i]!]!;
    if (params.topP < 1 && mass >= params.topP) keep = i + 1;
  }
  const kept = new Set(order.slice(0, keep));
  const total = order.slice(0, keep).reduce((s, i) => s + p[i]!, 0);
  return p.map((v, i) => (kept.has(i) ? v / total : 0));
}

describe('toProbabilities', () => {
  const gen = new Xoshiro128(5);
  // 300 logits from 12 distinct values: many ties, which must go to the lower id.
  const logits = Array.from({ length: 300 }, () => ((gen.nextUint32() % 12) - 6) / 2);
  const history = [3, 3, 17, 250];
  const cases: Partial<SamplingParams>[] = [
    {},
    { temperature: 0.5 },
    { topK: 1 },
    { topK: 7 },
    { topK: 40, topP: 0.5 },
    { topP: 0.9 },
    { topP: 0.01 },
    { repetitionPenalty: 1.3, topK: 25 },
  ];
  it.each(cases)('matches the full-sort reference: %o', (c) => {
    const params = { ...NEUTRAL_SAMPLING, ...c };
    const got = toProbabilities(Float32Array.from(logits), 0, logits.length, params, history);
    const want = reference(logits, params, history);
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(want[i]!, 12);
    expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('repetition penalty lowers seen tokens (positive logits divided, negative multiplied)', () => {
    const p = toProbabilities(Float32Array.of(2, 2, -1, -1), 0, 4, { ...NEUTRAL_SAMPLING, repetitionPenalty: 2 }, [0, 2]);
    expect(p[0]).toBeLessThan(p[1]!);
    expect(p[2]).toBeLessThan(p[3]!);
    expect(Math.log(p[1]! / p[0]!)).toBeCloseTo(1, 9); // 2 → 1
    expect(Math.log(p[3]! / p[2]!)).toBeCloseTo(1, 9); // −1 → −2
  });
});

describe('seeded sampling', () => {
  it('draws each category at its probability (chi-square, fixed seed) and repeats with the seed', () => {
    const probs = Float64Array.of(0.5, 0.25, 0.125, 0.125);
    const rng = new SeededRng(99);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 8000; i++) counts[sampleCategorical(probs, rng)]!++;
    const chi = counts.reduce((s, c, i) => s + (c - 8000 * probs[i]!) ** 2 / (8000 * probs[i]!), 0);
    expect(chi).toBeLessThan(16.27); // chi-square(3) at 0.1%
    const a = new SeededRng(7);
    const b = new SeededRng(7);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
  });
});
