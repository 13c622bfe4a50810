import { onLive } from '../api/live.ts';
import { progressBar } from '../components/progress-bar.ts';
import { empty, errorBox, loading } from '../components/states.ts';
import { applyListEvent, type ListedExperiment, loadExperiments } from '../data/experiments-data.ts';
import { h, replace } from '../dom.ts';
import { when } from '../format.ts';

/** The experiments list; rows follow the live stream instead of polling. */
export function experimentsView(root: HTMLElement): () => void {
  const body = h('div', {}, loading('experiments'));
  root.append(h('h1', {}, 'Experiments'), body);
  const listed = new Map<string, ListedExperiment>();
  const rows = new Map<string, HTMLTableRowElement>();
  let loaded = false;
  let loadingNow = false;

  const renderRow = (id: string) => {
    const entry = listed.get(id);
    const row = rows.get(id);
    if (!entry || !row) return;
    const { item, running } = entry;
    row.dataset['status'] = item.status;
    replace(
      row,
      h('td', {}, h('a', { href: `/experiments/${encodeURIComponent(item.id)}`, class: 'name' }, item.name)),
      h('td', { class: 'nowrap' }, when(item.createdAt)),
      h('td', {}, h('span', { class: `badge badge-${item.status}` }, item.status)),
      h('td', { class: 'progress-cell' }, progressBar(item.progress, item.progress.running ? running : undefined)),
    );
  };

  const render = () => {
    if (listed.size === 0)
      return replace(body, empty('No experiments yet.', h('a', { href: '/submit', class: 'button' }, 'Submit a matrix')));
    const tbody = h('tbody');
    rows.clear();
    for (const id of listed.keys()) {
      const row = h('tr', { 'data-experiment': id });
      rows.set(id, row);
      renderRow(id);
      tbody.append(row);
    }
    replace(
      body,
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'list' },
          h('thead', {}, h('tr', {}, h('th', {}, 'name'), h('th', {}, 'submitted'), h('th', {}, 'status'), h('th', {}, 'progress'))),
          tbody,
        ),
      ),
    );
  };

  const load = async () => {
    if (loadingNow) return;
    loadingNow = true;
    try {
      const experiments = await loadExperiments();
      listed.clear();
      for (const item of experiments) listed.set(item.id, { item });
      render();
      loaded = true;
    } catch (err) {
      replace(
        body,
        errorBox('the experiments', err, () => void load()),
      );
    } finally {
      loadingNow = false;
    }
  };

  void load();
  const offs = [
    onLive('experiment', (e) => {
      if (applyListEvent(listed, e) === 'unlisted') return void (loaded && load());
      renderRow(e.id);
    }),
    onLive('open', () => void (loaded && load())),
  ];
  return () => {
    for (const off of offs) off();
  };
}
