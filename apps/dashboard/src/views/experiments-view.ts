import { getJson } from '../api.ts';
import type { ExperimentEvent, ExperimentListItem } from '../api-types.ts';
import { progressBar } from '../components/progress-bar.ts';
import { empty, errorBox, loading } from '../components/states.ts';
import { h, replace } from '../dom.ts';
import { when } from '../format.ts';
import { onLive } from '../live.ts';

/** The experiments list; rows follow the live stream instead of polling. */
export function experimentsView(root: HTMLElement): () => void {
  const body = h('div', {}, loading('experiments'));
  root.append(h('h1', {}, 'Experiments'), body);
  const rows = new Map<string, { item: ExperimentListItem; row: HTMLTableRowElement; running?: { done: number; total: number } }>();
  let loaded = false;
  let loadingNow = false;

  const renderRow = (id: string) => {
    const entry = rows.get(id);
    if (!entry) return;
    const { item, row, running } = entry;
    row.dataset['status'] = item.status;
    replace(
      row,
      h('td', {}, h('a', { href: `/experiments/${encodeURIComponent(item.id)}`, class: 'name' }, item.name)),
      h('td', { class: 'nowrap' }, when(item.createdAt)),
      h('td', {}, h('span', { class: `badge badge-${item.status}` }, item.status)),
      h('td', { class: 'progress-cell' }, progressBar(item.progress, item.progress.running ? running : undefined)),
    );
  };

  const load = async () => {
    if (loadingNow) return;
    loadingNow = true;
    try {
      const { experiments } = await getJson<{ experiments: ExperimentListItem[] }>('/v1/experiments');
      rows.clear();
      if (experiments.length === 0) {
        replace(body, empty('No experiments yet.', h('a', { href: '/submit', class: 'button' }, 'Submit a matrix')));
      } else {
        const tbody = h('tbody');
        for (const item of experiments) {
          const row = h('tr', { 'data-experiment': item.id });
          rows.set(item.id, { item, row });
          renderRow(item.id);
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
      }
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

  const onExperiment = (e: ExperimentEvent) => {
    const entry = rows.get(e.id);
    // One we have not seen (submitted elsewhere): the list is stale, fetch it once.
    if (!entry) return void (loaded && load());
    entry.item = { ...entry.item, status: e.status, progress: e.progress };
    if (e.cell?.done !== undefined && e.cell.total !== undefined) entry.running = { done: e.cell.done, total: e.cell.total };
    renderRow(e.id);
  };

  void load();
  const offs = [onLive('experiment', onExperiment), onLive('open', () => void (loaded && load()))];
  return () => {
    for (const off of offs) off();
  };
}
