import type { Cell, Matrix } from '@inferlab/experiments';
import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import { storedCellConfig } from './cell-prompts.ts';
import { addToProgress, emptyProgress, type Progress, progressOf } from './experiment-status.ts';
import type { Db } from './open-db.ts';
import { type CellStatus, cellsTable, type ExperimentStatus, experimentsTable, type StoredCellConfig } from './schema.ts';
import { isoNow } from './tx.ts';

export type ExperimentListItem = { id: string; name: string; createdAt: string; status: ExperimentStatus; progress: Progress };
export type ExperimentCellView = {
  id: string;
  index: number;
  status: CellStatus;
  attempt: number;
  error: string | null;
  /** Without the prompts: they are the experiment's (`matrix.prompts`), listed once. */
  config: StoredCellConfig;
};
export type ExperimentView = ExperimentListItem & { matrix: Matrix; cells: ExperimentCellView[] };

/** Inserts the experiment and all its cells (status `queued`) in one transaction. */
export function createExperiment(
  db: Db,
  input: { id: string; name: string; matrix: Matrix; cells: readonly Cell[]; createdAt?: string; owner?: string },
): ExperimentListItem {
  const createdAt = input.createdAt ?? isoNow();
  db.transaction(
    (tx) => {
      const experiment = {
        id: input.id,
        name: input.name,
        createdAt,
        matrix: input.matrix,
        status: 'queued' as const,
        owner: input.owner ?? null,
      };
      tx.insert(experimentsTable).values(experiment).run();
      for (const cell of input.cells) {
        tx.insert(cellsTable)
          .values({ id: cell.id, experimentId: input.id, index: cell.index, config: storedCellConfig(cell.config) })
          .run();
      }
    },
    { behavior: 'immediate' },
  );
  const progress = addToProgress(emptyProgress(), 'queued', input.cells.length);
  return { id: input.id, name: input.name, createdAt, status: 'queued', progress };
}

/** Newest first, with per-status cell counts (one grouped query for all experiments). */
export function listExperiments(db: Db): ExperimentListItem[] {
  const experiments = db
    .select({
      id: experimentsTable.id,
      name: experimentsTable.name,
      createdAt: experimentsTable.createdAt,
      status: experimentsTable.status,
    })
    .from(experimentsTable)
    .orderBy(desc(experimentsTable.createdAt), asc(experimentsTable.id))
    .all();
  const counts = db
    .select({ experimentId: cellsTable.experimentId, status: cellsTable.status, n: count() })
    .from(cellsTable)
    .groupBy(cellsTable.experimentId, cellsTable.status)
    .all();
  const progress = new Map<string, Progress>();
  for (const row of counts) {
    const p = progress.get(row.experimentId) ?? emptyProgress();
    progress.set(row.experimentId, addToProgress(p, row.status, row.n));
  }
  return experiments.map((e) => ({ ...e, progress: progress.get(e.id) ?? emptyProgress() }));
}

/** One experiment's header and progress, without its cells; null when unknown. */
export function getExperimentSummary(db: Db, id: string): ExperimentListItem | null {
  const experiment = db
    .select({
      id: experimentsTable.id,
      name: experimentsTable.name,
      createdAt: experimentsTable.createdAt,
      status: experimentsTable.status,
    })
    .from(experimentsTable)
    .where(eq(experimentsTable.id, id))
    .get();
  return experiment === undefined ? null : { ...experiment, progress: progressOf(db, id) };
}

/** One experiment with its matrix, progress and cells in index order; null when unknown. */
export function getExperiment(db: Db, id: string): ExperimentView | null {
  const row = db.select().from(experimentsTable).where(eq(experimentsTable.id, id)).get();
  if (row === undefined) return null;
  const { owner: _owner, ...experiment } = row;
  const cells = db
    .select({
      id: cellsTable.id,
      index: cellsTable.index,
      status: cellsTable.status,
      attempt: cellsTable.attempt,
      error: cellsTable.error,
      config: cellsTable.config,
    })
    .from(cellsTable)
    .where(eq(cellsTable.experimentId, id))
    .orderBy(asc(cellsTable.index))
    .all();
  return { ...experiment, progress: progressOf(db, id), cells };
}

/** What one submitter has open (queued or running): experiments, cells, and tokens those cells requested. */
export type OpenWork = { experiments: number; cells: number; requestedTokens: number };

/**
 * For quotas: the submitter's unfinished cells, and per cell prompts × (repetitions + warmup) ×
 * maxNewTokens generated tokens requested (read from the stored JSON, one grouped query).
 */
export function openWorkOf(db: Db, owner: string): OpenWork {
  const row = db
    .select({
      experiments: sql<number>`count(distinct ${experimentsTable.id})`,
      cells: count(cellsTable.id),
      requestedTokens: sql<number>`coalesce(sum(
        json_array_length(${experimentsTable.matrix}, '$.prompts')
        * (json_extract(${experimentsTable.matrix}, '$.repetitions') + json_extract(${experimentsTable.matrix}, '$.warmup'))
        * json_extract(${cellsTable.config}, '$.maxNewTokens')), 0)`,
    })
    .from(cellsTable)
    .innerJoin(experimentsTable, eq(experimentsTable.id, cellsTable.experimentId))
    .where(and(eq(experimentsTable.owner, owner), inArray(cellsTable.status, ['queued', 'running'])))
    .get();
  return { experiments: row?.experiments ?? 0, cells: row?.cells ?? 0, requestedTokens: row?.requestedTokens ?? 0 };
}
