import { type Db, getDistillJob, listDistillJobs, recordDistillFailure } from '@inferlab/db';
import { DEVICES, distillQueueName } from '@inferlab/experiments';
import type { ConnectionOptions } from 'bullmq';
import { Job, Queue, QueueEvents } from 'bullmq';

// Distill jobs BullMQ failed without a worker saying so (stalled past its limit: the worker kept
// dying), marked failed so they do not show `running` forever — the distill twin of
// failed-cells-watcher.ts. Live failures come as queue events; older ones are swept at start.

export type FailedDistillWatcher = { ready: Promise<void>; close: () => Promise<void> };

type Options = { db: Db; connection: ConnectionOptions; log?: (line: string) => void; onRecorded?: (distillId: string) => void };

async function recordIfFailedInQueue(options: Options, queue: Queue, distillId: string): Promise<boolean> {
  const job = await Job.fromId(queue, distillId);
  if (!job || (await job.getState()) !== 'failed') return false; // a retried attempt is back in wait/delayed
  const row = getDistillJob(options.db, distillId);
  if (row === null || row.status === 'done' || row.status === 'failed') return false;
  const reason = job.failedReason || 'unknown reason';
  const outcome = recordDistillFailure(options.db, {
    distillId,
    attempt: row.attempt,
    workerId: row.workerId ?? 'unknown',
    reason: `the queue gave up on the distill job: ${reason}`,
    final: true,
  });
  if (!outcome.updated) return false;
  (options.log ?? console.warn)(`[api] distill ${distillId} failed in the queue without a worker report: ${reason}`);
  options.onRecorded?.(distillId);
  return true;
}

export function watchFailedDistillJobs(options: Options): FailedDistillWatcher {
  const log = options.log ?? ((line) => console.warn(line));
  const watchers = DEVICES.map((device) => {
    const name = distillQueueName(device);
    const events = new QueueEvents(name, { connection: options.connection });
    const queue = new Queue(name, { connection: options.connection });
    events.on('failed', ({ jobId }) => {
      void recordIfFailedInQueue(options, queue, jobId).catch((err: Error) => log(`[api] failed-distill watcher: ${err.message}`));
    });
    events.on('error', (err) => log(`[api] queue events ${name}: ${err.message}`));
    return { device, events, queue };
  });
  const sweep = async () => {
    for (const row of listDistillJobs(options.db, { limit: 10_000 })) {
      if (row.status === 'done' || row.status === 'failed') continue;
      const w = watchers.find((x) => x.device === row.device);
      if (w) await recordIfFailedInQueue(options, w.queue, row.id);
    }
  };
  const ready = Promise.all(watchers.map((w) => w.events.waitUntilReady()))
    .then(sweep)
    .catch((err: Error) => log(`[api] failed-distill sweep: ${err.message}`));
  return { ready, close: async () => void (await Promise.all(watchers.flatMap((w) => [w.events.close(), w.queue.close()]))) };
}
