import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeModelFile } from '../../onnx/index.ts';
import { MODEL_FILE } from '../build-gpt2-folder.ts';
import type { Gpt2Spec } from '../forge-models.ts';
import { buildGpt2Model } from '../gpt2-graph.ts';
import { gpt2SpecialTokensMap, gpt2TokenizerConfig, gpt2TokenizerJson } from '../gpt2-tokenizer-files.ts';
import { readGpt2Checkpoint } from './read-gpt2-checkpoint.ts';

// HF GPT-2 checkpoint folder → our transformers.js-layout folder: config.json and tokenizer files
// carried over, onnx/model.onnx built by the same graph builder as forge models, so every
// capability that runs on forge models runs on the imported one.

/** Files copied verbatim from the checkpoint when present. */
const CARRIED_FILES = [
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.json',
  'merges.txt',
];
const GPT2_VOCAB_SIZE = 50257;

export type ImportedFiles = Record<string, { bytes: number; sha256: string }>;

export type Gpt2ImportResult = { spec: Gpt2Spec; files: ImportedFiles };

function record(files: ImportedFiles, dir: string, rel: string): void {
  const bytes = readFileSync(join(dir, rel));
  files[rel] = { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function importGpt2Checkpoint(checkpointDir: string, outDir: string): Gpt2ImportResult {
  const { spec, weights, config } = readGpt2Checkpoint(checkpointDir);
  mkdirSync(join(outDir, 'onnx'), { recursive: true });
  const files: ImportedFiles = {};
  writeFileSync(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  record(files, outDir, 'config.json');
  for (const rel of CARRIED_FILES) {
    if (!existsSync(join(checkpointDir, rel))) continue;
    copyFileSync(join(checkpointDir, rel), join(outDir, rel));
    record(files, outDir, rel);
  }
  // A checkpoint without tokenizer files but with GPT-2's vocabulary gets GPT-2's real tokenizer.
  if (!files['tokenizer.json'] && spec.vocabSize === GPT2_VOCAB_SIZE) {
    writeFileSync(join(outDir, 'tokenizer.json'), gpt2TokenizerJson());
    writeFileSync(join(outDir, 'tokenizer_config.json'), JSON.stringify(gpt2TokenizerConfig(spec.nPositions), null, 2));
    writeFileSync(join(outDir, 'special_tokens_map.json'), JSON.stringify(gpt2SpecialTokensMap(), null, 2));
    for (const rel of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) record(files, outDir, rel);
  }
  files[MODEL_FILE] = writeModelFile(join(outDir, MODEL_FILE), buildGpt2Model(spec, weights));
  return { spec, files };
}
