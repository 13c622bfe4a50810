import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../dom.ts';
import { plotSvg } from './chart-svg.ts';
import { mountChart } from './mount-chart.ts';
import { color, type PlotSpec, tick } from './plot-spec.ts';

const HEIGHT = 260;

/**
 * A uPlot chart that follows its container's width (phones included). Returns the element to
 * place and a destroy function for when the view goes away.
 */
export function plot(name: string, spec: PlotSpec): { el: HTMLElement; destroy: () => void } {
  const holder = h('div', { class: 'plot' });
  const el = h('figure', { class: 'chart', 'data-chart': name }, holder);
  let chart: uPlot | null = null;
  const bars = spec.kind === 'bars' ? uPlot.paths.bars?.({ size: [0.6, 80] }) : undefined;
  const build = (width: number) => {
    const opts: uPlot.Options = {
      title: spec.title,
      width,
      height: HEIGHT,
      scales: {
        x: { time: false, ...(spec.kind === 'bars' ? { range: (_u, min, max) => [min - 0.5, max + 0.5] } : {}) },
        y: { range: yRange(spec) },
      },
      axes: [
        {
          label: spec.xLabel,
          ...(spec.categories
            ? { splits: () => spec.x, values: (_u: uPlot, ticks: number[]) => ticks.map((t) => shorten(spec.categories?.[t] ?? '')) }
            : {}),
        },
        { label: spec.yLabel, size: 60, values: (_u: uPlot, ticks: number[]) => ticks.map(tick) },
      ],
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: spec.xLabel },
        ...spec.series.map((s, i) => ({
          label: s.label,
          stroke: color(i),
          width: 2,
          fill: spec.kind === 'bars' ? `${color(i)}cc` : undefined,
          spanGaps: spec.kind === 'line',
          paths: spec.kind === 'step' ? uPlot.paths.stepped?.({ align: 1 }) : spec.kind === 'points' ? () => null : bars,
          points: { show: spec.kind === 'points', size: 9, fill: color(i) },
        })),
      ],
    };
    chart?.destroy();
    chart = new uPlot(opts, [spec.x, ...spec.series.map((s) => s.values)] as uPlot.AlignedData, holder);
  };
  return mountChart(
    el,
    HEIGHT,
    () => chart,
    build,
    () => plotSvg(spec),
  );
}

function yRange(spec: PlotSpec): uPlot.Range.Function {
  return (_u, min, max) => {
    const lo = spec.yMin ?? Math.min(0, min);
    const hi = max > lo ? max * 1.05 : lo + 1;
    return [lo, hi];
  };
}

const shorten = (s: string) => (s.length > 18 ? `${s.slice(0, 17)}…` : s);
