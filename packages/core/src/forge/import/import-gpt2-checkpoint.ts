import type { Gpt2Spec } from '../forge-models.ts';
import { buildGpt2Model } from '../gpt2-graph.ts';
import { readGpt2Checkpoint } from './read-gpt2-checkpoint.ts';
import { type ImportedFiles, writeImportedFolder } from './write-imported-folder.ts';

export type { ImportedFiles } from './write-imported-folder.ts';

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

export type Gpt2ImportResult = { spec: Gpt2Spec; files: ImportedFiles };

export function importGpt2Checkpoint(checkpointDir: string, outDir: string): Gpt2ImportResult {
  const { spec, weights, config } = readGpt2Checkpoint(checkpointDir);
  const model = buildGpt2Model(spec, weights);
  const files = writeImportedFolder(checkpointDir, outDir, {
    config,
    carried: CARRIED_FILES,
    vocabSize: spec.vocabSize,
    maxPositions: spec.nPositions,
    model,
  });
  return { spec, files };
}
