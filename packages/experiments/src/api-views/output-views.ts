import { z } from 'zod';
import { cellConfigSchema } from '../cell-config.ts';

// What the model said (docs/contracts.md "Outputs"): `GET /v1/cells/:id/outputs` and
// `GET /v1/experiments/:id/outputs`. packages/db/src/cell-outputs.ts builds these.

const count = z.number().int().min(0);
const tokenIds = z.array(z.number().int());

/** One measured request's output. */
export const requestOutputSchema = z.object({
  repetition: count,
  promptIndex: count,
  stopReason: z.string(),
  text: z.string(),
  tokenIds,
});
export type RequestOutput = z.infer<typeof requestOutputSchema>;

/** `GET /v1/cells/:id/outputs`: every measured request in (repetition, prompt) order. */
export const cellOutputsSchema = z.object({ cellId: z.string(), outputs: z.array(requestOutputSchema) });
export type CellOutputs = z.infer<typeof cellOutputsSchema>;

/** One cell's output for one prompt against its model's reference cell (fp32 greedy when there is one). */
export const outputComparisonSchema = z.object({
  cellId: z.string(),
  index: count,
  config: cellConfigSchema.pick({ model: true, variant: true, decoding: true, engine: true }),
  /** The first measured repetition's output; null when the cell has none (not done). */
  text: z.string().nullable(),
  tokenIds: tokenIds.nullable(),
  /** itself when it is the reference; null when no cell of its model has output */
  referenceCellId: z.string().nullable(),
  sameAsReference: z.boolean().nullable(),
  /** The first token position that differs from the reference; null when identical (or not compared). */
  firstDivergence: count.nullable(),
  /** Do all repetitions produce the same tokens? (false is expected when sampling) */
  repetitionsAgree: z.boolean().nullable(),
});
export type OutputComparison = z.infer<typeof outputComparisonSchema>;

export const promptOutputsSchema = z.object({ promptIndex: count, cells: z.array(outputComparisonSchema) });
export type PromptOutputs = z.infer<typeof promptOutputsSchema>;

/** `GET /v1/experiments/:id/outputs`: per prompt, every cell's output against its reference. */
export const experimentOutputsSchema = z.object({ experimentId: z.string(), prompts: z.array(promptOutputsSchema) });
export type ExperimentOutputs = z.infer<typeof experimentOutputsSchema>;
