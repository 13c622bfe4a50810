import { BOOTSTRAP_DEFAULTS, type BootstrapOptions } from './bootstrap.ts';
import { compareSamples, type SampleComparison } from './compare-samples.ts';
import { percentile, sortedCopy } from './percentile.ts';
import { noTpotReason, type RequestMetrics, type RequestTiming, requestMetrics } from './request-metrics.ts';

export const COMPARED_METRICS = ['ttft', 'tpot', 'e2el', 'itl', 'tokensPerS'] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

export const COMPARE_METHOD = {
  ratio: 'median(b)/median(a)',
  ci: 'percentile bootstrap',
  test: 'Mann-Whitney U (two-sided)',
  /** What one observation is: the tests need independent draws, and requests are; ITL gaps are not. */
  unit: 'one value per request; itl = the median ITL of each request; tokensPerS = N_out / E2EL',
} as const;

export type CellComparison = {
  method: typeof COMPARE_METHOD & { bootstrap: Required<BootstrapOptions> };
  /** null where a metric has no values in one of the cells (e.g. TPOT when every request made one token). */
  metrics: Record<ComparedMetric, SampleComparison | null>;
  /** Why a metric is null, where it is known: TPOT and ITL of a cell whose tokens were not streamed (beam search). */
  refused: Partial<Record<ComparedMetric, string>>;
};

/** Per-request values of each compared metric. */
export function perRequestValues(requests: readonly RequestTiming[]): Record<ComparedMetric, number[]> {
  const out: Record<ComparedMetric, number[]> = { ttft: [], tpot: [], e2el: [], itl: [], tokensPerS: [] };
  for (const m of requests.map(requestMetrics)) {
    out.ttft.push(m.ttft);
    out.e2el.push(m.e2el);
    if (m.tpot !== null) out.tpot.push(m.tpot);
    if (m.itl !== null && m.itl.length > 0) out.itl.push(percentile(sortedCopy(m.itl), 0.5));
    if (m.tokensPerS !== null) out.tokensPerS.push(m.tokensPerS);
  }
  return out;
}

/**
 * TPOT and ITL refused with the reason when a cell has no inter-token timing: a beam cell would
 * otherwise compare as "b is 0.00× a". Keyed by metric; the message names the cell.
 */
function refusals(per: Record<'a' | 'b', RequestMetrics[]>): Partial<Record<ComparedMetric, string>> {
  const reasons = (['a', 'b'] as const).flatMap((side) => {
    const reason = noTpotReason(per[side]);
    return reason === null ? [] : [`cell ${side} has no inter-token timing (${reason})`];
  });
  if (reasons.length === 0) return {};
  const message = `${reasons.join('; ')}: TPOT and ITL are undefined, so they are not compared`;
  return { tpot: message, itl: message };
}

/** docs/metrics.md "Comparing two cells": b against a, metric by metric. */
export function compareCells(
  a: readonly RequestTiming[],
  b: readonly RequestTiming[],
  bootstrap: Required<BootstrapOptions> = { ...BOOTSTRAP_DEFAULTS },
): CellComparison {
  const va = perRequestValues(a);
  const vb = perRequestValues(b);
  const refused = refusals({ a: a.map(requestMetrics), b: b.map(requestMetrics) });
  const metrics = {} as Record<ComparedMetric, SampleComparison | null>;
  for (const key of COMPARED_METRICS) metrics[key] = refused[key] === undefined ? compareSamples(va[key], vb[key], bootstrap) : null;
  return { method: { ...COMPARE_METHOD, bootstrap }, metrics, refused };
}
