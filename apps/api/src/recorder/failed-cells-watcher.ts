import { type Db, getCell, listOpenCellIds, recordCellFailure } from '@inferlab/db';
import { cellQueueName, DEVICES } from '@inferlab/experiments';
import type { ConnectionOptions } from 'bullmq';
import type { Log } from '../log/logger.ts';
import { type FailedJobsWatcher, watchFailedJobs } from './failed-jobs-watcher.ts';

/** Cells whose job failed for good inside the queue, marked failed (see watchFailedJobs). */
export function watchFailedCells(options: {
  db: Db;
  connection: ConnectionOptions;
  log?: Log;
  onRedisError?: (err: Error, source: string) => void;
  onRecorded?: (cellId: string) => void;
}): FailedJobsWatcher {
  const { db } = options;
  return watchFailedJobs({
    ...options,
    what: 'cell',
    queueNames: DEVICES.map(cellQueueName),
    openIds: () => listOpenCellIds(db),
    recordFailure: (cellId, reason) => {
      const cell = getCell(db, cellId);
      if (cell === null || cell.status === 'done' || cell.status === 'failed' || cell.status === 'cancelled') return false;
      return recordCellFailure(db, { cellId, attempt: cell.attempt, reason: `the queue gave up on the cell: ${reason}`, final: true })
        .updated;
    },
  });
}
