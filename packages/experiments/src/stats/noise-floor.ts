import { canonicalJson } from '../canonical-json.ts';
import type { ComparedMetric } from './compare-cells.ts';
import type { SampleComparison } from './compare-samples.ts';

/**
 * A/A calibration (docs/metrics.md "Comparing two cells"): when a and b are the same config, the CI of
 * their ratio is the noise floor of the worker(s) that ran them. The minimum detectable difference
 * is the CI's larger distance from 1: a later A/B ratio closer to 1 than this is not resolvable.
 */
export type NoiseFloor = {
  sameWorker: boolean;
  minimumDetectableDifference: Record<ComparedMetric, number | null>;
};

type CellSide = { config: unknown; host: string | null };

/** null unless both cells ran the same config (an A/A pair). */
export function noiseFloor(a: CellSide, b: CellSide, metrics: Record<ComparedMetric, SampleComparison | null>): NoiseFloor | null {
  if (canonicalJson(a.config) !== canonicalJson(b.config)) return null;
  const mdd = {} as Record<ComparedMetric, number | null>;
  for (const [key, c] of Object.entries(metrics) as [ComparedMetric, SampleComparison | null][]) {
    mdd[key] = c === null ? null : Math.max(c.ci.hi - 1, 1 - c.ci.lo);
  }
  return { sameWorker: a.host !== null && a.host === b.host, minimumDetectableDifference: mdd };
}
