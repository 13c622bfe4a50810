import { z } from 'zod';
import { cellConfigSchema } from '../cell-config.ts';

// What the api answers to the writes on experiments (docs/contracts.md "HTTP"); the handlers are
// typed by these (`satisfies`), and the OpenAPI document describes them with these.

const count = z.number().int().min(0);

/** `POST /v1/experiments` (201): the new id, the prompt count, and each cell's id and config (its prompts are the experiment's, listed once). */
export const experimentSubmittedSchema = z.object({
  id: z.string(),
  prompts: count,
  cells: z.array(z.object({ id: z.string(), config: cellConfigSchema.omit({ prompts: true }) })),
});
export type ExperimentSubmitted = z.infer<typeof experimentSubmittedSchema>;

/** `POST /v1/experiments/:id/enqueue`: how many still-queued cells were queued again. */
export const experimentEnqueuedSchema = z.object({ id: z.string(), enqueued: count });
export type ExperimentEnqueued = z.infer<typeof experimentEnqueuedSchema>;

/** `POST /v1/experiments/:id/cancel`: open cells cancelled (queued + running), and the queue jobs removed. */
export const experimentCancelledSchema = z.object({
  id: z.string(),
  cancelled: count,
  queued: count,
  running: count,
  removedJobs: count,
});
export type ExperimentCancelled = z.infer<typeof experimentCancelledSchema>;
