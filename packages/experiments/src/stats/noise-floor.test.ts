import { describe, expect, it } from 'vitest';
import { compareCells } from './compare-cells.ts';
import { noiseFloor } from './noise-floor.ts';

// An A/A pair whose noise floor is worked out by hand. Both cells: three requests, TTFT 20 ms, then
// 3 more tokens. In a every TPOT is 10 ms; in b they are 9, 10 and 11 ms. A bootstrap resample of b
// has median 9 when at least two of its three draws are 9: P = 3·(1/3)²·(2/3) + (1/3)³ = 7/27 ≈ 26%,
// likewise 11; a's median is always 10. So the ratio takes 0.9, 1.0 and 1.1, the 2.5% and 97.5%
// points of 1,000 resamples are 0.9 and 1.1 (26% of the mass lies at each end, far beyond 2.5%),
// and the minimum detectable difference is max(1.1 − 1, 1 − 0.9) = 0.10. TTFT is 20 in every
// request of both: ratio always 1, floor 0.
const timeline = (tpot: number) => ({
  promptTokens: 4,
  tokenizeMs: 1,
  events: [0, 1, 2, 3].map((k) => ({ t: 20 + k * tpot, n: 1 })),
});
const a = [timeline(10), timeline(10), timeline(10)];
const b = [timeline(9), timeline(10), timeline(11)];
const config = { model: 'forge:gpt2-tiny', threads: 1 };

describe('noiseFloor', () => {
  it('is the hand-worked minimum detectable difference of an A/A pair', () => {
    const { metrics } = compareCells(a, b, { resamples: 1000, seed: 20240501, level: 0.95 });
    const floor = noiseFloor({ config, host: 'h1' }, { config: { threads: 1, model: 'forge:gpt2-tiny' }, host: 'h1' }, metrics);
    expect(floor?.sameWorker).toBe(true);
    expect(floor?.minimumDetectableDifference.tpot).toBeCloseTo(0.1, 12);
    expect(floor?.minimumDetectableDifference.ttft).toBe(0);
    // E2EL = 20 + 3·TPOT: a 50 ms, b 47, 50, 53 → ratios 0.94 … 1.06.
    expect(floor?.minimumDetectableDifference.e2el).toBeCloseTo(0.06, 12);
  });

  it('is null for two different configs, and not the same worker across hosts', () => {
    const { metrics } = compareCells(a, b);
    expect(noiseFloor({ config, host: 'h1' }, { config: { ...config, threads: 2 }, host: 'h1' }, metrics)).toBeNull();
    expect(noiseFloor({ config, host: 'h1' }, { config, host: 'h2' }, metrics)?.sameWorker).toBe(false);
    expect(noiseFloor({ config, host: null }, { config, host: null }, metrics)?.sameWorker).toBe(false);
  });
});
