import type { CellSummary, Comparison } from '@inferlab/experiments';
import { presentMetrics } from '../cell-metrics.ts';
import { LATENCY_METRICS } from '../cell-rows.ts';
import { cellPicker, type Picked } from '../components/cell-picker.ts';
import { empty, errorBox, loading } from '../components/states.ts';
import { doneCells } from '../data/cell-data.ts';
import { loadComparison, loadPickers } from '../data/compare-data.ts';
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

  loadPickers(a, b).then(
    ({ experiments, ...initial }) => {
      if (experiments.length === 0) return replace(pickers, empty('No experiments yet: submit one, then compare its cells.'));
      const picked: { a: Picked; b: Picked } = initial;
      const go = h('button', { type: 'button', class: 'button', disabled: true, 'data-action': 'compare' }, 'Compare');
      const update = () => {
        go.disabled = !(picked.a && picked.b);
      };
      go.addEventListener('click', () =>
        navigate(`/compare?a=${encodeURIComponent(picked.a?.cellId ?? '')}&b=${encodeURIComponent(picked.b?.cellId ?? '')}`),
      );
      const picker = (side: 'a' | 'b') =>
        cellPicker(
          side,
          experiments,
          picked[side],
          (p) => {
            picked[side] = p;
            update();
          },
          doneCells,
        );
      replace(pickers, picker('a'), picker('b'), go);
      update();
    },
    (err) => replace(pickers, errorBox('the experiments', err)),
  );

  if (a && b) {
    replace(result, loading('the comparison'));
    loadComparison(a, b).then(
      (page) => {
        const notice =
          page.missingRoute === null
            ? null
            : h(
                'div',
                { class: 'state state-error', role: 'alert', 'data-testid': 'compare-unavailable' },
                `This api has no comparison endpoint yet (GET /v1/compare answered ${page.missingRoute}): ratios with confidence intervals and significance cannot be shown. The cells are side by side below.`,
              );
        replace(result, notice, page.comparison ? significanceTable(page.comparison) : null, sideBySide(page.a, page.b));
      },
      (err) => replace(result, errorBox('the comparison', err)),
    );
  } else result.append(empty('Pick cell A and cell B (from any experiments), or tick two cells in an experiment’s table.'));
  return undefined;
}

function significanceTable(c: Comparison): HTMLElement {
  const rows = Object.entries(c.metrics).map(([name, m]) =>
    m === null
      ? h(
          'tr',
          { 'data-metric': name },
          h('th', {}, METRIC_NAMES[name] ?? name),
          // The api says why when it refused (TPOT of a beam cell: not streamed); else a cell had no values.
          h('td', { colspan: 5 }, c.refused?.[name as keyof NonNullable<Comparison['refused']>] ?? 'no values in one of the cells'),
        )
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
    h('p', { class: 'hint' }, `ratio = ${c.method.ratio}, ${c.method.ci} CI, ${c.method.test}`),
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
  for (const k of ['model_size_MB', 'time_s', 'tokens_generated', 'tokens_per_s'] as const) numRow(k, a.seed?.[k], b.seed?.[k]);
  for (const m of LATENCY_METRICS)
    for (const p of ['p50', 'p95', 'p99'] as const) {
      const ma = a[m]?.[p];
      const mb = b[m]?.[p];
      rows.push([
        `${m.toUpperCase()} ${p} ms`,
        mark(percentileWithCi(a[m], p)),
        mark(percentileWithCi(b[m], p)),
        ma && mb ? `${num(mb / ma)}×` : '',
      ]);
    }
  for (const m of presentMetrics([a, b])) {
    const x = m.value(a);
    const y = m.value(b);
    if (m.difference) rows.push([m.key, show(typeof x === 'number' ? x : null), show(typeof y === 'number' ? y : null), '']);
    else if (typeof x === 'number' || typeof y === 'number')
      numRow(m.key, typeof x === 'number' ? x : null, typeof y === 'number' ? y : null);
    else rows.push([m.key, String(x ?? '–'), String(y ?? '–'), '']);
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
