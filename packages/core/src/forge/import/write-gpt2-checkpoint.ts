import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gpt2Spec } from '../forge-models.ts';
import { gpt2Config } from '../gpt2-config-files.ts';
import { type Gpt2Weights, gpt2WeightNames as W } from '../gpt2-weights.ts';
import { gpt2LayerShapes, HF_GPT2_NAMES, HF_PREFIX, transpose2d } from './gpt2-hf-layout.ts';
import { type TensorToWrite, writeSafetensorsFile } from './safetensors-write.ts';

// Forge weights → a Hugging Face GPT-2 checkpoint (config.json + model.safetensors, F32), the
// inverse of readGpt2Checkpoint: lets tests round-trip, and exports forge models to HF tools.

export type WriteGpt2CheckpointOptions = {
  /** Prefix names with `transformer.` as GPT2LMHeadModel.save_pretrained does (default true). */
  prefix?: boolean;
};

function get(weights: Gpt2Weights, name: string): { dims: number[]; data: Float32Array } {
  const w = weights.get(name);
  if (w === undefined) throw new Error(`missing GPT-2 weight '${name}'`);
  return w;
}

export function writeGpt2Checkpoint(
  dir: string,
  name: string,
  spec: Gpt2Spec,
  weights: Gpt2Weights,
  options: WriteGpt2CheckpointOptions = {},
): void {
  const p = options.prefix === false ? '' : HF_PREFIX;
  const { nEmbd: d, vocabSize: v } = spec;
  const tensors = new Map<string, TensorToWrite>();
  tensors.set(`${p}${HF_GPT2_NAMES.wte}`, { shape: [v, d], data: transpose2d(get(weights, W.wteT).data, d, v) });
  tensors.set(`${p}${HF_GPT2_NAMES.wpe}`, { shape: [spec.nPositions, d], data: get(weights, W.wpe).data });
  for (let i = 0; i < spec.nLayer; i++) {
    for (const [suffix, dims] of gpt2LayerShapes(d)) {
      tensors.set(`${p}h.${i}.${suffix}`, { shape: dims, data: get(weights, W.layer(i, suffix)).data });
    }
  }
  tensors.set(`${p}${HF_GPT2_NAMES.lnFWeight}`, { shape: [d], data: get(weights, W.lnFWeight).data });
  tensors.set(`${p}${HF_GPT2_NAMES.lnFBias}`, { shape: [d], data: get(weights, W.lnFBias).data });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(gpt2Config(name, spec), null, 2)}\n`);
  writeSafetensorsFile(join(dir, 'model.safetensors'), tensors);
}
