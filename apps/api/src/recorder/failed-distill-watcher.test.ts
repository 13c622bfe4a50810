import { getDistillJob } from '@inferlab/db';
import { DISTILL_QUEUES } from '@inferlab/experiments';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDistillEnqueuer } from '../distill/distill-enqueuer.ts';
import { SILENT_LOG } from '../log/logger.ts';
import { type AppFixture, createAppFixture, post, type RedisFixture, startRedisFixture } from '../test-harness.ts';
import { watchFailedDistillJobs } from './failed-distill-watcher.ts';

describe('distill jobs failed inside the queue', () => {
  let redis: RedisFixture;
  let f: AppFixture;
  let close: () => Promise<void>;
  beforeAll(async () => {
    redis = await startRedisFixture();
    const enqueuer = createDistillEnqueuer(redis.connection, { onError: () => {} });
    close = enqueuer.close;
    f = createAppFixture(redis, { enqueueDistill: enqueuer.enqueue });
  });
  afterAll(async () => {
    f.close();
    await close();
    await redis.close();
  });

  it('are marked failed with the queue reason when no worker reported them, live and at start', async () => {
    // A bare consumer that fails the job without publishing distill-failed, like a job that stalled past BullMQ's limit.
    const consumer = new Worker(
      DISTILL_QUEUES.cpu,
      async () => {
        throw new UnrecoverableError('job stalled more than allowable limit');
      },
      { connection: redis.connection },
    );
    const queue = new Queue(DISTILL_QUEUES.cpu, { connection: redis.connection });
    const getFailed = async () => (await queue.getJobCounts('failed')).failed ?? 0;
    const early = await post(f.app, '/v1/distill', { model: 'forge:gpt2-tiny', layers: [1] });
    const until = async (pred: () => boolean | Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (!(await pred()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    // Failed before any watcher listened: the sweep at start finds it.
    await until(async () => (await getFailed()) === 1);
    const recorded: string[] = [];
    const watcher = watchFailedDistillJobs({
      db: f.db,
      connection: redis.connection,
      log: SILENT_LOG,
      onRecorded: (id) => recorded.push(id),
    });
    try {
      await watcher.ready;
      expect(recorded).toEqual([early.json.id]);
      const live = await post(f.app, '/v1/distill', { model: 'forge:gpt2-tiny', layers: [1] });
      await until(() => recorded.length === 2);
      for (const id of [early.json.id, live.json.id]) {
        const row = getDistillJob(f.db, id);
        expect(row?.status).toBe('failed');
        expect(row?.error).toMatch(/queue gave up on the distill job: job stalled more than allowable limit/);
      }
    } finally {
      await consumer.close();
      await queue.close();
      await watcher.close();
    }
  });
});
