import { RESULTS_QUEUE } from '@inferlab/experiments';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { submitAndWaitRunning, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';
import { recordedCounts } from '../helpers/sqlite.ts';

const REPS = 20;

describe('api killed with results pending', () => {
  const f = usePlatform('api-crash');

  it('records the pending results after the restart, once', async () => {
    const id = await submitAndWaitRunning(f.platform.apiUrl, {
      variants: [{ dtype: 'fp32', cache: true }],
      maxNewTokens: [24],
      repetitions: REPS,
    });
    f.platform.api.kill('SIGKILL');

    // With the api gone, the worker's result lands in the `results` queue and waits there.
    const connection = new Redis(f.platform.redisUrl, { maxRetriesPerRequest: null });
    const results = new Queue(RESULTS_QUEUE, { connection });
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
