import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../test-harness.ts';

let dir: string;
let f: AppFixture;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'inferlab-dist-'));
  mkdirSync(join(dir, 'dist/assets'), { recursive: true });
  writeFileSync(join(dir, 'dist/index.html'), '<!doctype html><title>inferlab</title>');
  writeFileSync(join(dir, 'dist/assets/app-1234.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside the build');
  f = createAppFixture(null, { dashboardDir: join(dir, 'dist') });
});
afterAll(() => {
  f.close();
  rmSync(dir, { recursive: true, force: true });
});

const fetchText = async (path: string, app = f.app) => {
  const res = await app.request(path);
  return { status: res.status, type: res.headers.get('content-type'), res, text: await res.text() };
};

describe('the dashboard at /', () => {
  it('serves index.html at / with a strict content security policy and no caching', async () => {
    const r = await fetchText('/');
    expect([r.status, r.type, r.text]).toEqual([200, 'text/html; charset=utf-8', '<!doctype html><title>inferlab</title>']);
    expect(r.res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.res.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves hashed assets with their type, cached for good', async () => {
    const r = await fetchText('/assets/app-1234.js');
    expect([r.status, r.type, r.text]).toEqual([200, 'text/javascript; charset=utf-8', 'console.log(1)']);
    expect(r.res.headers.get('cache-control')).toContain('immutable');
  });

  it('answers client-side routes with the app shell (SPA fallback), but a missing asset with 404', async () => {
    expect((await fetchText('/experiments/abc')).text).toContain('<title>inferlab</title>');
    expect((await fetchText('/compare?a=1&b=2')).status).toBe(200);
    expect((await fetchText('/assets/gone-999.js')).status).toBe(404);
  });

  it('leaves the api alone: unknown /v1 routes stay JSON 404s', async () => {
    const r = await fetchText('/v1/nope');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text)).toMatchObject({ error: 'not_found' });
    expect((await fetchText('/v1/workers')).status).toBe(200);
  });

  it('never serves a file outside the build folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt']) {
      const r = await fetchText(path);
      expect(r.text, path).not.toContain('outside the build');
    }
  });

  it('says how to build the dashboard when dist is missing', async () => {
    const bare = createAppFixture(null, { dashboardDir: join(dir, 'nowhere') });
    try {
      const r = await fetchText('/', bare.app);
      expect(r.status).toBe(503);
      expect(JSON.parse(r.text)).toMatchObject({ error: 'dashboard_not_built', message: expect.stringContaining('npm run build') });
    } finally {
      bare.close();
    }
  });
});
