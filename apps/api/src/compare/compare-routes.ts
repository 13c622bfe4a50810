import { getCellSummary } from '@inferlab/db';
import { compareCells, noiseFloor, RESULTS_BOOTSTRAP } from '@inferlab/experiments';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { withoutHostPaths } from '../http/host-paths.ts';
import { jsonError } from '../http/json-error.ts';
import { DOCS } from '../openapi/route-docs.ts';

/** GET /v1/compare?a=<cellId>&b=<cellId>: b against a, per metric (docs/contracts.md). */
export function compareRoutes(deps: Pick<AppDeps, 'db'>) {
  return new Hono().get('/', DOCS.compare, (c) => {
    const ids = { a: c.req.query('a'), b: c.req.query('b') };
    const missing = (['a', 'b'] as const).filter((k) => !ids[k]);
    if (missing.length > 0)
      return jsonError(
        c,
        400,
        'invalid_query',
        `missing query parameter ${missing.join(' and ')}: use /v1/compare?a=<cell id>&b=<cell id>`,
        {
          missing,
        },
      );
    const cells = { a: getCellSummary(deps.db, ids.a as string), b: getCellSummary(deps.db, ids.b as string) };
    for (const k of ['a', 'b'] as const) {
      if (cells[k] === null) return jsonError(c, 404, 'not_found', `no cell with id "${ids[k]}" (${k})`, { cell: k });
    }
    for (const k of ['a', 'b'] as const) {
      const cell = cells[k];
      if (cell !== null && (cell.summary.status !== 'done' || cell.requests.length === 0))
        return jsonError(c, 409, 'no_results', `cell "${ids[k]}" (${k}) has no results yet (status ${cell.summary.status})`, {
          cell: k,
          status: cell.summary.status,
        });
    }
    const a = cells.a as NonNullable<typeof cells.a>;
    const b = cells.b as NonNullable<typeof cells.b>;
    const { method, metrics, refused } = compareCells(a.requests, b.requests, RESULTS_BOOTSTRAP);
    const side = (s: typeof a.summary) => ({ config: s.config, host: s.environment?.host ?? null });
    const aa = noiseFloor(side(a.summary), side(b.summary), metrics);
    return c.json({ a: withoutHostPaths(a.summary), b: withoutHostPaths(b.summary), method, metrics, refused, aa });
  });
}
