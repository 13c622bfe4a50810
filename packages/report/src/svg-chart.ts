import { escapeHtml as esc } from './escape.ts';
import { num } from './format.ts';

/** One named series of (x, y) points; `step` draws it as a staircase (an empirical CDF). */
export type Series = { name: string; points: readonly (readonly [number, number])[] };
/** `colors`: the series' colours in order (the dashboard saves its charts in its own palette); `xTick`: an x tick's text (a date). */
type Style = { colors?: readonly string[]; xTick?: (x: number) => string };
export type XyChart = {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  kind: 'line' | 'step' | 'points';
} & Style;
export type BarChart = { title: string; xLabel: string; bars: readonly { name: string; value: number | null }[] } & Pick<Style, 'colors'>;

const WIDTH = 720;
const PLOT_HEIGHT = 260;
const M = { left: 64, right: 20, top: 34, bottom: 46 };
const LEGEND_ROW = 18;
/** Tableau 10: distinguishable, and readable on white. */
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export const seriesColor = (i: number, colors: readonly string[] = COLORS): string => colors[i % colors.length] ?? (COLORS[0] as string);

/** A line, step or scatter chart as one standalone `<svg>` element (axes, ticks, legend, a `<title>` per series). */
export function xyChartSvg(chart: XyChart): string {
  const all = chart.series.flatMap((s) => s.points);
  const height = M.top + PLOT_HEIGHT + M.bottom + LEGEND_ROW * chart.series.length;
  if (all.length === 0) return emptySvg(chart.title, 'no data');
  const xs = niceTicks(Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0])));
  const ys = niceTicks(Math.min(0, ...all.map((p) => p[1])), Math.max(...all.map((p) => p[1])));
  const sx = scale(xs, M.left, WIDTH - M.right);
  const sy = scale(ys, M.top + PLOT_HEIGHT, M.top);
  const body = chart.series.map((s, i) => {
    const color = seriesColor(i, chart.colors);
    const title = `<title>${esc(s.name)}</title>`;
    if (chart.kind === 'points')
      return `<g class="series" fill="${color}">${title}${s.points.map(([x, y]) => `<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="4"/>`).join('')}</g>`;
    const d = s.points
      .map(([x, y], j) => {
        const prev = s.points[j - 1];
        if (j === 0) return `M${f(sx(x))},${f(sy(y))}`;
        return chart.kind === 'step' && prev ? `H${f(sx(x))}V${f(sy(y))}` : `L${f(sx(x))},${f(sy(y))}`;
      })
      .join('');
    return `<path class="series" d="${d}" fill="none" stroke="${color}" stroke-width="1.8">${title}</path>`;
  });
  return svg(height, chart.title, [
    axes(xs, ys, sx, sy, chart.xLabel, chart.yLabel, chart.xTick ?? tick),
    ...body,
    legend(chart.series, M.top + PLOT_HEIGHT + M.bottom, chart.colors),
  ]);
}

/** Horizontal bars, one per name (names can be long: they sit on their own line above each bar). */
export function barChartSvg(chart: BarChart): string {
  const values = chart.bars.map((b) => b.value ?? 0);
  if (chart.bars.length === 0) return emptySvg(chart.title, 'no data');
  const rowHeight = 34;
  const height = M.top + rowHeight * chart.bars.length + M.bottom;
  const xs = niceTicks(0, Math.max(...values, 0));
  const sx = scale(xs, M.left, WIDTH - M.right);
  const bars = chart.bars.map((b, i) => {
    const y = M.top + i * rowHeight;
    const width = b.value === null ? 0 : sx(b.value) - sx(0);
    return (
      `<g class="bar"><title>${esc(b.name)}: ${num(b.value)}</title>` +
      `<text x="${M.left}" y="${y + 11}" font-size="11">${esc(b.name)}</text>` +
      `<rect x="${M.left}" y="${y + 15}" width="${f(Math.max(width, 0))}" height="14" fill="${seriesColor(i, chart.colors)}"/>` +
      `<text x="${f(M.left + Math.max(width, 0) + 4)}" y="${y + 26}" font-size="11">${esc(num(b.value))}</text></g>`
    );
  });
  const bottom = M.top + rowHeight * chart.bars.length;
  const ticks = xs.ticks.map(
    (t) =>
      `<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${M.top}" y2="${bottom}" stroke="#e5e5e5"/>` +
      `<text x="${f(sx(t))}" y="${bottom + 14}" text-anchor="middle" font-size="11">${tick(t)}</text>`,
  );
  const label = `<text x="${f((M.left + WIDTH - M.right) / 2)}" y="${bottom + 34}" text-anchor="middle" font-size="12">${esc(chart.xLabel)}</text>`;
  return svg(height, chart.title, [...ticks, ...bars, label]);
}

type Ticks = { lo: number; hi: number; ticks: number[] };

/** 4–8 round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number): Ticks {
  if (!(hi > lo)) [lo, hi] = lo === 0 && hi === 0 ? [0, 1] : [lo - Math.abs(lo) * 0.1 || lo - 1, hi + Math.abs(hi) * 0.1 || hi + 1];
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((k) => k * mag >= raw) ?? 10) * mag;
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = start; t <= end + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return { lo: start, hi: end, ticks };
}

function scale(t: Ticks, from: number, to: number): (v: number) => number {
  return (v) => from + ((v - t.lo) / (t.hi - t.lo)) * (to - from);
}

function axes(
  xs: Ticks,
  ys: Ticks,
  sx: (v: number) => number,
  sy: (v: number) => number,
  xLabel: string,
  yLabel: string,
  xTick: (x: number) => string,
): string {
  const bottom = M.top + PLOT_HEIGHT;
  const grid = [
    ...ys.ticks.map(
      (t) =>
        `<line x1="${M.left}" x2="${WIDTH - M.right}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e5e5e5"/>` +
        `<text x="${M.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end" font-size="11">${tick(t)}</text>`,
    ),
    ...xs.ticks.map(
      (t) =>
        `<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${bottom}" y2="${bottom + 4}" stroke="#888"/>` +
        `<text x="${f(sx(t))}" y="${bottom + 16}" text-anchor="middle" font-size="11">${esc(xTick(t))}</text>`,
    ),
  ];
  return (
    `<g class="axes">${grid.join('')}` +
    `<line x1="${M.left}" x2="${WIDTH - M.right}" y1="${bottom}" y2="${bottom}" stroke="#888"/>` +
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${bottom}" stroke="#888"/>` +
    `<text x="${f((M.left + WIDTH - M.right) / 2)}" y="${bottom + 36}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>` +
    `<text transform="translate(14 ${f(M.top + PLOT_HEIGHT / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${esc(yLabel)}</text></g>`
  );
}

function legend(series: readonly Series[], top: number, colors?: readonly string[]): string {
  return `<g class="legend">${series
    .map(
      (s, i) =>
        `<rect x="${M.left}" y="${top + i * LEGEND_ROW + 2}" width="12" height="10" fill="${seriesColor(i, colors)}"/>` +
        `<text x="${M.left + 18}" y="${top + i * LEGEND_ROW + 11}" font-size="11">${esc(s.name)}</text>`,
    )
    .join('')}</g>`;
}

function svg(height: number, title: string, parts: readonly string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="system-ui, sans-serif" role="img" aria-label="${esc(title)}">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="${M.left}" y="20" font-size="14" font-weight="600">${esc(title)}</text>${parts.join('')}</svg>`
  );
}

function emptySvg(title: string, message: string): string {
  return svg(80, title, [`<text x="${M.left}" y="52" font-size="12" fill="#666">${esc(message)}</text>`]);
}

/** Tick values as short as they are round: 0.2, 5, 1500. */
const tick = (t: number): string => String(Number(t.toPrecision(6)));

const f = (v: number): string => (Math.round(v * 10) / 10).toString();
