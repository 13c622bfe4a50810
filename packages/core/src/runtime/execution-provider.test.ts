import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { forgeModel } from '../forge/index.ts';
import { TEST_MODELS_DIR } from '../testing/test-models.ts';
import { cudaProviderStatus } from './cuda-provider.ts';
import { readDecoderConfig } from './decoder-config.ts';
import { DecoderSession, SessionLoadError } from './decoder-session.ts';
import { checkBackendForDevice, chooseOrtBackend, ExecutionProviderError, type OrtBackend, webgpuStatus } from './execution-provider.ts';
import { listGpuDevices } from './gpu-devices.ts';
import { measurePlacement, ORT_PROVIDER_NAMES } from './provider-placement.ts';

// Everything up to the driver: which provider a cell gets, the refusals, the provider binaries
// onnxruntime-node ships, and a real WebGPU session. Without a GPU adapter (this CI machine) that
// session must fail with our typed error, not crash and not run on the CPU; on a machine whose GPU
// Vulkan exposes, the same test asserts it ran on WebGPU instead.

const CUDA_MISSING = { available: false as const, reason: 'no libonnxruntime_providers_cuda.so (ONNXRUNTIME_NODE_INSTALL=cuda12)' };
const WEBGPU_MISSING = { available: false as const, reason: 'libvulkan.so.1 is not on the library path' };
const BUNDLED = [
  { name: 'cpu', bundled: true },
  { name: 'webgpu', bundled: true },
  { name: 'cuda', bundled: false },
];
const IDS = [464, 2068, 7586, 21831]; // "The quick brown fox"
/** A GPU is there and Vulkan can be loaded: Dawn should find an adapter. */
const ADAPTER_EXPECTED = listGpuDevices().length > 0 && webgpuStatus().available;

const tiny = async () => {
  const folder = await forgeModel('gpt2-tiny', { cacheDir: TEST_MODELS_DIR });
  return { file: join(folder, 'onnx/model.onnx'), config: await readDecoderConfig(folder) };
};

describe('onnxruntime provider selection', () => {
  it('runs cpu cells on the CPU; GPU cells on CUDA, else WebGPU', () => {
    const both = { cuda: { available: true as const, detail: 'x' }, webgpu: { available: true as const } };
    expect(chooseOrtBackend('cpu', both)).toBe('cpu');
    expect(chooseOrtBackend('cpu', { cuda: CUDA_MISSING, webgpu: WEBGPU_MISSING })).toBe('cpu');
    expect(chooseOrtBackend('cuda', both)).toBe('cuda');
    expect(chooseOrtBackend('cuda', { cuda: CUDA_MISSING, webgpu: { available: true } })).toBe('webgpu');
  });

  it('refuses a GPU cell when neither GPU provider is usable, naming both reasons, permanently', () => {
    const refuse = () => chooseOrtBackend('cuda', { cuda: CUDA_MISSING, webgpu: WEBGPU_MISSING });
    expect(refuse).toThrow(ExecutionProviderError);
    expect(refuse).toThrow(/does not fall back to the CPU: CUDA: .*ONNXRUNTIME_NODE_INSTALL=cuda12.*; WebGPU: libvulkan\.so\.1/);
    try {
      refuse();
    } catch (err) {
      expect(err).toBeInstanceOf(PermanentError);
    }
  });

  it('WebGPU needs the provider in the build and, on Linux, the Vulkan loader', () => {
    const noWebgpu = webgpuStatus([{ name: 'cpu', bundled: true }], () => true, 'linux');
    expect(noWebgpu).toEqual({ available: false, reason: 'this onnxruntime-node build has no WebGPU provider (it lists: cpu)' });
    const noVulkan = webgpuStatus(BUNDLED, () => false, 'linux');
    expect(noVulkan.available).toBe(false);
    if (!noVulkan.available)
      expect(noVulkan.reason).toMatch(/libvulkan\.so\.1 is not on the library path: install the GPU’s Vulkan driver/);
    expect(webgpuStatus(BUNDLED, (lib) => lib === 'libvulkan.so.1', 'linux')).toEqual({ available: true });
    expect(webgpuStatus(BUNDLED, () => false, 'win32')).toEqual({ available: true }); // Dawn over D3D12 there
  });

  it('refuses a pinned provider that does not match the device', () => {
    expect(checkBackendForDevice('cuda', 'webgpu')).toBe('webgpu');
    expect(() => checkBackendForDevice('cuda', 'cpu')).toThrow(/a cuda cell cannot run on onnxruntime's cpu provider/);
    expect(() => checkBackendForDevice('cpu', 'cuda')).toThrow(ExecutionProviderError);
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    'onnxruntime-node ships the CPU and WebGPU providers in its binding; CUDA only when installed for it',
    () => {
      const backends = ort.listSupportedBackends();
      expect(backends).toContainEqual({ name: 'webgpu', bundled: true });
      expect(backends).toContainEqual({ name: 'cuda', bundled: false });
      const bin = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')), 'bin/napi-v6/linux/x64');
      for (const f of ['onnxruntime_binding.node', 'libonnxruntime.so.1']) expect(existsSync(join(bin, f)), f).toBe(true);
      const cudaLib = existsSync(join(bin, 'libonnxruntime_providers_cuda.so'));
      if (!cudaLib) expect(cudaProviderStatus().available).toBe(false);
    },
  );
});

describe('sessions at the driver boundary', () => {
  it('a cpu session runs every kernel on the CPU provider', async () => {
    const { file, config } = await tiny();
    const placement = await measurePlacement(file, config, { threads: 1, executionProvider: 'cpu' }, IDS);
    expect(placement.backend).toBe('cpu');
    expect(Object.keys(placement.kernels)).toEqual([ORT_PROVIDER_NAMES.cpu]);
    expect(placement.matmuls[ORT_PROVIDER_NAMES.cpu]).toBeGreaterThan(0);
  });

  const webgpu = { threads: 1, executionProvider: 'cuda', backend: 'webgpu' } as const;

  it.runIf(!ADAPTER_EXPECTED)('a WebGPU session without a GPU adapter fails with the typed error, not a crash or a CPU run', async () => {
    const { file, config } = await tiny();
    const attempt = DecoderSession.load(file, config, webgpu);
    await expect(attempt).rejects.toThrow(ExecutionProviderError);
    await expect(attempt).rejects.not.toThrow(SessionLoadError); // permanent: a retry here fails the same way
    await expect(attempt).rejects.toThrow(
      /on onnxruntime's webgpu provider \(a cuda cell does not fall back to the CPU; WebGPU found no usable GPU adapter/,
    );
  });

  it.runIf(ADAPTER_EXPECTED)('a WebGPU session on a GPU runs its matrix products on the WebGPU provider', async () => {
    const { file, config } = await tiny();
    const placement = await measurePlacement(file, config, webgpu, IDS);
    expect(placement.backend).toBe('webgpu' satisfies OrtBackend);
    expect(placement.kernels[ORT_PROVIDER_NAMES.webgpu]).toBeGreaterThan(0);
    expect(placement.matmuls[ORT_PROVIDER_NAMES.cpu] ?? 0).toBe(0);
  });
});
