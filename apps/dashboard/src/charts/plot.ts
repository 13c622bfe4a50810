import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from '../dom.ts';

/** Distinguishable on white, and for the common kinds of colour blindness (Okabe-Ito). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
export const color = (i: number): string => PALETTE[i % PALETTE.length] as string;

export type PlotSpec = {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: { label: string; values: (number | null)[] }[];
  kind: 'line' | 'step' | 'points' | 'bars';
  /** Category names for bar charts (x = 0, 1, …). */
  categories?: string[];
  yMin?: number;
};

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
  return mountChart(el, HEIGHT, () => chart, build);
}

function yRange(spec: PlotSpec): uPlot.Range.Function {
  return (_u, min, max) => {
    const lo = spec.yMin ?? Math.min(0, min);
    const hi = max > lo ? max * 1.05 : lo + 1;
    return [lo, hi];
  };
}

/** Axis labels that tell small values apart: a KL of 0.0003 is `3.0e-4`, not `0`. */
/**
 * Builds the chart once `el` is in the page and has a width, resizes it when that width changes,
 * and says how to take it down: the sizing and lifecycle every dashboard chart shares.
 */
export function mountChart(
  el: HTMLElement,
  height: number,
  chart: () => uPlot | null,
  build: (width: number) => void,
): { el: HTMLElement; destroy: () => void } {
  let lastWidth = 0;
  const observer = new ResizeObserver(() => {
    const width = Math.max(260, Math.floor(el.clientWidth));
    if (width === lastWidth) return;
    lastWidth = width;
    const current = chart();
    if (current === null) build(width);
    else current.setSize({ width, height });
  });
  observer.observe(el);
  return {
    el,
    destroy: () => {
      observer.disconnect();
      chart()?.destroy();
    },
  };
}

export function tick(v: number): string {
  const abs = Math.abs(v);
  if (abs === 0) return '0';
  if (abs < 0.01 || abs >= 1e6) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

const shorten = (s: string) => (s.length > 18 ? `${s.slice(0, 17)}…` : s);
