import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLlamaModel } from '../llama/llama-graph.ts';
import type { LlamaSpec } from '../llama/llama-spec.ts';
import { llamaParamCount } from '../llama/llama-weights.ts';
import { type HfLlamaConfig, LlamaImportError, llamaSpecFromConfig } from './llama-config-fields.ts';
import { readLlamaCheckpoint } from './read-llama-checkpoint.ts';
import { type ImportedFiles, writeImportedFolder } from './write-imported-folder.ts';

// HF Llama checkpoint folder → our transformers.js-layout folder: config.json and tokenizer files
// carried over, onnx/model.onnx built by the same graph builder as forge llama models, so every
// capability that runs on forge models (engine, quantized variants, quality) runs on it.

const CARRIED_FILES = ['generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.model'];
/** protobuf's limit on one message: onnx/model.onnx holds every weight inline (no external data yet). */
const MAX_ONNX_BYTES = 2 ** 31 - 1;

export type LlamaImportResult = { spec: LlamaSpec; files: ImportedFiles };

/** Refuses, before reading any tensor, a model whose float32 graph cannot be one ONNX file. */
function checkFitsOneFile(checkpointDir: string): void {
  let config: HfLlamaConfig;
  try {
    config = JSON.parse(readFileSync(join(checkpointDir, 'config.json'), 'utf8')) as HfLlamaConfig;
  } catch {
    return; // readLlamaCheckpoint reports the missing or broken config.json
  }
  const spec = llamaSpecFromConfig(config);
  const bytes = 4 * (llamaParamCount(spec) + 2 * spec.maxPositions * spec.headDim); // weights + RoPE tables
  if (bytes > MAX_ONNX_BYTES) {
    throw new LlamaImportError(
      `config.json describes ${(bytes / 2 ** 30).toFixed(2)} GiB of float32 weights; one ONNX file holds at most 2 GiB and forge does not write external data yet: import a smaller model`,
    );
  }
}

export function importLlamaCheckpoint(checkpointDir: string, outDir: string): LlamaImportResult {
  checkFitsOneFile(checkpointDir);
  const { spec, weights, config } = readLlamaCheckpoint(checkpointDir);
  const files = writeImportedFolder(checkpointDir, outDir, {
    config: { ...config, torch_dtype: 'float32' }, // the ONNX file holds float32 whatever the checkpoint's dtype was
    carried: CARRIED_FILES,
    vocabSize: spec.vocabSize,
    maxPositions: spec.maxPositions,
    model: buildLlamaModel(spec, weights),
  });
  return { spec, files };
}
