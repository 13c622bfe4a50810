import { type Db, getCell, recordCellFailure } from '@inferlab/db';
import { cellQueueName, DEVICES } from '@inferlab/experiments';
import { type ConnectionOptions, Job, Queue, QueueEvents } from 'bullmq';

export type FailedCellsWatcher = { ready: Promise<void>; close: () => Promise<void> };

/**
 * Cells whose job BullMQ failed without a worker saying so — a job that stalled more often than
 * allowed (its workers kept dying, e.g. killed for memory) fails inside Redis, and no `cell-failed`
 * message is ever published. Without this the cell would show `running` forever.
 */
export function watchFailedCells(options: {
  db: Db;
  connection: ConnectionOptions;
  log?: (line: string) => void;
  onRecorded?: (cellId: string) => void;
}): FailedCellsWatcher {
  const log = options.log ?? ((line) => console.warn(line));
  const watchers = DEVICES.map((device) => {
    const name = cellQueueName(device);
    const events = new QueueEvents(name, { connection: options.connection });
    const queue = new Queue(name, { connection: options.connection });
    events.on('failed', ({ jobId, failedReason }) => {
      void (async () => {
        const job = await Job.fromId(queue, jobId);
        // Only a job that is failed for good; a retried attempt is back in wait/delayed.
        if (job && (await job.getState()) !== 'failed') return;
        const cell = getCell(options.db, jobId);
        if (cell === null || cell.status === 'done' || cell.status === 'failed') return;
        const outcome = recordCellFailure(options.db, {
          cellId: jobId,
          attempt: cell.attempt,
          reason: `the queue gave up on the cell: ${failedReason}`,
          final: true,
        });
        if (outcome.updated) {
          log(`[api] cell ${jobId} failed in the queue without a worker report: ${failedReason}`);
          options.onRecorded?.(jobId);
        }
      })().catch((err: Error) => log(`[api] failed-cells watcher: ${err.message}`));
    });
    events.on('error', (err) => log(`[api] queue events ${name}: ${err.message}`));
    return { events, queue };
  });
  return {
    ready: Promise.all(watchers.map((w) => w.events.waitUntilReady())).then(() => undefined),
    close: async () => {
      await Promise.all(watchers.flatMap((w) => [w.events.close(), w.queue.close()]));
    },
  };
}
