import type { CellTokens } from '@inferlab/experiments';
import { describe, expect, it } from 'vitest';
import { QUALITY_METRICS } from './cell-metrics.ts';
import { alignSeries, empiricalCdfs, itlByPosition, requestLatencies, speedQualityPoints } from './chart-data.ts';
import { cellSummary, quality } from './testing/cell-summary-fixture.ts';

const request = (events: { t: number; n: number }[]) => ({
  repetition: 0,
  promptIndex: 0,
  promptTokens: 3,
  tokenizeMs: 1,
  startedAt: 0,
  stopReason: 'length' as const,
  events,
});
const tokens: CellTokens = {
  cellId: 'c',
  requests: [
    request([
      { t: 10, n: 1 },
      { t: 12, n: 1 },
      { t: 16, n: 1 },
    ]),
    request([
      { t: 20, n: 1 },
      { t: 24, n: 2 }, // a two-token chunk: the next gap starts at position 4
      { t: 30, n: 1 },
    ]),
  ],
};

describe('chart data', () => {
  it('takes TTFT from the first token event and E2EL from the last', () => {
    expect(requestLatencies(tokens, 'ttft')).toEqual([10, 20]);
    expect(requestLatencies(tokens, 'e2el')).toEqual([16, 30]);
  });

  it('puts every CDF on one shared x axis', () => {
    expect(empiricalCdfs([[2, 1], [3]])).toEqual({
      x: [1, 2, 3],
      ys: [
        [0.5, 1, 1],
        [0, 0, 1],
      ],
    });
  });

  it('medians inter-chunk gaps by the output position they start at', () => {
    expect([...itlByPosition(tokens)].sort((a, b) => a[0] - b[0])).toEqual([
      [2, 3], // gaps 2 and 4
      [3, 4],
      [4, 6],
    ]);
  });

  it('aligns series with nulls where one has no value', () => {
    expect(alignSeries([new Map([[1, 5]]), new Map([[2, 7]])])).toEqual({
      x: [1, 2],
      ys: [
        [5, null],
        [null, 7],
      ],
    });
  });

  it('plots speed against the quality metric picked, never the count of positions', () => {
    const cells = [
      cellSummary('int8', 30, { quality: quality(0.9, 0.05, 1.5) }),
      cellSummary('fp32', 10, { quality: quality(1, 0, 0) }),
      cellSummary('no-quality', 20),
    ];
    const metric = (key: string) => QUALITY_METRICS.find((m) => m.key === key)!.value;
    expect(speedQualityPoints(cells, metric('top1Agreement'))).toEqual([
      { i: 1, x: 10, y: 1 },
      { i: 0, x: 30, y: 0.9 },
    ]);
    expect(speedQualityPoints(cells, metric('meanKl')).map((p) => p.y)).toEqual([0, 0.05]);
    expect(speedQualityPoints(cells, metric('perplexityDelta')).map((p) => p.y)).toEqual([0, 1.5]);
    expect(QUALITY_METRICS.map((m) => m.key)).not.toContain('positions');
  });
});
