import { ApiError, answer } from '@inferlab/client';
import type { CellSummary, Comparison, ExperimentListItem } from '@inferlab/experiments';
import { api } from '../api/http.ts';
import { cachedResults, experimentOfCell } from './cell-data.ts';
import { loadExperiments } from './experiments-data.ts';

type Picked = { experimentId: string; cellId: string } | null;

/** Every experiment, and the experiments of the cells in the URL (so the pickers show them). */
export async function loadPickers(a: string, b: string): Promise<{ experiments: ExperimentListItem[]; a: Picked; b: Picked }> {
  const [experiments, ea, eb] = await Promise.all([
    loadExperiments(),
    a ? experimentOfCell(a) : null,
    b ? experimentOfCell(b) : null,
  ]);
  return { experiments, a: ea ? { experimentId: ea, cellId: a } : null, b: eb ? { experimentId: eb, cellId: b } : null };
}

/**
 * `GET /v1/compare`, or, from an api without that route, the two cells alone (`comparison` null and
 * `missingRoute` the status it answered) so they can still be shown side by side.
 */
export type ComparisonPage = { comparison: Comparison | null; missingRoute: number | null; a: CellSummary; b: CellSummary };

export async function loadComparison(a: string, b: string): Promise<ComparisonPage> {
  try {
    const comparison: Comparison = await answer(api.v1.compare.$get({ query: { a, b } }));
    return { comparison, missingRoute: null, a: comparison.a, b: comparison.b };
  } catch (err) {
    if (!(err instanceof ApiError) || !err.routeMissing) throw err;
    const [sa, sb] = await Promise.all([summaryOf(a), summaryOf(b)]);
    if (!sa || !sb) throw new Error(`cell ${!sa ? a : b} not found`);
    return { comparison: null, missingRoute: err.status, a: sa, b: sb };
  }
}

async function summaryOf(cellId: string): Promise<CellSummary | null> {
  const experimentId = await experimentOfCell(cellId);
  if (!experimentId) return null;
  return (await cachedResults(experimentId)).cells.find((c) => c.cellId === cellId) ?? null;
}
