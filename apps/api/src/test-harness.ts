import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
