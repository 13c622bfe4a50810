// SIGTERM to a worker mid-cell: it finishes the cell, publishes it, and exits 0.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../scripts/lib/platform.ts';
import { postJson, waitForExperiment } from '../helpers/api-client.ts';
import { sharedModelsDir } from '../helpers/models.ts';
import { recordedCounts } from '../helpers/sqlite.ts';

const REPS = 15;

describe('graceful worker shutdown', () => {
  let platform: Platform;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'inferlab-sigterm-'));
    platform = await startPlatform({ dataDir, workers: 1, env: { INFERLAB_MODELS_DIR: await sharedModelsDir() } });
  });
  afterAll(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the running cell before exiting', async () => {
    const created = await postJson(`${platform.apiUrl}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      variants: [{ dtype: 'fp32', cache: false }],
      prompts: ['Explain briefly why KV caching and quantization help LLM inference.'],
      maxNewTokens: [24],
      threads: [1],
      repetitions: REPS,
      warmup: 0,
    });
    const id = created.body.id as string;
    await waitForExperiment(platform.apiUrl, id, 120_000, (e) => e.progress.running === 1);
    const worker = platform.workers[0]!;
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    const done = await waitForExperiment(platform.apiUrl, id, 30_000);
    expect(done.cells[0]!.status).toBe('done');
    expect(done.cells[0]!.attempt).toBe(1);
    expect(recordedCounts(dataDir, done.cells[0]!.id).requests).toBe(REPS);
  });
});
