import {
  CANCEL_KEY_TTL_S,
  CELL_JOB_NAME,
  CELL_JOB_OPTIONS,
  type CellJob,
  cancelKey,
  cellQueueName,
  DEVICES,
  type Device,
  PROMPTS_KEY_TTL_S,
  promptsKey,
  type QueuedCellJob,
  queuedCellJob,
} from '@inferlab/experiments';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_LOG, type Log } from '../log/logger.ts';
import { withTimeout } from '../redis/with-timeout.ts';

export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
}

export type CellEnqueuer = {
  enqueue: (jobs: CellJob[]) => Promise<void>;
  /** Marks the experiment cancelled for workers and removes the queued cells' jobs. */
  cancel: (input: { experimentId: string; queued: string[]; running: string[] }) => Promise<{ removed: number }>;
  queues: Record<Device, Queue<QueuedCellJob>>;
  close: () => Promise<void>;
};

export type EnqueuerOptions = { timeoutMs?: number; onError?: (err: Error, queue: string) => void; log?: Log };

/** Queue errors (Redis down, reconnecting) are logged; the request that needed the queue answers 503 on its own. */
export function queueErrorLogger(options: EnqueuerOptions): (err: Error, queue: string) => void {
  const log = options.log ?? DEFAULT_LOG;
  return options.onError ?? ((err, queue) => log.error(`queue ${queue}: ${err.message}`, { queue }));
}

/**
 * One BullMQ queue per device class; each cell becomes a job with `jobId = cellId`, so enqueueing a
 * cell twice is a no-op while its job exists. The prompts go to Redis once per experiment
 * (promptsKey), before the jobs, which reference them. Gives up after `timeoutMs` rather than hold
 * an http request while Redis is down (the cells are stored already and can be re-enqueued).
 */
export function createCellEnqueuer(connection: Redis, options: EnqueuerOptions = {}): CellEnqueuer {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const onError = queueErrorLogger(options);
  const queues = Object.fromEntries(
    DEVICES.map((device) => [device, new Queue<QueuedCellJob>(cellQueueName(device), { connection })]),
  ) as Record<Device, Queue<QueuedCellJob>>;

  for (const queue of Object.values(queues)) queue.on('error', (err) => onError(err, queue.name));

  const storePrompts = async (jobs: CellJob[]) => {
    const byExperiment = new Map(jobs.map((job) => [job.experimentId, job.config.prompts]));
    for (const [experimentId, prompts] of byExperiment) {
      await connection.set(promptsKey(experimentId), JSON.stringify(prompts), 'EX', PROMPTS_KEY_TTL_S);
    }
  };
  const addJobs = (jobs: CellJob[]) =>
    DEVICES.flatMap((device) => {
      const mine = jobs.filter((job) => job.config.device === device);
      if (mine.length === 0) return [];
      const bulk = mine.map((job) => ({ name: CELL_JOB_NAME, data: queuedCellJob(job), opts: { ...CELL_JOB_OPTIONS, jobId: job.cellId } }));
      return [queues[device].addBulk(bulk)];
    });

  const enqueue = async (jobs: CellJob[]) => {
    if (jobs.length === 0) return;
    // Prompts first: a worker that takes a job always finds them.
    const work = storePrompts(jobs).then(() => Promise.all(addJobs(jobs)));
    try {
      await withTimeout(work, timeoutMs, () => new EnqueueError(`Redis did not accept the jobs within ${timeoutMs} ms`));
    } catch (err) {
      throw err instanceof EnqueueError ? err : new EnqueueError(enqueueErrorMessage(err as Error), { cause: err });
    }
  };

  const cancel = async (input: { experimentId: string; queued: string[] }) => {
    await connection.set(cancelKey(input.experimentId), '1', 'EX', CANCEL_KEY_TTL_S);
    let removed = 0;
    for (const id of input.queued) {
      // A job a worker took meanwhile is locked and stays; the worker sees the key and stops.
      for (const queue of Object.values(queues)) {
        if (!(await queue.getJob(id))) continue;
        removed += await queue.remove(id).catch(() => 0);
      }
    }
    return { removed };
  };

  const close = async () => {
    await Promise.all(Object.values(queues).map((queue) => queue.close()));
  };
  return { enqueue, cancel, queues, close };
}

/** Says which part failed and what to do; a full Redis (maxmemory with noeviction) is named as such. */
function enqueueErrorMessage(err: Error): string {
  if (/\bOOM\b/.test(err.message)) {
    return `Redis is out of memory (maxmemory reached; with noeviction it refuses new writes and loses nothing stored): raise maxmemory (infra/redis.conf) or wait for finished jobs to expire — ${err.message}`;
  }
  return `could not enqueue cells: ${err.message}`;
}
