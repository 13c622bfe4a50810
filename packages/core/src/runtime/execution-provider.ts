import { type Device, PermanentError } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import { type CudaProviderStatus, cudaProviderStatus, hasSharedLibrary } from './cuda-provider.ts';

// Which onnxruntime execution provider a cell's graph runs on, mirroring llama-cpp-backend.ts: a cpu
// cell on the CPU provider; a cuda (GPU) cell on the CUDA provider when its library is installed,
// else WebGPU (Dawn over Vulkan, bundled in onnxruntime-node on linux x64); else a refusal naming
// what is missing. A GPU cell is never given the CPU provider, not even as a fallback.

/** onnxruntime's execution provider, as listed in InferenceSession's `executionProviders`. */
export type OrtBackend = 'cpu' | 'cuda' | 'webgpu';

/** The provider asked for is not usable here, or a GPU session could not be created on it: a retry lands on the same machine. */
export class ExecutionProviderError extends PermanentError {
  override readonly name = 'ExecutionProviderError';
}

export type ProviderStatus = { available: true } | { available: false; reason: string };

/** What a GPU cell can run on here: onnxruntime's CUDA provider and its WebGPU one. */
export type OrtGpuSupport = { cuda: CudaProviderStatus; webgpu: ProviderStatus };

export const CUDA_PROVIDER_FIX =
  'install the CUDA provider with network access (ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci, which runs onnxruntime-node’s install script) and CUDA 12 + cuDNN 9';
export const WEBGPU_FIX =
  'install the GPU’s Vulkan driver (NVIDIA’s driver with its Vulkan ICD, or apt-get install libvulkan1 mesa-vulkan-drivers) so `vulkaninfo` lists the GPU';

/**
 * Can onnxruntime's WebGPU provider run here? It must be in this build (`listSupportedBackends`)
 * and, on Linux, Dawn needs the Vulkan loader; whether an adapter exists only session creation tells.
 */
export function webgpuStatus(
  backends: readonly { name: string; bundled: boolean }[] = ort.listSupportedBackends(),
  libraryPresent: (name: string) => boolean = hasSharedLibrary,
  platform: string = process.platform,
): ProviderStatus {
  if (!backends.some((b) => b.name === 'webgpu' && b.bundled)) {
    const listed = backends.map((b) => `${b.name}${b.bundled ? '' : ' (not bundled)'}`).join(', ');
    return { available: false, reason: `this onnxruntime-node build has no WebGPU provider (it lists: ${listed || 'none'})` };
  }
  if (platform === 'linux' && !libraryPresent('libvulkan.so.1')) {
    return { available: false, reason: `WebGPU runs on Vulkan here and libvulkan.so.1 is not on the library path: ${WEBGPU_FIX}` };
  }
  return { available: true };
}

/** What this machine offers a GPU cell, probed once per process (a library installed later needs a restart, like the provider itself). */
let probed: OrtGpuSupport | null = null;
export function ortGpuSupport(): OrtGpuSupport {
  probed ??= { cuda: cudaProviderStatus(), webgpu: webgpuStatus() };
  return probed;
}

/** The provider a cell on `device` runs on: CUDA, else WebGPU for a GPU cell; throws when neither is usable. */
export function chooseOrtBackend(device: Device, support: OrtGpuSupport): OrtBackend {
  if (device === 'cpu') return 'cpu';
  if (support.cuda.available) return 'cuda';
  if (support.webgpu.available) return 'webgpu';
  throw new ExecutionProviderError(
    `no onnxruntime GPU provider is usable on this machine for a ${device} cell, and it does not fall back to the CPU: ` +
      `CUDA: ${support.cuda.reason}; WebGPU: ${support.webgpu.reason}`,
  );
}

/** Refuses a pinned provider that does not run on `device` (a cpu cell on a GPU provider, a GPU cell on the CPU one). */
export function checkBackendForDevice(device: Device, backend: OrtBackend): OrtBackend {
  if ((device === 'cpu') !== (backend === 'cpu')) {
    throw new ExecutionProviderError(
      `a ${device} cell cannot run on onnxruntime's ${backend} provider: pin cpu for cpu cells, cuda or webgpu for GPU cells`,
    );
  }
  return backend;
}

/** The provider of a session on `device`: the pinned one when given (checked against the device), else the chosen one. */
export function ortBackendFor(device: Device, pinned?: OrtBackend): OrtBackend {
  return pinned === undefined ? chooseOrtBackend(device, ortGpuSupport()) : checkBackendForDevice(device, pinned);
}

/** Why a GPU provider can fail to create a session, and what to do about it. */
export function providerFix(backend: OrtBackend): string {
  switch (backend) {
    case 'cuda':
      return CUDA_PROVIDER_FIX;
    case 'webgpu':
      return `WebGPU found no usable GPU adapter: ${WEBGPU_FIX}`;
    case 'cpu':
      return 'check that the file is a readable ONNX graph';
  }
}
