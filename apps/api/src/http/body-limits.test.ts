// Issue #19.1: one request must not freeze the api. The probe's heavy bodies — 150,000 unknown
// keys for a matrix, 250,000 for a distill request, a 48 MiB chunked body — are sent to a real
// server while /healthz is polled; each must be refused quickly with a small error body, and
// /healthz must keep answering within a small bound throughout.
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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

// The heavy sender runs in its own process: /healthz then measures the server's event loop alone.
const SENDER = `
const http = require('node:http');
const { PORT, ROUTE, KIND, N, BASE } = process.env;
const headers = { 'content-type': 'application/json' };
let answered = false;
const req = http.request({ host: '127.0.0.1', port: +PORT, method: 'POST', path: ROUTE, headers: KIND === 'chunked' ? { ...headers, 'transfer-encoding': 'chunked' } : headers, agent: false }, (res) => {
  answered = true;
  let text = '';
  res.on('data', (d) => (text += d));
  res.on('end', () => { process.stdout.write(JSON.stringify({ status: res.statusCode, text })); process.exit(0); });
});
req.on('error', (e) => { if (!answered) { process.stdout.write(JSON.stringify({ status: 0, text: e.message })); process.exit(0); } });
if (KIND === 'chunked') {
  const chunk = Buffer.alloc(65536, 32);
  let sent = 0;
  const pump = () => { while (sent < +N && !answered) { sent += chunk.length; if (!req.write(chunk)) return req.once('drain', pump); } req.end(); };
  setTimeout(pump, 20);
} else {
  const o = JSON.parse(BASE);
  for (let i = 0; i < +N; i++) o['k' + i] = 1;
  req.end(JSON.stringify(o));
}
`;

function sendInChild(route: string, kind: 'chunked' | 'keys', n: number, base: object = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolveSend) => {
    const child = spawn(process.execPath, ['-e', SENDER], {
      env: { ...process.env, PORT: String(server.port), ROUTE: route, KIND: kind, N: String(n), BASE: JSON.stringify(base) },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', () => resolveSend(JSON.parse(out || '{"status":0,"text":"no answer"}')));
  });
}

/**
 * Polls /healthz every 10 ms while `work` runs: the slowest answer, and the longest the server's
 * event loop was blocked (monitorEventLoopDelay; the sender runs elsewhere), in ms.
 */
async function slowestHealthz<T>(work: Promise<T>): Promise<{ result: T; maxMs: number; polls: number; loopMs: number }> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
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
  loop.disable();
  return { result, maxMs, polls, loopMs: loop.max / 1e6 };
}

const json = { 'content-type': 'application/json' };
// Bounds far above what this takes and far below what the bug took, so a loaded machine does not fail
// them and the bug still does: a 226 ms block was seen with the suite beside other work on 2 cores.
/** /healthz answers within this while a heavy body is refused (2 shared cores, busy with other work: measured 10-170 ms). */
const HEALTHZ_BOUND_MS = 1500;
/** The longest the server's event loop may be blocked meanwhile (measured 65-226 ms; 11-13 s before the fix). */
const LOOP_BOUND_MS = 1000;

describe('heavy bodies', () => {
  it('a matrix with 150,000 unknown keys (1.6 MB) is refused before it is built: a small body; /healthz keeps answering', async () => {
    expect(manyKeys(150_000, { models: ['forge:gpt2-tiny'], prompts: ['a'] }).length).toBeGreaterThan(1.5e6);
    const { result, maxMs, polls, loopMs } = await slowestHealthz(
      sendInChild('/v1/experiments', 'keys', 150_000, { models: ['forge:gpt2-tiny'], prompts: ['a'] }),
    );
    console.log(
      `150k unknown keys: ${result.status}, ${result.text.length} B answer; /healthz max ${maxMs.toFixed(0)} ms over ${polls} polls, event loop blocked ≤ ${loopMs.toFixed(0)} ms`,
    );
    expect(result.status).toBe(400);
    expect(JSON.parse(result.text)).toMatchObject({ error: 'body_too_complex', issueCount: 1 });
    expect(result.text.length).toBeLessThan(1000);
    expect(loopMs).toBeLessThan(LOOP_BOUND_MS);
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
    const { result, maxMs } = await slowestHealthz(sendInChild('/v1/distill', 'keys', 250_000, { model: 'forge:gpt2-tiny' }));
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
      const t = performance.now();
      const { result, maxMs } = await slowestHealthz(sendInChild(path, 'chunked', 48 * 2 ** 20));
      console.log(
        `48 MiB chunked to ${path}: ${result.status} in ${(performance.now() - t).toFixed(0)} ms; /healthz max ${maxMs.toFixed(0)} ms`,
      );
      // 413, or a reset: the server stops reading at the limit and closes once it has answered, and a
      // TCP reset may reach the sender before the 413 it wrote (what curl or a browser sees too).
      expect([path, result.status === 0 ? 'reset' : result.status]).toContainEqual(result.status === 0 ? 'reset' : 413);
      if (result.status === 0) expect(result.text).toMatch(/ECONNRESET|EPIPE|socket hang up/);
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
