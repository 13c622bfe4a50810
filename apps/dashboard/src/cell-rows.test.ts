import { describe, expect, it } from 'vitest';
import { flatCell, sortCells, tableColumns } from './cell-rows.ts';
import { cellSummary, quality } from './testing/cell-summary-fixture.ts';

describe('cell rows', () => {
  it('adds a column for each further metric some cell reports, and only those', () => {
    const fast = cellSummary('a', 10, {
      quality: quality(0.98, 0.01, 0.2),
      strategy: {
        requests: 1,
        targetForwards: 2,
        draftTokens: 4,
        acceptedTokens: 3,
        acceptanceRate: 0.75,
        meanAcceptedPerTargetForward: 1.5,
        targetForwardsPerToken: 0.5,
      },
    });
    const plain = cellSummary('b', 1);
    const keys = tableColumns([plain, fast], (c) => c.cellId).map((c) => c.key);
    expect(keys).toContain('extra.quality.top1Agreement');
    expect(keys).toContain('extra.strategy.acceptanceRate');
    expect(keys).not.toContain('extra.goodput.requestsPerS');
    const row = flatCell(fast, 'A', [plain, fast]);
    expect(row['quality.top1Agreement']).toBe(0.98);
    expect(row['strategy.acceptanceRate']).toBe(0.75);
    expect(flatCell(plain, 'B', [plain, fast])['quality.top1Agreement']).toBeNull();
  });

  it('sorts numerically either way with missing values last', () => {
    const cells = [cellSummary('slow', 5), cellSummary('failed', null), cellSummary('fast', 50)];
    const col = tableColumns(cells, (c) => c.cellId).find((c) => c.key === 'tokens_per_s');
    expect(sortCells(cells, col, 1).map((c) => c.cellId)).toEqual(['slow', 'fast', 'failed']);
    expect(sortCells(cells, col, -1).map((c) => c.cellId)).toEqual(['fast', 'slow', 'failed']);
  });
});
