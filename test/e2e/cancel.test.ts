import { describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';
import { recordedCounts } from '../helpers/sqlite.ts';

describe('cancel', () => {
  const f = usePlatform('cancel');

  it('stops the running cell and leaves the worker idle', async () => {
    const created = await postJson(`${f.platform.apiUrl}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      variants: [{ dtype: 'fp32', cache: false }],
      prompts: ['Explain briefly why KV caching and quantization help LLM inference.'],
      maxNewTokens: [32, 33],
      threads: [1],
      repetitions: 500,
      warmup: 0,
    });
    const id = created.body.id as string;
    await waitForExperiment(f.platform.apiUrl, id, 120_000, (e) => e.progress.running === 1);
    const res = await postJson(`${f.platform.apiUrl}/v1/experiments/${id}/cancel`, {});
    expect(res.status).toBe(200);
    expect(res.body.cancelled).toBe(2);

    // The worker notices within a poll and a request, and takes no further cell of it.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { workers } = await getJson(`${f.platform.apiUrl}/v1/workers`);
      if (workers.length > 0 && workers.every((w: { currentCellId: string | null }) => w.currentCellId === null)) break;
      if (Date.now() > deadline) throw new Error(`worker still busy: ${JSON.stringify(workers)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const view = await getJson(`${f.platform.apiUrl}/v1/experiments/${id}`);
    expect(view.status).toBe('cancelled');
    expect(view.cells).toHaveLength(2); // maxNewTokens [32, 33]: the loop below checks both
    for (const cell of view.cells) {
      expect(cell.status).toBe('cancelled');
      expect(recordedCounts(f.dataDir, cell.id).requests).toBe(0);
    }
  });
});
