import { describe, expect, it } from 'vitest';
import { compareCells } from './compare-cells.ts';

const streamed = Array.from({ length: 6 }, (_, i) => ({
  promptTokens: 4,
  tokenizeMs: 1,
  events: Array.from({ length: 5 }, (_, k) => ({ t: 10 + i + k * 4, n: 1 })),
}));
// Beam search: the same 5 tokens, emitted in one event when the search ends.
const beam = Array.from({ length: 6 }, (_, i) => ({ promptTokens: 4, tokenizeMs: 1, events: [{ t: 30 + i, n: 5 }] }));

describe('compareCells', () => {
  it('refuses TPOT and ITL against a cell whose tokens were not streamed, and compares the rest', () => {
    const c = compareCells(streamed, beam);
    expect(c.metrics.tpot).toBeNull();
    expect(c.metrics.itl).toBeNull();
    const message =
      'cell b has no inter-token timing (not streamed: 6 of 6 requests sent all their tokens in one event): TPOT and ITL are undefined, so they are not compared';
    expect(c.refused).toEqual({ tpot: message, itl: message });
    // TTFT: medians 12.5 (10 … 15) against 32.5 (30 … 35); E2EL 28.5 against 32.5.
    expect(c.metrics.ttft?.ratio).toBeCloseTo(32.5 / 12.5, 12);
    expect(c.metrics.e2el?.ratio).toBeCloseTo(32.5 / 28.5, 12);
    expect(compareCells(beam, streamed).refused.tpot).toMatch(/^cell a has no inter-token timing \(not streamed/);
  });

  it('refuses nothing between two streamed cells', () => {
    const c = compareCells(streamed, streamed);
    expect(c.refused).toEqual({});
    expect(c.metrics.tpot).toMatchObject({ a: 4, b: 4, ratio: 1, significant: false });
  });
});
