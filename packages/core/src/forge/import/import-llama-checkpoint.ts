import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeModelFile } from '../../onnx/index.ts';
import { MODEL_FILE } from '../build-gpt2-folder.ts';
import { gpt2SpecialTokensMap, gpt2TokenizerConfig, gpt2TokenizerJson } from '../gpt2-tokenizer-files.ts';
import { buildLlamaModel } from '../llama/llama-graph.ts';
import type { LlamaSpec } from '../llama/llama-spec.ts';
import { llamaParamCount } from '../llama/llama-weights.ts';
import type { ImportedFiles } from './import-gpt2-checkpoint.ts';
import { type HfLlamaConfig, LlamaImportError, llamaSpecFromConfig } from './llama-config-fields.ts';
import { readLlamaCheckpoint } from './read-llama-checkpoint.ts';

// HF Llama checkpoint folder → our transformers.js-layout folder: config.json and tokenizer files
// carried over, onnx/model.onnx built by the same graph builder as forge llama models, so every
// capability that runs on forge models (engine, quantized variants, quality) runs on it.

const CARRIED_FILES = ['generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.model'];
const GPT2_VOCAB_SIZE = 50257;
/** protobuf's limit on one message: onnx/model.onnx holds every weight inline (no external data yet). */
const MAX_ONNX_BYTES = 2 ** 31 - 1;

export type LlamaImportResult = { spec: LlamaSpec; files: ImportedFiles };

function record(files: ImportedFiles, dir: string, rel: string): void {
  const bytes = readFileSync(join(dir, rel));
  files[rel] = { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

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
  mkdirSync(join(outDir, 'onnx'), { recursive: true });
  const files: ImportedFiles = {};
  // The ONNX file holds float32 whatever the checkpoint's dtype was.
  writeFileSync(join(outDir, 'config.json'), `${JSON.stringify({ ...config, torch_dtype: 'float32' }, null, 2)}\n`);
  record(files, outDir, 'config.json');
  for (const rel of CARRIED_FILES) {
    if (!existsSync(join(checkpointDir, rel))) continue;
    copyFileSync(join(checkpointDir, rel), join(outDir, rel));
    record(files, outDir, rel);
  }
  // Forge llama checkpoints (GPT-2 vocabulary) carry no tokenizer: they get GPT-2's real one.
  if (!files['tokenizer.json'] && spec.vocabSize === GPT2_VOCAB_SIZE) {
    writeFileSync(join(outDir, 'tokenizer.json'), gpt2TokenizerJson());
    writeFileSync(join(outDir, 'tokenizer_config.json'), JSON.stringify(gpt2TokenizerConfig(spec.maxPositions), null, 2));
    writeFileSync(join(outDir, 'special_tokens_map.json'), JSON.stringify(gpt2SpecialTokensMap(), null, 2));
    for (const rel of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) record(files, outDir, rel);
  }
  files[MODEL_FILE] = writeModelFile(join(outDir, MODEL_FILE), buildLlamaModel(spec, weights));
  return { spec, files };
}
