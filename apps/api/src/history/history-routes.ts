import { historyOfKey, latestRegressions, listHistoryKeys } from '@inferlab/db';
import type { HistoryOfKey, HistoryOverview } from '@inferlab/experiments';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { jsonError } from '../http/json-error.ts';
import { DOCS } from '../openapi/route-docs.ts';

const KEY = /^[0-9a-f]{16}$/;

/**
 * `GET /v1/history` — the keys with the most runs and the latest regressions; `?key=<key>` — every
 * run of one configuration key over time, one series per hardware, each run compared with its
 * predecessor (docs/contracts.md "History").
 */
export function historyRoutes(deps: Pick<AppDeps, 'db'>) {
  return new Hono().get('/', DOCS.history, (c) => {
    const key = c.req.query('key');
    const limitRaw = c.req.query('limit');
    const limit = limitRaw === undefined ? 20 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      return jsonError(c, 400, 'invalid_query', `limit: expected an integer from 1 to 500, got "${limitRaw}"`);
    }
    if (key === undefined)
      return c.json({ keys: listHistoryKeys(deps.db, limit), regressions: latestRegressions(deps.db, limit) } satisfies HistoryOverview);
    if (!KEY.test(key)) return jsonError(c, 400, 'invalid_query', `key: expected 16 hex digits (a key from GET /v1/history), got "${key}"`);
    const series = historyOfKey(deps.db, key);
    if (series.length === 0) return jsonError(c, 404, 'not_found', `no finished run has history key "${key}"`);
    return c.json({ key, series } satisfies HistoryOfKey);
  });
}
