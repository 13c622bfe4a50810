import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { accessControl } from './auth.ts';
import type { AppDeps } from './deps.ts';
import { jsonError } from './http-error.ts';
import { cancelRoutes } from './routes/cancel.ts';
import { cellPositionsRoutes } from './routes/cell-positions.ts';
import { cellsRoutes } from './routes/cells.ts';
import { compareRoutes } from './routes/compare.ts';
import { distillRoutes } from './routes/distill.ts';
import { eventsRoutes } from './routes/events.ts';
import { experimentsRoutes } from './routes/experiments.ts';
import { healthRoutes } from './routes/health.ts';
import { queuesRoutes } from './routes/queues.ts';
import { staticRoutes } from './routes/static.ts';
import { workersRoutes } from './routes/workers.ts';

export type { AppDeps } from './deps.ts';

/** The http api (docs/contracts.md "HTTP"). Errors are always JSON `{ error, message }`. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  if (deps.access) app.use('/v1/*', accessControl(deps.access));
  app.route('/v1/experiments', experimentsRoutes(deps));
  app.route('/v1/experiments', cancelRoutes(deps));
  app.route('/v1/cells', cellsRoutes(deps));
  app.route('/v1/cells', cellPositionsRoutes(deps));
  app.route('/v1/compare', compareRoutes(deps));
  app.route('/v1/distill', distillRoutes(deps));
  app.route('/v1/workers', workersRoutes(deps));
  app.route('/healthz', healthRoutes(deps));
  if (deps.events) app.route('/v1/events', eventsRoutes(deps.events));
  if (deps.queueDepths) app.route('/v1/queues', queuesRoutes(deps.queueDepths));
  // Last: it answers every other GET outside /v1 and /healthz with the dashboard.
  if (deps.dashboardDir) app.route('/', staticRoutes(deps.dashboardDir));

  app.notFound((c) => jsonError(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return jsonError(c, err.status, 'http_error', err.message);
    console.error(`[api] ${c.req.method} ${c.req.path} failed:`, err);
    return jsonError(c, 500, 'internal', `internal error: ${err.message}`);
  });
  return app;
}
