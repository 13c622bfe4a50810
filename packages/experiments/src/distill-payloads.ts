import { z } from 'zod';
import { DEVICES } from './cell-config.ts';
import { createMatrixErrorMap, MAX_REPORTED_ISSUES, type MatrixIssue, oversizedInput } from './matrix-issues.ts';
import { MODEL_ID_SYNTAX, mayBeInferlabGpt2, parseModelId } from './model-id.ts';
import { PermanentError } from './retry-policy.ts';

// Distill jobs (issue #7): train exit heads for a model on a worker (POST /v1/distill). The request,
// the queue job, and the messages the worker publishes to `results` for the recorder.

export const DISTILL_HEAD_KINDS = ['linear', 'low-rank'] as const;
export const DISTILL_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type DistillStatus = (typeof DISTILL_STATUSES)[number];

const count = z.number().int().min(0);
const isoTime = z.iso.datetime({ offset: true });

export type DistillRequestOptions = { knownForgeModels?: readonly string[] };

function distillModel(knownForgeModels: readonly string[] | undefined) {
  return z.string().superRefine((id, ctx) => {
    const parsed = parseModelId(id);
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (parsed === null) return issue(`invalid model id ${JSON.stringify(id)}; expected ${MODEL_ID_SYNTAX}`);
    if (parsed.kind === 'forge' && knownForgeModels !== undefined && !knownForgeModels.includes(parsed.name)) {
      return issue(`unknown forge model ${JSON.stringify(parsed.name)}; known forge models: ${knownForgeModels.join(', ')}`);
    }
    if (!mayBeInferlabGpt2(id)) {
      issue(
        'exit heads are trained for inferlab-built GPT-2 graphs: a forge gpt2-* model, a trained: GPT-2 or a dir: folder imported from a GPT-2 checkpoint',
      );
    }
  });
}

export function createDistillRequestSchema(options: DistillRequestOptions = {}) {
  return z
    .strictObject({
      model: distillModel(options.knownForgeModels),
      /** Blocks after which heads exit, each in 1..nLayer-1 (the worker checks the upper bound against the model). */
      layers: z
        .array(z.number().int().min(1).max(1024))
        .min(1)
        .max(64)
        .refine((ls) => new Set(ls).size === ls.length, { message: 'list each layer once' }),
      kind: z.enum(DISTILL_HEAD_KINDS).default('linear'),
      /** low-rank only; default min(32, model width). */
      rank: z.number().int().min(1).max(8192).optional(),
      epochs: z.number().int().min(1).max(100).default(8),
      learningRate: z.number().gt(0).max(1).default(2e-3),
      temperature: z.number().gt(0).max(100).default(2),
      seed: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1)
        .default(1),
      /** Token positions per Adam step. */
      batchTokens: z.number().int().min(1).max(4096).default(64),
      device: z.enum(DEVICES).default('cpu'),
    })
    .superRefine((r, ctx) => {
      if (r.rank !== undefined && r.kind !== 'low-rank') {
        ctx.addIssue({ code: 'custom', path: ['rank'], message: 'only low-rank heads have a rank; drop it or set kind "low-rank"' });
      }
    });
}

export type DistillRequest = z.output<ReturnType<typeof createDistillRequestSchema>>;

export class InvalidDistillRequestError extends PermanentError {
  override readonly name = 'InvalidDistillRequestError';
  /** The first MAX_REPORTED_ISSUES issues. */
  readonly issues: MatrixIssue[];
  /** How many there were in all. */
  readonly issueCount: number;
  constructor(issues: MatrixIssue[], options?: ErrorOptions & { total?: number }) {
    const issueCount = Math.max(options?.total ?? issues.length, issues.length);
    const shown = issues.slice(0, 5).map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`));
    const more = issueCount > shown.length ? `; and ${issueCount - shown.length} more` : '';
    super(`invalid distill request: ${shown.join('; ')}${more}`, options);
    this.issues = issues.slice(0, MAX_REPORTED_ISSUES);
    this.issueCount = issueCount;
  }
}

/** Validates a POST /v1/distill body: unknown fields, bad values, every issue at once with its dotted path. */
export function parseDistillRequest(input: unknown, options: DistillRequestOptions = {}): DistillRequest {
  const oversized = oversizedInput(input);
  if (oversized !== null) throw new InvalidDistillRequestError(oversized.issues, { total: oversized.total });
  const { errorMap, toMatrixIssues } = createMatrixErrorMap();
  const result = createDistillRequestSchema(options).safeParse(input, { error: errorMap, reportInput: true });
  if (result.success) return result.data;
  const { issues, total } = toMatrixIssues(result.error.issues);
  throw new InvalidDistillRequestError(issues, { cause: result.error, total });
}

export const distillJobSchema = z.object({
  distillId: z.string().min(1),
  request: createDistillRequestSchema(),
  /** When the api accepted it: every attempt names its heads version from this time (one version per job). */
  createdAt: isoTime,
});
export type DistillJob = z.infer<typeof distillJobSchema>;

export const distillLayerMetricsSchema = z.object({
  layer: z.number().int().min(1),
  untrainedKd: z.number().min(0),
  trainedKd: z.number().min(0),
  trainedKdFirstEpoch: z.number().min(0).optional(),
});

export type DistillLayerMetrics = z.infer<typeof distillLayerMetricsSchema>;

export const distillCorpusSchema = z.object({ id: z.string(), source: z.string(), trainTokens: count, heldOutTokens: count });
export type DistillCorpusInfo = z.infer<typeof distillCorpusSchema>;

const distillRef = { distillId: z.string().min(1), attempt: z.number().int().min(1) };

export const distillProgressSchema = z.object({
  phase: z.enum(['teacher', 'evaluate', 'train']),
  step: count,
  totalSteps: count,
  epoch: count,
  trainLoss: z.array(z.number()).optional(),
});
/** Where a distill job is: the trainer (core) reports it, the worker publishes it. */
export type DistillProgressPayload = z.infer<typeof distillProgressSchema>;

/** What a distill job made: the heads version and how good they are (the inference thread → the worker → `results`). */
export const distillOutcomeSchema = z.object({
  version: z.string().min(1),
  modelSha256: z.string().min(1),
  metrics: z.array(distillLayerMetricsSchema).min(1),
  corpus: distillCorpusSchema,
  trainSeconds: z.number().min(0).nullable(),
});
export type DistillOutcomePayload = z.infer<typeof distillOutcomeSchema>;

/** The `results` messages of distill jobs (members of resultMessageSchema). */
export const distillMessageSchemas = [
  z.object({ kind: z.literal('distill-started'), ...distillRef, workerId: z.string().min(1), at: isoTime }),
  distillProgressSchema.extend({ kind: z.literal('distill-progress'), ...distillRef }),
  z.object({
    kind: z.literal('distill-result'),
    ...distillRef,
    workerId: z.string().min(1),
    ...distillOutcomeSchema.shape,
    at: isoTime,
  }),
  z.object({ kind: z.literal('distill-failed'), ...distillRef, workerId: z.string().min(1), reason: z.string(), final: z.boolean() }),
] as const;
