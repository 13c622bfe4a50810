import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { jsonError } from '../http/json-error.ts';
import { DOCS } from '../openapi/route-docs.ts';
import { withTimeout } from '../redis/with-timeout.ts';

const QUEUES_TIMEOUT_MS = 2000;

/** `GET /v1/queues` → `{ queues: QueueDepth[] }`; 503 while Redis does not answer; 404 without queues. */
export function queuesRoutes(deps: Pick<AppDeps, 'queueDepths'>) {
  return new Hono().get('/', DOCS.queues, async (c) => {
    if (deps.queueDepths === undefined) return jsonError(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`);
    try {
      const queues = await withTimeout(
        deps.queueDepths(),
        QUEUES_TIMEOUT_MS,
        () => new Error(`Redis did not answer within ${QUEUES_TIMEOUT_MS} ms`),
      );
      return c.json({ queues });
    } catch (err) {
      return jsonError(c, 503, 'queue_unavailable', `could not read the queues: ${(err as Error).message}`);
    }
  });
}
