/**
 * Failed authentications per client address in a sliding window: past `max` of them, the client
 * gets 429 with Retry-After until the oldest falls out of the window. Bounded memory: addresses
 * whose failures all expired are dropped when the table grows.
 */
export type AuthFailures = {
  /** Seconds to wait while `client` is over the limit, else 0. */
  retryAfterS: (client: string) => number;
  record: (client: string) => void;
};

export const AUTH_FAILURES_MAX = 20;
export const AUTH_FAILURES_WINDOW_MS = 60_000;
const MAX_CLIENTS = 10_000;

export function authFailures(options: { max?: number; windowMs?: number; now?: () => number } = {}): AuthFailures {
  const max = options.max ?? AUTH_FAILURES_MAX;
  const windowMs = options.windowMs ?? AUTH_FAILURES_WINDOW_MS;
  const now = options.now ?? Date.now;
  const byClient = new Map<string, number[]>();
  const recent = (client: string): number[] => {
    const t = now();
    const kept = (byClient.get(client) ?? []).filter((at) => t - at < windowMs);
    if (kept.length === 0) byClient.delete(client);
    else byClient.set(client, kept);
    return kept;
  };
  return {
    retryAfterS: (client) => {
      const times = recent(client);
      if (times.length < max) return 0;
      return Math.max(1, Math.ceil(((times[0] ?? now()) + windowMs - now()) / 1000));
    },
    record: (client) => {
      if (byClient.size >= MAX_CLIENTS) for (const key of [...byClient.keys()]) recent(key);
      if (byClient.size >= MAX_CLIENTS) return; // under attack from everywhere: the per-request cost stays bounded
      byClient.set(client, [...recent(client), now()].slice(-max));
    },
  };
}
