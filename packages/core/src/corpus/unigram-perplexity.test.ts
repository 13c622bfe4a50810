import { describe, expect, it } from 'vitest';
import { unigramPerplexity } from './unigram-perplexity.ts';

describe('unigramPerplexity', () => {
  it('is the vocabulary size for a uniform distribution, and lower for a skewed one', () => {
    const uniform = Int32Array.from({ length: 4000 }, (_, i) => i % 4);
    expect(unigramPerplexity(uniform, uniform, 4)).toBeCloseTo(4, 2);
    const skewed = Int32Array.from({ length: 4000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    expect(unigramPerplexity(skewed, skewed, 4)).toBeLessThan(2);
  });

  it('stays finite for a held-out token never seen in training', () => {
    expect(Number.isFinite(unigramPerplexity(Int32Array.from([0, 0, 1]), Int32Array.from([3]), 5))).toBe(true);
  });
});
