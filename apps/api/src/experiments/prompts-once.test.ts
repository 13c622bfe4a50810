// Issue #19.2: storage grows with what a user means, not with the product of the matrix. The
// probe's request — 64 prompts of 8,000 characters (512 KB) over 64 cells — added 34 MB to Redis,
// 33 MB to SQLite and answered 33 MB. The prompts are now the experiment's: once in SQLite (the
// matrix), once in Redis (promptsKey), referenced by the cells and their jobs.
import { statSync } from 'node:fs';
import { getExperiment } from '@inferlab/db';
import { promptsKey } from '@inferlab/experiments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, type RedisFixture, startRedisFixture } from '../test-harness.ts';

let redis: RedisFixture;
let f: AppFixture;
beforeAll(async () => {
  redis = await startRedisFixture();
  f = createAppFixture(redis);
});
afterAll(async () => {
  f.close();
  await redis.close();
});

const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.connection.info('memory'))?.[1]);
const sqliteBytes = () => {
  f.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  return statSync(f.sqlite.name).size;
};

describe('64 prompts × 8,000 characters over 64 cells', () => {
  it('costs Redis, SQLite and the answer a few times the request, not 64 times', async () => {
    const prompts = Array.from({ length: 64 }, (_, i) => `${i}: ${'lorem ipsum dolor sit amet '.repeat(400)}`.slice(0, 8000));
    const body = JSON.stringify({
      models: ['forge:gpt2-tiny'],
      prompts,
      maxNewTokens: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
      threads: [1, 2, 3, 4],
      repetitions: 1,
      warmup: 0,
    });
    // BullMQ loads its Lua scripts into Redis on first use: a small experiment first, so they are not counted.
    const warm = await f.app.request('/v1/experiments', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ models: ['forge:gpt2-tiny'], prompts: ['warm'], maxNewTokens: [1] }),
    });
    expect(warm.status).toBe(201);
    const redisBefore = await usedMemory();
    const sqliteBefore = sqliteBytes();
    const res = await f.app.request('/v1/experiments', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = await res.text();
    expect(res.status).toBe(201);
    const { id, cells } = JSON.parse(answer) as { id: string; cells: unknown[] };
    expect(cells).toHaveLength(64);
    const redisAdded = (await usedMemory()) - redisBefore;
    const sqliteAdded = sqliteBytes() - sqliteBefore;
    const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
    console.log(
      `request ${mb(body.length)}: Redis +${mb(redisAdded)}, SQLite +${mb(sqliteAdded)}, answer ${mb(answer.length)} (before: 34, 33, 33 MB)`,
    );
    expect(body.length).toBeGreaterThan(500_000);
    expect(redisAdded).toBeLessThan(3 * body.length);
    expect(sqliteAdded).toBeLessThan(3 * body.length);
    expect(answer.length).toBeLessThan(body.length / 10);

    // Nothing is lost: the prompts are in the experiment and in Redis once, each job points at them.
    expect(getExperiment(f.db, id)?.matrix.prompts).toEqual(prompts);
    expect(JSON.parse((await redis.connection.get(promptsKey(id))) ?? 'null')).toEqual(prompts);
    const job = await redis.enqueuer.queues.cpu.getJob((cells[0] as { id: string }).id);
    expect(job?.data.promptsKey).toBe(promptsKey(id));
    expect(job?.data.config.prompts).toBeUndefined();
  }, 30_000);
});
