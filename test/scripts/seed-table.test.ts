import { describe, expect, it } from 'vitest';
import { cellSummary } from '../../apps/dashboard/src/testing/cell-summary-fixture.ts';
import { formatSeedTable } from '../../scripts/lib/seed-table.ts';

const experiment = { id: 'e1', name: 'seed', createdAt: '2026-01-01T00:00:00Z', status: 'failed' as const };
const progress = { total: 3, queued: 0, running: 0, done: 2, failed: 1, cancelled: 0 };

describe('formatSeedTable', () => {
  it('prints a row per cell with results, the speedup against fp32 no-cache, and the reason of a failed one', () => {
    const base = cellSummary('a', 10);
    const noCache = { ...base, seed: base.seed && { ...base.seed, mode: 'fp32 no-cache', use_cache: false } };
    const cached = cellSummary('b', 25);
    const failed = cellSummary('c', null);
    const text = formatSeedTable({
      experiment: { ...experiment, progress },
      method: { percentile: 'linear', bootstrap: { resamples: 1000, seed: 1, level: 0.95 } },
      cells: [noCache, cached, failed],
    });
    expect(text).toContain('seed (e1)');
    expect(text).toMatch(/fp32 no-cache .* 1\.00x/);
    expect(text).toMatch(/fp32 cache .* 2\.50x/);
    expect(text).toContain('cell forge:gpt2-tiny failed: boom');
  });
});
