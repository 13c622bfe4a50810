import { onLive } from '../api/live.ts';
import { progressBar } from '../components/progress-bar.ts';
import { empty, errorBox, loading } from '../components/states.ts';
import {
  applyListEvent,
  filterFromQuery,
  filterQuery,
  isFiltered,
  LIST_STATUSES,
  type ListedExperiment,
  type ListFilter,
  loadExperimentListPage,
} from '../data/experiments-data.ts';
import { h, replace } from '../dom.ts';
import { duration, when } from '../format.ts';

const COLUMNS = ['name', 'submitted', 'status', 'model(s)', 'cells', 'failed', 'duration', 'progress'];
/** Typing in a text filter waits this long for the next key before asking the api. */
const TYPE_DELAY_MS = 300;

/** The experiments list: filters in the URL, one page at a time ("more"); rows follow the live stream. */
export function experimentsView(root: HTMLElement, query: URLSearchParams): () => void {
  const filter: ListFilter = filterFromQuery(query);
  const tbody = h('tbody');
  const body = h('div', {}, loading('experiments'));
  const more = h('button', { type: 'button', class: 'button secondary', 'data-action': 'more', hidden: true }, 'More');
  const models = h('datalist', { id: 'list-models' });
  root.append(
    h('h1', {}, 'Experiments'),
    filterForm(filter, models, () => void reload()),
    body,
    h('div', { class: 'actions' }, more),
  );
  const listed = new Map<string, ListedExperiment>();
  const rows = new Map<string, HTMLTableRowElement>();
  let cursor: string | null = null;
  let paged = false;
  let generation = 0;
  const refetchedFor = new Set<string>();
  let refetchTimer: ReturnType<typeof setTimeout> | undefined;

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
      h('td', { class: 'nowrap', 'data-col': 'models' }, item.models.map((m) => m.replace(/^forge:/, '')).join(', ')),
      h('td', { class: 'num', 'data-col': 'cells' }, item.progress.total),
      h('td', { class: `num${item.progress.failed ? ' failed' : ''}`, 'data-col': 'failed' }, item.progress.failed),
      h('td', { class: 'num nowrap', 'data-col': 'duration' }, duration(item.durationMs)),
      h('td', { class: 'progress-cell' }, progressBar(item.progress, item.progress.running ? running : undefined)),
    );
  };

  const addRows = (items: ListedExperiment['item'][]) => {
    for (const item of items) {
      listed.set(item.id, { item });
      const row = h('tr', { 'data-experiment': item.id });
      rows.set(item.id, row);
      renderRow(item.id);
      tbody.append(row);
    }
    const seen = new Set([...listed.values()].flatMap((e) => e.item.models));
    replace(models, ...[...seen].sort().map((m) => h('option', { value: m })));
  };

  const showTable = () => {
    if (listed.size > 0) {
      return replace(
        body,
        h(
          'div',
          { class: 'scroll' },
          h(
            'table',
            { class: 'list', 'data-testid': 'experiments' },
            h('thead', {}, h('tr', {}, ...COLUMNS.map((c) => h('th', {}, c)))),
            tbody,
          ),
        ),
      );
    }
    replace(
      body,
      isFiltered(filter)
        ? empty('No experiment matches these filters.')
        : empty('No experiments yet.', h('a', { href: '/submit', class: 'button' }, 'Submit a matrix')),
    );
  };

  /** The first page for the current filters (a filter change, a reconnect, an experiment submitted elsewhere). */
  const reload = async () => {
    const mine = ++generation;
    history.replaceState(null, '', `/${filterQuery(filter)}`);
    try {
      const page = await loadExperimentListPage(filter);
      if (mine !== generation) return; // a newer filter's answer wins
      listed.clear();
      rows.clear();
      tbody.replaceChildren();
      addRows(page.experiments);
      cursor = page.nextCursor;
      paged = false;
      more.hidden = cursor === null;
      showTable();
    } catch (err) {
      if (mine === generation)
        replace(
          body,
          errorBox('the experiments', err, () => void reload()),
        );
    }
  };

  more.addEventListener('click', async () => {
    const mine = generation;
    more.disabled = true;
    try {
      const page = await loadExperimentListPage(filter, cursor);
      if (mine !== generation) return;
      addRows(page.experiments.filter((e) => !listed.has(e.id)));
      cursor = page.nextCursor;
      paged = true;
      more.hidden = cursor === null;
    } catch (err) {
      replace(
        body,
        errorBox('the next page of experiments', err, () => void reload()),
      );
    } finally {
      more.disabled = false;
    }
  });

  void reload();
  const offs = [
    onLive('experiment', (e) => {
      if (applyListEvent(listed, e) === 'updated') return renderRow(e.id);
      // Not listed: new, or outside the filters. Refetch the first page once per experiment and
      // status (not on every progress event of an experiment the filters leave out), and not while
      // the user reads further pages.
      const seen = `${e.id}:${e.status}`;
      if (paged || refetchedFor.has(seen)) return;
      refetchedFor.add(seen);
      clearTimeout(refetchTimer);
      refetchTimer = setTimeout(() => void reload(), 250);
    }),
    onLive('open', () => void (!paged && reload())),
  ];
  return () => {
    generation++;
    clearTimeout(refetchTimer);
    for (const off of offs) off();
  };
}

function filterForm(filter: ListFilter, models: HTMLDataListElement, changed: () => void): HTMLElement {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const text = (key: 'model' | 'name' | 'prompt', label: string, placeholder: string, extra: Record<string, string> = {}) => {
    const input = h('input', { type: 'search', name: key, value: filter[key], placeholder, 'aria-label': label, ...extra });
    input.addEventListener('input', () => {
      filter[key] = input.value;
      clearTimeout(timer);
      timer = setTimeout(changed, TYPE_DELAY_MS);
    });
    return h('label', { class: 'field' }, h('span', {}, label), input);
  };
  const status = h(
    'select',
    { name: 'status', 'aria-label': 'status' },
    h('option', { value: '' }, 'any'),
    ...LIST_STATUSES.map((s) => h('option', { value: s, selected: s === filter.status }, s)),
  );
  status.addEventListener('change', () => {
    filter.status = status.value as ListFilter['status'];
    changed();
  });
  return h(
    'form',
    { class: 'list-filters', role: 'search', onsubmit: (e: Event) => e.preventDefault() },
    h('label', { class: 'field' }, h('span', {}, 'status'), status),
    text('model', 'model', 'forge:gpt2-tiny', { list: 'list-models' }),
    models,
    text('name', 'name', 'part of the name'),
    text('prompt', 'prompt', 'text in a prompt'),
  );
}
