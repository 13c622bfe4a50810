import { z } from 'zod';
import { DEVICES } from './cell-config.ts';
import { createMatrixErrorMap, MAX_REPORTED_ISSUES, type MatrixIssue, oversizedInput } from './matrix-issues.ts';
import { MODEL_ID_SYNTAX, parseModelId, TRAINED_NAME } from './model-id.ts';
import { PermanentError } from './retry-policy.ts';
import { estimateTrainBytes } from './train-memory-estimate.ts';

// Training jobs (issue #14): pretraining a model (POST /v1/train) and distilling a student from a
// teacher (POST /v1/distill with kind "student"). Both are one job kind on the train-<device>
// queues; the worker publishes a versioned trained folder.

export const TRAIN_CORPORA = ['kjv'] as const;
/** Every corpus is tokenized with GPT-2's BPE (core/corpus CORPUS_TOKENIZER). */
export const CORPUS_VOCAB_SIZE = 50257;
/** What a worker is assumed to have for one training job when the api is not told (INFERLAB_TRAIN_MAX_BYTES). */
export const DEFAULT_TRAIN_MAX_BYTES = 8 * 1024 ** 3;

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const vocab = z.number().int().min(2).max(1_000_000).default(CORPUS_VOCAB_SIZE);

export const gpt2ShapeSchema = z.strictObject({
  family: z.literal('gpt2'),
  nLayer: int(1, 96),
  nHead: int(1, 128),
  nEmbd: int(1, 16384),
  nPositions: int(1, 65536).default(128),
  vocabSize: vocab,
});
export const llamaShapeSchema = z.strictObject({
  family: z.literal('llama'),
  nLayer: int(1, 96),
  hidden: int(1, 16384),
  nHead: int(1, 128),
  nKvHead: int(1, 128),
  intermediate: int(1, 65536),
  maxPositions: int(1, 65536).default(128),
  tieWordEmbeddings: z.boolean().default(true),
  vocabSize: vocab,
});
export const trainShapeSchema = z.discriminatedUnion('family', [gpt2ShapeSchema, llamaShapeSchema]);
export type TrainShape = z.output<typeof trainShapeSchema>;

const budget = {
  /** Optimizer steps, or `tokens` (steps = ⌈tokens / (batchSize · seqLen)⌉); exactly one. */
  steps: int(1, 10_000_000).optional(),
  tokens: int(1, 1e12).optional(),
  batchSize: int(1, 4096).default(8),
  seqLen: int(2, 65536).default(128),
  learningRate: z
    .strictObject({
      peak: z.number().gt(0).max(1).default(1e-3),
      min: z.number().min(0).max(1).optional(),
      warmupSteps: int(0, 1e7).default(0),
    })
    .default({ peak: 1e-3, warmupSteps: 0 }),
  seed: int(0, 2 ** 32 - 1).default(1),
  corpus: z.enum(TRAIN_CORPORA).default('kjv'),
  device: z.enum(DEVICES).default('cpu'),
  /** Held-out loss every this many steps (and at the end). */
  evalEvery: int(1, 1e7).default(50),
  checkpointEvery: int(1, 1e7).default(25),
  /** The trained model's name (its folder trained/<name>/<version>/, its id trained:<name>@<version>). */
  name: z.string().regex(TRAINED_NAME, 'lowercase letters, digits and dashes, at most 63').optional(),
};

export type TrainRequestOptions = { knownForgeModels?: readonly string[]; maxTrainBytes?: number };

function modelIdField(known: readonly string[] | undefined) {
  return z.string().superRefine((id, ctx) => {
    const parsed = parseModelId(id);
    if (parsed === null)
      return ctx.addIssue({ code: 'custom', message: `invalid model id ${JSON.stringify(id)}; expected ${MODEL_ID_SYNTAX}` });
    if (parsed.kind === 'forge' && known !== undefined && !known.includes(parsed.name)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown forge model ${JSON.stringify(parsed.name)}; known forge models: ${known.join(', ')}`,
      });
    }
  });
}

type Budgeted = { steps?: number | undefined; tokens?: number | undefined; batchSize: number; seqLen: number };
type Ctx = z.RefinementCtx;

function checkBudget(r: Budgeted, ctx: Ctx): void {
  if ((r.steps === undefined) === (r.tokens === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['steps'], message: 'give exactly one of steps or tokens (the budget)' });
  }
}

function checkShape(shape: TrainShape, path: string, r: Budgeted, kd: boolean, maxBytes: number | undefined, ctx: Ctx): void {
  if (shape.vocabSize !== CORPUS_VOCAB_SIZE) {
    ctx.addIssue({
      code: 'custom',
      path: [path, 'vocabSize'],
      message: `the corpus is tokenized with GPT-2's BPE (${CORPUS_VOCAB_SIZE} tokens); ${shape.vocabSize} would be another tokenizer${kd ? ' than the teacher’s' : ''}`,
    });
  }
  const width = shape.family === 'gpt2' ? shape.nEmbd : shape.hidden;
  if (width % shape.nHead !== 0) ctx.addIssue({ code: 'custom', path: [path, 'nHead'], message: `must divide the width ${width}` });
  if (shape.family === 'llama' && shape.nHead % shape.nKvHead !== 0) {
    ctx.addIssue({ code: 'custom', path: [path, 'nKvHead'], message: `must divide nHead ${shape.nHead}` });
  }
  const positions = shape.family === 'gpt2' ? shape.nPositions : shape.maxPositions;
  if (r.seqLen > positions)
    ctx.addIssue({ code: 'custom', path: ['seqLen'], message: `${r.seqLen} exceeds the model's ${positions} positions` });
  const bytes = estimateTrainBytes(shape, r.batchSize, r.seqLen, kd);
  if (maxBytes !== undefined && bytes > maxBytes) {
    const gib = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;
    ctx.addIssue({
      code: 'custom',
      path: [path],
      message: `needs about ${gib(bytes)} to train at batch ${r.batchSize} × ${r.seqLen} (weights, grads, 2 AdamW moments, activations); the worker allows ${gib(maxBytes)}: shrink the shape, batchSize or seqLen`,
    });
  }
}

export function createTrainRequestSchema(o: TrainRequestOptions = {}) {
  return z
    .strictObject({ model: modelIdField(o.knownForgeModels).optional(), shape: trainShapeSchema.optional(), ...budget })
    .superRefine((r, ctx) => {
      checkBudget(r, ctx);
      if ((r.model === undefined) === (r.shape === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['shape'],
          message: 'give exactly one of shape (architecture and sizes) or model (a forge name whose shape is trained from scratch)',
        });
      }
      if (r.model !== undefined && parseModelId(r.model)?.kind !== 'forge') {
        ctx.addIssue({
          code: 'custom',
          path: ['model'],
          message: 'a training job takes its shape from a forge: model; to start from trained weights use POST /v1/distill kind "student"',
        });
      }
      if (r.shape !== undefined) checkShape(r.shape, 'shape', r, false, o.maxTrainBytes, ctx);
    });
}

export function createStudentRequestSchema(o: TrainRequestOptions = {}) {
  return z
    .strictObject({
      kind: z.literal('student'),
      teacher: modelIdField(o.knownForgeModels),
      /** { firstLayers: N }: the teacher's first N layers (GPT-2 / Llama folders); or a shape from forge's init. */
      student: z.union([z.strictObject({ firstLayers: int(1, 96) }), trainShapeSchema]),
      temperature: z.number().gt(0).max(100).default(2),
      alpha: z.number().min(0).max(1).default(0.9),
      ...budget,
    })
    .superRefine((r, ctx) => {
      checkBudget(r, ctx);
      if ('family' in r.student) checkShape(r.student, 'student', r, true, o.maxTrainBytes, ctx);
    });
}

export type TrainRequest = z.output<ReturnType<typeof createTrainRequestSchema>>;
export type StudentRequest = z.output<ReturnType<typeof createStudentRequestSchema>>;
/** What a train job runs: pretraining (kind "pretrain") or student distillation (kind "student"). */
export type TrainJobRequest = ({ kind: 'pretrain' } & TrainRequest) | StudentRequest;

export class InvalidTrainRequestError extends PermanentError {
  override readonly name = 'InvalidTrainRequestError';
  readonly issues: MatrixIssue[];
  readonly issueCount: number;
  constructor(issues: MatrixIssue[], options?: ErrorOptions & { total?: number }) {
    const issueCount = Math.max(options?.total ?? issues.length, issues.length);
    const shown = issues.slice(0, 5).map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`));
    super(
      `invalid training request: ${shown.join('; ')}${issueCount > shown.length ? `; and ${issueCount - shown.length} more` : ''}`,
      options,
    );
    this.issues = issues.slice(0, MAX_REPORTED_ISSUES);
    this.issueCount = issueCount;
  }
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown): T {
  const oversized = oversizedInput(input);
  if (oversized !== null) throw new InvalidTrainRequestError(oversized.issues, { total: oversized.total });
  const { errorMap, toMatrixIssues } = createMatrixErrorMap();
  const result = schema.safeParse(input, { error: errorMap, reportInput: true });
  if (result.success) return result.data;
  const { issues, total } = toMatrixIssues(result.error.issues);
  throw new InvalidTrainRequestError(issues, { cause: result.error, total });
}

/** A POST /v1/train body → a train job request; every issue at once with its dotted path. */
export function parseTrainRequest(input: unknown, o: TrainRequestOptions = {}): TrainJobRequest {
  return { kind: 'pretrain', ...parseWith(createTrainRequestSchema(o), input) };
}

/** A POST /v1/distill body with kind "student". */
export function parseStudentRequest(input: unknown, o: TrainRequestOptions = {}): TrainJobRequest {
  return parseWith(createStudentRequestSchema(o), input);
}

/** Optimizer steps of a request (its step budget, or its token budget over the batch). */
export function trainSteps(r: Budgeted): number {
  return r.steps ?? Math.ceil((r.tokens ?? 0) / (r.batchSize * r.seqLen));
}
