import { describe, expect, it } from 'vitest';
import { postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';
import { recordedCounts } from '../helpers/sqlite.ts';

const REPS = 15;

describe('graceful worker shutdown', () => {
  const f = usePlatform('sigterm');

  it('finishes the running cell before exiting', async () => {
    const created = await postJson(`${f.platform.apiUrl}/v1/experiments`, {
      models: ['forge:gpt2-tiny'],
      variants: [{ dtype: 'fp32', cache: false }],
      prompts: ['Explain briefly why KV caching and quantization help LLM inference.'],
      maxNewTokens: [24],
      threads: [1],
      repetitions: REPS,
      warmup: 0,
    });
    const id = created.body.id as string;
    await waitForExperiment(f.platform.apiUrl, id, 120_000, (e) => e.progress.running === 1);
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
