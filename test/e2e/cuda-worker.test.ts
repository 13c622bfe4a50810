// A cuda worker on a machine without an onnxruntime GPU provider (CUDA, else WebGPU) refuses at
// start, saying what to install, instead of taking cuda cells and running them on the CPU. On a
// machine with one, a cuda worker runs a cuda cell through the platform on it. Each machine runs the
// case it can; the other is reported as skipped, never as a pass with nothing checked.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ortGpuSupport } from '@inferlab/core';
import { describe, expect, it } from 'vitest';
import { getJson, postJson, waitForExperiment } from '../helpers/api-client.ts';
import { usePlatform } from '../helpers/platform-fixture.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const support = ortGpuSupport();
const GPU_BACKEND = support.cuda.available ? 'cuda' : support.webgpu.available ? 'webgpu' : null;

describe.runIf(GPU_BACKEND === null)('cuda worker without a GPU provider', () => {
  it('exits with status 2 and the install hints', async () => {
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
    expect(stderr).toMatch(/cannot serve cuda cells: .*does not fall back to the CPU: CUDA: .*ONNXRUNTIME_NODE_INSTALL=cuda12.*; WebGPU: /);
  });
});

describe.runIf(GPU_BACKEND !== null)(`cuda worker with onnxruntime's ${GPU_BACKEND} provider`, () => {
  const f = usePlatform('e2e-cuda', { workers: 0 });

  it('runs a cuda cell on the GPU: done, on the chosen provider, GPU memory recorded', async () => {
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
    expect(cell.environment.executionProvider).toBe(GPU_BACKEND);
    expect(cell.environment.backend).toBe(GPU_BACKEND);
    expect(cell.gpu.samples).toBeGreaterThan(0);
    expect(cell.gpu.peakMemoryUsedBytes).toBeGreaterThan(0);
    expect(cell.requests).toBe(2);
  });
});
