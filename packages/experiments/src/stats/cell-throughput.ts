import type { RequestRecord } from '../payloads.ts';

type TimedRequest = Pick<RequestRecord, 'startedAt' | 'events'>;

/**
 * The cell's measured window in ms: latest last-token time (startedAt + last event t) minus the
 * earliest request start. null without requests.
 */
export function measuredWindowMs(requests: readonly TimedRequest[]): number | null {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const r of requests) {
    const last = r.events[r.events.length - 1];
    start = Math.min(start, r.startedAt);
    end = Math.max(end, r.startedAt + (last?.t ?? 0));
  }
  return requests.length === 0 ? null : end - start;
}

/** Σ N_out / measured window, in tokens/s (docs/metrics.md "Throughput"); null when the window is empty. */
export function cellThroughput(requests: readonly TimedRequest[]): number | null {
  const windowMs = measuredWindowMs(requests);
  if (windowMs === null || windowMs <= 0) return null;
  let tokens = 0;
  for (const r of requests) for (const e of r.events) tokens += e.n;
  return tokens / (windowMs / 1000);
}

/** Requests / measured window, in requests/s. */
export function cellRequestRate(requests: readonly TimedRequest[]): number | null {
  const windowMs = measuredWindowMs(requests);
  return windowMs === null || windowMs <= 0 ? null : requests.length / (windowMs / 1000);
}
