import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { DOCS } from '../openapi/route-docs.ts';
import type { AppEvent, EventBus } from './event-bus.ts';

/** Proxies and load balancers drop idle connections after ~30-60 s; a comment every 15 s keeps it open. */
export const SSE_HEARTBEAT_MS = 15_000;

/**
 * `GET /v1/events`: server-sent events (`event: experiment`, `event: workers`). Each client gets a
 * bus subscription that ends when it disconnects; events are written in order through one queue so
 * a slow client never interleaves half-written messages.
 */
export function eventsRoutes(bus: EventBus, options: { heartbeatMs?: number } = {}) {
  const heartbeatMs = options.heartbeatMs ?? SSE_HEARTBEAT_MS;
  return new Hono().get('/', DOCS.events, (c) =>
    streamSSE(c, async (stream) => {
      let chain: Promise<unknown> = Promise.resolve();
      const send = (write: () => Promise<unknown>) => {
        chain = chain.then(write).catch(() => {});
      };
      const unsubscribe = bus.subscribe((event: AppEvent) => {
        send(() => stream.writeSSE({ event: event.type, data: JSON.stringify(event.data) }));
      });
      const heartbeat = setInterval(() => send(() => stream.write(': heartbeat\n\n')), heartbeatMs);
      // `retry` tells EventSource how soon to reconnect after the api restarts.
      send(() => stream.write('retry: 2000\n: connected\n\n'));
      await new Promise<void>((resolve) => {
        stream.onAbort(() => {
          clearInterval(heartbeat);
          unsubscribe();
          resolve();
        });
      });
    }),
  );
}
