import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps } from './deps.ts';
import { jsonError } from './http-error.ts';
import { cellsRoutes } from './routes/cells.ts';
import { experimentsRoutes } from './routes/experiments.ts';
import { healthRoutes } from './routes/health.ts';
import { workersRoutes } from './routes/workers.ts';

export type { AppDeps } from './deps.ts';

/** The http api (docs/contracts.md "HTTP"). Errors are always JSON `{ error, message }`. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.route('/v1/experiments', experimentsRoutes(deps));
  app.route('/v1/cells', cellsRoutes(deps));
  app.route('/v1/workers', workersRoutes(deps));
  app.route('/healthz', healthRoutes(deps));

  app.notFound((c) => jsonError(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return jsonError(c, err.status, 'http_error', err.message);
    console.error(`[api] ${c.req.method} ${c.req.path} failed:`, err);
    return jsonError(c, 500, 'internal', `internal error: ${err.message}`);
  });
  return app;
}
