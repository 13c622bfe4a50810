// A cuda worker on a machine without the CUDA provider refuses at start, saying what to install,
// instead of taking cuda cells and running them on the CPU. On a machine with the provider, a cuda
// worker runs a cuda cell through the platform on the GPU. Each machine runs the case it can; the
// other is reported as skipped, never as a pass with nothing checked.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { cudaProviderStatus } from '@inferlab/core';
import { describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CUDA = cudaProviderStatus().available;

describe.runIf(!CUDA)('cuda worker without CUDA', () => {
  it('exits with status 2 and the install hint', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, WORKER_DEVICE: 'cuda', REDIS_URL: 'redis://127.0.0.1:1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot serve cuda cells: .*ONNXRUNTIME_NODE_INSTALL=cuda12/);
  });
});

describe.runIf(CUDA)('cuda worker with CUDA', () => {
  const f = usePlatform('e2e-cuda', { workers: 0 });

  it('runs a cuda cell on the GPU: done, execution provider cuda, GPU memory recorded', async () => {
    await f.platform.startWorker({ WORKER_DEVICE: 'cuda' });
    const created = await postJson(`${f.platform.apiUrl}/v1/experiments`, {
      name: 'e2e cuda',
      models: ['forge:gpt2-tiny'],
      prompts: ['Hello world'],
      maxNewTokens: [8],
      devices: ['cuda'],
      threads: [1],
      repetitions: 2,
      warmup: 0,
    });
    expect(created.status).toBe(201);
    const done = await waitForExperiment(f.platform.apiUrl, created.body.id, 240_000);
    expect(done.cells.map((c) => [c.status, c.error])).toEqual([['done', null]]);
    const [cell] = (await getJson(`${f.platform.apiUrl}/v1/experiments/${created.body.id}/results`)).cells;
    expect(cell.config.device).toBe('cuda');
    expect(cell.environment.executionProvider).toBe('cuda');
    expect(cell.gpu.samples).toBeGreaterThan(0);
    expect(cell.gpu.peakMemoryUsedBytes).toBeGreaterThan(0);
    expect(cell.requests).toBe(2);
  });
});
