import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';
import { recordedCounts } from '../helpers/sqlite.ts';

const REPS = 20;

describe('api killed with results pending', () => {
  const f = usePlatform('api-crash');

  it('records the pending results after the restart, once', async () => {
    const created = await postJson(`${f.platform.apiUrl}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      variants: [{ dtype: 'fp32', cache: true }],
      prompts: ['Explain briefly why KV caching and quantization help LLM inference.'],
      maxNewTokens: [24],
      threads: [1],
      repetitions: REPS,
      warmup: 0,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await waitForExperiment(f.platform.apiUrl, id, 120_000, (e) => e.progress.running === 1);
    f.platform.api.kill('SIGKILL');

    // With the api gone, the worker's result lands in the `results` queue and waits there.
    const connection = new Redis(f.platform.redisUrl, { maxRetriesPerRequest: null });
    const results = new Queue('results', { connection });
    try {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const jobs = await results.getJobs(['waiting', 'prioritized'], 0, 1000);
        if (jobs.some((j) => j.data?.kind === 'cell-result')) break;
        if (Date.now() > deadline) throw new Error('no cell-result reached the results queue');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await results.close();
      connection.disconnect();
    }

    await f.platform.restartApi();
    const done = await waitForExperiment(f.platform.apiUrl, id, 60_000);
    expect(done.cells[0]!.status).toBe('done');
    const counts = recordedCounts(f.dataDir, done.cells[0]!.id);
    expect(counts.requests).toBe(REPS);
    expect(counts.duplicates).toBe(0);
  });
});
