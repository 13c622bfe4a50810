import type { WorkerInfo } from '@inferlab/experiments';
import { asc, eq } from 'drizzle-orm';
import type { Db } from './open-db.ts';
import { cellsTable, workersTable } from './schema.ts';

export type WorkerRow = typeof workersTable.$inferSelect;

/** Records a worker's heartbeat: its identity (refreshed each time: a restart keeps the id) and current cell. */
export function upsertWorkerHeartbeat(db: Db, input: { worker: WorkerInfo; currentCellId: string | null; at: string }): void {
  const { worker } = input;
  const row = {
    host: worker.host,
    deviceClass: worker.deviceClass,
    executionProvider: worker.executionProvider,
    threads: worker.threads,
    pid: worker.pid,
    versions: worker.versions,
    startedAt: worker.startedAt,
    lastHeartbeatAt: input.at,
    currentCellId: input.currentCellId,
  };
  db.insert(workersTable)
    .values({ id: worker.id, ...row })
    .onConflictDoUpdate({ target: workersTable.id, set: row })
    .run();
}

export function listWorkers(db: Db): WorkerRow[] {
  return db.select().from(workersTable).orderBy(asc(workersTable.id)).all();
}

/** A worker the platform has heard of: it sent a heartbeat or ran a cell. */
export function isKnownWorker(db: Db, workerId: string): boolean {
  const heard = db.select({ id: workersTable.id }).from(workersTable).where(eq(workersTable.id, workerId)).get();
  return (
    heard !== undefined ||
    db.select({ id: cellsTable.id }).from(cellsTable).where(eq(cellsTable.workerId, workerId)).limit(1).get() !== undefined
  );
}
