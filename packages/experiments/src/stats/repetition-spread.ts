import { cellThroughput } from './cell-throughput.ts';
import { type RequestTiming, requestMetrics } from './request-metrics.ts';
import { type Summary, summarize } from './summarize.ts';

type RepetitionRequest = RequestTiming & { repetition: number; startedAt: number };

/** The pooled statistics of docs/metrics.md, computed on one repetition's requests only. */
export type RepetitionStats = {
  repetition: number;
  requests: number;
  ttft: Summary | null;
  tpot: Summary | null;
  e2el: Summary | null;
  itl: Summary | null;
  /** Σ N_out over this repetition's window. */
  tokensPerS: number | null;
};

/** How one statistic varies across repetitions; sd and cv (sd / mean) need two repetitions. */
export type Spread = { min: number; max: number; mean: number; sd: number | null; cv: number | null };
export const SPREAD_STATISTICS = ['mean', 'p50', 'p90', 'p95', 'p99'] as const;
export type MetricSpread = Record<(typeof SPREAD_STATISTICS)[number], Spread>;

export type RepetitionSpread = {
  count: number;
  perRepetition: RepetitionStats[];
  spread: {
    ttft: MetricSpread | null;
    tpot: MetricSpread | null;
    e2el: MetricSpread | null;
    itl: MetricSpread | null;
    tokensPerS: Spread | null;
  };
};

/**
 * Repetition spread (docs/metrics.md): the same statistics per repetition and their spread, beside the
 * pooled numbers, because pooling hides one bad repetition. null without requests.
 */
export function repetitionSpread(requests: readonly RepetitionRequest[]): RepetitionSpread | null {
  if (requests.length === 0) return null;
  const groups = new Map<number, RepetitionRequest[]>();
  for (const r of requests) {
    const list = groups.get(r.repetition);
    if (list === undefined) groups.set(r.repetition, [r]);
    else list.push(r);
  }
  const perRepetition = [...groups.entries()]
    .sort(([x], [y]) => x - y)
    .map(([repetition, rs]): RepetitionStats => {
      const per = rs.map(requestMetrics);
      return {
        repetition,
        requests: rs.length,
        ttft: summarize(per.map((m) => m.ttft)),
        tpot: summarize(per.flatMap((m) => (m.tpot === null ? [] : [m.tpot]))),
        e2el: summarize(per.map((m) => m.e2el)),
        itl: summarize(per.flatMap((m) => m.itl ?? [])),
        tokensPerS: cellThroughput(rs),
      };
    });
  const metric = (key: 'ttft' | 'tpot' | 'e2el' | 'itl'): MetricSpread | null => {
    const summaries = perRepetition.flatMap((r) => (r[key] === null ? [] : [r[key]]));
    if (summaries.length === 0) return null;
    const out = {} as MetricSpread;
    for (const stat of SPREAD_STATISTICS) out[stat] = spread(summaries.map((s) => s[stat]));
    return out;
  };
  const rates = perRepetition.flatMap((r) => (r.tokensPerS === null ? [] : [r.tokensPerS]));
  return {
    count: perRepetition.length,
    perRepetition,
    spread: {
      ttft: metric('ttft'),
      tpot: metric('tpot'),
      e2el: metric('e2el'),
      itl: metric('itl'),
      tokensPerS: rates.length === 0 ? null : spread(rates),
    },
  };
}

/** min, max, mean and the sample standard deviation (n − 1) of per-repetition values. */
export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n < 2 ? null : Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { min: Math.min(...values), max: Math.max(...values), mean, sd, cv: sd === null || mean === 0 ? null : sd / mean };
}
