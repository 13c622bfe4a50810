import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';
import { getLlama, getLlamaGpuTypes, getModuleVersion, type Llama, LlamaLogLevel } from 'node-llama-cpp';

// Which llama.cpp binary a runner loads, and the refusal when it cannot be the one asked for.
// node-llama-cpp ships prebuilt binaries as optional npm packages (@node-llama-cpp/<platform>[-gpu]);
// we never build from source or download (build: 'never'), and a GPU run that would land on the
// CPU is an error, never a quiet fallback.

/** The llama.cpp compute backend: a GPU type, or false for the CPU. */
export type LlamaCppGpu = 'cuda' | 'vulkan' | false;

/** The binary or device asked for is not usable on this machine: permanent here (a retry lands on the same machine). */
export class LlamaCppBackendError extends PermanentError {
  override readonly name = 'LlamaCppBackendError';
}

/** What ran, for the result's environment. */
export type LlamaCppBackend = {
  gpu: LlamaCppGpu;
  /** 'prebuilt' (an @node-llama-cpp package) or 'localBuild'. */
  buildType: string;
  /** llama.cpp's release tag the binary was built from. */
  llamaCppRelease: string;
  nodeLlamaCpp: string;
  gpuDevices: string[];
};

/** A prebuilt llama.cpp binary package and the files that make it usable (relative to the package). */
export type LlamaCppBinary = { gpu: LlamaCppGpu; package: string; files: string[] };

/** The prebuilt packages node-llama-cpp loads on a platform: the CPU one, CUDA (cuda-ext: its fallback build), Vulkan. */
export function llamaCppBinaries(platform: string = process.platform, arch: string = process.arch): LlamaCppBinary[] {
  const base = `${platform}-${arch}`;
  const pkg = (suffix: string) => `@node-llama-cpp/${base}${suffix}`;
  const bins = (suffix: string, extra: string[]) => [
    `bins/${base}${suffix}/llama-addon.node`,
    ...extra.map((f) => `bins/${base}${suffix}/${f}`),
  ];
  return [
    { gpu: false, package: pkg(''), files: bins('', []) },
    { gpu: 'cuda', package: pkg('-cuda'), files: bins('-cuda', ['libggml-cuda.so']) },
    { gpu: 'cuda', package: pkg('-cuda-ext'), files: [`bins/${base}-cuda/fallback/libggml-cuda.so`] },
    { gpu: 'vulkan', package: pkg('-vulkan'), files: bins('-vulkan', ['libggml-vulkan.so']) },
  ];
}

/** The root folder of package `name` as resolved from `from` (a folder); null when not installed. */
function packageRoot(name: string, from: string): string | null {
  try {
    // The packages export only their entry (not package.json): resolve it and climb to the root.
    let dir = dirname(createRequire(join(from, 'noop.js')).resolve(name));
    while (!dir.endsWith(join('node_modules', name))) {
      if (dirname(dir) === dir) return null;
      dir = dirname(dir);
    }
    return dir;
  } catch {
    return null;
  }
}

/** Folder of an installed binary package, resolved from node-llama-cpp's own folder (where npm puts its optional deps). */
export function installedPackageDir(name: string): string | null {
  const nlc = packageRoot('node-llama-cpp', import.meta.dirname);
  return nlc === null ? null : packageRoot(name, nlc);
}

/** Each binary package with whether it is installed here with all its files. */
export function installedLlamaCppBinaries(): Array<LlamaCppBinary & { dir: string | null; complete: boolean }> {
  return llamaCppBinaries().map((b) => {
    const dir = installedPackageDir(b.package);
    return { ...b, dir, complete: dir !== null && b.files.every((f) => existsSync(join(dir, f))) };
  });
}

/** The llama.cpp backend a cell on `device` runs on: the CPU binary for 'cpu', else the GPU chosen below. */
export async function llamaGpuForDevice(device: string): Promise<LlamaCppGpu> {
  if (device === 'cpu') return false;
  return chooseLlamaGpu(await getLlamaGpuTypes('supported'));
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

/** The engine string results record ("llama.cpp v0.4.0 (node-llama-cpp 3.21.1, cpu)": the release tag node-llama-cpp reports). */
export function llamaCppEngineVersion(b: LlamaCppBackend): string {
  return `llama.cpp ${b.llamaCppRelease} (node-llama-cpp ${b.nodeLlamaCpp}, ${b.gpu === false ? 'cpu' : b.gpu})`;
}

export async function describeBackend(llama: Llama): Promise<LlamaCppBackend> {
  return {
    gpu: llama.gpu as LlamaCppGpu,
    buildType: llama.buildType,
    llamaCppRelease: llama.llamaCppRelease.release,
    nodeLlamaCpp: await getModuleVersion(),
    gpuDevices: llama.gpu === false ? [] : await llama.getGpuDeviceNames(),
  };
}
