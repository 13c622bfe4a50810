import { describe, expect, it } from 'vitest';
import { cellRequestRate, cellThroughput, measuredWindowMs } from './cell-throughput.ts';
import { noTpotReason, requestMetrics } from './request-metrics.ts';

// Synthetic timeline (ms since t0): tokenization takes 2 ms, first token at 10, then a 3-token
// speculative chunk at 25. N_out = 1 + 1 + 3 + 1 = 6.
const request = {
  promptTokens: 8,
  tokenizeMs: 2,
  events: [
    { t: 10, n: 1 },
    { t: 15, n: 1 },
    { t: 25, n: 3 },
    { t: 30, n: 1 },
  ],
};

describe('requestMetrics', () => {
  it('derives TTFT, E2EL, N_out, TPOT, ITL and rates per docs/metrics.md', () => {
    const m = requestMetrics(request);
    expect(m.ttft).toBe(10);
    expect(m.e2el).toBe(30);
    expect(m.nOut).toBe(6); // the chunk counts 3
    expect(m.tpot).toBeCloseTo(4, 12); // (30 − 10) / (6 − 1)
    expect(m.itl).toEqual([5, 10, 5]); // one gap per pair of events, not per token
    expect(m.tokensPerS).toBeCloseTo(200, 9); // 6 / 0.030 s
    expect(m.decodeTokPerS).toBeCloseTo(250, 9); // 5 / 0.020 s
    expect(m.prefillTokPerS).toBeCloseTo(1000, 9); // 8 / (10 − 2) ms
  });

  it('has no TPOT, ITL or decode rate for a single token', () => {
    const m = requestMetrics({ promptTokens: 4, tokenizeMs: 1, events: [{ t: 12, n: 1 }] });
    expect(m).toMatchObject({ ttft: 12, e2el: 12, nOut: 1, tpot: null, itl: null, noInterTokenTiming: 'one token', decodeTokPerS: null });
    expect(m.tokensPerS).toBeCloseTo(1 / 0.012, 9);
  });

  it('has no TPOT or ITL for a request that was not streamed (beam search: one event carrying all tokens)', () => {
    // TTFT = E2EL = 40: (E2EL − TTFT) / (N_out − 1) would be 0 ms, a number nobody measured.
    const m = requestMetrics({ promptTokens: 4, tokenizeMs: 1, events: [{ t: 40, n: 6 }] });
    expect(m).toMatchObject({
      ttft: 40,
      e2el: 40,
      nOut: 6,
      tpot: null,
      itl: null,
      noInterTokenTiming: 'not streamed',
      decodeTokPerS: null,
    });
    expect(m.tokensPerS).toBeCloseTo(6 / 0.04, 9); // N_out / E2EL stays defined
    expect(requestMetrics(request).noInterTokenTiming).toBeNull();
  });

  it('says why a set of requests has no TPOT, and nothing when one of them has one', () => {
    const beam = requestMetrics({ promptTokens: 4, tokenizeMs: 1, events: [{ t: 40, n: 6 }] });
    const one = requestMetrics({ promptTokens: 4, tokenizeMs: 1, events: [{ t: 12, n: 1 }] });
    expect(noTpotReason([beam, beam])).toBe('not streamed: 2 of 2 requests sent all their tokens in one event');
    expect(noTpotReason([beam, one])).toBe(
      'not streamed: 1 of 2 requests sent all their tokens in one event; one token: 1 of 2 requests generated a single token',
    );
    expect(noTpotReason([beam, requestMetrics(request)])).toBeNull();
    expect(noTpotReason([])).toBeNull();
  });

  it('refuses a request without events', () => {
    expect(() => requestMetrics({ promptTokens: 1, tokenizeMs: 0, events: [] })).toThrow(RangeError);
  });
});

describe('cellThroughput', () => {
  // Request A starts at 0 and ends at 0 + 30; B starts at 40 and ends at 40 + 50 = 90.
  const requests = [
    { startedAt: 0, events: request.events },
    {
      startedAt: 40,
      events: [
        { t: 20, n: 2 },
        { t: 50, n: 2 },
      ],
    },
  ];

  it('is Σ N_out over the measured window', () => {
    expect(measuredWindowMs(requests)).toBe(90);
    expect(cellThroughput(requests)).toBeCloseTo(10 / 0.09, 9); // (6 + 4) tokens / 90 ms
    expect(cellRequestRate(requests)).toBeCloseTo(2 / 0.09, 9);
  });

  it('is null without requests', () => {
    expect(cellThroughput([])).toBeNull();
    expect(measuredWindowMs([])).toBeNull();
  });
});
