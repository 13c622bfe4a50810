import { isPermanent } from '@inferlab/experiments';
import { type Job, UnrecoverableError } from 'bullmq';
import { InferenceError } from './inference-host.ts';

/** How a failed cell or distill job is reported: permanent errors (the error says so) fail at once, others until the last attempt. */
export type JobFailure = { reason: string; permanent: boolean; final: boolean };

export function jobFailure(err: unknown, job: Job): JobFailure {
  const e = err as Error;
  const name = err instanceof InferenceError ? err.originalName : e.name;
  const permanent = isPermanent(err);
  return { reason: `${name}: ${e.message}`, permanent, final: permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1) };
}

/** What the processor throws to BullMQ: UnrecoverableError stops its retries for a permanent failure. */
export function errorForBullmq(failure: JobFailure, err: unknown): Error {
  return failure.permanent ? new UnrecoverableError(failure.reason) : (err as Error);
}
