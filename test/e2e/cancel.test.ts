// Cancelling an experiment stops its running cell between requests and never starts the rest.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startPlatform } from '../../scripts/lib/platform.ts';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { sharedModelsDir } from '../helpers/models.ts';
import { recordedCounts } from '../helpers/sqlite.ts';

describe('cancel', () => {
  let platform: Platform;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'inferlab-cancel-'));
    platform = await startPlatform({ dataDir, workers: 1, env: { INFERLAB_MODELS_DIR: await sharedModelsDir() } });
  });
  afterAll(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the running cell and leaves the worker idle', async () => {
    const created = await postJson(`${platform.apiUrl}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      variants: [{ dtype: 'fp32', cache: false }],
      prompts: ['Explain briefly why KV caching and quantization help LLM inference.'],
      maxNewTokens: [32, 33],
      threads: [1],
      repetitions: 500,
      warmup: 0,
    });
    const id = created.body.id as string;
    await waitForExperiment(platform.apiUrl, id, 120_000, (e) => e.progress.running === 1);
    const res = await postJson(`${platform.apiUrl}/v1/experiments/${id}/cancel`, {});
    expect(res.status).toBe(200);
    expect(res.body.cancelled).toBe(2);

    // The worker notices within a poll and a request, and takes no further cell of it.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { workers } = await getJson(`${platform.apiUrl}/v1/workers`);
      if (workers.length > 0 && workers.every((w: { currentCellId: string | null }) => w.currentCellId === null)) break;
      if (Date.now() > deadline) throw new Error(`worker still busy: ${JSON.stringify(workers)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const view = await getJson(`${platform.apiUrl}/v1/experiments/${id}`);
    expect(view.status).toBe('cancelled');
    for (const cell of view.cells) {
      expect(cell.status).toBe('cancelled');
      expect(recordedCounts(dataDir, cell.id).requests).toBe(0);
    }
  });
});
