import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, get, post, type RedisFixture, startRedisFixture } from '../test-harness.ts';
import { bullQueueDepths } from './queue-depths.ts';

let redis: RedisFixture;
let f: AppFixture;
beforeAll(async () => {
  redis = await startRedisFixture();
  f = createAppFixture(redis, { queueDepths: bullQueueDepths(redis.enqueuer.queues) });
});
afterAll(async () => {
  f.close();
  await redis.close();
});

describe('GET /v1/queues', () => {
  it('counts the waiting cell jobs per device class', async () => {
    const created = await post(f.app, '/v1/experiments', {
      models: ['forge:gpt2-tiny'],
      prompts: ['a'],
      devices: ['cpu', 'cuda'],
      maxNewTokens: [4, 8],
    });
    expect(created.status).toBe(201);
    const res = await get(f.app, '/v1/queues');
    expect(res.status).toBe(200);
    expect(res.json.queues).toEqual([
      expect.objectContaining({ device: 'cpu', queue: 'cells-cpu', waiting: 2, active: 0, failed: 0 }),
      expect.objectContaining({ device: 'cuda', queue: 'cells-cuda', waiting: 2, active: 0, failed: 0 }),
    ]);
  });

  it('answers 503 when the queues cannot be read', async () => {
    const down = createAppFixture(null, { queueDepths: () => Promise.reject(new Error('connection refused')) });
    try {
      const res = await get(down.app, '/v1/queues');
      expect(res).toEqual({ status: 503, json: { error: 'queue_unavailable', message: 'could not read the queues: connection refused' } });
    } finally {
      down.close();
    }
  });
});
