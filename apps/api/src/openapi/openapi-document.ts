import type { Hono } from 'hono';
import { openAPIRouteHandler } from 'hono-openapi';

/** Where the document is served; the docs page reads it from here. */
export const OPENAPI_PATH = '/v1/openapi.json';

/**
 * `GET /v1/openapi.json`: OpenAPI 3.1 built from the `describeRoute()` of every route, whose bodies
 * are the same zod schemas that validate requests and shape answers. Generated per request from
 * `app.routes`, so it is registered once every route is.
 */
// biome-ignore lint/suspicious/noExplicitAny: any app, whatever its route types
export function openApiHandler(app: Hono<any, any, any>) {
  return openAPIRouteHandler(app, {
    documentation: {
      openapi: '3.1.0',
      info: {
        title: 'inferlab API',
        version: '0.1.0',
        description:
          'Benchmark experiments on local inference engines. Errors are always JSON `{ error, message }`. ' +
          'Writes need a write token (Bearer) when one is configured; reads need a token only when read tokens are.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
}
