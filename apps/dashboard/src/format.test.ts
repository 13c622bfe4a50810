import type { CellConfig, MetricSummaryView as MetricSummary } from '@inferlab/experiments';
import { describe, expect, it } from 'vitest';
import { cellLabel, duration, num, percentileWithCi, varyingKeys } from './format.ts';

const summary = (over: Partial<MetricSummary> = {}): MetricSummary => ({
  n: 100,
  mean: 42,
  p50: 40.04,
  p90: 41,
  p95: 41.2,
  p99: 45,
  min: 30,
  max: 50,
  insufficient: { p90: false, p95: false, p99: true },
  ci: {
    p50: { lo: 39, hi: 41 },
    p90: { lo: 40, hi: 42 },
    p95: { lo: 40.1, hi: 43 },
    p99: { lo: 44, hi: 50 },
    level: 0.95,
    resamples: 1000,
    seed: 1,
  },
  ...over,
});

const config = (dtype: CellConfig['variant']['dtype'], cache: boolean, maxNewTokens = 40): CellConfig => ({
  model: 'forge:gpt2-tiny',
  variant: { dtype, cache },
  decoding: { strategy: 'greedy' },
  prompts: ['p'],
  maxNewTokens,
  batchSize: 1,
  device: 'cpu',
  threads: 1,
  repetitions: 5,
  warmup: 1,
});

describe('format', () => {
  it('writes a percentile with its CI as docs/metrics.md does, and flags a thin tail', () => {
    expect(percentileWithCi(summary(), 'p95')).toEqual({ text: '41.2 [40.1, 43.0]', insufficient: false });
    expect(percentileWithCi(summary(), 'p99')).toEqual({ text: '45.0 [44.0, 50.0]', insufficient: true });
    expect(percentileWithCi(summary({ ci: null }), 'p50').text).toBe('40.0');
    expect(percentileWithCi(null, 'p50').text).toBe('–');
  });

  it('keeps three significant digits', () => {
    expect([num(0.012345), num(3.14259), num(43), num(1234.5), num(null), num(Number.NaN)]).toEqual([
      '0.0123',
      '3.14',
      '43.0',
      '1235',
      '–',
      '–',
    ]);
  });

  it('labels cells by variant plus whatever else varies', () => {
    const configs = [config('fp32', true, 16), config('int8', true, 64)];
    const varying = varyingKeys(configs);
    expect(varying).toEqual(['variant.dtype', 'maxNewTokens']);
    expect(configs.map((c) => cellLabel(c, varying))).toEqual(['fp32 cache · 16 tok', 'int8 cache · 64 tok']);
  });
});

describe('duration', () => {
  it('reads as a person would say it', () => {
    expect([null, 850, 12_340, 245_000, 7_380_000].map(duration)).toEqual(['–', '850 ms', '12.3 s', '4 min 05 s', '2 h 03 min']);
  });
});
