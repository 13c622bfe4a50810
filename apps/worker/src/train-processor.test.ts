// The train processor on a real Redis through BullMQ, with a stand-in inference host: progress
// (held-out points and the last step always, other steps at most once a second), the result, and
// cancel (before the start, and mid-run through InferenceHost.cancel) reported once, not retried.
import type { TrainJobOutcome } from '@inferlab/core';
import { parseTrainRequest, RESULTS_QUEUE, type ResultMessage, type TrainJob } from '@inferlab/experiments';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../test/helpers/redis-server.ts';
import { InferenceError, type InferenceHost } from './inference-host.ts';
import { createWorkerLogger } from './logger.ts';
import { createTrainProcessor } from './train-processor.ts';
import type { TrainRun } from './train-run.ts';

const JOB: TrainJob = {
  trainId: 't1',
  request: parseTrainRequest({ shape: { family: 'gpt2', nLayer: 1, nHead: 2, nEmbd: 16, nPositions: 32 }, steps: 50, seqLen: 16 }),
  createdAt: '2026-12-03T08:00:00.000Z',
};
const OUTCOME: TrainJobOutcome = {
  modelId: 'trained:kjv-gpt2@20261203T080000Z-t1',
  version: '20261203T080000Z-t1',
  steps: 50,
  tokensSeen: 6400,
  heldOutLoss: 7,
  heldOutPerplexity: 1096.6,
  trainSeconds: 2,
  reused: false,
};
const silent = createWorkerLogger({ workerId: 'w-test', logLevel: 'silent' });
const progress = (step: number, heldOutLoss?: number) => ({
  step,
  totalSteps: 50,
  trainLoss: 10 - step / 10,
  ...(heldOutLoss === undefined ? {} : { heldOutLoss }),
  tokensSeen: step * 128,
  tokensPerSecond: 100,
  etaSeconds: 1,
});

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

type Host = Pick<InferenceHost, 'train' | 'cancel'>;

async function runJob(host: Host, isCancelled: () => Promise<boolean>, attempts = 1) {
  const prefix = `t${++queueNo}`;
  const results = new Queue<ResultMessage>(RESULTS_QUEUE, { connection, prefix });
  const queue = new Queue<TrainJob>('train-cpu', { connection, prefix });
  const worker = new Worker<TrainJob>(
    'train-cpu',
    createTrainProcessor({ host, results, isCancelled, workerId: 'w-test', threads: 1, log: silent }),
    { connection, prefix },
  );
  try {
    const done = new Promise<string>((resolve) => {
      worker.on('completed', () => resolve('completed'));
      worker.on('failed', (job) => {
        if (job && (job.finishedOn !== undefined || job.attemptsMade >= (job.opts.attempts ?? 1))) resolve('failed');
      });
    });
    const added = await queue.add('train', JOB, { attempts });
    const state = await done;
    await new Promise((r) => setTimeout(r, 50));
    const job = (await queue.getJob(added.id as string)) as Job<TrainJob>;
    const jobs = await results.getJobs(['waiting', 'delayed', 'prioritized'], 0, -1, true);
    return { state, job, messages: jobs.sort((a, b) => a.timestamp - b.timestamp || Number(a.id) - Number(b.id)).map((j) => j.data) };
  } finally {
    await worker.close();
    await queue.close();
    await results.close();
  }
}

describe('train processor', () => {
  it('publishes started, the first step, every held-out point and the last step, then the result', async () => {
    const host: Host = {
      cancel: () => {},
      train: async (run: TrainRun) => {
        run.onStart(7);
        run.onTrainStarted(0);
        for (let step = 1; step <= 50; step++) run.onProgress(progress(step, step % 20 === 0 ? 8 : undefined));
        return OUTCOME;
      },
    };
    const { state, job, messages } = await runJob(host, async () => false);
    expect(state).toBe('completed');
    expect(job.returnvalue).toEqual({ modelId: OUTCOME.modelId, reused: false });
    const steps = messages.flatMap((m) => (m.kind === 'train-progress' ? [m.step] : []));
    expect(steps).toEqual([1, 20, 40, 50]);
    expect(messages[0]).toMatchObject({ kind: 'train-started', trainId: 't1', attempt: 1, resumedFrom: 0 });
    const { reused: _r, ...published } = OUTCOME;
    expect(messages.at(-1)).toMatchObject({ kind: 'train-result', trainId: 't1', ...published });
  });

  it('a cancel flag mid-run stops the run through InferenceHost.cancel: reported cancelled once, never retried', async () => {
    let flagged = false;
    let calls = 0;
    let cancelled: number | null = null;
    const host: Host = {
      cancel: (id) => {
        cancelled = id;
      },
      train: (run: TrainRun) => {
        calls++;
        run.onStart(42);
        run.onProgress(progress(1));
        flagged = true;
        // The thread aborts at its next step once the host's cancel flag names its run.
        return new Promise((_resolve, reject) => {
          const t = setInterval(() => {
            if (cancelled !== 42) return;
            clearInterval(t);
            reject(new InferenceError('TrainCancelledError', 'training cancelled at step 1', true));
          }, 50);
        });
      },
    };
    const { state, messages } = await runJob(host, async () => flagged, 3);
    expect(state).toBe('failed');
    expect(calls).toBe(1);
    expect(messages.filter((m) => m.kind === 'train-failed')).toEqual([
      expect.objectContaining({
        attempt: 1,
        final: true,
        cancelled: true,
        reason: expect.stringMatching(/^cancelled: TrainCancelledError/),
      }),
    ]);
  });

  it('a job flagged before it starts never reaches the thread', async () => {
    let calls = 0;
    const host: Host = {
      cancel: () => {},
      train: async () => {
        calls++;
        return OUTCOME;
      },
    };
    const { state, messages } = await runJob(host, async () => true, 3);
    expect(state).toBe('failed');
    expect(calls).toBe(0);
    expect(messages).toEqual([expect.objectContaining({ kind: 'train-failed', cancelled: true, final: true })]);
  });
});
