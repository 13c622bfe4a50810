import { z } from 'zod';
import type { TrainJobRequest } from './train-payloads.ts';

// A train job on the train-<device> queues and the messages its worker publishes to `results`.

export const TRAIN_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type TrainStatus = (typeof TRAIN_STATUSES)[number];

const isoTime = z.iso.datetime({ offset: true });
const count = z.number().int().min(0);

export type TrainJob = { trainId: string; request: TrainJobRequest; createdAt: string };
/** The request is validated by the api (parseTrainRequest / parseStudentRequest) before it is queued. */
export const trainJobSchema = z.object({
  trainId: z.string().min(1),
  request: z.custom<TrainJobRequest>((v) => typeof v === 'object' && v !== null && 'kind' in v),
  createdAt: isoTime,
});

export const trainProgressSchema = z.object({
  step: count,
  totalSteps: count,
  trainLoss: z.number(),
  heldOutLoss: z.number().optional(),
  tokensSeen: count,
  tokensPerSecond: z.number().min(0),
  etaSeconds: z.number().min(0),
});
export type TrainProgressPayload = z.infer<typeof trainProgressSchema>;

/** What a train job published: the model id any matrix can name, and its training card's summary. */
export const trainOutcomeSchema = z.object({
  modelId: z.string().min(1),
  version: z.string().min(1),
  steps: count,
  tokensSeen: count,
  heldOutLoss: z.number().nullable(),
  heldOutPerplexity: z.number().nullable(),
  trainSeconds: z.number().min(0),
});
export type TrainOutcomePayload = z.infer<typeof trainOutcomeSchema>;

const trainRef = { trainId: z.string().min(1), attempt: z.number().int().min(1) };

/** The `results` messages of train jobs (members of resultMessageSchema). */
export const trainMessageSchemas = [
  z.object({ kind: z.literal('train-started'), ...trainRef, workerId: z.string().min(1), resumedFrom: count, at: isoTime }),
  trainProgressSchema.extend({ kind: z.literal('train-progress'), ...trainRef }),
  z.object({ kind: z.literal('train-result'), ...trainRef, workerId: z.string().min(1), ...trainOutcomeSchema.shape, at: isoTime }),
  z.object({
    kind: z.literal('train-failed'),
    ...trainRef,
    workerId: z.string().min(1),
    reason: z.string(),
    final: z.boolean(),
    cancelled: z.boolean().default(false),
  }),
] as const;

/** Redis key that marks a train job cancelled; the worker checks it between steps. */
export function trainCancelKey(trainId: string): string {
  return `inferlab:train-cancel:${trainId}`;
}
