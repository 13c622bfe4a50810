import type { HistoryRun, HistorySeries } from '@inferlab/experiments';
import { describe, expect, it } from 'vitest';
import { trendOf } from './history-trend.ts';

const hw = (host: string) => ({ host, cpuModel: 'CPU', gpu: null });
function run(cellId: string, host: string, finishedAt: string, e2el: number, regressed = false): HistoryRun {
  return {
    cellId,
    experimentId: `e-${cellId}`,
    experimentName: 'x',
    finishedAt,
    gitCommit: null,
    workerId: null,
    hardware: hw(host),
    metrics: { ttft: null, tpot: null, e2el: { median: e2el, ci: { lo: e2el - 1, hi: e2el + 1 } }, tokensPerS: { median: 5, ci: null } },
    previousCellId: null,
    regression: regressed
      ? { previousCellId: 'p', slower: [{ metric: 'e2el', ratio: 1.5, ci: { lo: 1.4, hi: 1.6 }, pValue: 0.001, noiseFloor: 0.05 }] }
      : null,
  };
}
const series = (host: string, runs: HistoryRun[]): HistorySeries => ({ key: 'k', hardwareKey: host, hardware: hw(host), runs });

describe('trendOf', () => {
  it('puts every hardware on one time axis, with CI bands and regression markers', () => {
    const trend = trendOf(
      [
        series('a', [run('a1', 'a', '2026-12-01T00:00:00Z', 10), run('a2', 'a', '2026-12-01T02:00:00Z', 16, true)]),
        series('b', [run('b1', 'b', '2026-12-01T01:00:00Z', 12)]),
      ],
      'e2el',
    );
    expect(trend.x).toHaveLength(3);
    expect(trend.lines[0]).toMatchObject({
      label: 'a · CPU',
      median: [10, null, 16],
      lo: [9, null, 15],
      hi: [11, null, 17],
      regressed: [null, null, 16],
    });
    expect(trend.lines[1]?.median).toEqual([null, 12, null]);
  });
  it('keeps runs finished in the same second apart, and a metric without CI as a zero-width band', () => {
    const trend = trendOf(
      [series('a', [run('a1', 'a', '2026-12-01T00:00:00Z', 10), run('a2', 'a', '2026-12-01T00:00:00Z', 11)])],
      'tokensPerS',
    );
    expect(new Set(trend.x).size).toBe(2);
    expect(trend.lines[0]).toMatchObject({ median: [5, 5], lo: [5, 5], hi: [5, 5], regressed: [null, null] });
  });
});
