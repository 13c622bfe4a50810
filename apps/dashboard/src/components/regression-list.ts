import type { HistoryMetric, HistoryRun } from '@inferlab/experiments';
import { h } from '../dom.ts';
import { num, when } from '../format.ts';
import { hardwareLabel } from '../history-trend.ts';

export const HISTORY_METRIC_NAMES: Record<HistoryMetric, string> = { ttft: 'TTFT', tpot: 'TPOT', e2el: 'E2EL', tokensPerS: 'tokens/s' };

/** Where a run's cell is shown: its experiment, scrolled to the cell's row. */
export const cellHref = (run: Pick<HistoryRun, 'experimentId' | 'cellId'>): string =>
  `/experiments/${encodeURIComponent(run.experimentId)}?cell=${encodeURIComponent(run.cellId)}`;

export const compareHref = (previousCellId: string, cellId: string): string =>
  `/compare?a=${encodeURIComponent(previousCellId)}&b=${encodeURIComponent(cellId)}`;

/** `E2EL 1.52× [1.45, 1.60] · p = 0.0012 · noise floor 4.1%` for each slower metric. */
export function slowerText(s: NonNullable<HistoryRun['regression']>['slower'][number]): string {
  const floor = s.noiseFloor === null ? 'no noise floor yet' : `noise floor ${num(s.noiseFloor * 100, 2)}%`;
  return `${HISTORY_METRIC_NAMES[s.metric]} ${num(s.ratio)}× [${num(s.ci.lo)}, ${num(s.ci.hi)}] · ${pValue(s.pValue)} · ${floor}`;
}

const pValue = (p: number) => (p < 0.0001 ? 'p < 0.0001' : `p = ${num(p, 2)}`);

/** Regressed runs, newest first as given: what got slower, by how much, and links to the cell and the comparison. */
export function regressionList<R extends HistoryRun>(runs: readonly R[], keyHref?: (run: R) => string): HTMLElement {
  return h(
    'ul',
    { class: 'regressions', 'data-testid': 'regressions' },
    ...runs.map((run) =>
      h(
        'li',
        { 'data-cell': run.cellId },
        h('span', { class: 'badge badge-failed' }, 'slower'),
        ' ',
        h('a', { href: cellHref(run) }, run.experimentName),
        ` · ${when(run.finishedAt)} · ${hardwareLabel(run.hardware)}`,
        run.gitCommit ? ` · ${run.gitCommit.slice(0, 10)}` : '',
        h('ul', {}, ...(run.regression?.slower ?? []).map((s) => h('li', { 'data-metric': s.metric }, slowerText(s)))),
        h(
          'span',
          { class: 'links' },
          run.previousCellId
            ? h('a', { href: compareHref(run.previousCellId, run.cellId), 'data-role': 'compare-previous' }, 'compare with previous')
            : null,
          keyHref ? ' · ' : null,
          keyHref ? h('a', { href: keyHref(run) }, 'trend') : null,
        ),
      ),
    ),
  );
}
