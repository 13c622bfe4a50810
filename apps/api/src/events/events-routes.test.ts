import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, post } from '../test-harness.ts';
import { createEventBus, type EventBus } from './event-bus.ts';
import { eventsRoutes } from './events-routes.ts';

/** Reads an SSE body: `next(until)` returns the text read since the last call once `until` holds on it. */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    next: async (until: (text: string) => boolean): Promise<string> => {
      while (!until(text)) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      const got = text;
      text = '';
      return got;
    },
    cancel: () => reader.cancel(),
  };
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let f: AppFixture | undefined;
afterEach(() => f?.close());

describe('GET /v1/events', () => {
  it('streams bus events as `event: experiment` messages, including a new experiment', async () => {
    const bus = createEventBus();
    f = createAppFixture(null, { events: bus });
    const res = await f.app.request('/v1/events');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const sse = sseReader(res.body!);
    const hello = await sse.next((t) => t.includes(': connected'));
    await waitFor(() => bus.listenerCount() === 1, 'the subscription');
    const created = await post(f.app, '/v1/experiments', { models: ['forge:gpt2-tiny'], prompts: ['hi'] });
    expect(created.status).toBe(201);
    const message = await sse.next((t) => t.includes('\n\n'));
    expect(message).toMatch(/^event: experiment\ndata: /);
    const data = JSON.parse(message.split('\n')[1]!.slice('data: '.length));
    expect(data).toEqual({
      id: created.json.id,
      status: 'queued',
      progress: { total: 1, queued: 1, running: 0, done: 0, failed: 0, cancelled: 0 },
    });
    expect(hello).toContain('retry: 2000');
    await sse.cancel();
  });

  it('sends a heartbeat comment while idle and unsubscribes when the client goes away', async () => {
    const bus = createEventBus();
    const app = new Hono().route('/v1/events', eventsRoutes(bus, { heartbeatMs: 20 }));
    const res = await app.request('/v1/events');
    const sse = sseReader(res.body!);
    expect(await sse.next((t) => t.includes(': heartbeat'))).toContain(': heartbeat\n\n');
    expect(bus.listenerCount()).toBe(1);
    await sse.cancel();
    await waitFor(() => bus.listenerCount() === 0, 'the unsubscribe');
  });

  it('cleans up when a real http client disconnects', async () => {
    const bus: EventBus = createEventBus();
    const app = new Hono().route('/v1/events', eventsRoutes(bus));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((r) => server.once('listening', () => r()));
    try {
      const { port } = server.address() as AddressInfo;
      const abort = new AbortController();
      const res = await fetch(`http://127.0.0.1:${port}/v1/events`, { signal: abort.signal });
      const sse = sseReader(res.body!);
      await sse.next((t) => t.includes(': connected\n\n'));
      bus.publish({ type: 'workers', data: { workers: [] } });
      expect(await sse.next((t) => t.includes('\n\n'))).toBe('event: workers\ndata: {"workers":[]}\n\n');
      abort.abort();
      await waitFor(() => bus.listenerCount() === 0, 'the server to notice the disconnect');
    } finally {
      server.close();
    }
  });
});
