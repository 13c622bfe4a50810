import { count, eq } from 'drizzle-orm';
import { type CellStatus, cellsTable, type ExperimentStatus, experimentsTable } from './schema.ts';
import type { DbOrTx } from './tx.ts';

export type Progress = { total: number; queued: number; running: number; done: number; failed: number; cancelled: number };

export function emptyProgress(): Progress {
  return { total: 0, queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
}

/** Adds `n` cells of `status` to a progress count (mutates and returns it). */
export function addToProgress(progress: Progress, status: CellStatus, n: number): Progress {
  progress[status] += n;
  progress.total += n;
  return progress;
}

/**
 * An experiment is finished when every cell is: `cancelled` if any cell was cancelled, else `failed`
 * if any failed for good, else `done`.
 */
export function experimentStatusOf(p: Progress): ExperimentStatus {
  const finished = p.done + p.failed + p.cancelled;
  if (p.total > 0 && finished === p.total) return p.cancelled > 0 ? 'cancelled' : p.failed > 0 ? 'failed' : 'done';
  if (p.running + finished > 0) return 'running';
  return 'queued';
}

export function progressOf(db: DbOrTx, experimentId: string): Progress {
  const rows = db
    .select({ status: cellsTable.status, n: count() })
    .from(cellsTable)
    .where(eq(cellsTable.experimentId, experimentId))
    .groupBy(cellsTable.status)
    .all();
  return rows.reduce((p, row) => addToProgress(p, row.status, row.n), emptyProgress());
}

/** Recomputes the stored experiment status from its cells; called in every transaction that moves a cell. */
export function refreshExperimentStatus(tx: DbOrTx, experimentId: string): void {
  const status = experimentStatusOf(progressOf(tx, experimentId));
  tx.update(experimentsTable).set({ status }).where(eq(experimentsTable.id, experimentId)).run();
}
