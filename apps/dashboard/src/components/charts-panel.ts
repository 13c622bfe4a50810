import { getJson } from '../api.ts';
import type { CellSummary, CellTokens } from '../api-types.ts';
import { extraMetrics } from '../cell-rows.ts';
import { alignSeries, empiricalCdfs, itlByPosition, requestLatencies } from '../chart-data.ts';
import { plot } from '../charts/plot.ts';
import { h, replace } from '../dom.ts';
import { empty, errorBox, loading } from './states.ts';

// A finished cell's token timings never change: fetched once per page load.
const tokenCache = new Map<string, Promise<CellTokens>>();
const tokensOf = (id: string) => {
  let p = tokenCache.get(id);
  if (!p) {
    p = getJson<CellTokens>(`/v1/cells/${encodeURIComponent(id)}/tokens`);
    p.catch(() => tokenCache.delete(id));
    tokenCache.set(id, p);
  }
  return p;
};

/** Names of numeric quality metrics any cell reports (other engineers add them as `quality.*`). */
export function qualityMetrics(cells: readonly CellSummary[]): string[] {
  const names = new Set<string>();
  for (const c of cells)
    for (const [k, v] of Object.entries(extraMetrics(c)))
      if (typeof v === 'number' && /quality|perplexity|agreement|kl/i.test(k)) names.add(k);
  return [...names];
}

/** Latency CDFs, ITL by position, tokens/s by variant and (when quality exists) speed vs quality. */
export function chartsPanel(all: readonly CellSummary[], label: (c: CellSummary) => string): { el: HTMLElement; destroy: () => void } {
  const cells = all.filter((c) => c.status === 'done' && c.requests > 0);
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
  const add = (chart: { el: HTMLElement; destroy: () => void }) => {
    destroyers.push(chart.destroy);
    grid.append(chart.el);
  };

  Promise.all(cells.map((c) => tokensOf(c.cellId))).then(
    (tokens) => {
      replace(grid);
      const names = cells.map(label);
      for (const metric of ['e2el', 'ttft'] as const) {
        const cdf = empiricalCdfs(tokens.map((t) => requestLatencies(t, metric)));
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
      const itl = alignSeries(tokens.map(itlByPosition));
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
      const quality = qualityMetrics(cells);
      const q = quality[0];
      if (q !== undefined) add(speedVsQuality(cells, names, q));
    },
    (err) => replace(grid, errorBox('the token timings', err)),
  );
  return { el, destroy };
}

function speedVsQuality(cells: readonly CellSummary[], names: string[], metric: string) {
  const points = cells
    .map((c, i) => ({ i, x: c.seed?.tokens_per_s ?? null, y: extraMetrics(c)[metric] }))
    .filter((p): p is { i: number; x: number; y: number } => typeof p.x === 'number' && typeof p.y === 'number')
    .sort((a, b) => a.x - b.x);
  return plot('speed-quality', {
    title: `Speed vs quality (${metric})`,
    xLabel: 'tokens/s',
    yLabel: metric,
    x: points.map((p) => p.x),
    series: points.map((p) => ({ label: names[p.i] ?? '', values: points.map((o) => (o === p ? p.y : null)) })),
    kind: 'points',
  });
}
