import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { llamaConfig } from '../llama/llama-config-files.ts';
import type { LlamaSpec } from '../llama/llama-spec.ts';
import { type LlamaWeights, llamaWeightNames as W } from '../llama/llama-weights.ts';
import { SAFETENSORS_FILE, SAFETENSORS_INDEX_FILE } from './checkpoint-tensors.ts';
import { transpose2d } from './gpt2-hf-layout.ts';
import { halfBytes } from './half-float-encode.ts';
import { HF_LLAMA_NAMES, HF_LLAMA_PREFIX, llamaLayerTensors } from './llama-hf-layout.ts';
import { type TensorToWrite, writeSafetensorsFile } from './safetensors-write.ts';

// Forge weights → a Hugging Face Llama checkpoint as save_pretrained writes it: config.json and
// model.safetensors (or shards + model.safetensors.index.json), `model.`-prefixed names, Linear
// weights (out, in), no lm_head.weight when tied. The inverse of readLlamaCheckpoint; F16/BF16
// round each float32 to nearest even, as torch's .half()/.bfloat16() do.

export type WriteLlamaCheckpointOptions = {
  dtype?: 'F32' | 'F16' | 'BF16';
  /** Split into this many shard files with an index (default 1: one model.safetensors). */
  shards?: number;
};

function get(weights: LlamaWeights, name: string): { dims: number[]; data: Float32Array } {
  const w = weights.get(name);
  if (w === undefined) throw new Error(`missing Llama weight '${name}'`);
  return w;
}

/** HF name → (HF shape, float32 data), in save_pretrained's order. */
export function llamaHfTensors(spec: LlamaSpec, weights: LlamaWeights): Map<string, { shape: number[]; data: Float32Array }> {
  const { hidden: d, vocabSize: v } = spec;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const embed = spec.tieWordEmbeddings ? transpose2d(get(weights, W.embedT).data, d, v) : get(weights, W.embed).data;
  out.set(`${HF_LLAMA_PREFIX}${HF_LLAMA_NAMES.embed}`, { shape: [v, d], data: embed });
  for (let i = 0; i < spec.nLayer; i++) {
    for (const t of llamaLayerTensors(spec)) {
      const { dims, data } = get(weights, W.layer(i, t.forgeSuffix));
      const hf = t.transposed ? transpose2d(data, dims[0] as number, dims[1] as number) : data;
      out.set(`${HF_LLAMA_PREFIX}layers.${i}.${t.hfSuffix}`, { shape: t.hfDims, data: hf });
    }
  }
  out.set(`${HF_LLAMA_PREFIX}${HF_LLAMA_NAMES.norm}`, { shape: [d], data: get(weights, W.norm).data });
  if (!spec.tieWordEmbeddings) out.set(HF_LLAMA_NAMES.lmHead, { shape: [v, d], data: transpose2d(get(weights, W.lmHeadT).data, d, v) });
  return out;
}

export function writeLlamaCheckpoint(
  dir: string,
  name: string,
  spec: LlamaSpec,
  weights: LlamaWeights,
  options: WriteLlamaCheckpointOptions = {},
): void {
  const dtype = options.dtype ?? 'F32';
  const shards = options.shards ?? 1;
  const entries = [...llamaHfTensors(spec, weights)].map(([tensorName, t]): [string, TensorToWrite] => [
    tensorName,
    dtype === 'F32' ? t : { shape: t.shape, dtype, bytes: halfBytes(t.data, dtype) },
  ]);
  mkdirSync(dir, { recursive: true });
  const config = { ...llamaConfig(name, spec), torch_dtype: { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[dtype] };
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  if (shards === 1) {
    writeSafetensorsFile(join(dir, SAFETENSORS_FILE), new Map(entries));
    return;
  }
  const per = Math.ceil(entries.length / shards);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = entries.slice(s * per, (s + 1) * per);
    for (const [tensorName] of part) weightMap[tensorName] = file;
    writeSafetensorsFile(join(dir, file), new Map(part));
  }
  writeFileSync(join(dir, SAFETENSORS_INDEX_FILE), `${JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 2)}\n`);
}
