import { z } from 'zod';
import { type CellConfig, cellConfigSchema } from './cell-config.ts';
import type { CellJob } from './payloads.ts';
import { PermanentError, RetryableError } from './retry-policy.ts';

// A queued cell job does not carry the prompts: they are the experiment's, stored once in Redis
// under promptsKey(experimentId) by the api before it adds the jobs, and resolved by the worker
// when it takes one. 64 cells of 64 long prompts queue the prompts once, not 64 times.

/** The Redis key of an experiment's prompts (a JSON array of strings). */
export function promptsKey(experimentId: string): string {
  return `inferlab:prompts:${experimentId}`;
}

/** Kept past any queue wait; set again on every (re-)enqueue. */
export const PROMPTS_KEY_TTL_S = 30 * 24 * 3600;

/** A job as queued: the config without prompts, and where they are. Jobs queued before carry them inline. */
export const queuedCellJobSchema = z.object({
  experimentId: z.string().min(1),
  cellId: z.string().min(1),
  config: cellConfigSchema.omit({ prompts: true }).extend({ prompts: cellConfigSchema.shape.prompts.optional() }),
  promptsKey: z.string().min(1).optional(),
});
export type QueuedCellJob = z.infer<typeof queuedCellJobSchema>;

/** The job to queue for a cell: its prompts left to the experiment's key. */
export function queuedCellJob(job: CellJob): QueuedCellJob {
  const { prompts: _prompts, ...config } = job.config;
  return { experimentId: job.experimentId, cellId: job.cellId, config, promptsKey: promptsKey(job.experimentId) };
}

/** The experiment's prompts are gone from Redis (flushed, or the key expired): the cell cannot run. */
export class PromptsMissingError extends PermanentError {
  override readonly name = 'PromptsMissingError';
}

/** Redis did not answer while the prompts were read: try the job again. */
export class PromptsUnavailableError extends RetryableError {
  override readonly name = 'PromptsUnavailableError';
}

const promptsSchema = cellConfigSchema.shape.prompts;

/** The whole job the processor runs: `get` reads a Redis string (ioredis `get`). */
export async function resolveCellJob(job: QueuedCellJob, get: (key: string) => Promise<string | null>): Promise<CellJob> {
  if (job.config.prompts !== undefined) return { ...job, config: job.config as CellConfig };
  const key = job.promptsKey ?? promptsKey(job.experimentId);
  let raw: string | null;
  try {
    raw = await get(key);
  } catch (err) {
    throw new PromptsUnavailableError(`could not read the prompts of experiment ${job.experimentId}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (raw === null)
    throw new PromptsMissingError(`the prompts of experiment ${job.experimentId} are not in Redis (${key}); submit it again`);
  const prompts = promptsSchema.parse(JSON.parse(raw));
  const { promptsKey: _key, ...rest } = job;
  return { ...rest, config: { ...job.config, prompts } };
}
