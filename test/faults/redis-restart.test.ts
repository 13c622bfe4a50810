// Redis restarts mid-experiment (append-only file on): the experiment completes, nothing lost or doubled.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedis, startLocalRedis } from '../../scripts/lib/local-redis.ts';
import { type Platform, startPlatform } from '../../scripts/lib/platform.ts';
import { postJson, waitForExperiment } from '../helpers/api-client.ts';
import { sharedModelsDir } from '../helpers/models.ts';
import { recordedCounts } from '../helpers/sqlite.ts';

const REPS = 6;
const PROMPTS = ['Explain briefly why KV caching and quantization help LLM inference.', 'Hello world'];

describe('redis restart mid-experiment', () => {
  let platform: Platform;
  let redis: LocalRedis;
  let dataDir: string;
  const lines: { source: string; line: string }[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'inferlab-redis-restart-'));
    redis = await startLocalRedis({ appendOnly: true, dir: join(dataDir, 'redis') });
    platform = await startPlatform({
      dataDir,
      redisUrl: redis.url,
      workers: 1,
      env: { INFERLAB_MODELS_DIR: await sharedModelsDir(), WORKER_LOCK_MS: '3000' },
      log: (source, line) => lines.push({ source, line }),
    });
  });
  afterAll(async () => {
    await platform?.stop();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('completes every cell exactly once', async () => {
    const created = await postJson(`${platform.apiUrl}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      variants: [
        { dtype: 'fp32', cache: false },
        { dtype: 'fp32', cache: true },
        { dtype: 'int8', cache: true },
      ],
      prompts: PROMPTS,
      maxNewTokens: [16, 24],
      threads: [1],
      repetitions: REPS,
      warmup: 0,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await waitForExperiment(platform.apiUrl, id, 120_000, (e) => e.progress.done >= 1);

    // SIGKILL: no clean shutdown, only what the append-only file (fsync always) holds survives.
    redis.child.kill('SIGKILL');
    await new Promise((r) => redis.child.once('exit', r));
    await new Promise((r) => setTimeout(r, 1500));
    redis = await startLocalRedis({ appendOnly: true, dir: redis.dir, port: redis.port });

    const done = await waitForExperiment(platform.apiUrl, id, 240_000);
    // One line when Redis went away and one when it answered again, per process; no stack traces.
    await new Promise((r) => setTimeout(r, 1000));
    // (A process whose connection reconnected before it needed Redis saw no error: no line at all.)
    for (const source of ['api', 'worker0']) {
      const mine = lines.filter((l) => l.source === source).map((l) => l.line);
      const down = mine.filter((l) => l.includes('cannot reach Redis')).length;
      expect(down, source).toBeLessThanOrEqual(1);
      expect(
        mine.filter((l) => l.includes('answers again after')),
        source,
      ).toHaveLength(down);
      if (source === 'api') expect(down).toBe(1);
      expect(
        mine.filter((l) => /^\s+at |ECONNREFUSED.*\n/.test(l)),
        source,
      ).toEqual([]);
    }
    expect(done.cells.map((c) => c.status)).toEqual(Array(6).fill('done'));
    for (const cell of done.cells) {
      const counts = recordedCounts(dataDir, cell.id);
      expect(counts.requests).toBe(REPS * PROMPTS.length);
      expect(counts.duplicates).toBe(0);
    }
  });
});
