import type { CellOutputs, ExperimentOutputs, OutputComparison } from '@inferlab/experiments';
import { h, replace } from '../dom.ts';
import { errorBox, loading } from './states.ts';

type CellRef = { cellId: string; label: string; done: boolean };

/**
 * What the model said. Per prompt, every cell's first output beside its model's reference (fp32
 * greedy): same tokens or not, and the first token position that differs. Per cell, an expandable
 * list of every request's text and token ids, fetched when opened. Text is always text nodes.
 */
export function outputsPanel(
  cells: readonly CellRef[],
  prompts: readonly string[],
  comparison: Promise<ExperimentOutputs>,
  loadCell: (cellId: string) => Promise<CellOutputs>,
): HTMLElement {
  const label = new Map(cells.map((c) => [c.cellId, c.label]));
  const byPrompt = h('div', { 'data-testid': 'outputs-by-prompt' }, loading('the outputs'));
  comparison.then(
    (r) =>
      replace(
        byPrompt,
        ...r.prompts.map((p) =>
          h(
            'details',
            { class: 'outputs-prompt', 'data-prompt': p.promptIndex, open: p.promptIndex === 0 },
            h('summary', {}, `Prompt ${p.promptIndex + 1}: `, h('span', { class: 'prompt-text' }, short(prompts[p.promptIndex] ?? ''))),
            promptTable(p.cells, label),
          ),
        ),
      ),
    (err) => replace(byPrompt, errorBox('the outputs', err)),
  );
  return h(
    'section',
    { class: 'outputs' },
    h('h2', {}, 'Outputs'),
    h('h3', {}, 'Per prompt, against fp32'),
    byPrompt,
    h('h3', {}, 'Per cell'),
    h('div', { 'data-testid': 'outputs-by-cell' }, ...cells.filter((c) => c.done).map((c) => cellDetails(c, loadCell))),
  );
}

function promptTable(cells: readonly OutputComparison[], label: Map<string, string>): HTMLElement {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { class: 'outputs-compare' },
      h('thead', {}, h('tr', {}, ...['cell', 'vs fp32', 'first divergence', 'repetitions', 'text'].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        ...cells.map((c) =>
          h(
            'tr',
            { 'data-cell': c.cellId, 'data-same': c.sameAsReference === null ? 'unknown' : String(c.sameAsReference) },
            h('td', { class: 'nowrap' }, label.get(c.cellId) ?? `cell ${c.index}`),
            h('td', { 'data-col': 'same' }, sameText(c)),
            h('td', { class: 'num', 'data-col': 'divergence' }, c.firstDivergence === null ? '–' : `token ${c.firstDivergence}`),
            h('td', {}, c.repetitionsAgree === null ? '–' : c.repetitionsAgree ? 'agree' : 'differ'),
            h('td', {}, c.text === null ? h('span', { class: 'hint' }, 'no output') : h('pre', { class: 'output-text' }, c.text)),
          ),
        ),
      ),
    ),
  );
}

function sameText(c: OutputComparison): string {
  if (c.sameAsReference === null) return '–';
  if (c.referenceCellId === c.cellId) return 'reference';
  return c.sameAsReference ? 'same tokens' : 'differs';
}

function cellDetails(cell: CellRef, loadCell: (cellId: string) => Promise<CellOutputs>): HTMLElement {
  const body = h('div', {});
  const details = h('details', { class: 'cell-outputs', 'data-cell': cell.cellId }, h('summary', {}, cell.label), body);
  let loaded = false;
  details.addEventListener('toggle', () => {
    if (!details.open || loaded) return;
    loaded = true;
    replace(body, loading('the requests'));
    loadCell(cell.cellId).then(
      (r) => replace(body, requestsTable(r)),
      (err) => {
        loaded = false;
        replace(body, errorBox(`the outputs of ${cell.label}`, err));
      },
    );
  });
  return details;
}

function requestsTable(r: CellOutputs): HTMLElement {
  if (r.outputs.length === 0) return h('p', { class: 'hint' }, 'No measured requests.');
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { class: 'outputs-requests' },
      h('thead', {}, h('tr', {}, ...['rep', 'prompt', 'stop', 'text', 'token ids'].map((t) => h('th', {}, t)))),
      h(
        'tbody',
        {},
        ...r.outputs.map((o) =>
          h(
            'tr',
            { 'data-repetition': o.repetition, 'data-prompt': o.promptIndex },
            h('td', { class: 'num' }, o.repetition),
            h('td', { class: 'num' }, o.promptIndex + 1),
            h('td', {}, o.stopReason),
            h('td', {}, h('pre', { class: 'output-text' }, o.text)),
            h('td', {}, h('code', { class: 'token-ids' }, o.tokenIds.join(' '))),
          ),
        ),
      ),
    ),
  );
}

const short = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s);
