import type { WorkerInfo } from '@inferlab/experiments';
import { asc } from 'drizzle-orm';
import type { Db } from './open-db.ts';
import { workersTable } from './schema.ts';

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
