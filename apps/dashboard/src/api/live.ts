import type { LiveEvents as ApiEvents } from '@inferlab/client';
import { accessTokens, eventsUrl, onAccessTokens } from './access-tokens.ts';

/** The api's events by name (their data as the api types it), and `open` on every (re)connection. */
type LiveEvents = ApiEvents & { open: null };
type Handler<K extends keyof LiveEvents> = (data: LiveEvents[K]) => void;

const handlers: { [K in keyof LiveEvents]: Set<Handler<K>> } = {
  experiment: new Set(),
  workers: new Set(),
  train: new Set(),
  open: new Set(),
};
let source: EventSource | null = null;

/**
 * One EventSource on `/v1/events` for the whole page; views subscribe and get an unsubscribe back.
 * `open` fires on every (re)connection: events sent while disconnected are lost, so views refetch.
 */
export function onLive<K extends keyof LiveEvents>(type: K, handler: Handler<K>): () => void {
  (handlers[type] as Set<Handler<K>>).add(handler);
  return () => (handlers[type] as Set<Handler<K>>).delete(handler);
}

/** Connects, and reconnects whenever the tokens change (the read token is part of the URL). */
export function startLive(indicator: HTMLElement): void {
  if (source !== null) return;
  connect(indicator);
  onAccessTokens(() => connect(indicator));
}

function connect(indicator: HTMLElement): void {
  const show = (state: 'live' | 'connecting' | 'offline', text: string) => {
    indicator.dataset['state'] = state;
    indicator.textContent = text;
  };
  source?.close();
  show('connecting', 'connecting…');
  const es = new EventSource(eventsUrl());
  source = es;
  es.addEventListener('open', () => {
    show('live', 'live');
    for (const h of handlers.open) h(null);
  });
  es.addEventListener('error', () => {
    if (source !== es) return;
    // EventSource retries by itself (the api sends `retry: 2000`); CLOSED means it gave up, as it
    // does on a 401: without a read token the stream cannot be read.
    if (es.readyState !== EventSource.CLOSED) return show('connecting', 'reconnecting…');
    show('offline', accessTokens().read ? 'offline: reload to retry' : 'offline: an api with read tokens needs one (Access)');
  });
  for (const type of ['experiment', 'workers', 'train'] as const) {
    es.addEventListener(type, (e) => {
      let data: unknown;
      try {
        data = JSON.parse((e as MessageEvent<string>).data);
      } catch {
        return;
      }
      for (const h of handlers[type]) (h as (d: unknown) => void)(data);
    });
  }
}
