import {
  type DecoderSession,
  type Generation,
  isLlamaCppDtype,
  type LlamaCppBackend,
  LlamaCppRunner,
  llamaCppEngineVersion,
  llamaGpuForDevice,
  type ResolvedModel,
  UnsupportedEngineConfigError,
} from '@inferlab/core';
import type { CellDecodingSpec, RunGroup } from './cell-decoding.ts';

// The llama.cpp engine of a cell: one runner per process (the GGUF written beside the model on
// first use), replaced when a cell needs another model, dtype, thread count or device. A cuda cell
// runs on the CUDA binary, else Vulkan, else fails (llamaGpuForDevice): never on the CPU quietly.

let current: { key: string; runner: Promise<LlamaCppRunner> } | null = null;
let lastBackend: LlamaCppBackend | null = null;

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
  const runner = await current.runner;
  lastBackend = runner.backend;
  return runner;
}

/** "llama.cpp <release> (node-llama-cpp <version>, <cpu|cuda|vulkan>)": the backend that ran the last cell. */
export function llamaCppVersion(): string {
  return lastBackend === null ? 'llama.cpp' : llamaCppEngineVersion(lastBackend);
}

export async function prepareLlamaCpp(
  spec: CellDecodingSpec,
  target: { model: ResolvedModel; session: DecoderSession },
): Promise<RunGroup> {
  const runner = await llamaRunner(target.model, spec);
  const options = { maxNewTokens: spec.maxNewTokens, useCache: true, eosTokenIds: target.session.config.eosTokenIds };
  return async (prompts) => {
    const out: Generation[] = [];
    for (const p of prompts) out.push(await runner.generate(p, options));
    return out;
  };
}
