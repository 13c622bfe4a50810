import { z } from 'zod';
import { cellConfigViewSchema } from './experiment-views.ts';

// `GET /v1/history` and `GET /v1/history?key=` (docs/contracts.md "History"): "the same
// measurement" over time — one configuration key, one series per hardware, each run compared with
// the previous run of its series. packages/db/src/history.ts builds these.

export const HISTORY_METRICS = ['ttft', 'tpot', 'e2el', 'tokensPerS'] as const;
export type HistoryMetric = (typeof HISTORY_METRICS)[number];

const intervalSchema = z.object({ lo: z.number(), hi: z.number() });
const count = z.number().int().min(0);

export const hardwareSchema = z.object({ host: z.string(), cpuModel: z.string(), gpu: z.string().nullable() });
export type Hardware = z.infer<typeof hardwareSchema>;

/** A run's median with its bootstrap CI (ms; tokens/s has no CI); null when the run has no such metric. */
export const metricPointSchema = z.object({ median: z.number(), ci: intervalSchema.nullable() }).nullable();
export type MetricPoint = z.infer<typeof metricPointSchema>;

/** Metrics significantly slower than the previous run and beyond the hardware's A/A noise floor. */
export const regressionSchema = z.object({
  previousCellId: z.string(),
  slower: z.array(
    z.object({
      metric: z.enum(HISTORY_METRICS),
      /** this run over the previous one */
      ratio: z.number(),
      ci: intervalSchema,
      pValue: z.number(),
      noiseFloor: z.number().nullable(),
    }),
  ),
});
export type Regression = z.infer<typeof regressionSchema>;

export const historyRunSchema = z.object({
  cellId: z.string(),
  experimentId: z.string(),
  experimentName: z.string(),
  finishedAt: z.string(),
  gitCommit: z.string().nullable(),
  workerId: z.string().nullable(),
  hardware: hardwareSchema,
  metrics: z.object({ ttft: metricPointSchema, tpot: metricPointSchema, e2el: metricPointSchema, tokensPerS: metricPointSchema }),
  /** null for the first run of a series */
  previousCellId: z.string().nullable(),
  regression: regressionSchema.nullable(),
});
export type HistoryRun = z.infer<typeof historyRunSchema>;

export const historySeriesSchema = z.object({
  key: z.string(),
  hardwareKey: z.string(),
  hardware: hardwareSchema,
  runs: z.array(historyRunSchema),
});
export type HistorySeries = z.infer<typeof historySeriesSchema>;

/** A configuration key: what is measured (the config without repetitions, warmup, slo, price). */
export const historyKeySummarySchema = z.object({
  key: z.string(),
  model: z.string(),
  modelSha256: z.string(),
  config: cellConfigViewSchema.omit({ repetitions: true, warmup: true, slo: true, pricePerHour: true }),
  runs: count,
  hardware: z.array(hardwareSchema),
  lastRunAt: z.string(),
});
export type HistoryKeySummary = z.infer<typeof historyKeySummarySchema>;

/** `GET /v1/history`: the keys with the most runs, the newest regressions. */
export const historyOverviewSchema = z.object({
  keys: z.array(historyKeySummarySchema),
  regressions: z.array(historyRunSchema.extend({ key: z.string() })),
});
export type HistoryOverview = z.infer<typeof historyOverviewSchema>;
export type RegressedRun = HistoryOverview['regressions'][number];

/** `GET /v1/history?key=`: every run of one key, one series per hardware. */
export const historyOfKeySchema = z.object({ key: z.string(), series: z.array(historySeriesSchema) });
export type HistoryOfKey = z.infer<typeof historyOfKeySchema>;

/** What `GET /v1/history` answers: the overview, or with `?key=` that key's runs. */
export const historyAnswerSchema = z.union([historyOverviewSchema, historyOfKeySchema]);
export type HistoryAnswer = z.infer<typeof historyAnswerSchema>;
