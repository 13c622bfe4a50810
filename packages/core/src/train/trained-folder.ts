import { copyFileSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '@inferlab/experiments';
import type { ForgeSpec } from '../forge/forge-models.ts';
import { SAFETENSORS_FILE } from '../forge/import/checkpoint-tensors.ts';
import { importGpt2Checkpoint } from '../forge/import/import-gpt2-checkpoint.ts';
import { importLlamaCheckpoint } from '../forge/import/import-llama-checkpoint.ts';
import { writeGpt2Checkpoint } from '../forge/import/write-gpt2-checkpoint.ts';
import type { ImportedFiles } from '../forge/import/write-imported-folder.ts';
import { writeLlamaCheckpoint } from '../forge/import/write-llama-checkpoint.ts';
import type { TrainWeights } from './checkpoint.ts';

// Trained weights → a model folder in the transformers.js layout, through the checkpoint import
// path: the weights are written as a Hugging Face checkpoint (config.json + model.safetensors,
// F32), imported by the same code as hub checkpoints (so onnx/model.onnx comes from the forge graph
// builders and every variant is derived as for any imported model), and the safetensors file and a
// training card are kept beside it. Built in a temporary folder and renamed into place.

export const TRAINING_CARD_FILE = 'training_card.json';

export type TrainedFolderContent = {
  /** The model's name in config.json. */
  name: string;
  spec: ForgeSpec;
  weights: TrainWeights;
  /** A folder whose tokenizer files are carried over (e.g. a trained BPE); default: GPT-2's for its vocabulary. */
  tokenizerDir?: string;
  /** Anything JSON: corpus, steps, losses, held-out perplexity, wall time, commit. */
  card: unknown;
};

export class TrainedFolderError extends PermanentError {
  override readonly name = 'TrainedFolderError';
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

export function writeTrainedFolder(outDir: string, c: TrainedFolderContent): ImportedFiles {
  if (existsSync(outDir)) throw new TrainedFolderError(`${outDir} exists: trained folders are immutable, choose a new version`);
  const tmp = `${outDir}.tmp-${process.pid}`;
  const staged = join(tmp, '.checkpoint');
  rmSync(tmp, { recursive: true, force: true });
  try {
    if (c.spec.family === 'gpt2') writeGpt2Checkpoint(staged, c.name, c.spec, c.weights);
    else writeLlamaCheckpoint(staged, c.name, c.spec, c.weights);
    for (const rel of TOKENIZER_FILES) {
      if (c.tokenizerDir !== undefined && existsSync(join(c.tokenizerDir, rel))) copyFileSync(join(c.tokenizerDir, rel), join(staged, rel));
    }
    const { files } = c.spec.family === 'gpt2' ? importGpt2Checkpoint(staged, tmp) : importLlamaCheckpoint(staged, tmp);
    copyFileSync(join(staged, SAFETENSORS_FILE), join(tmp, SAFETENSORS_FILE));
    writeFileSync(join(tmp, TRAINING_CARD_FILE), `${JSON.stringify(c.card, null, 2)}\n`);
    rmSync(staged, { recursive: true });
    renameSync(tmp, outDir);
    return files;
  } catch (cause) {
    rmSync(tmp, { recursive: true, force: true });
    throw cause;
  }
}
