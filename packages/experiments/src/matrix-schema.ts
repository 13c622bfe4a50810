import { z } from 'zod';
import { canonicalJson } from './canonical-json.ts';
import { DEVICES, DTYPES, ENGINES, KV_CACHE_DTYPES, KV_LAYOUTS } from './cell-config.ts';
import { MAX_BATCH_SIZE, matrixDecodingSchema } from './decoding-schema.ts';
import { createMatrixErrorMap, MAX_REPORTED_ISSUES, type MatrixIssue, oversizedInput } from './matrix-issues.ts';
import { MODEL_ID_SYNTAX, parseModelId } from './model-id.ts';
import { PermanentError } from './retry-policy.ts';

export const MATRIX_LIMITS = {
  models: 16,
  variants: 16,
  decoding: 8,
  prompts: 64,
  promptChars: 8000,
  lengths: 16,
  maxNewTokens: 2048,
  devices: DEVICES.length,
  threads: 16,
  maxThreads: 256,
  repetitions: 1000,
  warmup: 100,
  scenarios: 8,
} as const;

export type MatrixSchemaOptions = {
  /** Names `forge:` may use; when given, an unknown name is a validation error (not a failed job later). */
  knownForgeModels?: readonly string[];
};

const variant = z.strictObject({
  dtype: z.enum(DTYPES).default('fp32'),
  cache: z.boolean().default(true),
  /** Absent means fp32 (left out rather than defaulted, so matrices and cells without it are unchanged). */
  kvCacheDtype: z.enum(KV_CACHE_DTYPES).optional(),
  /**
   * Absent or "auto": in-place wherever it runs (expansion decides per cell: kv-layout.ts), else
   * concat. "concat" or "in-place" asks for that layout; in-place where it cannot run is refused.
   */
  kvLayout: z.enum(['auto', ...KV_LAYOUTS]).optional(),
});

const scenario = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('single-stream') }),
  z.strictObject({ kind: z.literal('offline') }),
  z.strictObject({
    kind: z.literal('server'),
    /** Mean arrivals per second of the Poisson process. */
    ratePerS: z.number().positive().max(10_000),
    maxConcurrency: z.number().int().min(1).max(256).default(1),
    /** Seed of the arrival process: the same seed gives the same arrival times. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(1),
  }),
]);

const slo = z.strictObject({
  ttftMs: z.number().positive().optional(),
  tpotMs: z.number().positive().optional(),
  e2elMs: z.number().positive().optional(),
});

/** The experiment matrix (POST /v1/experiments body), with defaults and limits. See docs/contracts.md. */
export function createMatrixSchema(options: MatrixSchemaOptions = {}) {
  const L = MATRIX_LIMITS;
  return z
    .strictObject({
      name: z
        .string()
        .min(1)
        .max(200)
        .default(() => `experiment ${new Date().toISOString()}`),
      models: unique(z.array(modelIdSchema(options.knownForgeModels)).min(1).max(L.models)),
      variants: unique(z.array(variant).min(1).max(L.variants)).default([{ dtype: 'fp32', cache: true }]),
      decoding: unique(z.array(matrixDecodingSchema(options.knownForgeModels)).min(1).max(L.decoding)).default([{ strategy: 'greedy' }]),
      prompts: z.array(z.string().min(1).max(L.promptChars)).min(1).max(L.prompts),
      maxNewTokens: unique(z.array(z.number().int().min(1).max(L.maxNewTokens)).min(1).max(L.lengths)).default([40]),
      batchSizes: unique(z.array(z.number().int().min(1).max(MAX_BATCH_SIZE)).min(1).max(L.lengths)).default([1]),
      devices: unique(z.array(z.enum(DEVICES)).min(1).max(L.devices)).default(['cpu']),
      threads: unique(z.array(z.number().int().min(0).max(L.maxThreads)).min(1).max(L.threads)).default([0]),
      repetitions: z.number().int().min(1).max(L.repetitions).default(5),
      warmup: z.number().int().min(0).max(L.warmup).default(1),
      engines: unique(z.array(z.enum(ENGINES)).min(1)).default(['inferlab']),
      scenarios: unique(z.array(scenario).min(1).max(L.scenarios)).default([{ kind: 'single-stream' }]),
      slo: slo.optional(),
      pricePerHour: z.number().nonnegative().max(1_000_000).optional(),
    })
    .superRefine((m, ctx) => {
      // What can run together is a rule of cells (cell-rules/), checked on the expanded matrix by assertCellsRun.
      sameVariantTwice(m.variants).forEach((first, i) => {
        if (first !== null) {
          ctx.addIssue({
            code: 'custom',
            path: ['variants', i],
            message: `same variant as item ${first} (kvCacheDtype defaults to "fp32", kvLayout to "auto"); list each once`,
          });
        }
      });
    });
}

/** Per variant, the index of an earlier one that differs only by spelling out a default (one cell id), else null. */
function sameVariantTwice(
  variants: readonly { dtype: string; cache: boolean; kvCacheDtype?: string; kvLayout?: string }[],
): (number | null)[] {
  const seen = new Map<string, number>();
  return variants.map((v, i) => {
    const key = JSON.stringify([v.dtype, v.cache, v.kvCacheDtype ?? 'fp32', v.kvLayout ?? 'auto']);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    // Exact repeats are unique()'s to report.
    return first !== undefined && canonicalJson(variants[first]) !== canonicalJson(v) ? first : null;
  });
}

export type MatrixSchema = ReturnType<typeof createMatrixSchema>;
export type MatrixInput = z.input<MatrixSchema>;
export type Matrix = z.output<MatrixSchema>;

/** Thrown by `parseMatrix`; `issues` name each field and the fix, `message` joins them for humans. */
export class InvalidMatrixError extends PermanentError {
  override readonly name = 'InvalidMatrixError';
  /** The first MAX_REPORTED_ISSUES issues. */
  readonly issues: MatrixIssue[];
  /** How many there were in all. */
  readonly issueCount: number;
  constructor(issues: MatrixIssue[], options?: ErrorOptions & { total?: number }) {
    const issueCount = Math.max(options?.total ?? issues.length, issues.length);
    const shown = issues.slice(0, 5).map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`));
    const more = issueCount > shown.length ? `; and ${issueCount - shown.length} more` : '';
    super(`invalid matrix: ${shown.join('; ')}${more}`, options);
    this.issues = issues.slice(0, MAX_REPORTED_ISSUES);
    this.issueCount = issueCount;
  }
}

/** Validates and fills defaults; throws `InvalidMatrixError` listing every problem at once. */
export function parseMatrix(input: unknown, options: MatrixSchemaOptions = {}): Matrix {
  const oversized = oversizedInput(input);
  if (oversized !== null) throw new InvalidMatrixError(oversized.issues, { total: oversized.total });
  const { errorMap, toMatrixIssues } = createMatrixErrorMap();
  const result = createMatrixSchema(options).safeParse(input, { error: errorMap, reportInput: true });
  if (result.success) return result.data;
  const { issues, total } = toMatrixIssues(result.error.issues);
  throw new InvalidMatrixError(issues, { cause: result.error, total });
}

function modelIdSchema(knownForgeModels: readonly string[] | undefined) {
  return z.string().superRefine((id, ctx) => {
    const parsed = parseModelId(id);
    if (parsed === null) {
      ctx.addIssue({ code: 'custom', message: `invalid model id ${JSON.stringify(id)}: expected ${MODEL_ID_SYNTAX}` });
    } else if (parsed.kind === 'forge' && knownForgeModels !== undefined && !knownForgeModels.includes(parsed.name)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown forge model ${JSON.stringify(parsed.name)}; known forge models: ${knownForgeModels.join(', ')}`,
      });
    }
  });
}

/** Rejects repeated values: two equal entries would expand to two cells with the same id. */
function unique<T extends z.ZodArray<z.ZodType>>(schema: T): T {
  return schema.superRefine((items, ctx) => {
    const first = new Map<string, number>();
    items.forEach((item, index) => {
      const key = canonicalJson(item);
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, index);
      else ctx.addIssue({ code: 'custom', path: [index], message: `duplicate of item ${earlier}; list each value once` });
    });
  }) as unknown as T;
}
