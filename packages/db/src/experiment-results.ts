import { PERCENTILE_METHOD, RESULTS_BOOTSTRAP } from '@inferlab/experiments';
import { asc, eq, inArray } from 'drizzle-orm';
import { type CellSummary, toCellSummary } from './cell-summary.ts';
import { loadRequestTimelines, type RequestTokens } from './cell-tokens.ts';
import { type ExperimentListItem, getExperimentSummary } from './experiments-repo.ts';
import type { Db } from './open-db.ts';
import { cellsTable, requestsTable } from './schema.ts';
import { cachedSummary, rememberSummary } from './summary-cache.ts';

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
  const missing = cells.filter((cell) => cachedSummary(db, cell) === undefined).map((cell) => cell.id);
  const timelines = new Map<string, RequestTokens[]>();
  for (let i = 0; i < missing.length; i += 500) {
    for (const [id, t] of loadRequestTimelines(db, inArray(requestsTable.cellId, missing.slice(i, i + 500)))) timelines.set(id, t);
  }
  return {
    experiment,
    method: { percentile: PERCENTILE_METHOD, bootstrap: RESULTS_BOOTSTRAP },
    cells: cells.map((cell) => {
      const known = cachedSummary(db, cell);
      if (known) return known;
      const summary = toCellSummary(cell, timelines.get(cell.id) ?? []);
      rememberSummary(db, cell, summary);
      return summary;
    }),
  };
}
