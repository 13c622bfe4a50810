import { getCellTokens } from '@inferlab/db';
import { type CellPositions, positionLatency } from '@inferlab/experiments';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { jsonError } from '../http/json-error.ts';
import { DOCS } from '../openapi/route-docs.ts';

/**
 * GET /v1/cells/:id/positions[?bucket=N]: ITL percentiles by output position and the decode slope
 * (ms per 100 tokens of context), so the cost of a growing sequence shows.
 */
export function cellPositionsRoutes(deps: Pick<AppDeps, 'db'>) {
  return new Hono().get('/:id/positions', DOCS.cellPositions, (c) => {
    const bucketParam = c.req.query('bucket');
    const bucket = bucketParam === undefined ? undefined : Number(bucketParam);
    if (bucket !== undefined && !(Number.isInteger(bucket) && bucket >= 1 && bucket <= 4096))
      return jsonError(c, 400, 'invalid_query', `bucket must be an integer from 1 to 4096, got ${JSON.stringify(bucketParam)}`);
    const tokens = getCellTokens(deps.db, c.req.param('id'));
    if (tokens === null) return jsonError(c, 404, 'not_found', `no cell with id "${c.req.param('id')}"`);
    return c.json({ cellId: tokens.cellId, ...positionLatency(tokens.requests, bucket) } satisfies CellPositions);
  });
}
