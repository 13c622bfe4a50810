import type { CellSummary, CellTokens } from '@inferlab/experiments';
import { alignSeries, chartedCells, empiricalCdfs, itlByPosition, requestLatencies } from '../chart-data.ts';
import { plot } from '../charts/plot.ts';
import { h, replace } from '../dom.ts';
import { speedQualityChart } from './speed-quality-chart.ts';
import { empty, errorBox, loading } from './states.ts';

type Chart = { el: HTMLElement; destroy: () => void };

/**
 * Latency CDFs, ITL by position, tokens/s by variant and (when quality was measured) speed vs
 * quality. `tokens` are the timelines of `chartedCells(all)`, in that order, fetched by the view.
 */
export function chartsPanel(
  all: readonly CellSummary[],
  label: (c: CellSummary) => string,
  tokens: Promise<CellTokens[]>,
): { el: HTMLElement; destroy: () => void } {
  const cells = chartedCells(all);
  const el = h('section', { class: 'charts' }, h('h2', {}, 'Charts'));
  const destroyers: (() => void)[] = [];
  const destroy = () => {
    for (const d of destroyers.splice(0)) d();
  };
  if (cells.length === 0) {
    el.append(empty('Charts appear once a cell has results.'));
    return { el, destroy };
  }
  const grid = h('div', { class: 'chart-grid' }, loading('token timings'));
  el.append(grid);
  const add = (chart: Chart | null) => {
    if (chart === null) return;
    destroyers.push(chart.destroy);
    grid.append(chart.el);
  };

  tokens.then(
    (timelines) => {
      replace(grid);
      const names = cells.map(label);
      for (const metric of ['e2el', 'ttft'] as const) {
        const cdf = empiricalCdfs(timelines.map((t) => requestLatencies(t, metric)));
        add(
          plot(`cdf-${metric}`, {
            title: `${metric.toUpperCase()} distribution (CDF per cell)`,
            xLabel: `${metric.toUpperCase()} ms`,
            yLabel: 'share of requests',
            x: cdf.x,
            series: names.map((n, i) => ({ label: n, values: cdf.ys[i] ?? [] })),
            kind: 'step',
            yMin: 0,
          }),
        );
      }
      const itl = alignSeries(timelines.map(itlByPosition));
      add(
        plot('itl', {
          title: 'Inter-token latency by position (median over requests)',
          xLabel: 'output token position',
          yLabel: 'ITL ms',
          x: itl.x,
          series: names.map((n, i) => ({ label: n, values: itl.ys[i] ?? [] })),
          kind: 'line',
        }),
      );
      add(
        plot('tokens-per-s', {
          title: 'tokens/s by variant (median of N_out / E2EL)',
          xLabel: 'cell',
          yLabel: 'tokens/s',
          x: cells.map((_, i) => i),
          categories: names,
          // One series per cell so each bar gets its colour and legend entry.
          series: cells.map((c, i) => ({
            label: names[i] ?? '',
            values: cells.map((_, j) => (j === i ? (c.seed?.tokens_per_s ?? null) : null)),
          })),
          kind: 'bars',
          yMin: 0,
        }),
      );
      add(speedQualityChart(cells, names));
    },
    (err) => replace(grid, errorBox('the token timings', err)),
  );
  return { el, destroy };
}
