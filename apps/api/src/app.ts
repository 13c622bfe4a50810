import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { cellPositionsRoutes } from './cells/cell-positions-routes.ts';
import { cellsRoutes } from './cells/cells-routes.ts';
import { compareRoutes } from './compare/compare-routes.ts';
import type { AppDeps } from './deps.ts';
import { distillRoutes } from './distill/distill-routes.ts';
import { eventsRoutes } from './events/events-routes.ts';
import { cancelRoutes } from './experiments/cancel-routes.ts';
import { experimentsRoutes } from './experiments/experiments-routes.ts';
import { reportRoutes } from './experiments/report-routes.ts';
import { healthRoutes } from './health/health-routes.ts';
import { historyRoutes } from './history/history-routes.ts';
import { accessControl } from './http/auth.ts';
import { bodyLimits } from './http/body-limits.ts';
import { jsonError } from './http/json-error.ts';
import { openModeGuard } from './http/open-mode-guard.ts';
import { securityHeaders } from './http/security-headers.ts';
import { DEFAULT_LOG } from './log/logger.ts';
import { docsRoutes } from './openapi/docs-routes.ts';
import { OPENAPI_PATH, openApiHandler } from './openapi/openapi-document.ts';
import { cellOutputsRoutes, experimentOutputsRoutes } from './outputs/outputs-routes.ts';
import { queuesRoutes } from './queues/queues-routes.ts';
import { staticRoutes } from './static/static-routes.ts';
import { trainRoutes } from './train/train-routes.ts';
import { workersRoutes } from './workers/workers-routes.ts';

export type { AppDeps } from './deps.ts';

/** The http api (docs/contracts.md "HTTP"). Errors are always JSON `{ error, message }`. */
export function createApp(deps: AppDeps) {
  const log = deps.log ?? DEFAULT_LOG;
  const app = new Hono();
  app.use('/v1/*', securityHeaders());
  app.use('/healthz', securityHeaders());
  app.use('/docs/*', securityHeaders());
  // Without a write token anyone who reaches the port may write: refuse the web pages they visit.
  if ((deps.access?.writeTokens.length ?? 0) === 0) app.use('*', openModeGuard({ publicHosts: deps.publicHosts ?? [] }));
  app.use('/v1/*', bodyLimits());
  if (deps.access) app.use('/v1/*', accessControl(deps.access));
  // Chained, so the type of the result describes every route (hono/client infers from it).
  const api = app
    .route('/v1/experiments', experimentsRoutes(deps))
    .route('/v1/experiments', cancelRoutes(deps))
    .route('/v1/experiments', reportRoutes(deps))
    .route('/v1/experiments', experimentOutputsRoutes(deps))
    .route('/v1/cells', cellsRoutes(deps))
    .route('/v1/cells', cellPositionsRoutes(deps))
    .route('/v1/cells', cellOutputsRoutes(deps))
    .route('/v1/history', historyRoutes(deps))
    .route('/v1/compare', compareRoutes(deps))
    .route('/v1/distill', distillRoutes(deps))
    .route('/v1/train', trainRoutes(deps))
    .route('/v1/workers', workersRoutes(deps))
    .route('/v1/queues', queuesRoutes(deps))
    .route('/healthz', healthRoutes(deps));
  // Server-sent events: read by EventSource, not by a typed client.
  if (deps.events) app.route('/v1/events', eventsRoutes(deps.events));
  // Outside the chain: the document describes the api, it is not part of the typed client.
  app.get(OPENAPI_PATH, openApiHandler(app));
  app.route('/docs', docsRoutes());
  // Last: it answers every other GET outside /v1 and /healthz with the dashboard.
  if (deps.dashboardDir) app.route('/', staticRoutes(deps.dashboardDir));

  app.notFound((c) => jsonError(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return jsonError(c, err.status, 'http_error', err.message);
    log.error(`${c.req.method} ${c.req.path} failed: ${err.message}`, { method: c.req.method, path: c.req.path, err });
    return jsonError(c, 500, 'internal', `internal error: ${err.message}`);
  });
  return api;
}

/** The api's routes as types, for `hc<AppType>(url)` (hono/client) in the CLI and the dashboard. */
export type AppType = ReturnType<typeof createApp>;
