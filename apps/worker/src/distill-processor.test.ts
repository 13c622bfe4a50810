// The distill processor on a real Redis through BullMQ, with a stand-in inference host: progress
// (every phase change and the last step, steps in between at most once a second), the result, failures.
import {
  createDistillRequestSchema,
  type DistillJob,
  type DistillProgressPayload,
  RESULTS_QUEUE,
  type ResultMessage,
} from '@inferlab/experiments';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../test/helpers/redis-server.ts';
import { createDistillProcessor } from './distill-processor.ts';
import type { DistillOutcome } from './distill-task.ts';
import { InferenceError, type InferenceHost } from './inference-host.ts';
import { createWorkerLogger } from './logger.ts';

const JOB: DistillJob = {
  distillId: 'd1',
  request: createDistillRequestSchema().parse({ model: 'forge:gpt2-tiny', layers: [1] }),
  createdAt: '2026-12-03T08:00:00.000Z',
};
const OUTCOME: DistillOutcome = {
  version: '20261203T080000Z-1a2b3c4d',
  modelSha256: 'ab'.repeat(32),
  metrics: [{ layer: 1, untrainedKd: 2, trainedKd: 1 }],
  corpus: { id: 'c', source: 's', trainTokens: 100, heldOutTokens: 10 },
  trainSeconds: 1.5,
  reused: false,
};
const silent = createWorkerLogger({ workerId: 'w-test', logLevel: 'silent' });

let redis: RedisHandle;
let connection: Redis;
let queueNo = 0;
beforeAll(async () => {
  redis = await startRedis();
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  connection?.disconnect();
  await redis?.stop();
});

type Distill = InferenceHost['distill'];

async function runJob(distill: Distill, attempts = 1): Promise<{ state: string; job: Job<DistillJob>; messages: ResultMessage[] }> {
  const prefix = `d${++queueNo}`;
  const results = new Queue<ResultMessage>(RESULTS_QUEUE, { connection, prefix });
  const queue = new Queue<DistillJob>('distill-cpu', { connection, prefix });
  const worker = new Worker<DistillJob>(
    'distill-cpu',
    createDistillProcessor({ host: { distill }, results, workerId: 'w-test', threads: 2, log: silent }),
    { connection, prefix },
  );
  try {
    const done = new Promise<string>((resolve) => {
      worker.on('completed', () => resolve('completed'));
      worker.on('failed', (job) => {
        if (job && (job.finishedOn !== undefined || job.attemptsMade >= (job.opts.attempts ?? 1))) resolve('failed');
      });
    });
    const added = await queue.add('distill', JOB, { attempts });
    const state = await done;
    await new Promise((r) => setTimeout(r, 50));
    const job = (await queue.getJob(added.id as string)) as Job<DistillJob>;
    const jobs = await results.getJobs(['waiting', 'delayed', 'prioritized'], 0, -1, true);
    return { state, job, messages: jobs.sort((a, b) => a.timestamp - b.timestamp || Number(a.id) - Number(b.id)).map((j) => j.data) };
  } finally {
    await worker.close();
    await queue.close();
    await results.close();
  }
}

describe('distill processor', () => {
  it('publishes started, phase changes and the last step (not every step), then the result', async () => {
    let threads = -1;
    const distill: Distill = async (_job, t, onProgress) => {
      threads = t;
      const p = (phase: DistillProgressPayload['phase'], step: number) => onProgress({ phase, step, totalSteps: 50, epoch: 0 });
      p('teacher', 0);
      p('evaluate', 0);
      for (let step = 1; step <= 50; step++) p('train', step);
      return OUTCOME;
    };
    const { state, job, messages } = await runJob(distill);
    expect(state).toBe('completed');
    expect(threads).toBe(2);
    expect(job.returnvalue).toEqual({ version: OUTCOME.version, reused: false });
    const progress = messages.filter((m) => m.kind === 'distill-progress').map((m) => [m.phase, m.step]);
    // teacher, evaluate, the first train step (a phase change) and the last; the 48 between fall within a second.
    expect(progress).toEqual([
      ['teacher', 0],
      ['evaluate', 0],
      ['train', 1],
      ['train', 50],
    ]);
    expect(messages[0]).toMatchObject({ kind: 'distill-started', distillId: 'd1', attempt: 1, workerId: 'w-test' });
    const { reused: _r, ...published } = OUTCOME;
    expect(messages.at(-1)).toMatchObject({ kind: 'distill-result', distillId: 'd1', attempt: 1, ...published });
  });

  it('reports each failed attempt; a permanent one is the last', async () => {
    let calls = 0;
    const { state, messages } = await runJob(async () => {
      calls++;
      throw new InferenceError('DistillOptionsError', 'layer 9 of a 2-block model', true);
    }, 3);
    expect(state).toBe('failed');
    expect(calls).toBe(1);
    expect(messages.filter((m) => m.kind === 'distill-failed')).toEqual([
      expect.objectContaining({ attempt: 1, final: true, reason: 'DistillOptionsError: layer 9 of a 2-block model' }),
    ]);
  });
});
