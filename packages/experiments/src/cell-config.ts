import { z } from 'zod';
import { decodingSchema } from './decoding-schema.ts';

export { DECODING_STRATEGIES, type Decoding, decodingSchema } from './decoding-schema.ts';

/**
 * Weight variants (docs/contracts.md "Variants"; core's VARIANT_SPECS maps each to its file and
 * rewriter, and a test keeps the two lists equal).
 */
export const DTYPES = [
  'fp32',
  'fp16',
  'int8',
  'int8-per-tensor',
  'int8-asym',
  'int8-asym-per-tensor',
  'uint8',
  'uint8-per-tensor',
  'q8',
  'q8-b64',
  'q8-b128',
  'q4',
  'q4-b64',
  'q4-b128',
] as const;
export const DEVICES = ['cpu', 'cuda'] as const;
/**
 * `inferlab`: our engine. `transformers.js`: the peer baseline, @huggingface/transformers generate() on the same folder.
 * `llama.cpp`: node-llama-cpp on a GGUF written from the same folder's weights (fp32 → F32, fp16 → F16, q8 → Q8_0, q4 → Q4_0).
 */
export const ENGINES = ['inferlab', 'transformers.js', 'llama.cpp'] as const;
export type Engine = (typeof ENGINES)[number];

export type Dtype = (typeof DTYPES)[number];
export type Device = (typeof DEVICES)[number];

/** How the KV cache stores keys and values: float32, or int8 with a float32 scale per (row, head, token) (forge graphs). */
export const KV_CACHE_DTYPES = ['fp32', 'int8'] as const;
export type KvCacheDtype = (typeof KV_CACHE_DTYPES)[number];
/** Weight dtypes whose forge graph has an int8-KV-cache twin. */
export const KV_INT8_WEIGHT_DTYPES = ['fp32', 'int8'] as const satisfies readonly Dtype[];

/**
 * Where the KV cache lives between decode steps. concat: the graph's present tensors, copied out and
 * concatenated again each step (every cell before this axis existed). in-place: buffers the engine
 * owns, which the graph reads without copies and into which it writes only the new positions
 * (forge GPT-2 graphs, fp32 cache, our engine).
 */
export const KV_LAYOUTS = ['concat', 'in-place'] as const;
export type KvLayout = (typeof KV_LAYOUTS)[number];

// kvCacheDtype is absent for fp32 and kvLayout absent for concat (expansion leaves them out), so
// cells stored before these fields existed parse with the meaning they ran with.
export const variantSchema = z.object({
  dtype: z.enum(DTYPES),
  cache: z.boolean(),
  kvCacheDtype: z.enum(KV_CACHE_DTYPES).optional(),
  kvLayout: z.enum(KV_LAYOUTS).optional(),
});

/**
 * How requests arrive (MLPerf-style). single-stream: one after another. server: Poisson arrivals
 * at `ratePerS` (seeded), at most `maxConcurrency` in service, queueing delay recorded per request.
 * offline: every request at once.
 */
export const scenarioSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('single-stream') }),
  z.object({ kind: z.literal('offline') }),
  z.object({
    kind: z.literal('server'),
    ratePerS: z.number().positive().max(10_000),
    maxConcurrency: z.number().int().min(1).max(256),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
  }),
]);
export type Scenario = z.infer<typeof scenarioSchema>;

/** Latency targets for goodput (requests meeting every one of them per second). */
export const sloSchema = z.object({
  ttftMs: z.number().positive().optional(),
  tpotMs: z.number().positive().optional(),
  e2elMs: z.number().positive().optional(),
});
export type Slo = z.infer<typeof sloSchema>;

/** The resolved configuration of one cell: what a worker runs. Part of the cell id hash. */
export const cellConfigSchema = z.object({
  model: z.string().min(1),
  variant: variantSchema,
  decoding: decodingSchema,
  prompts: z.array(z.string()).min(1),
  maxNewTokens: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  device: z.enum(DEVICES),
  threads: z.number().int().nonnegative(),
  repetitions: z.number().int().positive(),
  warmup: z.number().int().nonnegative(),
  // Optional so configs stored before these axes existed still parse; expandMatrix always sets
  // engine and scenario. Absent means inferlab, single-stream.
  engine: z.enum(ENGINES).optional(),
  scenario: scenarioSchema.optional(),
  slo: sloSchema.optional(),
  /** Price of the machine per hour (any currency), for cost per 1M tokens. */
  pricePerHour: z.number().nonnegative().optional(),
});

export type Variant = z.infer<typeof variantSchema>;
export type CellConfig = z.infer<typeof cellConfigSchema>;
