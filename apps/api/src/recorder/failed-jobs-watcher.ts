import { finalFailureJobId, RESULTS_QUEUE } from '@inferlab/experiments';
import { type ConnectionOptions, Job, Queue, QueueEvents } from 'bullmq';
import { DEFAULT_LOG, type Log } from '../log/logger.ts';

export type FailedJobsWatcher = { ready: Promise<void>; close: () => Promise<void> };

export type FailedJobsWatcherOptions = {
  connection: ConnectionOptions;
  /** The queues to watch (one per device class). */
  queueNames: readonly string[];
  /** Ids still open in SQLite (not done, failed or cancelled): swept at start, each against every queue. */
  openIds: () => Iterable<string>;
  /** Records the job's row failed for good when it is still open; true when it did. */
  recordFailure: (id: string, reason: string) => boolean;
  /** `cell`, `distill`: how log lines name the row. */
  what: string;
  log?: Log;
  onRecorded?: (id: string) => void;
  /** Errors of the queue-events connections (the process's redisTroubleReporter); default: logged. */
  onRedisError?: (err: Error, source: string) => void;
};

/**
 * Rows whose job BullMQ failed without a worker saying so — a job that stalled more often than
 * allowed (its workers kept dying, e.g. killed for memory) fails inside Redis, and no failure
 * message is ever published. Without this the row would show `running` forever. Live failures come
 * as queue events; the ones that happened while the api was down are swept at start.
 */
export function watchFailedJobs(options: FailedJobsWatcherOptions): FailedJobsWatcher {
  const log = options.log ?? DEFAULT_LOG;
  const onRedisError = options.onRedisError ?? ((err: Error, source: string) => log.error(`${source}: ${err.message}`, { source }));
  const results = new Queue(RESULTS_QUEUE, { connection: options.connection });
  results.on('error', (err) => onRedisError(err, `queue ${RESULTS_QUEUE}`));
  const recordIfFailed = async (queue: Queue, id: string): Promise<boolean> => {
    const job = await Job.fromId(queue, id);
    // Only a job that is failed for good; a retried attempt is back in wait/delayed.
    if (!job || (await job.getState()) !== 'failed') return false;
    // The worker published its final failure before throwing: the recorder records that one, with
    // the worker's reason. (Once recorded, the row is no longer open and recordFailure says so.)
    if (await Job.fromId(results, finalFailureJobId(id))) return false;
    const reason = job.failedReason || 'unknown reason';
    if (!options.recordFailure(id, reason)) return false;
    log.warn(`${options.what} ${id} failed in the queue without a worker report: ${reason}`, {
      [`${options.what}Id`]: id,
      queue: queue.name,
    });
    options.onRecorded?.(id);
    return true;
  };
  const watchers = options.queueNames.map((name) => {
    const events = new QueueEvents(name, { connection: options.connection });
    const queue = new Queue(name, { connection: options.connection });
    events.on('failed', ({ jobId }) => {
      void recordIfFailed(queue, jobId).catch((err: Error) => log.error(`failed-${options.what} watcher: ${err.message}`, { queue: name }));
    });
    events.on('error', (err) => onRedisError(err, `queue events ${name}`));
    queue.on('error', (err) => onRedisError(err, `queue ${name}`));
    return { events, queue };
  });
  const sweep = async () => {
    for (const id of options.openIds()) {
      for (const { queue } of watchers) if (await recordIfFailed(queue, id)) break;
    }
  };
  const ready = Promise.all(watchers.map((w) => w.events.waitUntilReady()))
    .then(sweep)
    .catch((err: Error) => log.error(`failed-${options.what} sweep: ${err.message}`));
  return {
    ready,
    close: async () => void (await Promise.all([...watchers.flatMap((w) => [w.events.close(), w.queue.close()]), results.close()])),
  };
}
