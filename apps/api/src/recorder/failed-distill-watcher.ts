import { type Db, getDistillJob, listDistillJobs, recordDistillFailure } from '@inferlab/db';
import { DEVICES, distillQueueName } from '@inferlab/experiments';
import type { ConnectionOptions } from 'bullmq';
import type { Log } from '../log/logger.ts';
import { type FailedJobsWatcher, watchFailedJobs } from './failed-jobs-watcher.ts';

const isOpen = (status: string) => status !== 'done' && status !== 'failed';

/** Distill jobs that failed for good inside the queue, marked failed (see watchFailedJobs). */
export function watchFailedDistillJobs(options: {
  db: Db;
  connection: ConnectionOptions;
  log?: Log;
  onRedisError?: (err: Error, source: string) => void;
  onRecorded?: (distillId: string) => void;
}): FailedJobsWatcher {
  const { db } = options;
  return watchFailedJobs({
    ...options,
    what: 'distill',
    queueNames: DEVICES.map(distillQueueName),
    openIds: () => listDistillJobs(db, { limit: 10_000 }).flatMap((row) => (isOpen(row.status) ? [row.id] : [])),
    recordFailure: (distillId, reason) => {
      const row = getDistillJob(db, distillId);
      if (row === null || !isOpen(row.status)) return false;
      const failure = {
        distillId,
        attempt: row.attempt,
        workerId: row.workerId ?? 'unknown',
        reason: `the queue gave up on the distill job: ${reason}`,
      };
      return recordDistillFailure(db, { ...failure, final: true }).updated;
    },
  });
}
