import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { submitAndWaitRunning, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

const REPS = 30;

describe('a worker killed mid-cell', () => {
  const f = usePlatform('crash', { env: { WORKER_LOCK_MS: '2000' } });

  it('re-runs the cell on another worker and records it exactly once', async () => {
    // Wait until the cell is running and has measured some requests, then kill the worker.
    const id = await submitAndWaitRunning(f.platform.apiUrl, {
      variants: [{ dtype: 'fp32', cache: false }],
      maxNewTokens: [32],
      repetitions: REPS,
    });
    await new Promise((r) => setTimeout(r, 1500));
    const victim = f.platform.workers[0]!;
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    await f.platform.startWorker();

    const done = await waitForExperiment(f.platform.apiUrl, id, 180_000);
    expect(done.cells[0]!.status).toBe('done');
    expect(done.cells[0]!.attempt).toBeGreaterThan(1);

    const db = new Database(join(f.dataDir, 'inferlab.sqlite'), { readonly: true });
    try {
      const { n } = db.prepare('select count(*) as n from requests where cell_id = ?').get(done.cells[0]!.id) as { n: number };
      expect(n).toBe(REPS);
      const dup = db
        .prepare(
          'select count(*) as n from (select repetition, prompt_index from requests where cell_id = ? group by 1, 2 having count(*) > 1)',
        )
        .get(done.cells[0]!.id) as { n: number };
      expect(dup.n).toBe(0);
    } finally {
      db.close();
    }
  });
});
