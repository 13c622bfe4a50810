import { RESULT_JOB_OPTIONS, type ResultMessage, RetryableError } from '@inferlab/experiments';
import type { Job, Queue } from 'bullmq';
import { errorForBullmq, type JobFailure, jobFailure } from './job-failure.ts';
import type { Logger } from './logger.ts';

// What the cell and distill processors share: the attempt number, publishing to `results`,
// progress at most once a second, and the failure path (report, then tell BullMQ whether to retry).

export type Publish = (msg: ResultMessage, jobId?: string) => Promise<unknown>;

/** Sends a message through `results`; `jobId` makes a retried publish of the same message a no-op. */
export function publisher(results: Queue<ResultMessage>): Publish {
  return (msg, jobId) => results.add(msg.kind, msg, jobId ? { ...RESULT_JOB_OPTIONS, jobId } : RESULT_JOB_OPTIONS);
}

/** attemptsStarted counts stalled (killed-worker) restarts too, so each try has its own number. */
export function attemptOf(job: Pick<Job, 'attemptsStarted' | 'attemptsMade'>): number {
  return Math.max(job.attemptsStarted, job.attemptsMade + 1);
}

/** A gate that opens at most once per `everyMs`, and always when forced (the last step, a phase change). */
export function throttle(everyMs: number, now: () => number = Date.now): (force?: boolean) => boolean {
  let last = Number.NEGATIVE_INFINITY;
  return (force = false) => {
    const t = now();
    if (!force && t - last < everyMs) return false;
    last = t;
    return true;
  };
}

/**
 * This worker no longer owns the job: it was frozen (or cut off from Redis) past its lock, BullMQ
 * moved the job on, and another attempt runs or ran it. Its result must not be published — its
 * timings contain the freeze — and its failure must not be reported either.
 */
export class LockLostError extends RetryableError {
  override readonly name = 'LockLostError';
}

/**
 * Whether this worker still holds the job's lock, renewing it (BullMQ's own extendLock: the lock
 * key still holds our token). `token` is absent when a test calls the processor directly.
 */
export async function holdsLock(job: Pick<Job, 'extendLock'>, token: string | undefined, lockMs: number): Promise<boolean> {
  if (token === undefined) return true;
  try {
    return (await job.extendLock(token, lockMs)) === 1;
  } catch {
    return false; // Redis unreachable: ownership cannot be shown, so the result is not published
  }
}

/**
 * Runs one attempt of a job. On failure: logs it, reports it (`reportFailure` publishes the
 * cell-failed or distill-failed message), and throws what BullMQ should see: UnrecoverableError for
 * a permanent failure (no retry), the error itself otherwise.
 */
export async function runAttempt<T>(
  job: Job,
  log: Logger,
  work: () => Promise<T>,
  reportFailure: (failure: JobFailure) => Promise<unknown>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof LockLostError) {
      log.warn({ reason: err.message }, 'lost the job lock: result discarded, nothing reported');
      throw err;
    }
    const failure = jobFailure(err, job);
    log.warn({ reason: failure.reason, permanent: failure.permanent, final: failure.final }, 'attempt failed');
    await reportFailure(failure);
    throw errorForBullmq(failure, err);
  }
}
