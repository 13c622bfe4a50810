import type { Slo, Variant } from '../cell-config.ts';
import type { StrategyStats } from '../payloads.ts';
import { type BootstrapOptions, bootstrapCis } from './bootstrap.ts';
import { cellRequestRate, cellThroughput, measuredWindowMs } from './cell-throughput.ts';
import { type Goodput, goodput } from './goodput.ts';
import { percentile, sortedCopy } from './percentile.ts';
import { type DecodeSlope, decodeSlope, positionPoints } from './position-latency.ts';
import { type RepetitionSpread, repetitionSpread } from './repetition-spread.ts';
import { noTpotReason, type RequestTiming, requestMetrics } from './request-metrics.ts';
import { type StrategyMetrics, strategyMetrics } from './strategy-metrics.ts';
import { type Summary, summarize } from './summarize.ts';

export type Interval = { lo: number; hi: number };
/** Bootstrap CIs of the reported percentiles (docs/metrics.md: `p95 = 41.2 ms [40.1, 43.0]`). */
export type PercentileCis = {
  p50: Interval;
  p90: Interval;
  p95: Interval;
  p99: Interval;
  level: number;
  resamples: number;
  seed: number;
};
export type MetricSummary = Summary & { ci: PercentileCis | null };

/** One row of the seed notebook's closing table, plus the latency percentiles it names. */
export type SeedRow = {
  mode: string;
  dtype: Variant['dtype'];
  use_cache: boolean;
  model_size_MB: number | null;
  time_s: number;
  tokens_generated: number;
  tokens_per_s: number | null;
  p50_e2el_ms: number;
  p95_e2el_ms: number;
  p99_e2el_ms: number;
  p50_ttft_ms: number;
  p95_ttft_ms: number;
  p99_ttft_ms: number;
};

export type CellMetrics = {
  requests: number;
  seed: SeedRow | null;
  ttft: MetricSummary | null;
  tpot: MetricSummary | null;
  /** Why tpot and itl are null when no request has inter-token timing ("not streamed: …", docs/metrics.md TPOT); else null. */
  tpotUnavailable: string | null;
  e2el: MetricSummary | null;
  /** No CI: the gaps within one request are not independent draws. */
  itl: MetricSummary | null;
  throughput: { tokensPerS: number | null; requestsPerS: number | null; windowMs: number | null };
  /** The same statistics per repetition and their spread (docs/metrics.md "Repetition spread"). */
  repetitions: RepetitionSpread | null;
  /** ITL against context length, ms per 100 tokens; per-position buckets at GET /v1/cells/:id/positions. */
  decodeSlope: DecodeSlope | null;
  /** Server scenario: queueing delay (arrival → start) per request; null in the other scenarios. */
  queue: Summary | null;
  /** Requests meeting every configured SLO per second; null without SLOs. */
  goodput: Goodput | null;
  /** Speculative / prompt lookup: acceptance and target forwards (docs/metrics.md); null for other strategies. */
  strategy: StrategyMetrics | null;
};

export type CellMetricsInput = {
  variant: Variant;
  /** Size of the variant's model file on disk; null when not recorded. */
  modelFileBytes: number | null;
  requests: readonly (RequestTiming & { startedAt: number; repetition: number; queueMs?: number; strategyStats?: StrategyStats })[];
  slo?: Slo;
};

/** The fixed seed of every CI in results, so the same rows always give the same intervals. */
export const RESULTS_BOOTSTRAP: Required<BootstrapOptions> = { resamples: 1000, seed: 20240501, level: 0.95 };

/** Per-cell metrics (docs/metrics.md "Per cell"), pooled over the measured requests. */
export function cellMetrics(input: CellMetricsInput, bootstrap: Required<BootstrapOptions> = RESULTS_BOOTSTRAP): CellMetrics {
  const per = input.requests.map(requestMetrics);
  const ttft = per.map((m) => m.ttft);
  const e2el = per.map((m) => m.e2el);
  const withCi = (values: number[]): MetricSummary | null => {
    const summary = summarize(values);
    return summary === null ? null : { ...summary, ci: percentileCis(values, bootstrap) };
  };
  const itl = summarize(per.flatMap((m) => m.itl ?? []));
  const e2elSummary = withCi(e2el);
  const ttftSummary = withCi(ttft);
  return {
    requests: per.length,
    seed: e2elSummary === null || ttftSummary === null ? null : seedRow(input, per, e2elSummary, ttftSummary),
    ttft: ttftSummary,
    tpot: withCi(per.flatMap((m) => (m.tpot === null ? [] : [m.tpot]))),
    tpotUnavailable: noTpotReason(per),
    e2el: e2elSummary,
    itl: itl === null ? null : { ...itl, ci: null },
    throughput: {
      tokensPerS: cellThroughput(input.requests),
      requestsPerS: cellRequestRate(input.requests),
      windowMs: measuredWindowMs(input.requests),
    },
    repetitions: repetitionSpread(input.requests),
    decodeSlope: decodeSlope(positionPoints(input.requests)),
    queue: summarize(input.requests.flatMap((r) => (r.queueMs === undefined ? [] : [r.queueMs]))),
    goodput: goodput(input.requests, input.slo),
    strategy: strategyMetrics(input.requests),
  };
}

function seedRow(input: CellMetricsInput, per: ReturnType<typeof requestMetrics>[], e2el: Summary, ttft: Summary): SeedRow {
  const { dtype, cache } = input.variant;
  const rates = per.flatMap((m) => (m.tokensPerS === null ? [] : [m.tokensPerS]));
  return {
    // The int8 KV cache and the in-place layout say so in the mode: "fp32 cache" alone reads as the
    // float32 cache the graph concatenates each step (and every cell stored before either existed).
    mode: `${dtype} ${cache ? 'cache' : 'no-cache'}${input.variant.kvCacheDtype === 'int8' ? ' kv-int8' : ''}${input.variant.kvLayout === 'in-place' ? ' in-place' : ''}`,
    dtype,
    use_cache: cache,
    model_size_MB: input.modelFileBytes === null ? null : input.modelFileBytes / 2 ** 20,
    time_s: e2el.p50 / 1000,
    tokens_generated: percentile(sortedCopy(per.map((m) => m.nOut)), 0.5),
    tokens_per_s: rates.length === 0 ? null : percentile(sortedCopy(rates), 0.5),
    p50_e2el_ms: e2el.p50,
    p95_e2el_ms: e2el.p95,
    p99_e2el_ms: e2el.p99,
    p50_ttft_ms: ttft.p50,
    p95_ttft_ms: ttft.p95,
    p99_ttft_ms: ttft.p99,
  };
}

function percentileCis(values: number[], bootstrap: Required<BootstrapOptions>): PercentileCis {
  const [p50, p90, p95, p99] = bootstrapCis(values, [0.5, 0.9, 0.95, 0.99], bootstrap).map(({ lo, hi }) => ({ lo, hi }));
  if (p50 === undefined || p90 === undefined || p95 === undefined || p99 === undefined) throw new RangeError('missing bootstrap interval');
  return { p50, p90, p95, p99, ...bootstrap };
}
