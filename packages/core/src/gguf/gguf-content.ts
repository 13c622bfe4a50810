import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_FILE } from '../forge/build-gpt2-folder.ts';
import { readFloatWeights } from '../forge/read-float-weights.ts';
import { GGUF_ALIGNMENT, GgufError, type GgufFileType, type GgufMetadata, gv, LLAMA_FILE_TYPE } from './gguf-format.ts';
import { type ArchContent, gpt2Content } from './gguf-gpt2.ts';
import { applyQ4KM } from './gguf-k-mix.ts';
import { llamaContent } from './gguf-llama.ts';
import { addTokenizerMetadata } from './gguf-tokenizer.ts';
import type { GgufContent } from './gguf-write.ts';

// A model folder (config.json, tokenizer.json, onnx/model.onnx) → the metadata and tensors of its
// GGUF: general.*, the architecture's hyperparameters, the tensors, the tokenizer. The weights are
// the float32 initializers of onnx/model.onnx, so forge, imported and trained folders alike.

export const GGUF_ARCHITECTURES = ['gpt2', 'llama'] as const;
export type GgufArchitecture = (typeof GGUF_ARCHITECTURES)[number];

const idOf = (v: unknown): number | null =>
  Number.isInteger(v) ? (v as number) : Array.isArray(v) && Number.isInteger(v[0]) ? (v[0] as number) : null;

export function ggufContent(folder: string, type: GgufFileType): GgufContent & { architecture: GgufArchitecture } {
  const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
  const arch = config.model_type;
  if (arch !== 'gpt2' && arch !== 'llama') {
    throw new GgufError(`${folder}: model_type ${JSON.stringify(arch)} has no GGUF writer (${GGUF_ARCHITECTURES.join(', ')})`);
  }
  const weights = readFloatWeights(join(folder, MODEL_FILE));
  const metadata: GgufMetadata = new Map();
  metadata.set('general.architecture', gv.str(arch));
  const inferlab = config.inferlab as { forge?: string } | undefined;
  metadata.set('general.name', gv.str(inferlab?.forge ?? String(config._name_or_path ?? arch)));
  metadata.set('general.alignment', gv.u32(GGUF_ALIGNMENT));
  metadata.set('general.file_type', gv.u32(LLAMA_FILE_TYPE[type]));
  // A mix is planned as its base type, then each tensor takes its type in the mix.
  const target = type === 'Q4_K_M' ? 'Q4_K' : type;
  const content: ArchContent =
    arch === 'gpt2' ? gpt2Content(config, weights, metadata, target) : llamaContent(config, weights, metadata, target);
  addTokenizerMetadata(metadata, folder, { bos: idOf(config.bos_token_id), eos: idOf(config.eos_token_id), vocabSize: content.vocabSize });
  return { metadata, tensors: type === 'Q4_K_M' ? applyQ4KM(content.tensors) : content.tensors, architecture: arch };
}
