import type { ExperimentEvent, WorkerView } from './api-types.ts';

type LiveEvents = { experiment: ExperimentEvent; workers: { workers: WorkerView[] }; open: null };
type Handler<K extends keyof LiveEvents> = (data: LiveEvents[K]) => void;

const handlers: { [K in keyof LiveEvents]: Set<Handler<K>> } = { experiment: new Set(), workers: new Set(), open: new Set() };
let source: EventSource | null = null;

/**
 * One EventSource on `/v1/events` for the whole page; views subscribe and get an unsubscribe back.
 * `open` fires on every (re)connection: events sent while disconnected are lost, so views refetch.
 */
export function onLive<K extends keyof LiveEvents>(type: K, handler: Handler<K>): () => void {
  (handlers[type] as Set<Handler<K>>).add(handler);
  return () => (handlers[type] as Set<Handler<K>>).delete(handler);
}

export function startLive(indicator: HTMLElement): void {
  if (source !== null) return;
  const show = (state: 'live' | 'connecting' | 'offline', text: string) => {
    indicator.dataset['state'] = state;
    indicator.textContent = text;
  };
  source = new EventSource('/v1/events');
  source.addEventListener('open', () => {
    show('live', 'live');
    for (const h of handlers.open) h(null);
  });
  source.addEventListener('error', () => {
    // EventSource retries by itself (the api sends `retry: 2000`); CLOSED means it gave up.
    if (source?.readyState === EventSource.CLOSED) show('offline', 'offline: reload to retry');
    else show('connecting', 'reconnecting…');
  });
  for (const type of ['experiment', 'workers'] as const) {
    source.addEventListener(type, (e) => {
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
