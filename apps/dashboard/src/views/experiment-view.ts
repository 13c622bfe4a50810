import type { CellSummary, ExperimentResults, ExperimentView } from '@inferlab/experiments';
import { readUrl } from '../api/access-tokens.ts';
import { onLive } from '../api/live.ts';
import { flatCell } from '../cell-rows.ts';
import { cellTable } from '../components/cell-table.ts';
import { chartsPanel } from '../components/charts-panel.ts';
import { outputsPanel } from '../components/outputs-panel.ts';
import { progressBar } from '../components/progress-bar.ts';
import { errorBox, loading } from '../components/states.ts';
import { download, toCsv } from '../csv.ts';
import { cancelExperiment, chartTokens, finishedCells, liveUpdate, loadExperimentPage } from '../data/experiment-data.ts';
import { loadCellOutputs, loadExperimentOutputs } from '../data/outputs-data.ts';
import { h, replace } from '../dom.ts';
import { cellLabel, varyingKeys, when } from '../format.ts';
import { navigate } from '../router.ts';

/** One experiment: header with live progress, the cell table, exports, charts and the matrix. */
export function experimentView(root: HTMLElement, query: URLSearchParams, match: RegExpMatchArray): () => void {
  const id = decodeURIComponent(match[1] ?? '');
  // `?cell=` (from History): that cell's row is marked and scrolled to once, on the first render.
  let focusCell = query.get('cell');
  const body = h('div', {}, loading('the experiment'));
  root.append(body);
  let view: ExperimentView | null = null;
  let finished = -1;
  let destroyCharts = () => {};
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  const progressSlot = h('div', { class: 'progress-slot' });

  const load = async () => {
    try {
      const page = await loadExperimentPage(id);
      view = page.experiment;
      finished = finishedCells(page.experiment.progress);
      render(page.experiment, page.results);
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
    const charts = chartsPanel(results.cells, label, chartTokens(results));
    destroyCharts = charts.destroy;
    const prompts = experiment.matrix.prompts;
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
      cellsSection(experiment, results, label, () => void load()),
      outputsPanel(
        results.cells.map((c) => ({ cellId: c.cellId, label: label(c), done: c.status === 'done' })),
        prompts,
        loadExperimentOutputs(experiment.id),
        loadCellOutputs,
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
    if (focusCell) {
      const row = body.querySelector(`table.cells tr[data-cell="${CSS.escape(focusCell)}"]`);
      row?.classList.add('focused');
      row?.scrollIntoView({ block: 'center' });
      focusCell = null;
    }
  };

  void load();
  const offs = [
    onLive('experiment', (e) => {
      const update = view === null ? null : liveUpdate(view, finished, e);
      if (update === null) return;
      view = update.view;
      replace(progressSlot, progressBar(update.view.progress, update.running));
      // New results only when a cell finished; debounced because cells can finish in bursts.
      if (update.reload) {
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

/** The cell table with compare, CSV/JSON export and (while open) cancel. */
function cellsSection(experiment: ExperimentView, results: ExperimentResults, label: (c: CellSummary) => string, reload: () => void) {
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
  const button = (action: string, text: string, onclick: () => void) =>
    h('button', { type: 'button', class: 'button secondary', 'data-action': action, onclick }, text);
  const actions = h(
    'div',
    { class: 'actions' },
    compareButton,
    button('csv', 'Export CSV', () =>
      download(`${base}.csv`, 'text/csv', toCsv(results.cells.map((c) => flatCell(c, label(c), results.cells)))),
    ),
    button('json', 'Export JSON', () => download(`${base}.json`, 'application/json', `${JSON.stringify(results, null, 2)}\n`)),
    // The self-contained report (tables, SVG charts, environment, matrix), rendered by the api.
    h(
      'a',
      {
        class: 'button secondary',
        'data-action': 'report',
        href: readUrl(`/v1/experiments/${encodeURIComponent(experiment.id)}/report`),
        target: '_blank',
        rel: 'noopener',
      },
      'HTML report',
    ),
  );
  if (experiment.status === 'queued' || experiment.status === 'running') actions.append(...cancelControls(experiment.id, reload));
  return h(
    'section',
    {},
    h('h2', {}, `Cells (${results.cells.length})`),
    actions,
    table,
    h('p', { class: 'hint' }, 'Latencies in ms as p = value [95% bootstrap CI]. Tick two done cells to compare them.'),
  );
}

function cancelControls(experimentId: string, reload: () => void): HTMLElement[] {
  const status = h('span', { class: 'hint', 'data-role': 'cancel-status' });
  const cancel = h('button', { type: 'button', class: 'button secondary', 'data-action': 'cancel' }, 'Cancel experiment');
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    status.textContent = 'cancelling…';
    cancelExperiment(experimentId).then(
      (r) => {
        status.textContent = `${r.cancelled} cells cancelled`;
        reload();
      },
      (err: Error) => {
        cancel.disabled = false;
        status.textContent = `could not cancel: ${err.message}`;
      },
    );
  });
  return [cancel, status];
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'experiment';
