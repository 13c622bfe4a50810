import { type CellJob, isPermanent, type QueuedCellJob, type ResultMessage, resolveCellJob } from '@inferlab/experiments';
import { type Job, type JobsOptions, Queue, UnrecoverableError } from 'bullmq';

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

/**
 * The results queue the cell processor publishes to: a `cell-result` leaves its config's prompts
 * to the experiment (the recorder does not need them), so 64 results of 64 long prompts do not put
 * the prompts in Redis 64 more times while completed messages are kept.
 */
export class ResultsQueue extends Queue<ResultMessage> {
  override add(name: ResultMessage['kind'], data: ResultMessage, opts?: JobsOptions) {
    if (data.kind !== 'cell-result') return super.add(name, data, opts);
    const { prompts: _prompts, ...config } = data.config;
    return super.add(name, { ...data, config }, opts);
  }
}
