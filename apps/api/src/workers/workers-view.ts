import { type Db, listWorkers, type WorkerRow } from '@inferlab/db';

/** A worker heartbeats every few seconds; this long without one and it is reported lost. */
export const WORKER_LOST_AFTER_MS = 30_000;

export type WorkerView = WorkerRow & { status: 'alive' | 'lost'; lastHeartbeatAgeMs: number };

/** The workers list of `GET /v1/workers`, also streamed by `GET /v1/events` on heartbeats. */
export function workersView(db: Db, nowMs: number): WorkerView[] {
  return listWorkers(db).map((worker) => {
    const lastHeartbeatAgeMs = nowMs - Date.parse(worker.lastHeartbeatAt);
    return { ...worker, status: lastHeartbeatAgeMs > WORKER_LOST_AFTER_MS ? 'lost' : 'alive', lastHeartbeatAgeMs };
  });
}
