// Issue #19.3: the open default mode (no tokens) is not open to the web. The probe's requests —
// a cross-site `text/plain` POST creating and cancelling experiments, a DNS-rebinding `Host` — are
// sent to a real server; the dashboard's same-origin requests, the CLI and curl with JSON pass.
import { getExperiment } from '@inferlab/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, rawRequest, serveApp } from '../test-harness.ts';

const matrix = JSON.stringify({ models: ['forge:gpt2-tiny'], prompts: ['hi'], maxNewTokens: [2], repetitions: 1, warmup: 0 });

let f: AppFixture;
let server: Awaited<ReturnType<typeof serveApp>>;
let host: string;
beforeAll(async () => {
  f = createAppFixture(null, { redisPing: async () => true, publicHosts: ['lab.example'] });
  server = await serveApp(f.app);
  host = `127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close();
  f.close();
});

const post = (path: string, headers: Record<string, string>, body?: string) =>
  rawRequest(server.port, { method: 'POST', path, headers, body });

describe('open mode', () => {
  it('refuses a cross-site text/plain POST (a form or no-cors fetch from another page): no experiment created', async () => {
    const r = await post('/v1/experiments', { host, origin: 'https://evil.example', 'content-type': 'text/plain' }, matrix);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text).error).toBe('cross_origin');
    // Without an Origin (an old browser, a sandboxed page sends `null`), text/plain still is no JSON.
    expect((await post('/v1/experiments', { host, 'content-type': 'text/plain' }, matrix)).status).toBe(415);
    expect((await post('/v1/experiments', { host, origin: 'null', 'content-type': 'application/json' }, matrix)).status).toBe(403);
    expect(f.sqlite.prepare('select count(*) as n from experiments').get()).toEqual({ n: 0 });
  });

  it('refuses a cross-site cancel, with or without a body', async () => {
    const created = await post('/v1/experiments', { host, 'content-type': 'application/json' }, matrix);
    expect(created.status).toBe(201);
    const id = JSON.parse(created.text).id as string;
    const cancel = `/v1/experiments/${id}/cancel`;
    expect((await post(cancel, { host, origin: 'https://evil.example', 'content-type': 'text/plain' }, '{}')).status).toBe(403);
    expect((await post(cancel, { host, origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(cancel, { host, 'content-type': 'text/plain' }, 'x')).status).toBe(415);
    expect(getExperiment(f.db, id)?.status).toBe('queued');
    // Same origin (the dashboard the api serves) and the CLI (no Origin, no body) may.
    expect((await post(cancel, { host, origin: `http://${host}`, 'content-type': 'application/json' }, '{}')).status).toBe(200);
    expect((await post(cancel, { host })).status).toBe(200);
  });

  it('refuses a Host outside the allow-list (DNS rebinding), reads included', async () => {
    for (const bad of ['rebind.evil.example', 'rebind.evil.example:8787', '127.0.0.1.evil.example', '[::2]:80']) {
      const r = await rawRequest(server.port, { path: '/v1/experiments', headers: { host: bad } });
      expect([bad, r.status]).toEqual([bad, 403]);
      expect(JSON.parse(r.text).error).toBe('host_not_allowed');
    }
    for (const good of [host, `localhost:${server.port}`, `[::1]:${server.port}`, 'LAB.example', 'lab.example:443']) {
      const r = await rawRequest(server.port, { path: '/v1/experiments', headers: { host: good } });
      expect([good, r.status]).toEqual([good, 200]);
    }
  });

  it('accepts JSON flavours: charset, +json', async () => {
    const r = await post('/v1/experiments', { host, 'content-type': 'application/json; charset=utf-8' }, matrix);
    expect(r.status).toBe(201);
    expect((await post('/v1/experiments', { host, 'content-type': 'application/merge-patch+json' }, matrix)).status).toBe(201);
  });

  it('with a write token configured, the token is the guard (no Host or Origin checks)', async () => {
    const g = createAppFixture(null, { access: { writeTokens: ['w'], readTokens: [] } });
    const s = await serveApp(g.app);
    try {
      const r = await rawRequest(s.port, {
        method: 'POST',
        path: '/v1/experiments',
        headers: { host: 'inferlab-api:8787', authorization: 'Bearer w', 'content-type': 'application/json' },
        body: matrix,
      });
      expect(r.status).toBe(201);
    } finally {
      await s.close();
      g.close();
    }
  });
});
