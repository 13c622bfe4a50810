import type { Hardware, HistoryMetric, HistoryRun, HistorySeries } from '@inferlab/experiments';

/** One hardware's line on a trend chart: medians, the CI band, and the runs flagged as regressions. */
export type TrendLine = {
  label: string;
  median: (number | null)[];
  lo: (number | null)[];
  hi: (number | null)[];
  /** The median where this metric regressed against the previous run, else null (drawn as a marker). */
  regressed: (number | null)[];
  /** The run at each x, for clicks and tooltips. */
  runs: (HistoryRun | null)[];
};
export type Trend = { x: number[]; lines: TrendLine[] };

export const hardwareLabel = (h: Hardware): string => [h.host, h.cpuModel, h.gpu].filter((v) => v !== null && v !== '').join(' · ');

/**
 * Every series of a key on one time axis (uPlot wants one x for all series): x = each run's finish
 * time in seconds; a line is null where another hardware ran. Runs finishing in the same second are
 * nudged apart so none hides another.
 */
export function trendOf(series: readonly HistorySeries[], metric: HistoryMetric): Trend {
  const at = new Map<string, number>();
  const times = series.flatMap((s) => s.runs.map((r) => ({ id: r.cellId, t: Date.parse(r.finishedAt) / 1000 })));
  times.sort((a, b) => a.t - b.t || a.id.localeCompare(b.id));
  let last = Number.NEGATIVE_INFINITY;
  for (const { id, t } of times) {
    last = t > last ? t : last + 0.001;
    at.set(id, last);
  }
  const x = [...at.values()];
  const index = new Map(x.map((t, i) => [t, i]));
  const lines = series.map((s): TrendLine => {
    const line: TrendLine = {
      label: hardwareLabel(s.hardware),
      median: x.map(() => null),
      lo: x.map(() => null),
      hi: x.map(() => null),
      regressed: x.map(() => null),
      runs: x.map(() => null),
    };
    for (const run of s.runs) {
      const i = index.get(at.get(run.cellId) ?? Number.NaN);
      const point = run.metrics[metric];
      if (i === undefined) continue;
      line.runs[i] = run;
      if (point === null) continue;
      line.median[i] = point.median;
      line.lo[i] = point.ci?.lo ?? point.median;
      line.hi[i] = point.ci?.hi ?? point.median;
      if (run.regression?.slower.some((s) => s.metric === metric)) line.regressed[i] = point.median;
    }
    return line;
  });
  return { x, lines };
}

/** The run nearest to x index `i` on any line (lines first to last). */
export const runAt = (trend: Trend, i: number): HistoryRun | null => {
  for (const line of trend.lines) {
    const run = line.runs[i];
    if (run) return run;
  }
  return null;
};
