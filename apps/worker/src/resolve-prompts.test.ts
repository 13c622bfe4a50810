import { expandMatrix, parseMatrix, promptsKey, queuedCellJob, RESULTS_QUEUE, resultMessageSchema } from '@inferlab/experiments';
import { type Job, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../test/helpers/redis-server.ts';
import { syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { ResultsQueue, withResolvedPrompts } from './resolve-prompts.ts';

let server: RedisHandle;
let connection: Redis;
beforeAll(async () => {
  server = await startRedis();
  connection = new Redis(server.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  await connection.quit();
  await server.stop();
});

const matrix = parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['one', 'two'], repetitions: 2, warmup: 0 });
const [cell] = expandMatrix('e1', matrix);
const config = (cell as NonNullable<typeof cell>).config;
const result = syntheticCellResult({ cellId: 'c1', experimentId: 'e1', config });
const job = { experimentId: 'e1', cellId: 'c1', config };

describe('prompts between the api, the worker and the recorder', () => {
  it('the processor gets the whole job from a queued one and its experiment key', async () => {
    await connection.set(promptsKey('e1'), JSON.stringify(matrix.prompts));
    const seen: unknown[] = [];
    const run = withResolvedPrompts(
      (k) => connection.get(k),
      async (j) => seen.push(j.data),
    );
    await run({ data: queuedCellJob(job) } as unknown as Job);
    expect(seen).toEqual([job]);
  });

  it('prompts gone from Redis fail the job for good (UnrecoverableError), not three times', async () => {
    const run = withResolvedPrompts(
      async () => null,
      async () => 'ran',
    );
    await expect(run({ data: queuedCellJob(job) } as unknown as Job)).rejects.toBeInstanceOf(UnrecoverableError);
  });

  it('a cell-result is queued without the prompts and still validates for the recorder', async () => {
    const results = new ResultsQueue(RESULTS_QUEUE, { connection });
    try {
      const added = await results.add('cell-result', { kind: 'cell-result', ...result });
      const stored = await results.getJob(added.id ?? '');
      expect(stored?.data.kind === 'cell-result' && stored.data.config.prompts).toBe(undefined);
      expect(resultMessageSchema.safeParse(stored?.data).success).toBe(true);
      const heartbeat = { kind: 'worker-heartbeat' as const, worker: { id: 'w' } } as never;
      expect((await results.add('worker-heartbeat', heartbeat)).data).toEqual(heartbeat);
    } finally {
      await results.close();
    }
  });
});
