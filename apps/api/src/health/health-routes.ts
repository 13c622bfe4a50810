import { isDbUp } from '@inferlab/db';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';

const REDIS_PING_TIMEOUT_MS = 1000;

export function healthRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const [redis, db] = await Promise.all([redisUp(deps), Promise.resolve(isDbUp(deps.db))]);
    const ok = redis && db;
    return c.json({ ok, redis, db }, ok ? 200 : 503);
  });
  return app;
}

async function redisUp(deps: AppDeps): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), REDIS_PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([deps.redisPing().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
