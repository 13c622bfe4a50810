import { type CellJob, isPermanent, type QueuedCellJob, resolveCellJob } from '@inferlab/experiments';
import { type Job, UnrecoverableError } from 'bullmq';

/**
 * A cell job is queued without its prompts (the experiment's, stored once in Redis under
 * promptsKey): the processor gets the whole job. Prompts that are gone fail the job for good.
 */
export function withResolvedPrompts<R>(
  get: (key: string) => Promise<string | null>,
  process: (job: Job<CellJob>, token?: string) => Promise<R>,
): (job: Job<QueuedCellJob>, token?: string) => Promise<R> {
  return async (job, token) => {
    try {
      job.data = (await resolveCellJob(job.data, get)) as QueuedCellJob;
    } catch (err) {
      throw isPermanent(err) ? new UnrecoverableError((err as Error).message) : err;
    }
    return process(job as unknown as Job<CellJob>, token);
  };
}
