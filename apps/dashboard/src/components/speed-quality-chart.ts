import type { CellSummary } from '@inferlab/experiments';
import { QUALITY_METRICS, type QualityMetricKey } from '../cell-metrics.ts';
import { speedQualityPoints } from '../chart-data.ts';
import { plot } from '../charts/plot.ts';
import { h, replace } from '../dom.ts';

/**
 * Speed vs quality: tokens/s against the quality metric the user picks (top-1 agreement, KL or
 * perplexity delta against fp32). Null when no cell has quality measured.
 */
export function speedQualityChart(
  cells: readonly CellSummary[],
  names: readonly string[],
  initial: QualityMetricKey = 'top1Agreement',
): { el: HTMLElement; destroy: () => void } | null {
  const available = QUALITY_METRICS.filter((m) => speedQualityPoints(cells, m.value).length > 0);
  const first = available.find((m) => m.key === initial) ?? available[0];
  if (first === undefined) return null;
  const select = h(
    'select',
    { 'aria-label': 'quality metric', 'data-role': 'quality-metric' },
    ...available.map((m) => h('option', { value: m.key }, m.label)),
  );
  select.value = first.key;
  const slot = h('div', { class: 'chart-slot' });
  let chart: { el: HTMLElement; destroy: () => void } | null = null;
  const draw = () => {
    const metric = available.find((m) => m.key === select.value) ?? first;
    const points = speedQualityPoints(cells, metric.value);
    chart?.destroy();
    chart = plot('speed-quality', {
      title: `Speed vs quality (${metric.label})`,
      xLabel: 'tokens/s',
      yLabel: metric.label,
      x: points.map((p) => p.x),
      series: points.map((p) => ({ label: names[p.i] ?? '', values: points.map((o) => (o === p ? p.y : null)) })),
      kind: 'points',
    });
    chart.el.dataset['metric'] = metric.key;
    replace(slot, chart.el);
  };
  select.addEventListener('change', draw);
  draw();
  const el = h('div', { class: 'speed-quality' }, h('label', { class: 'chart-control' }, 'y axis ', select), slot);
  return { el, destroy: () => chart?.destroy() };
}
