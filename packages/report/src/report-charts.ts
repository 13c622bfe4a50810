import { positionLatency } from '@inferlab/experiments';
import { cellLabels } from './cell-labels.ts';
import type { ReportInput } from './report-input.ts';
import { type BarChart, barChartSvg, type Series, type XyChart, xyChartSvg } from './svg-chart.ts';

export type ReportChart = { id: string; title: string; svg: string };

/** The dashboard's charts as inline SVG: latency CDFs, ITL by position, tokens/s by variant, speed vs quality. */
export function reportCharts(input: ReportInput): ReportChart[] {
  const cells = input.results.cells;
  const labels = cellLabels(cells.map((c) => c.config));
  const withTokens = cells.flatMap((c, i) => {
    const requests = input.tokens[c.cellId];
    return requests && requests.length > 0 ? [{ label: labels[i] ?? c.cellId, requests }] : [];
  });
  const cdf = (metric: 'ttft' | 'e2el'): Series[] =>
    withTokens.map(({ label, requests }) => {
      const values = requests.flatMap((r) => {
        const e = metric === 'ttft' ? r.events[0] : r.events.at(-1);
        return e === undefined ? [] : [e.t];
      });
      values.sort((a, b) => a - b);
      return { name: label, points: values.map((v, j) => [v, (j + 1) / values.length] as const) };
    });
  const charts: { id: string; chart: XyChart | BarChart }[] = [
    {
      id: 'e2el-cdf',
      chart: {
        title: 'E2EL, empirical CDF',
        xLabel: 'end-to-end latency (ms)',
        yLabel: 'share of requests',
        series: cdf('e2el'),
        kind: 'step',
      },
    },
    {
      id: 'ttft-cdf',
      chart: {
        title: 'TTFT, empirical CDF',
        xLabel: 'time to first token (ms)',
        yLabel: 'share of requests',
        series: cdf('ttft'),
        kind: 'step',
      },
    },
    {
      id: 'itl-by-position',
      chart: {
        title: 'ITL by output position (median per bucket)',
        xLabel: 'output token position',
        yLabel: 'ITL p50 (ms)',
        series: withTokens.map(({ label, requests }) => ({
          name: label,
          points: positionLatency(requests).buckets.map((b) => [(b.from + b.to) / 2, b.p50] as const),
        })),
        kind: 'line',
      },
    },
    {
      id: 'tokens-per-s',
      chart: {
        title: 'Tokens/s by variant',
        xLabel: 'output tokens per second over the measured window',
        bars: cells.map((c, i) => ({ name: labels[i] ?? c.cellId, value: c.throughput.tokensPerS })),
      },
    },
  ];
  const quality = cells.flatMap((c, i) =>
    c.quality && c.throughput.tokensPerS !== null
      ? [{ name: labels[i] ?? c.cellId, points: [[c.throughput.tokensPerS, c.quality.top1Agreement] as const] }]
      : [],
  );
  if (quality.length > 0)
    charts.push({
      id: 'speed-vs-quality',
      chart: { title: 'Speed vs quality', xLabel: 'tokens/s', yLabel: 'top-1 agreement with fp32', series: quality, kind: 'points' },
    });
  return charts.map(({ id, chart }) => ({ id, title: chart.title, svg: 'bars' in chart ? barChartSvg(chart) : xyChartSvg(chart) }));
}
