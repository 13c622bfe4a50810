// AppType carries every chained route: hono/client builds a typed client from it (the CLI and the
// dashboard will). A route left out of the chain would be a type error here, not a runtime surprise.
import { hc } from 'hono/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppType } from './app.ts';
import { type AppFixture, createAppFixture } from './test-harness.ts';

let f: AppFixture;
beforeAll(() => {
  f = createAppFixture(null);
});
afterAll(() => f.close());

describe('AppType', () => {
  it('gives a typed client for submit, read and health', async () => {
    const client = hc<AppType>('http://localhost', { fetch: (input: RequestInfo | URL, init?: RequestInit) => f.app.request(input, init) });
    const created = await client.v1.experiments.$post(
      {},
      { init: { body: JSON.stringify({ models: ['forge:gpt2-tiny'], prompts: ['a'] }), headers: { 'content-type': 'application/json' } } },
    );
    expect(created.status).toBe(201);
    const cell = await client.v1.cells[':id'].$get({ param: { id: 'nope' } });
    expect(cell.status).toBe(404);
    const health = await client.healthz.$get();
    expect(await health.json()).toEqual({ ok: false, redis: false, db: true });
  });
});
