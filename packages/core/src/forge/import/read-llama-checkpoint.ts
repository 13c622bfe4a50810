import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LlamaSpec } from '../llama/llama-spec.ts';
import { type LlamaWeights, llamaWeightNames as W } from '../llama/llama-weights.ts';
import { CheckpointTensors } from './checkpoint-tensors.ts';
import { transpose2d } from './gpt2-hf-layout.ts';
import { type HfLlamaConfig, LlamaImportError, llamaSpecFromConfig } from './llama-config-fields.ts';
import { HF_LLAMA_NAMES, HF_LLAMA_PREFIX, llamaLayerTensors } from './llama-hf-layout.ts';

// A Hugging Face Llama folder (config.json + model.safetensors, or shards with an index) → the
// spec and weight map that buildLlamaModel consumes. F32, F16 and BF16 tensors become float32
// (exactly: every F16/BF16 value is a float32 value).

export type LlamaCheckpoint = { spec: LlamaSpec; weights: LlamaWeights; config: HfLlamaConfig };

/** Reads one HF-named tensor, with or without the `model.` prefix, checking its shape. */
function tensorReader(tensors: CheckpointTensors) {
  return (hfName: string, dims: number[]): Float32Array => {
    const name = tensors.has(`${HF_LLAMA_PREFIX}${hfName}`) ? `${HF_LLAMA_PREFIX}${hfName}` : hfName;
    if (!tensors.has(name)) throw new LlamaImportError(`the checkpoint has no tensor '${HF_LLAMA_PREFIX}${hfName}'`);
    const shape = tensors.info(name).shape;
    if (shape.length !== dims.length || shape.some((d, i) => d !== dims[i])) {
      throw new LlamaImportError(`'${name}' has shape [${shape}], expected [${dims}] from config.json`);
    }
    return tensors.read(name);
  };
}

export function readLlamaCheckpoint(dir: string): LlamaCheckpoint {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) throw new LlamaImportError(`${dir} has no config.json`);
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as HfLlamaConfig;
  const spec = llamaSpecFromConfig(config);
  const tensors = CheckpointTensors.open(dir);
  const read = tensorReader(tensors);
  const { hidden: d, vocabSize: v } = spec;

  const weights: LlamaWeights = new Map();
  const embed = read(HF_LLAMA_NAMES.embed, [v, d]); // (V, D)
  if (spec.tieWordEmbeddings) {
    weights.set(W.embedT, { dims: [d, v], data: transpose2d(embed, v, d) }); // (D, V), read by Gather and the head
    checkTiedHead(tensors, embed);
  } else {
    weights.set(W.embed, { dims: [v, d], data: embed });
    if (!tensors.has(HF_LLAMA_NAMES.lmHead)) {
      throw new LlamaImportError(
        `the checkpoint has no tensor '${HF_LLAMA_NAMES.lmHead}' and config.json has tie_word_embeddings false; set it true if the head shares the embedding`,
      );
    }
    weights.set(W.lmHeadT, { dims: [d, v], data: transpose2d(read(HF_LLAMA_NAMES.lmHead, [v, d]), v, d) });
  }
  for (let i = 0; i < spec.nLayer; i++) {
    for (const t of llamaLayerTensors(spec)) {
      const data = read(`layers.${i}.${t.hfSuffix}`, t.hfDims);
      const [rows, cols] = t.hfDims as [number, number];
      weights.set(
        W.layer(i, t.forgeSuffix),
        t.transposed ? { dims: [cols, rows], data: transpose2d(data, rows, cols) } : { dims: t.hfDims, data },
      );
    }
  }
  weights.set(W.norm, { dims: [d], data: read(HF_LLAMA_NAMES.norm, [d]) });
  return { spec, weights, config };
}

/** Tied: a saved lm_head.weight (some exporters keep it) must be the embedding, or the tie is a lie. */
function checkTiedHead(tensors: CheckpointTensors, embed: Float32Array): void {
  if (!tensors.has(HF_LLAMA_NAMES.lmHead)) return;
  const head = tensors.read(HF_LLAMA_NAMES.lmHead);
  if (head.length !== embed.length || head.some((x, i) => x !== embed[i])) {
    throw new LlamaImportError(
      `'${HF_LLAMA_NAMES.lmHead}' differs from '${HF_LLAMA_PREFIX}${HF_LLAMA_NAMES.embed}' but config.json has tie_word_embeddings true; set it false to import the separate head`,
    );
  }
}
