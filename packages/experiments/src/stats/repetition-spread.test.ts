import { describe, expect, it } from 'vitest';
import { repetitionSpread, spread } from './repetition-spread.ts';

// Two repetitions of two prompts. Repetition 1's second request is slow: the pooled p50 hides it,
// the spread of per-repetition p50/max shows it.
const requests = [
  {
    repetition: 0,
    startedAt: 0,
    promptTokens: 4,
    tokenizeMs: 1,
    events: [
      { t: 10, n: 1 },
      { t: 20, n: 1 },
    ],
  },
  {
    repetition: 0,
    startedAt: 30,
    promptTokens: 4,
    tokenizeMs: 1,
    events: [
      { t: 12, n: 1 },
      { t: 22, n: 2 },
    ],
  },
  {
    repetition: 1,
    startedAt: 60,
    promptTokens: 4,
    tokenizeMs: 1,
    events: [
      { t: 10, n: 1 },
      { t: 20, n: 1 },
    ],
  },
  {
    repetition: 1,
    startedAt: 90,
    promptTokens: 4,
    tokenizeMs: 1,
    events: [
      { t: 50, n: 1 },
      { t: 90, n: 1 },
    ],
  },
];

describe('repetitionSpread', () => {
  it('computes the pooled statistics per repetition and their spread', () => {
    const r = repetitionSpread(requests);
    expect(r?.count).toBe(2);
    const [first, second] = r?.perRepetition ?? [];
    expect(first).toMatchObject({ repetition: 0, requests: 2 });
    expect(first?.ttft?.p50).toBeCloseTo(11, 12); // 10, 12
    expect(second?.ttft?.p50).toBeCloseTo(30, 12); // 10, 50
    expect(first?.e2el?.max).toBe(22);
    expect(second?.e2el?.max).toBe(90);
    expect(first?.tpot?.mean).toBeCloseTo((10 + 5) / 2, 12); // (20−10)/1, (22−12)/2
    // throughput of repetition 0: 5 tokens over [0, 52] ms
    expect(first?.tokensPerS).toBeCloseTo(5 / 0.052, 9);
    const ttftP50 = r?.spread.ttft?.p50;
    expect(ttftP50).toMatchObject({ min: 11, max: 30, mean: 20.5 });
    expect(ttftP50?.sd).toBeCloseTo(Math.sqrt(((11 - 20.5) ** 2 + (30 - 20.5) ** 2) / 1), 12);
    expect(ttftP50?.cv).toBeCloseTo((ttftP50?.sd as number) / 20.5, 12);
  });

  it('is null without requests; one repetition has no sd', () => {
    expect(repetitionSpread([])).toBeNull();
    expect(spread([3])).toEqual({ min: 3, max: 3, mean: 3, sd: null, cv: null });
  });
});
