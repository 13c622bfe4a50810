// The client against the real api app (SQLite, no Redis) on a real port, with tokens required.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_NAME, syntheticReportInput } from '../../../test/helpers/report-input.ts';
import { type AppFixture, createAppFixture } from '../../api/src/test-harness.ts';
import { ApiError, createClient } from './client.ts';

let f: AppFixture;
let server: ReturnType<typeof serve>;
let api: string;
beforeAll(async () => {
  f = createAppFixture(null, { access: { writeTokens: ['w-token'], readTokens: ['r-token'] } });
  await syntheticReportInput(f.db);
  server = serve({ fetch: f.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.close();
  f?.close();
});

describe('client', () => {
  it('sends the token: reads with a read token, 401 without one', async () => {
    const experiment = await createClient({ api, token: 'r-token' }).experiment('exp-report');
    expect(experiment.name).toBe(HOSTILE_NAME);
    const refused = await createClient({ api, token: null })
      .experiment('exp-report')
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(401);
  });

  it('turns the api’s field messages into issues on ApiError', async () => {
    const err = (await createClient({ api, token: 'w-token' })
      .submit({ models: ['forge:gpt2-tiny'], prompts: [], variants: [{ dtype: 'fp33', cache: true }] })
      .catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_matrix');
    expect(err.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['prompts', 'variants.0.dtype']));
  });

  it('reads results and tokens typed by the routes', async () => {
    const client = createClient({ api, token: 'r-token' });
    const results = await client.results('exp-report');
    expect(results.cells.map((c) => c.status)).toEqual(['done', 'done', 'queued']);
    const tokens = await client.tokens(results.cells[0]?.cellId as string);
    expect(tokens.requests).toHaveLength(4);
  });

  it('cancels with a write token (a POST keeps the token), 403 with a read token', async () => {
    const cancelled = await createClient({ api, token: 'w-token' }).cancel('exp-report');
    expect(cancelled).toMatchObject({ id: 'exp-report', cancelled: 1, queued: 1 });
    const readOnly = (await createClient({ api, token: 'r-token' })
      .cancel('exp-report')
      .catch((e: unknown) => e)) as ApiError;
    expect(readOnly.status).toBe(403);
  });
});
