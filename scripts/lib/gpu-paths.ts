import { type OrtGpuSupport, ortGpuSupport } from '@inferlab/core';
import { getLlamaGpuTypes } from 'node-llama-cpp';

/** A way a GPU cell can run: an engine's GPU backend, available here or skipped with the reason. */
export type GpuPath =
  | { engine: 'onnxruntime'; backend: 'cuda' | 'webgpu'; available: boolean; reason: string }
  | { engine: 'llama.cpp'; backend: 'cuda' | 'vulkan'; available: boolean; reason: string };

export const pathName = (p: Pick<GpuPath, 'engine' | 'backend'>) => `${p.engine} ${p.backend}`;

/**
 * The four GPU paths (onnxruntime CUDA and WebGPU, llama.cpp CUDA and Vulkan) and whether each can
 * run here: onnxruntime's from its provider checks (execution-provider.ts), llama.cpp's from
 * node-llama-cpp's `supported` GPU types (the driver libraries it finds for its prebuilt binaries).
 */
export function gpuPaths(ort: OrtGpuSupport, llamaSupported: readonly (string | false)[]): GpuPath[] {
  const llama = (backend: 'cuda' | 'vulkan'): GpuPath => ({
    engine: 'llama.cpp',
    backend,
    available: llamaSupported.includes(backend),
    reason: llamaSupported.includes(backend)
      ? `node-llama-cpp supports ${backend} here`
      : `node-llama-cpp finds no ${backend} driver (it supports: ${llamaSupported.map((g) => (g === false ? 'cpu' : g)).join(', ') || 'nothing'})`,
  });
  return [
    {
      engine: 'onnxruntime',
      backend: 'cuda',
      available: ort.cuda.available,
      reason: ort.cuda.available ? ort.cuda.detail : ort.cuda.reason,
    },
    {
      engine: 'onnxruntime',
      backend: 'webgpu',
      available: ort.webgpu.available,
      reason: ort.webgpu.available ? 'bundled, Vulkan loader found' : ort.webgpu.reason,
    },
    llama('cuda'),
    llama('vulkan'),
  ];
}

/** This machine's paths. */
export async function probeGpuPaths(): Promise<GpuPath[]> {
  return gpuPaths(ortGpuSupport(), await getLlamaGpuTypes('supported'));
}
