import { z } from 'zod';
import { COMPARED_METRICS } from '../stats/compare-cells.ts';
import { cellSummarySchema } from './cell-summary-view.ts';

const count = z.number().int().min(0);

/** stats/compare-samples.ts `SampleComparison`: b against a for one metric. */
export const sampleComparisonSchema = z.object({
  a: z.number(),
  b: z.number(),
  nA: count,
  nB: count,
  ratio: z.number(),
  ci: z.object({ lo: z.number(), hi: z.number(), level: z.number() }),
  pValue: z.number(),
  pMethod: z.enum(['exact', 'normal']),
  significant: z.boolean(),
  verdict: z.string(),
});

const perMetric = <T extends z.ZodType>(value: T) =>
  z.object(Object.fromEntries(COMPARED_METRICS.map((m) => [m, value])) as Record<(typeof COMPARED_METRICS)[number], T>);

/** stats/noise-floor.ts `NoiseFloor`: an A/A pair's minimum detectable difference per metric. */
export const noiseFloorSchema = z.object({ sameWorker: z.boolean(), minimumDetectableDifference: perMetric(z.number().nullable()) });

/** `GET /v1/compare?a=&b=` (docs/contracts.md): both cells, the method, each metric, the A/A floor. */
export const comparisonSchema = z.object({
  a: cellSummarySchema,
  b: cellSummarySchema,
  method: z.object({
    ratio: z.string(),
    ci: z.string(),
    test: z.string(),
    unit: z.string(),
    bootstrap: z.object({ resamples: count, seed: z.number(), level: z.number() }),
  }),
  metrics: perMetric(sampleComparisonSchema.nullable()),
  refused: perMetric(z.string()).partial().optional(),
  aa: noiseFloorSchema.nullable().optional(),
});
export type Comparison = z.infer<typeof comparisonSchema>;
export type SampleComparisonView = z.infer<typeof sampleComparisonSchema>;
