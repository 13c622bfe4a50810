import { getJson, postJson } from '../api.ts';
import type { CellSummary, ExperimentResults, ExperimentView } from '../api-types.ts';
import { flatCell } from '../cell-rows.ts';
import { cellTable } from '../components/cell-table.ts';
import { chartsPanel } from '../components/charts-panel.ts';
import { finishedCount, progressBar } from '../components/progress-bar.ts';
import { errorBox, loading } from '../components/states.ts';
import { download, toCsv } from '../csv.ts';
import { h, replace } from '../dom.ts';
import { cellLabel, varyingKeys, when } from '../format.ts';
import { onLive } from '../live.ts';
import { navigate } from '../router.ts';
import { TOKEN_KEY } from './submit-view.ts';

/** One experiment: header with live progress, the cell table, exports, charts and the matrix. */
export function experimentView(root: HTMLElement, _q: URLSearchParams, match: RegExpMatchArray): () => void {
  const id = decodeURIComponent(match[1] ?? '');
  const body = h('div', {}, loading('the experiment'));
  root.append(body);
  let view: ExperimentView | null = null;
  let finished = -1;
  let destroyCharts = () => {};
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  const progressSlot = h('div', { class: 'progress-slot' });

  const load = async () => {
    try {
      const [experiment, results] = await Promise.all([
        getJson<ExperimentView>(`/v1/experiments/${encodeURIComponent(id)}`),
        getJson<ExperimentResults>(`/v1/experiments/${encodeURIComponent(id)}/results`),
      ]);
      view = experiment;
      finished = finishedCount(experiment.progress);
      render(experiment, results);
    } catch (err) {
      replace(
        body,
        errorBox(`experiment ${id}`, err, () => void load()),
      );
    }
  };

  const render = (experiment: ExperimentView, results: ExperimentResults) => {
    destroyCharts();
    const varying = varyingKeys(results.cells.map((c) => c.config));
    const label = (c: CellSummary) => cellLabel(c.config, varying);
    replace(progressSlot, progressBar(experiment.progress));
    const compareButton = h(
      'button',
      { type: 'button', class: 'button', disabled: true, 'data-action': 'compare' },
      'Compare 2 ticked cells',
    );
    let picked: string[] = [];
    compareButton.addEventListener('click', () =>
      navigate(`/compare?a=${encodeURIComponent(picked[0] ?? '')}&b=${encodeURIComponent(picked[1] ?? '')}`),
    );
    const table = cellTable(results.cells, {
      label,
      onPick: (ids) => {
        picked = ids;
        compareButton.disabled = ids.length !== 2;
      },
    });
    const base = `inferlab-${slug(experiment.name)}-${experiment.id.slice(0, 8)}`;
    const exports = h(
      'div',
      { class: 'actions' },
      compareButton,
      h(
        'button',
        {
          type: 'button',
          class: 'button secondary',
          'data-action': 'csv',
          onclick: () => download(`${base}.csv`, 'text/csv', toCsv(results.cells.map((c) => flatCell(c, label(c))))),
        },
        'Export CSV',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button secondary',
          'data-action': 'json',
          onclick: () => download(`${base}.json`, 'application/json', `${JSON.stringify(results, null, 2)}\n`),
        },
        'Export JSON',
      ),
    );
    const cancelStatus = h('span', { class: 'hint', 'data-role': 'cancel-status' });
    const cancelButton = h('button', { type: 'button', class: 'button secondary', 'data-action': 'cancel' }, 'Cancel experiment');
    cancelButton.addEventListener('click', () => {
      cancelButton.disabled = true;
      cancelStatus.textContent = 'cancelling…';
      // The write token entered on the submit page, if the api requires one.
      postJson<{ cancelled: number }>(
        `/v1/experiments/${encodeURIComponent(experiment.id)}/cancel`,
        '{}',
        sessionStorage.getItem(TOKEN_KEY) ?? '',
      )
        .then((r) => {
          cancelStatus.textContent = `${r.cancelled} cells cancelled`;
          void load();
        })
        .catch((err: Error) => {
          cancelButton.disabled = false;
          cancelStatus.textContent = `could not cancel: ${err.message}`;
        });
    });
    const open = experiment.status === 'queued' || experiment.status === 'running';
    if (open) exports.append(cancelButton, cancelStatus);
    const charts = chartsPanel(results.cells, label);
    destroyCharts = charts.destroy;
    const prompts = experiment.cells[0]?.config.prompts ?? [];
    replace(
      body,
      h(
        'header',
        { class: 'page-head' },
        h('h1', { class: 'experiment-name' }, experiment.name),
        h(
          'p',
          { class: 'meta' },
          `${experiment.id} · submitted ${when(experiment.createdAt)} · `,
          h('span', { class: `badge badge-${experiment.status}` }, experiment.status),
        ),
        progressSlot,
      ),
      h(
        'section',
        {},
        h('h2', {}, `Cells (${results.cells.length})`),
        exports,
        table,
        h('p', { class: 'hint' }, 'Latencies in ms as p = value [95% bootstrap CI]. Tick two done cells to compare them.'),
      ),
      charts.el,
      h(
        'section',
        { class: 'matrix' },
        h('h2', {}, 'Matrix'),
        h('h3', {}, `Prompts (${prompts.length})`),
        h('ol', { class: 'prompts' }, ...prompts.map((p) => h('li', {}, h('pre', {}, p)))),
        h('details', {}, h('summary', {}, 'matrix JSON'), h('pre', {}, JSON.stringify(experiment.matrix, null, 2))),
      ),
    );
  };

  void load();
  const offs = [
    onLive('experiment', (e) => {
      if (e.id !== id || view === null) return;
      view = { ...view, status: e.status, progress: e.progress };
      const running = e.cell?.done !== undefined && e.cell.total !== undefined ? { done: e.cell.done, total: e.cell.total } : undefined;
      replace(progressSlot, progressBar(e.progress, running));
      // New results only when a cell finished; debounced because cells can finish in bursts.
      if (finishedCount(e.progress) !== finished) {
        clearTimeout(reloadTimer);
        reloadTimer = setTimeout(() => void load(), 250);
      }
    }),
    onLive('open', () => view !== null && void load()),
  ];
  return () => {
    clearTimeout(reloadTimer);
    destroyCharts();
    for (const off of offs) off();
  };
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'experiment';
