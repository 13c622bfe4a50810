import type { HistoryKeySummary, HistoryMetric, HistoryOfKey, HistoryRun } from '@inferlab/experiments';
import { trendPlot } from '../charts/trend-plot.ts';
import { cellHref, compareHref, HISTORY_METRIC_NAMES, regressionList } from '../components/regression-list.ts';
import { empty, errorBox, loading } from '../components/states.ts';
import { loadHistoryOfKey, loadHistoryOverview } from '../data/history-data.ts';
import { h, replace } from '../dom.ts';
import { num, when } from '../format.ts';
import { hardwareLabel, runAt, trendOf } from '../history-trend.ts';
import { navigate } from '../router.ts';

const METRICS: { metric: HistoryMetric; unit: string }[] = [
  { metric: 'ttft', unit: 'ms' },
  { metric: 'tpot', unit: 'ms' },
  { metric: 'e2el', unit: 'ms' },
  { metric: 'tokensPerS', unit: 'tokens/s' },
];

const keyHref = (key: string) => `/history?key=${encodeURIComponent(key)}`;

/** `gpt2-tiny · fp32 cache · greedy · 16 tok · cpu · 1 thr`: what a configuration key measures. */
export function keyLabel(k: Pick<HistoryKeySummary, 'config'>): string {
  const c = k.config;
  return [
    c.model.replace(/^forge:/, ''),
    `${c.variant.dtype} ${c.variant.cache ? 'cache' : 'no-cache'}`,
    c.decoding.strategy,
    `${c.maxNewTokens} tok`,
    c.batchSize > 1 ? `batch ${c.batchSize}` : null,
    c.device,
    c.threads === 0 ? 'auto threads' : `${c.threads} thr`,
    c.engine && c.engine !== 'inferlab' ? c.engine : null,
  ]
    .filter((v) => v !== null)
    .join(' · ');
}

/** History: the most-run configurations, the newest regressions, and one key's trend per metric. */
export function historyView(root: HTMLElement, query: URLSearchParams): () => void {
  const overview = h('div', {}, loading('the history'));
  const detail = h('div', { class: 'history-key' });
  root.append(h('h1', {}, 'History'), overview, detail);
  let destroy = () => {};

  const showKey = (key: string, summary: HistoryKeySummary | undefined) => {
    replace(detail, loading('the runs of this configuration'));
    loadHistoryOfKey(key).then(
      (history) => {
        const view = keySection(history, summary);
        destroy = view.destroy;
        replace(detail, view.el);
      },
      (err) => replace(detail, errorBox(`history key ${key}`, err)),
    );
  };

  loadHistoryOverview().then(
    ({ keys, regressions }) => {
      if (keys.length === 0) return replace(overview, empty('No finished runs yet: history appears once cells have finished.'));
      const selected = query.get('key') ?? keys[0]?.key ?? '';
      replace(
        overview,
        h(
          'section',
          {},
          h('h2', {}, 'Most-run configurations'),
          h(
            'div',
            { class: 'scroll' },
            h(
              'table',
              { class: 'list', 'data-testid': 'history-keys' },
              h('thead', {}, h('tr', {}, ...['configuration', 'runs', 'hardware', 'last run'].map((t) => h('th', {}, t)))),
              h(
                'tbody',
                {},
                ...keys.map((k) =>
                  h(
                    'tr',
                    { 'data-key': k.key, class: k.key === selected ? 'selected' : '' },
                    h('td', {}, h('a', { href: keyHref(k.key) }, keyLabel(k))),
                    h('td', { class: 'num' }, k.runs),
                    h('td', {}, k.hardware.map(hardwareLabel).join('; ')),
                    h('td', { class: 'nowrap' }, when(k.lastRunAt)),
                  ),
                ),
              ),
            ),
          ),
        ),
        h(
          'section',
          {},
          h('h2', {}, 'Latest regressions'),
          regressions.length === 0
            ? h('p', { class: 'hint' }, 'None: no run is significantly slower than the run before it on the same hardware.')
            : regressionList(regressions, (r) => keyHref(r.key)),
        ),
      );
      if (selected)
        showKey(
          selected,
          keys.find((k) => k.key === selected),
        );
    },
    (err) => replace(overview, errorBox('the history', err)),
  );
  return () => destroy();
}

function keySection(history: HistoryOfKey, summary: HistoryKeySummary | undefined): { el: HTMLElement; destroy: () => void } {
  const destroyers: (() => void)[] = [];
  const grid = h('div', { class: 'chart-grid' });
  for (const { metric, unit } of METRICS) {
    const trend = trendOf(history.series, metric);
    const chart = trendPlot(`trend-${metric}`, {
      title: `${HISTORY_METRIC_NAMES[metric]} median over time${metric === 'tokensPerS' ? '' : ' (band: 95% CI)'}`,
      yLabel: `${HISTORY_METRIC_NAMES[metric]} ${unit === 'ms' ? 'ms' : ''}`.trim(),
      trend,
      onPick: (i) => {
        const run = runAt(trend, i);
        if (run) navigate(cellHref(run));
      },
    });
    destroyers.push(chart.destroy);
    grid.append(chart.el);
  }
  const runs = history.series.flatMap((s) => s.runs).sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  const regressed = runs.filter((r) => r.regression !== null);
  const el = h(
    'section',
    { 'data-key': history.key },
    h('h2', {}, summary ? keyLabel(summary) : `Configuration ${history.key}`),
    h(
      'p',
      { class: 'meta' },
      `key ${history.key} · ${runs.length} runs on ${history.series.length} hardware${summary ? ` · model sha256 ${summary.modelSha256.slice(0, 12)}…` : ''}`,
    ),
    grid,
    h(
      'p',
      { class: 'hint' },
      'One line per hardware; a ring marks a run significantly slower than the one before it. Click a point to open its cell.',
    ),
    h('h3', {}, `Regressions (${regressed.length})`),
    regressed.length === 0 ? h('p', { class: 'hint' }, 'None for this configuration.') : regressionList(regressed),
    h('h3', {}, 'Runs'),
    runsTable(runs),
  );
  return {
    el,
    destroy: () => {
      for (const d of destroyers) d();
    },
  };
}

function runsTable(runs: readonly HistoryRun[]): HTMLElement {
  const point = (run: HistoryRun, m: HistoryMetric) => {
    const p = run.metrics[m];
    if (p === null) return '–';
    return p.ci ? `${num(p.median)} [${num(p.ci.lo)}, ${num(p.ci.hi)}]` : num(p.median);
  };
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { class: 'list', 'data-testid': 'history-runs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['finished', 'experiment', 'hardware', 'commit'].map((t) => h('th', {}, t)),
          ...METRICS.map(({ metric, unit }) => h('th', { class: 'num' }, `${HISTORY_METRIC_NAMES[metric]}${unit === 'ms' ? ' ms' : ''}`)),
          h('th', {}, ''),
        ),
      ),
      h(
        'tbody',
        {},
        ...runs.map((run) =>
          h(
            'tr',
            { 'data-cell': run.cellId, 'data-regression': run.regression ? 'yes' : 'no' },
            h('td', { class: 'nowrap' }, when(run.finishedAt)),
            h('td', {}, h('a', { href: cellHref(run) }, run.experimentName)),
            h('td', {}, hardwareLabel(run.hardware)),
            h('td', { class: 'mono' }, run.gitCommit?.slice(0, 10) ?? '–'),
            ...METRICS.map(({ metric }) => h('td', { class: 'num', 'data-col': metric }, point(run, metric))),
            h(
              'td',
              { class: 'nowrap' },
              run.regression ? h('span', { class: 'badge badge-failed' }, 'slower') : null,
              run.previousCellId ? ' ' : null,
              run.previousCellId
                ? h('a', { href: compareHref(run.previousCellId, run.cellId), 'data-role': 'compare-previous' }, 'compare with previous')
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}
