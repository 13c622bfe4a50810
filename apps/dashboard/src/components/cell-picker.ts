import type { CellSummary, ExperimentListItem } from '@inferlab/experiments';
import { h, replace } from '../dom.ts';
import { cellLabel, varyingKeys, when } from '../format.ts';

/** The view's loader: an experiment's done cells (to pick from) and all its cells (for labels). */
export type LoadCells = (experimentId: string) => Promise<{ done: CellSummary[]; all: CellSummary[] }>;

export type Picked = { experimentId: string; cellId: string } | null;

/** Experiment then cell, any experiment: yesterday's run against today's is the point. */
export function cellPicker(
  name: 'a' | 'b',
  experiments: readonly ExperimentListItem[],
  initial: Picked,
  onChange: (picked: Picked) => void,
  loadCells: LoadCells,
): HTMLElement {
  const expSelect = h('select', { 'aria-label': `experiment ${name}`, 'data-picker': `${name}-experiment` });
  const cellSelect = h('select', { 'aria-label': `cell ${name}`, 'data-picker': `${name}-cell`, disabled: true });
  expSelect.append(h('option', { value: '' }, 'choose an experiment…'));
  for (const e of experiments) expSelect.append(h('option', { value: e.id }, `${e.name} (${when(e.createdAt)})`));

  const fillCells = async (experimentId: string, selected?: string) => {
    replace(cellSelect, h('option', { value: '' }, experimentId ? 'loading cells…' : '—'));
    cellSelect.disabled = true;
    if (!experimentId) return onChange(null);
    const loaded = await loadCells(experimentId).catch(() => ({ done: [], all: [] }));
    if (expSelect.value !== experimentId) return; // changed meanwhile
    const cells = loaded.done;
    const varying = varyingKeys(loaded.all.map((c) => c.config));
    replace(cellSelect, h('option', { value: '' }, cells.length ? 'choose a cell…' : 'no finished cells'));
    for (const c of cells) cellSelect.append(h('option', { value: c.cellId }, `#${c.index} ${cellLabel(c.config, varying)}`));
    cellSelect.disabled = cells.length === 0;
    if (selected && cells.some((c) => c.cellId === selected)) cellSelect.value = selected;
    onChange(cellSelect.value ? { experimentId, cellId: cellSelect.value } : null);
  };
  expSelect.addEventListener('change', () => void fillCells(expSelect.value));
  cellSelect.addEventListener('change', () =>
    onChange(cellSelect.value ? { experimentId: expSelect.value, cellId: cellSelect.value } : null),
  );
  if (initial) {
    expSelect.value = initial.experimentId;
    void fillCells(initial.experimentId, initial.cellId);
  }
  return h('fieldset', { class: 'picker' }, h('legend', {}, `Cell ${name.toUpperCase()}`), expSelect, cellSelect);
}
