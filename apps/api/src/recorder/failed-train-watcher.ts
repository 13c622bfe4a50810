import { type Db, getTrainJob, listTrainJobs, recordTrainFailure } from '@inferlab/db';
import { DEVICES, trainQueueName } from '@inferlab/experiments';
import type { ConnectionOptions } from 'bullmq';
import type { Log } from '../log/logger.ts';
import { type FailedJobsWatcher, watchFailedJobs } from './failed-jobs-watcher.ts';

const isOpen = (status: string) => status === 'queued' || status === 'running';

/** Train jobs that failed for good inside the queue (a worker killed past the stall limit), marked failed; their checkpoint stays. */
export function watchFailedTrainJobs(options: {
  db: Db;
  connection: ConnectionOptions;
  log?: Log;
  onRedisError?: (err: Error, source: string) => void;
  onRecorded?: (trainId: string) => void;
}): FailedJobsWatcher {
  const { db } = options;
  return watchFailedJobs({
    ...options,
    what: 'train',
    queueNames: DEVICES.map(trainQueueName),
    openIds: () => listTrainJobs(db, 10_000).flatMap((row) => (isOpen(row.status) ? [row.id] : [])),
    recordFailure: (trainId, reason) => {
      const row = getTrainJob(db, trainId);
      if (row === null || !isOpen(row.status)) return false;
      const failure = {
        trainId,
        attempt: row.attempt,
        workerId: row.workerId ?? 'unknown',
        reason: `the queue gave up on the train job: ${reason}`,
      };
      return recordTrainFailure(db, { ...failure, final: true, cancelled: false }).updated;
    },
  });
}
