import { getExperiment } from '@inferlab/db';
import { cancelKey } from '@inferlab/experiments';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, post, type RedisFixture, startRedisFixture } from '../test-harness.ts';

let redis: RedisFixture;
let f: AppFixture;
beforeAll(async () => {
  redis = await startRedisFixture();
});
afterAll(async () => {
  f?.close();
  await redis.close();
});
beforeEach(async () => {
  await redis.connection.flushall();
  f?.close();
  f = createAppFixture(redis);
});

const matrix = { models: ['forge:gpt2-tiny'], prompts: ['x'], maxNewTokens: [2, 3, 4], repetitions: 1, warmup: 0 };

describe('POST /v1/experiments/:id/cancel', () => {
  it('cancels queued cells, removes their jobs and tells workers', async () => {
    const created = await post(f.app, '/v1/experiments', matrix);
    expect(created.status).toBe(201);
    expect(await redis.enqueuer.queues.cpu.getJobCountByTypes('waiting')).toBe(3);

    const res = await post(f.app, `/v1/experiments/${created.json.id}/cancel`, {});
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ cancelled: 3, queued: 3, running: 0, removedJobs: 3 });
    expect(await redis.enqueuer.queues.cpu.getJobCountByTypes('waiting')).toBe(0);
    expect(await redis.connection.exists(cancelKey(created.json.id))).toBe(1);
    const view = getExperiment(f.db, created.json.id)!;
    expect(view.status).toBe('cancelled');
    expect(view.progress).toMatchObject({ total: 3, cancelled: 3, queued: 0 });
    expect(view.cells.every((c) => c.status === 'cancelled' && /cancelled at/.test(c.error ?? ''))).toBe(true);

    const again = await post(f.app, `/v1/experiments/${created.json.id}/cancel`, {});
    expect(again.json).toMatchObject({ cancelled: 0 });
  });

  it('404s an unknown experiment', async () => {
    const res = await post(f.app, '/v1/experiments/nope/cancel', {});
    expect(res.status).toBe(404);
    expect(res.json.message).toMatch(/no experiment nope/);
  });
});
