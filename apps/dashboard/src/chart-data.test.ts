import { describe, expect, it } from 'vitest';
import type { CellTokens } from './api-types.ts';
import { alignSeries, empiricalCdfs, itlByPosition, requestLatencies } from './chart-data.ts';

const request = (events: { t: number; n: number }[]) => ({
  repetition: 0,
  promptIndex: 0,
  promptTokens: 3,
  tokenizeMs: 1,
  startedAt: 0,
  stopReason: 'length',
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
});
