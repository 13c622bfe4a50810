// Issue #19.6: API answers say nosniff and no-store (authenticated ones, errors and 401s included);
// the dashboard's files keep their own caching.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../test-harness.ts';

let f: AppFixture;
beforeAll(() => {
  f = createAppFixture(null, { access: { writeTokens: ['w'], readTokens: ['r'] } });
});
afterAll(() => f.close());

describe('security headers', () => {
  it('nosniff and no-store on every api answer: 200, 401, 404, 400 and /healthz', async () => {
    const answers = await Promise.all([
      f.app.request('/v1/experiments', { headers: { authorization: 'Bearer r' } }),
      f.app.request('/v1/experiments'),
      f.app.request('/v1/cells/nope', { headers: { authorization: 'Bearer r' } }),
      f.app.request('/v1/experiments', {
        method: 'POST',
        headers: { authorization: 'Bearer w', 'content-type': 'application/json' },
        body: '{',
      }),
      f.app.request('/healthz'),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 401, 404, 400, 503]);
    for (const r of answers) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('a write token is never taken from the query string, on writes or reads', async () => {
    const write = await f.app.request('/v1/experiments?access_token=w', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(write.status).toBe(401);
    const read = await f.app.request('/v1/experiments?access_token=w');
    expect(read.status).toBe(401);
    expect((await read.json()).message).toMatch(/never accepted in the query string/);
    expect((await f.app.request('/v1/experiments?access_token=r')).status).toBe(200);
  });
});
