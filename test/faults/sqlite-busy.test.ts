// Another process holds SQLite's write lock longer than the busy timeout: the recorder's write
// fails, BullMQ retries the message, and the cell is recorded exactly once after the lock goes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getExperiment, openDb } from '@inferlab/db';
import { type CellConfig, RESULT_JOB_OPTIONS, RESULTS_QUEUE, type ResultMessage, resultJobId } from '@inferlab/experiments';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../apps/api/src/app.ts';
import { startRecorder } from '../../apps/api/src/recorder/recorder.ts';
import { connectRedis } from '../../apps/api/src/redis/connect-redis.ts';
import { type RedisHandle, startRedis } from '../helpers/redis-server.ts';
import { recordedCounts } from '../helpers/sqlite.ts';
import { syntheticCellResult } from '../helpers/synthetic-result.ts';

const HOLD_MS = 7000; // longer than the 5 s busy_timeout

/** A separate process that takes the write lock and keeps it for `ms`. */
function holdWriteLock(file: string, ms: number): Promise<{ released: Promise<void> }> {
  const code = `const D=require('better-sqlite3');const d=new D(${JSON.stringify(file)});d.exec('BEGIN IMMEDIATE');console.log('locked');setTimeout(()=>{d.exec('COMMIT');d.close();},${ms});`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const released = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve) => child.stdout.once('data', () => resolve({ released })));
}

describe('SQLite busy', () => {
  let dir: string;
  let server: RedisHandle;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inferlab-busy-'));
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries a write that hit a locked database and records it once', async () => {
    const handle = openDb(join(dir, 'inferlab.sqlite'));
    const connection = connectRedis(server.url);
    const errors: string[] = [];
    const recorder = startRecorder({
      db: handle.db,
      connection,
      log: { info: () => {}, warn: () => {}, error: (l: string) => errors.push(l) },
    });
    const results = new Queue<ResultMessage>(RESULTS_QUEUE, { connection });
    try {
      const app = createApp({ db: handle.db, enqueue: async () => {}, redisPing: async () => true, knownForgeModels: ['gpt2-tiny'] });
      const res = await app.request('/v1/experiments', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ models: ['forge:gpt2-tiny'], prompts: ['a', 'b'], maxNewTokens: [4], repetitions: 2, warmup: 0 }),
      });
      const created = (await res.json()) as { id: string; cells: { id: string; config: Omit<CellConfig, 'prompts'> }[] };
      const cell = created.cells[0]!;

      const lock = await holdWriteLock(join(dir, 'inferlab.sqlite'), HOLD_MS);
      const message: ResultMessage = {
        kind: 'cell-result',
        // The response leaves the prompts to the experiment; a worker's result carries them.
        ...syntheticCellResult({ cellId: cell.id, experimentId: created.id, config: { ...cell.config, prompts: ['a', 'b'] } }),
      };
      await results.add('cell-result', message, { ...RESULT_JOB_OPTIONS, jobId: resultJobId(cell.id, 1) });
      await lock.released;

      const deadline = Date.now() + 40_000;
      while (getExperiment(handle.db, created.id)?.cells[0]?.status !== 'done') {
        if (Date.now() > deadline) throw new Error(`not recorded after the lock was released; errors: ${errors.join(' | ')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(errors.some((e) => /locked|busy/i.test(e))).toBe(true);
      expect(recordedCounts(dir, cell.id)).toMatchObject({ requests: 4, duplicates: 0 });
    } finally {
      await recorder.close();
      await results.close();
      connection.disconnect();
      handle.close();
    }
  });
});
