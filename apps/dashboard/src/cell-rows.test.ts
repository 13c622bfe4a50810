import { describe, expect, it } from 'vitest';
import type { CellSummary } from './api-types.ts';
import { extraColumns, extraMetrics, flatCell, sortCells, tableColumns } from './cell-rows.ts';

const cell = (id: string, tokensPerS: number | null, extra: Record<string, unknown> = {}): CellSummary =>
  ({
    cellId: id,
    index: 0,
    status: tokensPerS === null ? 'failed' : 'done',
    attempt: 1,
    error: tokensPerS === null ? 'boom' : null,
    config: {
      model: 'm',
      variant: { dtype: 'fp32', cache: true },
      decoding: { strategy: 'greedy' },
      prompts: [],
      maxNewTokens: 4,
      batchSize: 1,
      device: 'cpu',
      threads: 1,
      repetitions: 1,
      warmup: 0,
    },
    requests: 1,
    seed:
      tokensPerS === null
        ? null
        : {
            mode: 'fp32 cache',
            dtype: 'fp32',
            use_cache: true,
            model_size_MB: 1,
            time_s: 0.1,
            tokens_generated: 4,
            tokens_per_s: tokensPerS,
          },
    ttft: null,
    tpot: null,
    e2el: null,
    itl: null,
    throughput: null,
    ...extra,
  }) as CellSummary;

describe('cell rows', () => {
  it('finds extra metrics other engineers add (quality, strategy stats) without knowing their names', () => {
    const c = cell('a', 10, {
      quality: { perplexity: 12.5, top1Agreement: 0.98, note: 'ok', curve: [1, 2] },
      strategy: { acceptanceRate: 0.7 },
    });
    expect(extraMetrics(c)).toEqual({
      'quality.perplexity': 12.5,
      'quality.top1Agreement': 0.98,
      'quality.note': 'ok',
      'strategy.acceptanceRate': 0.7,
    });
    expect(extraColumns([cell('b', 1), c])).toEqual([
      'quality.perplexity',
      'quality.top1Agreement',
      'quality.note',
      'strategy.acceptanceRate',
    ]);
    expect(flatCell(c, 'A')['quality.perplexity']).toBe(12.5);
  });

  it('sorts numerically either way with missing values last', () => {
    const cells = [cell('slow', 5), cell('failed', null), cell('fast', 50)];
    const col = tableColumns(cells, (c) => c.cellId).find((c) => c.key === 'tokens_per_s');
    expect(sortCells(cells, col, 1).map((c) => c.cellId)).toEqual(['slow', 'fast', 'failed']);
    expect(sortCells(cells, col, -1).map((c) => c.cellId)).toEqual(['fast', 'slow', 'failed']);
  });
});
