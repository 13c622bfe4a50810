import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { getLlama, type Llama, LlamaLogLevel } from 'node-llama-cpp';

// Which llama.cpp binary a runner loads, and the refusal when it cannot be the one asked for.
// node-llama-cpp ships prebuilt binaries as optional npm packages (@node-llama-cpp/<platform>[-gpu]);
// we never build from source or download (build: 'never'), and a GPU run that would land on the
// CPU is an error, never a quiet fallback.

/** The llama.cpp compute backend: a GPU type, or false for the CPU. */
export type LlamaCppGpu = 'cuda' | 'vulkan' | false;

export class LlamaCppBackendError extends Error {
  override readonly name = 'LlamaCppBackendError';
}

/** What ran, for the result's environment. */
export type LlamaCppBackend = {
  gpu: LlamaCppGpu;
  /** 'prebuilt' (an @node-llama-cpp package) or 'localBuild'. */
  buildType: string;
  /** llama.cpp's release tag the binary was built from. */
  llamaCppRelease: string;
  gpuDevices: string[];
};

/** The prebuilt binary packages node-llama-cpp can load on this platform, by GPU type. */
export function llamaCppBinaryPackages(
  platform = process.platform,
  arch = process.arch,
): Record<'cpu' | 'cuda' | 'cudaExt' | 'vulkan', string> {
  const base = `@node-llama-cpp/${platform}-${arch}`;
  return { cpu: base, cuda: `${base}-cuda`, cudaExt: `${base}-cuda-ext`, vulkan: `${base}-vulkan` };
}

/** Folder of an installed package, resolved from node-llama-cpp's own location (where npm puts its optional deps); null when absent. */
export function installedPackageDir(name: string): string | null {
  const require = createRequire(import.meta.url);
  try {
    const from = dirname(require.resolve('node-llama-cpp/package.json'));
    return dirname(createRequire(`${from}/`).resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/**
 * The GPU type a GPU cell runs llama.cpp on: CUDA when its binary package is usable here, else
 * Vulkan; `supported` is node-llama-cpp's getLlamaGpuTypes('supported') (driver libraries found).
 * Throws when neither is, naming what was looked for.
 */
export function chooseLlamaGpu(supported: readonly (string | false)[]): Exclude<LlamaCppGpu, false> {
  if (supported.includes('cuda')) return 'cuda';
  if (supported.includes('vulkan')) return 'vulkan';
  throw new LlamaCppBackendError(
    `no llama.cpp GPU backend is usable on this machine (node-llama-cpp supports: ${supported.map(String).join(', ') || 'none'}); ` +
      'a GPU cell needs the CUDA or Vulkan driver and the @node-llama-cpp CUDA/Vulkan package',
  );
}

const llamas = new Map<string, Promise<Llama>>();

/** The llama.cpp binding for `gpu`, loaded once per process; refuses rather than running elsewhere than asked. */
export function loadLlama(gpu: LlamaCppGpu): Promise<Llama> {
  const key = String(gpu);
  let pending = llamas.get(key);
  if (pending === undefined) {
    pending = (async () => {
      let llama: Llama;
      try {
        llama = await getLlama({ gpu, build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error });
      } catch (cause) {
        const what = gpu === false ? 'the CPU llama.cpp binary' : `a ${gpu} llama.cpp binary`;
        throw new LlamaCppBackendError(`cannot load ${what} (${(cause as Error).message}); nothing is built or downloaded at run time`, {
          cause,
        });
      }
      if (llama.gpu !== gpu) {
        await llama.dispose();
        throw new LlamaCppBackendError(
          `asked llama.cpp for gpu ${String(gpu)}, it loaded ${String(llama.gpu)}; refusing to run elsewhere than asked`,
        );
      }
      return llama;
    })();
    pending.catch(() => llamas.delete(key));
    llamas.set(key, pending);
  }
  return pending;
}

export async function describeBackend(llama: Llama): Promise<LlamaCppBackend> {
  return {
    gpu: llama.gpu as LlamaCppGpu,
    buildType: llama.buildType,
    llamaCppRelease: llama.llamaCppRelease.release,
    gpuDevices: llama.gpu === false ? [] : await llama.getGpuDeviceNames(),
  };
}

/** True when the package directory exists (the binaries of an optional dependency were installed). */
export function hasBinaryPackage(name: string): boolean {
  const dir = installedPackageDir(name);
  return dir !== null && existsSync(dir);
}
