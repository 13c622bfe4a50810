// A cuda worker on a machine without the CUDA provider refuses at start, saying what to install,
// instead of taking cuda cells and running them on the CPU.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { cudaProviderStatus } from '@inferlab/core';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('cuda worker without CUDA', () => {
  it('exits with status 2 and the install hint', async () => {
    if (cudaProviderStatus().available) return; // a GPU machine: scripts/gpu-check.ts covers it
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
