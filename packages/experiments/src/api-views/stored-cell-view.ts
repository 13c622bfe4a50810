import { z } from 'zod';
import { type CellResult, energySchema, environmentSchema, qualitySchema } from '../payloads.ts';
import { cellConfigViewSchema, cellStatusSchema } from './experiment-views.ts';

/** `GET /v1/cells/:id`: the stored cell, which experiment it belongs to, who ran it, its model. */
export const storedCellViewSchema = z.object({
  id: z.string(),
  experimentId: z.string(),
  index: z.number().int().min(0),
  // The prompts may be left to the experiment (listed once in its matrix), as in every cell view.
  config: cellConfigViewSchema,
  status: cellStatusSchema,
  attempt: z.number().int().min(0),
  workerId: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  model: z
    .object({
      file: z.string().nullable(),
      sha256: z.string(),
      fileBytes: z.number().nullable(),
      paramCount: z.number().nullable(),
      paramBytes: z.number().nullable(),
    })
    .nullable(),
  environment: environmentSchema.nullable(),
  memory: z.custom<CellResult['memory']>((v) => typeof v === 'object').nullable(),
  cpu: z.object({ userMs: z.number(), systemMs: z.number() }).nullable(),
  wallMs: z.number().nullable(),
  metricsVersion: z.string().nullable(),
  energy: energySchema.nullable(),
  quality: qualitySchema.nullable(),
});
