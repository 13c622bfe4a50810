import type { Slo } from '../cell-config.ts';
import { measuredWindowMs } from './cell-throughput.ts';
import { type RequestTiming, requestMetrics } from './request-metrics.ts';

type SloRequest = RequestTiming & { startedAt: number; queueMs?: number };

export type Goodput = {
  slo: Slo;
  /** Requests meeting every configured target. */
  met: number;
  total: number;
  /** met / measured window, per second (docs/metrics.md "Goodput"). */
  requestsPerS: number | null;
};

/**
 * Goodput against the cell's SLOs. TTFT and E2EL are checked as the user sees them, from arrival:
 * queueing delay (server scenario; 0 otherwise) plus the docs/metrics.md value. A request without
 * inter-token timing (one token, or not streamed: beam search's single event) has no TPOT, so the
 * TPOT target does not apply to it; its other targets still do. null when no SLO is configured.
 */
export function goodput(requests: readonly SloRequest[], slo: Slo | undefined): Goodput | null {
  if (slo === undefined || (slo.ttftMs === undefined && slo.tpotMs === undefined && slo.e2elMs === undefined)) return null;
  let met = 0;
  for (const r of requests) {
    const m = requestMetrics(r);
    const queue = r.queueMs ?? 0;
    const ok =
      (slo.ttftMs === undefined || queue + m.ttft <= slo.ttftMs) &&
      (slo.tpotMs === undefined || m.tpot === null || m.tpot <= slo.tpotMs) &&
      (slo.e2elMs === undefined || queue + m.e2el <= slo.e2elMs);
    if (ok) met++;
  }
  const windowMs = measuredWindowMs(requests);
  return { slo, met, total: requests.length, requestsPerS: windowMs === null || windowMs <= 0 ? null : met / (windowMs / 1000) };
}
