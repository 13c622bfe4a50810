import { z } from 'zod';
import { DEVICES } from '../cell-config.ts';
import { TRAIN_STATUSES, trainOutcomeSchema, trainProgressSchema } from '../train-messages.ts';
import type { TrainJobRequest } from '../train-payloads.ts';

/** A train job (pretraining or student distillation) as `GET /v1/train[/:id]` and the `train` SSE event show it. */
export const trainJobViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['pretrain', 'student']),
  device: z.enum(DEVICES),
  status: z.enum(TRAIN_STATUSES),
  request: z.custom<TrainJobRequest>((v) => typeof v === 'object' && v !== null),
  attempt: z.number().int().min(0),
  workerId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: trainProgressSchema.nullable(),
  /** Every recorded step's training loss, and the held-out loss where it was evaluated. */
  curve: z.array(z.object({ step: z.number(), trainLoss: z.number(), heldOutLoss: z.number().optional() })),
  /** The published model, once done: trained:<name>@<version> (jobs stored before that id: dir:<folder>). */
  modelId: z.string().nullable(),
  version: z.string().nullable(),
  outcome: trainOutcomeSchema.nullable(),
  error: z.string().nullable(),
});
export type TrainJobView = z.infer<typeof trainJobViewSchema>;
