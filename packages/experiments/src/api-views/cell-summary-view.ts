import { z } from 'zod';
import { DTYPES, KV_CACHE_DTYPES } from '../cell-config.ts';
import { environmentSchema, qualitySchema, strategyStatsSchema, tokenEventSchema, weightBytesSchema } from '../payloads.ts';
import type { CellCost } from '../stats/cell-cost.ts';
import type { Goodput } from '../stats/goodput.ts';
import type { DecodeSlope } from '../stats/position-latency.ts';
import type { RepetitionSpread } from '../stats/repetition-spread.ts';
import type { StrategyMetrics } from '../stats/strategy-metrics.ts';
import { cellConfigViewSchema, cellStatusSchema, experimentListItemSchema } from './experiment-views.ts';

// `GET /v1/experiments/:id/results` and `GET /v1/cells/:id/tokens` (docs/contracts.md). The numbers
// are computed by stats/cell-metrics.ts; the schema says what reaches the reader. Objects the
// dashboard only shows generically keep the stats' own types (`statsObject`).

const count = z.number().int().min(0);
const statsObject = <T>() => z.custom<T>((v) => typeof v === 'object' && v !== null);

/** stats/summarize.ts `Summary` (ms). */
export const summarySchema = z.object({
  n: count,
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  min: z.number(),
  max: z.number(),
  insufficient: z.object({ p90: z.boolean(), p95: z.boolean(), p99: z.boolean() }),
});

const intervalSchema = z.object({ lo: z.number(), hi: z.number() });

/** A summary with the bootstrap CIs of its percentiles (stats/cell-metrics.ts `MetricSummary`). */
export const metricSummarySchema = summarySchema.extend({
  ci: z
    .object({
      p50: intervalSchema,
      p90: intervalSchema,
      p95: intervalSchema,
      p99: intervalSchema,
      level: z.number(),
      resamples: count,
      seed: z.number(),
    })
    .nullable(),
});

/** The seed notebook's table row (stats/cell-metrics.ts `SeedRow`). */
export const seedRowSchema = z.object({
  mode: z.string(),
  dtype: z.enum(DTYPES),
  use_cache: z.boolean(),
  model_size_MB: z.number().nullable(),
  time_s: z.number(),
  tokens_generated: z.number(),
  tokens_per_s: z.number().nullable(),
  p50_e2el_ms: z.number(),
  p95_e2el_ms: z.number(),
  p99_e2el_ms: z.number(),
  p50_ttft_ms: z.number(),
  p95_ttft_ms: z.number(),
  p99_ttft_ms: z.number(),
});

/** One cell of results and of `GET /v1/compare` (packages/db `toCellSummary` builds it). */
export const cellSummarySchema = z.object({
  cellId: z.string(),
  index: count,
  status: cellStatusSchema,
  attempt: count,
  error: z.string().nullable(),
  config: cellConfigViewSchema,
  requests: count,
  seed: seedRowSchema.nullable(),
  ttft: metricSummarySchema.nullable(),
  tpot: metricSummarySchema.nullable(),
  tpotUnavailable: z.string().nullable(),
  e2el: metricSummarySchema.nullable(),
  itl: metricSummarySchema.nullable(),
  throughput: z.object({ tokensPerS: z.number().nullable(), requestsPerS: z.number().nullable(), windowMs: z.number().nullable() }),
  repetitions: statsObject<RepetitionSpread>().nullable(),
  decodeSlope: statsObject<DecodeSlope>().nullable(),
  queue: summarySchema.nullable(),
  goodput: statsObject<Goodput>().nullable(),
  strategy: statsObject<StrategyMetrics>().nullable(),
  model: z.object({
    file: z.string().nullable(),
    sha256: z.string().nullable(),
    fileBytes: z.number().nullable(),
    paramCount: z.number().nullable(),
    paramBytes: z.number().nullable(),
  }),
  peakRssBytes: z.number().nullable(),
  kvCacheBytes: z.number().nullable(),
  kvCacheDtype: z.enum(KV_CACHE_DTYPES).nullable(),
  weightBytes: weightBytesSchema.nullable(),
  gpu: z
    .object({ name: z.string().nullable(), peakMemoryUsedBytes: z.number(), meanUtilizationPct: z.number(), samples: count })
    .nullable(),
  cpu: z.object({ userMs: z.number(), systemMs: z.number() }).nullable(),
  wallMs: z.number().nullable(),
  environment: environmentSchema.nullable(),
  metricsVersion: z.string().nullable(),
  cost: statsObject<CellCost>(),
  quality: qualitySchema.nullable(),
});
export type CellSummary = z.infer<typeof cellSummarySchema>;
export type MetricSummaryView = z.infer<typeof metricSummarySchema>;
export type SeedRowView = z.infer<typeof seedRowSchema>;

export const experimentResultsSchema = z.object({
  experiment: experimentListItemSchema,
  method: z.object({
    percentile: z.string(),
    bootstrap: z.object({ resamples: count, seed: z.number(), level: z.number() }),
  }),
  cells: z.array(cellSummarySchema),
});
export type ExperimentResults = z.infer<typeof experimentResultsSchema>;

/** `GET /v1/cells/:id/tokens`: every measured request's token timeline (ms since the window began). */
export const cellTokensSchema = z.object({
  cellId: z.string(),
  requests: z.array(
    z.object({
      repetition: count,
      promptIndex: count,
      promptTokens: count,
      tokenizeMs: z.number(),
      startedAt: z.number(),
      stopReason: z.enum(['eos', 'length']),
      queueMs: z.number().optional(),
      strategyStats: strategyStatsSchema.optional(),
      events: z.array(tokenEventSchema),
    }),
  ),
});
export type CellTokens = z.infer<typeof cellTokensSchema>;
