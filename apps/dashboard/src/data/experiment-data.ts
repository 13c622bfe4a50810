import { answer, type CancelOutcome, idParam } from '@inferlab/client';
import type { CellTokens, ExperimentEvent, ExperimentResults, ExperimentView } from '@inferlab/experiments';
import { api } from '../api/http.ts';
import { chartedCells } from '../chart-data.ts';
import { cellTokens, fetchResults } from './cell-data.ts';

export type ExperimentPage = { experiment: ExperimentView; results: ExperimentResults };

/** The experiment (matrix, cell states) and its results, fetched together. */
export async function loadExperimentPage(id: string): Promise<ExperimentPage> {
  const [experiment, results] = await Promise.all([answer(api.v1.experiments[':id'].$get(idParam(id))), fetchResults(id)]);
  return { experiment, results };
}

/** The token timelines the charts need, in `chartedCells` order. */
export const chartTokens = (results: ExperimentResults): Promise<CellTokens[]> =>
  Promise.all(chartedCells(results.cells).map((c) => cellTokens(c.cellId)));

/** Needs the write token when the api has write tokens configured. */
export const cancelExperiment = (id: string): Promise<CancelOutcome> => answer(api.v1.experiments[':id'].cancel.$post(idParam(id)));

/** Cells that will not run again. */
export const finishedCells = (p: ExperimentView['progress']): number => p.done + p.failed + p.cancelled;

/**
 * What a live event means for an open experiment page: its new status and progress, the running
 * cell's request count, and whether results must be refetched (a cell finished since the last load).
 */
export function liveUpdate(
  view: ExperimentView,
  finishedAtLoad: number,
  e: ExperimentEvent,
): { view: ExperimentView; running?: { done: number; total: number }; reload: boolean } | null {
  if (e.id !== view.id) return null;
  const running = e.cell?.done !== undefined && e.cell.total !== undefined ? { done: e.cell.done, total: e.cell.total } : undefined;
  return {
    view: { ...view, status: e.status, progress: e.progress },
    ...(running ? { running } : {}),
    reload: finishedCells(e.progress) !== finishedAtLoad,
  };
}
