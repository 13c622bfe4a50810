import { describe, expect, it } from 'vitest';
import { createAppFixture, get, startRedisFixture } from '../test-harness.ts';

describe('GET /healthz', () => {
  it('is ok when redis and the database answer', async () => {
    const f = createAppFixture(null, { redisPing: async () => true });
    try {
      expect(await get(f.app, '/healthz')).toEqual({ status: 200, json: { ok: true, redis: true, db: true } });
    } finally {
      f.close();
    }
  });

  it('answers 503 naming what is down, including a ping that throws or hangs', async () => {
    for (const redisPing of [async () => false, async () => Promise.reject(new Error('down')), () => new Promise<boolean>(() => {})]) {
      const f = createAppFixture(null, { redisPing });
      try {
        expect(await get(f.app, '/healthz')).toEqual({ status: 503, json: { ok: false, redis: false, db: true } });
      } finally {
        f.close();
      }
    }
  });

  it('reports the database down once it is closed', async () => {
    const f = createAppFixture(null, { redisPing: async () => true });
    f.sqlite.close();
    expect(await get(f.app, '/healthz')).toEqual({ status: 503, json: { ok: false, redis: true, db: false } });
    f.close();
  });

  it('pings a real redis-server, and reports it down once it stops', async () => {
    const redis = await startRedisFixture();
    const f = createAppFixture(redis);
    try {
      expect(await get(f.app, '/healthz')).toEqual({ status: 200, json: { ok: true, redis: true, db: true } });
      await redis.server.stop();
      await new Promise((r) => setTimeout(r, 100)); // let ioredis notice the closed socket
      expect(await get(f.app, '/healthz')).toEqual({ status: 503, json: { ok: false, redis: false, db: true } });
    } finally {
      f.close();
      redis.connection.disconnect();
      await redis.enqueuer.close().catch(() => {});
    }
  });
});
