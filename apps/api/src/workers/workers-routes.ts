import { isKnownWorker, workerNoise } from '@inferlab/db';
import type { WorkerNoiseView } from '@inferlab/experiments';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { jsonError } from '../http/json-error.ts';
import { DOCS } from '../openapi/route-docs.ts';
import { workersView } from './workers-view.ts';

/** `GET /v1/workers` and a worker's A/A noise floor. */
export function workersRoutes(deps: AppDeps) {
  return (
    new Hono()
      .get('/', DOCS.listWorkers, (c) => c.json({ workers: workersView(deps.db, (deps.now?.() ?? new Date()).getTime()) }))
      // A/A noise floor of one worker, from configs it ran twice (docs/metrics.md "Comparing two cells").
      .get('/:id/noise', DOCS.workerNoise, (c) => {
        if (!isKnownWorker(deps.db, c.req.param('id'))) {
          return jsonError(
            c,
            404,
            'not_found',
            `no worker with id "${c.req.param('id')}" has sent a heartbeat or run a cell (see GET /v1/workers)`,
          );
        }
        const noise = workerNoise(deps.db, c.req.param('id'));
        const hint =
          noise.pairs.length === 0
            ? 'no A/A pair yet: this worker has not run any cell config twice; submit the same matrix again to calibrate it'
            : undefined;
        return c.json({ ...noise, ...(hint ? { message: hint } : {}) } satisfies WorkerNoiseView);
      })
  );
}
