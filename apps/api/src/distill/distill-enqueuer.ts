import { DEVICES, type Device, DISTILL_JOB_NAME, DISTILL_JOB_OPTIONS, type DistillJob, distillQueueName } from '@inferlab/experiments';
import { type ConnectionOptions, Queue } from 'bullmq';
import { EnqueueError, type EnqueuerOptions, queueErrorLogger } from '../experiments/cell-enqueuer.ts';
import { withTimeout } from '../redis/with-timeout.ts';

export type DistillEnqueuer = {
  enqueue: (job: DistillJob) => Promise<void>;
  queues: Record<Device, Queue<DistillJob>>;
  close: () => Promise<void>;
};

/** One `distill-<device>` queue per device class; jobId = distill id. Gives up after `timeoutMs` rather than hold the request. */
export function createDistillEnqueuer(connection: ConnectionOptions, options: EnqueuerOptions = {}): DistillEnqueuer {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const onError = queueErrorLogger(options);
  const queues = Object.fromEntries(DEVICES.map((d) => [d, new Queue<DistillJob>(distillQueueName(d), { connection })])) as Record<
    Device,
    Queue<DistillJob>
  >;
  for (const queue of Object.values(queues)) queue.on('error', (err) => onError(err, queue.name));

  const enqueue = async (job: DistillJob) => {
    const add = queues[job.request.device].add(DISTILL_JOB_NAME, job, { ...DISTILL_JOB_OPTIONS, jobId: job.distillId });
    await withTimeout(add, timeoutMs, () => new EnqueueError(`Redis did not accept the job within ${timeoutMs} ms`));
  };
  return { enqueue, queues, close: async () => void (await Promise.all(Object.values(queues).map((q) => q.close()))) };
}
