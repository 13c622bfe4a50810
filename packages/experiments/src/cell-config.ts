import { z } from 'zod';

export const DTYPES = ['fp32', 'int8'] as const;
export const DEVICES = ['cpu', 'cuda'] as const;
export const DECODING_STRATEGIES = ['greedy'] as const;

export type Dtype = (typeof DTYPES)[number];
export type Device = (typeof DEVICES)[number];

export const variantSchema = z.object({ dtype: z.enum(DTYPES), cache: z.boolean() });
export const decodingSchema = z.object({ strategy: z.enum(DECODING_STRATEGIES) });

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
});

export type Variant = z.infer<typeof variantSchema>;
export type Decoding = z.infer<typeof decodingSchema>;
export type CellConfig = z.infer<typeof cellConfigSchema>;
