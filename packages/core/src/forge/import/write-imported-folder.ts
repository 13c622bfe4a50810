import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ModelProto, writeModelFile } from '../../onnx/index.ts';
import { MODEL_FILE } from '../build-gpt2-folder.ts';
import { gpt2SpecialTokensMap, gpt2TokenizerConfig, gpt2TokenizerJson } from '../gpt2-tokenizer-files.ts';

// The folder an imported checkpoint becomes (transformers.js layout): config.json, the
// checkpoint's own tokenizer files carried over, onnx/model.onnx built by our graph builders.

export type ImportedFiles = Record<string, { bytes: number; sha256: string }>;

const GPT2_VOCAB_SIZE = 50257;

export type ImportedFolderContent = {
  config: unknown;
  /** Files copied verbatim from the checkpoint when present. */
  carried: readonly string[];
  vocabSize: number;
  maxPositions: number;
  model: ModelProto;
};

function record(files: ImportedFiles, dir: string, rel: string): void {
  const bytes = readFileSync(join(dir, rel));
  files[rel] = { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function writeImportedFolder(checkpointDir: string, outDir: string, content: ImportedFolderContent): ImportedFiles {
  mkdirSync(join(outDir, 'onnx'), { recursive: true });
  const files: ImportedFiles = {};
  writeFileSync(join(outDir, 'config.json'), `${JSON.stringify(content.config, null, 2)}\n`);
  record(files, outDir, 'config.json');
  for (const rel of content.carried) {
    if (!existsSync(join(checkpointDir, rel))) continue;
    copyFileSync(join(checkpointDir, rel), join(outDir, rel));
    record(files, outDir, rel);
  }
  // A checkpoint without tokenizer files but with GPT-2's vocabulary (forge checkpoints among them) gets GPT-2's real tokenizer.
  if (!files['tokenizer.json'] && content.vocabSize === GPT2_VOCAB_SIZE) {
    writeFileSync(join(outDir, 'tokenizer.json'), gpt2TokenizerJson());
    writeFileSync(join(outDir, 'tokenizer_config.json'), JSON.stringify(gpt2TokenizerConfig(content.maxPositions), null, 2));
    writeFileSync(join(outDir, 'special_tokens_map.json'), JSON.stringify(gpt2SpecialTokensMap(), null, 2));
    for (const rel of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) record(files, outDir, rel);
  }
  files[MODEL_FILE] = writeModelFile(join(outDir, MODEL_FILE), content.model);
  return files;
}
