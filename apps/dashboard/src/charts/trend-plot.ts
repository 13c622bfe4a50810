import uPlot from 'uplot';
import { h } from '../dom.ts';
import type { Trend } from '../history-trend.ts';
import { trendSvg } from './chart-svg.ts';
import { mountChart } from './mount-chart.ts';
import { color, tick } from './plot-spec.ts';

const HEIGHT = 240;
/** The regression marker: a hollow ring in a colour no hardware line uses. */
export const REGRESSION_COLOR = '#C00000';
/** The CI band: the line's colour at this opacity (hex alpha). */
const BAND_ALPHA = '33';

/**
 * A metric's trend over time: per hardware the median as a line with points, its 95% CI as a filled
 * band, and a ring on each run flagged as a regression. `onPick` gets the x index of a clicked point.
 */
export function trendPlot(
  name: string,
  spec: { title: string; yLabel: string; trend: Trend; onPick: (i: number) => void },
): { el: HTMLElement; destroy: () => void } {
  const holder = h('div', { class: 'plot' });
  const el = h('figure', { class: 'chart', 'data-chart': name }, holder);
  let chart: uPlot | null = null;
  const { trend } = spec;
  const series: uPlot.Series[] = [{ label: 'finished' }];
  const bands: uPlot.Band[] = [];
  const data: (number | null)[][] = [];
  trend.lines.forEach((line, i) => {
    const base = series.length;
    series.push(
      { label: line.label, stroke: color(i), width: 2, spanGaps: true, points: { show: true, size: 7, fill: color(i) } },
      { label: 'CI hi', stroke: `${color(i)}00`, width: 0, spanGaps: true, points: { show: false } },
      { label: 'CI lo', stroke: `${color(i)}00`, width: 0, spanGaps: true, points: { show: false } },
    );
    bands.push({ series: [base + 1, base + 2], fill: `${color(i)}${BAND_ALPHA}` });
    data.push(line.median, line.hi, line.lo);
  });
  series.push({
    label: 'regression',
    stroke: REGRESSION_COLOR,
    paths: () => null,
    points: { show: true, size: 16, width: 3, stroke: REGRESSION_COLOR, fill: '#ffffff00' },
  });
  // Every line's flags in one series: one legend entry, and at most one ring per run.
  data.push(trend.x.map((_, i) => trend.lines.map((l) => l.regressed[i] ?? null).find((v) => v !== null) ?? null));

  const build = (width: number) => {
    chart?.destroy();
    chart = new uPlot(
      {
        title: spec.title,
        width,
        height: HEIGHT,
        scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
        axes: [{}, { label: spec.yLabel, size: 60, values: (_u: uPlot, ticks: number[]) => ticks.map(tick) }],
        legend: { show: true },
        cursor: { drag: { x: true, y: false } },
        series,
        bands,
      },
      [trend.x, ...data] as uPlot.AlignedData,
      holder,
    );
    // The band edges are series only so uPlot can fill between them: not legend entries.
    chart.root.querySelectorAll<HTMLElement>('.u-legend .u-series').forEach((row, i) => {
      if (i > 0 && i < series.length - 1 && (i - 1) % 3 !== 0) row.style.display = 'none';
    });
  };
  holder.addEventListener('click', () => {
    const i = chart?.cursor.idx;
    if (i !== null && i !== undefined) spec.onPick(i);
  });
  return mountChart(
    el,
    HEIGHT,
    () => chart,
    build,
    () => trendSvg(spec.title, spec.yLabel, trend),
  );
}
