import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { type DbHandle, openDb } from '@inferlab/db';
import type { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { type RedisHandle, startRedis } from '../../../test/helpers/redis-server.ts';
import { type AppDeps, createApp } from './app.ts';
import { type CellEnqueuer, createCellEnqueuer } from './experiments/cell-enqueuer.ts';
import { connectRedis, redisPinger } from './redis/connect-redis.ts';

export const TEST_FORGE_MODELS = ['gpt2-tiny', 'gpt2-small'];

/** A real redis-server and BullMQ queues, shared by the tests of one file. */
export type RedisFixture = { server: RedisHandle; connection: Redis; enqueuer: CellEnqueuer; close: () => Promise<void> };

export async function startRedisFixture(): Promise<RedisFixture> {
  const server = await startRedis();
  const connection = connectRedis(server.url);
  await connection.ping(); // connected and ready before any test runs
  // Reconnect errors are expected once a test stops the server.
  connection.on('error', () => {});
  const enqueuer = createCellEnqueuer(connection, { onError: () => {} });
  return {
    server,
    connection,
    enqueuer,
    close: async () => {
      await enqueuer.close();
      await connection.quit();
      await server.stop();
    },
  };
}

/** A fresh SQLite file in a temp folder and the app over it. */
export type AppFixture = { app: Hono; db: DbHandle['db']; sqlite: DbHandle['sqlite']; close: () => void };

export function createAppFixture(redis: RedisFixture | null, overrides: Partial<AppDeps> = {}): AppFixture {
  const dir = mkdtempSync(join(tmpdir(), 'inferlab-api-'));
  const { db, sqlite, close } = openDb(join(dir, 'inferlab.sqlite'));
  const app = createApp({
    db,
    enqueue: redis?.enqueuer.enqueue ?? (async () => {}),
    cancelCells: redis?.enqueuer.cancel,
    redisPing: redis === null ? async () => false : redisPinger(redis.connection),
    knownForgeModels: TEST_FORGE_MODELS,
    ...overrides,
  });
  return {
    app,
    db,
    sqlite,
    close: () => {
      close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The app behind a real http server on a free port (for what `app.request()` cannot send: Host, chunked bodies). */
export async function serveApp(app: Hono): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  return new Promise((resolveServe) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolveServe({
        url: `http://127.0.0.1:${info.port}`,
        port: info.port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

/**
 * One request over node:http, headers exactly as given (Host included); the body may be a stream of
 * chunks. The body is sent after the headers, and no more of it once the server has answered (an
 * early 413), so the answer is read rather than lost to a reset connection.
 */
export function rawRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer | AsyncIterable<Buffer> },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolveReq, reject) => {
    let responded = false;
    const req = httpRequest(
      // A fresh connection each time: a socket the server closed after an oversize body is never reused.
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false },
      (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolveReq({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', (err) => {
      if (!responded) reject(err);
    });
    const body = options.body;
    if (body === undefined) {
      req.end();
      return;
    }
    const chunks: AsyncIterable<Buffer> = typeof body === 'string' || Buffer.isBuffer(body) ? slices(Buffer.from(body)) : body;
    req.flushHeaders();
    void (async () => {
      try {
        await new Promise((r) => setTimeout(r, 20)); // the server may answer from the headers alone
        for await (const chunk of chunks) {
          if (responded || req.destroyed) return;
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        }
        if (!responded) req.end();
      } catch {
        // the server answered and closed while we were still sending
      }
    })();
  });
}

async function* slices(buffer: Buffer): AsyncIterable<Buffer> {
  for (let i = 0; i < buffer.length; i += 64 * 1024) yield buffer.subarray(i, i + 64 * 1024);
}

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely and assert on them.
type Json = any;

/** POST a JSON body (or a raw string) through `app.request()`. */
export async function post(app: Hono, path: string, body: unknown): Promise<{ status: number; json: Json }> {
  const res = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

export async function get(app: Hono, path: string): Promise<{ status: number; json: Json }> {
  const res = await app.request(path);
  return { status: res.status, json: await res.json() };
}
