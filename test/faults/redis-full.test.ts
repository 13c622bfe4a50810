// Redis at maxmemory with noeviction (as BullMQ needs): a submit answers 503 naming Redis, the
// experiment and everything stored before stay, and the cells are queued once memory is back.
import { CELL_JOB_NAME, cellQueueName } from '@inferlab/experiments';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, get, post, type RedisFixture, startRedisFixture } from '../../apps/api/src/test-harness.ts';

const matrix = (name: string) => ({ name, models: ['forge:gpt2-tiny'], prompts: ['a'], maxNewTokens: [4, 8], repetitions: 1, warmup: 0 });

describe('Redis at maxmemory', () => {
  let redis: RedisFixture;
  let f: AppFixture;
  beforeAll(async () => {
    redis = await startRedisFixture();
    f = createAppFixture(redis);
  });
  afterAll(async () => {
    f?.close();
    await redis?.close();
  });

  it('answers 503 naming Redis, loses nothing stored, and queues the cells once memory returns', async () => {
    const before = await post(f.app, '/v1/experiments', matrix('before'));
    expect(before.status).toBe(201);
    const queue = new Queue(cellQueueName('cpu'), { connection: redis.connection });
    const firstJobs = before.json.cells.map((c: { id: string }) => c.id) as string[];
    expect((await Promise.all(firstJobs.map((id) => queue.getJob(id)))).every((j) => j?.name === CELL_JOB_NAME)).toBe(true);

    // Fill Redis to a small maxmemory with filler keys until it refuses writes.
    const used = Number(/used_memory:(\d+)/.exec(await redis.connection.info('memory'))?.[1]);
    await redis.connection.config('SET', 'maxmemory', String(used + 256 * 1024));
    for (let i = 0; ; i++) {
      try {
        await redis.connection.set(`filler:${i}`, 'x'.repeat(16 * 1024));
      } catch (err) {
        expect((err as Error).message).toMatch(/OOM/);
        break;
      }
    }

    // At the boundary small writes can still fit; below it (noeviction) every write is refused.
    const full = Number(/used_memory:(\d+)/.exec(await redis.connection.info('memory'))?.[1]);
    await redis.connection.config('SET', 'maxmemory', String(full - 64 * 1024));
    await expect(redis.connection.set('probe', 'x')).rejects.toThrow(/OOM/);
    const during = await post(f.app, '/v1/experiments', matrix('during'));
    expect(during.status).toBe(503);
    expect(during.json.message).toMatch(/Redis is out of memory \(maxmemory reached/);
    const saved = await get(f.app, `/v1/experiments/${during.json.id}`);
    expect(saved.status).toBe(200); // stored in SQLite, waiting to be queued
    expect((await get(f.app, `/v1/experiments/${before.json.id}`)).json.cells).toHaveLength(2);
    expect((await Promise.all(firstJobs.map((id) => queue.getJob(id)))).every((j) => j !== undefined)).toBe(true); // nothing evicted

    await redis.connection.config('SET', 'maxmemory', '0');
    const resumed = await post(f.app, `/v1/experiments/${during.json.id}/enqueue`, {});
    expect(resumed.status).toBeLessThan(300);
    const ids = saved.json.cells.map((c: { id: string }) => c.id) as string[];
    expect((await Promise.all(ids.map((id) => queue.getJob(id)))).every((j) => j?.name === CELL_JOB_NAME)).toBe(true);
    await queue.close();
  });
});
