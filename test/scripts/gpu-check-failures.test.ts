import { describe, expect, it } from 'vitest';
import { type GpuCheckCell, gpuCheckFailures } from '../../scripts/lib/gpu-check-failures.ts';

const cpu: GpuCheckCell = {
  status: 'done',
  error: null,
  requests: 5,
  config: { device: 'cpu' },
  environment: { executionProvider: 'cpu', backend: 'cpu' },
  gpu: null,
};
const cuda: GpuCheckCell = {
  ...cpu,
  config: { device: 'cuda' },
  environment: { executionProvider: 'cuda', backend: 'cuda' },
  gpu: { peakMemoryUsedBytes: 1_200 * 2 ** 20, samples: 12 },
};

describe('gpuCheckFailures', () => {
  it('passes a cuda cell done on the CUDA provider with GPU memory, beside a cpu cell', () => {
    expect(gpuCheckFailures([cpu, cuda])).toEqual([]);
  });

  it('expects the cuda cell on WebGPU where the worker chose it (no CUDA provider)', () => {
    const webgpu = { ...cuda, environment: { executionProvider: 'webgpu', backend: 'webgpu' } };
    expect(gpuCheckFailures([cpu, webgpu], 'webgpu')).toEqual([]);
    expect(gpuCheckFailures([cpu, cuda], 'webgpu')).toEqual([
      'cuda cell ran on execution provider cuda, not webgpu',
      "cuda cell's environment names backend cuda, not webgpu",
    ]);
  });

  it('names each way the check falls short', () => {
    expect(gpuCheckFailures([cpu])).toEqual(['expected one cuda cell, found 0']);
    expect(gpuCheckFailures([cpu, { ...cuda, status: 'failed', error: 'boom', requests: 0 }])).toEqual([
      'cuda cell is failed: boom',
      'cuda cell recorded no requests',
    ]);
    expect(gpuCheckFailures([cpu, { ...cuda, environment: { executionProvider: 'cpu', backend: 'cpu' } }])).toEqual([
      'cuda cell ran on execution provider cpu, not cuda',
      "cuda cell's environment names backend cpu, not cuda",
    ]);
    expect(gpuCheckFailures([cpu, { ...cuda, environment: { executionProvider: 'cuda' } }])).toEqual([
      "cuda cell's environment names backend none, not cuda",
    ]);
    expect(gpuCheckFailures([cpu, { ...cuda, gpu: null }])).toEqual(['cuda cell recorded no GPU usage (nvidia-smi sampling)']);
    expect(gpuCheckFailures([cpu, { ...cuda, gpu: { peakMemoryUsedBytes: 0, samples: 0 } }])).toEqual([
      'cuda cell recorded no GPU memory (0 samples, peak 0 bytes)',
    ]);
  });
});
