import { describe, expect, it } from 'vitest';
import { submitAndWaitRunning, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';
import { recordedCounts } from '../helpers/sqlite.ts';

const REPS = 15;

describe('graceful worker shutdown', () => {
  const f = usePlatform('sigterm');

  it('finishes the running cell before exiting', async () => {
    const id = await submitAndWaitRunning(f.platform.apiUrl, {
      variants: [{ dtype: 'fp32', cache: false }],
      maxNewTokens: [24],
      repetitions: REPS,
    });
    const worker = f.platform.workers[0]!;
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    const done = await waitForExperiment(f.platform.apiUrl, id, 30_000);
    expect(done.cells[0]!.status).toBe('done');
    expect(done.cells[0]!.attempt).toBe(1);
    expect(recordedCounts(f.dataDir, done.cells[0]!.id).requests).toBe(REPS);
  });
});
