import { getCell, getExperiment } from '@inferlab/db';
import { CELL_QUEUES, finalFailureJobId, RESULTS_QUEUE, type ResultMessage } from '@inferlab/experiments';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SILENT_LOG } from '../log/logger.ts';
import { type AppFixture, createAppFixture, post, type RedisFixture, startRedisFixture } from '../test-harness.ts';
import { watchFailedCells } from './failed-cells-watcher.ts';

describe('cells failed inside the queue', () => {
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

  it('are marked failed with the queue reason when no worker reported them', async () => {
    const recorded: string[] = [];
    const watcher = watchFailedCells({ db: f.db, connection: redis.connection, log: SILENT_LOG, onRecorded: (id) => recorded.push(id) });
    await watcher.ready;
    // A bare consumer that fails the job without publishing cell-failed, like a job that stalled
    // past BullMQ's limit.
    const consumer = new Worker(
      CELL_QUEUES.cpu,
      async () => {
        throw new UnrecoverableError('job stalled more than allowable limit');
      },
      { connection: redis.connection },
    );
    try {
      const created = await post(f.app, '/v1/experiments', {
        models: ['forge:gpt2-tiny'],
        prompts: ['x'],
        maxNewTokens: [2],
        repetitions: 1,
        warmup: 0,
      });
      expect(created.status).toBe(201);
      const deadline = Date.now() + 10_000;
      while (recorded.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const cell = getExperiment(f.db, created.json.id)!.cells[0]!;
      expect(cell.status).toBe('failed');
      expect(cell.error).toMatch(/queue gave up on the cell: job stalled more than allowable limit/);
    } finally {
      await consumer.close();
      await watcher.close();
    }
  });

  it('sweeps, at start, cells whose job failed while no api was listening', async () => {
    await redis.connection.flushall();
    const consumer = new Worker(
      CELL_QUEUES.cpu,
      async () => {
        throw new UnrecoverableError('job stalled more than allowable limit');
      },
      { connection: redis.connection },
    );
    let cellId = '';
    try {
      const created = await post(f.app, '/v1/experiments', {
        models: ['forge:gpt2-tiny'],
        prompts: ['y'],
        maxNewTokens: [3],
        repetitions: 1,
        warmup: 0,
      });
      cellId = created.json.cells[0].id;
      const deadline = Date.now() + 10_000;
      while ((await redis.enqueuer.queues.cpu.getJobState(cellId)) !== 'failed') {
        if (Date.now() > deadline) throw new Error('the job never failed');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await consumer.close();
    }
    expect(getExperiment(f.db, getCell(f.db, cellId)!.experimentId)!.cells[0]!.status).toBe('queued');
    const watcher = watchFailedCells({ db: f.db, connection: redis.connection, log: SILENT_LOG });
    try {
      await watcher.ready;
      const cell = getCell(f.db, cellId)!;
      expect(cell.status).toBe('failed');
      expect(cell.error).toMatch(/queue gave up on the cell: job stalled more than allowable limit/);
    } finally {
      await watcher.close();
    }
  });

  it('leave a failure the worker reported to the recorder (no "without a worker report" race)', async () => {
    await redis.connection.flushall();
    const recorded: string[] = [];
    const lines: string[] = [];
    const log = { ...SILENT_LOG, warn: (line: string) => lines.push(line) };
    const watcher = watchFailedCells({ db: f.db, connection: redis.connection, log, onRecorded: (id) => recorded.push(id) });
    await watcher.ready;
    const results = new Queue<ResultMessage>(RESULTS_QUEUE, { connection: redis.connection });
    // A worker's last attempt: it publishes its final failure (no recorder runs here, so the
    // message waits), then throws, and BullMQ marks the job failed.
    const consumer = new Worker(
      CELL_QUEUES.cpu,
      async (job) => {
        const { cellId, experimentId } = job.data as { cellId: string; experimentId: string };
        const message: ResultMessage = {
          kind: 'cell-failed',
          cellId,
          experimentId,
          attempt: 1,
          workerId: 'w',
          reason: 'boom',
          final: true,
        };
        await results.add('cell-failed', message, { jobId: finalFailureJobId(cellId) });
        throw new UnrecoverableError('boom');
      },
      { connection: redis.connection },
    );
    try {
      const created = await post(f.app, '/v1/experiments', {
        models: ['forge:gpt2-tiny'],
        prompts: ['z'],
        maxNewTokens: [4],
        repetitions: 1,
        warmup: 0,
      });
      const cellId = created.json.cells[0].id as string;
      const deadline = Date.now() + 10_000;
      while ((await redis.enqueuer.queues.cpu.getJobState(cellId)) !== 'failed') {
        if (Date.now() > deadline) throw new Error('the job never failed');
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 1000)); // the watcher has seen the event by now
      expect(recorded).toEqual([]);
      expect(lines.filter((l) => /without a worker report/.test(l))).toEqual([]);
      expect(getCell(f.db, cellId)!.status).toBe('queued'); // the recorder, not the watcher, records it
    } finally {
      await consumer.close();
      await results.close();
      await watcher.close();
    }
  });
});
