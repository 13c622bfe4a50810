import {
  type CellConfig,
  type CellMetrics,
  cellMetrics,
  type Environment,
  PERCENTILE_METHOD,
  RESULTS_BOOTSTRAP,
} from '@inferlab/experiments';
import { asc, eq } from 'drizzle-orm';
import { loadRequestTimelines } from './cell-tokens.ts';
import { type ExperimentListItem, getExperimentSummary } from './experiments-repo.ts';
import type { Db } from './open-db.ts';
import { type CellStatus, cellsTable } from './schema.ts';

/** Per-cell entry of GET /v1/experiments/:id/results (docs/contracts.md). */
export type CellSummary = CellMetrics & {
  cellId: string;
  index: number;
  status: CellStatus;
  attempt: number;
  error: string | null;
  config: CellConfig;
  model: { file: string | null; sha256: string | null; fileBytes: number | null; paramCount: number | null; paramBytes: number | null };
  peakRssBytes: number | null;
  kvCacheBytes: number | null;
  cpu: { userMs: number; systemMs: number } | null;
  wallMs: number | null;
  environment: Environment | null;
  metricsVersion: string | null;
};

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
    cells: cells.map((cell) => ({
      cellId: cell.id,
      index: cell.index,
      status: cell.status,
      attempt: cell.attempt,
      error: cell.error,
      config: cell.config,
      ...cellMetrics({ variant: cell.config.variant, modelFileBytes: cell.modelFileBytes, requests: timelines.get(cell.id) ?? [] }),
      model: {
        file: cell.modelFile,
        sha256: cell.modelSha256,
        fileBytes: cell.modelFileBytes,
        paramCount: cell.modelParamCount,
        paramBytes: cell.modelParamBytes,
      },
      peakRssBytes: cell.memory?.peakRssBytes ?? null,
      kvCacheBytes: cell.memory?.kvCacheBytes ?? null,
      cpu: cell.cpu,
      wallMs: cell.wallMs,
      environment: cell.environment,
      metricsVersion: cell.metricsVersion,
    })),
  };
}
