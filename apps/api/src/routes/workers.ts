import { listWorkers } from '@inferlab/db';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';

/** A worker heartbeats every few seconds; this long without one and it is reported lost. */
export const WORKER_LOST_AFTER_MS = 30_000;

export function workersRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const now = (deps.now?.() ?? new Date()).getTime();
    const workers = listWorkers(deps.db).map((worker) => {
      const lastHeartbeatAgeMs = now - Date.parse(worker.lastHeartbeatAt);
      return { ...worker, status: lastHeartbeatAgeMs > WORKER_LOST_AFTER_MS ? 'lost' : 'alive', lastHeartbeatAgeMs };
    });
    return c.json({ workers });
  });
  return app;
}
