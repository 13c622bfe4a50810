import { isDbUp } from '@inferlab/db';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { DOCS } from '../openapi/route-docs.ts';
import { withTimeout } from '../redis/with-timeout.ts';

const REDIS_PING_TIMEOUT_MS = 1000;

/** `GET /healthz`: 200 when Redis answers a ping within a second and SQLite answers, else 503 naming what is down. */
export function healthRoutes(deps: Pick<AppDeps, 'db' | 'redisPing'>) {
  return new Hono().get('/', DOCS.health, async (c) => {
    const redisUp = withTimeout(deps.redisPing(), REDIS_PING_TIMEOUT_MS, () => new Error('ping timed out')).catch(() => false);
    const [redis, db] = await Promise.all([redisUp, Promise.resolve(isDbUp(deps.db))]);
    const ok = redis && db;
    return c.json({ ok, redis, db }, ok ? 200 : 503);
  });
}
