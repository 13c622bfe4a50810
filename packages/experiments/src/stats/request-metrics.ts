import type { RequestRecord } from '../payloads.ts';

/** What the per-request metrics need from a request record. */
export type RequestTiming = Pick<RequestRecord, 'events' | 'promptTokens' | 'tokenizeMs'>;

/** Per-request metrics of METRICS.md; times in ms (event times are already relative to t0). */
export type RequestMetrics = {
  ttft: number;
  e2el: number;
  nOut: number;
  /** (E2EL − TTFT) / (N_out − 1); null when N_out ≤ 1. */
  tpot: number | null;
  /** Gaps between consecutive token events (inter-chunk latency when chunks carry several tokens). */
  itl: number[];
  /** N_out / E2EL in seconds: the seed table's tokens/s. */
  tokensPerS: number | null;
  /** (N_out − 1) / (E2EL − TTFT), per second; null when undefined. */
  decodeTokPerS: number | null;
  /** prompt tokens / (TTFT − tokenization time), per second; null when undefined. */
  prefillTokPerS: number | null;
};

export function requestMetrics(request: RequestTiming): RequestMetrics {
  const { events } = request;
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) throw new RangeError('a request without token events has no metrics');
  const ttft = first.t;
  const e2el = last.t;
  let nOut = 0;
  const itl: number[] = [];
  events.forEach((event, i) => {
    nOut += event.n;
    const previous = events[i - 1];
    if (previous !== undefined) itl.push(event.t - previous.t);
  });
  const decodeMs = e2el - ttft;
  const prefillMs = ttft - request.tokenizeMs;
  return {
    ttft,
    e2el,
    nOut,
    tpot: nOut > 1 ? decodeMs / (nOut - 1) : null,
    itl,
    tokensPerS: e2el > 0 ? nOut / (e2el / 1000) : null,
    decodeTokPerS: nOut > 1 && decodeMs > 0 ? (nOut - 1) / (decodeMs / 1000) : null,
    prefillTokPerS: prefillMs > 0 ? request.promptTokens / (prefillMs / 1000) : null,
  };
}
