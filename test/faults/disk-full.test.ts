// The disk under SQLite fills up (a real 2 MiB tmpfs, filled by a file; no mock): the recorder's
// write fails with SQLITE_FULL, the result waits in Redis (the message stays active, not failed),
// and once space returns it is recorded exactly once.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExperiment, getExperiment, openDb } from '@inferlab/db';
import { expandMatrix, parseMatrix, RESULT_JOB_OPTIONS, RESULTS_QUEUE, type ResultMessage, resultJobId } from '@inferlab/experiments';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecorder } from '../../apps/api/src/recorder/recorder.ts';
import { connectRedis } from '../../apps/api/src/redis/connect-redis.ts';
import { type RedisHandle, startRedis } from '../helpers/redis-server.ts';
import { recordedCounts } from '../helpers/sqlite.ts';
import { syntheticCellResult } from '../helpers/synthetic-result.ts';

const root = process.getuid?.() === 0;

/** Writes zeros until the filesystem says ENOSPC. */
function fillUp(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

describe.runIf(root)('SQLite on a full disk (needs root to mount a small tmpfs)', () => {
  let base: string;
  let dir: string;
  let server: RedisHandle;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'inferlab-full-'));
    dir = join(base, 'mnt');
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) execFileSync('umount', ['-l', dir]);
    rmSync(base, { recursive: true, force: true });
  });

  it('keeps the result in Redis while the disk is full and records it once when space returns', { timeout: 120_000 }, async () => {
    const handle = openDb(join(dir, 'inferlab.sqlite'));
    const matrix = parseMatrix({ models: ['forge:gpt2-tiny'], prompts: ['a', 'b'], maxNewTokens: [4], repetitions: 2, warmup: 0 });
    const [cell] = expandMatrix('exp', matrix);
    createExperiment(handle.db, { id: 'exp', name: 'disk full', matrix, cells: [cell!] });
    const connection = connectRedis(server.url);
    const lines: string[] = [];
    const note = (l: string) => lines.push(l);
    const recorder = startRecorder({ db: handle.db, connection, log: { info: note, warn: note, error: note } });
    const results = new Queue<ResultMessage>(RESULTS_QUEUE, { connection });
    const filler = join(dir, 'filler');
    try {
      fillUp(filler);
      const message: ResultMessage = {
        kind: 'cell-result',
        ...syntheticCellResult({ cellId: cell!.id, experimentId: 'exp', config: cell!.config }),
      };
      const jobId = resultJobId(cell!.id, 1);
      await results.add('cell-result', message, { ...RESULT_JOB_OPTIONS, jobId });

      const deadline = Date.now() + 30_000;
      while (!lines.some((l) => /cannot grow/.test(l))) {
        if (Date.now() > deadline) throw new Error(`no disk-full line; log: ${lines.join(' | ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 3000)); // longer than the publisher's retries would take
      expect(await (await results.getJob(jobId))?.getState()).toBe('active'); // held, not failed
      expect(getExperiment(handle.db, 'exp')?.cells[0]?.status).toBe('queued');
      expect(lines.filter((l) => /cannot grow/.test(l))).toHaveLength(1); // one line per outage

      rmSync(filler);
      const until = Date.now() + 30_000;
      while (getExperiment(handle.db, 'exp')?.cells[0]?.status !== 'done') {
        if (Date.now() > until) throw new Error(`not recorded after space returned; log: ${lines.join(' | ')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(lines.some((l) => /takes writes again/.test(l))).toBe(true);
      expect(recordedCounts(dir, cell!.id)).toMatchObject({ requests: 4, duplicates: 0, tokenEvents: 11 });
    } finally {
      rmSync(filler, { force: true });
      await recorder.close();
      await results.close();
      connection.disconnect();
      handle.close();
    }
  });
});
