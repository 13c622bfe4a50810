import { describe, expect, it } from 'vitest';
import { cellCost } from './cell-cost.ts';
import { goodput } from './goodput.ts';

// Three requests over a 100 ms window. TTFT 10, 30, 10; TPOT 5, 5, 20; queueing 0, 0, 50.
const requests = [
  {
    startedAt: 0,
    promptTokens: 4,
    tokenizeMs: 1,
    events: [
      { t: 10, n: 1 },
      { t: 15, n: 1 },
    ],
  },
  {
    startedAt: 20,
    promptTokens: 4,
    tokenizeMs: 1,
    events: [
      { t: 30, n: 1 },
      { t: 35, n: 1 },
    ],
  },
  {
    startedAt: 60,
    promptTokens: 4,
    tokenizeMs: 1,
    queueMs: 50,
    events: [
      { t: 10, n: 1 },
      { t: 40, n: 2 },
    ],
  },
];

describe('goodput', () => {
  it('counts requests meeting every SLO, TTFT and E2EL from arrival', () => {
    // ttft ≤ 20: request 2 fails (30); request 3 fails too (50 queued + 10).
    expect(goodput(requests, { ttftMs: 20 })).toEqual({ slo: { ttftMs: 20 }, met: 1, total: 3, requestsPerS: 10 });
    // tpot ≤ 10: request 3 has (40 − 10) / 2 = 15 → fails
    expect(goodput(requests, { tpotMs: 10 })?.met).toBe(2);
    // e2el ≤ 60: 15, 35 pass; 50 + 40 = 90 fails
    expect(goodput(requests, { e2elMs: 60, ttftMs: 100 })?.met).toBe(2);
    expect(goodput(requests, undefined)).toBeNull();
    expect(goodput(requests, {})).toBeNull();
  });

  it('ignores the TPOT target for a request that was not streamed, and keeps its other targets', () => {
    // Beam search: one event at 40 ms carrying 6 tokens. TPOT is undefined, not 0 ms.
    const beam = { startedAt: 0, promptTokens: 4, tokenizeMs: 1, events: [{ t: 40, n: 6 }] };
    expect(goodput([beam], { tpotMs: 1 })?.met).toBe(1);
    expect(goodput([beam], { tpotMs: 1, e2elMs: 30 })?.met).toBe(0); // E2EL 40 > 30
    expect(goodput([beam, ...requests], { tpotMs: 10 })?.met).toBe(3); // the beam request + requests 1 and 2
  });
});

describe('cellCost', () => {
  it('derives CPU time and energy per 1k tokens and cost per 1M tokens', () => {
    const c = cellCost({
      tokens: 500,
      windowMs: 10_000,
      cpu: { userMs: 1800, systemMs: 200 },
      energy: { joules: 150, source: 'rapl', method: 'test' },
      pricePerHour: 3.6,
    });
    expect(c.cpuMsPer1kTokens).toBeCloseTo(4000, 9); // 2000 ms / 500 tokens × 1000
    expect(c.joulesPer1kTokens).toBeCloseTo(300, 9);
    expect(c.costPer1MTokens).toBeCloseTo(20, 9); // 3.6/h × (10 s = 1/360 h) = 0.01 per 500 tokens
    const none = cellCost({ tokens: 0, windowMs: null, cpu: null, energy: null, pricePerHour: null });
    expect(none).toEqual({ cpuMsPer1kTokens: null, energy: null, joulesPer1kTokens: null, pricePerHour: null, costPer1MTokens: null });
  });
});
