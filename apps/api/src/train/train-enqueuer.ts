import {
  DEVICES,
  type Device,
  TRAIN_JOB_NAME,
  TRAIN_JOB_OPTIONS,
  type TrainJob,
  trainCancelKey,
  trainQueueName,
} from '@inferlab/experiments';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { EnqueueError, type EnqueuerOptions, queueErrorLogger } from '../experiments/cell-enqueuer.ts';
import { withTimeout } from '../redis/with-timeout.ts';

const CANCEL_TTL_S = 7 * 24 * 3600;

export type TrainEnqueuer = {
  enqueue: (job: TrainJob) => Promise<void>;
  /** Removes a waiting job, and marks it cancelled for a worker that has it (it stops at its next step). */
  cancel: (trainId: string) => Promise<{ removed: boolean }>;
  queues: Record<Device, Queue<TrainJob>>;
  close: () => Promise<void>;
};

/** One `train-<device>` queue per device class; jobId = train id. */
export function createTrainEnqueuer(connection: Redis, options: EnqueuerOptions = {}): TrainEnqueuer {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const onError = queueErrorLogger(options);
  const queues = Object.fromEntries(DEVICES.map((d) => [d, new Queue<TrainJob>(trainQueueName(d), { connection })])) as Record<
    Device,
    Queue<TrainJob>
  >;
  for (const queue of Object.values(queues)) queue.on('error', (err) => onError(err, queue.name));
  return {
    enqueue: async (job) => {
      const add = queues[job.request.device].add(TRAIN_JOB_NAME, job, { ...TRAIN_JOB_OPTIONS, jobId: job.trainId });
      await withTimeout(add, timeoutMs, () => new EnqueueError(`Redis did not accept the job within ${timeoutMs} ms`));
    },
    cancel: async (trainId) => {
      await connection.set(trainCancelKey(trainId), '1', 'EX', CANCEL_TTL_S);
      let removed = false;
      for (const queue of Object.values(queues)) {
        const job = await queue.getJob(trainId);
        if (job !== undefined && ((await job.isWaiting()) || (await job.isDelayed()))) {
          await job.remove();
          removed = true;
        }
      }
      return { removed };
    },
    queues,
    close: async () => void (await Promise.all(Object.values(queues).map((q) => q.close()))),
  };
}
