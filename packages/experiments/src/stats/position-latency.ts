import { percentile, sortedCopy } from './percentile.ts';
import type { RequestTiming } from './request-metrics.ts';

/** ITL of the events whose first token has an output position in [from, to] (1-based). */
export type PositionBucket = { from: number; to: number; n: number; mean: number; p50: number; p90: number; p95: number; p99: number };

/**
 * Least-squares line of ITL against the context the step saw (prompt + tokens already generated):
 * the decode cost of one more token of context. With a KV cache it is the attention over a longer
 * past; without one, the whole sequence is recomputed, so it grows far faster.
 */
export type DecodeSlope = { msPer100Tokens: number; interceptMs: number; r2: number | null; n: number };

export type PositionLatency = { bucketSize: number; buckets: PositionBucket[]; slope: DecodeSlope | null };

/** One gap: the event's ITL, its output position and the context length its forward pass saw. */
export type PositionPoint = { position: number; context: number; itl: number };

export function positionPoints(requests: readonly Pick<RequestTiming, 'events' | 'promptTokens'>[]): PositionPoint[] {
  const points: PositionPoint[] = [];
  for (const { events, promptTokens } of requests) {
    let emitted = 0; // tokens before the current event
    events.forEach((e, i) => {
      const previous = events[i - 1];
      if (previous !== undefined) points.push({ position: emitted + 1, context: promptTokens + emitted, itl: e.t - previous.t });
      emitted += e.n;
    });
  }
  return points;
}

/**
 * ITL percentiles by output position in buckets (`bucketSize` positions each; by default a power
 * of two giving at most 16 buckets) and the decode slope. The first event is TTFT, not an ITL.
 */
export function positionLatency(requests: readonly Pick<RequestTiming, 'events' | 'promptTokens'>[], bucketSize?: number): PositionLatency {
  const points = positionPoints(requests);
  const maxPosition = points.reduce((m, p) => Math.max(m, p.position), 1);
  const size = bucketSize ?? 2 ** Math.max(0, Math.ceil(Math.log2(maxPosition / 16)));
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`bucketSize must be a positive integer, got ${size}`);
  const byBucket = new Map<number, number[]>();
  for (const p of points) {
    const k = Math.floor((p.position - 1) / size);
    const list = byBucket.get(k);
    if (list === undefined) byBucket.set(k, [p.itl]);
    else list.push(p.itl);
  }
  const buckets = [...byBucket.entries()]
    .sort(([x], [y]) => x - y)
    .map(([k, itls]): PositionBucket => {
      const s = sortedCopy(itls);
      return {
        from: k * size + 1,
        to: (k + 1) * size,
        n: s.length,
        mean: s.reduce((sum, v) => sum + v, 0) / s.length,
        p50: percentile(s, 0.5),
        p90: percentile(s, 0.9),
        p95: percentile(s, 0.95),
        p99: percentile(s, 0.99),
      };
    });
  return { bucketSize: size, buckets, slope: decodeSlope(points) };
}

/** Ordinary least squares of itl on context; null with fewer than two distinct contexts. */
export function decodeSlope(points: readonly PositionPoint[]): DecodeSlope | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((s, p) => s + p.context, 0) / n;
  const my = points.reduce((s, p) => s + p.itl, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.context - mx) ** 2;
    sxy += (p.context - mx) * (p.itl - my);
    syy += (p.itl - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { msPer100Tokens: slope * 100, interceptMs: my - slope * mx, r2: syy === 0 ? null : (sxy * sxy) / (sxx * syy), n };
}
