import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type CudaProviderStatus = { available: true; detail: string } | { available: false; reason: string };

const require = createRequire(import.meta.url);

/** The folder holding onnxruntime-node's native binding for this platform. */
function bindingDir(): string {
  const pkg = dirname(require.resolve('onnxruntime-node/package.json'));
  return join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
}

/** Whether the dynamic loader finds `name` (e.g. libvulkan.so.1): in ldconfig's cache or a folder of LD_LIBRARY_PATH. */
export function hasSharedLibrary(name: string): boolean {
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== '');
  if (dirs.some((d) => existsSync(join(d, name)))) return true;
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes(name);
  } catch {
    return false;
  }
}

/**
 * Can this process run onnxruntime's CUDA execution provider? onnxruntime-node ships the provider
 * library only when installed with ONNXRUNTIME_NODE_INSTALL=cuda12, and it needs the CUDA 12
 * runtime and cuDNN 9 on the library path.
 */
export function cudaProviderStatus(libraryPresent: (name: string) => boolean = hasSharedLibrary): CudaProviderStatus {
  const dir = bindingDir();
  const provider = join(dir, 'libonnxruntime_providers_cuda.so');
  if (!existsSync(provider)) {
    return {
      available: false,
      reason: `onnxruntime-node was installed without the CUDA provider (${provider} is missing): reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci on the GPU machine (its install script downloads the provider: needs network)`,
    };
  }
  const missing = ['libcudart.so.12', 'libcublas.so.12', 'libcudnn.so.9'].filter((lib) => !libraryPresent(lib));
  if (missing.length > 0) {
    return {
      available: false,
      reason: `the CUDA provider needs ${missing.join(', ')} on the library path (install CUDA 12 and cuDNN 9, or set LD_LIBRARY_PATH)`,
    };
  }
  return { available: true, detail: provider };
}
