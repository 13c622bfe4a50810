import { z } from 'zod';

// `GET /v1/cells/:id/positions`: stats/position-latency.ts `PositionLatency` (its handler is typed
// by this schema) — inter-token latency by output position, and what 100 tokens of context add.

const count = z.number().int().min(0);

export const positionBucketSchema = z.object({
  from: count,
  to: count,
  n: count,
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
});

export const decodeSlopeSchema = z.object({ msPer100Tokens: z.number(), interceptMs: z.number(), r2: z.number().nullable(), n: count });

export const cellPositionsSchema = z.object({
  cellId: z.string(),
  bucketSize: count,
  buckets: z.array(positionBucketSchema),
  slope: decodeSlopeSchema.nullable(),
});
export type CellPositions = z.infer<typeof cellPositionsSchema>;
