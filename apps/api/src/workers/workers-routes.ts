import { type Db, listWorkers, type WorkerRow, workerNoise } from '@inferlab/db';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';

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

export function workersRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/', (c) => c.json({ workers: workersView(deps.db, (deps.now?.() ?? new Date()).getTime()) }));
  // A/A noise floor of one worker, from configs it ran twice (METRICS.md "Comparing two cells").
  app.get('/:id/noise', (c) => {
    const noise = workerNoise(deps.db, c.req.param('id'));
    const hint =
      noise.pairs.length === 0
        ? 'no A/A pair yet: this worker has not run any cell config twice; submit the same matrix again to calibrate it'
        : undefined;
    return c.json({ ...noise, ...(hint ? { message: hint } : {}) });
  });
  return app;
}
