import { getJson } from '../api.ts';
import type { CellSummary, ExperimentListItem, ExperimentResults } from '../api-types.ts';
import { h, replace } from '../dom.ts';
import { cellLabel, varyingKeys, when } from '../format.ts';

const resultsCache = new Map<string, Promise<ExperimentResults>>();
export const resultsOf = (experimentId: string): Promise<ExperimentResults> => {
  let p = resultsCache.get(experimentId);
  if (!p) {
    p = getJson<ExperimentResults>(`/v1/experiments/${encodeURIComponent(experimentId)}/results`);
    p.catch(() => resultsCache.delete(experimentId));
    resultsCache.set(experimentId, p);
  }
  return p;
};

export type Picked = { experimentId: string; cellId: string } | null;

/** Experiment then cell, any experiment: yesterday's run against today's is the point. */
export function cellPicker(
  name: 'a' | 'b',
  experiments: readonly ExperimentListItem[],
  initial: Picked,
  onChange: (picked: Picked) => void,
): HTMLElement {
  const expSelect = h('select', { 'aria-label': `experiment ${name}`, 'data-picker': `${name}-experiment` });
  const cellSelect = h('select', { 'aria-label': `cell ${name}`, 'data-picker': `${name}-cell`, disabled: true });
  expSelect.append(h('option', { value: '' }, 'choose an experiment…'));
  for (const e of experiments) expSelect.append(h('option', { value: e.id }, `${e.name} (${when(e.createdAt)})`));

  const fillCells = async (experimentId: string, selected?: string) => {
    replace(cellSelect, h('option', { value: '' }, experimentId ? 'loading cells…' : '—'));
    cellSelect.disabled = true;
    if (!experimentId) return onChange(null);
    const results = await resultsOf(experimentId).catch(() => null);
    if (expSelect.value !== experimentId) return; // changed meanwhile
    const cells: CellSummary[] = (results?.cells ?? []).filter((c) => c.status === 'done');
    const varying = varyingKeys((results?.cells ?? []).map((c) => c.config));
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
