import { type Db, getCell, listOpenCellIds, recordCellFailure } from '@inferlab/db';
import { cellQueueName, DEVICES } from '@inferlab/experiments';
import { type ConnectionOptions, Job, Queue, QueueEvents } from 'bullmq';

export type FailedCellsWatcher = { ready: Promise<void>; close: () => Promise<void> };

type Options = {
  db: Db;
  connection: ConnectionOptions;
  log?: (line: string) => void;
  onRecorded?: (cellId: string) => void;
};

/** Marks the cell failed when its job is failed for good in `queue` and nothing recorded it. */
async function recordIfFailedInQueue(options: Options, queue: Queue, cellId: string): Promise<boolean> {
  const job = await Job.fromId(queue, cellId);
  // Only a job that is failed for good; a retried attempt is back in wait/delayed.
  if (!job || (await job.getState()) !== 'failed') return false;
  const cell = getCell(options.db, cellId);
  if (cell === null || cell.status === 'done' || cell.status === 'failed' || cell.status === 'cancelled') return false;
  const reason = job.failedReason || 'unknown reason';
  const outcome = recordCellFailure(options.db, {
    cellId,
    attempt: cell.attempt,
    reason: `the queue gave up on the cell: ${reason}`,
    final: true,
  });
  if (!outcome.updated) return false;
  (options.log ?? console.warn)(`[api] cell ${cellId} failed in the queue without a worker report: ${reason}`);
  options.onRecorded?.(cellId);
  return true;
}

/**
 * Cells whose job BullMQ failed without a worker saying so — a job that stalled more often than
 * allowed (its workers kept dying, e.g. killed for memory) fails inside Redis, and no `cell-failed`
 * message is ever published. Without this the cell would show `running` forever. Live failures
 * come as queue events; the ones that happened while the api was down are swept at start.
 */
export function watchFailedCells(options: Options): FailedCellsWatcher {
  const log = options.log ?? ((line) => console.warn(line));
  const watchers = DEVICES.map((device) => {
    const name = cellQueueName(device);
    const events = new QueueEvents(name, { connection: options.connection });
    const queue = new Queue(name, { connection: options.connection });
    events.on('failed', ({ jobId }) => {
      void recordIfFailedInQueue(options, queue, jobId).catch((err: Error) => log(`[api] failed-cells watcher: ${err.message}`));
    });
    events.on('error', (err) => log(`[api] queue events ${name}: ${err.message}`));
    return { events, queue };
  });
  const sweep = async () => {
    for (const cellId of listOpenCellIds(options.db)) {
      for (const { queue } of watchers) if (await recordIfFailedInQueue(options, queue, cellId)) break;
    }
  };
  const ready = Promise.all(watchers.map((w) => w.events.waitUntilReady()))
    .then(sweep)
    .catch((err: Error) => log(`[api] failed-cells sweep: ${err.message}`));
  return {
    ready,
    close: async () => {
      await Promise.all(watchers.flatMap((w) => [w.events.close(), w.queue.close()]));
    },
  };
}
