import { z } from 'zod';
import { parseModelId } from './model-id.ts';

// The decoding axis (docs/contracts.md): a strategy and its parameters, defaults filled in, so
// the resolved config in a cell (and its id) says exactly what ran.

export const DECODING_STRATEGIES = ['greedy', 'sample', 'beam', 'speculative', 'prompt-lookup'] as const;
/** Strategies that choose each token from one row of logits, so rows can share a static batch. */
export const BATCHABLE_STRATEGIES: readonly string[] = ['greedy', 'sample'];
export const MAX_BATCH_SIZE = 64;

const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);
const draftTokens = z.number().int().min(1).max(16);

function buildDecodingSchema(strict: boolean, knownForgeModels?: readonly string[]) {
  const obj = <T extends z.core.$ZodLooseShape>(shape: T) => (strict ? z.strictObject(shape) : z.object(shape));
  const draftModel = z.string().superRefine((id, ctx) => {
    const parsed = parseModelId(id);
    if (parsed === null) ctx.addIssue({ code: 'custom', message: `invalid draft model id ${JSON.stringify(id)}` });
    else if (parsed.kind === 'forge' && knownForgeModels !== undefined && !knownForgeModels.includes(parsed.name)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown forge model ${JSON.stringify(parsed.name)}; known forge models: ${knownForgeModels.join(', ')}`,
      });
    }
  });
  return z.discriminatedUnion(
    'strategy',
    [
      obj({ strategy: z.literal('greedy') }),
      obj({
        strategy: z.literal('sample'),
        temperature: z.number().positive().max(100).default(1),
        topK: z.number().int().min(0).default(0),
        topP: z.number().gt(0).max(1).default(1),
        repetitionPenalty: z.number().positive().max(100).default(1),
        seed: seed.default(0),
      }),
      obj({
        strategy: z.literal('beam'),
        numBeams: z.number().int().min(1).max(16).default(4),
        lengthPenalty: z.number().min(-10).max(10).default(1),
        earlyStopping: z.boolean().default(false),
      }),
      obj({
        strategy: z.literal('speculative'),
        draft: draftModel,
        k: draftTokens.default(4),
        adaptiveK: z.boolean().default(false),
        verification: z.enum(['greedy', 'stochastic']).default('greedy'),
        seed: seed.optional(),
        temperature: z.number().positive().max(100).optional(),
      }),
      obj({ strategy: z.literal('prompt-lookup'), ngram: z.number().int().min(1).max(8).default(3), k: draftTokens.default(4) }),
    ],
    {
      error: (iss) =>
        iss.code === 'invalid_union'
          ? `expected strategy to be one of ${DECODING_STRATEGIES.map((s) => JSON.stringify(s)).join(' | ')}, got ${JSON.stringify((iss.input as { strategy?: unknown } | undefined)?.strategy)}`
          : undefined,
    },
  );
}

/** One entry of the matrix's `decoding` list: strict (unknown fields are errors), defaults filled. */
export const matrixDecodingSchema = (knownForgeModels?: readonly string[]) => buildDecodingSchema(true, knownForgeModels);

/** The resolved decoding of a cell (CellConfig.decoding). */
export const decodingSchema = buildDecodingSchema(false);
export type Decoding = z.infer<typeof decodingSchema>;

/** Cross-axis rule: batch sizes above 1 run greedy or sample, with the KV cache. Returns a message per conflict. */
export function batchingConflicts(m: {
  batchSizes: readonly number[];
  decoding: readonly { strategy: string }[];
  variants: readonly { cache: boolean }[];
}): string[] {
  if (!m.batchSizes.some((b) => b > 1)) return [];
  const out: string[] = [];
  const unbatchable = m.decoding.filter((d) => !BATCHABLE_STRATEGIES.includes(d.strategy)).map((d) => d.strategy);
  if (unbatchable.length > 0) {
    out.push(
      `batch sizes above 1 run greedy or sample only, and the matrix also has ${unbatchable.join(', ')}; submit those with batchSizes [1] in another experiment`,
    );
  }
  if (m.variants.some((v) => !v.cache))
    out.push('batch sizes above 1 need the KV cache; drop variants with cache: false or use batchSizes [1]');
  return out;
}
