import { z } from 'zod';
import { DEVICES } from '../cell-config.ts';
import {
  createDistillRequestSchema,
  DISTILL_STATUSES,
  distillCorpusSchema,
  distillLayerMetricsSchema,
  distillProgressSchema,
} from '../distill-payloads.ts';
import { trainJobViewSchema } from './train-job-view.ts';

/** A distill job as `GET /v1/distill[/:id]` and `POST /v1/distill` answer it. */
export const distillJobViewSchema = z.object({
  id: z.string(),
  model: z.string(),
  device: z.enum(DEVICES),
  status: z.enum(DISTILL_STATUSES),
  request: createDistillRequestSchema(),
  attempt: z.number().int().min(0),
  workerId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: distillProgressSchema.nullable(),
  version: z.string().nullable(),
  modelSha256: z.string().nullable(),
  metrics: z.array(distillLayerMetricsSchema).nullable(),
  corpus: distillCorpusSchema.nullable(),
  trainSeconds: z.number().nullable(),
  error: z.string().nullable(),
});
export type DistillJobView = z.infer<typeof distillJobViewSchema>;
export const distillJobListSchema = z.object({ jobs: z.array(distillJobViewSchema) });

/** `POST /v1/distill` (201): the distill job, or with `"kind": "student"` the train job it became. */
export const distillSubmittedSchema = z.union([distillJobViewSchema, trainJobViewSchema]);
export type DistillSubmitted = z.infer<typeof distillSubmittedSchema>;
