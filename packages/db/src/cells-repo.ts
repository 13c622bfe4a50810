import { eq, inArray } from 'drizzle-orm';
import { refreshExperimentStatus } from './experiment-status.ts';
import type { Db } from './open-db.ts';
import { cellsTable } from './schema.ts';
import { isoNow } from './tx.ts';

/** Why a write was skipped; the recorder logs it. */
export type SkipReason = 'unknown-cell' | 'already-done' | 'already-failed' | 'cancelled' | 'stale-attempt';
export type WriteOutcome = { updated: true } | { updated: false; reason: SkipReason };

export type CellRow = typeof cellsTable.$inferSelect;

export function getCell(db: Db, cellId: string): CellRow | null {
  return db.select().from(cellsTable).where(eq(cellsTable.id, cellId)).get() ?? null;
}

/**
 * A worker took the cell. Never downgrades a finished (done or failed) cell, and ignores a start
 * older than the attempt already recorded (messages of a retried job can arrive out of order).
 */
export function markCellRunning(db: Db, input: { cellId: string; attempt: number; workerId: string; at: string }): WriteOutcome {
  return db.transaction(
    (tx) => {
      const cell = tx.select().from(cellsTable).where(eq(cellsTable.id, input.cellId)).get();
      if (cell === undefined) return { updated: false, reason: 'unknown-cell' } as const;
      if (cell.status === 'done') return { updated: false, reason: 'already-done' } as const;
      if (cell.status === 'failed') return { updated: false, reason: 'already-failed' } as const;
      if (cell.status === 'cancelled') return { updated: false, reason: 'cancelled' } as const;
      if (input.attempt < cell.attempt) return { updated: false, reason: 'stale-attempt' } as const;
      tx.update(cellsTable)
        .set({ status: 'running', attempt: input.attempt, workerId: input.workerId, startedAt: input.at })
        .where(eq(cellsTable.id, input.cellId))
        .run();
      refreshExperimentStatus(tx, cell.experimentId);
      return { updated: true } as const;
    },
    { behavior: 'immediate' },
  );
}

/**
 * An attempt failed. `final` marks the cell failed with the reason; otherwise BullMQ will retry, so
 * the cell goes back to `queued` (it waits in the queue) keeping the last error for display.
 * A done cell is never overwritten.
 */
export function recordCellFailure(
  db: Db,
  input: { cellId: string; attempt: number; reason: string; final: boolean; workerId?: string },
): WriteOutcome {
  return db.transaction(
    (tx) => {
      const cell = tx.select().from(cellsTable).where(eq(cellsTable.id, input.cellId)).get();
      if (cell === undefined) return { updated: false, reason: 'unknown-cell' } as const;
      if (cell.status === 'done') return { updated: false, reason: 'already-done' } as const;
      if (cell.status === 'cancelled') return { updated: false, reason: 'cancelled' } as const;
      if (input.attempt < cell.attempt) return { updated: false, reason: 'stale-attempt' } as const;
      const workerId = input.workerId ?? cell.workerId;
      const change = input.final
        ? { status: 'failed' as const, finishedAt: isoNow() }
        : { status: cell.status === 'failed' ? ('failed' as const) : ('queued' as const) };
      tx.update(cellsTable)
        .set({ ...change, attempt: input.attempt, error: input.reason, workerId })
        .where(eq(cellsTable.id, input.cellId))
        .run();
      refreshExperimentStatus(tx, cell.experimentId);
      return { updated: true } as const;
    },
    { behavior: 'immediate' },
  );
}

/** Cells not finished (queued or running), for the api's start-up sweep of the queues. */
export function listOpenCellIds(db: Db): string[] {
  return db
    .select({ id: cellsTable.id })
    .from(cellsTable)
    .where(inArray(cellsTable.status, ['queued', 'running']))
    .all()
    .map((c) => c.id);
}
