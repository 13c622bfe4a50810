import { getLlamaGpuTypes } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import {
  chooseLlamaGpu,
  installedLlamaCppBinaries,
  LlamaCppBackendError,
  llamaCppBinaries,
  llamaGpuForDevice,
  loadLlama,
} from './llama-cpp-backend.ts';

// Everything up to the driver: which binary a cell asks for, the refusal when it cannot have it,
// and the prebuilt packages npm installed. On a machine whose driver node-llama-cpp finds, the
// same tests assert the GPU binary loads on the GPU instead.

describe('llama.cpp backend selection', () => {
  it('prefers CUDA, takes Vulkan where CUDA is absent, refuses when neither is usable', () => {
    expect(chooseLlamaGpu(['cuda', 'vulkan', false])).toBe('cuda');
    expect(chooseLlamaGpu(['vulkan', false])).toBe('vulkan');
    expect(() => chooseLlamaGpu([false])).toThrow(LlamaCppBackendError);
    expect(() => chooseLlamaGpu([])).toThrow(/no llama.cpp GPU backend is usable/);
  });

  it('a cpu cell gets the CPU binary; a cuda cell a GPU one or a refusal, never the CPU', async () => {
    expect(await llamaGpuForDevice('cpu')).toBe(false);
    const supported = await getLlamaGpuTypes('supported');
    if (supported.includes('cuda') || supported.includes('vulkan')) {
      expect(await llamaGpuForDevice('cuda')).toBe(supported.includes('cuda') ? 'cuda' : 'vulkan');
    } else {
      await expect(llamaGpuForDevice('cuda')).rejects.toThrow(LlamaCppBackendError);
    }
  });

  it.each(['cuda', 'vulkan'] as const)('loading the %s binary runs on it or refuses, never quietly on the CPU', async (gpu) => {
    const supported = await getLlamaGpuTypes('supported');
    if (supported.includes(gpu)) {
      const llama = await loadLlama(gpu);
      expect(llama.gpu).toBe(gpu);
      expect(llama.supportsGpuOffloading).toBe(true);
    } else {
      await expect(loadLlama(gpu)).rejects.toThrow(new RegExp(`cannot load a ${gpu} llama.cpp binary`));
    }
  });

  it('the CPU binary loads as the prebuilt package, without building or downloading', async () => {
    const llama = await loadLlama(false);
    expect(llama.gpu).toBe(false);
    expect(llama.buildType).toBe('prebuilt');
  });
});

describe('llama.cpp binary packages', () => {
  it('names the CPU, CUDA, CUDA fallback and Vulkan packages of a platform', () => {
    expect(llamaCppBinaries('linux', 'x64').map((b) => b.package)).toEqual([
      '@node-llama-cpp/linux-x64',
      '@node-llama-cpp/linux-x64-cuda',
      '@node-llama-cpp/linux-x64-cuda-ext',
      '@node-llama-cpp/linux-x64-vulkan',
    ]);
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    'are installed under node_modules with their addon and GPU libraries',
    () => {
      const installed = installedLlamaCppBinaries();
      for (const b of installed) expect({ package: b.package, complete: b.complete }).toEqual({ package: b.package, complete: true });
      expect(installed.find((b) => b.package.endsWith('-cuda'))?.dir).toMatch(/node_modules\/@node-llama-cpp\/linux-x64-cuda$/);
    },
  );
});
