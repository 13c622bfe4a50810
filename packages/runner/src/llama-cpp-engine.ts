import {
  type DecoderSession,
  fileSha256,
  type Generation,
  isLlamaCppDtype,
  LLAMA_CPP_DTYPES,
  LlamaCppRunner,
  llamaCppEngineVersion,
  llamaGpuForDevice,
  type ResolvedModel,
  readGgufManifest,
  UnsupportedEngineConfigError,
} from '@inferlab/core';
import type { CellDecodingSpec, RunGroup } from './cell-decoding.ts';
import type { EngineRan } from './engine-ran.ts';

// The llama.cpp engine of a cell: one runner per process (the GGUF written beside the model on
// first use), replaced when a cell needs another model, dtype, thread count or device. A cuda cell
// runs on the CUDA binary, else Vulkan, else fails (llamaGpuForDevice): never on the CPU quietly.

let current: { key: string; runner: Promise<LlamaCppRunner> } | null = null;

async function llamaRunner(model: ResolvedModel, spec: CellDecodingSpec): Promise<LlamaCppRunner> {
  const dtype = spec.variant.dtype;
  if (!isLlamaCppDtype(dtype)) throw new UnsupportedEngineConfigError(`the llama.cpp engine has no GGUF for dtype ${dtype}`);
  const key = `${model.folder}|${dtype}|${spec.threads}|${spec.device}`;
  if (current?.key !== key) {
    const old = current;
    await old?.runner.then((r) => r.release()).catch(() => undefined);
    const runner = llamaGpuForDevice(spec.device).then((gpu) => LlamaCppRunner.load(model.folder, { dtype, threads: spec.threads, gpu }));
    current = { key, runner };
    runner.catch(() => {
      if (current?.key === key) current = null;
    });
  }
  return current.runner;
}

/**
 * What a llama.cpp cell ran: the backend ("llama.cpp <release> (node-llama-cpp <version>, <cpu|cuda|vulkan>)")
 * and the GGUF file with the sha256 and type its manifest entry recorded when it was written (gguf-file.ts).
 */
async function llamaCppRan(runner: LlamaCppRunner, model: ResolvedModel, spec: CellDecodingSpec): Promise<EngineRan> {
  const type = LLAMA_CPP_DTYPES[spec.variant.dtype as keyof typeof LLAMA_CPP_DTYPES];
  const entry = readGgufManifest(model.folder, type);
  return {
    engine: llamaCppEngineVersion(runner.backend),
    backend: runner.backend.gpu === false ? 'cpu' : runner.backend.gpu,
    // The entry is current (the runner just ensured the file); hashing is the fallback should it have been replaced since.
    file: { path: runner.file, sha256: entry?.sha256 ?? (await fileSha256(runner.file)), ggufType: type },
  };
}

export async function prepareLlamaCpp(
  spec: CellDecodingSpec,
  target: { model: ResolvedModel; session: DecoderSession },
): Promise<{ run: RunGroup; ran: EngineRan }> {
  const runner = await llamaRunner(target.model, spec);
  const options = { maxNewTokens: spec.maxNewTokens, useCache: true, eosTokenIds: target.session.config.eosTokenIds };
  const run: RunGroup = async (prompts) => {
    const out: Generation[] = [];
    for (const p of prompts) out.push(await runner.generate(p, options));
    return out;
  };
  return { run, ran: await llamaCppRan(runner, target.model, spec) };
}
