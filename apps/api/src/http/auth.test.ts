import { afterEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../test-harness.ts';
import { redactUrl } from './auth.ts';

const matrix = {
  models: ['forge:gpt2-tiny'],
  prompts: ['Hello'],
  maxNewTokens: [4],
  repetitions: 1,
  warmup: 0,
};

const submit = (f: AppFixture, token?: string) =>
  f.app.request('/v1/experiments', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(matrix),
  });
const list = (f: AppFixture, headers: Record<string, string> = {}, query = '') => f.app.request(`/v1/experiments${query}`, { headers });

describe('access control', () => {
  let f: AppFixture;
  afterEach(() => f.close());

  it('is open when no tokens are configured', async () => {
    f = createAppFixture(null);
    expect((await submit(f)).status).toBe(201);
    expect((await list(f)).status).toBe(200);
  });

  it('needs a write token to submit; reads stay open by default', async () => {
    f = createAppFixture(null, { access: { writeTokens: ['w-secret-1', 'w-secret-2'], readTokens: [] } });
    const none = await submit(f);
    expect(none.status).toBe(401);
    expect((await none.json()).message).toMatch(/Authorization: Bearer/);
    expect((await submit(f, 'wrong')).status).toBe(401);
    expect((await submit(f, 'w-secret-2')).status).toBe(201);
    expect((await list(f)).status).toBe(200);
    expect((await f.app.request('/healthz')).status).not.toBe(401);
  });

  it('read tokens: reads need one, writes refuse it with 403', async () => {
    f = createAppFixture(null, { access: { writeTokens: ['w'], readTokens: ['r'] } });
    expect((await list(f)).status).toBe(401);
    expect((await list(f, { authorization: 'Bearer r' })).status).toBe(200);
    expect((await list(f, { authorization: 'Bearer w' })).status).toBe(200);
    expect((await list(f, {}, '?access_token=r')).status).toBe(200);
    const res = await submit(f, 'r');
    expect(res.status).toBe(403);
    expect((await res.json()).message).toMatch(/read-only/);
  });

  it('never takes a write token from the query string', async () => {
    f = createAppFixture(null, { access: { writeTokens: ['w'], readTokens: [] } });
    const res = await f.app.request('/v1/experiments?access_token=w', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(matrix),
    });
    expect(res.status).toBe(401);
  });

  it('redacts passwords in urls for logs', () => {
    expect(redactUrl('redis://default:hunter2@cache:6379/0')).toBe('redis://default:***@cache:6379/0');
    expect(redactUrl('rediss://:hunter2@cache:6380')).toBe('rediss://:***@cache:6380');
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });
});
