import { and, eq, inArray } from 'drizzle-orm';
import { refreshExperimentStatus } from './experiment-status.ts';
import type { Db } from './open-db.ts';
import { cellsTable, experimentsTable } from './schema.ts';
import { isoNow } from './tx.ts';

export type CancelOutcome = { found: false } | { found: true; queued: string[]; running: string[] };

/**
 * Marks every cell not yet finished `cancelled`, in one transaction, and says which were queued
 * (their jobs can be removed) and which were running (their workers must be told to stop).
 * Finished cells keep their results. Cancelled is final: a running cell's result that still arrives
 * is not recorded (recordCellResult), so a finished experiment's cells never change state.
 */
export function cancelExperiment(db: Db, experimentId: string, at: string = isoNow()): CancelOutcome {
  return db.transaction(
    (tx) => {
      const experiment = tx.select({ id: experimentsTable.id }).from(experimentsTable).where(eq(experimentsTable.id, experimentId)).get();
      if (experiment === undefined) return { found: false } as const;
      const open = tx
        .select({ id: cellsTable.id, status: cellsTable.status })
        .from(cellsTable)
        .where(and(eq(cellsTable.experimentId, experimentId), inArray(cellsTable.status, ['queued', 'running'])))
        .all();
      if (open.length > 0) {
        tx.update(cellsTable)
          .set({ status: 'cancelled', error: `cancelled at ${at}`, finishedAt: at })
          .where(
            inArray(
              cellsTable.id,
              open.map((c) => c.id),
            ),
          )
          .run();
        refreshExperimentStatus(tx, experimentId);
      }
      return {
        found: true,
        queued: open.filter((c) => c.status === 'queued').map((c) => c.id),
        running: open.filter((c) => c.status === 'running').map((c) => c.id),
      } as const;
    },
    { behavior: 'immediate' },
  );
}
