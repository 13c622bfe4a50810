import type { CellSummary } from '@inferlab/experiments';
import { type Column, type SortState, sortCells, tableColumns } from '../cell-rows.ts';
import { h, replace } from '../dom.ts';

export type CellTableOptions = {
  label: (c: CellSummary) => string;
  /** Called with the cell ids ticked for comparison (at most two kept, the latest win). */
  onPick: (ids: string[]) => void;
};

/**
 * The seed table for every cell plus TTFT/TPOT/E2EL percentiles with CIs and any extra metrics.
 * Headers sort (click again to reverse); a failed cell gets a second row with its reason.
 */
export function cellTable(cells: readonly CellSummary[], options: CellTableOptions): HTMLElement {
  const columns = tableColumns(cells, options.label);
  let sort: SortState = { key: 'cell', dir: 1 };
  let picked: string[] = [];
  const table = h('table', { class: 'cells', 'data-testid': 'cell-table' });
  const wrap = h('div', { class: 'scroll' }, table);

  const header = () =>
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { title: 'tick two cells to compare them' }, 'cmp'),
        ...columns.map((col) =>
          h(
            'th',
            { 'aria-sort': sort.key === col.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none', class: col.numeric ? 'num' : '' },
            h(
              'button',
              {
                type: 'button',
                class: 'sort',
                title: col.title ?? `sort by ${col.label}`,
                'data-sort': col.key,
                onclick: () => {
                  sort = { key: col.key, dir: sort.key === col.key ? (sort.dir === 1 ? -1 : 1) : 1 };
                  render();
                },
              },
              col.label,
              sort.key === col.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : '',
            ),
          ),
        ),
      ),
    );

  const row = (c: CellSummary): HTMLElement[] => {
    const box = h('input', {
      type: 'checkbox',
      'aria-label': `compare ${options.label(c)}`,
      checked: picked.includes(c.cellId),
      disabled: c.status !== 'done',
      onchange: () => {
        picked = box.checked ? [...picked.filter((id) => id !== c.cellId), c.cellId].slice(-2) : picked.filter((id) => id !== c.cellId);
        options.onPick(picked);
        render();
      },
    });
    const main = h('tr', { 'data-cell': c.cellId, 'data-status': c.status }, h('td', {}, box), ...columns.map((col) => cellTd(col, c)));
    if (c.status !== 'failed' || c.error === null) return [main];
    return [main, h('tr', { class: 'error-row' }, h('td', { colspan: columns.length + 1 }, h('strong', {}, 'failed: '), c.error))];
  };

  const render = () => {
    const col = columns.find((c) => c.key === sort.key);
    replace(table, header(), h('tbody', {}, ...sortCells(cells, col, sort.dir).flatMap(row)));
  };
  render();
  return wrap;
}

function cellTd(col: Column, c: CellSummary): HTMLElement {
  const { text, insufficient } = col.display(c);
  return h(
    'td',
    { class: `${col.numeric ? 'num' : ''}${insufficient ? ' insufficient' : ''}`, 'data-col': col.key },
    text,
    insufficient
      ? h(
          'span',
          { class: 'mark', title: 'insufficient samples: fewer than 10 observations beyond this percentile' },
          'insufficient samples',
        )
      : null,
  );
}
