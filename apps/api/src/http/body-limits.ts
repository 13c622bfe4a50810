import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { jsonError } from './json-error.ts';

/** A matrix: 64 prompts of 8,000 characters, even of 3-byte UTF-8, fit with room to spare. */
export const MAX_MATRIX_BYTES = 2 * 1024 * 1024;
/** Every other body (distill requests, cancel, enqueue): small JSON objects. */
export const MAX_BODY_BYTES = 64 * 1024;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A size limit on every request that may carry a body, chunked ones included (counted as they
 * stream in, refused once over: never read whole). POST /v1/experiments takes the matrix; the rest
 * take small objects.
 */
export function bodyLimits(): MiddlewareHandler {
  const tooLarge = (limit: number) =>
    bodyLimit({
      maxSize: limit,
      onError: (c) =>
        jsonError(
          c,
          413,
          'body_too_large',
          `the request body is over ${limit >= 2 ** 20 ? `${limit / 2 ** 20} MiB` : `${limit / 1024} KiB`}`,
        ),
    });
  const matrix = tooLarge(MAX_MATRIX_BYTES);
  const other = tooLarge(MAX_BODY_BYTES);
  return (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const isMatrix = c.req.method === 'POST' && c.req.path.replace(/\/+$/, '') === '/v1/experiments';
    return (isMatrix ? matrix : other)(c, next);
  };
}
