import type { Device } from './cell-config.ts';

// BullMQ 6 refuses ':' in queue names (it separates the Redis key parts), hence `cells-cpu`.
export const CELL_QUEUES = { cpu: 'cells-cpu', cuda: 'cells-cuda' } as const satisfies Record<Device, string>;
export const RESULTS_QUEUE = 'results';

/** Job name of every job on a `cells-<device>` queue. */
export const CELL_JOB_NAME = 'cell';

export function cellQueueName(device: Device): string {
  return CELL_QUEUES[device];
}

/**
 * jobId of a `cell-result` message: one per cell attempt, so a re-published result is deduplicated
 * by BullMQ and a new attempt is not. (BullMQ 6 accepts a custom id with exactly two ':'.)
 */
export function resultJobId(cellId: string, attempt: number): string {
  return `result:${cellId}:${attempt}`;
}

/**
 * jobId of the worker's final failure report of a cell or distill job (`cell-failed` / `distill-failed`
 * with final: true): published before the worker throws, so when BullMQ says the job failed, the
 * failed-jobs watcher can tell a failure the worker reported (the recorder records it) from one
 * only the queue knows about (a job that stalled too often).
 */
export function finalFailureJobId(id: string): string {
  return `failed:${id}:final`; // two ':' exactly, as BullMQ requires of a custom id that has any
}

const HOUR_S = 3600;

/** Options of every cell job; `jobId` (= cell id) is set per job. */
export const CELL_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  // Completed jobs stay a day so a resubmitted cell id is still deduplicated meanwhile; failed ones a week for
  // inspection. Counts cap Redis memory on large matrices.
  removeOnComplete: { age: 24 * HOUR_S, count: 10_000 },
  removeOnFail: { age: 7 * 24 * HOUR_S, count: 10_000 },
} as const;

/**
 * Options for messages published to `results`: the recorder is idempotent, so retrying a message
 * whose write failed (a busy database) is safe; recorded ones need not linger.
 */
export const RESULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: HOUR_S, count: 1000 },
  removeOnFail: { age: 7 * 24 * HOUR_S },
} as const;

/** Exit-head training jobs (POST /v1/distill), one queue per device class like the cells; jobId = distill id. */
export const DISTILL_QUEUES = { cpu: 'distill-cpu', cuda: 'distill-cuda' } as const satisfies Record<Device, string>;
export const DISTILL_JOB_NAME = 'distill';

export function distillQueueName(device: Device): string {
  return DISTILL_QUEUES[device];
}

/** A killed worker's distill job is retried; the heads store publishes at most one version per job id. */
export const DISTILL_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 7 * 24 * HOUR_S, count: 1000 },
  removeOnFail: { age: 7 * 24 * HOUR_S, count: 1000 },
} as const;

/** Training jobs (POST /v1/train, POST /v1/distill kind "student"); jobId = train id. */
export const TRAIN_QUEUES = { cpu: 'train-cpu', cuda: 'train-cuda' } as const satisfies Record<Device, string>;
export const TRAIN_JOB_NAME = 'train';

export function trainQueueName(device: Device): string {
  return TRAIN_QUEUES[device];
}

/** A killed worker's train job is retried and resumes from its last checkpoint; one version is published per job. */
export const TRAIN_JOB_OPTIONS = DISTILL_JOB_OPTIONS;

/**
 * Redis key that marks an experiment cancelled; workers check it before and during a cell
 * (between requests) and stop. Kept a week, longer than any cell's retries.
 */
export function cancelKey(experimentId: string): string {
  return `inferlab:cancel:${experimentId}`;
}
export const CANCEL_KEY_TTL_S = 7 * 24 * HOUR_S;
