import { z } from 'zod';
import { parseModelId } from './model-id.ts';

// The decoding axis (docs/contracts.md): a strategy and its parameters, defaults filled in, so
// the resolved config in a cell (and its id) says exactly what ran.

export const DECODING_STRATEGIES = ['greedy', 'sample', 'beam', 'speculative', 'prompt-lookup', 'early-exit', 'self-speculative'] as const;
/** Strategies that run the model in layer segments with exit heads (issue #7): KV cache, batch 1, our engine, GPT-2 graphs. */
export const EXIT_HEAD_STRATEGIES: readonly string[] = ['early-exit', 'self-speculative'];
/** Exit heads every model has (identity maps); trained ones are named by the distill job that made them. */
export const UNTRAINED_HEADS = 'untrained';
/** A trained version: `<UTC yyyymmddThhmmssZ>-<8 hex>` (core's HEADS_VERSION_PATTERN). */
export const HEADS_VERSION_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;
/** Strategies that choose each token from one row of logits, so rows can share a static batch. */
export const BATCHABLE_STRATEGIES: readonly string[] = ['greedy', 'sample'];
export const MAX_BATCH_SIZE = 64;

const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);
const draftTokens = z.number().int().min(1).max(16);
const exitLayer = z.number().int().min(1).max(1024);
const heads = z
  .string()
  .refine((v) => v === UNTRAINED_HEADS || HEADS_VERSION_PATTERN.test(v), {
    message: `expected "${UNTRAINED_HEADS}" or a version made by POST /v1/distill (like "20261129T052007Z-1a2b3c4d"); GET /v1/distill?model= lists them`,
  })
  .default(UNTRAINED_HEADS);

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
      obj({
        strategy: z.literal('early-exit'),
        heads,
        exitLayers: z
          .array(exitLayer)
          .min(1)
          .max(64)
          .refine((ls) => ls.every((l, i) => i === 0 || l > (ls[i - 1] as number)), {
            message: 'list exit layers in ascending order, each once',
          }),
        criterion: z.enum(['max-prob', 'entropy', 'margin']).default('max-prob'),
        // max-prob and margin lie in [0, 1] (above 1 never exits); entropy in nats (negative never exits).
        threshold: z.number().default(0.9),
      }).refine((d) => d.criterion === 'entropy' || d.threshold >= 0, {
        path: ['threshold'],
        message: 'max-prob and margin thresholds must be ≥ 0 (0 always exits at the first exit layer; above 1 never exits)',
      }),
      obj({ strategy: z.literal('self-speculative'), heads, exitLayer, k: draftTokens.default(4), adaptiveK: z.boolean().default(false) }),
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
