import { describe, expect, it } from 'vitest';
import { decodeSlope, positionLatency, positionPoints } from './position-latency.ts';
import { requestMetrics } from './request-metrics.ts';

// Synthetic timeline with a 2-token chunk, worked by hand: prompt of 10 tokens, events at
// t = 20 (n 1, TTFT), 25 (n 1), 31 (n 2), 38 (n 1), 46 (n 1). N_out = 6.
const request = {
  promptTokens: 10,
  tokenizeMs: 1,
  events: [
    { t: 20, n: 1 },
    { t: 25, n: 1 },
    { t: 31, n: 2 },
    { t: 38, n: 1 },
    { t: 46, n: 1 },
  ],
};

describe('positionPoints', () => {
  it('places each gap at its first token and the context its step saw', () => {
    // tokens before each event: 1, 2, 4, 5 → positions 2, 3, 5, 6, contexts 11, 12, 14, 15
    expect(positionPoints([request])).toEqual([
      { position: 2, context: 11, itl: 5 },
      { position: 3, context: 12, itl: 6 },
      { position: 5, context: 14, itl: 7 },
      { position: 6, context: 15, itl: 8 },
    ]);
    const m = requestMetrics(request);
    expect(m.tpot).toBeCloseTo((46 - 20) / (6 - 1), 12); // 5.2: the chunk counts 2 tokens
    expect(m.itl).toEqual([5, 6, 7, 8]); // one gap per event
  });
});

describe('decodeSlope', () => {
  it('is the least-squares slope of ITL on context, per 100 tokens', () => {
    // x = 11 12 14 15, y = 5 6 7 8: mean 13, 6.5; Sxy = 7, Sxx = 10, Syy = 5 → slope 0.7 ms/token,
    // intercept 6.5 − 0.7·13 = −2.6, r² = 49/50 (numpy.polyfit(x, y, 1) → [0.7, −2.6]).
    const s = decodeSlope(positionPoints([request]));
    expect(s?.msPer100Tokens).toBeCloseTo(70, 10);
    expect(s?.interceptMs).toBeCloseTo(-2.6, 10);
    expect(s?.r2).toBeCloseTo(0.98, 12);
    expect(s?.n).toBe(4);
  });

  it('separates a growing (no-cache-like) timeline from a flat (cache-like) one', () => {
    const timeline = (gap: (k: number) => number) => {
      const events = [{ t: 30, n: 1 }];
      for (let k = 1; k < 60; k++) events.push({ t: (events[k - 1] as { t: number }).t + gap(k), n: 1 });
      return { promptTokens: 8, events };
    };
    const flat = positionLatency([timeline((k) => 4 + (k % 2) * 0.2)]);
    const growing = positionLatency([timeline((k) => 4 + 0.05 * k)]); // 0.05 ms per token of context
    expect(growing.slope?.msPer100Tokens).toBeCloseTo(5, 9);
    expect(Math.abs(flat.slope?.msPer100Tokens ?? Number.NaN)).toBeLessThan(0.1);
    expect(growing.buckets.at(-1)?.p50).toBeGreaterThan(growing.buckets[0]?.p50 as number);
  });

  it('is null without two distinct contexts', () => {
    expect(decodeSlope([])).toBeNull();
    expect(decodeSlope([{ position: 2, context: 5, itl: 3 }])).toBeNull();
  });
});

describe('positionLatency', () => {
  it('buckets ITL by output position with numpy-linear percentiles', () => {
    const p = positionLatency([request, { ...request, events: request.events.map((e) => ({ ...e, t: e.t * 2 })) }], 2);
    expect(p.bucketSize).toBe(2);
    // positions 2,3 → bucket [1,2] holds position 2 only; [3,4] holds position 3; [5,6] holds 5 and 6.
    expect(p.buckets.map((b) => [b.from, b.to, b.n])).toEqual([
      [1, 2, 2],
      [3, 4, 2],
      [5, 6, 4],
    ]);
    // bucket [5, 6]: ITL 7, 8, 14, 16 → p50 = 11, p90 = 14 + .7·2 = 15.4 (h = 2.7)
    expect(p.buckets[2]?.p50).toBeCloseTo(11, 12);
    expect(p.buckets[2]?.p90).toBeCloseTo(15.4, 12);
    expect(p.buckets[2]?.mean).toBeCloseTo(11.25, 12);
  });

  it('picks a power-of-two bucket size giving at most 16 buckets', () => {
    const events = Array.from({ length: 200 }, (_, i) => ({ t: i * 5, n: 1 }));
    const p = positionLatency([{ promptTokens: 3, events }]);
    expect(p.bucketSize).toBe(16); // 200 positions / 16 → 12.5 → 16
    expect(p.buckets.length).toBeLessThanOrEqual(16);
  });
});
