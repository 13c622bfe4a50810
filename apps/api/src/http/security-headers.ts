import type { MiddlewareHandler } from 'hono';

/**
 * On every api answer (`/v1/*`, `/healthz`), errors included: no MIME sniffing, and no caching by the
 * browser or a proxy (answers can hold data a token was needed for). Streams and the dashboard's
 * files set their own caching.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.res.headers.set('x-content-type-options', 'nosniff');
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  };
}
