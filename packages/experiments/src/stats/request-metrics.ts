import type { RequestRecord } from '../payloads.ts';

/** What the per-request metrics need from a request record. */
export type RequestTiming = Pick<RequestRecord, 'events' | 'promptTokens' | 'tokenizeMs'>;

/**
 * Why a request has no inter-token timing (TPOT and ITL are null). "one token": N_out = 1, no gap
 * exists. "not streamed": one event carried all N_out > 1 tokens (beam search emits its answer when
 * the search ends), so TTFT = E2EL and (E2EL − TTFT) / (N_out − 1) would read as a 0 ms TPOT.
 */
export type NoInterTokenTiming = 'one token' | 'not streamed';

/** Per-request metrics of docs/metrics.md; times in ms (event times are already relative to t0). */
export type RequestMetrics = {
  ttft: number;
  e2el: number;
  nOut: number;
  /** (E2EL − TTFT) / (N_out − 1); null when the request has a single token event (see `noInterTokenTiming`). */
  tpot: number | null;
  /** Gaps between consecutive token events (inter-chunk latency when chunks carry several tokens); null like tpot. */
  itl: number[] | null;
  /** Why tpot and itl are null; null when they are defined. */
  noInterTokenTiming: NoInterTokenTiming | null;
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
  const noInterTokenTiming = events.length > 1 ? null : nOut > 1 ? 'not streamed' : 'one token';
  const decodeMs = e2el - ttft;
  const prefillMs = ttft - request.tokenizeMs;
  return {
    ttft,
    e2el,
    nOut,
    tpot: noInterTokenTiming === null ? decodeMs / (nOut - 1) : null,
    itl: noInterTokenTiming === null ? itl : null,
    noInterTokenTiming,
    tokensPerS: e2el > 0 ? nOut / (e2el / 1000) : null,
    decodeTokPerS: noInterTokenTiming === null && decodeMs > 0 ? (nOut - 1) / (decodeMs / 1000) : null,
    prefillTokPerS: prefillMs > 0 ? request.promptTokens / (prefillMs / 1000) : null,
  };
}

/**
 * Why a set of requests has no TPOT at all ("not streamed: 12 of 12 requests"); null when at least
 * one request has a TPOT or there are no requests. Shown where the TPOT number would be.
 */
export function noTpotReason(per: readonly Pick<RequestMetrics, 'noInterTokenTiming'>[]): string | null {
  if (per.length === 0 || per.some((m) => m.noInterTokenTiming === null)) return null;
  const notStreamed = per.filter((m) => m.noInterTokenTiming === 'not streamed').length;
  const oneToken = per.length - notStreamed;
  const parts = [
    ...(notStreamed > 0 ? [`not streamed: ${notStreamed} of ${per.length} requests sent all their tokens in one event`] : []),
    ...(oneToken > 0 ? [`one token: ${oneToken} of ${per.length} requests generated a single token`] : []),
  ];
  return parts.join('; ');
}
