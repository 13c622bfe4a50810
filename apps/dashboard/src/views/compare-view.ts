import { ApiError, getJson } from '../api.ts';
import type { CellSummary, Comparison, ExperimentListItem, MetricSummary } from '../api-types.ts';
import { extraMetrics, LATENCY_METRICS } from '../cell-rows.ts';
import { cellPicker, type Picked, resultsOf } from '../components/cell-picker.ts';
import { empty, errorBox, loading } from '../components/states.ts';
import { h, replace } from '../dom.ts';
import { flatConfig, num, percentileWithCi } from '../format.ts';
import { navigate } from '../router.ts';

const METRIC_NAMES: Record<string, string> = {
  ttft: 'TTFT ms',
  tpot: 'TPOT ms',
  e2el: 'E2EL ms',
  itl: 'ITL ms (per-request median)',
  tokensPerS: 'tokens/s',
};

/** Two cells side by side: every metric, b/a ratios, and significance from `GET /v1/compare`. */
export function compareView(root: HTMLElement, query: URLSearchParams): undefined {
  const a = query.get('a') ?? '';
  const b = query.get('b') ?? '';
  const pickers = h('div', { class: 'pickers' }, loading('experiments'));
  const result = h('div', { class: 'compare-result' });
  root.append(h('h1', {}, 'Compare two cells'), pickers, result);

  void (async () => {
    try {
      const [{ experiments }, cellA, cellB] = await Promise.all([
        getJson<{ experiments: ExperimentListItem[] }>('/v1/experiments'),
        a ? getJson<{ experimentId: string }>(`/v1/cells/${encodeURIComponent(a)}`).catch(() => null) : null,
        b ? getJson<{ experimentId: string }>(`/v1/cells/${encodeURIComponent(b)}`).catch(() => null) : null,
      ]);
      if (experiments.length === 0) return replace(pickers, empty('No experiments yet: submit one, then compare its cells.'));
      const picked: { a: Picked; b: Picked } = {
        a: cellA ? { experimentId: cellA.experimentId, cellId: a } : null,
        b: cellB ? { experimentId: cellB.experimentId, cellId: b } : null,
      };
      const go = h('button', { type: 'button', class: 'button', disabled: true, 'data-action': 'compare' }, 'Compare');
      const update = () => {
        go.disabled = !(picked.a && picked.b);
      };
      go.addEventListener('click', () =>
        navigate(`/compare?a=${encodeURIComponent(picked.a?.cellId ?? '')}&b=${encodeURIComponent(picked.b?.cellId ?? '')}`),
      );
      replace(
        pickers,
        cellPicker('a', experiments, picked.a, (p) => {
          picked.a = p;
          update();
        }),
        cellPicker('b', experiments, picked.b, (p) => {
          picked.b = p;
          update();
        }),
        go,
      );
      update();
    } catch (err) {
      replace(pickers, errorBox('the experiments', err));
    }
  })();

  if (a && b) void showComparison(result, a, b);
  else result.append(empty('Pick cell A and cell B (from any experiments), or tick two cells in an experiment’s table.'));
  return undefined;
}

async function showComparison(el: HTMLElement, a: string, b: string): Promise<void> {
  replace(el, loading('the comparison'));
  let comparison: Comparison | null = null;
  let notice: HTMLElement | null = null;
  try {
    comparison = await getJson<Comparison>(`/v1/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
  } catch (err) {
    if (!(err instanceof ApiError)) return replace(el, errorBox('the comparison', err));
    if (err.routeMissing)
      notice = h(
        'div',
        { class: 'state state-error', role: 'alert', 'data-testid': 'compare-unavailable' },
        `This api has no comparison endpoint yet (GET /v1/compare answered ${err.status}): ratios with confidence intervals and significance cannot be shown. The cells are side by side below.`,
      );
    else return replace(el, errorBox('the comparison', err));
  }
  const [sa, sb] = comparison ? [comparison.a, comparison.b] : await Promise.all([summaryOf(a), summaryOf(b)]);
  if (!sa || !sb) return replace(el, errorBox('the cells', new Error(`cell ${!sa ? a : b} not found`)));
  replace(el, notice, comparison ? significanceTable(comparison) : null, sideBySide(sa, sb));
}

async function summaryOf(cellId: string): Promise<CellSummary | null> {
  const cell = await getJson<{ experimentId: string }>(`/v1/cells/${encodeURIComponent(cellId)}`).catch(() => null);
  if (!cell) return null;
  return (await resultsOf(cell.experimentId)).cells.find((c) => c.cellId === cellId) ?? null;
}

function significanceTable(c: Comparison): HTMLElement {
  const rows = Object.entries(c.metrics).map(([name, m]) =>
    m === null
      ? h('tr', {}, h('th', {}, METRIC_NAMES[name] ?? name), h('td', { colspan: 5 }, 'no values in one of the cells'))
      : h(
          'tr',
          { class: m.significant ? 'significant' : 'same', 'data-metric': name },
          h('th', {}, METRIC_NAMES[name] ?? name),
          h('td', { class: 'num' }, num(m.a)),
          h('td', { class: 'num' }, num(m.b)),
          h('td', { class: 'num' }, `${num(m.ratio)}× [${num(m.ci.lo)}, ${num(m.ci.hi)}]`),
          h('td', { class: 'num' }, m.pValue < 0.001 ? '< 0.001' : num(m.pValue, 2)),
          h('td', {}, h('span', { class: `badge ${m.significant ? 'badge-running' : 'badge-queued'}` }, m.verdict)),
        ),
  );
  return h(
    'section',
    {},
    h('h2', {}, 'b against a'),
    h(
      'p',
      { class: 'hint' },
      `ratio = ${String(c.method['ratio'] ?? 'median(b)/median(a)')}, ${String(c.method['ci'] ?? '')} CI, ${String(c.method['test'] ?? '')}`,
    ),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'compare', 'data-testid': 'significance' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'metric'),
            h('th', {}, 'a (median)'),
            h('th', {}, 'b (median)'),
            h('th', {}, 'b / a [CI]'),
            h('th', {}, 'p'),
            h('th', {}, 'verdict'),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

/** Every field of both cells, one row each, with b/a where both are numbers. */
function sideBySide(a: CellSummary, b: CellSummary): HTMLElement {
  const rows: [string, string, string, string][] = [];
  const fa = flatConfig(a.config);
  const fb = flatConfig(b.config);
  for (const k of [...new Set([...Object.keys(fa), ...Object.keys(fb)])]) rows.push([k, fa[k] ?? '–', fb[k] ?? '–', '']);
  // Counts (requests, tokens) read better whole: `12`, not `12.0`.
  const show = (v: number | null | undefined) => (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1e6 ? String(v) : num(v));
  const numRow = (name: string, x: number | null | undefined, y: number | null | undefined) =>
    rows.push([name, show(x), show(y), typeof x === 'number' && typeof y === 'number' && x !== 0 ? `${num(y / x)}×` : '']);
  numRow('requests', a.requests, b.requests);
  for (const k of ['model_size_MB', 'time_s', 'tokens_generated', 'tokens_per_s'] as const)
    numRow(k, a.seed?.[k] as number, b.seed?.[k] as number);
  for (const m of LATENCY_METRICS)
    for (const p of ['p50', 'p95', 'p99'] as const) {
      const x = percentileWithCi(a[m] as MetricSummary | null, p);
      const y = percentileWithCi(b[m] as MetricSummary | null, p);
      const ma = (a[m] as MetricSummary | null)?.[p];
      const mb = (b[m] as MetricSummary | null)?.[p];
      rows.push([`${m.toUpperCase()} ${p} ms`, mark(x), mark(y), ma && mb ? `${num(mb / ma)}×` : '']);
    }
  numRow('throughput tokens/s', a.throughput?.tokensPerS, b.throughput?.tokensPerS);
  const ea = extraMetrics(a);
  const eb = extraMetrics(b);
  for (const k of [...new Set([...Object.keys(ea), ...Object.keys(eb)])]) {
    const x = ea[k] ?? null;
    const y = eb[k] ?? null;
    if (typeof x === 'number' || typeof y === 'number') numRow(k, x as number, y as number);
    else rows.push([k, String(x ?? '–'), String(y ?? '–'), '']);
  }
  return h(
    'section',
    {},
    h('h2', {}, 'Side by side'),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'compare', 'data-testid': 'side-by-side' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, ''),
            h('th', {}, `a: ${a.seed?.mode ?? a.cellId.slice(0, 8)}`),
            h('th', {}, `b: ${b.seed?.mode ?? b.cellId.slice(0, 8)}`),
            h('th', {}, 'b / a'),
          ),
        ),
        h(
          'tbody',
          {},
          ...rows.map(([k, x, y, r]) =>
            h(
              'tr',
              { class: x !== y && r === '' && !k.includes(' ') ? 'differs' : '' },
              h('th', {}, k),
              h('td', { class: 'num' }, x),
              h('td', { class: 'num' }, y),
              h('td', { class: 'num' }, r),
            ),
          ),
        ),
      ),
    ),
  );
}

const mark = (v: { text: string; insufficient: boolean }) => (v.insufficient ? `${v.text} (insufficient samples)` : v.text);
