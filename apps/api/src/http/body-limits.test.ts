// Issue #19.1: one request must not freeze the api. The probe's heavy bodies — 150,000 unknown
// keys for a matrix, 250,000 for a distill request, a 48 MiB chunked body — are sent to a real
// server while /healthz is polled; each must be refused quickly with a small error body, and
// /healthz must keep answering within a small bound throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture, rawRequest, serveApp } from '../test-harness.ts';
import { MAX_BODY_BYTES } from './body-limits.ts';

let f: AppFixture;
let server: Awaited<ReturnType<typeof serveApp>>;
beforeAll(async () => {
  f = createAppFixture(null, { redisPing: async () => true, enqueueDistill: async () => {} });
  server = await serveApp(f.app);
});
afterAll(async () => {
  await server.close();
  f.close();
});

const manyKeys = (n: number, base: Record<string, unknown>) => {
  const o: Record<string, unknown> = { ...base };
  for (let i = 0; i < n; i++) o[`k${i}`] = 1;
  return JSON.stringify(o);
};

async function* chunked(totalBytes: number): AsyncIterable<Buffer> {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  for (let sent = 0; sent < totalBytes; sent += chunk.length) yield chunk;
}

/** Polls /healthz every 10 ms while `work` runs; the slowest answer, in ms. */
async function slowestHealthz<T>(work: Promise<T>): Promise<{ result: T; maxMs: number; polls: number }> {
  let done = false;
  let maxMs = 0;
  let polls = 0;
  const poller = (async () => {
    while (!done) {
      const t = performance.now();
      const r = await rawRequest(server.port, { path: '/healthz' });
      expect(r.status).toBe(200);
      maxMs = Math.max(maxMs, performance.now() - t);
      polls += 1;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const result = await work;
  done = true;
  await poller;
  return { result, maxMs, polls };
}

const json = { 'content-type': 'application/json' };
/** /healthz answers within this while a heavy body is refused (2 shared cores; ~10 ms when idle). */
const HEALTHZ_BOUND_MS = 250;

describe('heavy bodies', () => {
  it('a matrix with 150,000 unknown keys (1.6 MB) is refused before it is built: a small body; /healthz keeps answering', async () => {
    const body = manyKeys(150_000, { models: ['forge:gpt2-tiny'], prompts: ['a'] });
    expect(body.length).toBeGreaterThan(1.5e6);
    const t = performance.now();
    const { result, maxMs, polls } = await slowestHealthz(
      rawRequest(server.port, { method: 'POST', path: '/v1/experiments', headers: json, body }),
    );
    const ms = performance.now() - t;
    console.log(
      `150k unknown keys: ${result.status} in ${ms.toFixed(0)} ms, ${result.text.length} B answer; /healthz max ${maxMs.toFixed(0)} ms over ${polls} polls`,
    );
    expect(result.status).toBe(400);
    expect(JSON.parse(result.text)).toMatchObject({ error: 'body_too_complex', issueCount: 1 });
    expect(result.text.length).toBeLessThan(1000);
    expect(ms).toBeLessThan(2000);
    expect(maxMs).toBeLessThan(HEALTHZ_BOUND_MS);
  }, 30_000);

  it('unknown keys under that bound: 20 issues with did-you-mean and a count', async () => {
    const body = manyKeys(90, { models: ['forge:gpt2-tiny'], prompts: ['a'], max_new_tokens: [4] });
    const { result, maxMs } = await slowestHealthz(
      rawRequest(server.port, { method: 'POST', path: '/v1/experiments', headers: json, body }),
    );
    expect(result.status).toBe(400);
    const answer = JSON.parse(result.text);
    expect(answer.issues).toHaveLength(20);
    expect(answer.issueCount).toBe(91);
    expect(answer.issues[0]).toEqual({ path: 'max_new_tokens', message: 'unknown field max_new_tokens; did you mean maxNewTokens?' });
    expect(result.text.length).toBeLessThan(16_000);
    expect(maxMs).toBeLessThan(HEALTHZ_BOUND_MS);
  }, 30_000);

  it('a distill request with 250,000 unknown keys is over its 64 KiB limit: 413 before parsing', async () => {
    const body = manyKeys(250_000, { model: 'forge:gpt2-tiny' });
    const { result, maxMs } = await slowestHealthz(rawRequest(server.port, { method: 'POST', path: '/v1/distill', headers: json, body }));
    expect(result.status).toBe(413);
    expect(JSON.parse(result.text)).toMatchObject({ error: 'body_too_large' });
    expect(maxMs).toBeLessThan(HEALTHZ_BOUND_MS);
    // Under the limit, the distill validation is bounded the same way.
    const small = manyKeys(4000, { model: 'forge:gpt2-tiny' });
    expect(small.length).toBeLessThan(MAX_BODY_BYTES);
    const r = await rawRequest(server.port, { method: 'POST', path: '/v1/distill', headers: json, body: small });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).issues.length).toBeLessThanOrEqual(20);
    expect(r.text.length).toBeLessThan(16_000);
  }, 30_000);

  it('a 48 MiB chunked body (no Content-Length) is cut off at the limit, on every body-taking route', async () => {
    for (const path of ['/v1/distill', '/v1/experiments', '/v1/experiments/x/cancel', '/v1/experiments/x/enqueue']) {
      const headers = { ...json, 'transfer-encoding': 'chunked' };
      const t = performance.now();
      const { result, maxMs } = await slowestHealthz(
        rawRequest(server.port, { method: 'POST', path, headers, body: chunked(48 * 2 ** 20) }),
      );
      expect([path, result.status]).toEqual([path, 413]);
      expect(performance.now() - t).toBeLessThan(5000);
      expect(maxMs).toBeLessThan(HEALTHZ_BOUND_MS);
    }
  }, 60_000);

  it('a declared Content-Length over the limit is refused without reading the body', async () => {
    const r = await rawRequest(server.port, {
      method: 'POST',
      path: '/v1/experiments',
      headers: { ...json, 'content-length': String(3 * 2 ** 20) },
      body: Buffer.alloc(1024),
    });
    expect(r.status).toBe(413);
  });
});
