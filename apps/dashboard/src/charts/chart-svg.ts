import { barChartSvg, type Series, xyChartSvg } from '@inferlab/report/svg-chart';
import type { Trend } from '../history-trend.ts';
import { PALETTE, type PlotSpec } from './plot-spec.ts';

// A dashboard chart as a standalone SVG file: the report's renderer (the same charts as in
// `inferlab report`), in the dashboard's palette so the file matches the page.

/** The spec's series as (x, y) points; nulls (no value at that x) are left out. */
function points(spec: PlotSpec): Series[] {
  return spec.series.map((s) => ({
    name: s.label,
    points: spec.x.flatMap((x, i) => {
      const y = s.values[i];
      return y === null || y === undefined ? [] : [[x, y] as const];
    }),
  }));
}

export function plotSvg(spec: PlotSpec): string {
  if (spec.kind === 'bars') {
    // One bar per category: its series holds the value at its own x (charts-panel's tokens/s).
    const bars = spec.x.map((x, i) => ({
      name: spec.categories?.[i] ?? String(x),
      value: spec.series.map((s) => s.values[i]).find((v) => v !== null && v !== undefined) ?? null,
    }));
    return barChartSvg({ title: spec.title, xLabel: spec.yLabel, bars, colors: PALETTE });
  }
  return xyChartSvg({
    title: spec.title,
    xLabel: spec.xLabel,
    yLabel: spec.yLabel,
    kind: spec.kind,
    series: points(spec),
    colors: PALETTE,
  });
}

/** The trend's medians per hardware, x the finish date (the page's CI bands and regression rings are not in the SVG). */
export function trendSvg(title: string, yLabel: string, trend: Trend): string {
  const series = trend.lines.map((line) => ({
    name: line.label,
    points: trend.x.flatMap((x, i) => {
      const y = line.median[i];
      return y === null || y === undefined ? [] : [[x, y] as const];
    }),
  }));
  const date = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);
  return xyChartSvg({ title, xLabel: 'finished', yLabel, kind: 'line', series, colors: PALETTE, xTick: date });
}
