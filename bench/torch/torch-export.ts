// GPT-2 and Llama → ONNX through torch.onnx.export (export_gpt2_onnx.py, export_llama_onnx.py beside
// this file): decoder graphs our own builders did not write, with the node structure a hub (Optimum) export has, to test graph
// rewrites on. Bench and fixture tooling only: it needs Debian's torch at /usr/bin/python3, which
// neither the product nor its tests may depend on.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FORGE_MANIFEST_FILE } from '../../packages/core/src/forge/forge-model.ts';
import { type HfGpt2Config, specFromConfig } from '../../packages/core/src/forge/import/read-gpt2-checkpoint.ts';
import { writeGpt2Checkpoint } from '../../packages/core/src/forge/import/write-gpt2-checkpoint.ts';
import { readFloatWeights } from '../../packages/core/src/forge/read-float-weights.ts';
import { MODEL_FILE } from '../../packages/core/src/forge/write-forge-folder.ts';

/** Debian's python, the one with python3-torch; the pyenv python3 on PATH has no torch. */
export const TORCH_PYTHON = '/usr/bin/python3';
export const EXPORT_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'export_gpt2_onnx.py');
export const LLAMA_EXPORT_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'export_llama_onnx.py');

/** GPT-2's attention as exported: HF's eager GPT2Attention, or SDPA as torch 2.x's exporter decomposes it. */
export type Gpt2ExportAttention = 'eager' | 'sdpa';

/** Files a hub folder takes from the forge folder as they are; the first three must be there. */
const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
const OPTIONAL_FILES = ['generation_config.json', 'special_tokens_map.json'];

/** torch cannot be run, or the export failed: the message says what to install or what went wrong. */
export class TorchExportError extends Error {
  override name = 'TorchExportError';
}

/** The torch version at TORCH_PYTHON; throws TorchExportError naming the apt package when it has none. */
export function torchVersion(): string {
  const r = spawnSync(TORCH_PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error?.message ?? r.stderr.trim().split('\n').at(-1);
    throw new TorchExportError(`torch is not importable by ${TORCH_PYTHON} (${why}); install it with: sudo apt-get install python3-torch`, {
      cause: r.error,
    });
  }
  return r.stdout.trim();
}

/** Exports checkpointDir (config.json + F32 model.safetensors) to outFile; the script's report goes to stdout. */
export function exportGpt2WithTorch(checkpointDir: string, outFile: string, options: { attention?: Gpt2ExportAttention } = {}): void {
  runExportScript(EXPORT_SCRIPT, checkpointDir, outFile, options.attention === undefined ? [] : ['--attention', options.attention]);
}

/** Exports a Llama checkpoint (config.json + F32 model.safetensors, as writeLlamaCheckpoint writes it) to outFile. */
export function exportLlamaWithTorch(checkpointDir: string, outFile: string): void {
  runExportScript(LLAMA_EXPORT_SCRIPT, checkpointDir, outFile, []);
}

function runExportScript(script: string, checkpointDir: string, outFile: string, extra: string[]): void {
  torchVersion();
  const args = [script, '--checkpoint', checkpointDir, '--out', outFile, ...extra];
  try {
    execFileSync(TORCH_PYTHON, args, { stdio: ['ignore', 'inherit', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (cause) {
    const stderr = String((cause as { stderr?: Buffer }).stderr ?? '').trim();
    throw new TorchExportError(`torch export of ${checkpointDir} failed:\n${stderr.split('\n').slice(-15).join('\n')}`, { cause });
  }
}

/**
 * A hub-layout folder (config and tokenizer files, onnx/model.onnx exported by torch, no forge
 * manifest) from a forge GPT-2 folder: the same weights, read back from its model.onnx, in a
 * graph torch wrote.
 */
export function hubFolderFromForge(forgeFolder: string, outFolder: string): void {
  const config = JSON.parse(readFileSync(join(forgeFolder, 'config.json'), 'utf8')) as HfGpt2Config & { model_type?: string };
  if (config.model_type !== 'gpt2') {
    throw new TorchExportError(`${forgeFolder} is a '${config.model_type}' model; the torch export handles GPT-2 forge folders only`);
  }
  const missing = REQUIRED_FILES.filter((f) => !existsSync(join(forgeFolder, f)));
  if (missing.length > 0) throw new TorchExportError(`${forgeFolder} lacks ${missing.join(', ')}: rebuild it with forgeModel()`);
  if (existsSync(join(outFolder, FORGE_MANIFEST_FILE))) {
    throw new TorchExportError(`${outFolder} holds a forge manifest: write the hub folder to a new folder, not over a forge one`);
  }
  const spec = specFromConfig(config);
  const checkpoint = mkdtempSync(join(tmpdir(), 'inferlab-hf-gpt2-'));
  try {
    writeGpt2Checkpoint(checkpoint, 'torch-export', spec, readFloatWeights(join(forgeFolder, MODEL_FILE)));
    mkdirSync(join(outFolder, 'onnx'), { recursive: true });
    exportGpt2WithTorch(checkpoint, join(outFolder, MODEL_FILE));
  } finally {
    rmSync(checkpoint, { recursive: true, force: true });
  }
  for (const f of [...REQUIRED_FILES, ...OPTIONAL_FILES]) {
    if (existsSync(join(forgeFolder, f))) copyFileSync(join(forgeFolder, f), join(outFolder, f));
  }
}
