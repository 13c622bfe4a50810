import type { Cell, CellConfig, Matrix } from '@inferlab/experiments';
import { asc, count, desc, eq } from 'drizzle-orm';
import { addToProgress, emptyProgress, type Progress, progressOf } from './experiment-status.ts';
import type { Db } from './open-db.ts';
import { type CellStatus, cellsTable, type ExperimentStatus, experimentsTable } from './schema.ts';
import { isoNow } from './tx.ts';

export type ExperimentListItem = { id: string; name: string; createdAt: string; status: ExperimentStatus; progress: Progress };
export type ExperimentCellView = {
  id: string;
  index: number;
  status: CellStatus;
  attempt: number;
  error: string | null;
  config: CellConfig;
};
export type ExperimentView = ExperimentListItem & { matrix: Matrix; cells: ExperimentCellView[] };

/** Inserts the experiment and all its cells (status `queued`) in one transaction. */
export function createExperiment(
  db: Db,
  input: { id: string; name: string; matrix: Matrix; cells: readonly Cell[]; createdAt?: string },
): ExperimentListItem {
  const createdAt = input.createdAt ?? isoNow();
  db.transaction(
    (tx) => {
      tx.insert(experimentsTable).values({ id: input.id, name: input.name, createdAt, matrix: input.matrix, status: 'queued' }).run();
      for (const cell of input.cells) {
        tx.insert(cellsTable).values({ id: cell.id, experimentId: input.id, index: cell.index, config: cell.config }).run();
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
  const experiment = db.select().from(experimentsTable).where(eq(experimentsTable.id, id)).get();
  if (experiment === undefined) return null;
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
