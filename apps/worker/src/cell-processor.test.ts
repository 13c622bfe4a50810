// The cell processor on a real Redis through BullMQ (a queue, a worker, the results queue), with a
// stand-in inference host: what it publishes, when it retries, what it refuses before running.
import { type CellConfig, type CellJob, type CellRun, RESULTS_QUEUE, type ResultMessage } from '@inferlab/experiments';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis } from '../../../test/helpers/redis-server.ts';
import { syntheticCellResult } from '../../../test/helpers/synthetic-result.ts';
import { createCellProcessor } from './cell-processor.ts';
import { InferenceError, type InferenceHost } from './inference-host.ts';
import { LockLostError } from './job-attempt.ts';
import { createWorkerLogger } from './logger.ts';

const CONFIG: CellConfig = {
  model: 'forge:gpt2-tiny',
  variant: { dtype: 'fp32', cache: true },
  decoding: { strategy: 'greedy' },
  prompts: ['a', 'b'],
  maxNewTokens: 4,
  batchSize: 1,
  device: 'cpu',
  threads: 1,
  repetitions: 2,
  warmup: 0,
  engine: 'inferlab',
  scenario: { kind: 'single-stream' },
};
const RUN: CellRun = (() => {
  const {
    cellId: _c,
    experimentId: _e,
    attempt: _a,
    workerId: _w,
    config: _cfg,
    ...run
  } = syntheticCellResult({
    cellId: 'x',
    experimentId: 'x',
    config: CONFIG,
  });
  return { ...run, memory: { ...run.memory, kvCacheDtype: 'fp32', weightBytes: {} }, energy: run.energy!, quality: null } as CellRun;
})();

type StubHost = Pick<InferenceHost, 'run' | 'cancel'> & { calls: number };
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

/** Runs one job through a fresh queue and worker; returns the job's end state and every results message, in order. */
async function runJob(
  host: StubHost,
  config: CellConfig,
  opts: { attempts?: number; cancelled?: boolean } = {},
): Promise<{ state: 'completed' | 'failed'; job: Job<CellJob>; messages: ResultMessage[] }> {
  const prefix = `t${++queueNo}`;
  const results = new Queue<ResultMessage>(RESULTS_QUEUE, { connection, prefix });
  const cells = new Queue<CellJob>('cells-cpu', { connection, prefix });
  const processor = createCellProcessor({
    host,
    results,
    workerId: 'w-test',
    log: silent,
    onCurrentCell: () => {},
    isCancelled: async () => opts.cancelled ?? false,
  });
  const worker = new Worker<CellJob>('cells-cpu', processor, { connection, prefix, concurrency: 1 });
  try {
    const done = new Promise<'completed' | 'failed'>((resolve) => {
      worker.on('completed', () => resolve('completed'));
      worker.on('failed', (job) => {
        if (job && (job.finishedOn !== undefined || job.attemptsMade >= (job.opts.attempts ?? 1))) resolve('failed');
      });
    });
    const added = await cells.add('cell', { experimentId: 'e1', cellId: 'c1', config }, { attempts: opts.attempts ?? 1 });
    const state = await done;
    await new Promise((r) => setTimeout(r, 50)); // the failed event fires before the job's last write
    const job = (await cells.getJob(added.id as string)) as Job<CellJob>;
    const jobs = await results.getJobs(['waiting', 'delayed', 'prioritized'], 0, -1, true);
    const messages = jobs.sort((a, b) => a.timestamp - b.timestamp || Number(a.id) - Number(b.id)).map((j) => j.data);
    return { state, job, messages };
  } finally {
    await worker.close();
    await cells.close();
    await results.close();
  }
}

function stubHost(run: (calls: number) => Promise<CellRun>): StubHost {
  const host: StubHost = {
    calls: 0,
    run: async (_spec, onProgress, onStart) => {
      host.calls++;
      onStart?.(host.calls);
      onProgress({ done: 4, total: 4, phase: 'measuring' });
      return run(host.calls);
    },
    cancel: () => {},
  };
  return host;
}

describe('cell processor', () => {
  it('publishes started, progress and the result (under its idempotent job id)', async () => {
    const host = stubHost(async () => RUN);
    const { state, job, messages } = await runJob(host, CONFIG);
    expect(state).toBe('completed');
    expect(job.returnvalue).toEqual({ requests: RUN.requests.length });
    expect(messages.map((m) => m.kind)).toEqual(['cell-started', 'cell-progress', 'cell-result']);
    expect(messages[0]).toMatchObject({ cellId: 'c1', experimentId: 'e1', attempt: 1, workerId: 'w-test' });
    expect(messages[1]).toMatchObject({ done: 4, total: 4 });
    expect(messages[2]).toMatchObject({ kind: 'cell-result', cellId: 'c1', attempt: 1, config: CONFIG, wallMs: RUN.wallMs });
  });

  it('a hub download is the job’s progress (bytes of a file), not a cell-progress message', async () => {
    const downloading = { done: 1000, total: 1000, phase: 'downloading', file: 'onnx/model.onnx' } as const;
    const host: StubHost = {
      calls: 0,
      run: async (_spec, onProgress) => {
        host.calls++;
        onProgress({ done: 0, total: 1000, phase: 'downloading', file: 'onnx/model.onnx' });
        onProgress(downloading);
        return RUN;
      },
      cancel: () => {},
    };
    const { state, job, messages } = await runJob(host, CONFIG);
    expect(state).toBe('completed');
    expect(job.progress).toEqual(downloading);
    expect(messages.map((m) => m.kind)).toEqual(['cell-started', 'cell-result']);
  });

  it('refuses a cell that cannot run before loading anything, once, naming the field', async () => {
    const host = stubHost(async () => RUN);
    const sampling: CellConfig = {
      ...CONFIG,
      engine: 'transformers.js',
      decoding: { strategy: 'sample', temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 },
    };
    const { state, job, messages } = await runJob(host, sampling, { attempts: 3 });
    expect(state).toBe('failed');
    expect(host.calls).toBe(0);
    expect(job.attemptsMade).toBe(1);
    const failed = messages.filter((m) => m.kind === 'cell-failed');
    expect(failed).toEqual([
      expect.objectContaining({
        final: true,
        reason: expect.stringMatching(/^UnrunnableCellError: the cell cannot run: decoding\.strategy: the transformers\.js engine runs/),
      }),
    ]);
  });

  it('retries a retryable failure until the last attempt, which is final', async () => {
    const host = stubHost(async () => {
      throw new InferenceError('SessionLoadError', 'out of memory', false);
    });
    const { state, messages } = await runJob(host, CONFIG, { attempts: 2 });
    expect(state).toBe('failed');
    expect(host.calls).toBe(2);
    expect(messages.filter((m) => m.kind === 'cell-failed').map((m) => [m.attempt, m.final])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('fails a permanent error at once, and a network blip is retried', async () => {
    const permanent = stubHost(async () => {
      throw new InferenceError('DecodingConfigError', 'no such strategy', true);
    });
    const p = await runJob(permanent, CONFIG, { attempts: 3 });
    expect(permanent.calls).toBe(1);
    expect(p.messages.filter((m) => m.kind === 'cell-failed')).toEqual([
      expect.objectContaining({ final: true, reason: 'DecodingConfigError: no such strategy' }),
    ]);
    const blip = stubHost(async (calls) => {
      if (calls === 1) throw new TypeError('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });
      return RUN;
    });
    const b = await runJob(blip, CONFIG, { attempts: 3 });
    expect(b.state).toBe('completed');
    expect(blip.calls).toBe(2);
  });

  it('skips a cell of a cancelled experiment without publishing', async () => {
    const host = stubHost(async () => RUN);
    const { state, job, messages } = await runJob(host, CONFIG, { cancelled: true });
    expect(state).toBe('completed');
    expect(job.returnvalue).toEqual({ requests: 0, cancelled: true });
    expect(host.calls).toBe(0);
    expect(messages).toEqual([]);
  });

  it('publishes neither result nor failure when its lock was lost while the cell ran (a frozen worker)', async () => {
    const prefix = `t${++queueNo}`;
    const results = new Queue<ResultMessage>(RESULTS_QUEUE, { connection, prefix });
    const cells = new Queue<CellJob>('cells-cpu', { connection, prefix });
    const worker = new Worker<CellJob>('cells-cpu', null, { connection, prefix, autorun: false });
    try {
      await cells.add('cell', { experimentId: 'e1', cellId: 'c1', config: CONFIG }, { attempts: 3 });
      const token = 'frozen-worker-token';
      const job = (await worker.getNextJob(token)) as Job<CellJob>;
      const lockKey = `${prefix}:cells-cpu:${job.id}:lock`;
      expect(await connection.get(lockKey)).toBe(token);
      // While it "runs", the stall checker moved the job on and another worker took it (another token).
      const host = stubHost(async () => {
        await connection.set(lockKey, 'another-worker-token');
        return RUN;
      });
      const processor = createCellProcessor({
        host,
        results,
        workerId: 'w-test',
        log: silent,
        onCurrentCell: () => {},
        isCancelled: async () => false,
        lockMs: 5000,
      });
      await expect(processor(job, token)).rejects.toBeInstanceOf(LockLostError);
      const kinds = (await results.getJobs(['waiting', 'delayed', 'prioritized'], 0, -1, true)).map((j) => j.data.kind);
      expect(kinds).toEqual(expect.arrayContaining(['cell-started']));
      expect(kinds).not.toContain('cell-result');
      expect(kinds).not.toContain('cell-failed');
      expect(await connection.get(lockKey)).toBe('another-worker-token'); // the new owner's lock is untouched
    } finally {
      await worker.close();
      await cells.close();
      await results.close();
    }
  });
});
