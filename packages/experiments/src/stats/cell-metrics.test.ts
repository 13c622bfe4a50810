import { describe, expect, it } from 'vitest';
import { bootstrapCi } from './bootstrap.ts';
import { cellMetrics, RESULTS_BOOTSTRAP } from './cell-metrics.ts';

const variant = { dtype: 'fp32', cache: true } as const;
// 20 streamed requests: TTFT 10 + i, then 4 more tokens 3 ms apart.
const streamed = Array.from({ length: 20 }, (_, i) => ({
  startedAt: i * 100,
  repetition: Math.floor(i / 5),
  promptTokens: 4,
  tokenizeMs: 1,
  events: Array.from({ length: 5 }, (_, k) => ({ t: 10 + i + 3 * k, n: 1 })),
}));

describe('cellMetrics', () => {
  it('gives every reported percentile a bootstrap CI, p90 included', () => {
    const m = cellMetrics({ variant, modelFileBytes: null, requests: streamed });
    const ttfts = streamed.map((_, i) => 10 + i);
    for (const p of ['p50', 'p90', 'p95', 'p99'] as const) {
      const q = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 }[p];
      const ci = bootstrapCi(ttfts, q, RESULTS_BOOTSTRAP);
      expect(m.ttft?.ci?.[p]).toEqual({ lo: ci.lo, hi: ci.hi });
      expect(m.ttft?.ci?.[p].lo).toBeLessThanOrEqual(m.ttft?.[p] as number);
      expect(m.ttft?.ci?.[p].hi).toBeGreaterThanOrEqual(m.ttft?.[p] as number);
    }
    expect(m.ttft?.p90).toBeCloseTo(27.1, 12); // 10 + 0.9 · 19
    expect(m.tpotUnavailable).toBeNull();
    expect(m.tpot?.p50).toBe(3);
  });

  it('has no TPOT or ITL, with the reason, when no request was streamed (beam search)', () => {
    const beam = streamed.map((r) => ({ ...r, events: [{ t: 30, n: 5 }] }));
    const m = cellMetrics({ variant, modelFileBytes: null, requests: beam, slo: { tpotMs: 1 } });
    expect(m.tpot).toBeNull();
    expect(m.itl).toBeNull();
    expect(m.tpotUnavailable).toBe('not streamed: 20 of 20 requests sent all their tokens in one event');
    expect(m.repetitions?.spread.tpot).toBeNull();
    expect(m.goodput?.met).toBe(20);
    expect(m.e2el?.p50).toBe(30);
  });
});
