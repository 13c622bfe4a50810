import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { listGpuDevices } from '@inferlab/core';
import { describe, expect, it } from 'vitest';
import { gpuPaths, pathName } from '../../scripts/lib/gpu-paths.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const ORT_NONE = {
  cuda: { available: false as const, reason: 'no CUDA provider' },
  webgpu: { available: false as const, reason: 'no libvulkan.so.1' },
};

describe('gpu-check paths', () => {
  it('lists the four GPU paths, each usable or skipped with its reason', () => {
    const none = gpuPaths(ORT_NONE, [false]);
    expect(none.map(pathName)).toEqual(['onnxruntime cuda', 'onnxruntime webgpu', 'llama.cpp cuda', 'llama.cpp vulkan']);
    expect(none.map((p) => [p.available, p.reason])).toEqual([
      [false, 'no CUDA provider'],
      [false, 'no libvulkan.so.1'],
      [false, 'node-llama-cpp finds no cuda driver (it supports: cpu)'],
      [false, 'node-llama-cpp finds no vulkan driver (it supports: cpu)'],
    ]);
    const some = gpuPaths({ ...ORT_NONE, webgpu: { available: true } }, ['vulkan', false]);
    expect(some.filter((p) => p.available).map(pathName)).toEqual(['onnxruntime webgpu', 'llama.cpp vulkan']);
  });

  // On a GPU machine the script is the check itself (minutes): run it there, not from the suite.
  it.runIf(listGpuDevices().length === 0)(
    'on a machine without a GPU says so, lists every path as skipped and exits 2',
    () => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/gpu-check.ts'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      expect(r.status).toBe(2);
      expect(r.stdout).toMatch(/\[gpu-check\] no GPU on this machine/);
      for (const name of ['onnxruntime cuda', 'onnxruntime webgpu', 'llama.cpp cuda', 'llama.cpp vulkan']) {
        expect(r.stdout).toMatch(new RegExp(`\\[gpu-check\\] (skip|run ) ${name}: \\S`));
      }
      expect(r.stdout).toMatch(/\[gpu-check\] FAIL: no GPU; nothing was checked/);
    },
    150_000,
  );
});
