import { PERCENTILE_METHOD, RESULTS_BOOTSTRAP } from '@inferlab/experiments';
import { asc, eq } from 'drizzle-orm';
import { type CellSummary, toCellSummary } from './cell-summary.ts';
import { loadRequestTimelines } from './cell-tokens.ts';
import { type ExperimentListItem, getExperimentSummary } from './experiments-repo.ts';
import type { Db } from './open-db.ts';
import { cellsTable } from './schema.ts';

export type { CellSummary } from './cell-summary.ts';

export type ExperimentResults = {
  experiment: ExperimentListItem;
  method: { percentile: string; bootstrap: typeof RESULTS_BOOTSTRAP };
  cells: CellSummary[];
};

/** Aggregates every cell of an experiment from its stored token timelines; null when unknown. */
export function getExperimentResults(db: Db, experimentId: string): ExperimentResults | null {
  const experiment = getExperimentSummary(db, experimentId);
  if (experiment === null) return null;
  const cells = db.select().from(cellsTable).where(eq(cellsTable.experimentId, experimentId)).orderBy(asc(cellsTable.index)).all();
  const timelines = loadRequestTimelines(db, eq(cellsTable.experimentId, experimentId));
  return {
    experiment,
    method: { percentile: PERCENTILE_METHOD, bootstrap: RESULTS_BOOTSTRAP },
    cells: cells.map((cell) => toCellSummary(cell, timelines.get(cell.id) ?? [])),
  };
}
